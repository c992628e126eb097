// validate-config on SOPS files. With sops-age-key, the decrypted document is checked against its
// schema, each error put on the encrypted file's line and column (the keys are the same in both).
// Without it, only what SOPS leaves in clear (the keys and their nesting) is checked: the schema's
// `required` and `additionalProperties`, with a notice that the values were not.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { openSops, sopsFormat } from '../sops/SopsFile.js';
import { SopsError } from '../sops/SopsCrypto.js';
import type { Finding } from './Finding.js';
import { expandGlobs } from './Glob.js';
import { schemaFindings } from './SchemaFindings.js';
import type { SchemaLoader } from './SchemaLoader.js';
import { YamlSource } from './YamlSource.js';

/** What the pre-step learnt of each SOPS file: its decrypted value, or why it did not open. */
export type SopsOpened = { value: unknown } | { error: string };

/** Opens the SOPS files among `patterns` (the async part, done before the validator runs). */
export async function openSopsConfigs(
  workspace: string,
  patterns: string[],
  identities: string[],
  /** Told every decrypted value, to mask it before any finding could show one. */
  mask: (values: string[]) => void,
): Promise<Map<string, SopsOpened>> {
  const out = new Map<string, SopsOpened>();
  if (!identities.length) return out;
  for (const file of expandGlobs(patterns, workspace).files) {
    let text: string;
    try {
      text = readFileSync(join(workspace, file), 'utf8');
    } catch {
      continue; // the validator reports an unreadable file
    }
    const format = sopsFormat(file, text);
    if (!format || format === 'dotenv') continue;
    try {
      const opened = await openSops(format, text, identities);
      mask(opened.values);
      out.set(file, { value: parse(opened.text) as unknown });
    } catch (e) {
      if (!(e instanceof SopsError)) throw e;
      out.set(file, { error: e.message });
    }
  }
  return out;
}

/** Whether a config file is a SOPS YAML or JSON file, which checkSopsConfig takes instead. */
export function isSopsConfig(file: string, text: string): boolean {
  const f = sopsFormat(file, text);
  return f === 'yaml' || f === 'json';
}

const CLEAR_KEYWORDS = new Set(['required', 'additionalProperties']);

export function checkSopsConfig(
  file: string,
  text: string,
  schemaPath: string,
  schemas: SchemaLoader,
  opened: SopsOpened | undefined,
): Finding[] {
  if (opened && 'error' in opened)
    return [
      { rule: 'schema', severity: 'error', file, span: { line: 1, column: 1 }, message: `SOPS: ${opened.error}` },
    ];
  if (!schemaPath) return [];
  let validate;
  try {
    validate = schemas.load(schemaPath).validate;
  } catch (e) {
    return [
      {
        rule: 'schema-file',
        severity: 'error',
        file: schemaPath,
        message: `${(e as Error).message} (used for ${file})`,
      },
    ];
  }
  const src = new YamlSource(text);
  if (opened)
    return schemaFindings(
      file,
      src,
      [opened.value],
      (v) => validate(v),
      () => validate.errors,
      'schema',
    );
  const clear = src.values().map((v) => withoutSops(v));
  const findings = schemaFindings(
    file,
    src,
    clear,
    (v) => validate(v) || !(validate.errors ?? []).some((e) => CLEAR_KEYWORDS.has(e.keyword)),
    () => (validate.errors ?? []).filter((e) => CLEAR_KEYWORDS.has(e.keyword)),
    'schema',
  );
  findings.push({
    rule: 'schema',
    severity: 'warning',
    file,
    span: { line: 1, column: 1 },
    message: `SOPS-encrypted: only its keys were checked against ${schemaPath} (required, additionalProperties); give sops-age-key to check the values too`,
  });
  return findings;
}

function withoutSops(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'sops'));
}
