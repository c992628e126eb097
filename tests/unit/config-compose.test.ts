// Compose files: the Compose Specification schema, variables nothing provides, undefined references,
// image: ${IMAGE}, and `docker compose config` (through a stand-in runner) located on its line.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeSchema } from '../../src/validation/ComposeSchema.js';
import { validateConfigs, type ValidateConfigSpec } from '../../src/validation/ConfigValidator.js';
import { composeConfig, findComposeCli, type Runner } from '../../src/validation/DockerComposeConfig.js';
import type { Finding } from '../../src/validation/Finding.js';
import { dotenvNames, variableUses } from '../../src/validation/Interpolation.js';
import { YamlSource } from '../../src/validation/YamlSource.js';
import { silentLog } from '../../src/report/Log.js';
import { parse } from 'yaml';
import { validateIn } from '../support/validateKit.js';
import { scratchDir } from '../support/scratchDir.js';

const fixtures = join(import.meta.dirname, '../fixtures/config/compose');
const example = join(import.meta.dirname, '../../examples/trading-config');
const scratch = scratchDir('njord-compose-');

function run(workspace: string, over: Partial<ValidateConfigSpec>) {
  return validateIn(workspace, { composeFiles: ['docker-compose.yml'], ...over });
}

const rows = (fs: Finding[]) => fs.map((f) => [`${f.file}:${f.span?.line}:${f.span?.column}`, f.rule, f.message]);

describe('the fixture compose file', () => {
  const report = run(fixtures, { requiredEnv: ['DATABASE_URL'], env: { DATABASE_URL: 'postgres://x' } });

  it('finds each problem on its line and column', () => {
    expect(rows(report.findings).map(([at, rule]) => [at, rule])).toEqual([
      ['docker-compose.yml:2:1', 'compose-image'],
      ['docker-compose.yml:7:10', 'compose-variable'],
      ['docker-compose.yml:12:16', 'compose-variable'],
      ['docker-compose.yml:15:9', 'compose-reference'],
      ['docker-compose.yml:17:23', 'compose-reference'],
      ['docker-compose.yml:19:22', 'compose-reference'],
      ['docker-compose.yml:22:5', 'compose-schema'],
    ]);
  });

  it('says what is wrong in plain words', () => {
    const messages = report.findings.map((f) => f.message);
    expect(messages[0]).toMatch(/^no service has image: \$\{IMAGE\}/);
    expect(messages[1]).toMatch(/^\$\{ADMIN_PORT\} in services\.web\.ports\[1\]: nothing provides ADMIN_PORT\./);
    expect(messages[2]).toMatch(/nothing provides API_KEY \(set API_KEY for the deploy\)/);
    expect(messages[3]).toBe("service 'web' uses volume 'uploads', which no top-level volumes: defines");
    expect(messages[4]).toBe("service 'web' uses network 'back', which no top-level networks: defines");
    expect(messages[5]).toBe("service 'web' depends on 'cache', which is not a service");
    expect(messages[6]).toBe("services.db.restrat is not allowed here (did you mean 'restart'?)");
  });

  it('counts ${PORT} as provided by .env, defaults and $$ as fine, required-env as provided', () => {
    const text = report.findings.map((f) => f.message).join('\n');
    expect(text).not.toMatch(/\$\{PORT\}|LOG_LEVEL|DATABASE_URL|\$\$5/);
  });

  it('without required-env, ${DATABASE_URL} is reported too', () => {
    const r = run(fixtures, {});
    expect(r.findings.filter((f) => f.rule === 'compose-variable').map((f) => f.span?.line)).toEqual([7, 9, 12]);
  });
});

describe('the Compose Specification schema', () => {
  it('compiles and accepts the example compose file', () => {
    const v = composeSchema();
    expect(v(parse(readFileSync(join(example, 'docker-compose.yml'), 'utf8')))).toBe(true);
  });

  it('explains a wrong shape with the form it should have', () => {
    writeFileSync(
      join(scratch, 'docker-compose.yml'),
      ['services:', '  web:', '    image: ${IMAGE}', '    ports: 8080', '    environment: DEBUG', ''].join('\n'),
    );
    expect(rows(run(scratch, {}).findings)).toEqual([
      [
        'docker-compose.yml:4:12',
        'compose-schema',
        'services.web.ports must be a list, not a whole number (found 8080)',
      ],
      [
        'docker-compose.yml:5:18',
        'compose-schema',
        "services.web.environment must be a mapping (key: value) or a list (found 'DEBUG')",
      ],
    ]);
  });
});

