// GitHub Deployments against the local stand-in of GitHub's REST API: the requests' paths, bodies,
// headers and order, what the Environments page ends up showing, and that GitHub refusing is only
// ever a warning.
import { afterEach, describe, expect, it } from 'vitest';
import { InputReader } from '../../src/inputs/InputReader.js';
import type { Log } from '../../src/report/Log.js';
import {
  isProductionEnvironment,
  readDeploymentTarget,
  startDeployment,
  type DeploymentTarget,
} from '../../src/report/Deployments.js';
import { startGithubApi, type GithubApi } from '../support/githubApiServer.js';

const TOKEN = 'ghs_unitTestToken0123456789';
const SHA = 'a'.repeat(40);
const SHA2 = 'b'.repeat(40);

function recordingLog() {
  const lines: { level: keyof Log; message: string }[] = [];
  const log: Log = {
    info: (m) => lines.push({ level: 'info', message: m }),
    warn: (m) => lines.push({ level: 'warn', message: m }),
    error: (m) => lines.push({ level: 'error', message: m }),
    debug: (m) => lines.push({ level: 'debug', message: m }),
  };
  return { log, warnings: () => lines.filter((l) => l.level === 'warn').map((l) => l.message), lines };
}

function target(api: GithubApi, environment: string, extra: Partial<DeploymentTarget> = {}): DeploymentTarget {
  return {
    apiUrl: api.url,
    token: TOKEN,
    repository: 'acme/shop',
    environment,
    environmentUrl: 'https://shop.example.com',
    logUrl: 'https://github.com/acme/shop/actions/runs/7',
    ...extra,
  };
}

const request = (sha: string, release: string) => ({
  sha,
  description: `njord: release ${release}`,
  payload: { release, image: 'ghcr.io/acme/shop@sha256:' + '1'.repeat(64) },
});

