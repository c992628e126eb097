// The deploy logs each host in to a private registry (basic auth behind TLS here) before pulling:
// password through stdin, credentials kept with the app. A refused login changes nothing. The
// registry runs where the server reaches it (a container on the sandbox network, its CA trusted by
// the server's dockerd): the login and the pull happen on the server, not on the runner.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAuthRegistry, type AuthRegistry } from '../sandbox/AuthRegistry.js';
import { sh } from '../sandbox/Sandbox.js';
import { deploy, newApp, removeApp, served, visibleLog, type TestApp } from '../support/deployKit.js';
import { currentOnHost, onHost, releasesOnHost } from '../support/hostState.js';
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

  it('logs in with the password on stdin, keeps the credentials with the app, pulls and deploys', async () => {
    const run = await deploy(info, app, image, login(registry.password));
    expect(run.exitCode, visibleLog(run)).toBe(0);
    expect(await served(app)).toBe('v1');
    expect(visibleLog(run)).not.toContain(registry.password);
    // Credentials live in <remote-dir>/.docker (0700), not in the user's ~/.docker.
    expect(onHost(`stat -c %a ${app.root}/.docker`)).toBe('700');
    expect(onHost(`cat ${app.root}/.docker/config.json`)).toContain(registry.host);
    expect(onHost(`cat ~/.docker/config.json 2>/dev/null || true`)).not.toContain(registry.host);
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
