// A backup held in a folder on the runner: a `destination: artifact` backup downloaded there by
// actions/download-artifact (its manifest.json and archives in one folder, or one folder per
// artifact when several were downloaded). A restore checks it here, before any host is touched,
// and sends each archive to the host as it reads it; encrypted archives are opened here, so the
// host needs no age and never sees the identity.
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Decrypter } from 'age-encryption';
import { InputError } from '../inputs/InputError.js';
import {
  isRegularBackup,
  MANIFEST_FILE,
  parseManifest,
  type ArchiveEntry,
  type BackupManifest,
} from './BackupManifest.js';
import { decryptedFile, runnerDecrypter } from './RunnerEncryption.js';
import { sha256File } from './RunnerFiles.js';

export interface RunnerBackup {
  dir: string;
  manifest: BackupManifest;
}

/** What archive files may be called: one plain name, so none can point outside its folder. */
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function backupAt(dir: string, input: string): RunnerBackup | undefined {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  const manifest = parseManifest(readFileSync(file, 'utf8'));
  if (!manifest) throw new InputError(input, `${file} is not the manifest of a njord backup`);
  for (const a of manifest.archives)
    if (!PLAIN_NAME.test(a.file))
      throw new InputError(input, `${file} names an archive '${a.file}' that is not a plain file name`);
  return { dir, manifest };
}

/** The backups in `dir`: the one at its top, else one per folder under it. */
export function readRunnerBackups(dir: string, input = 'backup-dir'): RunnerBackup[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new InputError(
      input,
      `'${dir}' is not a folder on the runner; download the backup's artifact into it first (actions/download-artifact with path: ${dir})`,
    );
  const top = backupAt(dir, input);
  if (top) return [top];
  const under = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => backupAt(join(dir, e.name), input))
    .filter((b): b is RunnerBackup => !!b);
  if (!under.length)
    throw new InputError(
      input,
      `'${dir}' holds no backup: no ${MANIFEST_FILE} in it or in a folder under it (a backup artifact is named <app>-backup-<id>)`,
    );
  return under;
}

/**
 * The backup restored on `host`: the one wanted (an id, or the newest), from those taken on that
 * host when there are several; the only one otherwise, whichever host it came from (a new server).
 */
export function backupForHost(backups: RunnerBackup[], host: string, wanted: string): RunnerBackup {
  const ids = () => backups.map((b) => `${b.manifest.id} (${b.manifest.host})`).join(', ');
  let pool =
    wanted === 'latest'
      ? backups.filter((b) => isRegularBackup(b.manifest.id, b.manifest))
      : backups.filter((b) => b.manifest.id === wanted);
  if (!pool.length && wanted === 'latest')
    throw new InputError(
      'backup-id',
      `backup-dir holds only safety copies: ${ids()}; name one in backup-id to restore it`,
    );
  if (!pool.length) throw new InputError('backup-id', `'${wanted}' is not in backup-dir, which holds ${ids()}`);
  if (pool.length > 1) {
    pool = pool.filter((b) => b.manifest.host === host);
    if (!pool.length)
      throw new InputError(
        'backup-dir',
        `holds several backups and none was taken on ${host}: ${ids()}; download only the one to restore there`,
      );
  }
  return [...pool].sort((a, b) => (a.manifest.id < b.manifest.id ? 1 : -1))[0]!;
}

/** A runner backup as one restore reads it: checked once, however many hosts restore it. */
export class RunnerSource {
  private readonly checked = new Map<string, Promise<void>>();
  private decrypter?: Promise<Decrypter>;

  constructor(
    readonly backup: RunnerBackup,
    private readonly identities: string[],
  ) {}

  private path(a: ArchiveEntry): string {
    return join(this.backup.dir, a.file);
  }

  /** Refuses a damaged archive, or an encrypted one without an identity that opens it. */
  check(a: ArchiveEntry): Promise<void> {
    let p = this.checked.get(a.file);
    if (!p) this.checked.set(a.file, (p = this.checkNow(a)));
    return p;
  }

  private async checkNow(a: ArchiveEntry): Promise<void> {
    const id = this.backup.manifest.id;
    const path = this.path(a);
    const sum = existsSync(path) ? await sha256File(path) : '(missing)';
    if (sum !== a.sha256)
      throw new Error(
        `refusing to restore backup ${id}: ${path} on the runner has sha256 ${sum}, but its manifest says ${a.sha256}. Nothing was changed.`,
      );
    if (!a.encrypted) return;
    if (!this.identities.length)
      throw new InputError(
        'decrypt-key',
        `backup ${id} is encrypted (age); give the identity (AGE-SECRET-KEY-1…) that opens it`,
      );
    try {
      // The header opens or not; the checksum above already vouches for the chunks after it.
      (await decryptedFile(await this.opener(), path)).destroy();
    } catch (err) {
      throw new InputError('decrypt-key', `does not open ${a.file} of backup ${id}: ${(err as Error).message}`);
    }
  }

  private opener(): Promise<Decrypter> {
    return (this.decrypter ??= runnerDecrypter(this.identities));
  }

  /** The archive's bytes as the host's restore reads them: decrypted when it was encrypted. */
  async read(a: ArchiveEntry): Promise<Readable> {
    return a.encrypted ? decryptedFile(await this.opener(), this.path(a)) : createReadStream(this.path(a));
  }
}
