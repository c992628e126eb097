// An archive decompressed whole (checking its frame checksums) and counted: a tar archive is
// listed entry by entry and its files' sizes summed; a dump's bytes are counted. Run after the
// archive is written, or beside the writing through a fifo (ArchiveScript).
import type { Compressor } from '../../backup/Compression.js';
import type { ReleaseLayout } from '../../release/ReleaseLayout.js';
import { line, quote, script } from '../Shell.js';
import { failOnStatus, pipeline, type Stage } from './RemoteScript.js';

export type ListAs = 'tar' | 'bytes';

/** Reads a decompressed archive on stdin and writes `<entries> <bytes>` to `out`. */
export function countStage(as: ListAs, statusFile: string, out: string): Stage {
  // Field 3 of `tar -tv` is the size, in GNU's and busybox's listings alike.
  // %.0f, not %d: some awks print large integers with %d as 2^31-1.
  const cmd =
    as === 'tar'
      ? `{ { tar -tvf - || echo "tar (listing) failed (exit $?)" >> ${quote(statusFile)}; } | awk '{ n++; b += $3 } END { printf "%.0f %.0f\\n", n, b }' > ${quote(out)}; cat > /dev/null; }`
      : `{ wc -c | awk '{ printf "0 %.0f\\n", $1 }' > ${quote(out)}; }`;
  return { name: as === 'tar' ? 'tar (listing)' : 'reading', cmd };
}

/** The archive's decompressor reading `path`, as a pipeline stage named after it. */
export function decompressStage(compressor: Compressor, path: string, name = compressor.decompress[0]!): Stage {
  return { name, cmd: `${line(compressor.decompress)} < ${quote(path)}` };
}

/** Prints `<entries> <bytes>` of an archive in a backup directory. */
export function listArchive(
  layout: ReleaseLayout,
  id: string,
  file: string,
  compressor: Compressor,
  isTar: boolean,
): string {
  const d = layout.backup(id);
  const st = `${d}/.${file}.verify`;
  const out = `${d}/.${file}.count`;
  return script(
    `: > ${quote(st)}`,
    pipeline([decompressStage(compressor, `${d}/${file}`), countStage(isTar ? 'tar' : 'bytes', st, out)], st),
    failOnStatus(st, line(['rm', '-f', out])),
    `cat ${quote(out)}; rm -f ${quote(out)}`,
  );
}

/** `<entries> <bytes>` as listArchive prints it. */
export function parseListing(stdout: string): { entries: number; bytes: number } {
  const [entries, bytes] = stdout.trim().split(/\s+/).map(Number);
  return { entries: entries || 0, bytes: bytes || 0 };
}
