// The fault matrix (docs/reference/faults.md): each fault made to happen on a sandbox server (its own
// network namespace, sshd and dockerd), each ending with the app serving a healthy release, no lock
// stuck and the next run succeeding. The server's side of the SSH session is cut by killing the
// sshd process that the lock's holder file names: exactly this run's connection, nobody else's.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ActionRun } from '../harness/runAction.js';
import { onServer } from '../sandbox/Sandbox.js';
import { inVolume, backupsOnHost, webRunning } from '../support/appData.js';
import { backupAction } from '../support/backupKit.js';
import { deploy, served, visibleLog, type TestApp } from '../support/deployKit.js';
import { currentOnHost, onHost, releasesOnHost } from '../support/hostState.js';
import { rollback } from '../support/rollbackKit.js';
import { brokenImage, describeOnSandbox, sandboxInfo, suiteApps, versionImage } from '../support/sandboxSuite.js';
import type { TestImage } from '../sandbox/Sandbox.js';
import { ensureProxyImage, removeProxy, startLoad } from '../support/zeroDowntimeKit.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeOnSandbox('faults: every one ends with the app serving and nothing stuck', () => {
  const info = sandboxInfo();
  const apps = suiteApps();
  let v1: TestImage;
  let v2: TestImage;
  let broken: TestImage;

  beforeAll(async () => {
    v1 = await versionImage(info, 'njord-test/faults', 'v1');
    v2 = await versionImage(info, 'njord-test/faults', 'v2');
    broken = await brokenImage(info, 'njord-test/faults');
  });

  const ok = (run: ActionRun) => expect(run.exitCode, visibleLog(run)).toBe(0);
  const lockFree = (a: TestApp) => expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
  const asRoot = (cmd: string) => onServer(info.server, cmd, { user: 'root' });

  /**
   * An onSpawn hook that, once `reached()` (polled), kills the sshd process of the connection that
   * holds the app's lock, on the server: the server's side of the session cut mid-run.
   */
  function cutWhen(a: TestApp, reached: (stdout: string) => boolean) {
    let cut = false;
    return {
      cut: () => cut,
      onSpawn: (child: ChildProcess, step: 'main' | 'post') => {
        if (step !== 'main') return;
        let stdout = '';
        child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
        const poll = setInterval(() => {
          if (cut || !reached(stdout)) return;
          const pid = onHost(`cut -d' ' -f1 ${a.root}/.lock/holder 2>/dev/null || true`);
          if (!/^\d+$/.test(pid)) return;
          clearInterval(poll);
          asRoot(`kill -KILL ${pid}`);
          cut = true;
        }, 200);
        setTimeout(() => clearInterval(poll), 60_000).unref();
      },
    };
  }

  const runsImage = (a: TestApp, image: TestImage) =>
    onHost(
      `docker ps --filter label=com.docker.compose.project=${a.name} --filter status=running --format '{{.Image}}'`,
    ).includes(image.ref.split('/').pop()!);

  it('SSH cut during a deploy gate: the host brings the previous release back; the next deploy succeeds', async () => {
    const a = await apps.deployed('fault-cut', v1.refByDigest);
    const before = currentOnHost(a);
    const cut = cutWhen(a, () => runsImage(a, broken));
    const run = await deploy(info, a, broken.ref, { 'health-timeout': '30' }, { onSpawn: cut.onSpawn });
    expect(cut.cut()).toBe(true);
    expect(run.exitCode).not.toBe(0);
    // The host went back by itself, with no word from the runner.
    let back = '';
    for (let i = 0; i < 40 && back !== 'v1'; i++) {
      back = await served(a).catch(() => '');
      if (back !== 'v1') await sleep(500);
    }
    expect(back).toBe('v1');
    expect(currentOnHost(a)).toBe(before);
    const next = await deploy(info, a, v2.refByDigest);
    ok(next);
    expect(await served(a)).toBe('v2');
    lockFree(a);
  });

  it("SSH cut during a zero-downtime release's watch: the host moves traffic back, not one request fails", async () => {
    const proxyImage = await ensureProxyImage(info);
    const a = await apps.app('fault-zd');
    const zd = { 'zero-downtime': 'web', 'drain-timeout': '3', 'proxy-image': proxyImage };
    try {
      ok(await deploy(info, a, v1.refByDigest, zd));
      const before = currentOnHost(a);
      // Traffic has moved to v2 and the runner is watching it: the runner's word is all that is missing.
      const cut = cutWhen(a, (out) => out.includes('watching the release'));
      const load = startLoad(a.server, a.port, a.name, 120, false, '/health');
      let back = '';
      try {
        const run = await deploy(
          info,
          a,
          v2.refByDigest,
          { ...zd, watch: '60s', 'rollback-triggers': 'health_check: { consecutive_failures: 3 }' },
          { onSpawn: cut.onSpawn },
        );
        expect(cut.cut()).toBe(true);
        expect(run.exitCode).not.toBe(0);
        // The host went back by itself, with no word from the runner.
        for (let i = 0; i < 40 && back !== 'v1'; i++) {
          back = await served(a).catch(() => '');
          if (back !== 'v1') await sleep(500);
        }
      } finally {
        const counts = load.stop();
        expect(counts.failed).toEqual([]);
        expect(counts.versions.v2).toBeGreaterThan(0);
        expect(counts.versions.v1).toBeGreaterThan(0);
      }
      expect(back).toBe('v1');
      expect(currentOnHost(a)).toBe(before);
      // The new release's container is gone: the old one serves alone.
      expect(
        onHost(
          `docker ps -q --filter label=com.docker.compose.project=${a.name} --filter label=com.docker.compose.service=web | wc -l`,
        ),
      ).toBe('1');
      const next = await deploy(info, a, v2.refByDigest, zd);
      ok(next);
      expect(await served(a)).toBe('v2');
      lockFree(a);
    } finally {
      removeProxy(a.server, a.name);
    }
  });

  it('SSH cut during a rollback gate: the target keeps serving; the next rollback succeeds', async () => {
    const a = await apps.deployed('fault-rb-cut', v1.refByDigest);
    const first = currentOnHost(a);
    ok(await deploy(info, a, v2.refByDigest));
    // In its gate: started a moment ago, 15 passing checks to go.
    let seenAt = 0;
    const cut = cutWhen(a, (out) => {
      if (!seenAt && out.includes('rolling back from')) seenAt = Date.now();
      return seenAt > 0 && Date.now() - seenAt > 2500;
    });
    const run = await rollback(info, a, { 'health-successes': '15' }, { onSpawn: cut.onSpawn });
    expect(cut.cut()).toBe(true);
    expect(run.exitCode).not.toBe(0);
    expect(await served(a)).toBe('v1');
    const again = await rollback(info, a, { to: first });
    ok(again);
    expect(currentOnHost(a)).toBe(first);
    expect(await served(a)).toBe('v1');
    lockFree(a);
  });

  /** An onSpawn hook that restarts the server's dockerd (as `systemctl restart docker` does) once `reached()`. */
  function restartDockerdWhen(reached: () => boolean) {
    let done = false;
    return {
      done: () => done,
      onSpawn: (_child: ChildProcess, step: 'main' | 'post') => {
        if (step !== 'main') return;
        const poll = setInterval(() => {
          if (done || !reached()) return;
          clearInterval(poll);
          asRoot('pkill -TERM -x dockerd');
          done = true;
        }, 200);
        setTimeout(() => clearInterval(poll), 60_000).unref();
      },
    };
  }

  it('dockerd restarted during a gate: passes on what comes back, or fails and rolls back', async () => {
    const a = await apps.app('fault-dockerd');
    const compose = join(a.workspace, 'docker-compose.yml');
    const plain = readFileSync(compose, 'utf8');
    const restarting = plain.replace('    image: ${IMAGE}\n', '    image: ${IMAGE}\n    restart: unless-stopped\n');
    expect(restarting).not.toBe(plain);
    writeFileSync(compose, restarting);
    ok(await deploy(info, a, v1.refByDigest));
    const dockerdPid = () => asRoot('pgrep -x dockerd').trim();

    // A release whose service restarts with the engine: the gate waits it out and passes.
    const pid1 = dockerdPid();
    const r1 = restartDockerdWhen(() => runsImage(a, v2));
    const good = await deploy(
      info,
      a,
      v2.ref,
      { 'health-timeout': '60', 'health-successes': '20' },
      { onSpawn: r1.onSpawn },
    );
    expect(r1.done()).toBe(true);
    ok(good);
    expect(dockerdPid()).not.toBe(pid1);
    expect(await served(a)).toBe('v2');
    expect(currentOnHost(a)).toBe(good.outputs.release);
    lockFree(a);

    // A release whose service does not come back with the engine: the gate fails, v2 comes back.
    writeFileSync(compose, plain);
    const pid2 = dockerdPid();
    const r2 = restartDockerdWhen(() => runsImage(a, v1));
    const gone = await deploy(info, a, v1.ref, { 'health-timeout': '10' }, { onSpawn: r2.onSpawn });
    expect(r2.done()).toBe(true);
    expect(gone.exitCode).toBe(1);
    expect(gone.outputs.status).toBe('rolled-back');
    expect(dockerdPid()).not.toBe(pid2);
    expect(await served(a)).toBe('v2');
    expect(currentOnHost(a)).toBe(good.outputs.release);
    lockFree(a);
  });

  it('the registry down during the pull: nothing changes, the old release keeps serving', async () => {
    const a = await apps.deployed('fault-registry', v1.refByDigest);
    const before = { releases: releasesOnHost(a), current: currentOnHost(a) };
    // The registry's name resolves on the server; nothing answers on this port.
    const run = await deploy(info, a, 'njord-registry:5999/njord-test/faults:v2');
    expect(run.exitCode).toBe(1);
    expect(run.summary).toMatch(/failed before the rollout/);
    expect({ releases: releasesOnHost(a), current: currentOnHost(a) }).toEqual(before);
    expect(await served(a)).toBe('v1');
    lockFree(a);
    ok(await deploy(info, a, v2.refByDigest));
  });

  it('a remote-dir the SSH user cannot write: fails at once naming it, without waiting on the lock', async () => {
    const dir = `/srv/njord-ro-${process.pid}`;
    asRoot(`mkdir -p ${dir} && chmod 755 ${dir}`);
    try {
      const made = await apps.app('fault-ro');
      const a: TestApp = { ...made, root: `${dir}/app` };
      const run = await deploy(info, a, v1.refByDigest, { 'remote-dir': a.root, 'lock-timeout': '60' });
      expect(run.exitCode).toBe(1);
      expect(visibleLog(run)).toContain(`${a.root} cannot be made or written by the SSH user`);
      expect(visibleLog(run)).toContain('Permission denied');
      expect(visibleLog(run)).not.toContain('waiting for the lock');
      expect(asRoot(`ls -A ${dir}`)).toBe('');
    } finally {
      asRoot(`rm -rf ${dir}`);
    }
  });

  describeDiskFull();

  function describeDiskFull() {
    const dir = `/srv/njord-full-${process.pid}`;
    afterAll(() => {
      asRoot(`umount ${dir} 2>/dev/null; rmdir ${dir} 2>/dev/null; true`);
    });

    it('the disk full at the lock, at the upload and during a backup: each fails saying so, nothing is left', async () => {
      asRoot(`mkdir -p ${dir} && mount -t tmpfs -o size=1m tmpfs ${dir} && chown ${info.sshUser} ${dir}`);
      const made = await apps.app('fault-full');
      const a: TestApp = { ...made, root: `${dir}/app` };
      apps.track(a);
      const inputs = { 'remote-dir': a.root };
      ok(await deploy(info, a, v1.refByDigest, inputs));
      const before = { releases: releasesOnHost(a), current: currentOnHost(a) };
      const unchanged = async () => {
        expect({ releases: releasesOnHost(a), current: currentOnHost(a) }).toEqual(before);
        expect(await served(a)).toBe('v1');
        lockFree(a);
      };

      // Not one byte free: even the lock's owner file cannot be written.
      onHost(`cat /dev/zero > ${dir}/filler 2>/dev/null; true`);
      const atLock = await deploy(info, a, v2.refByDigest, { ...inputs, 'lock-timeout': '5' });
      expect(atLock.exitCode).toBe(1);
      expect(visibleLog(atLock)).toContain('No space left on device');
      await unchanged();

      // Room for the lock's two files, not for the release's three.
      onHost(`rm ${dir}/filler; head -c $(( ($(stat -f -c %a ${dir}) - 2) * 4096 )) /dev/zero > ${dir}/filler`);
      const atUpload = await deploy(info, a, v2.refByDigest, inputs);
      expect(atUpload.exitCode).toBe(1);
      expect(visibleLog(atUpload)).toContain('No space left on device');
      await unchanged();
      onHost(`rm ${dir}/filler`);

      // A backup bigger than the disk, with web stopped for it.
      inVolume(a, v1.ref, 'head -c 3000000 /dev/urandom > /data/big');
      const backup = await backupAction(info, a, { ...inputs, compression: 'gzip', 'stop-services': 'web' });
      expect(backup.exitCode).toBe(1);
      expect(visibleLog(backup)).toMatch(/No space left on device|no space/i);
      expect(webRunning(a)).toBe(true);
      expect(backupsOnHost(a).filter((b) => b.complete)).toEqual([]);
      await unchanged();

      // The next runs succeed once there is room.
      inVolume(a, v1.ref, 'rm /data/big');
      const small = await backupAction(info, a, { ...inputs, compression: 'gzip' });
      ok(small);
      ok(await deploy(info, a, v2.refByDigest, inputs));
      expect(await served(a)).toBe('v2');
    });
  }
});
