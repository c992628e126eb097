// Reporting: inputs read into a spec (errors name the input), annotations capped with a count of the
// rest, warn mode, and the job summary table.
import { describe, expect, it } from 'vitest';
import { parseSchemaMap, readValidateConfigSpec } from '../../src/config/ConfigInputs.js';
import { ANNOTATION_CAP, annotateFindings, configSummary, type Annotate } from '../../src/config/ConfigReport.js';
import type { ValidationReport } from '../../src/config/ConfigValidator.js';
import type { Finding } from '../../src/config/Finding.js';
import { InputReader } from '../../src/inputs/InputReader.js';

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

  it(`stops at ${ANNOTATION_CAP} and says how many more`, () => {
    const calls = collect(report(Array.from({ length: 57 }, (_, i) => finding(i))), 'fail');
    expect(calls).toHaveLength(ANNOTATION_CAP + 1);
    expect(calls[ANNOTATION_CAP]).toEqual([
      'error',
      '7 more problems not annotated (the first 50 are): see the job summary for all 57',
      'validate-config',
    ]);
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

  it('passes with a warning headline in warn mode, and a plain success when clean', () => {
    expect(configSummary(report([finding(0)]), 'warn').markdown()).toContain(
      '## ⚠️ validate-config: 1 problem in 3 files (mode: warn, the step passes)',
    );
    expect(configSummary(report([]), 'fail').markdown()).toContain('## ✅ validate-config: 3 files valid');
  });
});
