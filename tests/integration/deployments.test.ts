// The deploy action records GitHub Deployments: the real deploy through dist/deploy on the sandbox,
// with GITHUB_API_URL pointing at a local stand-in of GitHub's REST API that records the calls.
import { afterEach, beforeAll, expect, it } from 'vitest';
import { type TestImage } from '../sandbox/Sandbox.js';
import { deploy, served, visibleLog } from '../support/deployKit.js';
import { startGithubApi, type GithubApi } from '../support/githubApiServer.js';
import { brokenImage, describeOnSandbox, sandboxInfo, suiteApps, versionImage } from '../support/sandboxSuite.js';

const TOKEN = 'ghs_deploymentsIntegration0123456789';

describeOnSandbox('deploy action: GitHub Deployments', () => {
  const info = sandboxInfo();
  let v1: TestImage;
  let v2: TestImage;
  let broken: TestImage;
  let api: GithubApi | undefined;

  beforeAll(async () => {
    v1 = await versionImage(info, 'njord-test/deployments', 'v1');
    v2 = await versionImage(info, 'njord-test/deployments', 'v2');
    broken = await brokenImage(info, 'njord-test/deployments');
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  const { app } = suiteApps();
  const runEnv = (sha: string) => ({ GITHUB_API_URL: api!.url, GITHUB_TOKEN: TOKEN, GITHUB_SHA: sha });
  const recorded = { environment: 'production', 'environment-url': 'https://shop.example.com' };

  it('records each deploy for its commit: in progress, then active with the app URL; the replaced one goes inactive', async () => {
    api = await startGithubApi({ token: TOKEN });
    const a = await app('gh-ok');
    const sha1 = '1'.repeat(40);
    const sha2 = '2'.repeat(40);
    const first = await deploy(info, a, v1.refByDigest, recorded, { env: runEnv(sha1) });
    expect(first.exitCode, visibleLog(first)).toBe(0);
    const second = await deploy(info, a, v2.refByDigest, recorded, { env: runEnv(sha2) });
    expect(second.exitCode, visibleLog(second)).toBe(0);
    expect(await served(a)).toBe('v2');

    expect(api.trace()).toEqual([
      'POST /repos/acme/shop/deployments',
      'POST /repos/acme/shop/deployments/1/statuses in_progress',
      'GET /repos/acme/shop/deployments?environment=production&per_page=10',
      'POST /repos/acme/shop/deployments/1/statuses success',
      'POST /repos/acme/shop/deployments',
      'POST /repos/acme/shop/deployments/2/statuses in_progress',
      'GET /repos/acme/shop/deployments?environment=production&per_page=10',
      'GET /repos/acme/shop/deployments/1/statuses?per_page=1',
      'POST /repos/acme/shop/deployments/2/statuses success',
      'POST /repos/acme/shop/deployments/1/statuses inactive',
    ]);
    const runUrl = (r: typeof first) => `https://github.com/acme/shop/actions/runs/${r.runEnv.GITHUB_RUN_ID}`;
    expect(api.calls[0]!.body).toMatchObject({
      ref: sha1,
      environment: 'production',
      production_environment: true,
      transient_environment: false,
      auto_merge: false,
      required_contexts: [],
      payload: { app: a.name, image: v1.refByDigest, hosts: [info.hostSpec] },
    });
    expect(api.calls[3]!.body).toMatchObject({
      state: 'success',
      environment_url: 'https://shop.example.com',
      log_url: runUrl(first),
      description: `${a.name} release ${first.outputs.release} is healthy on ${info.hostSpec}`,
    });
    expect(api.calls[4]!.body).toMatchObject({ ref: sha2, payload: { image: v2.refByDigest } });
    expect(api.calls[8]!.body).toMatchObject({ state: 'success', log_url: runUrl(second) });
    expect(api.active('production').map((d) => d.sha)).toEqual([sha2]);
    for (const c of api.calls) expect(c.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(second.summary).toContain('**Environment** [production](https://shop.example.com)');
    expect(second.annotations.filter((x) => x.kind === 'warning')).toEqual([]);
    expect(visibleLog(second)).not.toContain(TOKEN);
  });

  it('a release rolled back by its gate is a failed deployment; the one that runs stays active', async () => {
    api = await startGithubApi({ token: TOKEN });
    const a = await app('gh-rb');
    const good = await deploy(info, a, v1.refByDigest, { environment: 'staging' }, { env: runEnv('3'.repeat(40)) });
    expect(good.exitCode, visibleLog(good)).toBe(0);
    const bad = await deploy(info, a, broken.refByDigest, { environment: 'staging' }, { env: runEnv('4'.repeat(40)) });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.outputs.status).toBe('rolled-back');
    expect(await served(a)).toBe('v1');

    expect(api.trace()).toEqual([
      'POST /repos/acme/shop/deployments',
      'POST /repos/acme/shop/deployments/1/statuses in_progress',
      'POST /repos/acme/shop/deployments/1/statuses success',
      'POST /repos/acme/shop/deployments',
      'POST /repos/acme/shop/deployments/2/statuses in_progress',
      'POST /repos/acme/shop/deployments/2/statuses failure',
    ]);
    expect(api.calls[0]!.body).toMatchObject({ production_environment: false });
    expect(api.calls[5]!.body).toMatchObject({
      description: expect.stringContaining(`release ${bad.outputs['release-attempted']} failed its health gate`),
    });
    expect(api.calls[5]!.body).not.toHaveProperty('environment_url');
    expect(api.active('staging').map((d) => d.sha)).toEqual(['3'.repeat(40)]);
  });

  it('a token without deployments: write is a warning naming the permission; the deploy still succeeds', async () => {
    api = await startGithubApi({ token: TOKEN, scenario: 'deny' });
    const a = await app('gh-deny');
    const run = await deploy(info, a, v1.refByDigest, recorded, { env: runEnv('5'.repeat(40)) });
    expect(run.exitCode, visibleLog(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    expect(await served(a)).toBe('v1');
    expect(api.trace()).toEqual(['POST /repos/acme/shop/deployments']);
    const warnings = run.annotations.filter((x) => x.kind === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('permissions: deployments: write');
    expect(run.summary).not.toContain('**Environment**');
  });

  it('without an environment nothing is sent to GitHub', async () => {
    api = await startGithubApi({ token: TOKEN });
    const a = await app('gh-none');
    const run = await deploy(info, a, v1.refByDigest, {}, { env: runEnv('6'.repeat(40)) });
    expect(run.exitCode, visibleLog(run)).toBe(0);
    expect(api.calls).toEqual([]);
    expect(run.annotations.filter((x) => x.kind === 'warning')).toEqual([]);
  });

  it('an environment-url that is not a URL is bad input: named, and nothing happens anywhere', async () => {
    api = await startGithubApi({ token: TOKEN });
    const a = await app('gh-badurl');
    const run = await deploy(
      info,
      a,
      v1.refByDigest,
      { environment: 'production', 'environment-url': 'shop' },
      { env: runEnv('7'.repeat(40)) },
    );
    expect(run.exitCode).not.toBe(0);
    expect(visibleLog(run)).toContain("Input 'environment-url': 'shop' is not an http:// or https:// URL");
    expect(api.calls).toEqual([]);
    expect(await served(a)).toBe('down');
  });
});
