// Schema errors from fixture files whose errors sit on known lines: each finding's file, line and
// column, and its message in plain words.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ValidateConfigSpec } from '../../src/validation/ConfigValidator.js';
import type { Finding } from '../../src/validation/Finding.js';
import { validateIn } from '../support/validateKit.js';

const workspace = join(import.meta.dirname, '../fixtures/config/schema-errors');

function run(over: Partial<ValidateConfigSpec>) {
  return validateIn(workspace, over);
}

const at = (f: Finding) => `${f.file}:${f.span?.line}:${f.span?.column}`;
const rows = (fs: Finding[]) => fs.map((f) => [at(f), f.rule, f.message]);

describe('schema errors on their lines (draft-07 schema written in YAML)', () => {
  const report = run({ files: ['configs/errors.yaml'], schema: 'schemas/service.schema.yaml' });

  it('reports every error of errors.yaml at its key or value', () => {
    expect(rows(report.findings)).toEqual([
      // required: on the key of the object that lacks it
      ['configs/errors.yaml:2:1', 'schema', 'service.owner is required'],
      [
        'configs/errors.yaml:3:9',
        'schema',
        "service.name must match the pattern ^[a-z][a-z0-9-]*$ (found 'Billing_API')",
      ],
      [
        'configs/errors.yaml:4:9',
        'schema',
        "service.tier must be one of: 'gold', 'silver', 'bronze' (found 'platinum')",
      ],
      ['configs/errors.yaml:5:13', 'schema', 'service.replicas must be >= 1 (found 0)'],
      // additionalProperties: on the extra key, with the closest allowed name
      ['configs/errors.yaml:6:3', 'schema', "service.ownr is not allowed here (did you mean 'owner'?)"],
      ['configs/errors.yaml:8:8', 'schema', 'limits.cpu must be <= 4 (found 8)'],
      ['configs/errors.yaml:9:14', 'schema', "limits.memory_mb must be a whole number, not a string (found '512')"],
      // required inside a list item: at the item
      ['configs/errors.yaml:13:5', 'schema', 'endpoints[1].url is required'],
      // oneOf: one line naming every allowed form, not one complaint per branch
      [
        'configs/errors.yaml:13:14',
        'schema',
        "endpoints[1].timeout must be a whole number or a string matching ^\\d+(ms|s)$ (found '5 minutes')",
      ],
      ['configs/errors.yaml:14:7', 'schema', 'tags must not repeat items (items 0 and 2 are the same)'],
      // if/then at the root: on the value the condition tests
      ['configs/errors.yaml:15:9', 'schema', 'tls_cert is required when public is true'],
      [
        'configs/errors.yaml:16:1',
        'schema',
        'color is not allowed here (allowed: service, limits, endpoints, tags, public, tls_cert)',
      ],
    ]);
  });

  it('gives single-line spans for scalar values and keys', () => {
    const cpu = report.findings.find((f) => f.message.startsWith('limits.cpu'))!;
    expect(cpu.span).toEqual({ line: 8, column: 8, endLine: 8, endColumn: 9 });
    const extra = report.findings.find((f) => f.message.startsWith('service.ownr'))!;
    expect(extra.span).toEqual({ line: 6, column: 3, endLine: 6, endColumn: 7 });
  });

  it('counts errors and files', () => {
    expect(report.errorCount).toBe(12);
    expect(report.filesChecked).toBe(1);
    expect(report.files[0]).toMatchObject({ file: 'configs/errors.yaml', schema: 'schemas/service.schema.yaml' });
  });
});

