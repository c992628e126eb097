// Every command line backup and restore run on a host, built by pure functions from argv arrays
// (quoted once by Shell.ts). Volumes are read and written with `docker cp` on a container that is
// created and never started, so no tool is needed inside any image; host paths use the host's tar.
import type { ReleaseLayout } from '../release/ReleaseLayout.js';
import { line, quote, stdinToFile, type Argv } from '../remote/Shell.js';
import type { Compressor } from './Compression.js';
import { MANIFEST_FILE } from './BackupManifest.js';
import { failOnStatus, pipeline, type Stage } from './RemoteScript.js';

/** Where a volume is mounted in the throwaway container. */
export const MOUNT = '/njord-volume';
/** Label on every container and scratch volume a run creates, valued with the run's token. */
export const RUN_LABEL = 'dev.njord.backup';

/**
 * `-v` of a volume at MOUNT. nocopy: mounted while empty, Docker would first copy in whatever the
 * helper image has at MOUNT: into the app's volume, a scratch volume, or one being restored.
 */
function volumeAtMount(volume: string, readOnly: boolean): string {
  return `${volume}:${MOUNT}:${readOnly ? 'ro,' : ''}nocopy`;
}

/**
 * sha256 of stdin, the hex first on its line. OpenSSL's uses the CPU's SHA instructions, which
 * coreutils' sha256sum does not: six times faster on the sandbox (0.6 s against 3.6 s for 512 MiB).
 */
export const SHA256_OF_STDIN =
  '{ if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi; }';

export const toolsProbe = [
  'for t in gzip zstd age sha256sum mkfifo tar docker; do if command -v $t >/dev/null 2>&1; then echo "$t=1"; else echo "$t=0"; fi; done',
  "if tar --version 2>/dev/null | head -1 | grep -q 'GNU tar'; then echo gnutar=1; else echo gnutar=0; fi",
].join('; ');

export interface HostTools {
  gzip: boolean;
  zstd: boolean;
  age: boolean;
  sha256sum: boolean;
  mkfifo: boolean;
  tar: boolean;
  gnutar: boolean;
}

/** An image id (not a tag, whose content can change): what the tar probe's results are kept by. */
export const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** How volumes are read with an image: by tar run from its sh, by tar alone, or (no tar) docker cp. */
export type TarReader = 'sh' | 'tar' | 'no';

/**
 * `tarimage <id> sh|tar|no` lines (readTarImages), the last word on each id winning. An earlier
 * version's `yes` said only that tar runs: ignored, so the image is asked again whether sh does.
 */
export function parseTarImages(stdout: string): Map<string, TarReader> {
  const found = new Map<string, TarReader>();
  for (const m of stdout.matchAll(/^tarimage (sha256:[0-9a-f]{64}) (sh|tar|no)$/gm))
    found.set(m[1]!, m[2] as TarReader);
  return found;
}

export function parseTools(stdout: string): HostTools {
  const has = (k: string) => new RegExp(`^${k}=1$`, 'm').test(stdout);
  return {
    gzip: has('gzip'),
    zstd: has('zstd'),
    age: has('age'),
    sha256sum: has('sha256sum'),
    mkfifo: has('mkfifo'),
    tar: has('tar'),
    gnutar: has('gnutar'),
  };
}

