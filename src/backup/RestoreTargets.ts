// What a restore may overwrite. A backup brought from the runner speaks for itself only: its
// sha256 values come from its own manifest and age does not authenticate who encrypted it. So
// from the runner, a path or volume is written only when the operator named it, or when it is the
// app's own on the host (a volume of its compose project, a path of its backups there). No
// restore, from anywhere, writes over the app's root.
import { posix } from 'node:path';
import { InputError } from '../inputs/InputError.js';
import { VOLUME_NAME } from './BackupConfig.js';
import type { ArchiveEntry, BackupManifest } from './BackupManifest.js';
import { refuseAppRoot } from './HostPaths.js';
import type { VolumeInfo } from './HostInventory.js';

export interface RestoreTargetFacts {
  host: string;
  app: string;
  /** The app's root on the host (remote-dir resolved). */
  root: string;
  /** The backup came from the runner (backup-dir), not from the host's own backups. */
  fromRunner: boolean;
  /** `paths` as the operator gave them, resolved on the host; undefined when not given. */
  namedPaths?: string[];
  /** `volumes` as the operator gave them; undefined when not given. */
  namedVolumes?: string[];
  /** Volumes on the host now (the app's compose project's, and any named). */
  hostVolumes: VolumeInfo[];
  /** The manifests of the app's backups on the host (read only for a runner backup). */
  hostBackups: BackupManifest[];
}

/** Throws, naming what to do, when a selected archive would write where it may not. Changes nothing. */
export function checkRestoreTargets(selected: ArchiveEntry[], f: RestoreTargetFacts): void {
  const from = f.fromRunner ? 'backup-dir' : 'backup-id';
  for (const a of selected) {
    if (a.kind === 'path') {
      const p = a.path ?? '';
      if (!p.startsWith('/') || posix.normalize(p) !== p || p === '/')
        throw new InputError(from, `the backup names '${p}' as a path to restore, which is not a plain absolute path`);
      refuseAppRoot(f.namedPaths?.length ? 'paths' : from, [p], f.root, f.host);
      if (f.fromRunner && !f.namedPaths?.includes(p) && !backedUpPath(f, p))
        throw new InputError(
          'paths',
          `the backup in backup-dir would restore ${p} on ${f.host}, which no backup of ${f.app} there holds; a backup from the runner restores only what you name: add ${p} to paths if it is meant`,
        );
    }
    if (a.kind === 'volume') {
      const name = a.volume?.name ?? '';
      if (!VOLUME_NAME.test(name))
        throw new InputError(from, `the backup names '${name}' as a volume to restore, which is not a volume name`);
      if (f.fromRunner && !namedVolume(f, name) && !ownVolume(f, name))
        throw new InputError(
          'volumes',
          `the backup in backup-dir would restore volume ${name} on ${f.host}, which is not a volume of ${f.app} there; a backup from the runner restores only what you name: add it to volumes if it is meant`,
        );
    }
  }
}

function backedUpPath(f: RestoreTargetFacts, p: string): boolean {
  return f.hostBackups.some((m) => m.app === f.app && m.archives.some((a) => a.kind === 'path' && a.path === p));
}

function namedVolume(f: RestoreTargetFacts, name: string): boolean {
  return !!f.namedVolumes?.some((n) => n === name || `${f.app}_${n}` === name);
}

function ownVolume(f: RestoreTargetFacts, name: string): boolean {
  const onHost = f.hostVolumes.find((v) => v.name === name);
  if (onHost?.labels['com.docker.compose.project'] === f.app) return true;
  return f.hostBackups.some((m) => m.app === f.app && m.archives.some((a) => a.volume?.name === name));
}
