// The GitHub Deployment a rollback records: the release put back, for its own commit, against the
// local stand-in of GitHub's REST API: in progress from when the hosts chose it, then its result;
// nothing when the rollback changed nothing.
import { afterEach, describe, expect, it } from 'vitest';
import type { DeploymentTarget } from '../../src/report/Deployments.js';
import { rollbackRecord, type RolledBack } from '../../src/report/RollbackDeployment.js';
import { silentLog } from '../../src/report/Log.js';
import type { RollbackOutcome } from '../../src/rollback/Rollback.js';
import { startGithubApi, type GithubApi } from '../support/githubApiServer.js';

/** The rollback action's outcome is what the record takes (checked by the compiler). */
export const fromAction = (o: RollbackOutcome): RolledBack => o;

/** As the action does it: started when the hosts chose the release, finished with the outcome. */
async function recordRollback(
  t: DeploymentTarget | undefined,
  app: string,
  o: RolledBack,
  reason: string | undefined,
): Promise<number | undefined> {
  const record = rollbackRecord(t, app, reason, silentLog);
  if (o.status !== 'dry-run' && !o.error) record.start(o.hosts);
  return record.finish(o);
}

const TOKEN = 'ghs_rollbackUnitToken0123';
const OLD_SHA = 'c'.repeat(40);
const target = (api: GithubApi): DeploymentTarget => ({
  apiUrl: api.url,
  token: TOKEN,
  repository: 'acme/shop',
  environment: 'staging',
  environmentUrl: 'https://shop.example.com',
  logUrl: 'https://github.com/acme/shop/actions/runs/9',
});
const outcome = (status: RolledBack['status'], release = 'r1'): RolledBack => ({
  status,
  hosts: [
    {
      host: 'deploy@app1',
      status,
      target: 'r1',
      release,
      image: 'ghcr.io/acme/shop@sha256:' + 'a'.repeat(64),
      gitSha: OLD_SHA,
    },
  ],
});

describe('GitHub Deployments of a rollback', () => {
  let api: GithubApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('records the release put back, for its own commit, as a deploy:rollback that is now active', async () => {
    api = await startGithubApi({ token: TOKEN });
    const id = await recordRollback(target(api), 'shop', outcome('rolled-back'), 'checkout broken');
    expect(id).toBe(1);
    expect(api.trace()).toEqual([
      'POST /repos/acme/shop/deployments',
      'POST /repos/acme/shop/deployments/1/statuses in_progress',
      'POST /repos/acme/shop/deployments/1/statuses success',
    ]);
    expect(api.calls[0]!.body).toMatchObject({
      ref: OLD_SHA,
      task: 'deploy:rollback',
      environment: 'staging',
      payload: { app: 'shop', release: 'r1', hosts: ['deploy@app1'], reason: 'checkout broken' },
    });
    expect(api.calls[2]!.body).toMatchObject({
      state: 'success',
      environment_url: 'https://shop.example.com',
      description: 'shop is back on r1 on deploy@app1 (checkout broken)',
    });
    expect(api.active('staging').map((d) => d.sha)).toEqual([OLD_SHA]);
  });

  it('is in progress from when the hosts chose the release, before the rollback ends', async () => {
    api = await startGithubApi({ token: TOKEN });
    const record = rollbackRecord(target(api), 'shop', 'checkout broken', silentLog);
    record.start(outcome('rolled-back').hosts);
    await expect.poll(() => api!.trace()).toContain('POST /repos/acme/shop/deployments/1/statuses in_progress');
    expect(api.trace()).not.toContain('POST /repos/acme/shop/deployments/1/statuses success');
    expect(api.calls.at(-1)!.body).toMatchObject({
      state: 'in_progress',
      log_url: 'https://github.com/acme/shop/actions/runs/9',
    });
    await record.finish(outcome('rolled-back'));
    expect(api.trace().at(-1)).toBe('POST /repos/acme/shop/deployments/1/statuses success');
  });

  it('a rollback that throws once started is a failed deployment', async () => {
    api = await startGithubApi({ token: TOKEN });
    const record = rollbackRecord(target(api), 'shop', undefined, silentLog);
    record.start(outcome('rolled-back').hosts);
    await record.fail(new Error('connection lost'));
    expect(api.trace().at(-1)).toBe('POST /repos/acme/shop/deployments/1/statuses failure');
    expect(api.calls.at(-1)!.body).toMatchObject({ description: 'failed: connection lost' });
  });

  it('a failed rollback is a failed deployment', async () => {
    api = await startGithubApi({ token: TOKEN });
    await recordRollback(target(api), 'shop', outcome('failed', 'r2'), undefined);
    expect(api.trace().at(-1)).toBe('POST /repos/acme/shop/deployments/1/statuses failure');
    expect(api.calls.at(-1)!.body).toMatchObject({ description: 'shop: rollback to r1 failed on deploy@app1' });
  });

  it('records nothing for a dry run, a target that matched nothing, or a release without a commit', async () => {
    api = await startGithubApi({ token: TOKEN });
    await recordRollback(target(api), 'shop', outcome('dry-run'), undefined);
    await recordRollback(target(api), 'shop', { ...outcome('failed'), error: new Error('no such release') }, undefined);
    const noSha = outcome('rolled-back');
    delete noSha.hosts[0]!.gitSha;
    await recordRollback(target(api), 'shop', noSha, undefined);
    await recordRollback(undefined, 'shop', outcome('rolled-back'), undefined);
    expect(api.calls).toEqual([]);
  });
});
