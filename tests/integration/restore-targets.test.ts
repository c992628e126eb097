// What backup and restore may touch on a server: never the app's own remote-dir, and from a
// backup brought from the runner (backup-dir) only what the operator names or the app owns. A
// crafted artifact (its manifest is its own word) is refused before anything on the host changes.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { onServer, sh } from '../sandbox/Sandbox.js';
import { backupsOnHost } from '../support/appData.js';
import { backupAction, restoreAction } from '../support/backupKit.js';
import { visibleLog, type TestApp } from '../support/deployKit.js';
import { describeOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';

describeOnSandbox('restore targets', () => {
  const info = sandboxInfo();
  const apps = suiteApps();
  let app: TestApp;
  let victim: string;
  const scratch = mkdtempSync(join(tmpdir(), 'njord-crafted-'));

  beforeAll(async () => {
    app = await apps.app('rs-targets');
    // A directory the SSH user owns that no backup of the app holds, and the app's own root.
    victim = `${dirname(app.root)}/victim-${app.name}`;
    onServer(app.server, `mkdir -p ${victim} ${app.root}/backups && echo mine > ${victim}/keep.txt`);
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
    if (app) onServer(app.server, `rm -rf ${victim}`);
  });

  /** A backup folder as download-artifact leaves one, whose manifest restores `path`. */
  function craftedArtifact(path: string): string {
    const dir = mkdtempSync(join(scratch, 'artifact-'));
    sh(
      `mkdir -p ${dir}/src && echo planted > ${dir}/src/evil.txt && tar -czf ${dir}/path-x.tar.gz -C ${dir}/src . && rm -r ${dir}/src`,
    );
    const archive = readFileSync(join(dir, 'path-x.tar.gz'));
    const now = new Date().toISOString();
    const manifest = {
      format: 1,
      id: '20261206-100000-000',
      app: app.name,
      host: 'elsewhere',
      reason: 'backup',
      createdAt: now,
      completedAt: now,
      compression: 'gzip',
      archives: [
        {
          file: 'path-x.tar.gz',
          kind: 'path',
          name: path,
          path,
          size: archive.length,
          sha256: createHash('sha256').update(archive).digest('hex'),
          compression: 'gzip',
          encrypted: false,
        },
      ],
      stoppedServices: [],
      verified: 'checksum',
      durationMs: 1,
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    return dir;
  }

  const victimFiles = () => onServer(app.server, `ls ${victim}`).trim();

  it('refuses a runner backup that writes a path nobody named, and restores it once named', async () => {
    const dir = craftedArtifact(victim);
    const r = await restoreAction(info, app, { 'backup-dir': dir });
    expect(r.exitCode, visibleLog(r)).not.toBe(0);
    expect(r.stdout).toContain(`Input 'paths': the backup in backup-dir would restore ${victim} on`);
    expect(victimFiles()).toBe('keep.txt');
    expect(backupsOnHost(app)).toEqual([]);

    const named = await restoreAction(info, app, { 'backup-dir': dir, paths: victim, 'safety-backup': 'false' });
    expect(named.exitCode, visibleLog(named)).toBe(0);
    expect(victimFiles()).toBe('evil.txt');
  });

  it("refuses a runner backup over the app's remote-dir, and backup or restore paths that hold it", async () => {
    const over = await restoreAction(info, app, { 'backup-dir': craftedArtifact(dirname(app.root)) });
    expect(over.exitCode).not.toBe(0);
    expect(over.stdout).toContain(`${dirname(app.root)} holds the app's remote-dir ${app.root} on`);
    expect(onServer(app.server, `test -d ${app.root}/backups && echo kept`).trim()).toBe('kept');

    const b = await backupAction(info, app, { paths: dirname(app.root), volumes: 'none' });
    expect(b.exitCode).not.toBe(0);
    expect(b.stdout).toContain(`Input 'paths': ${dirname(app.root)} holds the app's remote-dir ${app.root}`);
    const inside = await backupAction(info, app, { paths: `${app.root}/backups`, volumes: 'none' });
    expect(inside.stdout).toContain(`${app.root}/backups lies inside the app's remote-dir ${app.root}`);
    const dots = await backupAction(info, app, { paths: '/srv/..', volumes: 'none' });
    expect(dots.stdout).toContain("Input 'paths': '/srv/..' is the whole host");
    expect(backupsOnHost(app)).toEqual([]);
  });
});
