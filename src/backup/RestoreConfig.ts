// The restore action's inputs, read and checked into one typed object before any host is touched.
import { resolve } from 'node:path';
import { readConnection, type ConnectionConfig } from '../ssh/ConnectionConfig.js';
import { InputError } from '../inputs/InputError.js';
import type { InputReader } from '../inputs/InputReader.js';
import { BACKUP_ID } from './BackupManifest.js';
import { readHelperImage, readPaths, readVolumeNames } from './BackupConfig.js';
import type { RestoreSpec } from './HostRestore.js';

export interface RestoreConfig extends ConnectionConfig {
  spec: RestoreSpec;
  lockTimeoutMs: number;
}

const IDENTITY = /^AGE-SECRET-KEY-1[0-9A-Z]+$/;

/** The AGE-SECRET-KEY-1… lines of an identity file; comments and blank lines are skipped. */
export function readIdentities(text: string, input = 'decrypt-key'): string[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const l of lines)
    if (!IDENTITY.test(l))
      throw new InputError(
        input,
        'is not an age identity: give the AGE-SECRET-KEY-1… line(s) age-keygen wrote (ssh identities are not supported)',
      );
  return lines;
}

export function readRestoreConfig(inputs: InputReader, meta: { runUrl?: string; actor?: string } = {}): RestoreConfig {
  const connection = readConnection(inputs);
  const backupId = inputs.string('backup-id', 'latest');
  if (backupId !== 'latest' && !BACKUP_ID.test(backupId))
    throw new InputError('backup-id', `'${backupId}' is not a backup id (like 20261123-181652-123) or latest`);
  const fromDir = inputs.string('backup-dir') || undefined;
  const volumes = readVolumeNames(inputs, 'volumes');
  const paths = inputs.list('paths', { commas: false }).length ? readPaths(inputs, 'paths') : undefined;
  const databases = inputs.list('databases');
  const stopText = inputs.list('stop-services');
  const stopServices = !stopText.length ? undefined : stopText.length === 1 && stopText[0] === 'none' ? [] : stopText;
  return {
    ...connection,
    spec: {
      backupId,
      // As actions/download-artifact's path: relative to the workspace.
      fromDir: fromDir && resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), fromDir),
      volumes,
      paths,
      databases: databases.length ? databases : undefined,
      identities: readIdentities(inputs.raw('decrypt-key')),
      stopServices,
      safetyBackup: inputs.bool('safety-backup', true),
      helperImage: readHelperImage(inputs),
      meta,
    },
    lockTimeoutMs: inputs.seconds('lock-timeout', 300, { min: 0, max: 86_400 }) * 1000,
  };
}
