// manifest.json: what a backup holds, from which release, and the sha256 of every archive. It is
// written last, so a backup directory without one is a backup that never finished.
import type { Compression } from './Compression.js';
import type { DatabaseEngine } from './DatabaseSpec.js';

export const MANIFEST_FILE = 'manifest.json';

export type ArchiveKind = 'volume' | 'path' | 'database';
export type BackupReason = 'backup' | 'pre-deploy' | 'pre-restore';
export type VerifyLevel = 'checksum' | 'list' | 'restore';

export interface ArchiveEntry {
  file: string;
  kind: ArchiveKind;
  /** Volume name as Docker knows it, host path, or compose service. */
  name: string;
  /** Bytes stored (compressed, and encrypted when encryptedTo is set). */
  size: number;
  sha256: string;
  /** Bytes before compression: the files' sizes in a tar archive, or the dump's (when it was listed). */
  rawSize?: number;
  /** Entries in the tar archive, counted when it was listed end to end. */
  entries?: number;
  compression: Compression;
  encrypted: boolean;
  volume?: { name: string; labels: Record<string, string> };
  path?: string;
  database?: { service: string; engine: DatabaseEngine; target?: string };
  /** Compose services whose containers used this volume when it was backed up. */
  services?: string[];
}

export interface BackupManifest {
  format: 1;
  id: string;
  app: string;
  host: string;
  reason: BackupReason;
  createdAt: string;
  completedAt: string;
  /** The release that was current when the backup was taken. */
  release?: string;
  image?: string;
  compression: Compression;
  encryptedTo?: string[];
  /** Where age ran: on the host, or on the runner as the archive streamed (destination artifact alone, no age on the host). Absent in older manifests: the host. */
  encryptedOn?: 'host' | 'runner';
  archives: ArchiveEntry[];
  stoppedServices: string[];
  verified: VerifyLevel;
  durationMs: number;
  runUrl?: string;
  actor?: string;
}

/** Backup ids sort by time: 20261123-181652-123, with -pre-deploy / -pre-restore for safety copies. */
export function newBackupId(now: Date, reason: BackupReason = 'backup'): string {
  const iso = now.toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${iso.slice(20, 23)}`;
  return reason === 'backup' ? stamp : `${stamp}-${reason}`;
}

export const BACKUP_ID = /^[0-9]{8}-[0-9]{6}-[0-9]{3}(-pre-deploy|-pre-restore)?$/;

/**
 * A backup `backup-id: latest` may pick: any but a restore's safety copy. The -pre-restore copy is
 * newer than the backup its restore put back, so re-running that restore with latest would undo
 * it. A -pre-deploy backup is the app's data just before a deploy: after a bad migration it is the
 * one to restore, so it counts.
 */
export function isRegularBackup(id: string, manifest?: Pick<BackupManifest, 'reason'>): boolean {
  return !/-pre-restore$/.test(id) && (manifest?.reason ?? 'backup') !== 'pre-restore';
}

/** When a backup was taken, read from its id (manifests may be missing on incomplete ones). */
export function backupTime(id: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{3})/.exec(id);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!));
}

export function parseManifest(text: string): BackupManifest | undefined {
  try {
    const m = JSON.parse(text) as BackupManifest;
    return m && m.format === 1 && Array.isArray(m.archives) ? m : undefined;
  } catch {
    return undefined;
  }
}

/** A file name for an archive: the kind, a readable slug of the name, the format's extensions. */
export function archiveFileName(kind: ArchiveKind, name: string, ext: string, taken: Set<string>): string {
  const slug =
    name
      .replace(/^\/+/, '')
      .replace(/[^A-Za-z0-9_.-]+/g, '_')
      .replace(/^[._]+/, '')
      .slice(0, 80) || 'root';
  let file = `${kind}-${slug}.${ext}`;
  for (let i = 2; taken.has(file); i++) file = `${kind}-${slug}-${i}.${ext}`;
  taken.add(file);
  return file;
}
