// `backup-id: latest` is the newest backup but a restore's safety copy: never a -pre-restore one
// (restoring it would undo the restore that made it); a -pre-deploy backup counts. The host's side runs its real
// listing command with the local sh over a folder of backups.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackupManifest, BackupReason } from '../../src/backup/BackupManifest.js';
import { HostRestore, type RestoreSpec } from '../../src/backup/HostRestore.js';
import { backupForHost, type RunnerBackup } from '../../src/backup/RunnerBackup.js';
import type { HostSession } from '../../src/ssh/HostSession.js';
import { silentLog } from '../../src/report/Log.js';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { scratchDir } from '../support/scratchDir.js';

const root = scratchDir('njord-latest-');

function manifest(id: string, host = 'deploy@a'): BackupManifest {
  const reason = (/-(pre-deploy|pre-restore)$/.exec(id)?.[1] ?? 'backup') as BackupReason;
  return { format: 1, id, app: 'shop', host, reason, archives: [] } as unknown as BackupManifest;
}

/** An app root whose backups folder holds these backups (an id ending in '!': one that never finished). */
function hostWith(ids: string[]): ReleaseLayout {
  const layout = new ReleaseLayout(mkdtempSync(join(root, 'app-')));
  for (const raw of ids) {
    const id = raw.replace(/!$/, '');
    mkdirSync(layout.backup(id), { recursive: true });
    if (!raw.endsWith('!')) writeFileSync(join(layout.backup(id), 'manifest.json'), JSON.stringify(manifest(id)));
  }
  return layout;
}

class Stop extends Error {}

/** The backup a restore on this host picks: the one it reports (its backup-id output), or its error. */
async function picked(layout: ReleaseLayout, backupId: string): Promise<string> {
  const session = {
    spec: { label: 'deploy@a' },
    layout,
    ssh: {
      run: async (what: string, cmd: string) => {
        // Only the listing runs; anything after the pick ends the test.
        if (what !== 'list backups') throw new Stop(what);
        const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
      },
    },
  } as unknown as HostSession;
  const spec: RestoreSpec = { backupId, identities: [], safetyBackup: true };
  const r = new HostRestore(session, 'shop', spec, 'tok', silentLog);
  try {
    await r.prepare();
  } catch (err) {
    if (!(err instanceof Stop)) return (err as Error).message;
  }
  return r.result.backupId!;
}

describe('backup-id: latest on a host', () => {
  it('is the newest backup, not the safety copy a restore took after it', async () => {
    const layout = hostWith([
      '20261201-010000-000',
      '20261202-010000-000',
      '20261202-030000-000-pre-deploy',
      '20261202-040000-000-pre-restore',
      '20261203-010000-000!',
    ]);
    // The pre-deploy backup is the app's data before a deploy: latest takes it.
    expect(await picked(layout, 'latest')).toBe('20261202-030000-000-pre-deploy');
    expect(await picked(layout, '20261202-040000-000-pre-restore')).toBe('20261202-040000-000-pre-restore');
    // A safety copy is restored when it is named.
    expect(await picked(layout, '20261201-010000-000')).toBe('20261201-010000-000');
  });

  it('says so when the host holds only safety copies, naming them', async () => {
    const layout = hostWith(['20261202-020000-000-pre-restore']);
    expect(await picked(layout, 'latest')).toBe(
      `Input 'backup-id': deploy@a has no complete backup of shop in ${layout.backupsDir} besides safety copies (20261202-020000-000-pre-restore); name one in backup-id to restore it`,
    );
  });
});

describe('backup-id: latest in backup-dir', () => {
  it('is the newest backup there, not a safety copy', () => {
    const backups: RunnerBackup[] = [
      '20261201-010000-000',
      '20261202-020000-000-pre-deploy',
      '20261202-030000-000-pre-restore',
    ].map((id) => ({ dir: join(root, id), manifest: manifest(id) }));
    expect(backupForHost(backups, 'deploy@a', 'latest').manifest.id).toBe('20261202-020000-000-pre-deploy');
    expect(backupForHost(backups, 'deploy@a', '20261202-030000-000-pre-restore').manifest.id).toBe(
      '20261202-030000-000-pre-restore',
    );
    expect(() => backupForHost(backups.slice(2), 'deploy@a', 'latest')).toThrow(
      "Input 'backup-id': backup-dir holds only safety copies: 20261202-030000-000-pre-restore (deploy@a); name one in backup-id to restore it",
    );
  });
});
