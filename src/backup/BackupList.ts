// The backups on one host, each with its manifest (none: it never finished).
import type { HostSession } from '../ssh/HostSession.js';
import { parseReleaseList } from '../remote/ReleaseCommands.js';
import { BackupDirCommands } from '../remote/backup/BackupDirCommands.js';
import { parseManifest, type BackupManifest } from './BackupManifest.js';
import type { BackupListing } from './Retention.js';

export type ListedBackup = BackupListing & { manifest?: BackupManifest };

export async function listBackups(s: HostSession): Promise<ListedBackup[]> {
  const out = (await s.ssh.run('list backups', new BackupDirCommands(s.layout).list())).stdout;
  return parseReleaseList(out).map(({ id, json }) => {
    const manifest = json ? parseManifest(json) : undefined;
    return { id, complete: !!manifest, createdAt: manifest?.createdAt, manifest };
  });
}