/** The project's named volumes as `docker volume inspect` JSON (empty output: none). */
export function projectVolumesCommand(project: string): string {
  const ls = line(['docker', 'volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]);
  return `${ls} | ${line(['xargs', '-r', 'docker', 'volume', 'inspect'])}`;
}

/** Named volumes by name, for volumes listed by hand that carry no compose label. */
export function volumesCommand(names: string[]): string {
  return `${line(['docker', 'volume', 'inspect', ...names])} 2>/dev/null || true`;
}

export function existingPathsCommand(paths: string[]): string {
  return paths
    .map((p) => `if [ -d ${quote(p)} ] && [ -r ${quote(p)} ]; then echo ok; else echo missing; fi`)
    .join('; ');
}

export function stopCommand(ids: string[]): Argv {
  return ['docker', 'stop', ...ids];
}

export function startCommand(ids: string[]): Argv {
  return ['docker', 'start', ...ids];
}

/** Removes what a killed run left: its throwaway containers and scratch volumes. */
export function cleanupRunCommand(token: string): string {
  const label = `label=${RUN_LABEL}=${token}`;
  return [
    `${line(['docker', 'ps', '-aq', '--filter', label])} | ${line(['xargs', '-r', 'docker', 'rm', '-f'])} >/dev/null 2>&1`,
    `${line(['docker', 'volume', 'ls', '-q', '--filter', label])} | ${line(['xargs', '-r', 'docker', 'volume', 'rm', '-f'])} >/dev/null 2>&1`,
    'true',
  ].join('; ');
}

export class BackupCommands {
  constructor(
    private readonly layout: ReleaseLayout,
    /** This run's token: labels what it creates, so a post step can remove it. */
    private readonly token: string,
  ) {}

  dir(id: string): string {
    return this.layout.backup(id);
  }

  createDir(id: string): string {
    return `mkdir -p ${quote(this.layout.backupsDir)} && ${line(['mkdir', '-m', '700', this.dir(id)])}`;
  }

  removeDirs(ids: string[]): string {
    return line(['rm', '-rf', '--', ...ids.map((id) => this.dir(id))]);
  }

  /** Removes a backup directory only while it has no manifest (a run's own unfinished backup). */
  removeIfIncomplete(id: string): string {
    const d = quote(this.dir(id));
    return `if [ -d ${d} ] && [ ! -e ${d}/${MANIFEST_FILE} ]; then rm -rf -- ${d}; fi`;
  }

  /** Each backup directory, a tab, and its manifest on one line (nothing after the tab: incomplete). */
  list(): string {
    return `cd ${quote(this.layout.backupsDir)} 2>/dev/null || exit 0; for d in */; do [ -d "$d" ] || continue; d=\${d%/}; printf '%s\\t' "$d"; tr -d '\\n' < "$d/${MANIFEST_FILE}" 2>/dev/null; echo; done`;
  }

  /** The manifest goes in last, through a temp file and a rename: it exists whole or not at all. */
  writeManifest(id: string): string {
    return stdinToFile(`${this.dir(id)}/${MANIFEST_FILE}`, '644');
  }

  readManifest(id: string): string {
    return line(['cat', `${this.dir(id)}/${MANIFEST_FILE}`]);
  }

  /**
   * Where a restore from the runner puts its archives on the host: a private folder named by the
   * run's token, hidden from list() (a dot name), removed when the restore ends or by the post step.
   * Passed as an id to the restore scripts, which read archives from dir(id).
   */
  get stagingId(): string {
    return `.incoming-${this.token}`;
  }

  /** stdin into the staging folder as `file`; prints the sha256 of what landed. */
  receiveArchive(file: string): string {
    const d = this.dir(this.stagingId);
    const f = `${d}/${file}`;
    return [
      `mkdir -p ${quote(this.layout.backupsDir)} && mkdir -p -m 700 ${quote(d)} || exit 1`,
      `cat > ${quote(`${f}.part`)} || exit 1`,
      `${line(['mv', `${f}.part`, f])} && ${SHA256_OF_STDIN} < ${quote(f)} | cut -c1-64`,
    ].join('\n');
  }

  removeStaging(): string {
    return line(['rm', '-rf', '--', this.dir(this.stagingId)]);
  }

  /** Created, never started: `docker cp` reads and writes its volume with no tool in the image. */
  private createContainer(volume: string, image: string, readOnly: boolean): string {
    return `cid=$(${line([
      'docker',
      'create',
      '--label',
      `${RUN_LABEL}=${this.token}`,
      '--network',
      'none',
      '-v',
      volumeAtMount(volume, readOnly),
      image,
      '/njord-never-runs',
    ])}) || exit 1`;
  }

  private static readonly removeContainer = 'docker rm -f "$cid" >/dev/null 2>&1';

  /** `docker run` of a labelled, network-less container removed when it ends. */
  private throwaway(...more: string[]): string[] {
    return ['docker', 'run', '--rm', '--label', `${RUN_LABEL}=${this.token}`, '--network', 'none', ...more];
  }

  /**
   * A volume as a tar stream. With tar in the image, tar runs as root in a throwaway container and
   * writes into a host fifo mounted into it: twice docker cp's speed, which goes through the
   * daemon's API. Without, docker cp on a container that is never started: no tool needed in the
   * image. The archive script defines $tmp (a temp path prefix) and $st.
   */
  volumeSource(volume: string, image: string, reader: TarReader): ArchiveSource {
    if (reader === 'no')
      return {
        setup: this.createContainer(volume, image, true),
        name: 'docker cp (reading the volume)',
        cmd: `docker cp "$cid":${MOUNT}/. -`,
        teardown: BackupCommands.removeContainer,
      };
    return reader === 'sh' ? this.tarBySh(volume, image) : this.tarAlone(volume, image);
  }

  /**
   * `docker run` of a root container with `volume` read-only at MOUNT. `hostMounts` are `-v` flags
   * whose host paths the script's shell expands ($tmp, $run), so they stay outside the quoted argv.
   */
  private readingContainer(volume: string, hostMounts: string, command: Argv): string {
    return [
      line(this.throwaway('--user', '0:0')),
      line(['-v', volumeAtMount(volume, true)]),
      hostMounts,
      line(command),
    ].join(' ');
  }

  private tarFailed(image: string, rc: string, err: string): string {
    return `echo ${quote(`tar in a container of ${image} failed (exit `)}"${rc}): $(tail -c 300 ${err})" >> "$st"; ${line(['rm', '-f', this.tarImagesFile])}`;
  }

  /** tar as the container's command: its status is the container's, known once Docker has torn it down. */
  private tarAlone(volume: string, image: string): ArchiveSource {
    const run = this.readingContainer(volume, '-v "$tmp.tarfifo":/njord-out', [
      '--entrypoint',
      'tar',
      image,
      '-C',
      MOUNT,
      '-cf',
      '/njord-out',
      '.',
    ]);
    return {
      // After the container ends, opening the fifo read-write (never blocks) releases a reader
      // still waiting for a writer, so a container that never started cannot hang the pipeline.
      setup: `mkfifo -m 600 "$tmp.tarfifo" || exit 1\n( ${run} 2> "$tmp.tarerr"; echo $? > "$tmp.tarrc"; exec 3<> "$tmp.tarfifo" ) & p=$!`,
      name: 'reading the volume',
      readFrom: '"$tmp.tarfifo"',
      teardown:
        'wait $p; rc=$(cat "$tmp.tarrc" 2>/dev/null); ' +
        `if [ "$rc" != 0 ]; then ${this.tarFailed(image, '${rc:-?}', '"$tmp.tarerr"')}; fi; ` +
        'rm -f "$tmp.tarfifo" "$tmp.tarerr" "$tmp.tarrc"',
    };
  }

  /**
   * tar run by the image's sh, which writes tar's status to a mounted file as tar ends. The script
   * goes on then, not once Docker has torn the container down: unmounting its root file system
   * flushes every dirty page on the host's disk, the archive just written among them (a second
   * for 512 MiB here). The plumbing is in a folder of its own, `$run`: when tar reported 0 the
   * container's wrapper removes it once `docker run` returns; otherwise the script waits for that
   * and reports tar's error. The wrapper holds none of the script's output, so sshd can end the
   * command while it waits.
   */
  private tarBySh(volume: string, image: string): ArchiveSource {
    const run = this.readingContainer(volume, '-v "$run/fifo":/njord-out -v "$run/rc":/njord-rc', [
      '--entrypoint',
      'sh',
      image,
      '-c',
      `tar -C ${MOUNT} -cf /njord-out .; echo $? > /njord-rc`,
    ]);
    return {
      // A container that never reported (never started, or its sh died) gets a failing status
      // written for it, and the fifo opened read-write releases the compressor waiting on it.
      setup:
        'run="$tmp.run"; mkdir -m 700 "$run" && mkfifo -m 600 "$run/fifo" && : > "$run/rc" || exit 1\n' +
        `( ${run} 2> "$run/err"; r=$?; if [ "$(cat "$run/rc")" = 0 ]; then rm -rf "$run"; elif [ ! -s "$run/rc" ]; then [ "$r" = 0 ] && r=1; echo "$r" > "$run/rc"; exec 3<> "$run/fifo"; fi ) < /dev/null > /dev/null 2>&1 & p=$!`,
      name: 'reading the volume',
      readFrom: '"$run/fifo"',
      // No folder left: the wrapper saw tar report 0 and cleaned up.
      teardown:
        'rc=0; while [ -d "$run" ]; do if [ -s "$run/rc" ]; then rc=$(cat "$run/rc"); break; fi; ' +
        'kill -0 $p 2>/dev/null || { rc=$(cat "$run/rc" 2>/dev/null); break; }; sleep 0.01 2>/dev/null || sleep 1; done; ' +
        `if [ "$rc" != 0 ]; then wait $p; ${this.tarFailed(image, '${rc:-?}', '"$run/err"')}; rm -rf "$run"; fi`,
    };
  }

  /**
   * Prints how `image` can read a volume (as root, tried on /dev/null): `sh` when its sh runs its
   * tar, `tar` when only tar runs (an image without a shell), `no` without tar.
   */
  tarProbe(image: string): string {
    const quiet = '>/dev/null 2>&1';
    const bySh = line(this.throwaway('--user', '0:0', '--entrypoint', 'sh', image, '-c', 'tar -cf - -C /dev null'));
    const alone = line(this.throwaway('--user', '0:0', '--entrypoint', 'tar', image, '-cf', '-', '-C', '/dev', 'null'));
    return `if ${bySh} ${quiet}; then echo sh; elif ${alone} ${quiet}; then echo tar; else echo no; fi`;
  }

  /**
   * What earlier probes found, kept beside the backups: an image id names its content, so how it
   * reads a volume never changes, and a later backup need not start a container to ask (a third
   * of a small backup's time). Printed as `tarimage <id> sh|tar|no` lines.
   */
  private get tarImagesFile(): string {
    return `${this.layout.backupsDir}/.tar-images`;
  }

  readTarImages(): string {
    return `sed 's/^/tarimage /' ${quote(this.tarImagesFile)} 2>/dev/null || true`;
  }

  /** Adds probe results (image ids only), keeping the newest 200 lines. */
  rememberTarImages(found: Map<string, TarReader>): string {
    const f = this.tarImagesFile;
    const lines = [...found].map(([id, reader]) => `${id} ${reader}`);
    return `{ cat ${quote(f)} 2>/dev/null; ${line(['printf', '%s\\n', ...lines])}; } | tail -n 200 > ${quote(`${f}.tmp`)} && ${line(['mv', `${f}.tmp`, f])}`;
  }

  pathSource(path: string): ArchiveSource {
    return { name: 'tar', cmd: line(['tar', '-C', path, '-cf', '-', '.']) };
  }

  databaseSource(containerId: string, dumpScript: string, target: string): ArchiveSource {
    return {
      name: 'the dump',
      cmd: line(['docker', 'exec', containerId, 'sh', '-c', dumpScript, 'njord-dump', target]),
    };
  }

  /**
   * One archive: source → compress → [age] → the host file and/or stdout (the runner). Host-only
   * archives are hashed on the host as they are written (a copy through a fifo); streamed ones on
   * the runner. With `listAs`, a host-only archive is also decompressed and listed as it is written,
   * through a second fifo: on another core while the compressor keeps one busy, instead of a
   * second pass after it (the re-read checksum then ties the listed stream to the stored file).
   * Ends with `njord-result size=… sha256=… listed=<entries> <bytes>` on stderr.
   */
  archive(o: {
    id: string;
    file: string;
    source: ArchiveSource;
    compressor: Compressor;
    encryptTo: string[];
    toHost: boolean;
    toRunner: boolean;
    /** List it as it is written: a tar archive entry by entry, a dump by its bytes. */
    listAs?: 'tar' | 'bytes';
  }): string {
    const d = this.dir(o.id);
    const f = `${d}/${o.file}`;
    const tmp = `${d}/.${o.file}`;
    const st = `${tmp}.status`;
    const hashOnHost = o.toHost && !o.toRunner;
    const listAs = hashOnHost && !o.encryptTo.length ? o.listAs : undefined;
    const compress = line(o.compressor.compress);
    const stages: Stage[] =
      'readFrom' in o.source
        ? [{ name: o.compressor.compress[0]!, cmd: `${compress} < ${o.source.readFrom}` }]
        : [
            { name: o.source.name, cmd: o.source.cmd },
            { name: o.compressor.compress[0]!, cmd: compress },
          ];
    if (o.encryptTo.length) stages.push({ name: 'age', cmd: line(['age', ...o.encryptTo.flatMap((r) => ['-r', r])]) });
    const copies = [`${tmp}.hashfifo`, ...(listAs ? [`${tmp}.listfifo`] : [])];
    if (hashOnHost) stages.push({ name: 'writing', cmd: `${line(['tee', ...copies])} > ${quote(`${f}.part`)}` });
    else if (o.toHost) stages.push({ name: 'writing', cmd: line(['tee', `${f}.part`]) });
    const count = `${tmp}.count`;
    const tmpFiles = hashOnHost ? [...copies, `${tmp}.sha`, ...(listAs ? [count] : [])] : [];
    const size = hashOnHost ? `$(wc -c < ${quote(f)} | tr -d ' ')` : '';
    const sha = hashOnHost ? `$(cut -c1-64 < ${quote(`${tmp}.sha`)})` : '';
    const listed = listAs ? `$(cat ${quote(count)} 2>/dev/null)` : '';
    return [
      `tmp=${quote(tmp)}; st=${quote(st)}`,
      `: > ${quote(st)}`,
      ...(o.source.setup ? [o.source.setup] : []),
      ...(hashOnHost
        ? [
            `${line(['mkfifo', ...copies])} || exit 1`,
            `${SHA256_OF_STDIN} < ${quote(`${tmp}.hashfifo`)} > ${quote(`${tmp}.sha`)} & h=$!`,
          ]
        : []),
      ...(listAs
        ? [
            `${pipeline(
              [
                {
                  name: `${o.compressor.decompress[0]!} (listing)`,
                  cmd: `${line(o.compressor.decompress)} < ${quote(`${tmp}.listfifo`)}`,
                },
                countStage(listAs, st, count),
              ],
              st,
            )} & l=$!`,
          ]
        : []),
      pipeline(stages, st),
      ...(hashOnHost ? ['wait $h'] : []),
      ...(listAs ? ['wait $l'] : []),
      ...(o.source.teardown ? [o.source.teardown] : []),
      failOnStatus(st, line(['rm', '-f', ...(o.toHost ? [`${f}.part`] : []), ...tmpFiles])),
      ...(o.toHost ? [line(['mv', '-f', `${f}.part`, f])] : []),
      `printf 'njord-result size=%s sha256=%s listed=%s\\n' "${size}" "${sha}" "${listed}" >&2`,
      ...(tmpFiles.length ? [line(['rm', '-f', ...tmpFiles])] : []),
    ].join('\n');
  }

  sha256(id: string, file: string): string {
    return `${SHA256_OF_STDIN} < ${quote(`${this.dir(id)}/${file}`)} | cut -c1-64`;
  }

  /**
   * Decompresses the whole archive (checking its frame checksums). Prints `<entries> <bytes>`: a
   * tar archive is listed entry by entry and its files' sizes summed; a dump's bytes are counted.
   */
  listArchive(id: string, file: string, compressor: Compressor, isTar: boolean): string {
    const f = `${this.dir(id)}/${file}`;
    const st = `${this.dir(id)}/.${file}.verify`;
    const out = `${this.dir(id)}/.${file}.count`;
    return [
      `: > ${quote(st)}`,
      pipeline(
        [
          { name: compressor.decompress[0]!, cmd: `${line(compressor.decompress)} < ${quote(f)}` },
          countStage(isTar ? 'tar' : 'bytes', st, out),
        ],
        st,
      ),
      failOnStatus(st, line(['rm', '-f', out])),
      `cat ${quote(out)}; rm -f ${quote(out)}`,
    ].join('\n');
  }

  /** Reads an archive for a restore: decrypted with the identities in $NJORD_SECRET when needed. */
  private readStages(id: string, file: string, compressor: Compressor, encrypted: boolean): Stage[] {
    const f = `${this.dir(id)}/${file}`;
    const read: Stage = encrypted
      ? {
          name: 'age (decrypting)',
          cmd: `printf '%s\\n' $NJORD_SECRET | ${line(['age', '-d', '-i', '/dev/stdin', '--', f])}`,
        }
      : { name: 'reading', cmd: line(['cat', '--', f]) };
    return [read, { name: compressor.decompress[0]!, cmd: line(compressor.decompress) }];
  }

  /** Full decryption to nowhere: a wrong identity or a damaged archive is caught before any change. */
  checkDecrypt(id: string, file: string): string {
    return `printf '%s\\n' $NJORD_SECRET | ${line(['age', '-d', '-i', '/dev/stdin', '-o', '/dev/null', '--', `${this.dir(id)}/${file}`])}`;
  }

  /**
   * Puts a volume back exactly: creates it (with its compose labels) when missing, empties it from
   * a throwaway container of `image` (which needs sh and rm), then extracts the archive into it.
   */
  restoreVolume(o: {
    id: string;
    file: string;
    volume: string;
    labels: Record<string, string>;
    image: string;
    compressor: Compressor;
    encrypted: boolean;
  }): string {
    const st = `${this.dir(o.id)}/.${o.file}.restore`;
    const labels = Object.entries(o.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    const wipe = line(
      this.throwaway(
        '-v',
        volumeAtMount(o.volume, false),
        '--entrypoint',
        'sh',
        o.image,
        '-c',
        `rm -rf ${MOUNT}/..?* ${MOUNT}/.[!.]* ${MOUNT}/*`,
      ),
    );
    return [
      `${line(['docker', 'volume', 'inspect', o.volume])} >/dev/null 2>&1 || ${line(['docker', 'volume', 'create', ...labels, o.volume])} >/dev/null || exit 1`,
      // Quoted whole: the volume comes from a manifest and the image from an input.
      `${wipe} || { echo ${quote(`could not empty volume ${o.volume} with image ${o.image} (it needs sh and rm; set helper-image)`)} >&2; exit 1; }`,
      `: > ${quote(st)}`,
      this.createContainer(o.volume, o.image, false),
      pipeline(
        [
          ...this.readStages(o.id, o.file, o.compressor, o.encrypted),
          { name: 'docker cp (writing the volume)', cmd: `docker cp -a - "$cid":${MOUNT}` },
        ],
        st,
      ),
      BackupCommands.removeContainer,
      failOnStatus(st),
    ].join('\n');
  }

  restorePath(o: { id: string; file: string; path: string; compressor: Compressor; encrypted: boolean }): string {
    const st = `${this.dir(o.id)}/.${o.file}.restore`;
    return [
      `mkdir -p ${quote(o.path)} && cd ${quote(o.path)} && rm -rf ./..?* ./.[!.]* ./* || exit 1`,
      `: > ${quote(st)}`,
      pipeline(
        [
          ...this.readStages(o.id, o.file, o.compressor, o.encrypted),
          { name: 'tar (extracting)', cmd: line(['tar', '-C', o.path, '-xpf', '-']) },
        ],
        st,
      ),
      failOnStatus(st),
    ].join('\n');
  }

  restoreDatabase(o: {
    id: string;
    file: string;
    containerId: string;
    restoreScript: string;
    target: string;
    compressor: Compressor;
    encrypted: boolean;
  }): string {
    const st = `${this.dir(o.id)}/.${o.file}.restore`;
    return [
      `: > ${quote(st)}`,
      pipeline(
        [
          ...this.readStages(o.id, o.file, o.compressor, o.encrypted),
          {
            name: 'loading the dump',
            cmd: line(['docker', 'exec', '-i', o.containerId, 'sh', '-c', o.restoreScript, 'njord-restore', o.target]),
          },
        ],
        st,
      ),
      failOnStatus(st),
    ].join('\n');
  }

  /**
   * verify: restore. Extracts the archive into a scratch volume, reads it back, and compares every
   * file's sha256 and every entry's type, mode, owner and size with the archive's own. Needs GNU tar.
   */
  verifyByRestore(o: { id: string; file: string; image: string; compressor: Compressor; scratch: string }): string {
    const d = this.dir(o.id);
    const f = `${d}/${o.file}`;
    const a = `${d}/.${o.file}.want`;
    const b = `${d}/.${o.file}.got`;
    const st = `${d}/.${o.file}.vstatus`;
    const decompress = `${line(o.compressor.decompress)} < ${quote(f)}`;
    return [
      `: > ${quote(st)}`,
      `${line(['docker', 'volume', 'create', '--label', `${RUN_LABEL}=${this.token}`, o.scratch])} >/dev/null || exit 1`,
      this.createContainer(o.scratch, o.image, false),
      pipeline(
        [
          { name: 'reading', cmd: decompress },
          { name: 'docker cp (into the scratch volume)', cmd: `docker cp -a - "$cid":${MOUNT}` },
        ],
        st,
      ),
      `${tarFingerprint(decompress)} > ${quote(a)}`,
      `${tarFingerprint(`docker cp "$cid":${MOUNT}/. -`)} > ${quote(b)}`,
      BackupCommands.removeContainer,
      `${line(['docker', 'volume', 'rm', '-f', o.scratch])} >/dev/null 2>&1`,
      failOnStatus(st, line(['rm', '-f', a, b])),
      compareFingerprints(a, b),
    ].join('\n');
  }
}

/**
 * What verify: restore compares, from the tar stream `read` prints (run twice): each regular
 * file's sha256 and name, then each entry's type+mode, owner, size and name, both sorted. Times
 * are left out (the volume's root is touched by mounting). Needs GNU tar.
 */
export function tarFingerprint(read: string): string {
  // GNU tar runs this per regular file, with the file on stdin.
  const hashes = `--to-command=printf "%s %s\\n" "$(sha256sum | cut -c1-64)" "$TAR_FILENAME"`;
  const listing = 'awk \'{ $4 = ""; $5 = ""; print }\' | sort';
  return `{ ${read} | tar -xf - ${quote(hashes)} | sort; ${read} | tar -tvf - --numeric-owner | ${listing}; }`;
}

/** Two fingerprint files equal: `njord-compared <files> <entries>` on stderr; else the diff there, exit 1. */
export function compareFingerprints(want: string, got: string): string {
  const [a, b] = [quote(want), quote(got)];
  return (
    `if cmp -s ${a} ${b}; then f=$(grep -cE '^[0-9a-f]{64} ' ${a}); n=$(wc -l < ${a} | tr -d ' '); rm -f ${a} ${b}; echo "njord-compared $f $((n - f))" >&2; ` +
    `else diff ${a} ${b} | head -20 >&2; rm -f ${a} ${b}; exit 1; fi`
  );
}

/** The counts compareFingerprints prints; undefined when it printed none. */
export function parseCompared(stderr: string): { files: number; entries: number } | undefined {
  const m = /njord-compared (\d+) (\d+)/.exec(stderr);
  return m ? { files: Number(m[1]), entries: Number(m[2]) } : undefined;
}

/** Where an archive's stream comes from: a command that writes it, or a file (a fifo) to read it from. */
export type ArchiveSource = {
  /** Said in the log, and in the error when the command fails. */
  name: string;
  /** Runs first; may set shell variables the command uses ($cid). */
  setup?: string;
  /** Runs after the pipeline, whatever happened. */
  teardown?: string;
} & (
  | { /** Writes the stream to stdout. */ cmd: string }
  | { /** The compressor reads it directly, with no copy through a pipe. */ readFrom: string }
);

/**
 * Reads a decompressed archive on stdin and writes `<entries> <bytes>` to `out`: a tar archive is
 * listed entry by entry and its files' sizes summed; a dump's bytes are counted.
 */
function countStage(as: 'tar' | 'bytes', statusFile: string, out: string): Stage {
  // Field 3 of `tar -tv` is the size, in GNU's and busybox's listings alike.
  // %.0f, not %d: some awks print large integers with %d as 2^31-1.
  const cmd =
    as === 'tar'
      ? `{ { tar -tvf - || echo "tar (listing) failed (exit $?)" >> ${quote(statusFile)}; } | awk '{ n++; b += $3 } END { printf "%.0f %.0f\\n", n, b }' > ${quote(out)}; cat > /dev/null; }`
      : `{ wc -c | awk '{ printf "0 %.0f\\n", $1 }' > ${quote(out)}; }`;
  return { name: as === 'tar' ? 'tar (listing)' : 'reading', cmd };
}

/** The `njord-result` line an archive script ends with. */
export function parseArchiveResult(stderr: string): {
  size?: number;
  sha256?: string;
  listed?: { entries: number; bytes: number };
} {
  const m = /njord-result size=(\d*) sha256=([0-9a-f]*)(?: listed=(\d+ \d+))?/.exec(stderr);
  if (!m) return {};
  return {
    size: m[1] ? Number(m[1]) : undefined,
    sha256: m[2] || undefined,
    listed: m[3] ? parseListing(m[3]) : undefined,
  };
}

/** `<entries> <bytes>` as listArchive prints it. */
export function parseListing(stdout: string): { entries: number; bytes: number } {
  const [entries, bytes] = stdout.trim().split(/\s+/).map(Number);
  return { entries: entries || 0, bytes: bytes || 0 };
}
