// ajv's errors in plain words, each with the JSON path it is about and which part of the source to
// point at. Rules written as `if`/`then` read as "X is required when Y is Z"; `oneOf`/`anyOf` failures
// show the branch that came closest instead of every branch's complaint.
import type { ErrorObject } from 'ajv';
import { looksLikeSecretValue } from './SecretScan.js';
import { formatPath, pointerToPath } from './YamlSource.js';

export interface Explained {
  /** The instance path the message is about. */
  path: string[];
  /**
   * What to point at: the value at `path`; the key at `path` (an unknown key); or the key of the
   * object at `path` (a missing property: the object that lacks it).
   */
  at: 'value' | 'key' | 'object';
  message: string;
  /** For a rule from `if`/`then`: the instance paths its condition tests, in order. */
  conditionPaths?: string[][];
}

type Schema = Record<string, unknown> | boolean;

const SECRET_KEY = /pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential/i;

export function fmt(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  return JSON.stringify(v) ?? String(v);
}

/** A value inside a sentence: bare when it is a plain word (`live`), else quoted. */
function word(v: unknown): string {
  return typeof v === 'string' && /^[\w.@/-]+$/.test(v) ? v : fmt(v);
}

const typeWords: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  null: 'empty (null)',
};

function typeOf(v: unknown): string {
  if (v === null) return 'empty (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number') return Number.isInteger(v) ? 'a whole number' : 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return `a ${typeof v}`;
}

function expectedTypes(t: unknown): string {
  const list = Array.isArray(t) ? t : String(t).split(',');
  return list.map((x) => typeWords[String(x)] ?? String(x)).join(' or ');
}

function subject(path: string[]): string {
  return path.length ? formatPath(path) : 'the document';
}

/** The value found, when it is short, plain, not under a key that holds secrets and not secret-looking. */
function found(path: string[], data: unknown): string {
  if (path.some((p) => SECRET_KEY.test(p))) return '';
  if (data === null || typeof data === 'object') return '';
  if (typeof data === 'string' && (looksLikeSecretValue(data) || /:\/\/[^/\s@]+:[^/\s@]*@/.test(data))) return '';
  const s = fmt(data);
  return s.length <= 40 ? ` (found ${s})` : '';
}

function closest(name: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = distance(name.toLowerCase(), o.toLowerCase());
    if (d < bestD) [best, bestD] = [o, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

interface Condition {
  text: string;
  paths: string[][];
}

/** An `if` schema as words about the instance: "app.env is live and risk.leverage > 2". */
export function describeCondition(schema: Schema, base: string[]): Condition | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const clauses: string[] = [];
  const paths: string[][] = [];
  const at = subject(base);
  const add = (text: string, path: string[] = base) => {
    clauses.push(text);
    if (!paths.some((p) => p.join('\0') === path.join('\0'))) paths.push(path);
  };
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [k, sub] of Object.entries(props)) {
    const c = describeCondition(sub, [...base, k]);
    if (c) {
      clauses.push(c.text);
      for (const p of c.paths) if (!paths.some((q) => q.join('\0') === p.join('\0'))) paths.push(p);
    }
  }
  if ('const' in schema) add(`${at} is ${word(schema.const)}`);
  if (Array.isArray(schema.enum))
    add(
      schema.enum.length === 1
        ? `${at} is ${word(schema.enum[0])}`
        : `${at} is one of ${schema.enum.map(word).join(', ')}`,
    );
  const cmp: [string, string][] = [
    ['minimum', '>='],
    ['maximum', '<='],
    ['exclusiveMinimum', '>'],
    ['exclusiveMaximum', '<'],
  ];
  for (const [kw, op] of cmp) if (typeof schema[kw] === 'number') add(`${at} ${op} ${schema[kw]}`);
  if (typeof schema.pattern === 'string') add(`${at} matches /${schema.pattern}/`);
  if (schema.type !== undefined && !Object.keys(props).length) add(`${at} is ${expectedTypes(schema.type)}`);
  if (Array.isArray(schema.required))
    for (const r of schema.required as string[])
      if (!(r in props)) add(`${subject([...base, r])} is set`, [...base, r]);
  const not = schema.not as Schema | undefined;
  if (not && typeof not === 'object' && 'const' in not) add(`${at} is not ${word(not.const)}`);
  if (Array.isArray(schema.allOf))
    for (const s of schema.allOf as Schema[]) {
      const c = describeCondition(s, base);
      if (c) {
        clauses.push(c.text);
        paths.push(...c.paths);
      }
    }
  if (!clauses.length) return undefined;
  return { text: clauses.join(' and '), paths };
}

function sortedByDepth(errors: ErrorObject[]): ErrorObject[] {
  return [...errors].sort((a, b) => a.schemaPath.length - b.schemaPath.length);
}

const BOUNDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']);
const isBound = (e: ErrorObject) => BOUNDS.has(e.keyword);

/** `a whole number >= 0`: a bound with the type of the schema it is in. */
function boundWords(e: ErrorObject): string {
  const type = (e.parentSchema as { type?: unknown } | undefined)?.type;
  return `${type ? expectedTypes(type) : 'a number'} ${String(e.params.comparison)} ${String(e.params.limit)}`;
}

/** Keeps, for each failed oneOf/anyOf, only the branch that got furthest (or a one-line summary). */
function pruneAlternatives(errors: ErrorObject[]): { kept: ErrorObject[]; summaries: Explained[] } {
  let kept = [...errors];
  const summaries: Explained[] = [];
  for (const alt of sortedByDepth(errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf'))) {
    if (!kept.includes(alt)) continue;
    const prefix = `${alt.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    for (const e of kept) {
      if (!e.schemaPath.startsWith(prefix)) continue;
      const idx = e.schemaPath.slice(prefix.length).split('/')[0]!;
      branches.set(idx, [...(branches.get(idx) ?? []), e]);
    }
    const inBranches = new Set([...branches.values()].flat());
    // The branch whose type the value has (a mapping for `build: {…}`) says which key inside is wrong.
    const fitting = [...branches.values()].filter(
      (es) => !es.some((e) => e.keyword === 'type' && e.instancePath === alt.instancePath),
    );
    // A branch can fail only inside a `$ref` it uses: ajv files those errors under the referenced
    // schema's path, not the branch's. Then they are what is wrong, not the other branches' types.
    const total = Array.isArray(alt.schema) ? alt.schema.length : branches.size;
    const below = `${alt.instancePath}/`;
    if (
      total > branches.size &&
      kept.some((e) => !inBranches.has(e) && e !== alt && e.instancePath.startsWith(below))
    ) {
      kept = kept.filter((e) => e !== alt && !inBranches.has(e));
      continue;
    }
    const data0 = (alt as ErrorObject & { data?: unknown }).data;
    if (fitting.length === 1 && branches.size > 1 && typeof data0 === 'object' && data0 !== null) {
      const best = new Set(fitting[0]);
      kept = kept.filter((e) => e !== alt && (!inBranches.has(e) || best.has(e)));
      continue;
    }
    const depthOf = (es: ErrorObject[]) => Math.max(...es.map((e) => e.instancePath.split('/').length));
    const base = alt.instancePath.split('/').length;
    const deeper = [...branches.values()].filter((es) => depthOf(es) > base);
    if (deeper.length) {
      // The branch that matched furthest into the value says what is actually wrong.
      deeper.sort((a, b) => depthOf(b) - depthOf(a) || a.length - b.length);
      const best = new Set(deeper[0]);
      kept = kept.filter((e) => e !== alt && (!inBranches.has(e) || best.has(e)));
      continue;
    }
    kept = kept.filter((e) => e !== alt && !inBranches.has(e));
    const path = pointerToPath(alt.instancePath);
    // One description per branch: its type, its values, or what it asks of the value.
    const forms: string[] = [];
    for (const es of branches.values()) {
      const type = es.find((e) => e.keyword === 'type');
      const pattern = es.find((e) => e.keyword === 'pattern');
      if (type) forms.push(expectedTypes(type.params.type));
      else if (pattern) forms.push(`a string matching ${String(pattern.params.pattern)}`);
      else
        for (const e of es) {
          if (e.keyword === 'const') forms.push(fmt(e.params.allowedValue));
          else if (e.keyword === 'enum') forms.push(...(e.params.allowedValues as unknown[]).map(fmt));
          else if (isBound(e)) forms.push(boundWords(e));
          else if (e.message) forms.push(`a value that ${e.message}`);
        }
    }
    const unique = [...new Set(forms)];
    const data = (alt as ErrorObject & { data?: unknown }).data;
    const what = unique.length
      ? `must be ${unique.join(' or ')}`
      : `must match ${alt.keyword === 'oneOf' ? 'exactly one' : 'at least one'} of the allowed forms`;
    summaries.push({
      path,
      at: 'value',
      message: `${subject(path)} ${what}${found(path, data) || `, not ${typeOf(data)}`}`,
    });
  }
  return { kept, summaries };
}

/** Turns ajv's errors (ajv run with allErrors and verbose) into plain-worded, locatable problems. */
export function explainErrors(errors: readonly ErrorObject[]): Explained[] {
  const { kept, summaries } = pruneAlternatives([...errors]);

  // if/then: each failed `if` says which branch failed; the branch's errors get its condition.
  const rules: { prefix: string; instancePath: string; cond?: Condition; negate: boolean }[] = [];
  for (const e of kept) {
    if (e.keyword !== 'if') continue;
    const branch = String(e.params.failingKeyword);
    const baseSchemaPath = e.schemaPath.replace(/\/if$/, '');
    rules.push({
      prefix: `${baseSchemaPath}/${branch}/`,
      instancePath: e.instancePath,
      cond: describeCondition(e.schema as Schema, pointerToPath(e.instancePath)),
      negate: branch === 'else',
    });
  }

  const out: Explained[] = [...summaries];
  for (const e of kept) {
    if (e.keyword === 'if' || e.keyword === 'propertyNames') continue;
    const rule = rules
      .filter((r) => e.schemaPath.startsWith(r.prefix) && e.instancePath.startsWith(r.instancePath))
      .sort((a, b) => b.prefix.length - a.prefix.length)[0];
    const when = rule?.cond ? ` ${rule.negate ? 'unless' : 'when'} ${rule.cond.text}` : '';
    const x = explainOne(e);
    out.push({ ...x, message: x.message + when, conditionPaths: rule?.cond?.paths });
  }
  return out;
}

function explainOne(e: ErrorObject): Explained {
  const path = pointerToPath(e.instancePath);
  const s = subject(path);
  const data = (e as ErrorObject & { data?: unknown }).data;
  const p = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    const keyPath = [...path, propertyName];
    return {
      path: keyPath,
      at: 'key',
      message: `key '${propertyName}' in ${s} is not allowed: it ${e.message ?? 'is invalid'}`,
    };
  }
  switch (e.keyword) {
    case 'required':
      return { path, at: 'object', message: `${subject([...path, String(p.missingProperty)])} is required` };
    case 'dependentRequired':
    case 'dependencies':
      // On the key that is set: it is what asks for the missing one.
      return {
        path: [...path, String(p.property)],
        at: 'key',
        message: `${subject([...path, String(p.missingProperty)])} is required when ${subject([...path, String(p.property)])} is set`,
      };
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const extra = String(p.additionalProperty ?? p.unevaluatedProperty);
      const known = Object.keys((parent.properties ?? {}) as object);
      const hint = closest(extra, known);
      return {
        path: [...path, extra],
        at: 'key',
        message: `${subject([...path, extra])} is not allowed here${hint ? ` (did you mean '${hint}'?)` : known.length && known.length <= 12 ? ` (allowed: ${known.join(', ')})` : ''}`,
      };
    }
    case 'type':
      return {
        path,
        at: 'value',
        message: `${s} must be ${expectedTypes(p.type)}, not ${typeOf(data)}${found(path, data)}`,
      };
    case 'enum':
      return {
        path,
        at: 'value',
        message: `${s} must be one of: ${(p.allowedValues as unknown[]).map(fmt).join(', ')}${found(path, data)}`,
      };
    case 'const':
      return { path, at: 'value', message: `${s} must be ${fmt(p.allowedValue)}${found(path, data)}` };
    case 'maximum':
    case 'minimum':
    case 'exclusiveMaximum':
    case 'exclusiveMinimum':
      return { path, at: 'value', message: `${s} must be ${p.comparison} ${p.limit}${found(path, data)}` };
    case 'multipleOf':
      return { path, at: 'value', message: `${s} must be a multiple of ${p.multipleOf}${found(path, data)}` };
    case 'minLength':
    case 'maxLength':
      return {
        path,
        at: 'value',
        message: `${s} must be ${e.keyword === 'minLength' ? 'at least' : 'at most'} ${p.limit} characters long`,
      };
    case 'minItems':
    case 'maxItems':
      return {
        path,
        at: 'value',
        message: `${s} must have ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${p.limit} items`,
      };
    case 'minProperties':
    case 'maxProperties':
      return {
        path,
        at: 'value',
        message: `${s} must have ${e.keyword === 'minProperties' ? 'at least' : 'at most'} ${p.limit} keys`,
      };
    case 'uniqueItems':
      return {
        path,
        at: 'value',
        message: `${s} must not repeat items (items ${Math.min(Number(p.i), Number(p.j))} and ${Math.max(Number(p.i), Number(p.j))} are the same)`,
      };
    case 'pattern':
      return { path, at: 'value', message: `${s} must match the pattern ${String(p.pattern)}${found(path, data)}` };
    case 'format':
      return { path, at: 'value', message: `${s} must be a valid ${String(p.format)}${found(path, data)}` };
    case 'false schema':
      return { path, at: 'key', message: `${s} is not allowed here` };
    case 'not':
      return { path, at: 'value', message: `${s} has a value that is not allowed here` };
    case 'contains':
      return { path, at: 'value', message: `${s} ${e.message ?? 'must contain a valid item'}` };
    default:
      return { path, at: 'value', message: `${s} ${e.message ?? `fails '${e.keyword}'`}` };
  }
}
