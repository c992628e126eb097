// verify: restore, as the host runs it, byte for byte.
import { describe, expect, it } from 'vitest';
import { compressors } from '../../src/backup/Compression.js';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import {
  compareFingerprints,
  parseCompared,
  tarFingerprint,
  VerifyCommands,
} from '../../src/remote/backup/VerifyCommands.js';

describe('VerifyCommands', () => {
  it('extracts into a scratch volume, reads it back and compares the fingerprints', () => {
    const verify = new VerifyCommands(new ReleaseLayout('/a b'), 'tok');
    expect(
      verify.byRestore({ id: 'b1', file: 'v.tar.gz', image: 'img', compressor: compressors.gzip, scratch: 'scratch' }),
    ).toBe(
      [
        ": > '/a b/backups/b1/.v.tar.gz.vstatus'",
        'docker volume create --label dev.njord.backup=tok scratch >/dev/null || exit 1',
        'cid=$(docker create --label dev.njord.backup=tok --network none -v scratch:/njord-volume:nocopy img /njord-never-runs) || exit 1',
        '{ gzip -dc < \'/a b/backups/b1/v.tar.gz\' || echo "reading failed (exit $?)" >> \'/a b/backups/b1/.v.tar.gz.vstatus\'; } | { docker cp -a - "$cid":/njord-volume || echo "docker cp (into the scratch volume) failed (exit $?)" >> \'/a b/backups/b1/.v.tar.gz.vstatus\'; }',
        '{ gzip -dc < \'/a b/backups/b1/v.tar.gz\' | tar -xf - \'--to-command=printf "%s %s\\n" "$(sha256sum | cut -c1-64)" "$TAR_FILENAME"\' | sort; gzip -dc < \'/a b/backups/b1/v.tar.gz\' | tar -tvf - --numeric-owner | awk \'{ $4 = ""; $5 = ""; print }\' | sort; } > \'/a b/backups/b1/.v.tar.gz.want\'',
        '{ docker cp "$cid":/njord-volume/. - | tar -xf - \'--to-command=printf "%s %s\\n" "$(sha256sum | cut -c1-64)" "$TAR_FILENAME"\' | sort; docker cp "$cid":/njord-volume/. - | tar -tvf - --numeric-owner | awk \'{ $4 = ""; $5 = ""; print }\' | sort; } > \'/a b/backups/b1/.v.tar.gz.got\'',
        'docker rm -f "$cid" >/dev/null 2>&1',
        'docker volume rm -f scratch >/dev/null 2>&1',
        "if [ -s '/a b/backups/b1/.v.tar.gz.vstatus' ]; then cat '/a b/backups/b1/.v.tar.gz.vstatus' >&2; rm -f '/a b/backups/b1/.v.tar.gz.vstatus'; rm -f '/a b/backups/b1/.v.tar.gz.want' '/a b/backups/b1/.v.tar.gz.got'; exit 1; fi; rm -f '/a b/backups/b1/.v.tar.gz.vstatus'",
        "if cmp -s '/a b/backups/b1/.v.tar.gz.want' '/a b/backups/b1/.v.tar.gz.got'; then f=$(grep -cE '^[0-9a-f]{64} ' '/a b/backups/b1/.v.tar.gz.want'); n=$(wc -l < '/a b/backups/b1/.v.tar.gz.want' | tr -d ' '); rm -f '/a b/backups/b1/.v.tar.gz.want' '/a b/backups/b1/.v.tar.gz.got'; echo \"njord-compared $f $((n - f))\" >&2; else diff '/a b/backups/b1/.v.tar.gz.want' '/a b/backups/b1/.v.tar.gz.got' | head -20 >&2; rm -f '/a b/backups/b1/.v.tar.gz.want' '/a b/backups/b1/.v.tar.gz.got'; exit 1; fi",
      ].join('\n'),
    );
  });

  it('fingerprints a tar stream by file hashes and entry listings', () => {
    expect(tarFingerprint('cat /x')).toBe(
      '{ cat /x | tar -xf - \'--to-command=printf "%s %s\\n" "$(sha256sum | cut -c1-64)" "$TAR_FILENAME"\' | sort; cat /x | tar -tvf - --numeric-owner | awk \'{ $4 = ""; $5 = ""; print }\' | sort; }',
    );
  });

  it('compares two fingerprints and prints the counts', () => {
    expect(compareFingerprints('/a b', '/c')).toBe(
      "if cmp -s '/a b' /c; then f=$(grep -cE '^[0-9a-f]{64} ' '/a b'); n=$(wc -l < '/a b' | tr -d ' '); rm -f '/a b' /c; echo \"njord-compared $f $((n - f))\" >&2; else diff '/a b' /c | head -20 >&2; rm -f '/a b' /c; exit 1; fi",
    );
    expect(parseCompared('x\nnjord-compared 2 5\n')).toEqual({ files: 2, entries: 5 });
    expect(parseCompared('no')).toBeUndefined();
  });
});
