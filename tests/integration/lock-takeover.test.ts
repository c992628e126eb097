// A deploy whose runner is killed (no post step) leaves its lock; the next deploy takes it over,
// since the SSH connection that took it is gone, with a warning naming the dead run. A lock whose
// connection is open is never taken over; `njord-deploy unlock` shows it and frees it when told.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { LockCommands } from '../../src/remote/LockCommands.js';
import { repoRoot } from '../harness/runAction.js';
import {
  buildTestImage,
  sandboxFiles,
  sandboxUnavailableReason,
  type SandboxInfo,
  type TestImage,
} from '../sandbox/Sandbox.js';
import { deploy, newApp, removeApp, served, visibleLog, writeCliConfig, type TestApp } from '../support/deployKit.js';
import { currentOnHost, onHost } from '../support/hostState.js';
import { killWhen } from '../support/stepKiller.js';

const reason = sandboxUnavailableReason();

describe.skipIf(!!reason)(`a lock left by a dead run${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let info: SandboxInfo;
  let v1: TestImage;
  let v2: TestImage;
  let app: TestApp;
  let holder: ChildProcess | undefined;

  beforeAll(async () => {
    info = inject('sandbox')!;
    v1 = await buildTestImage(info, { repo: 'njord-test/lock', tag: 'v1', version: 'v1' });
    v2 = await buildTestImage(info, { repo: 'njord-test/lock', tag: 'v2', version: 'v2' });
    app = await newApp(info, 'lock-over');
    const d = await deploy(info, app, v1.ref);
    expect(d.exitCode, visibleLog(d)).toBe(0);
  });

  afterAll(() => {
    holder?.kill('SIGKILL');
    if (app) removeApp(app);
  });

  const lockOwner = () => onHost(`cat ${app.root}/.lock/owner.json 2>/dev/null || true`);

  /** A run on another machine holding the lock: an SSH connection that took it and stays open. */
  async function liveHolder(): Promise<ChildProcess> {
    const acquire = new LockCommands(new ReleaseLayout(app.root)).acquire();
    const child = spawn('ssh', [
      ...[
        '-i',
        sandboxFiles.clientKey,
        '-o',
        `UserKnownHostsFile=${sandboxFiles.knownHosts}`,
        '-p',
        String(info.sshPort),
      ],
      `njord@${info.sshHost}`,
      `${acquire} && echo held && sleep 300`,
    ]);
    child.stdin!.end('{"token":"live","action":"deploy","actor":"carol","since":"2026-12-06T12:00:00Z"}\n');
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
      child.on('exit', (code) => reject(new Error(`the holder's ssh exited ${code}`)));
    });
    return child;
  }

  it('the next deploy takes over the lock of a deploy killed in its gate, and cleans up after it', async () => {
    const killed = await deploy(
      info,
      app,
      v2.ref,
      { 'health-url': `http://127.0.0.1:${app.port}/nowhere`, 'health-timeout': '120' },
      { onSpawn: killWhen('health attempt 1', 0), skipPost: true },
    );
    expect(killed.signal ?? killed.exitCode).toBeTruthy();
    expect(lockOwner()).toContain('"deploy"');

    const next = await deploy(info, app, v2.ref, { 'lock-timeout': '40' });
    expect(next.exitCode, visibleLog(next)).toBe(0);
    const warning = next.annotations.find((a) => a.message.includes('took over the app lock'));
    expect(warning?.kind).toBe('warning');
    expect(warning?.message).toContain('from deploy by ');
    expect(warning?.message).toContain('the SSH connection that held it is gone');
    expect(await served(app)).toBe('v2');
    expect(lockOwner()).toBe('');
    // The killed run's containers were replaced: one web container, of the release now current.
    expect(onHost(`docker ps -q --filter label=com.docker.compose.project=${app.name} | wc -l`).trim()).toBe('1');
    expect(currentOnHost(app)).toBe(next.outputs.release);
  });

  it('never takes over a lock whose connection is open; unlock shows it and frees it with --yes', async () => {
    holder = await liveHolder();
    const waited = await deploy(info, app, v1.ref, { 'lock-timeout': '3' });
    expect(waited.exitCode).not.toBe(0);
    expect(visibleLog(waited)).toContain('is held by deploy by carol since 2026-12-06T12:00:00Z');
    expect(visibleLog(waited)).toContain('`npx njord-deploy unlock` shows the holder and frees it');
    expect(lockOwner()).toContain('"carol"');

    const config = writeCliConfig(info, app);
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [join(repoRoot, 'dist/cli/index.js'), ...args, '--config', config], {
        cwd: app.workspace,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 120_000,
      });
    const asked = cli(['unlock']);
    expect(asked.status).toBe(1);
    expect(asked.stderr).toContain(
      'is held by deploy by carol since 2026-12-06T12:00:00Z; its SSH connection is still open',
    );
    expect(asked.stderr).toContain('run again with --yes to say yes');
    expect(lockOwner()).toContain('"carol"');

    const freed = cli(['unlock', '--yes']);
    expect(freed.status, freed.stderr).toBe(0);
    expect(freed.stderr).toContain('lock freed');
    expect(lockOwner()).toBe('');
    expect(cli(['unlock']).stderr).toContain('not locked');
    expect((await deploy(info, app, v1.ref)).exitCode).toBe(0);
  });
});
