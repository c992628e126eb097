// The rollback action end to end on the sandbox host, through the bundled dist/rollback as the
// runner runs it, on release histories made by real deploys (dist/deploy).
import { beforeAll, expect, it } from 'vitest';
import type { ActionRun } from '../harness/runAction.js';
import { buildTestImage, freePort, writeComposeApp, type TestImage } from '../sandbox/Sandbox.js';
import { deploy, served, visibleLog, type TestApp } from '../support/deployKit.js';
import { currentOnHost, onHost, releasesOnHost } from '../support/hostState.js';
import { historyOnHost, rollback } from '../support/rollbackKit.js';
import { killWhenReached } from '../support/stepKiller.js';
import { brokenImage, describeOnSandbox, sandboxInfo, suiteApps, versionImage } from '../support/sandboxSuite.js';

describeOnSandbox('rollback action', () => {
  const info = sandboxInfo();
  let v1: TestImage;
  let v2: TestImage;
  let v3: TestImage;
  const { app } = suiteApps();
  const repo = `njord-test/rollback-${process.pid}`;

  /** Deploys each image in turn (all must pass) and returns their release ids. */
  async function deployAll(a: TestApp, images: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const image of images) {
      const run = await deploy(info, a, image);
      expect(run.exitCode, visibleLog(run)).toBe(0);
      ids.push(run.outputs.release!);
    }
    return ids;
  }

  const ok = (run: ActionRun) => expect(run.exitCode, visibleLog(run)).toBe(0);
  const failedAnnotation = (run: ActionRun) =>
    run.annotations.find((x) => x.kind === 'error' && x.title === 'Rollback failed')?.message ?? '';

  beforeAll(async () => {
    v1 = await versionImage(info, repo, 'v1');
    v2 = await versionImage(info, repo, 'v2');
    v3 = await versionImage(info, repo, 'v3');
  });

  it('rolls back to previous, then to v1 by release id, then by image tag, each as it ran', async () => {
    const a = await app('rb-main');
    // Deployed by tag: release.env says IMAGE=…:v1, release.json has the digest it resolved to.
    const [r1, r2, r3] = await deployAll(a, [v1.ref, v2.ref, v3.ref]);
    expect(await served(a)).toBe('v3');
    const env1 = onHost(`cat ${a.root}/releases/${r1}/release.env`);
    expect(env1).toContain(`IMAGE=${v1.ref}`);

    const back = await rollback(info, a, { reason: 'checkout is broken in v3' });
    ok(back);
    expect(back.outputs).toEqual({ status: 'rolled-back', release: r2, 'rolled-back-from': r3 });
    expect(await served(a)).toBe('v2');
    expect(currentOnHost(a)).toBe(r2);
    expect(historyOnHost(a).at(-1)).toEqual(
      expect.objectContaining({
        event: 'rollback',
        release: r2,
        from: r3,
        result: 'rolled-back',
        actor: 'octocat',
        reason: 'checkout is broken in v3',
        image: `${info.registry}/${repo}@${v2.digest}`,
        runUrl: expect.stringMatching(/^https:\/\/github.com\/acme\/shop\/actions\/runs\/\d+$/),
      }),
    );
    expect(back.summary).toContain(`Rollback ${a.name}: rolled back to \`${r2}\``);
    expect(back.summary).toMatch(
      new RegExp(`\\| \`${info.hostSpec}\` \\| rolled-back \\| ${r3} \\| ${r2} \\| ${r2} \\|`),
    );
    expect(back.annotations).toContainEqual(expect.objectContaining({ kind: 'notice', title: 'Rolled back' }));

    // The v1 tag moves on in the registry (and on the host): the rollback still runs what r1 ran.
    await buildTestImage(info, { repo, tag: 'v1', version: 'v1-moved' });
    const byId = await rollback(info, a, { to: r1! }, { node: 'node24' });
    ok(byId);
    expect(byId.outputs).toEqual({ status: 'rolled-back', release: r1, 'rolled-back-from': r2 });
    expect(await served(a)).toBe('v1');
    expect(onHost(`docker inspect --format '{{.Config.Image}}' ${a.name}_web_1`)).toBe(
      `${info.registry}/${repo}@${v1.digest}`,
    );
    // History is not rewritten: the release's env file is as the deploy wrote it.
    expect(onHost(`cat ${a.root}/releases/${r1}/release.env`)).toBe(env1);

    const byTag = await rollback(info, a, { to: 'v3' });
    ok(byTag);
    expect(byTag.outputs).toEqual({ status: 'rolled-back', release: r3, 'rolled-back-from': r1 });
    expect(await served(a)).toBe('v3');
    expect(historyOnHost(a).map((h) => `${h.event}:${h.from ?? ''}>${h.release}`)).toEqual([
      `deploy:>${r1}`,
      `deploy:${r1}>${r2}`,
      `deploy:${r2}>${r3}`,
      `rollback:${r3}>${r2}`,
      `rollback:${r2}>${r1}`,
      `rollback:${r1}>${r3}`,
    ]);
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
  });

  it('pulls the image of a release again when it was removed from the host (dry-run says so first)', async () => {
    const a = await app('rb-pruned');
    const own = `njord-test/rollback-pruned-${process.pid}`;
    const p1 = await versionImage(info, own, 'p1');
    const p2 = await versionImage(info, own, 'p2');
    const [r1, r2] = await deployAll(a, [p1.ref, p2.ref]);
    // As the deploy user, the way an image prune would: every name of the image goes.
    onHost(`docker rmi -f $(docker image inspect --format '{{.Id}}' ${p1.ref}) >/dev/null`);
    expect(onHost(`docker image inspect ${p1.refByDigest} >/dev/null 2>&1 && echo here || echo gone`)).toBe('gone');

    const dry = await rollback(info, a, { 'dry-run': 'true' });
    ok(dry);
    expect(dry.outputs).toEqual({ status: 'dry-run', release: r2, 'rolled-back-from': r2 });
    expect(dry.summary).toContain(`${p1.refByDigest} is no longer on the host: it would be pulled again`);
    expect(dry.stdout).toContain(`docker pull --quiet ${p1.refByDigest}`);
    expect(onHost(`docker image inspect ${p1.refByDigest} >/dev/null 2>&1 && echo here || echo gone`)).toBe('gone');
    expect(currentOnHost(a)).toBe(r2);

    const run = await rollback(info, a);
    ok(run);
    expect(run.outputs.release).toBe(r1);
    expect(run.stdout).toContain(`${p1.refByDigest} was pruned from the host: pulling it again`);
    expect(run.summary).toContain('(pruned, pulled again)');
    expect(await served(a)).toBe('p1');
    expect(onHost(`docker image inspect --format '{{.Id}}' ${p1.refByDigest}`)).toMatch(/^sha256:/);
  });

  it('fails on a to that matches no release, listing the releases there are, and changes nothing', async () => {
    const a = await app('rb-unknown');
    const [r1, r2] = await deployAll(a, [v1.refByDigest, v2.ref]);
    const before = { releases: releasesOnHost(a), current: currentOnHost(a), history: historyOnHost(a) };

    const run = await rollback(info, a, { to: 'v9' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('failed');
    const error = run.annotations.find((x) => x.kind === 'error');
    expect(error?.message).toContain(
      `Input 'to': 'v9' matches no release on ${info.hostSpec}: no release kept here ran v9`,
    );
    expect(error?.message).toMatch(
      new RegExp(`${r2}  ${v2.ref}  \\d{4}-\\d\\d-\\d\\d \\S+Z  by octocat  active  \\(current\\)`),
    );
    expect(error?.message).toContain(`${r1}  ${v1.refByDigest}`);
    expect(error?.message).toContain('Nothing was changed.');
    expect(run.summary).toContain('no such release (nothing changed)');
    expect(run.summary).toMatch(
      new RegExp(`\\| ${r2} \\(current\\) \\| ${v2.ref} \\| \\S+ \\| octocat \\| active \\|`),
    );
    expect(run.summary).toContain(`| ${r1} | ${v1.refByDigest} |`);
    expect({ releases: releasesOnHost(a), current: currentOnHost(a), history: historyOnHost(a) }).toEqual(before);
    expect(await served(a)).toBe('v2');
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');

    const first = await app('rb-empty');
    const none = await rollback(info, first);
    expect(none.exitCode).toBe(1);
    expect(none.annotations.find((x) => x.kind === 'error')?.message).toMatch(
      /'previous' matches no release on \S+: no release is current here.*\n.*\(none: nothing was deployed here/,
    );
  });

  it('waits for a deploy that holds the lock, then rolls back from what that deploy made current', async () => {
    const a = await app('rb-lock');
    const [, r2] = await deployAll(a, [v1.refByDigest, v2.refByDigest]);
    const deploying = deploy(info, a, v3.refByDigest);
    for (let i = 0; i < 200 && onHost(`test -d ${a.root}/.lock && echo held || true`) !== 'held'; i++)
      await new Promise((r) => setTimeout(r, 50));
    const rollingBack = rollback(info, a, { 'lock-timeout': '120' });
    const [d3, back] = await Promise.all([deploying, rollingBack]);
    expect(d3.exitCode, visibleLog(d3)).toBe(0);
    ok(back);
    expect(back.stdout).toMatch(/waiting for the lock, held by deploy by octocat/);
    // It read the history under the lock: v3 had become current, so previous is v2.
    expect(back.outputs).toEqual({ status: 'rolled-back', release: r2, 'rolled-back-from': d3.outputs.release });
    expect(await served(a)).toBe('v2');
    expect(historyOnHost(a).map((h) => h.event)).toEqual(['deploy', 'deploy', 'deploy', 'rollback']);
  });

  it('when the chosen release fails its gate, says so and leaves the host on the one that was running', async () => {
    const a = await app('rb-badtarget');
    const broken = await brokenImage(info, repo);
    const [r1] = await deployAll(a, [v1.refByDigest]);
    const bad = await deploy(info, a, broken.ref, { 'health-timeout': '3' });
    expect(bad.outputs.status).toBe('rolled-back');
    const brokenId = bad.outputs['release-attempted']!;

    const run = await rollback(info, a, { to: brokenId, 'health-timeout': '3' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toEqual({ status: 'failed', release: r1, 'rolled-back-from': r1 });
    expect(visibleLog(run)).toContain('did not pass its health gate when it was deployed');
    expect(failedAnnotation(run)).toMatch(
      new RegExp(
        `release ${brokenId} is not healthy: not healthy after \\d+\\.\\d s \\(\\d+ checks, timeout 3\\.0 s\\)`,
      ),
    );
    expect(failedAnnotation(run)).toContain(`${r1} is back and healthy. Now running: ${r1}`);
    expect(run.summary).toContain('last health answers of the target');
    expect(await served(a)).toBe('v1');
    expect(currentOnHost(a)).toBe(r1);
    expect(historyOnHost(a).at(-1)).toMatchObject({ event: 'rollback', release: brokenId, from: r1, result: 'failed' });
    expect(historyOnHost(a).at(-1)?.failure).toContain('is back and healthy');

    // Neither passes (a URL nobody serves): it stays on the one that was running, never on nothing.
    const neither = await rollback(info, a, {
      to: brokenId,
      'health-url': `http://127.0.0.1:${a.port}/nowhere`,
      'health-timeout': '2',
    });
    expect(neither.exitCode).toBe(1);
    expect(neither.outputs).toEqual({ status: 'failed', release: r1, 'rolled-back-from': r1 });
    expect(failedAnnotation(neither)).toMatch(
      new RegExp(`${r1} is not healthy either: .*HTTP 404; left on ${r1}, which answered at least as well`),
    );
    expect(await served(a)).toBe('v1');
    expect(currentOnHost(a)).toBe(r1);
  });

  it('when neither is healthy and the target answered better, leaves the target running and current', async () => {
    const a = await app('rb-better');
    const broken = await brokenImage(info, repo);
    await deployAll(a, [v1.refByDigest]);
    const bad = await deploy(info, a, broken.ref, { 'health-timeout': '3' });
    expect(bad.outputs.status).toBe('rolled-back');
    const brokenId = bad.outputs['release-attempted']!;
    // The current release listens on another port: on the app's own port it refuses connections.
    const otherPort = await freePort();
    writeComposeApp(a.workspace, { port: otherPort });
    const moved = await deploy(info, a, v2.refByDigest, { 'health-url': `http://127.0.0.1:${otherPort}/health` });
    ok(moved);
    const r2 = moved.outputs.release!;

    // The broken release serves / but not /health: half its answers pass, the current one's none.
    const run = await rollback(info, a, {
      to: brokenId,
      'health-url': `http://127.0.0.1:${a.port}/health\nhttp://127.0.0.1:${a.port}/`,
      'health-timeout': '2',
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toEqual({ status: 'failed', release: brokenId, 'rolled-back-from': r2 });
    expect(failedAnnotation(run)).toMatch(
      new RegExp(
        `${r2} is not healthy either: .*; left on ${brokenId}, which answered better. Now running: ${brokenId}`,
      ),
    );
    expect(await served(a, '/')).toContain('njord test app broken');
    expect(currentOnHost(a)).toBe(brokenId);
    expect(historyOnHost(a).at(-1)).toMatchObject({
      event: 'rollback',
      release: brokenId,
      from: r2,
      result: 'failed',
      running: brokenId,
    });
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
  });

  it('frees its lock in the post step when killed mid-way', async () => {
    const a = await app('rb-killed');
    await deployAll(a, [v1.refByDigest, v2.refByDigest]);
    const kill = killWhenReached(
      () => onHost(`cat ${a.root}/.lock/owner.json 2>/dev/null || true`).includes('"rollback"'),
      20,
    );
    const run = await rollback(info, a, {}, { onSpawn: kill.onSpawn });
    expect(kill.killed()).toBe(true);
    expect(run.exitCode).not.toBe(0);
    expect(run.post?.exitCode).toBe(0);
    expect(run.post?.stdout).toContain('released the lock the rollback left behind');
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
  });
});