describe('every kind of YAML problem, once', () => {
  const report = run({ files: ['configs/*.yaml'], schema: 'schemas/service.schema.yaml' });
  const of = (file: string) => rows(report.findings.filter((f) => f.file === `configs/${file}`));

  it('passes a valid file', () => {
    expect(of('valid.yaml')).toEqual([]);
  });

  it('locates a syntax error and skips the schema for that file', () => {
    expect(of('syntax.yaml')).toEqual([
      ['configs/syntax.yaml:3:1', 'syntax', 'YAML syntax error: Tabs are not allowed as indentation'],
    ]);
  });

  it('locates a duplicate key and names its first line', () => {
    expect(of('duplicate.yaml')).toEqual([
      [
        'configs/duplicate.yaml:6:1',
        'duplicate-key',
        "duplicate key 'service' (first at line 1): a key may appear once in a mapping",
      ],
    ]);
  });

  it('validates each document of a multi-document file and says which', () => {
    expect(of('multi.yaml')).toEqual([
      ['configs/multi.yaml:6:1', 'schema', 'document 2: service.owner is required'],
      ['configs/multi.yaml:8:16', 'schema', 'document 2: limits.cpu must be <= 4 (found 9)'],
    ]);
    expect(report.files.find((f) => f.file === 'configs/multi.yaml')?.documents).toBe(2);
  });

  it('says an empty file is empty', () => {
    expect(of('empty.yaml')).toEqual([
      [
        'configs/empty.yaml:1:1',
        'schema',
        'the file is empty: the document must be a mapping (key: value), not empty (null)',
      ],
    ]);
  });
});

describe('JSON files, draft 2020-12 and $ref to another schema file (schema-map)', () => {
  const report = run({
    files: [],
    schemaMap: [
      { pattern: 'configs/*.json', schema: 'schemas/settings.schema.json' },
      { pattern: 'configs/valid.yaml', schema: 'schemas/service.schema.yaml' },
    ],
  });

  it('maps each file to its schema and finds the files through the map', () => {
    expect(report.files.map((f) => [f.file, f.schema])).toEqual([
      ['configs/settings.json', 'schemas/settings.schema.json'],
      ['configs/valid.yaml', 'schemas/service.schema.yaml'],
    ]);
  });

  it('locates errors in JSON, including one from the referenced schema', () => {
    expect(rows(report.findings)).toEqual([
      ['configs/settings.json:4:14', 'schema', "service.owner must be a valid email (found 'not-an-email')"],
      ['configs/settings.json:6:38', 'schema', 'limits.memory_mb must be a whole number, not a number (found 1024.5)'],
    ]);
  });
});

describe('schema files that cannot be used', () => {
  it('reports a missing schema once per file that needs it, on the schema file', () => {
    const report = run({ files: ['configs/valid.yaml', 'configs/multi.yaml'], schema: 'schemas/nope.json' });
    expect(report.findings.map((f) => [f.file, f.rule])).toEqual([
      ['schemas/nope.json', 'schema-file'],
      ['schemas/nope.json', 'schema-file'],
    ]);
    expect(report.findings[0]!.message).toMatch(/cannot read the schema.*\(used for configs\/multi.yaml\)/);
  });

  it('reports a pattern that matches nothing as an input error', () => {
    const report = run({ files: ['configs/*.yml'], schema: 'schemas/service.schema.yaml' });
    expect(report.general.map((f) => f.message)).toEqual(["files: 'configs/*.yml' matches no file in the workspace"]);
    expect(report.errorCount).toBe(1);
    const folder = run({ files: ['configs/'], schema: 'schemas/service.schema.yaml' });
    expect(folder.general.map((f) => f.message)).toEqual([
      "files: 'configs/' is a folder: give a glob such as configs/**/*.yaml",
    ]);
  });
});

describe('JSON files are held to JSON', () => {
  it('reports what YAML would accept but JSON.parse rejects, on its line, without quoting the file', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const ws = mkdtempSync(join(tmpdir(), 'njord-json-'));
    writeFileSync(join(ws, 'trailing.json'), '{\n  "service": { "name": "a" },\n  "limits": {},\n}\n');
    writeFileSync(join(ws, 'comment.json'), '{\n  // the service\n  "service": { "name": "a" }\n}\n');
    writeFileSync(join(ws, 'ok.json'), '{ "service": { "name": "a", "owner": "o@example.com" }, "limits": {} }\n');
    const r = validateIn(ws, { files: ['*.json'], schema: join(workspace, 'schemas/service.schema.yaml') });
    rmSync(ws, { recursive: true, force: true });
    const json = r.findings.filter((f) => f.file !== undefined && !f.file.startsWith('..'));
    expect(json.map((f) => [f.file, f.span?.line, f.rule])).toEqual([
      ['comment.json', 2, 'syntax'],
      ['trailing.json', 4, 'syntax'],
    ]);
    expect(json.every((f) => f.message.startsWith('JSON syntax error: ') && !f.message.includes('service'))).toBe(true);
  });
});

