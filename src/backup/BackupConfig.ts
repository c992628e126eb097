// The backup action's inputs, read and checked into one typed object before any host is touched.
import { readConnection, type ConnectionConfig } from '../ssh/ConnectionConfig.js';
import { InputError } from '../inputs/InputError.js';
import { isImageReference } from '../inputs/imageReference.js';
import type { InputReader } from '../inputs/InputReader.js';
import type { VerifyLevel } from './BackupManifest.js';
import { COMPRESSION_CHOICES } from './Compression.js';
import { normalizeHostPath } from './HostPaths.js';
import { parseDatabases } from './DatabaseSpec.js';
import type { BackupSpec } from './HostBackup.js';

export interface BackupConfig extends ConnectionConfig {
  spec: BackupSpec;
  lockTimeoutMs: number;
  /** Days GitHub keeps the artifact (destination artifact); undefined: the repository's setting. */
  artifactRetentionDays?: number;
}

const AGE_RECIPIENT = /^(age1[02-9ac-hj-np-z]{58}|ssh-(ed25519|rsa) [A-Za-z0-9+/]+=*( .*)?)$/;

/** age recipients: age1… keys or ssh-ed25519/ssh-rsa public keys, one a line. */
export function readRecipients(inputs: InputReader, name: string): string[] {
  const list = inputs.list(name, { commas: false }).flatMap((l) => (l.startsWith('ssh-') ? [l] : l.split(',')));
  return list
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      if (r.startsWith('AGE-SECRET-KEY-'))
        throw new InputError(
          name,
          'holds an age identity (a secret key); give its public key (age1…), which age-keygen -y prints',
        );
      if (!AGE_RECIPIENT.test(r))
        throw new InputError(
          name,
          `'${r.slice(0, 20)}…' is not an age recipient (age1…, or an ssh-ed25519 / ssh-rsa public key)`,
        );
      return r;
    });
}

/** Host directories: absolute, or ~/… (resolved per host), normalised. */
export function readPaths(inputs: InputReader, name: string): string[] {
  return inputs.list(name, { commas: false }).map((p) => normalizeHostPath(name, p));
}

/** An image for throwaway containers: it goes on command lines, so nothing but a reference passes. */
export function readHelperImage(inputs: InputReader, name = 'helper-image'): string | undefined {
  const image = inputs.string(name);
  if (image && !isImageReference(image))
    throw new InputError(
      name,
      `'${image}' is not an image reference (an image present on the host: name[:tag], name@sha256:…, or its id)`,
    );
  return image || undefined;
}

/** A Docker volume name: what goes on a command line as one. */
export const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** `''` → every volume of the project (undefined); `none` → no volumes; else the names. */
export function readVolumeNames(inputs: InputReader, name: string): string[] | undefined {
  const list = inputs.list(name);
  if (!list.length) return undefined;
  if (list.length === 1 && list[0]!.toLowerCase() === 'none') return [];
  for (const v of list) if (!VOLUME_NAME.test(v)) throw new InputError(name, `'${v}' is not a volume name`);
  return list;
}

export function readBackupConfig(inputs: InputReader, meta: { runUrl?: string; actor?: string } = {}): BackupConfig {
  const connection = readConnection(inputs);
  const destinations = inputs.list('destination').map((d) => d.toLowerCase());
  if (!destinations.length) destinations.push('host');
  for (const d of destinations)
    if (d !== 'host' && d !== 'artifact')
      throw new InputError('destination', `'${d}' is not host or artifact (or both: host, artifact)`);
  const toHost = destinations.includes('host');
  const toRunner = destinations.includes('artifact');
  const verify = inputs.oneOf<VerifyLevel>('verify', ['checksum', 'list', 'restore'], 'list');
  if (verify === 'restore' && !toHost)
    throw new InputError('verify', 'restore works on the host copy: use destination: host, artifact');
  const encryptTo = readRecipients(inputs, 'encrypt-to');
  const unencryptedArtifact = inputs.bool('unencrypted-artifact', false);
  if (toRunner && !encryptTo.length && !unencryptedArtifact)
    throw new InputError(
      'encrypt-to',
      'destination artifact uploads the volumes and dumps to GitHub, where anyone who can read the repository can download them (any signed-in user, on a public one): give age recipients in encrypt-to, or set unencrypted-artifact: true to upload them in the clear',
    );
  const keepDaysText = inputs.string('keep-days');
  const keepDays = keepDaysText ? inputs.int('keep-days', 0, { min: 1, max: 36_500 }) : undefined;
  return {
    ...connection,
    spec: {
      volumes: readVolumeNames(inputs, 'volumes'),
      paths: readPaths(inputs, 'paths'),
      databases: parseDatabases(inputs.list('databases', { commas: false })),
      stopServices: inputs.list('stop-services'),
      compression: inputs.oneOf('compression', COMPRESSION_CHOICES, 'auto'),
      encryptTo,
      toHost,
      toRunner,
      verify,
      keep: inputs.int('keep', 7, { min: 0, max: 100_000 }),
      keepDays,
      helperImage: readHelperImage(inputs),
      reason: 'backup',
      meta,
    },
    lockTimeoutMs: inputs.seconds('lock-timeout', 300, { min: 0, max: 86_400 }) * 1000,
    artifactRetentionDays: keepDays !== undefined ? Math.min(keepDays, 90) : undefined,
  };
}
