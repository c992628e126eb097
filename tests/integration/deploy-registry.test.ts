// The deploy logs each host in to a private registry (basic auth behind TLS here) before pulling:
// password through stdin, credentials kept with the app only while the run lasts (logged out at its
// end, by the post step when it was killed). A rollback brings its own login for a re-pull. A
// refused login changes nothing. The
// registry runs where the server reaches it (a container on the sandbox network, its CA trusted by
// the server's dockerd): the login and the pull happen on the server, not on the runner.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAuthRegistry, type AuthRegistry } from '../sandbox/AuthRegistry.js';
import { sh } from '../sandbox/Sandbox.js';
import { deploy, newApp, removeApp, served, visibleLog, type TestApp } from '../support/deployKit.js';
import { currentOnHost, onHost, releasesOnHost } from '../support/hostState.js';
import { rollback } from '../support/rollbackKit.js';
import { killWhenReached } from '../support/stepKiller.js';
import { describeOnSandbox, sandboxInfo, versionImage } from '../support/sandboxSuite.js';

describeOnSandbox('deploy from a private registry', () => {
  const info = sandboxInfo();
  let registry: AuthRegistry;
  let image: string;
  let app: TestApp;

  beforeAll(async () => {
    registry = await startAuthRegistry({ servers: info });
    const local = await versionImage(info, 'njord-test/private', 'v1');
    image = `${registry.host}/njord-test/private:v1`;
    // Push it from the runner (the same name reaches the registry there) with a throwaway Docker config.
    const cfg = mkdtempSync(join(tmpdir(), 'njord-docker-'));
    sh(`docker --config ${cfg} login --username ${registry.username} --password-stdin ${registry.host}`, {
      input: registry.password,
    });
    sh(
      `docker tag ${local.ref} ${image} && docker --config ${cfg} push ${image} >/dev/null && docker rmi ${image} >/dev/null`,
    );
    rmSync(cfg, { recursive: true, force: true });
    app = await newApp(info, 'private');
  });

  afterAll(async () => {
    removeApp(app);
    await registry?.stop();
  });

  const login = (password: string) => ({ 'registry-username': registry.username, 'registry-password': password });

  it('logs in with the password on stdin, pulls and deploys, and logs the host out when it ends', async () => {
    // While the run lasts, credentials live in <remote-dir>/.docker (0700), not in ~/.docker.
    let seenDuring = '';
    const watch = (child: ChildProcess, step: 'main' | 'post') => {
      if (step !== 'main') return;
      child.stdout!.on('data', (d: Buffer) => {
        if (!seenDuring && d.toString().includes('starting release'))
          seenDuring = onHost(
            `stat -c %a ${app.root}/.docker; grep -c ${registry.host} ${app.root}/.docker/config.json`,
          );
      });
    };
    const run = await deploy(info, app, image, login(registry.password), { onSpawn: watch });
    expect(run.exitCode, visibleLog(run)).toBe(0);
    expect(await served(app)).toBe('v1');
    expect(visibleLog(run)).not.toContain(registry.password);
    expect(seenDuring).toBe('700\n1');
    // No token outlives the run: the next rollback would present it expired.
    expect(onHost(`test -e ${app.root}/.docker && echo kept || echo gone`)).toBe('gone');
    expect(onHost(`cat ~/.docker/config.json 2>/dev/null || true`)).not.toContain(registry.host);
  });

  it('a rollback re-pulls a pruned private image with its own login, and refuses without one', async () => {
    const v2 = `${registry.host}/njord-test/private:v2`;
    const cfg = mkdtempSync(join(tmpdir(), 'njord-docker-'));
    const local = await versionImage(info, 'njord-test/private', 'v2');
    sh(`docker --config ${cfg} login --username ${registry.username} --password-stdin ${registry.host}`, {
      input: registry.password,
    });
    sh(`docker tag ${local.ref} ${v2} && docker --config ${cfg} push ${v2} >/dev/null && docker rmi ${v2} >/dev/null`);
    rmSync(cfg, { recursive: true, force: true });
    const up = await deploy(info, app, v2, login(registry.password));
    expect(up.exitCode, visibleLog(up)).toBe(0);
    const v2Release = currentOnHost(app);
    // An image prune on the host: v1 is gone.
    onHost(`docker rmi -f $(docker image inspect --format '{{.Id}}' ${image}) >/dev/null`);

    const bare = await rollback(info, app);
    expect(bare.exitCode).toBe(1);
    expect(bare.annotations.find((a) => a.kind === 'error')?.message).toMatch(
      /pull .* again failed: .*give the rollback registry-username and registry-password/,
    );
    expect(currentOnHost(app)).toBe(v2Release);
    expect(await served(app)).toBe('v2');
    expect(onHost(`ls -A ${app.root}`)).not.toMatch(/\.lock|\.docker/);

    const run = await rollback(info, app, login(registry.password));
    expect(run.exitCode, visibleLog(run)).toBe(0);
    expect(run.summary).toContain('(pruned, pulled again)');
    expect(await served(app)).toBe('v1');
    expect(visibleLog(run)).not.toContain(registry.password);
    expect(onHost(`ls -A ${app.root}`)).not.toMatch(/\.lock|\.docker/);
  });

  it('logs the host out in the post step when the deploy is killed mid-way', async () => {
    const kill = killWhenReached(() => onHost(`test -d ${app.root}/.docker && echo in || true`) === 'in', 50);
    const run = await deploy(info, app, image, login(registry.password), { onSpawn: kill.onSpawn });
    expect(kill.killed()).toBe(true);
    expect(run.post?.exitCode).toBe(0);
    expect(onHost(`ls -A ${app.root}`)).not.toMatch(/\.lock|\.docker/);
  });

  it('reports a refused login naming registry-password, and changes nothing', async () => {
    const before = { releases: releasesOnHost(app), current: currentOnHost(app) };
    const run = await deploy(info, app, image, login('not-the-password'));
    expect(run.exitCode).toBe(1);
    const error = run.annotations.find((a) => a.kind === 'error');
    expect(error?.message).toMatch(
      new RegExp(
        `Input 'registry-password': ${registry.host.replace(/\./g, '\\.')} refused the login of '${registry.username}'`,
      ),
    );
    expect({ releases: releasesOnHost(app), current: currentOnHost(app) }).toEqual(before);
    expect(onHost(`ls -A ${app.root}`)).not.toContain('.lock');
    expect(await served(app)).toBe('v1');
    // The outputs and the summary say what runs still, and what failed where.
    expect(run.outputs).toMatchObject({
      status: 'failed',
      release: before.current,
      'previous-release': before.current,
    });
    expect(run.summary).toMatch(/^## ❌ Deploy .*: failed before the rollout \(nothing changed\)/m);
    expect(run.summary).toContain(`| \`${info.hostSpec}\` | failed | ${before.current} |`);
    expect(run.summary).toContain(
      `**\`${info.hostSpec}\`**: failed before the rollout, at log in to the registry and upload the release: Input 'registry-password'`,
    );
  });

  it('a refused login on a first deploy leaves no trace on the host: no remote-dir, no releases/, no .docker', async () => {
    const fresh = await newApp(info, 'private-first');
    try {
      const run = await deploy(info, fresh, image, login('not-the-password'));
      expect(run.exitCode).toBe(1);
      expect(run.annotations.find((a) => a.kind === 'error')?.message).toContain(`Input 'registry-password'`);
      expect(run.outputs).toMatchObject({ status: 'failed', release: '', 'previous-release': '' });
      expect(onHost(`test -e ${fresh.root} && ls -A ${fresh.root} || echo absent`)).toBe('absent');
    } finally {
      removeApp(fresh);
    }
  });
});