describe('values in messages', () => {
  it('are shown when plain, and never when they look secret or sit under a secret key', async () => {
    const { explainErrors } = await import('../../src/validation/SchemaErrors.js');
    const { newAjv } = await import('../../src/validation/SchemaLoader.js');
    const validate = newAjv('2020-12').compile({
      type: 'object',
      properties: {
        url: { type: 'string', pattern: '^https://' },
        level: { type: 'string', maxLength: 3 },
        db: { type: 'object', properties: { password: { type: 'string', minLength: 40 } } },
        key: { type: 'string', pattern: '^[a-z]+$' },
      },
    });
    validate({ url: 'http://app:hunter2@db/x', level: 'debug', db: { password: 'short' }, key: 'Zq8#vN2!xR5tL9wK' });
    const messages = explainErrors(validate.errors ?? []).map((x) => x.message);
    expect(messages).toEqual([
      'url must match the pattern ^https://',
      'level must be at most 3 characters long',
      'db.password must be at least 40 characters long',
      'key must match the pattern ^[a-z]+$',
    ]);
  });
});

// ajv runs with strict: false, so an ajv of the wrong draft would skip the keywords it does not know
// without a word: each of these errors is one only the right draft's ajv reports. No $schema is draft-07.
describe('each schema is read in the draft its $schema names', () => {
  const drafts = join(import.meta.dirname, '../fixtures/config/drafts');
  const check = (file: string, schema: string) => run({ workspace: drafts, files: [file], schema });

  it('2020-12: prefixItems, dependentRequired and unevaluatedProperties (allOf properties count)', () => {
    expect(rows(check('configs/order.yaml', 'schemas/order-2020.schema.json').findings)).toEqual([
      ['configs/order.yaml:1:14', 'schema', "point[1] must be a number, not a string (found 'north')"],
      ['configs/order.yaml:1:21', 'schema', "point[2] must be one of: 'm', 'km' (found 'miles')"],
      ['configs/order.yaml:3:3', 'schema', 'billing.address is required when billing.card is set'],
      ['configs/order.yaml:7:3', 'schema', 'shipping.zip is not allowed here (allowed: city)'],
    ]);
  });

  it.each(['legacy-07', 'legacy-default'])('draft-07 (%s): dependencies and array-form items', (name) => {
    expect(rows(check('configs/legacy.yaml', `schemas/${name}.schema.json`).findings)).toEqual([
      ['configs/legacy.yaml:1:13', 'schema', "range[1] must be a whole number, not a string (found 'twenty')"],
      ['configs/legacy.yaml:1:21', 'schema', 'range[2] must be a string, not a whole number (found 30)'],
      ['configs/legacy.yaml:3:3', 'schema', 'tls.chain is required when tls.cert is set'],
    ]);
  });

  it('an unsupported $schema is an error on the schema file, naming it and what is supported', () => {
    const r = check('configs/old.yaml', 'schemas/draft-04.schema.json');
    expect(rows(r.findings)).toEqual([
      [
        'schemas/draft-04.schema.json:2:14',
        'schema-file',
        "schemas/draft-04.schema.json: $schema 'http://json-schema.org/draft-04/schema#' is not supported: " +
          'use draft-07, 2019-09 or 2020-12 (e.g. "$schema": "https://json-schema.org/draft/2020-12/schema") ' +
          'and update the keywords that changed (used for configs/old.yaml)',
      ],
    ]);
    expect(r.errorCount).toBe(1);
  });
});
