// actions/validate-config end to end: the bundled dist/validate-config/index.js run by the harness as
// the runner runs it (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, workflow commands), under the
// machine's Node and Node 24. `docker` and `docker-compose` are stand-in scripts on PATH, so these
// tests need no Docker.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFileCommand, repoRoot, runAction, type NodeChoice } from '../harness/runAction.js';
import {
  brokenProductionErrors,
  brokenTradingCopy,
  tradingExample,
  tradingInputs,
} from '../fixtures/config/tradingExample.js';
import { scratchDir } from '../support/scratchDir.js';

const scratch = scratchDir('njord-vc-it-');

/** A PATH dir with `docker` (and `docker-compose`) stand-ins; each call is appended to the log. */
function fakeDocker(opts: { v2: boolean; configError?: string }): { path: string; log: string } {
  const dir = mkdtempSync(join(scratch, 'bin-'));
  const log = join(dir, 'calls.log');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    join(dir, 'docker'),
    [
      '#!/bin/sh',
      `echo "docker $*" >> ${q(log)}`,
      opts.v2 ? '[ "$1 $2" = "compose version" ] && { echo "Docker Compose version v2.30.0"; exit 0; }' : '',
      opts.v2 && opts.configError
        ? `case " $* " in *" config --quiet "*) echo ${q(opts.configError)} >&2; exit 15;; esac`
        : '',
      opts.v2 ? 'case " $* " in *" config --quiet "*) exit 0;; esac' : '',
      'echo "docker: unknown command" >&2; exit 1',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'docker-compose'), `#!/bin/sh\necho "docker-compose $*" >> ${q(log)}\nexit 1\n`);
  chmodSync(join(dir, 'docker'), 0o755);
  chmodSync(join(dir, 'docker-compose'), 0o755);
  return { path: `${dir}:${process.env.PATH ?? ''}`, log };
}

function copyOf(src: string): string {
  const dir = mkdtempSync(join(scratch, 'ws-'));
  cpSync(src, dir, { recursive: true });
  return dir;
}

/** How many ::error and ::warning commands a step printed: what GitHub counts against its limits. */
function count(stdout: string): { error: number; warning: number } {
  const lines = stdout.split('\n');
  return {
    error: lines.filter((l) => l.startsWith('::error')).length,
    warning: lines.filter((l) => l.startsWith('::warning')).length,
  };
}

/** The problems the step's log lists, one `  file:line:col  [title] message` line each. */
function problemsInLog(stdout: string): { file: string; line: number; col: number; title: string }[] {
  return [...stdout.matchAll(/^ {2}(\S+?):(\d+):(\d+) {2}\[([^\]]+)\] /gm)].map((m) => ({
    file: m[1]!,
    line: Number(m[2]),
    col: Number(m[3]),
    title: m[4]!,
  }));
}

const fixtures = join(repoRoot, 'tests/fixtures/config');
const secretsEnv = { DATABASE_URL: 'postgres://db/trader', DB_PASSWORD: 'not-a-real-password' };

