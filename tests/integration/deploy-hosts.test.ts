// The deploy across several hosts at once, and the health gate's path into each host. Through the
// bundled dist/deploy, as users run it.
//
// The sandbox's servers are separate machines as far as a deploy can tell (each its own sshd,
// dockerd and loopback), so a two-host deploy goes to two of them: the same app on each is its own
// compose project there.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { onServer, serverSshdLog, sh, type SandboxInfo, type ServerInfo, type TestImage } from '../sandbox/Sandbox.js';
import { deploy, extraKey, newApp, served, visibleLog, type TestApp } from '../support/deployKit.js';
import { currentOnHost, onHost, releasesOnHost } from '../support/hostState.js';
import { describeOnSandbox, sandboxInfo, suiteApps, versionImage } from '../support/sandboxSuite.js';

/**
 * One new key authorised for the SSH user on each of `servers` (as a user's deploy key is on all
 * their hosts), so a test can count its own logins in each server's sshd log.
 */
function keyOnServers(
  info: SandboxInfo,
  servers: ServerInfo[],
): { privateKey: string; logins: (server: ServerInfo) => number; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'njord-key-'));
  sh(`ssh-keygen -q -t ed25519 -N '' -C njord-test-hosts -f ${dir}/id`);
  const pub = readFileSync(`${dir}/id.pub`, 'utf8').trim();
  const fp = sh(`ssh-keygen -lf ${dir}/id.pub`).split(/\s+/)[1]!;
  const keys = `${info.homeDir}/.ssh/authorized_keys`;
  for (const s of servers) onServer(s.name, `echo '${pub}' >> ${keys}`, { user: 'root' });
  return {
    privateKey: readFileSync(`${dir}/id`, 'utf8'),
    logins: (server) =>
      serverSshdLog(server.name)
        .split('\n')
        .filter((l) => l.startsWith(`Accepted publickey for ${info.sshUser} `) && l.trimEnd().endsWith(fp)).length,
    remove: () => {
      for (const s of servers)
        onServer(
          s.name,
          `grep -vF '${pub}' ${keys} > ${keys}.tmp || true; cat ${keys}.tmp > ${keys}; rm -f ${keys}.tmp`,
          {
            user: 'root',
          },
        );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeOnSandbox('deploy to several hosts', () => {
  const info = sandboxInfo();
  let v1: TestImage;
  let v2: TestImage;
  const apps = suiteApps();

  beforeAll(async () => {
    v1 = await versionImage(info, 'njord-test/deploy', 'v1');
    v2 = await versionImage(info, 'njord-test/deploy', 'v2');
  });

  it('prepares two hosts in parallel, one connection each; when one fails, both are left as they were', async (ctx) => {
    if (info.servers.length < 2) return ctx.skip(`the sandbox has ${info.servers.length} server(s), this needs 2`);
    const [first, second] = [info.servers[0]!, info.servers[1]!];
    const a = await newApp(info, 'twohosts');
    // The same app on the second server: its own release root there, cleaned up there.
    const onSecond: TestApp = { ...a, server: second.name };
    apps.track(a, onSecond);
    const good = await deploy(info, a, v1.refByDigest);
    expect(good.exitCode, visibleLog(good)).toBe(0);
    // The second host's lock is held by someone else: it fails there, after the first is ready.
    onServer(
      second.name,
      `mkdir -p ${a.root}/.lock && echo '{"token":"t","action":"deploy","actor":"bob","since":"2026-01-01T00:00:00Z"}' > ${a.root}/.lock/owner.json`,
    );
    const key = keyOnServers(info, [first, second]);
    const run = await deploy(info, a, v2.refByDigest, {
      hosts: `${first.hostSpec}\n${second.hostSpec}`,
      'ssh-key': key.privateKey,
      'lock-timeout': '3',
    });
    const logins = { first: key.logins(first), second: key.logins(second) };
    key.remove();

    expect(run.exitCode).toBe(1);
    expect(logins).toEqual({ first: 1, second: 1 });
    // Both hosts were worked on at once: the first was ready (it pulled) while the second waited.
    expect(run.stdout).toContain(`${first.hostSpec}: pulling images`);
    expect(run.stdout).toContain(`${second.hostSpec}: waiting for the lock, held by deploy by bob`);
    expect(run.outputs).toMatchObject({
      status: 'failed',
      release: good.outputs.release,
      'previous-release': good.outputs.release,
    });
    expect(run.summary).toContain(`| \`${first.hostSpec}\` | unchanged | ${good.outputs.release} |`);
    expect(run.summary).toContain(`| \`${second.hostSpec}\` | failed | nothing |`);
    expect(run.summary).toContain(`**\`${first.hostSpec}\`**: was ready, and is left as it was`);
    expect(run.summary).toContain(`**\`${second.hostSpec}\`**: failed before the rollout, at take the lock`);
    // The ready host: its new release was taken away again, the old one runs on.
    expect(releasesOnHost(a)).toEqual([good.outputs.release]);
    expect(currentOnHost(a)).toBe(good.outputs.release);
    expect(await served(a)).toBe('v1');
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
    // The failed host: only the lock it found, still its owner's.
    expect(onServer(second.name, `ls -A ${a.root}`).trim()).toBe('.lock');
    expect(onServer(second.name, `cat ${a.root}/.lock/owner.json`)).toContain('bob');
  });

  it('gates through the SSH tunnel: a key sshd allows no forwarding fails the gate of a healthy app', async () => {
    // The app's port is on the server's loopback: a probe can reach it only through the SSH tunnel.
    const a = await apps.app('tunnel');
    const key = extraKey(info, { keyOptions: 'no-port-forwarding' });
    const run = await deploy(info, a, v1.refByDigest, { 'ssh-key': key.privateKey, 'health-timeout': '4' });
    key.remove();
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('failed');
    // The app is healthy, seen on the server itself, yet its gate never got an answer.
    expect(await served(a)).toBe('v1');
    expect(run.summary).not.toMatch(/\/health → 200/);
    // sshd refused each forward (the probe reports a channel that failed to open as refused).
    expect(run.summary).toMatch(/last health answers[\s\S]*\/health → connection refused/);
  });
});
