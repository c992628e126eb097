// Reporting: inputs read into a spec (errors name the input), annotations capped with a count of the
// rest, warn mode, and the job summary table.
import { describe, expect, it } from 'vitest';
import { parseSchemaMap, readValidateConfigSpec } from '../../src/validation/ConfigInputs.js';
import {
  ANNOTATIONS_PER_KIND,
  annotateFindings,
  configSummary,
  logFindings,
  type Annotate,
} from '../../src/validation/ConfigReport.js';
import type { ValidationReport } from '../../src/validation/ConfigValidator.js';
import type { Finding } from '../../src/validation/Finding.js';
import { InputReader } from '../../src/inputs/InputReader.js';
import { silentLog } from '../../src/report/Log.js';

const reader = (values: Record<string, string>) => new InputReader({ get: (n) => values[n] ?? '' });

describe('inputs', () => {
  it('reads every input into the spec', () => {
    const { spec, mode } = readValidateConfigSpec(
      reader({
        files: 'config/*.{yml,yaml}\n!config/local.yml',
        schema: 'schema/app.json',
        'schema-map': 'deploy/*.yml: schema/deploy.json\n# comment\n"ops/*.json": \'schema/ops.json\'',
        'compose-files': 'docker-compose.yml\ndocker-compose.prod.yml',
        'required-env': 'DB_URL, API_KEY\nIMAGE',
        'forbid-plaintext-secrets': 'false',
        mode: 'warn',
      }),
      '/ws',
      {},
    );
    expect(mode).toBe('warn');
    expect(spec).toMatchObject({
      workspace: '/ws',
      files: ['config/*.{yml,yaml}', '!config/local.yml'],
      schema: 'schema/app.json',
      schemaMap: [
        { pattern: 'deploy/*.yml', schema: 'schema/deploy.json' },
        { pattern: 'ops/*.json', schema: 'schema/ops.json' },
      ],
      composeFiles: ['docker-compose.yml', 'docker-compose.prod.yml'],
      requiredEnv: ['DB_URL', 'API_KEY', 'IMAGE'],
      forbidPlaintextSecrets: false,
    });
  });

  it('names the input that is wrong', () => {
    const bad = (v: Record<string, string>) => () => readValidateConfigSpec(reader(v), '/ws', {});
    expect(bad({})).toThrow("Input 'files': nothing to check");
    expect(bad({ files: 'a.yml', mode: 'strict' })).toThrow("Input 'mode': 'strict' is not one of: fail, warn");
    expect(bad({ files: 'a.yml', 'required-env': 'DB-URL' })).toThrow(
      "Input 'required-env': 'DB-URL' is not a variable name",
    );
    expect(bad({ schema: 's.json', 'compose-files': 'c.yml' })).toThrow(
      "Input 'files': schema 's.json' is given but no files",
    );
    expect(bad({ files: 'a.yml', 'forbid-plaintext-secrets': 'maybe' })).toThrow("Input 'forbid-plaintext-secrets'");
    expect(() => parseSchemaMap('config/*.yml schema.json')).toThrow(
      "Input 'schema-map': line 1 is not 'glob: schema-path'",
    );
  });
});

function report(findings: Finding[], files = 3): ValidationReport {
  const errors = findings.filter((f) => f.severity === 'error').length;
  return {
    files: Array.from({ length: files }, (_, i) => ({
      file: `config/f${i}.yaml`,
      kind: 'config' as const,
      schema: i === 2 ? '' : 'schema.json',
      documents: 1,
      findings: findings.filter((f) => f.file === `config/f${i}.yaml`),
    })),
    general: findings.filter((f) => !f.file),
    findings,
    errorCount: errors,
    warningCount: findings.length - errors,
    filesChecked: files,
  };
}

const finding = (i: number): Finding => ({
  rule: 'schema',
  severity: 'error',
  file: 'config/f0.yaml',
  span: { line: i + 1, column: 3, endLine: i + 1, endColumn: 9 },
  message: `x${i} must be <= 1`,
});

