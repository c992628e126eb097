// The bundled CLI (dist/cli/index.js, what `npx njord-deploy` runs) from a terminal on this
// machine against the sandbox host: deploy, list releases, roll back, a to that matches nothing,
// and a health gate, with inputs from a YAML file, flags and NJORD_* variables.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot } from '../harness/runAction.js';
import { type TestImage } from '../sandbox/Sandbox.js';
import { newApp, removeApp, served, writeCliConfig, type TestApp } from '../support/deployKit.js';
import { currentOnHost, onHost } from '../support/hostState.js';
import { historyOnHost } from '../support/rollbackKit.js';
import { describeOnSandbox, sandboxInfo, versionImage } from '../support/sandboxSuite.js';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A person's shell: no GitHub variables, its own environment only. */
function shellEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(GITHUB_|RUNNER_|INPUT_|NJORD_|ACTIONS_)/.test(k)),
  );
  return { ...base, NJORD_ACTOR: 'alice@laptop', ...env };
}

const bundle = join(repoRoot, 'dist/cli/index.js');

/** Runs the bundle as a person's shell would. */
function cli(args: string[], cwd: string, env: Record<string, string> = {}): CliRun {
  const r = spawnSync(process.execPath, [bundle, ...args], {
    cwd,
    env: shellEnv(env),
    encoding: 'utf8',
    timeout: 5 * 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const show = (r: CliRun) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

describeOnSandbox('njord-deploy CLI', () => {
  const info = sandboxInfo();
  let v1: TestImage;
  let v2: TestImage;
  let a: TestApp;
  let config: string;
  let r1 = '';
  let r2 = '';

  beforeAll(async () => {
    const repo = `njord-test/cli-${process.pid}`;
    v1 = await versionImage(info, repo, 'v1');
    v2 = await versionImage(info, repo, 'v2');
    a = await newApp(info, 'cli');
    config = writeCliConfig(info, a, [`health-url: http://127.0.0.1:${a.port}/health`, 'health-interval: 0.3']);
  });

  afterAll(() => removeApp(a));

  it('deploys, lists the releases, rolls back and lists the rollback, printing the reports as text', async () => {
    const d1 = cli(['deploy', '--config', config, '--image', v1.refByDigest], a.workspace);
    expect(d1.code, show(d1)).toBe(0);
    expect(d1.stdout).toContain(`✅ Deploy ${a.name}: deployed`);
    const d2 = cli(['deploy', '--config', config, '--json'], a.workspace, { NJORD_IMAGE: v2.ref });
    expect(d2.code, show(d2)).toBe(0);
    const out2 = JSON.parse(d2.stdout) as Record<string, string>;
    expect(out2.status).toBe('deployed');
    [r2, r1] = [out2.release!, out2['previous-release']!];
    expect(await served(a)).toBe('v2');

    const list = cli(['releases', '--config', config], a.workspace);
    expect(list.code, show(list)).toBe(0);
    expect(list.stdout).toContain(`Releases of ${a.name}: ${info.hostSpec} runs ${r2}`);
    expect(list.stdout).toMatch(
      new RegExp(`${r2} \\(current\\)\\s+${v2.ref.replace(/[.]/g, '\\.')}\\s+\\S+\\s+alice@laptop\\s+active`),
    );
    expect(list.stdout).toMatch(new RegExp(`\\S+Z\\s+deploy\\s+${r1}\\s+${r2}\\s+deployed\\s+alice@laptop`));

    const back = cli(['rollback', '--config', config, '--to', 'previous'], a.workspace, {
      NJORD_REASON: 'v2 breaks checkout',
    });
    expect(back.code, show(back)).toBe(0);
    expect(back.stdout).toContain(`✅ Rollback ${a.name}: rolled back to ${r1}`);
    expect(back.stdout).toMatch(new RegExp(`${info.hostSpec}\\s+rolled-back\\s+${r2}\\s+${r1}\\s+${r1}`));
    expect(back.stdout).not.toMatch(/\|\s*---/);
    expect(back.stderr).toContain(`release ${r1} is healthy and current`);
    expect(await served(a)).toBe('v1');
    expect(currentOnHost(a)).toBe(r1);
    expect(historyOnHost(a).at(-1)).toMatchObject({
      event: 'rollback',
      release: r1,
      from: r2,
      actor: 'alice@laptop',
      reason: 'v2 breaks checkout',
    });

    const after = cli(['releases', '--config', config], a.workspace);
    expect(after.stdout).toMatch(
      new RegExp(`\\S+Z\\s+rollback\\s+${r2}\\s+${r1}\\s+rolled-back\\s+alice@laptop\\s+v2 breaks checkout`),
    );
  });

  it('fails on a to that matches nothing with the list, and refuses a secret on the command line', () => {
    const before = currentOnHost(a);
    const none = cli(['rollback', '--config', config, '--to', 'v9'], a.workspace);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`'v9' matches no release on ${info.hostSpec}: no release kept here ran v9`);
    expect(none.stderr).toContain(`${before}  ${v1.refByDigest}`);
    expect(none.stdout).toContain('no such release (nothing changed)');
    expect(currentOnHost(a)).toBe(before);

    const leaky = cli(['rollback', '--config', config, '--ssh-key', 'AAAA'], a.workspace);
    expect(leaky.code).toBe(2);
    expect(leaky.stderr).toContain('--ssh-key would show the secret in the process list');
    const bad = cli(['rollback', '--config', config, '--health-timeout', 'soon'], a.workspace);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "Input 'health-timeout': 'soon' is not a duration: use seconds like 60, or 60s, 2m, 500ms (--health-timeout, NJORD_HEALTH_TIMEOUT, or health-timeout: in --config)",
    );
  });

  it('runs the health gate through the SSH tunnel, its headers never from a flag', () => {
    const url = `http://127.0.0.1:${a.port}/health`;
    const header = 'Authorization: Bearer s3cret-token';
    const leaky = cli(['health-gate', '--config', config, '--urls', url, '--headers', header], a.workspace);
    expect(leaky.code).toBe(2);
    expect(leaky.stderr).toContain(
      '--headers would show the secret in the process list; use --headers-file PATH, or the NJORD_HEADERS environment variable',
    );
    expect(leaky.stderr + leaky.stdout).not.toContain('s3cret');

    const run = cli(['health-gate', '--config', config, '--urls', url, '--successes', '3'], a.workspace, {
      NJORD_HEADERS: header,
    });
    expect(run.code, show(run)).toBe(0);
    expect(run.stdout).toContain('✅ Health gate: healthy in');
    expect(run.stdout).toMatch(new RegExp(`${info.hostSpec} timeline: ✓✓✓`));
    expect(run.stderr).toContain(`${info.hostSpec}: health attempt 3:`);
    expect(run.stderr + run.stdout).not.toContain('s3cret');
  });
  it('rolls back by the image tag a release ran, then by release id', async () => {
    expect(currentOnHost(a)).toBe(r1);
    const byTag = cli(['rollback', '--config', config, '--to', 'v2', '--json'], a.workspace);
    expect(byTag.code, show(byTag)).toBe(0);
    expect(JSON.parse(byTag.stdout)).toMatchObject({ status: 'rolled-back', release: r2, 'rolled-back-from': r1 });
    expect(await served(a)).toBe('v2');
    expect(currentOnHost(a)).toBe(r2);

    const byId = cli(['rollback', '--config', config, '--to', r1], a.workspace);
    expect(byId.code, show(byId)).toBe(0);
    expect(byId.stdout).toContain(`✅ Rollback ${a.name}: rolled back to ${r1}`);
    expect(await served(a)).toBe('v1');
    expect(currentOnHost(a)).toBe(r1);
    expect(
      historyOnHost(a)
        .slice(-2)
        .map((h) => `${h.event}:${h.from}>${h.release}:${h.result}`),
    ).toEqual([`rollback:${r1}>${r2}:rolled-back`, `rollback:${r2}>${r1}:rolled-back`]);
  });

  it('frees the app lock on Ctrl-C in the gate and exits 130: the next rollback does not wait', async () => {
    // A URL nobody serves keeps the gate going until the interrupt.
    const child = spawn(
      process.execPath,
      [bundle, 'rollback', '--config', config, '--to', r2, '--health-url', `http://127.0.0.1:${a.port}/nowhere`],
      { cwd: a.workspace, env: shellEnv({ NJORD_HEALTH_TIMEOUT: '120' }) },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 600 && !stderr.includes('health attempt 2:'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toContain('health attempt 2:');
    expect(onHost(`cat ${a.root}/.lock/owner.json`)).toContain('"rollback"');
    const sent = performance.now();
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(performance.now() - sent).toBeLessThan(10_000);
    expect(stderr).toContain(`SIGINT: rollback interrupted mid-way; freeing the app lock on ${info.hostSpec}`);
    expect(stderr).toContain(`${info.hostSpec}: released the lock the rollback left behind`);
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');

    const next = cli(['rollback', '--config', config, '--to', r1, '--lock-timeout', '5'], a.workspace);
    expect(next.code, show(next)).toBe(0);
    expect(next.stderr).not.toContain('waiting for the lock');
    expect(await served(a)).toBe('v1');
    expect(currentOnHost(a)).toBe(r1);
  });

  it('runs as npm installs it: node_modules/.bin/njord-deploy, a link to the bin of a copy of the package', () => {
    const project = mkdtempSync(join(tmpdir(), 'njord-npx-'));
    try {
      const pkg = join(project, 'node_modules', 'njord-deploy');
      // What the CLI needs of the package: its bundle and the action.yml files its options come from.
      const actions = readdirSync(join(repoRoot, 'actions')).map((d) => `actions/${d}/action.yml`);
      for (const f of ['package.json', 'action.yml', 'dist/cli', ...actions])
        cpSync(join(repoRoot, f), join(pkg, f), { recursive: true });
      mkdirSync(join(project, 'node_modules', '.bin'));
      const bin = join(project, 'node_modules', '.bin', 'njord-deploy');
      symlinkSync('../njord-deploy/dist/cli/index.js', bin);
      // Run as a program (shebang, exec bit), from the project, with only node on the PATH.
      const run = (args: string[]) =>
        spawnSync(bin, args, {
          cwd: project,
          env: shellEnv({ PATH: dirname(process.execPath) }),
          encoding: 'utf8',
          timeout: 60_000,
        });
      const help = run(['rollback', '--help']);
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toContain('--to  (default: previous; NJORD_TO)');
      const list = run(['releases', '--config', config]);
      expect(list.status, list.stderr).toBe(0);
      expect(list.stdout).toContain(`Releases of ${a.name}: ${info.hostSpec} runs ${currentOnHost(a)}`);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
