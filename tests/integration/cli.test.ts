// The bundled CLI (dist/cli/index.js, what `npx njord-deploy` runs) from a terminal on this
// machine against the sandbox host: deploy, list releases, roll back, a to that matches nothing,
// and a health gate, with inputs from a YAML file, flags and NJORD_* variables.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../harness/runAction.js';
import {
  buildTestImage,
  sandboxFiles,
  sandboxUnavailableReason,
  type SandboxInfo,
  type TestImage,
} from '../sandbox/Sandbox.js';
import { currentOnHost, newApp, removeApp, served, type TestApp } from '../support/deployKit.js';
import { historyOnHost } from './rollbackKit.js';

const reason = sandboxUnavailableReason();

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the bundle as a person's shell would: no GitHub variables, its own environment only. */
function cli(args: string[], cwd: string, env: Record<string, string> = {}): CliRun {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(GITHUB_|RUNNER_|INPUT_|NJORD_|ACTIONS_)/.test(k)),
  );
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist/cli/index.js'), ...args], {
    cwd,
    env: { ...base, NJORD_ACTOR: 'alice@laptop', ...env },
    encoding: 'utf8',
    timeout: 5 * 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const show = (r: CliRun) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

describe.skipIf(!!reason)(`njord-deploy CLI${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let info: SandboxInfo;
  let v1: TestImage;
  let v2: TestImage;
  let a: TestApp;
  let config: string;

  beforeAll(async () => {
    info = inject('sandbox')!;
    const repo = `njord-test/cli-${process.pid}`;
    v1 = await buildTestImage(info, { repo, tag: 'v1', version: 'v1' });
    v2 = await buildTestImage(info, { repo, tag: 'v2', version: 'v2' });
    a = await newApp(info, 'cli');
    config = join(a.workspace, 'njord.yml');
    writeFileSync(
      config,
      [
        `hosts: ${info.hostSpec}`,
        `ssh-key-file: ${sandboxFiles.clientKey}`,
        `known-hosts-file: ${sandboxFiles.knownHosts}`,
        `app: ${a.name}`,
        `health-url: http://127.0.0.1:${a.port}/health`,
        'health-interval: 0.3',
        '',
      ].join('\n'),
    );
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
    const [r2, r1] = [out2.release!, out2['previous-release']!];
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

  it('runs the health gate through the SSH tunnel', () => {
    const run = cli(
      ['health-gate', '--config', config, '--urls', `http://127.0.0.1:${a.port}/health`, '--successes', '3'],
      a.workspace,
    );
    expect(run.code, show(run)).toBe(0);
    expect(run.stdout).toContain('✅ Health gate: healthy in');
    expect(run.stdout).toMatch(new RegExp(`${info.hostSpec} timeline: ✓✓✓`));
    expect(run.stderr).toContain(`${info.hostSpec}: health attempt 3:`);
  });
});