describe('annotations', () => {
  function collect(r: ValidationReport, mode: 'fail' | 'warn') {
    const calls: Parameters<Annotate>[] = [];
    annotateFindings(r, mode, (...args) => void calls.push(args));
    return calls;
  }

  it('annotates each finding on its file, line and column with a title', () => {
    expect(collect(report([finding(0)]), 'fail')).toEqual([
      [
        'error',
        'x0 must be <= 1',
        'config schema',
        { file: 'config/f0.yaml', line: 1, column: 3, endLine: 1, endColumn: 9 },
      ],
    ]);
  });

  const warning = (i: number): Finding => ({ ...finding(i), rule: 'compose-config', severity: 'warning' });
  const kinds = (calls: Parameters<Annotate>[]) => ({
    error: calls.filter((c) => c[0] === 'error').length,
    warning: calls.filter((c) => c[0] === 'warning').length,
  });

  it('annotates up to 9 errors, leaving room for the step failure', () => {
    const calls = collect(report(Array.from({ length: 9 }, (_, i) => finding(i))), 'fail');
    expect(calls.map((c) => c[1])).toEqual(Array.from({ length: 9 }, (_, i) => `x${i} must be <= 1`));
  });

  it(`keeps errors, the count line and the failure within ${ANNOTATIONS_PER_KIND}`, () => {
    const calls = collect(report(Array.from({ length: 57 }, (_, i) => finding(i))), 'fail');
    // 8 findings and the count line; core.setFailed adds the 10th.
    expect(calls).toHaveLength(ANNOTATIONS_PER_KIND - 1);
    expect(calls.slice(0, 8).map((c) => c[3]?.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(calls.at(-1)).toEqual([
      'error',
      '49 more errors not annotated (GitHub shows 10 per step): all 57 are in the log and the job summary',
      'validate-config',
    ]);
  });

  it('counts warnings on their own, and with no error to fail on uses all 10', () => {
    const mixed = collect(
      report([...Array.from({ length: 3 }, (_, i) => finding(i)), ...Array.from({ length: 12 }, (_, i) => warning(i))]),
      'fail',
    );
    expect(kinds(mixed)).toEqual({ error: 3, warning: 10 });
    expect(mixed.at(-1)?.[1]).toMatch(/^3 more warnings not annotated/);
    const onlyWarnings = collect(report(Array.from({ length: 10 }, (_, i) => warning(i))), 'fail');
    expect(kinds(onlyWarnings)).toEqual({ error: 0, warning: 10 });
    expect(onlyWarnings.every((c) => c[2] === 'docker compose config')).toBe(true);
  });

  it('in warn mode makes all 10 warnings, the count line among them', () => {
    const calls = collect(report(Array.from({ length: 11 }, (_, i) => finding(i))), 'warn');
    expect(kinds(calls)).toEqual({ error: 0, warning: 10 });
    expect(calls.at(-1)?.[1]).toBe(
      '2 more warnings not annotated (GitHub shows 10 per step): all 11 are in the log and the job summary',
    );
    expect(collect(report(Array.from({ length: 10 }, (_, i) => finding(i))), 'warn').map((c) => c[2])).not.toContain(
      'validate-config',
    );
  });

  it('writes every problem to the log, annotated or not', () => {
    const lines: string[] = [];
    logFindings(report(Array.from({ length: 57 }, (_, i) => finding(i))), { ...silentLog, info: (m) => lines.push(m) });
    expect(lines).toHaveLength(58);
    expect(lines[0]).toBe('validate-config: 57 problems:');
    expect(lines.at(-1)).toBe('  config/f0.yaml:57:3  [config schema] x56 must be <= 1');
  });

  it('makes every annotation a warning in warn mode', () => {
    const calls = collect(report([finding(0), finding(1)]), 'warn');
    expect(calls.map((c) => c[0])).toEqual(['warning', 'warning']);
  });
});

describe('job summary', () => {
  it('has the headline, a file/schema/result/errors table and every problem', () => {
    const md = configSummary(
      report([finding(0), finding(1), { rule: 'input', severity: 'error', message: "files: 'x' matches no file" }]),
      'fail',
    ).markdown();
    expect(md).toContain('## ❌ validate-config: 3 errors in 1 file and the inputs (3 checked)');
    expect(md).toContain("- files: 'x' matches no file");
    expect(md).toContain('| File | Schema | Result | Errors |');
    expect(md).toContain('| `config/f0.yaml` | schema.json | ❌ invalid | 2 |');
    expect(md).toContain('| `config/f2.yaml` | (syntax only) | ✅ valid | 0 |');
    expect(md).toContain('config/f0.yaml:2:3  [config schema] x1 must be <= 1');
  });

  it('says one problem, file and error in the singular, more in the plural', () => {
    const one = configSummary(report([finding(0)], 1), 'fail').markdown();
    expect(one).toContain('## ❌ validate-config: 1 error in 1 file (1 checked)');
    expect(one).toContain('<summary>The 1 problem</summary>');
    expect(one).not.toMatch(/\b1 (problems|errors|files)\b/);
    const two = configSummary(report([finding(0), finding(1)], 1), 'fail').markdown();
    expect(two).toContain('## ❌ validate-config: 2 errors in 1 file (1 checked)');
    expect(two).toContain('<summary>All 2 problems</summary>');
    expect(configSummary(report([], 1), 'fail').markdown()).toContain('## ✅ validate-config: 1 file valid');
  });

  it('passes with a warning headline in warn mode, and a plain success when clean', () => {
    expect(configSummary(report([finding(0)]), 'warn').markdown()).toContain(
      '## ⚠️ validate-config: 1 problem in 3 files (mode: warn, the step passes)',
    );
    expect(configSummary(report([]), 'fail').markdown()).toContain('## ✅ validate-config: 3 files valid');
  });
});