describe('compose projects of several files', () => {
  it('resolves references across the files, as compose merges them', () => {
    const dir = mkdtempSync(join(scratch, 'merge-'));
    writeFileSync(join(dir, 'compose.yml'), 'services:\n  web:\n    image: ${IMAGE}\n    volumes: [data:/data]\n');
    writeFileSync(join(dir, 'compose.prod.yml'), 'volumes:\n  data: {}\n');
    expect(run(dir, { composeFiles: ['compose.yml', 'compose.prod.yml'] }).findings).toEqual([]);
    expect(rows(run(dir, { composeFiles: ['compose.yml'] }).findings)).toEqual([
      [
        'compose.yml:4:15',
        'compose-reference',
        "service 'web' uses volume 'data', which no top-level volumes: defines",
      ],
    ]);
  });

  it('rejects a compose file of several YAML documents at the second one', () => {
    const dir = mkdtempSync(join(scratch, 'multi-'));
    writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: ${IMAGE}\n---\nservices: {}\n');
    expect(rows(run(dir, {}).findings)).toEqual([
      [
        'docker-compose.yml:5:1',
        'syntax',
        'a compose file holds one YAML document; this one has 2 (the second starts here)',
      ],
    ]);
  });

  it('passes the example project with its required-env', () => {
    const r = run(example, {
      requiredEnv: ['DATABASE_URL', 'DB_PASSWORD'],
      env: { DATABASE_URL: 'x', DB_PASSWORD: 'y' },
    });
    expect(r.findings).toEqual([]);
    expect(r.filesChecked).toBe(1);
  });

  it('reports required-env names the step does not have', () => {
    const r = run(example, { requiredEnv: ['DATABASE_URL', 'DB_PASSWORD'], env: { DATABASE_URL: 'x' } });
    expect(r.findings.map((f) => [f.rule, f.file, f.message])).toEqual([
      [
        'required-env',
        undefined,
        'DB_PASSWORD is listed in required-env but is not set for this step: pass it with env: (e.g. DB_PASSWORD: ${{ secrets.DB_PASSWORD }})',
      ],
    ]);
  });
});

describe('interpolation', () => {
  it('reads references, defaults, required markers and escapes', () => {
    const uses = variableUses('${A} $B ${C:-x} ${D-y} ${E:?need E} ${F?} ${G:+alt} $$H ${I:-${J}} $1');
    expect(uses.map((u) => [u.name, u.hasFallback, u.requiredMessage])).toEqual([
      ['A', false, undefined],
      ['B', false, undefined],
      ['C', true, undefined],
      ['D', true, undefined],
      ['E', false, 'need E'],
      ['F', false, ''],
      ['G', true, undefined],
      ['I', true, undefined],
      ['J', false, undefined],
    ]);
    expect(uses.find((u) => u.name === 'J')?.index).toBe(
      '${A} $B ${C:-x} ${D-y} ${E:?need E} ${F?} ${G:+alt} $$H ${I:-'.length,
    );
  });

  it('reads dotenv names, with export and comments', () => {
    expect(dotenvNames('# c\nA=1\nexport B="x y"\n  C = 3\nnot a line\n')).toEqual(['A', 'B', 'C']);
  });
});

