// Deploy inputs that change what runs, checked where a user would look: inside the container and
// on the host. env, several compose files, rollback-on-failure: false, and a first release that
// fails its gate. Through the bundled dist/deploy, as users run it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { type TestImage } from '../sandbox/Sandbox.js';
import { deploy, served, visibleLog, type TestApp } from '../support/deployKit.js';
import { currentOnHost, onHost, releasesOnHost } from '../support/hostState.js';
import { brokenImage, describeOnSandbox, sandboxInfo, suiteApps, versionImage } from '../support/sandboxSuite.js';

describeOnSandbox('deploy options', () => {
  const info = sandboxInfo();
  let v1: TestImage;
  let broken: TestImage;
  const { app } = suiteApps();
  /** A variable of the app's running container, read inside it. */
  const inContainer = (a: TestApp, name: string) =>
    onHost(
      `docker exec $(docker ps -q --filter label=com.docker.compose.project=${a.name} | head -1) /bin/sh -c 'printf %s "$${name}"'`,
    );
  /** Adds environment entries to the service of the app's compose file. */
  const passThrough = (a: TestApp, names: string[]) => {
    const file = join(a.workspace, 'docker-compose.yml');
    const lines = names.map((n) => `      ${n}: \${${n}:-}`).join('\n');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    environment:\n', `    environment:\n${lines}\n`));
  };
  const history = (a: TestApp) =>
    onHost(`cat ${a.root}/history.jsonl`)
      .split('\n')
      .map((l) => JSON.parse(l) as { release: string; result: string });
  const manifestOf = (a: TestApp, id: string) =>
    JSON.parse(onHost(`cat ${a.root}/releases/${id}/release.json`)) as { status: string };

  beforeAll(async () => {
    v1 = await versionImage(info, 'njord-test/deploy', 'v1');
    broken = await brokenImage(info, 'njord-test/deploy');
  });

  it('env values reach the container byte for byte', async () => {
    const a = await app('env');
    passThrough(a, ['MODE', 'GREETING']);
    const greeting = `hello world 'q' "dq" $HOME \\n`;
    const run = await deploy(info, a, v1.refByDigest, { env: `MODE=production\nGREETING=${greeting}` });
    expect(run.exitCode, visibleLog(run)).toBe(0);
    expect(inContainer(a, 'MODE')).toBe('production');
    expect(inContainer(a, 'GREETING')).toBe(greeting);
  });

  it('applies two compose files, the override after the base', async () => {
    const a = await app('override');
    writeFileSync(
      join(a.workspace, 'override.yml'),
      ['services:', '  web:', '    environment:', '      APP_SECRET: from-the-override', ''].join('\n'),
    );
    const run = await deploy(info, a, v1.refByDigest, { 'compose-file': 'docker-compose.yml\noverride.yml' });
    expect(run.exitCode, visibleLog(run)).toBe(0);
    // The port is the base file's, the variable the override's (the base sets it empty).
    expect(await served(a)).toBe('v1');
    expect(inContainer(a, 'APP_SECRET')).toBe('from-the-override');
    const id = run.outputs.release!;
    expect(onHost(`ls ${a.root}/releases/${id}`).split('\n')).toEqual(
      expect.arrayContaining(['docker-compose.yml', 'override.yml']),
    );
    expect(JSON.parse(onHost(`cat ${a.root}/releases/${id}/release.json`)).composeFiles).toEqual([
      'docker-compose.yml',
      'override.yml',
    ]);
  });

  it('rollback-on-failure: false leaves the failed release running for inspection; current stays', async () => {
    const a = await app('norollback');
    const good = await deploy(info, a, v1.refByDigest);
    expect(good.exitCode, visibleLog(good)).toBe(0);
    const bad = await deploy(info, a, broken.ref, { 'rollback-on-failure': 'false', 'health-timeout': '4' });
    expect(bad.exitCode).toBe(1);
    expect(bad.outputs.status).toBe('failed');
    // Nothing healthy runs: the broken release answers, the previous one was not put back.
    expect(bad.outputs.release).toBe('');
    expect(bad.outputs['previous-release']).toBe(good.outputs.release);
    expect(await served(a)).toBe('HTTP 404');
    const failed = bad.outputs['release-attempted']!;
    expect(currentOnHost(a)).toBe(good.outputs.release);
    expect(manifestOf(a, failed).status).toBe('failed');
    expect(history(a).at(-1)).toMatchObject({ release: failed, result: 'failed' });
    expect(bad.summary).toContain('rollback-on-failure is false: left running');
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
  });

  it('a first release that fails its gate fails the step and is left running; there is no current', async () => {
    const a = await app('firstbad');
    const run = await deploy(info, a, broken.ref, { 'health-timeout': '4' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('failed');
    expect(run.outputs['previous-release']).toBe('');
    const failed = run.outputs['release-attempted']!;
    // It is what runs (unhealthy), so the output names it.
    expect(run.outputs.release).toBe(failed);
    expect(await served(a)).toBe('HTTP 404');
    expect(currentOnHost(a)).toBe('');
    expect(releasesOnHost(a)).toEqual([failed]);
    expect(manifestOf(a, failed).status).toBe('failed');
    expect(history(a)).toEqual([expect.objectContaining({ release: failed, result: 'failed' })]);
    expect(run.summary).toContain('first release: nothing to roll back to; it is left running for inspection');
    expect(run.annotations.filter((x) => x.kind === 'error').map((x) => x.title)).toContain('Deploy failed');
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
  });
});
