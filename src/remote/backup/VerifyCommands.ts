// verify: restore. Extracts the archive into a scratch volume, reads it back, and compares every
// file's sha256 and every entry's type, mode, owner and size with the archive's own. Needs GNU tar.
import type { Compressor } from '../../backup/Compression.js';
import type { ReleaseLayout } from '../../release/ReleaseLayout.js';
import { line, quote, script } from '../Shell.js';
import { HelperContainers, MOUNT, REMOVE_CONTAINER } from './HelperContainers.js';
import { failOnStatus, pipeline } from './RemoteScript.js';

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

export class VerifyCommands {
  private readonly containers: HelperContainers;

  constructor(
    private readonly layout: ReleaseLayout,
    token: string,
  ) {
    this.containers = new HelperContainers(token);
  }

  /** The archive into `scratch` (a new volume, removed after), compared with what reads back. */
  byRestore(o: { id: string; file: string; image: string; compressor: Compressor; scratch: string }): string {
    const d = this.layout.backup(o.id);
    const [want, got, st] = [`${d}/.${o.file}.want`, `${d}/.${o.file}.got`, `${d}/.${o.file}.vstatus`];
    const decompress = `${line(o.compressor.decompress)} < ${quote(`${d}/${o.file}`)}`;
    return script(
      `: > ${quote(st)}`,
      this.containers.createScratchVolume(o.scratch),
      this.containers.create(o.scratch, o.image, false),
      pipeline(
        [
          { name: 'reading', cmd: decompress },
          { name: 'docker cp (into the scratch volume)', cmd: `docker cp -a - "$cid":${MOUNT}` },
        ],
        st,
      ),
      `${tarFingerprint(decompress)} > ${quote(want)}`,
      `${tarFingerprint(`docker cp "$cid":${MOUNT}/. -`)} > ${quote(got)}`,
      REMOVE_CONTAINER,
      `${line(['docker', 'volume', 'rm', '-f', o.scratch])} >/dev/null 2>&1`,
      failOnStatus(st, line(['rm', '-f', want, got])),
      compareFingerprints(want, got),
    );
  }
}
