// The deploy action end to end on the sandbox host, through the bundled dist/deploy as the runner
// runs it: first deploy, upgrade, health-gated rollback, host keys, the lock, secrets, dry-run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { RELEASE_ID } from '../../src/release/ReleaseManifest.js';
import type { TestImage } from '../sandbox/Sandbox.js';
import { deploy, extraKey, served, visibleLog } from '../support/deployKit.js';
import { currentOnHost, onHost, releasesOnHost, volumeFile, writeVolumeFile } from '../support/hostState.js';
import { watchProcesses } from '../support/processWatch.js';
import { killWhenReached } from '../support/stepKiller.js';
import { brokenImage, describeOnSandbox, sandboxInfo, suiteApps, versionImage } from '../support/sandboxSuite.js';

describeOnSandbox('deploy action', () => {
  const { app } = suiteApps();
  const info = sandboxInfo();
  let v1: TestImage;
  let v2: TestImage;
  let broken: TestImage;

  beforeAll(async () => {
    v1 = await versionImage(info, 'njord-test/deploy', 'v1');
    v2 = await versionImage(info, 'njord-test/deploy', 'v2');
    broken = await brokenImage(info, 'njord-test/deploy');
  });

  for (const node of ['machine', 'node24'] as const) {
    it(`deploys a first release, then upgrades v1 to v2 (${node} node)`, async () => {
      const a = await app(`up-${node}`, { withHealthcheck: true });
      const first = await deploy(info, a, v1.refByDigest, {}, { node });
      expect(first.exitCode, visibleLog(first)).toBe(0);
      expect(first.outputs.status).toBe('deployed');
      expect(first.outputs.release).toMatch(RELEASE_ID);
      expect(first.outputs['previous-release']).toBe('');
      expect(currentOnHost(a)).toBe(first.outputs.release);
      expect(await served(a)).toBe('v1');

      const dir = `${a.root}/releases/${first.outputs.release}`;
      expect(onHost(`stat -c %a ${dir}/release.env`)).toBe('600');
      const manifest = JSON.parse(onHost(`cat ${dir}/release.json`));
      expect(manifest).toMatchObject({ image: v1.refByDigest, digest: v1.digest, status: 'active', actor: 'octocat' });
      expect(manifest.gitSha).toMatch(/^[0-9a-f]{40}$/);
      expect(manifest.runUrl).toMatch(/^https:\/\/github.com\/acme\/shop\/actions\/runs\/\d+$/);
      expect(first.annotations).toContainEqual(expect.objectContaining({ kind: 'notice', title: 'Deployed' }));
      expect(first.summary).toContain('Deploy ' + a.name + ': deployed');
      expect(first.summary).toMatch(
        new RegExp(`\\| \`${info.hostSpec}\` \\| deployed \\| ${first.outputs.release} \\|`),
      );

      const key = extraKey(info);
      const second = await deploy(info, a, v2.ref, { 'ssh-key': key.privateKey }, { node });
      const logins = key.logins();
      key.remove();
      expect(second.exitCode, visibleLog(second)).toBe(0);
      expect(second.outputs.status).toBe('deployed');
      expect(second.outputs['previous-release']).toBe(first.outputs.release);
      expect(second.outputs.release! > first.outputs.release!).toBe(true);
      expect(await served(a)).toBe('v2');
      // The tag was resolved to the digest the registry holds, and recorded.
      expect(JSON.parse(onHost(`cat ${a.root}/current/release.json`)).digest).toBe(v2.digest);
      // Both boots wrote to the same named volume: data lives across releases.
      expect(volumeFile(a, 'boots')).toMatch(/^v1 .*\nv2 /m);
      expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
      // One SSH connection for the whole deploy, every command on it (sshd logs each login).
      expect(logins).toBe(1);
    });
  }

  it('deploys, upgrades and rolls back on a host whose Docker has Compose v2', async () => {
    // Same sshd and engine, another user: its `docker compose` is the v2 plugin, detected per host.
    const a = await app('composev2', { composeV2: true, withHealthcheck: true });
    const first = await deploy(info, a, v1.refByDigest);
    expect(first.exitCode, visibleLog(first)).toBe(0);
    expect(first.stdout).toContain('Compose v2');
    expect(await served(a)).toBe('v1');
    const second = await deploy(info, a, v2.refByDigest);
    expect(second.exitCode, visibleLog(second)).toBe(0);
    expect(await served(a)).toBe('v2');
    // Compose v2 labels what it creates with its own version: v2 really ran the release.
    const versions = onHost(
      `docker ps --filter label=com.docker.compose.project=${a.name} --format '{{.Label "com.docker.compose.version"}}'`,
    );
    expect(versions.trim()).toMatch(/^2\./);
    const bad = await deploy(info, a, broken.ref, { 'health-timeout': '4' });
    expect(bad.outputs.status).toBe('rolled-back');
    expect(await served(a)).toBe('v2');
    expect(onHost(`readlink ${a.root}/current`).trim()).toBe(`releases/${second.outputs.release}`);
  });

  it('rolls back a release that fails its health gate, still serving the old one with its data', async () => {
    const a = await app('rollback');
    const good = await deploy(info, a, v1.refByDigest);
    expect(good.exitCode, visibleLog(good)).toBe(0);
    writeVolumeFile(a, 'orders.db', 'order-1,order-2');

    const bad = await deploy(info, a, broken.ref, { 'health-timeout': '4' });
    expect(bad.exitCode).toBe(1);
    expect(bad.outputs.status).toBe('rolled-back');
    expect(bad.outputs.release).toBe(good.outputs.release);
    expect(await served(a)).toBe('v1');
    expect(currentOnHost(a)).toBe(good.outputs.release);
    expect(volumeFile(a, 'orders.db')).toBe('order-1,order-2');

    const failed = bad.outputs['release-attempted']!;
    const error = bad.annotations.find((x) => x.kind === 'error' && x.title === 'Rolled back');
    expect(error?.message).toContain(`release ${failed} was rolled back`);
    expect(error?.message).toContain('HTTP 404');
    expect(error?.message).toContain(`Now running: ${good.outputs.release}`);
    expect(bad.summary).toContain('last health answers');
    expect(bad.summary).toContain('logs of web');
    expect(JSON.parse(onHost(`cat ${a.root}/releases/${failed}/release.json`))).toMatchObject({ status: 'failed' });
    const history = onHost(`cat ${a.root}/history.jsonl`)
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(history.at(-1)).toMatchObject({
      event: 'deploy',
      release: failed,
      result: 'rolled-back',
      from: good.outputs.release,
    });
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
  });

  it('fails the gate on a Docker healthcheck that is unhealthy even when the URL answers 200', async () => {
    const a = await app('dockerhealth', { withHealthcheck: true });
    const good = await deploy(info, a, v1.refByDigest);
    expect(good.exitCode, visibleLog(good)).toBe(0);
    // Same image and URL, but the container's own healthcheck now probes a path that 404s.
    const file = join(a.workspace, 'docker-compose.yml');
    const compose = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      compose
        .replace('http://127.0.0.1:8080/health', 'http://127.0.0.1:8080/missing')
        .replace('interval: 2s', 'interval: 1s')
        .replace('retries: 3', 'retries: 1'),
    );
    const bad = await deploy(info, a, v2.refByDigest, { 'health-timeout': '6' });
    writeFileSync(file, compose);
    expect(bad.outputs.status).toBe('rolled-back');
    expect(bad.summary).toMatch(/\/health → 200 in \d+ ms; web is (unhealthy|starting)/);
    expect(await served(a)).toBe('v1');
  });

  it('prunes old releases to keep-releases, keeping the current and previous ones', async () => {
    const a = await app('prune');
    const ids: string[] = [];
    for (const image of [v1, v2, v1, v2]) {
      const run = await deploy(info, a, image.refByDigest, { 'keep-releases': '2' });
      expect(run.exitCode, visibleLog(run)).toBe(0);
      ids.push(run.outputs.release!);
    }
    expect(releasesOnHost(a)).toEqual(ids.slice(-2));
    expect(currentOnHost(a)).toBe(ids[3]);
  });

  it('refuses a host whose key is not the known one, before authenticating, changing nothing', async () => {
    const a = await app('hostkey');
    const good = await deploy(info, a, v1.refByDigest);
    expect(good.exitCode, visibleLog(good)).toBe(0);
    const before = { releases: releasesOnHost(a), current: currentOnHost(a) };
    const key = extraKey(info);

    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
    // An OpenSSH ed25519 blob: string "ssh-ed25519" + string key(32 bytes).
    const raw = other.subarray(other.length - 32);
    const blob = Buffer.concat([u32(11), Buffer.from('ssh-ed25519'), u32(32), raw]);
    const wrongKnownHosts = `[${info.sshHost}]:${info.sshPort} ssh-ed25519 ${blob.toString('base64')}`;
    const run = await deploy(info, a, v2.ref, { 'known-hosts': wrongKnownHosts, 'ssh-key': key.privateKey });
    const logins = key.logins();
    key.remove();
    expect(run.exitCode).toBe(1);
    expect(visibleLog(run)).toMatch(
      /Input 'known-hosts': .* offered host key SHA256:\S+, which is not listed .*Refused before authenticating/,
    );
    expect({ releases: releasesOnHost(a), current: currentOnHost(a) }).toEqual(before);
    expect(await served(a)).toBe('v1');
    // sshd logs every successful authentication; there was none for the refused attempt.
    expect(logins).toBe(0);
    // The step, its outputs and its summary all say it failed, and where.
    expect(run.outputs.status).toBe('failed');
    expect(run.summary).toMatch(/^## ❌ Deploy .*: failed before the rollout \(nothing changed\)/m);
    expect(run.summary).toContain(`| \`${info.hostSpec}\` | failed |`);
    expect(run.summary).toMatch(
      new RegExp(`\\*\\*\`${info.hostSpec}\`\\*\\*: failed before the rollout, at connect: Input 'known-hosts'`),
    );
  });

  it('serialises two deploys at once on the app lock', async () => {
    const a = await app('lock');
    const [x, y] = await Promise.all([deploy(info, a, v1.refByDigest), deploy(info, a, v2.refByDigest)]);
    expect(x.exitCode, visibleLog(x)).toBe(0);
    expect(y.exitCode, visibleLog(y)).toBe(0);
    const waited = [x, y].filter((r) => /waiting for the lock, held by deploy by octocat/.test(r.stdout));
    expect(waited).toHaveLength(1);
    const history = onHost(`cat ${a.root}/history.jsonl`)
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(history.map((h) => h.result)).toEqual(['deployed', 'deployed']);
    // The second one to take the lock saw the first as its previous release.
    expect(history[1].from).toBe(history[0].release);
    expect(currentOnHost(a)).toBe(history[1].release);
    expect(await served(a)).toBe(waited[0] === x ? 'v1' : 'v2');
  });

  it('waits lock-timeout for a lock held by someone else, then fails naming them', async () => {
    const a = await app('held');
    const good = await deploy(info, a, v1.refByDigest);
    expect(good.exitCode, visibleLog(good)).toBe(0);
    onHost(
      `mkdir -p ${a.root}/.lock && echo '{"token":"t","action":"rollback","actor":"alice","runUrl":"https://github.com/acme/shop/actions/runs/7","since":"2026-01-01T00:00:00Z"}' > ${a.root}/.lock/owner.json`,
    );
    const run = await deploy(info, a, v1.refByDigest, { 'lock-timeout': '2' });
    expect(run.exitCode).toBe(1);
    expect(visibleLog(run)).toMatch(
      /held by rollback by alice since 2026-01-01T00:00:00Z \(https:\/\/github.com\/acme\/shop\/actions\/runs\/7\); waited 2s/,
    );
    expect(releasesOnHost(a)).toEqual([good.outputs.release]);
    expect(onHost(`cat ${a.root}/.lock/owner.json`)).toContain('alice');
    // What runs is read without the lock, for the outputs and the summary.
    expect(run.outputs).toMatchObject({
      status: 'failed',
      release: good.outputs.release,
      'previous-release': good.outputs.release,
    });
    expect(run.summary).toMatch(/^## ❌ Deploy .*: failed before the rollout/m);
    expect(run.summary).toContain(`| \`${info.hostSpec}\` | failed | ${good.outputs.release} |`);
    expect(run.summary).toContain(
      `failed before the rollout, at take the lock: \`${info.hostSpec}\`: ${a.root}/.lock is held by rollback by alice`,
    );
    expect(await served(a)).toBe('v1');
  });

  it('frees the lock in the post step when the deploy is killed mid-way', async () => {
    const a = await app('killed');
    const kill = killWhenReached(() => onHost(`test -d ${a.root}/.lock && echo held || true`) === 'held', 50);
    const run = await deploy(info, a, v1.refByDigest, {}, { onSpawn: kill.onSpawn });
    expect(kill.killed()).toBe(true);
    expect(run.exitCode).not.toBe(0);
    expect(run.post?.exitCode).toBe(0);
    expect(run.post?.stdout).toContain('released the lock the deploy left behind');
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
  });

  it('keeps a secret out of every log, every process argument list and every file but the 0600 env file', async () => {
    const a = await app('secret');
    // A distinctive core, plus characters that need quoting on the way ($, ', space).
    const marker = `S3cr3t-${Date.now().toString(36)}`;
    const secret = `${marker}-$HOME 'q'`;
    const leaks = new Set<string>();
    // Positive control: the sampler must catch the host's compose commands themselves.
    let sawCompose = false;
    const watch = watchProcesses(({ args }) => {
      if (args.includes(marker)) leaks.add(args.replace(/\0/g, ' '));
      if (args.includes('docker-compose') && args.includes(a.name)) sawCompose = true;
    });
    const run = await deploy(info, a, v1.refByDigest, { secrets: `APP_SECRET=${secret}`, env: 'MODE=production' });
    watch.stop();
    expect(run.exitCode, visibleLog(run)).toBe(0);
    expect(sawCompose).toBe(true);
    expect([...leaks]).toEqual([]);
    expect(visibleLog(run)).not.toContain(marker);
    expect(run.summary).not.toContain(marker);
    expect(Object.values(run.outputs).join('\n')).not.toContain(marker);
    // It did reach the container, through compose's substitution.
    expect(onHost(`docker exec ${a.name}_web_1 /bin/sh -c 'printf %s "$APP_SECRET"'`)).toBe(secret);
    const files = onHost(`grep -rlF -- ${marker} ${info.homeDir} /tmp 2>/dev/null || true`).split('\n').filter(Boolean);
    expect(files).toEqual([`${a.root}/releases/${run.outputs.release}/release.env`]);
    expect(onHost(`stat -c %a ${files[0]}`)).toBe('600');
  });

  it('dry-run prints the plan per host and changes nothing', async () => {
    const a = await app('dry');
    const good = await deploy(info, a, v1.refByDigest);
    expect(good.exitCode, visibleLog(good)).toBe(0);
    const before = {
      releases: releasesOnHost(a),
      current: currentOnHost(a),
      history: onHost(`cat ${a.root}/history.jsonl`),
    };
    const run = await deploy(info, a, v2.refByDigest, { 'dry-run': 'true', secrets: 'TOKEN=dry-secret-value' });
    expect(run.exitCode, visibleLog(run)).toBe(0);
    expect(run.outputs.status).toBe('dry-run');
    expect(run.stdout).toContain('dry run, the plan (nothing is changed)');
    expect(run.stdout).toMatch(
      /docker-compose --project-name \S+ --project-directory \S+ -f \S+docker-compose.yml pull --quiet/,
    );
    expect(run.stdout).toContain(`when not healthy: bring the previous release back`);
    expect(visibleLog(run)).not.toContain('dry-secret-value');
    expect(run.summary).toContain('dry run (nothing changed)');
    expect({
      releases: releasesOnHost(a),
      current: currentOnHost(a),
      history: onHost(`cat ${a.root}/history.jsonl`),
    }).toEqual(before);
    expect(await served(a)).toBe('v1');
  });
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
