// The whole pipeline as a user gets it: .github/workflows/deploy.yml itself, its jobs and steps run in
// order through the bundled actions against the sandbox (validate the sample app's config, build it
// and push it to the local registry, back up, deploy by the digest build-push returned, health gate),
// then a rollback and the backup workflow, with the GitHub Deployments calls recorded by the local
// stand-in of GitHub's REST API.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/runAction.js';
import { buildTestImage, freePort, sandboxUnavailableReason, type TestImage } from '../sandbox/Sandbox.js';
import { removeApp, served as servedOn, visibleLog, type TestApp } from '../support/deployKit.js';
import { currentOnHost, onHost } from '../support/hostState.js';
import { startGithubApi, type GithubApi } from '../support/githubApiServer.js';
import { rollbackWorkflowCall } from '../support/rollbackKit.js';
import { runWorkflow, type WorkflowResult } from '../support/workflowRun.js';
import { sandboxInfo } from '../support/sandboxSuite.js';

const reason = sandboxUnavailableReason();
const TOKEN = 'ghs_pipelineTestToken0123456789';
const APP_SECRET = 'pipeline-api-key-7f3a9c2e51';

describe.skipIf(!!reason)(`the deploy workflow end to end${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const info = sandboxInfo();
  let base: TestImage;
  let api: GithubApi;
  let app: TestApp;
  let repo: string;
  const shas = { v1: '1a'.repeat(20), v2: '2b'.repeat(20), bad: '3c'.repeat(20) };
  const runs: Record<string, WorkflowResult> = {};

  beforeAll(async () => {
    // The sample Dockerfile's BASE: busybox, FROM scratch (Docker Hub is not reachable here).
    base = await buildTestImage(info, { repo: 'njord-test/pipeline-base', tag: 'busybox', version: 'base' });
    api = await startGithubApi({ token: TOKEN });
    const name = `pipeline-${process.pid}`;
    const workspace = mkdtempSync(join(tmpdir(), 'njord-ws-pipeline-'));
    cpSync(join(repoRoot, 'examples/app'), workspace, { recursive: true });
    app = { name, port: await freePort(), workspace, root: `${info.homeDir}/njord/${name}`, server: info.server };
    repo = `${info.registry}/njord-test/${name}`;
  });

  afterAll(async () => {
    await api?.close();
    if (app) {
      removeApp(app);
      rmSync(app.workspace, { recursive: true, force: true });
    }
  });

  const pushOf = (version: keyof typeof shas, extra: Record<string, string | boolean> = {}) =>
    runWorkflow('.github/workflows/deploy.yml', {
      inputs: {
        environment: 'production',
        'environment-url': `http://127.0.0.1:${app.port}/`,
        hosts: info.hostSpec,
        app: app.name,
        'config-files': 'config/*.yml',
        'config-schema': 'config/app.schema.json',
        'health-url': `http://127.0.0.1:${app.port}/health`,
        'health-timeout': '30',
        env: `PORT=${app.port}\nGREETING=hello from the pipeline test`,
        image: repo,
        'build-args': `BASE=${base.ref}\nAPP_VERSION=${version}`,
        ...extra,
      },
      secrets: {
        SSH_PRIVATE_KEY: info.privateKey,
        SSH_KNOWN_HOSTS: info.knownHosts,
        APP_SECRETS: `API_KEY=${APP_SECRET}`,
      },
      workspace: app.workspace,
      env: {
        GITHUB_SHA: shas[version],
        GITHUB_TOKEN: TOKEN,
        GITHUB_API_URL: api.url,
        GITHUB_RUN_ID: String(7_000_000 + Object.keys(runs).length),
      },
    });
  // The app's port is on the server's loopback: fetched there, not from the runner.
  const served = (path: string) => servedOn(app, path);
  const failures = (r: WorkflowResult) =>
    r.steps.filter((s) => s.result === 'failure').map((s) => `${s.name}:\n${s.run ? visibleLog(s.run) : ''}`);

  it('validates, builds and pushes the sample app, and deploys it by digest through the health gate', async () => {
    // A first deploy has nothing to back up yet.
    const r = (runs.v1 = await pushOf('v1'));
    expect(failures(r)).toEqual([]);
    expect(r.steps.map((s) => `${s.job}: ${s.name} ${s.result}`)).toEqual([
      'build: actions/checkout@v4 success',
      'build: Validate config success',
      'build: Build and push success',
      'deploy: actions/checkout@v4 success',
      'deploy: Back up skipped',
      'deploy: Deploy success',
    ]);
    expect(r.step('Validate config').run!.outputs).toMatchObject({ valid: 'true', 'error-count': '0' });

    const imageRef = r.step('image').run!.outputs['image-ref']!;
    expect(imageRef).toMatch(new RegExp(`^${repo}@sha256:[0-9a-f]{64}$`));
    expect(r.step('deploy').inputs!.image).toBe(imageRef);
    expect(r.outputs).toEqual({
      status: 'deployed',
      release: r.step('deploy').run!.outputs.release,
      'image-ref': imageRef,
    });
    expect(currentOnHost(app)).toBe(r.outputs.release);
    const manifest = JSON.parse(onHost(`cat ${app.root}/releases/${r.outputs.release}/release.json`));
    expect(manifest).toMatchObject({ image: imageRef, gitSha: shas.v1, status: 'active' });

    expect(await served('/version')).toBe('v1');
    expect(await served('/config.yml')).toContain('greeting: hello from njord');
    // The app secret reached the container, and no log.
    const web = `$(docker ps -q --filter label=com.docker.compose.project=${app.name} | head -1)`;
    expect(onHost(`docker exec ${web} sh -c 'echo "$API_KEY"'`)).toBe(APP_SECRET);
    for (const s of r.steps) if (s.run) expect(visibleLog(s.run)).not.toContain(APP_SECRET);

    expect(api.deployments).toHaveLength(1);
    expect(api.deployments[0]).toMatchObject({ sha: shas.v1, environment: 'production', production: true });
    expect(api.deployments[0]!.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(api.deployments[0]!.statuses[1]).toMatchObject({
      environment_url: `http://127.0.0.1:${app.port}/`,
      log_url: 'https://github.com/acme/shop/actions/runs/7000000',
    });
  });

  it('the next push is backed up first, then deployed; the replaced deployment goes inactive', async () => {
    const r = (runs.v2 = await pushOf('v2', { 'backup-before': true }));
    expect(failures(r)).toEqual([]);
    expect(r.step('Back up').run!.outputs['backup-id']).toMatch(/\S/);
    expect(r.step('deploy').run!.outputs['previous-release']).toBe(runs.v1!.outputs.release);
    expect(await served('/version')).toBe('v2');
    expect(api.active('production').map((d) => d.sha)).toEqual([shas.v2]);
    expect(api.deployments[0]!.statuses.at(-1)!.state).toBe('inactive');
  });

  it('a config that breaks its schema stops the pipeline before anything is built or deployed', async () => {
    const file = join(app.workspace, 'config/app.yml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('max_upload_mb: 10', 'max_upload_mb: 500'));
    const callsBefore = api.calls.length;
    try {
      const r = (runs.bad = await pushOf('bad'));
      expect(r.steps.map((s) => `${s.job}: ${s.name} ${s.result}`)).toEqual([
        'build: actions/checkout@v4 success',
        'build: Validate config failure',
        'build: Build and push skipped',
      ]);
      expect(r.jobs.deploy!.result).toBe('skipped');
      expect(r.step('Validate config').run!.annotations).toContainEqual(
        expect.objectContaining({ kind: 'error', file: 'config/app.yml', line: 7 }),
      );
    } finally {
      writeFileSync(file, good);
    }
    expect(await served('/version')).toBe('v2');
    expect(api.calls.length).toBe(callsBefore);
    const tags = (await (await fetch(`http://${info.registry}/v2/njord-test/${app.name}/tags/list`)).json()) as {
      tags: string[];
    };
    expect(tags.tags).toContain(`sha-${shas.v2.slice(0, 7)}`);
    expect(tags.tags).not.toContain(`sha-${shas.bad.slice(0, 7)}`);
  });

  it('the rollback workflow puts the first release back, exactly as it ran', async () => {
    const r = await runWorkflow('.github/workflows/rollback.yml', {
      ...rollbackWorkflowCall(info, app, { environment: 'production', reason: 'pipeline test' }),
      env: { GITHUB_SHA: shas.v2, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: api.url },
    });
    expect(failures(r)).toEqual([]);
    expect(r.outputs).toMatchObject({
      status: 'rolled-back',
      release: runs.v1!.outputs.release,
      'rolled-back-from': runs.v2!.outputs.release,
    });
    expect(await served('/version')).toBe('v1');
    // Recorded for the commit that runs again; the deploy of v2 it replaced is no longer active.
    const last = api.deployments.at(-1)!;
    expect(last).toMatchObject({ sha: shas.v1, task: 'deploy:rollback', environment: 'production' });
    expect(api.active('production').map((d) => d.id)).toEqual([last.id]);
  });

  it('the backup workflow backs the app up on its hosts', async () => {
    const r = await runWorkflow('.github/workflows/backup.yml', {
      inputs: { environment: 'production', hosts: info.hostSpec, app: app.name },
      secrets: { SSH_PRIVATE_KEY: info.privateKey, SSH_KNOWN_HOSTS: info.knownHosts },
      workspace: app.workspace,
      env: { GITHUB_SHA: shas.v2, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: api.url },
    });
    expect(failures(r)).toEqual([]);
    expect(r.outputs['backup-id']).toMatch(/\S/);
    expect(onHost(`ls ${app.root}/backups/${r.outputs['backup-id']}/manifest.json`)).toContain('manifest.json');
  });

  it('the restore workflow puts a backup back: one kept on the hosts, or one from an artifact downloaded first', async () => {
    const ssh = { SSH_PRIVATE_KEY: info.privateKey, SSH_KNOWN_HOSTS: info.knownHosts };
    const env = { GITHUB_SHA: shas.v2, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: api.url };
    const b = await runWorkflow('.github/workflows/backup.yml', {
      inputs: { environment: 'production', hosts: info.hostSpec, app: app.name },
      secrets: ssh,
      workspace: app.workspace,
      env,
    });
    expect(failures(b)).toEqual([]);
    const id = b.outputs['backup-id']!;
    const inData = (script: string) =>
      onHost(`docker run --rm -v ${app.name}_data:/data --entrypoint /bin/sh ${base.ref} -c '${script}'`);
    // The app appends to ./boots each time it starts: a restore restarts it.
    const listing = () => inData('cd /data && find . -type f ! -name boots | sort | xargs sha256sum');
    const want = listing();

    inData('echo changed > /data/changed.txt');
    expect(listing()).not.toBe(want);
    const fromHost = await runWorkflow('.github/workflows/restore.yml', {
      inputs: { environment: 'production', hosts: info.hostSpec, app: app.name, 'backup-id': id },
      secrets: ssh,
      workspace: app.workspace,
      env,
    });
    expect(failures(fromHost)).toEqual([]);
    expect(fromHost.step('Download the backup artifact').result).toBe('skipped');
    expect(fromHost.outputs['backup-id']).toBe(id);
    expect(fromHost.outputs['safety-backup-id']).toMatch(/-pre-restore$/);
    expect(listing()).toBe(want);

    // The same backup as its artifact holds it (the files destination: artifact uploads).
    const dir = `${app.root}/backups/${id}`;
    const files = new Map(
      onHost(`ls ${dir}`)
        .split('\n')
        .map((f) => [f, Buffer.from(onHost(`base64 -w0 ${dir}/${f}`), 'base64')] as const),
    );
    inData('echo changed again > /data/changed.txt');
    const name = `${app.name}-backup-${id}`;
    try {
      const fromArtifact = await runWorkflow('.github/workflows/restore.yml', {
        inputs: { environment: 'production', hosts: info.hostSpec, app: app.name, 'artifact-name': name },
        secrets: ssh,
        workspace: app.workspace,
        env,
        artifacts: { [name]: files },
      });
      expect(failures(fromArtifact)).toEqual([]);
      expect(fromArtifact.step('Download the backup artifact').result).toBe('success');
      expect(fromArtifact.step('restore').inputs).toMatchObject({
        'backup-dir': 'njord-backup',
        'backup-id': 'latest',
      });
      expect(fromArtifact.outputs['backup-id']).toBe(id);
      expect(visibleLog(fromArtifact.step('restore').run!)).toContain(
        `sent ${[...files.keys()].find((f) => f !== 'manifest.json')} (`,
      );
      expect(listing()).toBe(want);

      // An artifact that is not there fails the download, and nothing is restored.
      inData('echo changed once more > /data/changed.txt');
      const missing = await runWorkflow('.github/workflows/restore.yml', {
        inputs: { environment: 'production', hosts: info.hostSpec, app: app.name, 'artifact-name': 'no-such-artifact' },
        secrets: ssh,
        workspace: app.workspace,
        env,
        artifacts: { [name]: files },
      });
      expect(missing.step('Download the backup artifact').result).toBe('failure');
      expect(missing.step('restore').result).toBe('skipped');
      expect(listing()).not.toBe(want);
    } finally {
      rmSync(join(app.workspace, 'njord-backup'), { recursive: true, force: true });
    }
  });
});
