// destination: artifact. The archive streams from the host to the runner's disk and is uploaded
// with @actions/artifact to a local stand-in of GitHub's artifact service (backupKit.ts); the
// upload is then unzipped and checked against the manifest and the volume, and restored from the
// runner (restore's backup-dir).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { sh, type TestImage } from '../sandbox/Sandbox.js';
import { visibleLog, type TestApp } from '../support/deployKit.js';
import { onHost } from '../support/hostState.js';
import { backupAction, ensureHostTools, restoreAction } from '../support/backupKit.js';
import { killWhen } from '../support/stepKiller.js';
import { backupsOnHost, inVolume, serviceContainerIds, volumeFingerprint, webRunning } from '../support/appData.js';
import { suiteArtifactService, unzip } from '../support/artifactService.js';
import { backupTestImage, describeOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';

describeOnSandbox('backup to a workflow artifact', () => {
  const info = sandboxInfo();
  let v1: TestImage;
  let app: TestApp;
  const apps = suiteApps();
  const { uploads: uploaded, env } = suiteArtifactService();

  beforeAll(async () => {
    ensureHostTools();
    v1 = await backupTestImage(info);
    app = await apps.deployed('bk-artifact', v1.ref);
    inVolume(app, v1.ref, 'head -c 5000000 /dev/urandom > /data/blob.bin && echo hello > /data/hello.txt');
  });

  /** A backup uploaded unencrypted, as these tests read the artifact's archives in the clear. */
  const clearArtifactBackup = (inputs: Record<string, string>) =>
    backupAction(info, app, { ...inputs, 'unencrypted-artifact': 'true' }, { env: env() });

  it('streams the archive to the runner and uploads it with the manifest, keeping a host copy too', async () => {
    const b = await clearArtifactBackup({ destination: 'host, artifact', compression: 'gzip' });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    const id = b.outputs['backup-id']!;
    expect(b.outputs['artifact-id']).toBe('4242');
    expect(b.outputs['artifact-name']).toBe(`${app.name}-backup-${id}`);
    const u = uploaded().at(-1)!;
    expect(u.create).toMatchObject({
      workflow_run_backend_id: 'run-backend-1',
      workflow_job_run_backend_id: 'job-backend-1',
      name: `${app.name}-backup-${id}`,
    });
    const files = unzip(u.blob!);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest).toEqual(JSON.parse(b.outputs.manifest!));
    const archive = manifest.archives[0];
    const bytes = files.get(archive.file)!;
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(archive.sha256);
    expect(u.finalize).toMatchObject({ name: `${app.name}-backup-${id}`, size: String(u.blob!.length) });
    // The host copy is the same bytes, and complete.
    expect(onHost(`sha256sum < ${app.root}/backups/${id}/${archive.file} | cut -c1-64`)).toBe(archive.sha256);
    expect(backupsOnHost(app)).toContainEqual({ id, complete: true });
    // What reached the runner is the volume: listed with the runner's own tar.
    const copy = join(mkdtempSync(join(tmpdir(), 'njord-artifact-')), archive.file);
    writeFileSync(copy, bytes);
    const listing = sh(`tar -tzf ${copy}`);
    rmSync(dirname(copy), { recursive: true, force: true });
    expect(listing).toContain('./hello.txt');
    expect(b.summary).toContain(`uploaded artifact \`${app.name}-backup-${id}\``);
  });

  it('with destination artifact alone, keeps nothing on the host', async () => {
    const before = backupsOnHost(app);
    const b = await clearArtifactBackup({ destination: 'artifact', compression: 'zstd' });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    const files = unzip(uploaded().at(-1)!.blob!);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest.archives[0].file).toMatch(/\.tar\.zst$/);
    expect(createHash('sha256').update(files.get(manifest.archives[0].file)!).digest('hex')).toBe(
      manifest.archives[0].sha256,
    );
    expect(backupsOnHost(app)).toEqual(before);

    // Downloaded (as actions/download-artifact leaves one artifact: its files in one folder) and
    // restored from the runner over a changed volume: the volume is as it was backed up.
    const want = volumeFingerprint(app, v1.ref);
    inVolume(app, v1.ref, 'rm /data/hello.txt && echo changed > /data/blob.bin');
    const dir = mkdtempSync(join(tmpdir(), 'njord-downloaded-'));
    try {
      for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
      const r = await restoreAction(info, app, { 'backup-dir': dir });
      expect(r.exitCode, visibleLog(r)).toBe(0);
      expect(r.outputs['backup-id']).toBe(b.outputs['backup-id']);
      expect(volumeFingerprint(app, v1.ref)).toBe(want);
      expect(onHost(`ls -A ${app.root}/backups | grep -c '^\\.incoming' || true`)).toBe('0');

      // Killed once the archive is on the host: the post step removes it, and starts what was stopped.
      const k = await restoreAction(info, app, { 'backup-dir': dir }, { onSpawn: killWhen('sent volume-', 0) });
      expect(k.signal).toBe('SIGKILL');
      expect(k.post?.exitCode, visibleLog(k)).toBe(0);
      expect(onHost(`ls -A ${app.root}/backups | grep -c '^\\.incoming' || true`)).toBe('0');
      expect(onHost(`ls -A ${app.root}`)).not.toContain('.lock');
      expect(webRunning(app)).toBe(true);

      // The host cannot take the archive (its backups folder is read-only): it fails before any
      // service stops, naming what failed, and nothing changed.
      const started = onHost(`docker inspect -f '{{.State.StartedAt}}' $(${serviceContainerIds(app, 'web')})`);
      const content = volumeFingerprint(app, v1.ref);
      const mode = onHost(`stat -c %a ${app.root}/backups`);
      onHost(`chmod 500 ${app.root}/backups`);
      try {
        const f = await restoreAction(info, app, { 'backup-dir': dir });
        expect(f.exitCode).toBe(1);
        expect(visibleLog(f)).toMatch(
          /sending volume-\S+ to \S+\/backups\/\.incoming-[0-9a-f]+ failed \(exit 1\): .*Permission denied.*Nothing was changed\./,
        );
      } finally {
        onHost(`chmod ${mode} ${app.root}/backups`);
      }
      expect(onHost(`docker inspect -f '{{.State.StartedAt}}' $(${serviceContainerIds(app, 'web')})`)).toBe(started);
      expect(volumeFingerprint(app, v1.ref)).toBe(content);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails clearly without the Actions runtime, before touching the host', async () => {
    const before = backupsOnHost(app);
    const b = await backupAction(info, app, { destination: 'artifact', 'unencrypted-artifact': 'true' });
    expect(b.exitCode).toBe(1);
    expect(visibleLog(b)).toContain('destination artifact needs the GitHub Actions runtime');
    expect(visibleLog(b)).not.toContain('connected');
    expect(backupsOnHost(app)).toEqual(before);
  });

  it('refuses an artifact in the clear unless unencrypted-artifact says so, before touching the host', async () => {
    const before = backupsOnHost(app);
    const b = await backupAction(info, app, { destination: 'artifact' }, { env: env() });
    expect(b.exitCode).toBe(1);
    expect(visibleLog(b)).toContain("Input 'encrypt-to': destination artifact uploads the volumes and dumps to GitHub");
    expect(visibleLog(b)).not.toContain('connected');
    expect(backupsOnHost(app)).toEqual(before);
  });
});
