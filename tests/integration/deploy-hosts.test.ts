// The deploy across several hosts at once, and the health gate's path into each host. Through the
// bundled dist/deploy, as users run it.
//
// The sandbox's two users (njord with Compose v1, njordv2 with Compose v2) share one Docker engine,
// so one app deployed to both would be one compose project that both rollouts fight over: on this
// machine a two-host deploy is only honest up to the rollout. Past it, see deploy.test.ts per host.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildTestImage, sandboxUnavailableReason, sh, type SandboxInfo, type TestImage } from '../sandbox/Sandbox.js';
import {
  currentOnHost,
  deploy,
  extraKey,
  newApp,
  onHost,
  releasesOnHost,
  removeApp,
  served,
  visibleLog,
  type TestApp,
} from '../support/deployKit.js';

const reason = sandboxUnavailableReason();

describe.skipIf(!!reason)(`deploy to several hosts${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let info: SandboxInfo;
  let v1: TestImage;
  let v2: TestImage;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    info = inject('sandbox')!;
    v1 = await buildTestImage(info, { repo: 'njord-test/deploy', tag: 'v1', version: 'v1' });
    v2 = await buildTestImage(info, { repo: 'njord-test/deploy', tag: 'v2', version: 'v2' });
  });

  afterAll(() => {
    apps.forEach(removeApp);
    if (info.composeV2) for (const a of apps) sh(`rm -rf ${info.composeV2.homeDir}/njord/${a.name}`);
  });

  it('prepares two hosts in parallel, one connection each; when one fails, both are left as they were', async (ctx) => {
    if (!info.composeV2) return ctx.skip(`the sandbox has no Compose v2 user: ${info.composeV2Missing}`);
    const v2Host = info.composeV2;
    const a = await newApp(info, 'twohosts');
    apps.push(a);
    const good = await deploy(info, a, v1.refByDigest);
    expect(good.exitCode, visibleLog(good)).toBe(0);
    // The second host's lock is held by someone else: it fails there, after the first is ready.
    const v2Root = `${v2Host.homeDir}/njord/${a.name}`;
    sh(
      `mkdir -p ${v2Root}/.lock && echo '{"token":"t","action":"deploy","actor":"bob","since":"2026-01-01T00:00:00Z"}' > ${v2Root}/.lock/owner.json`,
    );
    const key = extraKey(info, { homeDirs: [info.homeDir, v2Host.homeDir] });
    const run = await deploy(info, a, v2.refByDigest, {
      hosts: `${info.hostSpec}\n${v2Host.hostSpec}`,
      'ssh-key': key.privateKey,
      'lock-timeout': '3',
    });
    const logins = { v1: key.logins(info.sshUser), v2: key.logins(v2Host.user) };
    key.remove();

    expect(run.exitCode).toBe(1);
    expect(logins).toEqual({ v1: 1, v2: 1 });
    // Both hosts were worked on at once: the first was ready (it pulled) while the second waited.
    expect(run.stdout).toContain(`${info.hostSpec}: pulling images`);
    expect(run.stdout).toContain(`${v2Host.hostSpec}: waiting for the lock, held by deploy by bob`);
    expect(run.outputs).toMatchObject({
      status: 'failed',
      release: good.outputs.release,
      'previous-release': good.outputs.release,
    });
    expect(run.summary).toContain(`| \`${info.hostSpec}\` | unchanged | ${good.outputs.release} |`);
    expect(run.summary).toContain(`| \`${v2Host.hostSpec}\` | failed | nothing |`);
    expect(run.summary).toContain(`**\`${info.hostSpec}\`**: was ready, and is left as it was`);
    expect(run.summary).toContain(`**\`${v2Host.hostSpec}\`**: failed before the rollout, at take the lock`);
    // The ready host: its new release was taken away again, the old one runs on.
    expect(releasesOnHost(a)).toEqual([good.outputs.release]);
    expect(currentOnHost(a)).toBe(good.outputs.release);
    expect(await served(a)).toBe('v1');
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
    // The failed host: only the lock it found, still its owner's.
    expect(sh(`ls -A ${v2Root}`).trim()).toBe('.lock');
    expect(sh(`cat ${v2Root}/.lock/owner.json`)).toContain('bob');
  });

  it('gates through the SSH tunnel: a key sshd allows no forwarding fails the gate of a healthy app', async () => {
    // Runner and host share one loopback here, so a probe made directly would pass: this one may not.
    const a = await newApp(info, 'tunnel');
    apps.push(a);
    const key = extraKey(info, { keyOptions: 'no-port-forwarding' });
    const run = await deploy(info, a, v1.refByDigest, { 'ssh-key': key.privateKey, 'health-timeout': '4' });
    key.remove();
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('failed');
    // The app is healthy, seen directly from this machine, yet its gate never got an answer.
    expect(await served(a)).toBe('v1');
    expect(run.summary).not.toMatch(/\/health → 200/);
    // sshd refused each forward (the probe reports a channel that failed to open as refused).
    expect(run.summary).toMatch(/last health answers[\s\S]*\/health → connection refused/);
  });
});
