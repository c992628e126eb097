// validate-config on a SOPS file made by sops (tests/fixtures/sops): with the key, the decrypted
// values against the schema, each error on the encrypted file's line; without it, the keys only.
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../src/report/Log.js';
import { validateConfigs, type ValidateConfigSpec } from '../../src/validation/ConfigValidator.js';
import { openSopsConfigs } from '../../src/validation/SopsValidation.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'sops');
const key = readFileSync(join(fixtures, 'key.txt'), 'utf8')
  .split('\n')
  .find((l) => l.startsWith('AGE-'))!;

function workspace(schema: object): string {
  const ws = mkdtempSync(join(tmpdir(), 'njord-sops-config-'));
  mkdirSync(join(ws, 'config'));
  copyFileSync(join(fixtures, 'secret.enc.yaml'), join(ws, 'config', 'secrets.enc.yaml'));
  writeFileSync(join(ws, 'schema.json'), JSON.stringify(schema));
  return ws;
}

async function check(ws: string, keys: string[]) {
  const masked: string[] = [];
  const spec: ValidateConfigSpec = {
    workspace: ws,
    files: ['config/*.yaml'],
    schema: 'schema.json',
    schemaMap: [],
    composeFiles: [],
    requiredEnv: [],
    forbidPlaintextSecrets: true,
    env: {},
    dockerCompose: 'off',
    imageVariable: 'IMAGE',
    requireVariables: true,
    envValues: {},
  };
  spec.sopsOpened = await openSopsConfigs(ws, spec.files, keys, (v) => masked.push(...v));
  return { report: validateConfigs(spec, silentLog), masked };
}

const schema = {
  type: 'object',
  required: ['secret', 'int', 'api_key'],
  properties: {
    secret: { type: 'string' },
    int: { type: 'integer', maximum: 5 },
    string: { type: 'string' },
    float: { type: 'number' },
    boolean: { type: 'boolean' },
    complex: { type: 'object', additionalProperties: false, properties: { value: {} } },
  },
};

describe('validate-config on SOPS files', () => {
  it('with the key: the decrypted values, each error on the encrypted line', async () => {
    const { report, masked } = await check(workspace(schema), [key]);
    const msgs = report.findings.map((f) => `${f.severity} ${f.span?.line}: ${f.message}`);
    expect(msgs).toEqual([
      expect.stringMatching(/^error 1: .*api_key/),
      expect.stringMatching(/^error 3: .*5/),
      expect.stringMatching(/^error 8: .*array/),
    ]);
    expect(masked).toContain('this is a secret');
  });

  it('without it: the keys SOPS leaves in clear only, with a notice', async () => {
    const { report } = await check(workspace(schema), []);
    const msgs = report.findings.map((f) => `${f.severity} ${f.span?.line}: ${f.message}`);
    expect(msgs).toEqual([
      expect.stringMatching(/^error 1: .*api_key/),
      expect.stringMatching(/^warning 1: SOPS-encrypted: only its keys were checked/),
      expect.stringMatching(/^error 8: .*array/),
    ]);
    expect(report.errorCount).toBe(2);
  });
});

describe('examples/trading-config: the SOPS exchange keys', () => {
  const example = join(import.meta.dirname, '..', '..', 'examples', 'trading-config');
  const spec = (ws: string): ValidateConfigSpec => ({
    workspace: ws,
    files: ['config/*.yaml'],
    schema: 'schema/trading-config.schema.json',
    schemaMap: [{ pattern: 'secrets/*.enc.yaml', schema: 'schema/exchange-keys.schema.json' }],
    composeFiles: [],
    requiredEnv: [],
    forbidPlaintextSecrets: true,
    env: {},
    dockerCompose: 'off',
    imageVariable: 'IMAGE',
    requireVariables: true,
    envValues: {},
  });

  it('passes with the key, and without it with a notice that only the keys were checked', async () => {
    const withKey = spec(example);
    withKey.sopsOpened = await openSopsConfigs(example, ['secrets/*.enc.yaml'], [key], () => undefined);
    expect(validateConfigs(withKey, silentLog).findings).toEqual([]);
    const without = validateConfigs(spec(example), silentLog);
    expect(without.errorCount).toBe(0);
    expect(without.findings.map((f) => [f.file, f.severity])).toEqual([['secrets/exchange-keys.enc.yaml', 'warning']]);
  });

  it('production must name the decrypted keys file as its secrets_file', () => {
    const ws = mkdtempSync(join(tmpdir(), 'njord-trading-'));
    cpSync(example, ws, { recursive: true });
    const prod = join(ws, 'config', 'production.yaml');
    writeFileSync(prod, readFileSync(prod, 'utf8').replace('trader-exchange-keys.yaml', 'plain-keys.yaml'));
    const r = validateConfigs(spec(ws), silentLog);
    expect(r.findings.filter((f) => f.severity === 'error').map((f) => `${f.file}:${f.span?.line}`)).toEqual([
      'config/production.yaml:7',
    ]);
  });
});
