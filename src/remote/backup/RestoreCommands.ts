// Putting an archive back: a volume (emptied, then filled through docker cp), a host path (with
// the host's tar) or a database (its dump loaded by the container's client). Encrypted archives
// are opened with the identities the guarded script read into $NJORD_SECRET, never on a command line.
import type { Compressor } from '../../backup/Compression.js';
import type { ReleaseLayout } from '../../release/ReleaseLayout.js';
import { any, line, quote, script } from '../Shell.js';
import { loadDumpStage } from './DatabaseCommands.js';
import { HelperContainers, MOUNT, REMOVE_CONTAINER, volumeAtMount } from './HelperContainers.js';
import { failOnStatus, pipeline, type Stage } from './RemoteScript.js';

/** The archive to put back, in a backup directory (or the staging folder's id). */
export interface ArchiveToRestore {
  id: string;
  file: string;
  compressor: Compressor;
  encrypted: boolean;
}

const IDENTITIES_ON_STDIN = `printf '%s\\n' $NJORD_SECRET`;

export class RestoreCommands {
  private readonly containers: HelperContainers;

  constructor(
    private readonly layout: ReleaseLayout,
    token: string,
  ) {
    this.containers = new HelperContainers(token);
  }

  private archivePath(a: { id: string; file: string }): string {
    return `${this.layout.backup(a.id)}/${a.file}`;
  }

  private statusFile(a: { id: string; file: string }): string {
    return `${this.layout.backup(a.id)}/.${a.file}.restore`;
  }

  /** Reads an archive: decrypted with the identities in $NJORD_SECRET when needed, then decompressed. */
  private readStages(a: ArchiveToRestore): Stage[] {
    const f = this.archivePath(a);
    const read: Stage = a.encrypted
      ? {
          name: 'age (decrypting)',
          cmd: `${IDENTITIES_ON_STDIN} | ${line(['age', '-d', '-i', '/dev/stdin', '--', f])}`,
        }
      : { name: 'reading', cmd: line(['cat', '--', f]) };
    return [read, { name: a.compressor.decompress[0]!, cmd: line(a.compressor.decompress) }];
  }

  /**
   * The archive read into `last`, each stage's failure recorded in a status file: exits 1 with the
   * reasons. `before` runs first; `around` wraps the pipeline (a container it writes into).
   */
  private restoreThrough(
    a: ArchiveToRestore,
    last: Stage,
    before: string[] = [],
    around?: { setup: string; teardown: string },
  ): string {
    const st = this.statusFile(a);
    return script(
      ...before,
      `: > ${quote(st)}`,
      around?.setup,
      pipeline([...this.readStages(a), last], st),
      around?.teardown,
      failOnStatus(st),
    );
  }

  /** Full decryption to nowhere: a wrong identity or a damaged archive is caught before any change. */
  checkDecrypt(id: string, file: string): string {
    const f = this.archivePath({ id, file });
    return `${IDENTITIES_ON_STDIN} | ${line(['age', '-d', '-i', '/dev/stdin', '-o', '/dev/null', '--', f])}`;
  }

  /**
   * Puts a volume back exactly: creates it (with its compose labels) when missing, empties it from
   * a throwaway container of `image` (which needs sh and rm), then extracts the archive into it.
   */
  volume(a: ArchiveToRestore & { volume: string; labels: Record<string, string>; image: string }): string {
    const labels = Object.entries(a.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    const emptyIt = `rm -rf ${MOUNT}/..?* ${MOUNT}/.[!.]* ${MOUNT}/*`;
    const wipe = line(
      this.containers.run('-v', volumeAtMount(a.volume, false), '--entrypoint', 'sh', a.image, '-c', emptyIt),
    );
    // Quoted whole: the volume comes from a manifest and the image from an input.
    const why = `could not empty volume ${a.volume} with image ${a.image} (it needs sh and rm; set helper-image)`;
    const ensureVolume = any(
      `${line(['docker', 'volume', 'inspect', a.volume])} >/dev/null 2>&1`,
      `${line(['docker', 'volume', 'create', ...labels, a.volume])} >/dev/null`,
      'exit 1',
    );
    return this.restoreThrough(
      a,
      { name: 'docker cp (writing the volume)', cmd: `docker cp -a - "$cid":${MOUNT}` },
      [ensureVolume, any(wipe, `{ echo ${quote(why)} >&2; exit 1; }`)],
      { setup: this.containers.create(a.volume, a.image, false), teardown: REMOVE_CONTAINER },
    );
  }

  /** Puts a host path back exactly: emptied, then extracted with the host's tar. */
  path(a: ArchiveToRestore & { path: string }): string {
    const emptied = `mkdir -p ${quote(a.path)} && cd ${quote(a.path)} && rm -rf ./..?* ./.[!.]* ./*`;
    return this.restoreThrough(a, { name: 'tar (extracting)', cmd: line(['tar', '-C', a.path, '-xpf', '-']) }, [
      any(emptied, 'exit 1'),
    ]);
  }

  /** Loads a dump through the database's running container, with the engine's restore script. */
  database(a: ArchiveToRestore & { containerId: string; restoreScript: string; target: string }): string {
    return this.restoreThrough(a, loadDumpStage(a.containerId, a.restoreScript, a.target));
  }
}