describe('GitHub Deployments', () => {
  let api: GithubApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('creates the deployment for the commit, marks it in progress, then successful with the app URL', async () => {
    api = await startGithubApi({ token: TOKEN });
    const { log, warnings } = recordingLog();
    const d = await startDeployment(target(api, 'staging'), request(SHA, 'r1'), log);
    await d.finish('success', 'njord: release r1 is healthy on 1 host');

    expect(api.trace()).toEqual([
      'POST /repos/acme/shop/deployments',
      'POST /repos/acme/shop/deployments/1/statuses in_progress',
      'POST /repos/acme/shop/deployments/1/statuses success',
    ]);
    const [create, progress, success] = api.calls;
    expect(create!.body).toEqual({
      ref: SHA,
      task: 'deploy',
      environment: 'staging',
      description: 'njord: release r1',
      payload: request(SHA, 'r1').payload,
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
      production_environment: false,
    });
    expect(progress!.body).toMatchObject({
      state: 'in_progress',
      log_url: 'https://github.com/acme/shop/actions/runs/7',
    });
    expect(progress!.body).not.toHaveProperty('environment_url');
    expect(success!.body).toEqual({
      state: 'success',
      log_url: 'https://github.com/acme/shop/actions/runs/7',
      description: 'njord: release r1 is healthy on 1 host',
      environment_url: 'https://shop.example.com',
    });
    for (const c of api.calls) {
      expect(c.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(c.headers.accept).toBe('application/vnd.github+json');
      expect(c.headers['x-github-api-version']).toBe('2022-11-28');
    }
    expect(warnings()).toEqual([]);
  });

  it('outside production leaves marking the replaced deployment inactive to GitHub (no second post)', async () => {
    api = await startGithubApi({ token: TOKEN });
    const { log } = recordingLog();
    await (await startDeployment(target(api, 'staging'), request(SHA, 'r1'), log)).finish('success', 'ok');
    await (await startDeployment(target(api, 'staging'), request(SHA2, 'r2'), log)).finish('success', 'ok');
    expect(api.calls.filter((c) => c.body?.state === 'inactive')).toEqual([]);
    expect(api.calls.some((c) => c.method === 'GET')).toBe(false);
    expect(api.active('staging').map((d) => d.sha)).toEqual([SHA2]);
    expect(api.deployments[0]!.statuses.map((s) => s.state)).toEqual(['in_progress', 'success', 'inactive']);
  });

  it('in production, where GitHub does not, marks the replaced deployment inactive itself, once', async () => {
    api = await startGithubApi({ token: TOKEN });
    const { log } = recordingLog();
    await (await startDeployment(target(api, 'production'), request(SHA, 'r1'), log)).finish('success', 'ok');
    const failed = await startDeployment(target(api, 'production'), request(SHA2, 'r2'), log);
    await failed.finish('failure', 'rolled back');
    const before = api.calls.length;
    await (await startDeployment(target(api, 'production'), request(SHA2, 'r3'), log)).finish('success', 'ok');

    expect(api.trace().slice(before)).toEqual([
      'POST /repos/acme/shop/deployments',
      'POST /repos/acme/shop/deployments/3/statuses in_progress',
      // The live one is looked up while the deploy runs: past the failed one, stopping at it.
      'GET /repos/acme/shop/deployments?environment=production&per_page=10',
      'GET /repos/acme/shop/deployments/2/statuses?per_page=1',
      'GET /repos/acme/shop/deployments/1/statuses?per_page=1',
      'POST /repos/acme/shop/deployments/3/statuses success',
      'POST /repos/acme/shop/deployments/1/statuses inactive',
    ]);
    expect(api.calls[0]!.body).toMatchObject({ production_environment: true });
    expect(api.active('production').map((d) => d.id)).toEqual([3]);
    expect(api.deployments[1]!.statuses.at(-1)!.state).toBe('failure');

    // The next one stops at the live deployment 3: older ones were made inactive when replaced.
    const mark = api.calls.length;
    await (await startDeployment(target(api, 'production'), request(SHA, 'r4'), log)).finish('success', 'ok');
    expect(
      api
        .trace()
        .slice(mark)
        .filter((c) => c.startsWith('GET')),
    ).toEqual([
      'GET /repos/acme/shop/deployments?environment=production&per_page=10',
      'GET /repos/acme/shop/deployments/3/statuses?per_page=1',
    ]);
    expect(api.active('production').map((d) => d.id)).toEqual([4]);
  });

  it('a failed deploy is marked failure and the deployment that runs stays active', async () => {
    api = await startGithubApi({ token: TOKEN });
    const { log } = recordingLog();
    await (await startDeployment(target(api, 'staging'), request(SHA, 'r1'), log)).finish('success', 'ok');
    const d = await startDeployment(target(api, 'staging'), request(SHA2, 'r2'), log);
    await d.finish('failure', 'njord: release r2 failed its health gate and was rolled back');
    await d.finish('success', 'a second finish is ignored');
    expect(api.trace().slice(-1)).toEqual(['POST /repos/acme/shop/deployments/2/statuses failure']);
    expect(api.calls.at(-1)!.body).not.toHaveProperty('environment_url');
    expect(api.active('staging').map((x) => x.sha)).toEqual([SHA]);
  });

  it('a token without deployments: write is one warning naming the permission, and nothing more is sent', async () => {
    api = await startGithubApi({ token: TOKEN, scenario: 'deny' });
    const { log, warnings } = recordingLog();
    const d = await startDeployment(target(api, 'production'), request(SHA, 'r1'), log);
    await d.finish('success', 'ok');
    expect(api.trace()).toEqual(['POST /repos/acme/shop/deployments']);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('permissions: deployments: write');
    expect(warnings()[0]).toContain('HTTP 403 Resource not accessible by integration');
    expect(warnings()[0]).toContain('the deploy went ahead');
  });

  it('an API that cannot be reached is a warning, never an exception', async () => {
    api = await startGithubApi({ token: TOKEN });
    const t = target(api, 'staging');
    await api.close();
    api = undefined;
    const { log, warnings } = recordingLog();
    const d = await startDeployment(t, request(SHA, 'r1'), log);
    await expect(d.finish('success', 'ok')).resolves.toBeUndefined();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(/recording it on GitHub failed: .*fetch failed/);
  });

  it('a rollback is a deploy:rollback task and its warnings say rollback', async () => {
    api = await startGithubApi({ token: TOKEN, scenario: 'deny' });
    const { log, warnings } = recordingLog();
    await startDeployment(target(api, 'staging'), { ...request(SHA, 'r1'), task: 'deploy:rollback' }, log);
    expect(api.calls[0]!.body).toMatchObject({ task: 'deploy:rollback' });
    expect(warnings()[0]).toContain('the rollback went ahead');
  });

  it('keeps descriptions within GitHub’s 140 characters', async () => {
    api = await startGithubApi({ token: TOKEN });
    const { log } = recordingLog();
    const d = await startDeployment(
      target(api, 'staging'),
      { ...request(SHA, 'r1'), description: 'x'.repeat(300) },
      log,
    );
    await d.finish('failure', 'y'.repeat(300));
    for (const c of api.calls) expect(String(c.body?.description).length).toBeLessThanOrEqual(140);
  });

  it('reads its target from the inputs and the runner, and skips quietly without token or environment', () => {
    const reader = (values: Record<string, string>) => new InputReader({ get: (n) => values[n] ?? '' });
    const env = { GITHUB_REPOSITORY: 'acme/shop', GITHUB_API_URL: 'http://127.0.0.1:9/' };
    const { log, lines } = recordingLog();
    expect(
      readDeploymentTarget(
        reader({ 'github-token': TOKEN, environment: 'production', 'environment-url': 'https://shop.example.com' }),
        env,
        log,
        'https://github.com/acme/shop/actions/runs/7',
      ),
    ).toEqual({
      apiUrl: 'http://127.0.0.1:9',
      token: TOKEN,
      repository: 'acme/shop',
      environment: 'production',
      environmentUrl: 'https://shop.example.com',
      logUrl: 'https://github.com/acme/shop/actions/runs/7',
    });
    expect(readDeploymentTarget(reader({ environment: 'production' }), {}, log)).toBeUndefined();
    expect(readDeploymentTarget(reader({ 'github-token': TOKEN }), env, log)).toBeUndefined();
    expect(readDeploymentTarget(reader({ 'github-token': TOKEN, environment: 'x' }), {}, log)).toBeUndefined();
    expect(lines.filter((l) => l.level !== 'debug')).toEqual([]);
    expect(lines.map((l) => l.message)).toEqual([
      'GitHub Deployments: not recorded (no github-token)',
      'GitHub Deployments: not recorded (no environment input)',
      'GitHub Deployments: not recorded (GITHUB_REPOSITORY is not set)',
    ]);
    expect(
      readDeploymentTarget(reader({ 'github-token': TOKEN, environment: 'x' }), { GITHUB_REPOSITORY: 'a/b' }, log)
        ?.apiUrl,
    ).toBe('https://api.github.com');
  });

  it('counts production environments as GitHub does, and a few common spellings', () => {
    for (const n of ['production', 'Production', 'prod', 'production-eu', 'prod_us'])
      expect(isProductionEnvironment(n)).toBe(true);
    for (const n of ['staging', 'preview', 'productive', 'pre-production', 'dev'])
      expect(isProductionEnvironment(n)).toBe(false);
  });
});