describe.each<NodeChoice>(['machine', 'node24'])('validate-config under %s', (node) => {
  it('passes the trading example, running docker compose config over it', async () => {
    const ws = copyOf(tradingExample);
    const docker = fakeDocker({ v2: true });
    const run = await runAction('actions/validate-config', tradingInputs, {
      node,
      workspace: ws,
      env: { ...secretsEnv, PATH: docker.path },
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({ valid: 'true', 'error-count': '0', 'files-checked': '4' });
    expect(run.annotations).toEqual([]);
    expect(run.summary).toContain('## ✅ validate-config: 4 files valid');
    expect(run.summary).toContain('| `config/production.yaml` | schema/trading-config.schema.json | ✅ valid | 0 |');
    expect(run.summary).toContain('| `docker-compose.yml` | Compose Specification | ✅ valid | 0 |');
    expect(readFileSync(docker.log, 'utf8')).toContain(
      `docker compose --project-directory ${ws} -f ${ws}/docker-compose.yml config --quiet`,
    );
  });

  it('fails a broken production.yaml with one annotation per error on its line', async () => {
    const ws = brokenTradingCopy();
    const run = await runAction('actions/validate-config', tradingInputs, {
      node,
      workspace: ws,
      env: { ...secretsEnv, PATH: fakeDocker({ v2: false }).path },
    });
    rmSync(ws, { recursive: true, force: true });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toEqual({ valid: 'false', 'error-count': '7', 'files-checked': '4' });
    const located = run.annotations.filter((a) => a.file);
    expect(located.map((a) => [a.kind, a.file, a.line, a.col, a.message])).toEqual(
      brokenProductionErrors.map(([line, col, message]) => ['error', 'config/production.yaml', line, col, message]),
    );
    expect(located.every((a) => a.title === 'config schema')).toBe(true);
    expect(run.annotations.at(-1)).toMatchObject({
      kind: 'error',
      message: 'validate-config: 7 errors in the configs: see the annotations and the job summary',
    });
    expect(run.summary).toContain('## ❌ validate-config: 7 errors in 1 file (4 checked)');
    expect(run.summary).toContain('| `config/production.yaml` | schema/trading-config.schema.json | ❌ invalid | 7 |');
    expect(run.summary).toContain(
      'config/production.yaml:8:21  [config schema] risk.max_position_pct must be <= 0.2 (found 0.5)',
    );
  });

  it('reports every kind of problem as warnings in warn mode, and the step passes', async () => {
    const ws = copyOf(join(fixtures, 'schema-errors'));
    const run = await runAction(
      'actions/validate-config',
      {
        files: 'configs/*.yaml',
        schema: 'schemas/service.schema.yaml',
        'schema-map': 'configs/*.json: schemas/settings.schema.json',
        mode: 'warn',
      },
      { node, workspace: ws, env: { PATH: fakeDocker({ v2: false }).path } },
    );
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({ valid: 'false', 'error-count': '19', 'files-checked': '7' });
    // GitHub shows 10 warnings of a step: 9 problems and the count line; the log has all 19.
    expect(count(run.stdout)).toEqual({ error: 0, warning: 10 });
    expect(run.annotations.at(-1)).toEqual({
      kind: 'warning',
      title: 'validate-config',
      message: '10 more warnings not annotated (GitHub shows 10 per step): all 19 are in the log and the job summary',
    });
    const logged = problemsInLog(run.stdout);
    expect(logged).toHaveLength(19);
    const at = (file: string) => logged.filter((p) => p.file === file).map((p) => [p.line, p.col, p.title]);
    expect(at('configs/syntax.yaml')).toEqual([[3, 1, 'YAML syntax']]);
    expect(at('configs/duplicate.yaml')).toEqual([[6, 1, 'duplicate key']]);
    expect(at('configs/multi.yaml')).toEqual([
      [6, 1, 'config schema'],
      [8, 16, 'config schema'],
    ]);
    expect(at('configs/settings.json')).toEqual([
      [4, 14, 'config schema'],
      [6, 38, 'config schema'],
    ]);
    expect(at('configs/errors.yaml')).toHaveLength(12);
    // What is annotated is the first of them, on the same places.
    expect(run.annotations.slice(0, 9).map((a) => [a.file, a.line, a.col, a.title])).toEqual(
      logged.slice(0, 9).map((p) => [p.file, p.line, p.col, p.title]),
    );
    expect(run.summary).toContain('## ⚠️ validate-config: 19 problems in 7 files (mode: warn, the step passes)');
    expect(run.summary).toContain('<summary>All 19 problems</summary>');
  });

  it('locates compose problems, and what docker compose config says', async () => {
    const ws = copyOf(tradingExample);
    writeFileSync(
      join(ws, 'docker-compose.yml'),
      readFileSync(join(ws, 'docker-compose.yml'), 'utf8').replace('interval: 10s', 'interval: ten seconds'),
    );
    const docker = fakeDocker({
      v2: true,
      configError: 'services.engine.healthcheck.interval: invalid duration ten seconds',
    });
    const run = await runAction(
      'actions/validate-config',
      { 'compose-files': 'docker-compose.yml', 'required-env': 'DATABASE_URL' },
      { node, workspace: ws, env: { DATABASE_URL: 'x', PATH: docker.path } },
    );
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toEqual({ valid: 'false', 'error-count': '1', 'files-checked': '1' });
    expect(run.annotations.filter((a) => a.file).map((a) => [a.file, a.line, a.col, a.title, a.message])).toEqual([
      [
        'docker-compose.yml',
        20,
        7,
        'docker compose config',
        'docker compose config rejects the compose project: services.engine.healthcheck.interval: invalid duration ten seconds',
      ],
    ]);
  });

  // Issue 20: a compose file checked as Compose reads it, the deploy's rules off, with real values.
  it('checks a compose file with its real values and the deploy rules off', async () => {
    const ws = mkdtempSync(join(scratch, 'ws-'));
    writeFileSync(
      join(ws, 'compose.yaml'),
      'services:\n  web:\n    image: nginx:${TAG}\n    deploy:\n      replicas: ${REPLICAS}\n    depends_on: [web]\n',
    );
    writeFileSync(join(ws, '.env'), 'TAG=1.27\nTZ=Europe/Berlin\nAPP_URL=https://shop.example.com\n');
    const bin = mkdtempSync(join(scratch, 'bin-'));
    const seen = join(bin, 'env.log');
    // docker compose as a stand-in that records the variables it was given.
    writeFileSync(
      join(bin, 'docker'),
      `#!/bin/sh\n[ "$1 $2" = "compose version" ] && exit 0\necho "REPLICAS=\${REPLICAS-unset} TAG=\${TAG-unset}" >> ${seen}\nexit 0\n`,
    );
    chmodSync(join(bin, 'docker'), 0o755);
    const inputs = { 'compose-files': 'compose.yaml', 'image-variable': '', 'require-variables': 'false' };
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}` };
    const cycle = await runAction(
      'actions/validate-config',
      { ...inputs, env: 'REPLICAS=2' },
      { node, workspace: ws, env },
    );
    expect(cycle.annotations.filter((a) => a.file).map((a) => [a.file, a.line, a.col, a.message])).toEqual([
      ['compose.yaml', 6, 18, "service 'web' depends on itself"],
    ]);
    writeFileSync(
      join(ws, 'compose.yaml'),
      'services:\n  web:\n    image: nginx:${TAG}\n    deploy:\n      replicas: ${REPLICAS}\n',
    );
    const ok = await runAction(
      'actions/validate-config',
      { ...inputs, env: 'REPLICAS=2' },
      { node, workspace: ws, env },
    );
    expect(ok.exitCode).toBe(0);
    expect(ok.outputs).toEqual({ valid: 'true', 'error-count': '0', 'files-checked': '1' });
    // The env input's value, and no stand-in for TAG: compose reads it from .env itself.
    expect(readFileSync(seen, 'utf8')).toBe('REPLICAS=2 TAG=unset\n');
  });

  it('fails on a bad input, naming it', async () => {
    const run = await runAction('actions/validate-config', { files: 'x.yml', mode: 'strict' }, { node });
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toEqual([{ kind: 'error', message: "Input 'mode': 'strict' is not one of: fail, warn" }]);
  });

  it.each(['fail', 'warn'] as const)(
    'keeps to the 10 annotations of a kind GitHub shows per step, count line and failure included (mode: %s)',
    async (mode) => {
      const ws = mkdtempSync(join(scratch, 'many-'));
      mkdirSync(join(ws, 'c'));
      writeFileSync(join(ws, 's.json'), JSON.stringify({ type: 'object', additionalProperties: { type: 'integer' } }));
      writeFileSync(join(ws, 'c/many.yaml'), Array.from({ length: 60 }, (_, i) => `k${i}: x`).join('\n') + '\n');
      const run = await runAction(
        'actions/validate-config',
        { files: 'c/*.yaml', schema: 's.json', mode },
        { node, workspace: ws },
      );
      expect(run.outputs['error-count']).toBe('60');
      const kind = mode === 'fail' ? 'error' : 'warning';
      expect(count(run.stdout)).toEqual(mode === 'fail' ? { error: 10, warning: 0 } : { error: 0, warning: 10 });
      const located = run.annotations.filter((a) => a.file);
      expect(located).toHaveLength(mode === 'fail' ? 8 : 9);
      expect(located.at(-1)).toMatchObject({ kind, file: 'c/many.yaml', line: located.length, col: 5 }); // k7 or k8: x
      expect(run.annotations).toContainEqual({
        kind,
        title: 'validate-config',
        message: `${60 - located.length} more ${kind}s not annotated (GitHub shows 10 per step): all 60 are in the log and the job summary`,
      });
      if (mode === 'fail') {
        expect(run.exitCode).toBe(1);
        expect(run.annotations.at(-1)).toEqual({
          kind: 'error',
          message: 'validate-config: 60 errors in the configs: see the annotations and the job summary',
        });
      } else expect(run.exitCode).toBe(0);
      expect(problemsInLog(run.stdout)).toHaveLength(60);
      expect(run.stdout).toContain('  c/many.yaml:60:6  [config schema] k59 must be a whole number');
      expect(run.summary).toContain('c/many.yaml:60:6  [config schema] k59 must be a whole number');
    },
  );

  it('locates each compose-specific problem: variable, volume, IMAGE, secrets file, token, URL password', async () => {
    const ghp = 'gh' + 'p_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'; // built here: the repository holds no token
    const ws = mkdtempSync(join(scratch, 'compose-kinds-'));
    writeFileSync(
      join(ws, 'docker-compose.yml'),
      [
        'services:', // 1: no service has image: ${IMAGE}
        '  web:',
        '    image: registry.example/shop/web:1.4',
        '    environment:',
        '      DATABASE_URL: postgres://shop:Sup3rS3cretPassw0rd@db/shop', // 5:37 the password
        '      SENTRY_DSN: ${SENTRY_DSN}', // 6:19 nothing provides it
        `      GITHUB_TOKEN: ${ghp}`, // 7:21
        '    volumes:',
        '      - uploads:/srv/uploads', // 9:9 no top-level volumes: uploads
        '',
      ].join('\n'),
    );
    mkdirSync(join(ws, 'config'));
    writeFileSync(join(ws, 'config/secrets.prod.yaml'), 'db_password: hunter2\n');
    const git = (...args: string[]) => spawnSync('git', ['-C', ws, ...args], { stdio: 'ignore' });
    git('init', '-q');
    git('add', '.'); // committed: what the check looks at in a checkout
    const run = await runAction(
      'actions/validate-config',
      { 'compose-files': 'docker-compose.yml' },
      { node, workspace: ws, env: { PATH: fakeDocker({ v2: true }).path } },
    );
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toEqual({ valid: 'false', 'error-count': '6', 'files-checked': '1' });
    expect(run.annotations.map((a) => [a.kind, a.file, a.line, a.col, a.title])).toEqual([
      ['error', 'config/secrets.prod.yaml', 1, 1, 'plaintext secret file'],
      ['error', 'docker-compose.yml', 1, 1, 'compose image'],
      ['error', 'docker-compose.yml', 5, 37, 'secret in plain text'],
      ['error', 'docker-compose.yml', 6, 19, 'compose variable'],
      ['error', 'docker-compose.yml', 7, 21, 'secret in plain text'],
      ['error', 'docker-compose.yml', 9, 9, 'compose reference'],
      ['error', undefined, undefined, undefined, undefined],
    ]);
    const messages = run.annotations.map((a) => a.message);
    expect(messages[0]).toMatch(/^config\/secrets\.prod\.yaml is named like a secrets file but is not encrypted/);
    expect(messages[1]).toMatch(/^no service has image: \$\{IMAGE\}/);
    expect(messages[2]).toMatch(/^A password in a URL in plain text/);
    expect(messages[3]).toMatch(/^\$\{SENTRY_DSN\} in services\.web\.environment\.SENTRY_DSN: nothing provides/);
    expect(messages[4]).toMatch(/^A GitHub token in plain text/);
    expect(messages[5]).toBe("service 'web' uses volume 'uploads', which no top-level volumes: defines");
    expect(run.stdout).not.toContain('Sup3rS3cret');
    expect(run.stdout).not.toContain(ghp);
  });
});

describe('validate-config under the system Node (20: no fs.globSync)', () => {
  const system = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
    const v = spawnSync(p, ['--version'], { encoding: 'utf8' });
    return v.status === 0 && !v.stdout.startsWith('v24');
  });

  it.skipIf(!system)('finds the files with the small glob and reports the same', () => {
    const ws = brokenTradingCopy();
    const out = join(scratch, 'node20-output');
    writeFileSync(out, '');
    const env: NodeJS.ProcessEnv = {
      PATH: fakeDocker({ v2: false }).path,
      HOME: process.env.HOME,
      GITHUB_WORKSPACE: ws,
      GITHUB_OUTPUT: out,
      ...secretsEnv,
      INPUT_FILES: 'config/*.yaml',
      INPUT_SCHEMA: tradingInputs.schema,
      'INPUT_COMPOSE-FILES': tradingInputs['compose-files'],
      'INPUT_REQUIRED-ENV': tradingInputs['required-env'],
    };
    const r = spawnSync(system!, [join(repoRoot, 'dist/validate-config/index.js')], { cwd: ws, env, encoding: 'utf8' });
    rmSync(ws, { recursive: true, force: true });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(parseFileCommand(readFileSync(out, 'utf8'))).toEqual({
      valid: 'false',
      'error-count': '7',
      'files-checked': '4',
    });
    expect(r.stdout).toContain(
      '::error title=config schema,file=config/production.yaml,line=8,endLine=8,col=21,endColumn=24::',
    );
  });
});
