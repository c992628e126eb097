// The validate-config inputs, read and checked into a ValidateConfigSpec; errors name the input.
import { InputError } from '../inputs/InputError.js';
import type { InputReader } from '../inputs/InputReader.js';
import type { Mode } from './ConfigReport.js';
import type { SchemaMapEntry, ValidateConfigSpec } from './ConfigValidator.js';

/** `glob: schema-path` lines (quotes around either side are dropped). */
export function parseSchemaMap(text: string): SchemaMapEntry[] {
  const out: SchemaMapEntry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const m = /^(.+?):\s+(.+)$/.exec(t.replace(/^-\s+/, ''));
    const unquote = (s: string) => s.trim().replace(/^(['"])(.*)\1$/, '$2');
    if (!m || !unquote(m[1]!) || !unquote(m[2]!))
      throw new InputError(
        'schema-map',
        `line ${i + 1} is not 'glob: schema-path' (e.g. config/*.yml: schemas/app.schema.json)`,
      );
    out.push({ pattern: unquote(m[1]!), schema: unquote(m[2]!) });
  });
  return out;
}

export function readValidateConfigSpec(
  inputs: InputReader,
  workspace: string,
  env: NodeJS.ProcessEnv,
): { spec: ValidateConfigSpec; mode: Mode } {
  // Globs may hold commas (`*.{yml,yaml}`): only newlines separate them.
  const files = inputs.list('files', { commas: false });
  const composeFiles = inputs.list('compose-files', { commas: false });
  const schemaMap = parseSchemaMap(inputs.raw('schema-map'));
  const schema = inputs.string('schema') || undefined;
  const requiredEnv = inputs.list('required-env');
  for (const n of requiredEnv)
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n))
      throw new InputError('required-env', `'${n}' is not a variable name (letters, digits and _)`);
  // Given empty, the rule is off. A runner always sets the input (to the default, IMAGE, when the
  // workflow leaves it out); started without one at all, the default holds too.
  const rawImage = inputs.raw('image-variable').trim();
  const imageVariable = rawImage === '' && env['INPUT_IMAGE-VARIABLE'] === undefined ? 'IMAGE' : rawImage;
  if (imageVariable && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(imageVariable))
    throw new InputError(
      'image-variable',
      `'${imageVariable}' is not a variable name (letters, digits and _; empty turns the rule off)`,
    );
  const envValues = Object.fromEntries(inputs.keyValues('env'));
  if (!files.length && !schemaMap.length && !composeFiles.length)
    throw new InputError('files', 'nothing to check: give files (with schema), schema-map or compose-files');
  if (schema && !files.length)
    throw new InputError('files', `schema '${schema}' is given but no files to check against it`);
  const spec: ValidateConfigSpec = {
    workspace,
    files,
    schema,
    schemaMap,
    composeFiles,
    requiredEnv,
    forbidPlaintextSecrets: inputs.bool('forbid-plaintext-secrets', true),
    imageVariable,
    requireVariables: inputs.bool('require-variables', true),
    envValues,
    env,
    dockerCompose: 'auto',
  };
  return { spec, mode: inputs.oneOf('mode', ['fail', 'warn'] as const, 'fail') };
}
