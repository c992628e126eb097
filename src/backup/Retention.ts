// Which backups to delete: only complete ones (a manifest was written), beyond `keep` newest or
// older than `keepDays`, and never the newest complete backup, whatever the limits say.
import { backupTime } from './BackupManifest.js';

export interface BackupListing {
  id: string;
  complete: boolean;
  createdAt?: string;
}

export interface RetentionPolicy {
  /** How many complete backups to keep; 0 = no count limit. */
  keep: number;
  /** Delete complete backups older than this many days; undefined = no age limit. */
  keepDays?: number;
}

export function backupsToPrune(list: BackupListing[], policy: RetentionPolicy, now: Date): string[] {
  const complete = list
    .filter((b) => b.complete)
    .map((b) => ({ id: b.id, time: b.createdAt ? new Date(b.createdAt) : backupTime(b.id) }))
    .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const cutoff = policy.keepDays === undefined ? undefined : now.getTime() - policy.keepDays * 86_400_000;
  return complete
    .filter((b, i) => {
      if (i === 0) return false;
      if (policy.keep > 0 && i >= policy.keep) return true;
      return cutoff !== undefined && b.time !== undefined && !isNaN(b.time.getTime()) && b.time.getTime() < cutoff;
    })
    .map((b) => b.id)
    .sort();
}
