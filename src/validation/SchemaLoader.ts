// Loads JSON Schemas (written in JSON or YAML) from the workspace and compiles each once, with the
// ajv flavour its `$schema` asks for: draft-07 (also the default), 2019-09 or 2020-12. `$ref`s to
// other local schema files are loaded too.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import AjvDraft7Module, { type ValidateFunction } from 'ajv';
import Ajv2019Module from 'ajv/dist/2019.js';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { YamlSource, type Span } from './YamlSource.js';

// ajv and ajv-formats are CommonJS: under NodeNext the class is either the module or its `default`.
type AjvClass = typeof AjvDraft7Module.default;
type Ajv = InstanceType<AjvClass>;
const cjs = <T>(m: T): T => ((m as { default?: T }).default ?? m) as T;
const AjvDraft7 = cjs(AjvDraft7Module) as unknown as AjvClass;
const Ajv2019 = cjs(Ajv2019Module) as unknown as AjvClass;
const Ajv2020 = cjs(Ajv2020Module) as unknown as AjvClass;
const addFormats = cjs(addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

export type Draft = 'draft-07' | '2019-09' | '2020-12';

export interface LoadedSchema {
  /** Workspace-relative path. */
  file: string;
  draft: Draft;
  validate: ValidateFunction;
}

/** A schema that cannot be used: unreadable, not YAML/JSON, not a schema, or an unresolvable $ref. */
export class SchemaFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly span?: Span,
  ) {
    super(message);
    this.name = 'SchemaFileError';
  }
}

const META: Record<Draft, string> = {
  'draft-07': 'http://json-schema.org/draft-07/schema#',
  '2019-09': 'https://json-schema.org/draft/2019-09/schema',
  '2020-12': 'https://json-schema.org/draft/2020-12/schema',
};

export function draftOf(schema: unknown): Draft {
  const s = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  if (s === undefined) return 'draft-07';
  const id = String(s);
  if (id.includes('2020-12')) return '2020-12';
  if (id.includes('2019-09')) return '2019-09';
  if (/draft-07/.test(id)) return 'draft-07';
  throw new Error(
    `$schema '${id}' is not supported: use draft-07, 2019-09 or 2020-12 ` +
      `(e.g. "$schema": "${META['2020-12']}") and update the keywords that changed`,
  );
}

/** Where a schema file writes its `$schema`, for pointing at an unsupported one. */
function metaSpan(abs: string): Span | undefined {
  try {
    const src = new YamlSource(readFileSync(abs, 'utf8'));
    const loc = src.find(0, ['$schema']);
    return loc.depth === 1 ? src.valueSpan(loc, 0) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A copy of a schema with `$schema` spelled as ajv knows it: people (and the Compose spec) write
 * `https://json-schema.org/draft-07/schema` or leave off the `#`.
 */
export function withCanonicalMeta<T>(schema: T, draft: Draft): T {
  if (typeof schema !== 'object' || schema === null || !('$schema' in schema)) return schema;
  return { ...schema, $schema: META[draft] };
}

/** Options shared by every ajv instance: every error, with the data and schema they came from. */
export function newAjv(draft: Draft, extra: ConstructorParameters<AjvClass>[0] = {}): Ajv {
  const Cls = draft === '2020-12' ? Ajv2020 : draft === '2019-09' ? Ajv2019 : AjvDraft7;
  const ajv = new Cls({
    allErrors: true,
    verbose: true,
    strict: false,
    allowUnionTypes: true,
    logger: false,
    ...extra,
  });
  addFormats(ajv);
  return ajv;
}

/** Reads a YAML or JSON document with its positions; throws SchemaFileError for a broken one. */
function readDocument(abs: string, rel: string): unknown {
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new SchemaFileError(rel, `cannot read the schema: ${(e as Error).message}`);
  }
  if (abs.endsWith('.json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Fall through to the YAML parser, which says where.
    }
  }
  const src = new YamlSource(text);
  const p = src.problems[0];
  if (p)
    throw new SchemaFileError(
      rel,
      `the schema is not valid ${abs.endsWith('.json') ? 'JSON' : 'YAML'}: ${p.message}`,
      p.span,
    );
  if (src.docs.length !== 1) throw new SchemaFileError(rel, 'a schema file must hold exactly one document');
  return src.values()[0];
}

function localRefs(schema: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) localRefs(s, out);
  else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === '$ref' && typeof v === 'string' && !v.startsWith('#')) out.add(v.split('#')[0]!);
      else if (k !== 'const' && k !== 'enum' && k !== 'default' && k !== 'examples') localRefs(v, out);
    }
  }
  return out;
}