describe('docker compose config', () => {
  const file = 'docker-compose.yml';
  const text = 'services:\n  web:\n    image: ${IMAGE}\n    ports:\n      - "80:80"\n';
  const value = parse(text) as unknown;
  const cf = { file, source: new YamlSource(text), value, resolved: value };

  it('prefers v2, falls back to v1, or finds none', () => {
    const answers =
      (ok: string[]): Runner =>
      (argv) => ({ code: ok.includes(argv.slice(0, 2).join(' ')) ? 0 : 1, output: '' });
    expect(findComposeCli(answers(['docker compose', 'docker-compose version']))?.variant).toBe('v2');
    expect(findComposeCli(answers(['docker-compose version']))?.variant).toBe('v1');
    expect(findComposeCli(answers([]))).toBeUndefined();
  });

  it('runs config --quiet over the files with the real values of variables, and locates a path it names', () => {
    let seen: { argv: string[]; env: NodeJS.ProcessEnv } | undefined;
    const run: Runner = (argv, { env }) => {
      seen = { argv, env };
      return { code: 15, output: 'validating /ws/docker-compose.yml: services.web.ports.0 invalid port' };
    };
    const found = composeConfig(
      { variant: 'v2', command: ['docker', 'compose'] },
      '/ws',
      [cf],
      new Map([['DB_URL', 'postgres://db/shop']]),
      'IMAGE',
      {
        run,
        env: { PATH: '/bin', SECRET_FROM_RUNNER: 'x' },
      },
    );
    expect(seen!.argv).toEqual([
      'docker',
      'compose',
      '--project-directory',
      '/ws',
      '-f',
      '/ws/docker-compose.yml',
      'config',
      '--quiet',
    ]);
    expect(seen!.env).toEqual({
      PATH: '/bin',
      // The image the deploy builds is unknown here: a well-formed reference (used only in image:).
      IMAGE: 'registry.invalid/validate-config:unknown',
      DB_URL: 'postgres://db/shop',
    });
    expect(found).toEqual([
      {
        rule: 'compose-config',
        severity: 'error',
        file,
        span: { line: 5, column: 9, endLine: 5, endColumn: 16 },
        message:
          'docker compose config rejects the compose project: validating docker-compose.yml: services.web.ports.0 invalid port',
      },
    ]);
  });

  it('locates "line N" and makes v1 complaints warnings', () => {
    const run: Runner = () => ({ code: 1, output: 'ERROR: yaml: line 5: did not find expected key' });
    const [f] = composeConfig({ variant: 'v1', command: ['docker-compose'] }, '/ws', [cf], new Map(), '', {
      run,
      env: {},
    });
    expect(f).toMatchObject({ severity: 'warning', span: { line: 5, column: 1 } });
    expect(f!.message).toBe(
      'docker-compose (v1) config rejects the compose project: yaml: line 5: did not find expected key',
    );
  });

  it('is not run when the files already have errors, and passes quietly when compose agrees', () => {
    const calls: string[][] = [];
    const run: Runner = (argv) => {
      calls.push(argv);
      return { code: 0, output: '' };
    };
    const broken = run_(fixtures, run);
    expect(calls.some((a) => a.includes('config'))).toBe(false);
    expect(broken.composeCli).toBeUndefined();
    const ok = run_(example, run, ['DATABASE_URL', 'DB_PASSWORD']);
    expect(calls.filter((a) => a.includes('config'))).toHaveLength(1);
    expect(ok.composeCli).toBe('v2');
    expect(ok.findings).toEqual([]);
  });
});

function run_(workspace: string, runner: Runner, requiredEnv: string[] = []) {
  const env = Object.fromEntries(requiredEnv.map((n) => [n, 'x']));
  return run(workspace, { dockerCompose: 'auto', run: runner, requiredEnv, env });
}

describe('the docker compose on this machine, if any', () => {
  const cli = findComposeCli();

  it.skipIf(!cli)('runs it for real and locates what it says', () => {
    const dir = mkdtempSync(join(scratch, 'real-'));
    // Valid for the Compose Specification (and v2); v1 does not know the top-level `name`.
    writeFileSync(join(dir, 'docker-compose.yml'), 'name: shop\nservices:\n  web:\n    image: ${IMAGE}\n');
    const r = validateConfigs(
      {
        workspace: dir,
        files: [],
        schemaMap: [],
        composeFiles: ['docker-compose.yml'],
        requiredEnv: [],
        forbidPlaintextSecrets: false,
        imageVariable: 'IMAGE',
        requireVariables: true,
        envValues: {},
        env: process.env,
        dockerCompose: 'auto',
      },
      silentLog,
    );
    expect(r.composeCli).toBe(cli!.variant);
    if (cli!.variant === 'v2') expect(r.findings).toEqual([]);
    else {
      expect(r.findings).toHaveLength(1);
      expect(r.findings[0]).toMatchObject({
        rule: 'compose-config',
        severity: 'warning',
        file: 'docker-compose.yml',
        span: { line: 1, column: 1 },
      });
      expect(r.findings[0]!.message).toMatch(/^docker-compose \(v1\) config rejects the compose project: .*'name'/);
      expect(r.errorCount).toBe(0);
    }
  });
});
