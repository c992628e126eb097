// One compose project checked as Compose loads it: each file parsed with positions, interpolated with
// the values known here, validated against the Compose Specification, then the loader's own checks
// over the files together, the deploy's policies, and `docker compose config` where it can decide.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { Log } from '../report/Log.js';
import {
  checkImage,
  checkReferences,
  checkVariables,
  imageRef,
  type ComposeFile,
  type Provided,
} from './ComposeChecks.js';
import { projectOf } from './ComposeModel.js';
import { checkKeys, checkProject } from './ComposeProjectChecks.js';
import { composeSchema } from './ComposeSchema.js';
import { checkServices } from './ComposeServiceChecks.js';
import { dotenvValues, interpolateTree, UNKNOWN, type Lookup } from './ComposeVariables.js';
import { composeConfig, type ComposeCli } from './DockerComposeConfig.js';
import type { FileResult, ValidateConfigSpec } from './ConfigValidator.js';
import type { Finding } from './Finding.js';
import { variableUses } from './Interpolation.js';
import { parseFindings, schemaFindings } from './SchemaFindings.js';
import { YamlSource } from './YamlSource.js';

const COMPOSE_SCHEMA = 'Compose Specification';

export interface ComposeContext {
  spec: ValidateConfigSpec;
  log: Log;
  read(file: string): { text?: string; finding?: Finding };
  scanSecrets(file: string, text: string, src: YamlSource): Finding[];
  composeCli(): ComposeCli | undefined;
}

/** What each variable is, and where its value comes from: the env input, the step, `.env`. */
export interface Variables {
  provided: Provided;
  /** Values to hand to `docker compose` (the .env beside the file it reads itself). */
  given: Map<string, string>;
  lookup: Lookup;
}

export function variablesFor(spec: ValidateConfigSpec, projectDir: string): Variables {
  const provided: Provided = new Map();
  const imageVar = spec.imageVariable;
  if (imageVar) provided.set(imageVar, 'the deploy');
  const given = new Map<string, string>();
  for (const [k, v] of Object.entries(spec.envValues)) {
    provided.set(k, 'env');
    given.set(k, v);
  }
  for (const n of spec.requiredEnv) {
    if (!provided.has(n)) provided.set(n, 'required-env');
    const v = spec.env[n];
    if (v !== undefined && !given.has(n)) given.set(n, v);
  }
  const envFile = posix.join(projectDir, '.env');
  const abs = join(spec.workspace, envFile);
  const dotenv = existsSync(abs) ? dotenvValues(readFileSync(abs, 'utf8')) : new Map<string, string>();
  for (const n of dotenv.keys()) if (!provided.has(n)) provided.set(n, envFile);
  const lookup: Lookup = (name) => {
    if (given.has(name)) return given.get(name);
    if (spec.env[name] !== undefined) return spec.env[name];
    if (dotenv.has(name)) return dotenv.get(name);
    // The deploy's image, and required-env names the step lacks (reported): set later, unknown here.
    if (provided.has(name)) return UNKNOWN;
    return undefined;
  };
  return { provided, given, lookup };
}

function parseFile(ctx: ComposeContext, file: string, lookup: Lookup, result: FileResult): ComposeFile | undefined {
  const { text, finding } = ctx.read(file);
  if (finding || text === undefined) {
    result.findings.push(finding!);
    return undefined;
  }
  const src = new YamlSource(text);
  result.documents = src.docs.length;
  result.findings.push(...parseFindings(file, src), ...ctx.scanSecrets(file, text, src));
  if (src.problems.length) return undefined;
  if (src.docs.length > 1) {
    result.findings.push({
      rule: 'syntax',
      severity: 'error',
      file,
      span: src.docStart(1),
      message: `a compose file holds one YAML document; this one has ${src.docs.length} (the second starts here)`,
    });
    return undefined;
  }
  let values: unknown[];
  try {
    values = src.values();
  } catch (e) {
    result.findings.push({
      rule: 'syntax',
      severity: 'error',
      file,
      span: src.docStart(0),
      // An alias inside its own anchor loops for ever; the parser gives up with a stack overflow.
      message: `YAML: ${e instanceof RangeError ? 'an alias refers to the node that holds it: an endless loop' : (e as Error).message}`,
    });
    return undefined;
  }
  const cf: ComposeFile = { file, source: src, value: values[0], resolved: values[0] };
  const keys = checkKeys(cf);
  result.findings.push(...keys);
  const { value, errors } = interpolateTree(values[0], lookup);
  cf.resolved = value;
  for (const e of errors)
    result.findings.push({
      rule: 'compose-variable',
      severity: 'error',
      file,
      span: src.valueSpan(src.find(0, e.path), 0),
      message: `${e.message}`,
    });
  const validate = composeSchema();
  const schemaErrors = schemaFindings(
    file,
    src,
    [value],
    (v) => validate(v),
    () => validate.errors,
    'compose-schema',
  );
  result.findings.push(...schemaErrors);
  return schemaErrors.length || keys.length || errors.length ? { ...cf, resolved: undefined } : cf;
}

/** The value of the image variable is unknown here; any other unknown one makes `docker compose config` guess. */
function onlyImageUnknown(files: ComposeFile[], vars: Variables, imageVar: string): boolean {
  const image = imageVar ? imageRef(imageVar) : undefined;
  for (const cf of files)
    for (const s of cf.source.strings()) {
      for (const use of variableUses(s.value)) {
        if (use.hasFallback || vars.lookup(use.name) !== UNKNOWN) continue;
        if (use.name === imageVar && image && s.key === 'image' && s.path[2] === 'image') continue;
        return false;
      }
    }
  return true;
}

export function checkComposeProject(ctx: ComposeContext, files: string[]): FileResult[] {
  if (!files.length) return [];
  const { spec } = ctx;
  const vars = variablesFor(spec, dirname(files[0]!) === '.' ? '' : dirname(files[0]!));
  const results: FileResult[] = [];
  const parsed: ComposeFile[] = [];
  let clean = true;
  for (const file of files) {
    const result: FileResult = { file, kind: 'compose', schema: COMPOSE_SCHEMA, documents: 0, findings: [] };
    results.push(result);
    const cf = parseFile(ctx, file, vars.lookup, result);
    if (!cf) clean = false;
    else {
      if (cf.resolved === undefined) clean = false;
      parsed.push(cf.resolved === undefined ? { ...cf, resolved: cf.value } : cf);
    }
  }
  const project: Finding[] = [
    ...checkVariables(parsed, vars.provided, spec.requireVariables ? 'error' : 'warning'),
    ...checkReferences(parsed),
  ];
  if (parsed.length === files.length && clean) {
    const model = projectOf(parsed);
    project.push(...checkServices(model), ...checkProject(model));
  }
  if (parsed.length === files.length && spec.imageVariable) project.push(...checkImage(parsed, spec.imageVariable));
  const decidable = onlyImageUnknown(parsed, vars, spec.imageVariable);
  const cli = clean && !project.some((f) => f.severity === 'error') ? ctx.composeCli() : undefined;
  if (cli && !decidable) ctx.log.debug('docker compose config not run: a variable it needs has no value here');
  if (cli && decidable)
    project.push(
      ...composeConfig(cli, spec.workspace, parsed, vars.given, spec.imageVariable, { run: spec.run, env: spec.env }),
    );
  for (const f of project) (results.find((r) => r.file === f.file) ?? results[0]!).findings.push(f);
  return results;
}
