// Services stopped for a backup start again within 30 s of the runner being lost, with no post
// step: the host itself starts them when the SSH connection that stopped them goes.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildTestImage, sandboxUnavailableReason, type SandboxInfo, type TestImage } from '../sandbox/Sandbox.js';
import { deploy, newApp, removeApp, visibleLog, type TestApp } from '../support/deployKit.js';
import { backupsOnHost, inVolume, webRunning } from '../support/appData.js';
import { backupAction, restoreAction } from '../support/backupKit.js';
import { killWhen } from '../support/stepKiller.js';

const reason = sandboxUnavailableReason();

describe.skipIf(!!reason)(`services stopped by a lost run${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let info: SandboxInfo;
  let v1: TestImage;
  let app: TestApp;

  beforeAll(async () => {
    info = inject('sandbox')!;
    v1 = await buildTestImage(info, { repo: 'njord-test/guard', tag: 'v1', version: 'v1' });
    app = await newApp(info, 'svc-guard');
    const d = await deploy(info, app, v1.ref);
    expect(d.exitCode, visibleLog(d)).toBe(0);
    inVolume(app, v1.ref, 'dd if=/dev/urandom of=/data/big bs=1M count=300 2>/dev/null');
  });

  afterAll(() => {
    if (app) removeApp(app);
  });

  it('a backup killed while web is stopped, without its post step: web runs again within 30 s', async () => {
    const b = await backupAction(
      info,
      app,
      { compression: 'gzip', 'stop-services': 'web' },
      { onSpawn: killWhen('archiving volume', 1000), skipPost: true },
    );
    expect(b.signal).toBe('SIGKILL');
    const killedAt = Date.now();
    let runningAfter = -1;
    for (let i = 0; i < 35 && runningAfter < 0; i++) {
      if (webRunning(app)) runningAfter = Date.now() - killedAt;
      else await new Promise((r) => setTimeout(r, 1000));
    }
    expect(runningAfter).toBeGreaterThanOrEqual(0);
    expect(runningAfter).toBeLessThan(30_000);
  });

  it('a restore killed mid-way while web is stopped, without its post step: web runs again, the next restore works', async () => {
    const b = await backupAction(info, app, { compression: 'gzip' });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    const id = b.outputs['backup-id']!;
    const r = await restoreAction(
      info,
      app,
      { 'backup-id': id, 'stop-services': 'web', 'safety-backup': 'false' },
      { onSpawn: killWhen('restoring volume', 500), skipPost: true },
    );
    expect(r.signal).toBe('SIGKILL');
    const killedAt = Date.now();
    let runningAfter = -1;
    for (let i = 0; i < 35 && runningAfter < 0; i++) {
      if (webRunning(app)) runningAfter = Date.now() - killedAt;
      else await new Promise((res) => setTimeout(res, 1000));
    }
    expect(runningAfter).toBeGreaterThanOrEqual(0);
    expect(runningAfter).toBeLessThan(30_000);
    // The dead run's lock is taken over (its connection is gone); the same backup restores whole.
    const again = await restoreAction(info, app, { 'backup-id': id, 'stop-services': 'web', 'safety-backup': 'false' });
    expect(again.exitCode, visibleLog(again)).toBe(0);
    expect(again.stdout).toContain('took over the app lock');
    expect(webRunning(app)).toBe(true);
    expect(backupsOnHost(app).find((x) => x.id === id)?.complete).toBe(true);
  });
});
