// .github/workflows/rollback.yml: its shape (both triggers, the deploy workflow's names, its
// environment and concurrency group, no token permissions) and a run of it as a caller's
// workflow_call on the sandbox, its step through the bundled rollback action.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../harness/runAction.js';
import { sandboxUnavailableReason } from '../sandbox/Sandbox.js';
import { deploy, newApp, removeApp, served, visibleLog, type TestApp } from '../support/deployKit.js';
import { currentOnHost, onHost } from '../support/hostState.js';
import { startGithubApi, type GithubApi } from '../support/githubApiServer.js';
import { runWorkflow } from '../support/workflowRun.js';
import { historyOnHost, rollbackWorkflowCall } from '../support/rollbackKit.js';
import { sandboxInfo, versionImage } from '../support/sandboxSuite.js';

type Yaml = Record<string, unknown>;
const load = (file: string) => parse(readFileSync(join(repoRoot, file), 'utf8')) as Yaml;
const wf = load('.github/workflows/rollback.yml');
const on = wf.on as Record<string, Yaml>;
const call = on.workflow_call!;
const job = (wf.jobs as Record<string, Yaml>).rollback!;

describe('the rollback workflow', () => {
  it('is dispatched by hand (environment, to, reason, rollout, mode) and called with the deploy workflow’s names', () => {
    expect(Object.keys(on.workflow_dispatch!.inputs as Yaml)).toEqual([
      'environment',
      'to',
      'reason',
      'rollout',
      'mode',
    ]);
    const deployCall = (load('.github/workflows/deploy.yml').on as Record<string, Yaml>).workflow_call!;
    const deployInputs = Object.keys(deployCall.inputs as Yaml);
    for (const name of ['environment', 'hosts', 'app', 'remote-dir', 'health-url', 'health-timeout'])
      expect(deployInputs, name).toContain(name);
    expect(Object.keys(call.inputs as Yaml)).toEqual(
      expect.arrayContaining([
        'environment',
        'to',
        'reason',
        'rollout',
        'mode',
        'hosts',
        'app',
        'remote-dir',
        'health-url',
      ]),
    );
    expect(call.secrets).toEqual(
      expect.objectContaining({ SSH_PRIVATE_KEY: { required: true }, SSH_KNOWN_HOSTS: { required: true } }),
    );
    expect(Object.keys(deployCall.secrets as Yaml)).toEqual(
      expect.arrayContaining(['SSH_PRIVATE_KEY', 'SSH_KNOWN_HOSTS']),
    );
  });

  it('runs in the environment, in the deploy’s concurrency group, its token recording deployments and reading packages', () => {
    const deployJob = (load('.github/workflows/deploy.yml').jobs as Record<string, Yaml>).deploy!;
    expect(wf.permissions).toEqual({});
    // packages: read pulls a pruned ghcr.io image again: the deploy logged its hosts out.
    expect(job.permissions).toEqual({ deployments: 'write', packages: 'read' });
    expect(job.environment).toEqual({ name: '${{ inputs.environment }}', deployment: false });
    expect(job.concurrency).toEqual(deployJob.concurrency);
    const step = (job.steps as Yaml[]).find((s) => s.id === 'rollback')!;
    expect(step.uses).toBe('njord/deploy/actions/rollback@v1');
  });

  const reason = sandboxUnavailableReason();
  describe.skipIf(!!reason)(`called on the sandbox${reason ? ` (skipped: ${reason})` : ''}`, () => {
    let a: TestApp;
    let api: GithubApi | undefined;
    afterAll(async () => {
      if (a) removeApp(a);
      await api?.close();
    });

    it('rolls the hosts back to the previous release and says which', async () => {
      const info = sandboxInfo();
      const repo = `njord-test/rollback-wf-${process.pid}`;
      const v1 = await versionImage(info, repo, 'v1');
      const v2 = await versionImage(info, repo, 'v2');
      a = await newApp(info, 'rb-wf');
      const d1 = await deploy(info, a, v1.refByDigest);
      const d2 = await deploy(info, a, v2.refByDigest);
      expect(d2.exitCode, visibleLog(d2)).toBe(0);

      const token = 'ghs_rollbackWorkflowToken42';
      api = await startGithubApi({ token });
      const r = await runWorkflow('.github/workflows/rollback.yml', {
        ...rollbackWorkflowCall(info, a, {
          environment: 'production',
          'environment-url': 'https://shop.example.com',
          reason: 'from the workflow test',
        }),
        env: { GITHUB_TOKEN: token, GITHUB_API_URL: api.url },
      });
      const step = r.step('rollback');
      expect(step.result, step.run ? visibleLog(step.run) : '').toBe('success');
      expect(step.inputs).toMatchObject({ to: 'previous', 'health-timeout': '60' });
      expect(r.outputs).toEqual({
        status: 'rolled-back',
        release: d1.outputs.release,
        'rolled-back-from': d2.outputs.release,
      });
      expect(await served(a)).toBe('v1');
      expect(currentOnHost(a)).toBe(d1.outputs.release);
      expect(historyOnHost(a).at(-1)).toMatchObject({ event: 'rollback', reason: 'from the workflow test' });
      // Recorded on GitHub for the commit the release put back was built from.
      const built = JSON.parse(onHost(`cat ${a.root}/releases/${d1.outputs.release}/release.json`)) as {
        gitSha: string;
      };
      expect(api.deployments).toHaveLength(1);
      expect(api.deployments[0]).toMatchObject({
        sha: built.gitSha,
        environment: 'production',
        task: 'deploy:rollback',
      });
      expect(api.deployments[0]!.statuses.map((x) => x.state)).toEqual(['in_progress', 'success']);
      expect(api.active('production')).toEqual([api.deployments[0]]);
      // In progress while the rollback ran (before the host recorded it done), then active with the
      // app's address as its link.
      const posted = (state: string) =>
        api!.calls.find((c) => c.path.endsWith('/statuses') && c.body?.state === state)!;
      const done = Date.parse(historyOnHost(a).at(-1)!.time);
      expect(posted('in_progress').at).toBeLessThan(done);
      expect(posted('success').at).toBeGreaterThanOrEqual(done);
      expect(posted('in_progress').body).not.toHaveProperty('environment_url');
      expect(posted('success').body).toMatchObject({
        state: 'success',
        environment_url: 'https://shop.example.com',
        log_url: expect.stringMatching(/\/actions\/runs\/\d+$/),
      });
    });
  });
});