export class SchemaLoader {
  private readonly cache = new Map<string, LoadedSchema | SchemaFileError>();
  private readonly ajvs = new Map<Draft, Ajv>();

  constructor(private readonly workspace: string) {}

  private ajv(draft: Draft): Ajv {
    let a = this.ajvs.get(draft);
    if (!a) this.ajvs.set(draft, (a = newAjv(draft)));
    return a;
  }

  /** The compiled schema at a workspace-relative path (cached, errors too). */
  load(file: string): LoadedSchema {
    const abs = resolve(this.workspace, file);
    const hit = this.cache.get(abs);
    if (hit instanceof SchemaFileError) throw hit;
    if (hit) return hit;
    const rel = relative(this.workspace, abs) || file;
    try {
      const loaded = this.compile(abs, rel);
      this.cache.set(abs, loaded);
      return loaded;
    } catch (e) {
      const err = e instanceof SchemaFileError ? e : new SchemaFileError(rel, (e as Error).message);
      this.cache.set(abs, err);
      throw err;
    }
  }

  private compile(abs: string, rel: string): LoadedSchema {
    const schema = readDocument(abs, rel);
    if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema)))
      throw new SchemaFileError(rel, 'a JSON Schema must be a mapping (or true/false)');
    let draft: Draft;
    try {
      draft = draftOf(schema);
    } catch (e) {
      throw new SchemaFileError(rel, `${rel}: ${(e as Error).message}`, metaSpan(abs));
    }
    const ajv = this.ajv(draft);
    const url = pathToFileURL(abs).href;
    const root = typeof schema === 'object' ? { ...(withCanonicalMeta(schema, draft) as object) } : schema;
    if (typeof root === 'object' && !('$id' in root)) (root as Record<string, unknown>).$id = url;
    this.addReferenced(ajv, root, url, new Set([url]));
    try {
      const existing = typeof root === 'object' ? ajv.getSchema(String((root as { $id: unknown }).$id)) : undefined;
      return { file: rel, draft, validate: existing ?? ajv.compile(root) };
    } catch (e) {
      throw new SchemaFileError(rel, `the schema is invalid: ${(e as Error).message}`);
    }
  }

  /** Adds the local files a schema `$ref`s (relative to its own file), recursively. */
  private addReferenced(ajv: Ajv, schema: unknown, baseUrl: string, seen: Set<string>): void {
    for (const ref of localRefs(schema)) {
      let target: URL;
      try {
        target = new URL(ref, baseUrl);
      } catch {
        continue;
      }
      if (target.protocol !== 'file:' || seen.has(target.href)) continue;
      seen.add(target.href);
      if (ajv.getSchema(target.href)) continue;
      const abs = fileURLToPath(target);
      const rel = relative(this.workspace, abs);
      const sub = readDocument(abs, rel);
      if (sub && typeof sub === 'object') {
        // A referenced file is read in the draft of the schema that uses it (one ajv per draft).
        const withId: Record<string, unknown> = { ...(sub as object), $id: target.href };
        delete withId.$schema;
        this.addReferenced(ajv, withId, target.href, seen);
        ajv.addSchema(withId);
      }
    }
  }
}
