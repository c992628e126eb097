// The backup directories and the restore's staging folder, as the host runs them, byte for byte.
import { describe, expect, it } from 'vitest';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { BackupDirCommands } from '../../src/remote/backup/BackupDirCommands.js';
import { StagingCommands } from '../../src/remote/backup/StagingCommands.js';

const layout = new ReleaseLayout('/a b');

describe('BackupDirCommands', () => {
  const dirs = new BackupDirCommands(layout);

  it('makes a private directory per backup, and removes some', () => {
    expect(dirs.create('b1')).toBe("mkdir -p '/a b/backups' && mkdir -m 700 '/a b/backups/b1'");
    expect(dirs.remove(['b1', 'b2'])).toBe("rm -rf -- '/a b/backups/b1' '/a b/backups/b2'");
  });

  it('removes a backup only while it has no manifest', () => {
    expect(dirs.removeIfIncomplete('b1')).toBe(
      "if [ -d '/a b/backups/b1' ] && [ ! -e '/a b/backups/b1'/manifest.json ]; then rm -rf -- '/a b/backups/b1'; fi",
    );
  });

  it('lists each backup with its manifest on one line', () => {
    expect(dirs.list()).toBe(
      'cd \'/a b/backups\' 2>/dev/null || exit 0; for d in */; do [ -d "$d" ] || continue; d=${d%/}; printf \'%s\\t\' "$d"; tr -d \'\\n\' < "$d/manifest.json" 2>/dev/null; echo; done',
    );
  });

  it('writes the manifest through a temp file, reads it, and checksums an archive', () => {
    expect(dirs.writeManifest('b1')).toBe(
      "(umask 022 && cat > '/a b/backups/b1/manifest.json'.tmp && chmod 644 '/a b/backups/b1/manifest.json'.tmp && mv -f '/a b/backups/b1/manifest.json'.tmp '/a b/backups/b1/manifest.json')",
    );
    expect(dirs.readManifest('b1')).toBe("cat '/a b/backups/b1/manifest.json'");
    expect(dirs.sha256('b1', 'v.tar.gz')).toBe(
      "{ if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi; } < '/a b/backups/b1/v.tar.gz' | cut -c1-64",
    );
  });
});

describe('StagingCommands', () => {
  const staging = new StagingCommands(layout, 'tok');

  it('is a hidden folder named by the run', () => {
    expect(staging.id).toBe('.incoming-tok');
    expect(staging.dir).toBe('/a b/backups/.incoming-tok');
  });

  it('receives stdin as a file and prints the sha256 of what landed', () => {
    expect(staging.receive('v.tar.gz')).toBe(
      [
        "mkdir -p '/a b/backups' && mkdir -p -m 700 '/a b/backups/.incoming-tok' || exit 1",
        "cat > '/a b/backups/.incoming-tok/v.tar.gz.part' || exit 1",
        "mv '/a b/backups/.incoming-tok/v.tar.gz.part' '/a b/backups/.incoming-tok/v.tar.gz' && { if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi; } < '/a b/backups/.incoming-tok/v.tar.gz' | cut -c1-64",
      ].join('\n'),
    );
  });

  it('removes the folder', () => {
    expect(staging.remove()).toBe("rm -rf -- '/a b/backups/.incoming-tok'");
  });
});
