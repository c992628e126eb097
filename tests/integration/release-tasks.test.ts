// Release tasks and notifications on the sandbox, through the bundled dist/deploy: a task writes into
// the app's volume from the new release before it takes traffic; a failing task leaves the previous
// release serving, untouched, with its output and the pre-deploy backup in the summary;
// release-command-on: all; Compose v2; and webhook receivers told exactly once per end, a hanging
// one costing at most 5 s and a warning.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { onServer, type TestImage } from '../sandbox/Sandbox.js';
import { deploy, newApp, served, visibleLog, type TestApp } from '../support/deployKit.js';
import { backupAction } from '../support/backupKit.js';
import { currentOnHost, onHost, releasesOnHost } from '../support/hostState.js';
import { describeOnSandbox, sandboxInfo, suiteApps, versionImage } from '../support/sandboxSuite.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

describeOnSandbox('release tasks', () => {
  const info = sandboxInfo();
  const apps = suiteApps();
  let v1: TestImage;
  let v2: TestImage;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (answer?: number | 'hang') => {
    const r = await startWebhookReceiver(answer);
    receivers.push(r);
    return r;
  };
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
  });
  /** A file of the app's named volume on a server, read with the app's own image. */
  const inVolume = (server: string, a: TestApp, file: string) =>
    onServer(
      server,
      `docker run --rm -v ${a.name}_data:/data ${v1.refByDigest} cat /data/${file} 2>/dev/null || true`,
    ).trim();
  const webContainers = (a: TestApp) =>
    onHost(
      `docker ps -q --no-trunc --filter label=com.docker.compose.project=${a.name} --filter label=com.docker.compose.service=web`,
    );

  beforeAll(async () => {
    v1 = await versionImage(info, 'njord-test/deploy', 'v1');
    v2 = await versionImage(info, 'njord-test/deploy', 'v2');
  });

  it('runs the task in the new release before the switch; a failing one leaves the previous release serving', async () => {
    const a = await apps.app('tasks');
    const first = await deploy(info, a, v1.refByDigest);
    expect(first.exitCode, visibleLog(first)).toBe(0);

    // The task sees the new image (VERSION), and the volume before the new release booted.
    const json = await receiver();
    const migrate = [
      'web: grep -c v2 /data/boots > /data/v2-boots-at-task || true',
      'web: echo "$VERSION" > /data/marker && echo x >> /data/task-runs && echo "migrated to $VERSION"',
    ].join('\n');
    const good = await deploy(info, a, v2.refByDigest, {
      'release-command': migrate,
      notify: `${json.url}/hooks/deploys`,
    });
    expect(good.exitCode, visibleLog(good)).toBe(0);
    expect(await served(a)).toBe('v2');
    expect(inVolume(a.server, a, 'marker')).toBe('v2');
    expect(inVolume(a.server, a, 'v2-boots-at-task')).toBe('0');
    expect(inVolume(a.server, a, 'task-runs')).toBe('x');
    // Streamed to the log as it ran, and a row of the summary with its time.
    expect(good.stdout).toContain(`${info.hostSpec} web| migrated to v2`);
    expect(good.summary).toMatch(/\| `web: echo "\$VERSION" > \/data\/marker[^|]*` \| `?[^|]+`? \| 0 \| [\d.]+ m?s \|/);
    expect(json.messages).toHaveLength(1);
    expect(json.messages[0]!.body).toMatchObject({
      version: 1,
      action: 'deploy',
      app: a.name,
      result: 'succeeded',
      release: good.outputs.release,
      image: v2.refByDigest,
      actor: 'octocat',
      hosts: [info.hostSpec],
    });
    expect(json.messages[0]!.body.run_url).toMatch(/^https:\/\/github\.com\/acme\/shop\/actions\/runs\/\d+$/);

    // A failing migration, with a backup first: nothing switches, the backup is named.
    const before = { containers: webContainers(a), releases: releasesOnHost(a) };
    const hang = await receiver('hang');
    const slack = await receiver();
    const startedAt = Date.now();
    const bad = await deploy(info, a, v1.refByDigest, {
      'release-command': 'web: echo "migrating $VERSION"; echo "boom: no such table" >&2; exit 3',
      'backup-before': 'true',
      notify: `${hang.url}/x\n${slack.url}/services/T1/B2/tok`,
    });
    const endedAt = Date.now();
    expect(bad.exitCode).toBe(1);
    expect(bad.outputs.status).toBe('failed');
    expect(await served(a)).toBe('v2');
    expect(currentOnHost(a)).toBe(good.outputs.release);
    expect(releasesOnHost(a)).toEqual(before.releases);
    expect(webContainers(a)).toBe(before.containers);
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
    expect(bad.summary).toContain('exited 3');
    expect(bad.summary).toContain('boom: no such table');
    expect(bad.summary).toContain('No host was switched: the previous release still serves.');
    const backupId = /backup `([^`]+)` was taken before the release tasks/.exec(bad.summary)?.[1];
    expect(backupId, bad.summary).toMatch(/pre-deploy/);
    expect(bad.summary).toContain(`\`backup-id: ${backupId}\``);
    expect(onHost(`ls ${a.root}/backups`)).toContain(backupId);
    // One message each; the hanging receiver held the step at most 5 s, with a warning.
    expect(slack.messages).toHaveLength(1);
    expect(hang.messages).toHaveLength(1);
    expect(String(slack.messages[0]!.body.text)).toContain(`*Deploy of ${a.name} failed*`);
    expect(String(slack.messages[0]!.body.text)).toContain('exited 3');
    expect(endedAt - hang.messages[0]!.at).toBeLessThan(6500);
    expect(bad.stdout).toContain('::warning::notify: webhook 1 (127.0.0.1): no answer within 5 s');
    expect(endedAt - startedAt).toBeGreaterThan(5000);

    // The pipeline's own backup step, in the same workflow run: the failed deploy names that backup.
    const run = { GITHUB_RUN_ID: String(7_000_000_000 + Math.floor(Math.random() * 1e9)) };
    const backupHook = await receiver();
    const pipelineBackup = await backupAction(info, a, { notify: `${backupHook.url}/ops` }, { env: run });
    expect(pipelineBackup.exitCode, visibleLog(pipelineBackup)).toBe(0);
    expect(backupHook.messages.map((m) => [m.body.action, m.body.result, m.body.backup_id])).toEqual([
      ['backup', 'succeeded', pipelineBackup.outputs['backup-id']],
    ]);
    const named = await deploy(info, a, v1.refByDigest, { 'release-command': 'web: exit 4' }, { env: run });
    expect(named.exitCode).toBe(1);
    expect(named.summary).toContain(`\`backup-id: ${pipelineBackup.outputs['backup-id']}\``);
    expect(await served(a)).toBe('v2');
  });

  it('release-command-on: all runs on every host; first (the default) on the first only', async (ctx) => {
    if (info.servers.length < 2) return ctx.skip(`the sandbox has ${info.servers.length} server(s), this needs 2`);
    const [s1, s2] = [info.servers[0]!, info.servers[1]!];
    const a = await newApp(info, 'tasks-all');
    apps.track(a, { ...a, server: s2.name });
    const hosts = `${s1.hostSpec}\n${s2.hostSpec}`;
    const task = 'web: echo "$VERSION" >> /data/marker';
    const once = await deploy(info, a, v1.refByDigest, { hosts, 'release-command': task });
    expect(once.exitCode, visibleLog(once)).toBe(0);
    expect([inVolume(s1.name, a, 'marker'), inVolume(s2.name, a, 'marker')]).toEqual(['v1', '']);
    const everywhere = await deploy(info, a, v2.refByDigest, {
      hosts,
      'release-command': task,
      'release-command-on': 'all',
    });
    expect(everywhere.exitCode, visibleLog(everywhere)).toBe(0);
    expect([inVolume(s1.name, a, 'marker'), inVolume(s2.name, a, 'marker')]).toEqual(['v1\nv2', 'v2']);
  });

  it('runs with Compose v2 too, on a first deploy', async (ctx) => {
    if (!info.composeV2) return ctx.skip(`no Compose v2 user: ${info.composeV2Missing}`);
    const a = await apps.app('tasks-v2', { composeV2: true });
    const run = await deploy(info, a, v2.refByDigest, { 'release-command': 'web: echo "$VERSION" > /data/marker' });
    expect(run.exitCode, visibleLog(run)).toBe(0);
    expect(await served(a)).toBe('v2');
    expect(inVolume(a.server, a, 'marker')).toBe('v2');
  });
});
