// One archive: source → compress → [age] → the host file and/or stdout (the runner). Host-only
// archives are hashed on the host as they are written (a copy through a fifo); streamed ones on
// the runner. A host-only archive in the clear may also be decompressed and listed as it is
// written, through a second fifo: on another core while the compressor keeps one busy, instead of
// a second pass after it (the re-read checksum then ties the listed stream to the stored file).
// Ends with `njord-result size=… sha256=… listed=<entries> <bytes>` on stderr.
import type { Compressor } from '../../backup/Compression.js';
import type { ReleaseLayout } from '../../release/ReleaseLayout.js';
import { line, quote, script } from '../Shell.js';
import type { ArchiveSource } from './ArchiveSource.js';
import { countStage, decompressStage, parseListing, type ListAs } from './ArchiveListing.js';
import { failOnStatus, pipeline, type Stage } from './RemoteScript.js';
import { SHA256_OF_STDIN } from './Sha256.js';

export interface ArchiveOptions {
  id: string;
  file: string;
  source: ArchiveSource;
  compressor: Compressor;
  encryptTo: string[];
  toHost: boolean;
  toRunner: boolean;
  /** List it as it is written: a tar archive entry by entry, a dump by its bytes. */
  listAs?: ListAs;
}

/** The paths one archive script writes: the archive, and its temp files beside it (dot names). */
class ArchivePaths {
  readonly file: string;
  readonly part: string;
  readonly tmp: string;
  readonly status: string;
  readonly hashFifo: string;
  readonly listFifo: string;
  readonly sha: string;
  readonly count: string;

  constructor(dir: string, file: string) {
    this.file = `${dir}/${file}`;
    this.part = `${this.file}.part`;
    this.tmp = `${dir}/.${file}`;
    this.status = `${this.tmp}.status`;
    this.hashFifo = `${this.tmp}.hashfifo`;
    this.listFifo = `${this.tmp}.listfifo`;
    this.sha = `${this.tmp}.sha`;
    this.count = `${this.tmp}.count`;
  }
}

/** Where the stream goes and what the host does with it on the way. */
interface Where {
  toHost: boolean;
  /** Hashed on the host as written: it stays there alone. */
  hashOnHost: boolean;
  /** Listed on the host as written, and how. */
  listAs?: ListAs;
}

function whereOf(o: ArchiveOptions): Where {
  const hashOnHost = o.toHost && !o.toRunner;
  return { toHost: o.toHost, hashOnHost, listAs: hashOnHost && !o.encryptTo.length ? o.listAs : undefined };
}

/** The fifos the written stream is copied into for hashing and listing. */
function copies(p: ArchivePaths, w: Where): string[] {
  return [p.hashFifo, ...(w.listAs ? [p.listFifo] : [])];
}

/** Temp files removed however the script ends. */
function tempFiles(p: ArchivePaths, w: Where): string[] {
  return w.hashOnHost ? [...copies(p, w), p.sha, ...(w.listAs ? [p.count] : [])] : [];
}

/** source → compressor → [age] → [the host file, and the fifos]; stdout goes to the runner. */
function streamStages(o: ArchiveOptions, p: ArchivePaths, w: Where): Stage[] {
  const compress = line(o.compressor.compress);
  const name = o.compressor.compress[0]!;
  const stages: Stage[] =
    'readFrom' in o.source
      ? [{ name, cmd: `${compress} < ${o.source.readFrom}` }]
      : [
          { name: o.source.name, cmd: o.source.cmd },
          { name, cmd: compress },
        ];
  if (o.encryptTo.length) stages.push({ name: 'age', cmd: line(['age', ...o.encryptTo.flatMap((r) => ['-r', r])]) });
  if (w.hashOnHost) stages.push({ name: 'writing', cmd: `${line(['tee', ...copies(p, w)])} > ${quote(p.part)}` });
  else if (w.toHost) stages.push({ name: 'writing', cmd: line(['tee', p.part]) });
  return stages;
}

/** The fifos made, and the sha256 of what is written computed in the background ($h). */
function hashAsWritten(p: ArchivePaths, w: Where): string[] {
  return [
    `${line(['mkfifo', ...copies(p, w)])} || exit 1`,
    `${SHA256_OF_STDIN} < ${quote(p.hashFifo)} > ${quote(p.sha)} & h=$!`,
  ];
}

/** The written stream decompressed and counted in the background ($l). */
function listAsWritten(o: ArchiveOptions, p: ArchivePaths, listAs: ListAs): string {
  const decompress = decompressStage(o.compressor, p.listFifo, `${o.compressor.decompress[0]!} (listing)`);
  return `${pipeline([decompress, countStage(listAs, p.status, p.count)], p.status)} & l=$!`;
}

/** The `njord-result` line: size and sha256 when hashed on the host, the counts when listed. */
function resultLine(p: ArchivePaths, w: Where): string {
  const size = w.hashOnHost ? `$(wc -c < ${quote(p.file)} | tr -d ' ')` : '';
  const sha = w.hashOnHost ? `$(cut -c1-64 < ${quote(p.sha)})` : '';
  const listed = w.listAs ? `$(cat ${quote(p.count)} 2>/dev/null)` : '';
  return `printf 'njord-result size=%s sha256=%s listed=%s\\n' "${size}" "${sha}" "${listed}" >&2`;
}

export function archiveScript(layout: ReleaseLayout, o: ArchiveOptions): string {
  const p = new ArchivePaths(layout.backup(o.id), o.file);
  const w = whereOf(o);
  const temps = tempFiles(p, w);
  return script(
    `tmp=${quote(p.tmp)}; st=${quote(p.status)}`,
    `: > ${quote(p.status)}`,
    o.source.setup,
    ...(w.hashOnHost ? hashAsWritten(p, w) : []),
    w.listAs && listAsWritten(o, p, w.listAs),
    pipeline(streamStages(o, p, w), p.status),
    w.hashOnHost && 'wait $h',
    w.listAs && 'wait $l',
    o.source.teardown,
    failOnStatus(p.status, line(['rm', '-f', ...(w.toHost ? [p.part] : []), ...temps])),
    w.toHost && line(['mv', '-f', p.part, p.file]),
    resultLine(p, w),
    temps.length > 0 && line(['rm', '-f', ...temps]),
  );
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
