// Putting archives back, as the host runs it, byte for byte.
import { describe, expect, it } from 'vitest';
import { compressors } from '../../src/backup/Compression.js';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { guarded } from '../../src/remote/backup/RemoteScript.js';
import { RestoreCommands } from '../../src/remote/backup/RestoreCommands.js';

describe('RestoreCommands', () => {
  const restore = new RestoreCommands(new ReleaseLayout('/a b'), 'tok');
  const a = { id: 'b1', compressor: compressors.gzip, encrypted: false };

  it('decrypts to nowhere with the identities from $NJORD_SECRET, to check them first', () => {
    expect(restore.checkDecrypt('b1', 'v.tar.gz.age')).toBe(
      "printf '%s\\n' $NJORD_SECRET | age -d -i /dev/stdin -o /dev/null -- '/a b/backups/b1/v.tar.gz.age'",
    );
  });

  it('creates a missing volume with its labels, empties it, and fills it through docker cp', () => {
    const labels = { 'com.docker.compose.project': 'shop' };
    expect(restore.volume({ ...a, file: 'v.tar.gz', volume: 'shop_data', labels, image: 'img' })).toBe(
      [
        'docker volume inspect shop_data >/dev/null 2>&1 || docker volume create --label com.docker.compose.project=shop shop_data >/dev/null || exit 1',
        "docker run --rm --label dev.njord.backup=tok --network none -v shop_data:/njord-volume:nocopy --entrypoint sh img -c 'rm -rf /njord-volume/..?* /njord-volume/.[!.]* /njord-volume/*' || { echo 'could not empty volume shop_data with image img (it needs sh and rm; set helper-image)' >&2; exit 1; }",
        ": > '/a b/backups/b1/.v.tar.gz.restore'",
        'cid=$(docker create --label dev.njord.backup=tok --network none -v shop_data:/njord-volume:nocopy img /njord-never-runs) || exit 1',
        '{ cat -- \'/a b/backups/b1/v.tar.gz\' || echo "reading failed (exit $?)" >> \'/a b/backups/b1/.v.tar.gz.restore\'; } | { gzip -dc || echo "gzip failed (exit $?)" >> \'/a b/backups/b1/.v.tar.gz.restore\'; } | { docker cp -a - "$cid":/njord-volume || echo "docker cp (writing the volume) failed (exit $?)" >> \'/a b/backups/b1/.v.tar.gz.restore\'; }',
        'docker rm -f "$cid" >/dev/null 2>&1',
        "if [ -s '/a b/backups/b1/.v.tar.gz.restore' ]; then cat '/a b/backups/b1/.v.tar.gz.restore' >&2; rm -f '/a b/backups/b1/.v.tar.gz.restore'; exit 1; fi; rm -f '/a b/backups/b1/.v.tar.gz.restore'",
      ].join('\n'),
    );
  });

  it('empties a host path and extracts into it, decrypting on the way', () => {
    expect(restore.path({ ...a, file: 'p.tar.gz.age', path: '/srv/x y', encrypted: true })).toBe(
      [
        "mkdir -p '/srv/x y' && cd '/srv/x y' && rm -rf ./..?* ./.[!.]* ./* || exit 1",
        ": > '/a b/backups/b1/.p.tar.gz.age.restore'",
        "{ printf '%s\\n' $NJORD_SECRET | age -d -i /dev/stdin -- '/a b/backups/b1/p.tar.gz.age' || echo \"age (decrypting) failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.age.restore'; } | { gzip -dc || echo \"gzip failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.age.restore'; } | { tar -C '/srv/x y' -xpf - || echo \"tar (extracting) failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.age.restore'; }",
        "if [ -s '/a b/backups/b1/.p.tar.gz.age.restore' ]; then cat '/a b/backups/b1/.p.tar.gz.age.restore' >&2; rm -f '/a b/backups/b1/.p.tar.gz.age.restore'; exit 1; fi; rm -f '/a b/backups/b1/.p.tar.gz.age.restore'",
      ].join('\n'),
    );
  });

  it('loads a dump through the running container', () => {
    expect(restore.database({ ...a, file: 'd.sql.gz', containerId: 'c1', restoreScript: 'load', target: 'shop' })).toBe(
      [
        ": > '/a b/backups/b1/.d.sql.gz.restore'",
        "{ cat -- '/a b/backups/b1/d.sql.gz' || echo \"reading failed (exit $?)\" >> '/a b/backups/b1/.d.sql.gz.restore'; } | { gzip -dc || echo \"gzip failed (exit $?)\" >> '/a b/backups/b1/.d.sql.gz.restore'; } | { docker exec -i c1 sh -c load njord-restore shop || echo \"loading the dump failed (exit $?)\" >> '/a b/backups/b1/.d.sql.gz.restore'; }",
        "if [ -s '/a b/backups/b1/.d.sql.gz.restore' ]; then cat '/a b/backups/b1/.d.sql.gz.restore' >&2; rm -f '/a b/backups/b1/.d.sql.gz.restore'; exit 1; fi; rm -f '/a b/backups/b1/.d.sql.gz.restore'",
      ].join('\n'),
    );
  });

  it('decrypts with the identity from $NJORD_SECRET, never with it on a command line', () => {
    const s = new RestoreCommands(new ReleaseLayout('/srv/shop app'), 'tok123').database({
      id: 'i',
      file: 'db.sql.gz.age',
      containerId: 'c1',
      restoreScript: 'cat',
      target: 'shop',
      compressor: compressors.gzip,
      encrypted: true,
    });
    expect(s).toContain(
      "printf '%s\\n' $NJORD_SECRET | age -d -i /dev/stdin -- '/srv/shop app/backups/i/db.sql.gz.age'",
    );
    expect(s).toContain('docker exec -i c1 sh -c cat njord-restore shop');
    expect(guarded(s, { secretLine: true })).toMatch(/^sh -c 'IFS= read -r NJORD_SECRET/);
  });
});
