// One archive's script, and the listing that checks it, as the host runs them, byte for byte.
import { describe, expect, it } from 'vitest';
import { compressors } from '../../src/backup/Compression.js';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { countStage, listArchive, parseListing } from '../../src/remote/backup/ArchiveListing.js';
import { archiveScript, parseArchiveResult, type ArchiveOptions } from '../../src/remote/backup/ArchiveScript.js';
import { pathSource } from '../../src/remote/backup/ArchiveSource.js';
import { VolumeReaders } from '../../src/remote/backup/VolumeReaders.js';
import { SHA256_OF_STDIN } from '../../src/remote/backup/Sha256.js';

const layout = new ReleaseLayout('/a b');
const base: Omit<ArchiveOptions, 'file' | 'source'> = {
  id: 'b1',
  compressor: compressors.gzip,
  encryptTo: [],
  toHost: true,
  toRunner: false,
};

describe('archiveScript', () => {
  it('kept on the host: hashed as it is written, through a fifo', () => {
    expect(archiveScript(layout, { ...base, file: 'p.tar.gz', source: pathSource('/srv') })).toBe(
      [
        "tmp='/a b/backups/b1/.p.tar.gz'; st='/a b/backups/b1/.p.tar.gz.status'",
        ": > '/a b/backups/b1/.p.tar.gz.status'",
        "mkfifo '/a b/backups/b1/.p.tar.gz.hashfifo' || exit 1",
        "{ if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi; } < '/a b/backups/b1/.p.tar.gz.hashfifo' > '/a b/backups/b1/.p.tar.gz.sha' & h=$!",
        "{ tar -C /srv -cf - . || echo \"tar failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.status'; } | { gzip -c || echo \"gzip failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.status'; } | { tee '/a b/backups/b1/.p.tar.gz.hashfifo' > '/a b/backups/b1/p.tar.gz.part' || echo \"writing failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.status'; }",
        'wait $h',
        "if [ -s '/a b/backups/b1/.p.tar.gz.status' ]; then cat '/a b/backups/b1/.p.tar.gz.status' >&2; rm -f '/a b/backups/b1/.p.tar.gz.status'; rm -f '/a b/backups/b1/p.tar.gz.part' '/a b/backups/b1/.p.tar.gz.hashfifo' '/a b/backups/b1/.p.tar.gz.sha'; exit 1; fi; rm -f '/a b/backups/b1/.p.tar.gz.status'",
        "mv -f '/a b/backups/b1/p.tar.gz.part' '/a b/backups/b1/p.tar.gz'",
        "printf 'njord-result size=%s sha256=%s listed=%s\\n' \"$(wc -c < '/a b/backups/b1/p.tar.gz' | tr -d ' ')\" \"$(cut -c1-64 < '/a b/backups/b1/.p.tar.gz.sha')\" \"\" >&2",
        "rm -f '/a b/backups/b1/.p.tar.gz.hashfifo' '/a b/backups/b1/.p.tar.gz.sha'",
      ].join('\n'),
    );
  });

  it('kept on the host and listed as it is written, through a second fifo', () => {
    expect(archiveScript(layout, { ...base, file: 'p.tar.gz', source: pathSource('/srv'), listAs: 'tar' })).toBe(
      [
        "tmp='/a b/backups/b1/.p.tar.gz'; st='/a b/backups/b1/.p.tar.gz.status'",
        ": > '/a b/backups/b1/.p.tar.gz.status'",
        "mkfifo '/a b/backups/b1/.p.tar.gz.hashfifo' '/a b/backups/b1/.p.tar.gz.listfifo' || exit 1",
        "{ if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi; } < '/a b/backups/b1/.p.tar.gz.hashfifo' > '/a b/backups/b1/.p.tar.gz.sha' & h=$!",
        "{ gzip -dc < '/a b/backups/b1/.p.tar.gz.listfifo' || echo \"gzip (listing) failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.status'; } | { { { tar -tvf - || echo \"tar (listing) failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.status'; } | awk '{ n++; b += $3 } END { printf \"%.0f %.0f\\n\", n, b }' > '/a b/backups/b1/.p.tar.gz.count'; cat > /dev/null; } || echo \"tar (listing) failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.status'; } & l=$!",
        "{ tar -C /srv -cf - . || echo \"tar failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.status'; } | { gzip -c || echo \"gzip failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.status'; } | { tee '/a b/backups/b1/.p.tar.gz.hashfifo' '/a b/backups/b1/.p.tar.gz.listfifo' > '/a b/backups/b1/p.tar.gz.part' || echo \"writing failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.status'; }",
        'wait $h',
        'wait $l',
        "if [ -s '/a b/backups/b1/.p.tar.gz.status' ]; then cat '/a b/backups/b1/.p.tar.gz.status' >&2; rm -f '/a b/backups/b1/.p.tar.gz.status'; rm -f '/a b/backups/b1/p.tar.gz.part' '/a b/backups/b1/.p.tar.gz.hashfifo' '/a b/backups/b1/.p.tar.gz.listfifo' '/a b/backups/b1/.p.tar.gz.sha' '/a b/backups/b1/.p.tar.gz.count'; exit 1; fi; rm -f '/a b/backups/b1/.p.tar.gz.status'",
        "mv -f '/a b/backups/b1/p.tar.gz.part' '/a b/backups/b1/p.tar.gz'",
        "printf 'njord-result size=%s sha256=%s listed=%s\\n' \"$(wc -c < '/a b/backups/b1/p.tar.gz' | tr -d ' ')\" \"$(cut -c1-64 < '/a b/backups/b1/.p.tar.gz.sha')\" \"$(cat '/a b/backups/b1/.p.tar.gz.count' 2>/dev/null)\" >&2",
        "rm -f '/a b/backups/b1/.p.tar.gz.hashfifo' '/a b/backups/b1/.p.tar.gz.listfifo' '/a b/backups/b1/.p.tar.gz.sha' '/a b/backups/b1/.p.tar.gz.count'",
      ].join('\n'),
    );
  });

  it('read by the compressor straight from the volume reader’s fifo', () => {
    const source = new VolumeReaders(layout, 'tok').source('data', 'img', 'tar');
    expect(
      archiveScript(layout, { ...base, file: 'v.tar.zst', compressor: compressors.zstd, source, listAs: 'tar' }),
    ).toBe(
      [
        "tmp='/a b/backups/b1/.v.tar.zst'; st='/a b/backups/b1/.v.tar.zst.status'",
        ": > '/a b/backups/b1/.v.tar.zst.status'",
        'mkfifo -m 600 "$tmp.tarfifo" || exit 1',
        '( docker run --rm --label dev.njord.backup=tok --network none --user 0:0 -v data:/njord-volume:ro,nocopy -v "$tmp.tarfifo":/njord-out --entrypoint tar img -C /njord-volume -cf /njord-out . 2> "$tmp.tarerr"; echo $? > "$tmp.tarrc"; exec 3<> "$tmp.tarfifo" ) & p=$!',
        "mkfifo '/a b/backups/b1/.v.tar.zst.hashfifo' '/a b/backups/b1/.v.tar.zst.listfifo' || exit 1",
        "{ if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi; } < '/a b/backups/b1/.v.tar.zst.hashfifo' > '/a b/backups/b1/.v.tar.zst.sha' & h=$!",
        "{ zstd -q -dc < '/a b/backups/b1/.v.tar.zst.listfifo' || echo \"zstd (listing) failed (exit $?)\" >> '/a b/backups/b1/.v.tar.zst.status'; } | { { { tar -tvf - || echo \"tar (listing) failed (exit $?)\" >> '/a b/backups/b1/.v.tar.zst.status'; } | awk '{ n++; b += $3 } END { printf \"%.0f %.0f\\n\", n, b }' > '/a b/backups/b1/.v.tar.zst.count'; cat > /dev/null; } || echo \"tar (listing) failed (exit $?)\" >> '/a b/backups/b1/.v.tar.zst.status'; } & l=$!",
        "{ zstd -q -c -T0 < \"$tmp.tarfifo\" || echo \"zstd failed (exit $?)\" >> '/a b/backups/b1/.v.tar.zst.status'; } | { tee '/a b/backups/b1/.v.tar.zst.hashfifo' '/a b/backups/b1/.v.tar.zst.listfifo' > '/a b/backups/b1/v.tar.zst.part' || echo \"writing failed (exit $?)\" >> '/a b/backups/b1/.v.tar.zst.status'; }",
        'wait $h',
        'wait $l',
        'wait $p; rc=$(cat "$tmp.tarrc" 2>/dev/null); if [ "$rc" != 0 ]; then echo \'tar in a container of img failed (exit \'"${rc:-?}): $(tail -c 300 "$tmp.tarerr")" >> "$st"; rm -f \'/a b/backups/.tar-images\'; fi; rm -f "$tmp.tarfifo" "$tmp.tarerr" "$tmp.tarrc"',
        "if [ -s '/a b/backups/b1/.v.tar.zst.status' ]; then cat '/a b/backups/b1/.v.tar.zst.status' >&2; rm -f '/a b/backups/b1/.v.tar.zst.status'; rm -f '/a b/backups/b1/v.tar.zst.part' '/a b/backups/b1/.v.tar.zst.hashfifo' '/a b/backups/b1/.v.tar.zst.listfifo' '/a b/backups/b1/.v.tar.zst.sha' '/a b/backups/b1/.v.tar.zst.count'; exit 1; fi; rm -f '/a b/backups/b1/.v.tar.zst.status'",
        "mv -f '/a b/backups/b1/v.tar.zst.part' '/a b/backups/b1/v.tar.zst'",
        "printf 'njord-result size=%s sha256=%s listed=%s\\n' \"$(wc -c < '/a b/backups/b1/v.tar.zst' | tr -d ' ')\" \"$(cut -c1-64 < '/a b/backups/b1/.v.tar.zst.sha')\" \"$(cat '/a b/backups/b1/.v.tar.zst.count' 2>/dev/null)\" >&2",
        "rm -f '/a b/backups/b1/.v.tar.zst.hashfifo' '/a b/backups/b1/.v.tar.zst.listfifo' '/a b/backups/b1/.v.tar.zst.sha' '/a b/backups/b1/.v.tar.zst.count'",
      ].join('\n'),
    );
  });

  it('a dump is listed by its bytes', () => {
    const source = { name: 'the dump', cmd: 'dump' };
    expect(archiveScript(layout, { ...base, file: 'd.sql.gz', source, listAs: 'bytes' })).toBe(
      [
        "tmp='/a b/backups/b1/.d.sql.gz'; st='/a b/backups/b1/.d.sql.gz.status'",
        ": > '/a b/backups/b1/.d.sql.gz.status'",
        "mkfifo '/a b/backups/b1/.d.sql.gz.hashfifo' '/a b/backups/b1/.d.sql.gz.listfifo' || exit 1",
        "{ if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi; } < '/a b/backups/b1/.d.sql.gz.hashfifo' > '/a b/backups/b1/.d.sql.gz.sha' & h=$!",
        "{ gzip -dc < '/a b/backups/b1/.d.sql.gz.listfifo' || echo \"gzip (listing) failed (exit $?)\" >> '/a b/backups/b1/.d.sql.gz.status'; } | { { wc -c | awk '{ printf \"0 %.0f\\n\", $1 }' > '/a b/backups/b1/.d.sql.gz.count'; } || echo \"reading failed (exit $?)\" >> '/a b/backups/b1/.d.sql.gz.status'; } & l=$!",
        "{ dump || echo \"the dump failed (exit $?)\" >> '/a b/backups/b1/.d.sql.gz.status'; } | { gzip -c || echo \"gzip failed (exit $?)\" >> '/a b/backups/b1/.d.sql.gz.status'; } | { tee '/a b/backups/b1/.d.sql.gz.hashfifo' '/a b/backups/b1/.d.sql.gz.listfifo' > '/a b/backups/b1/d.sql.gz.part' || echo \"writing failed (exit $?)\" >> '/a b/backups/b1/.d.sql.gz.status'; }",
        'wait $h',
        'wait $l',
        "if [ -s '/a b/backups/b1/.d.sql.gz.status' ]; then cat '/a b/backups/b1/.d.sql.gz.status' >&2; rm -f '/a b/backups/b1/.d.sql.gz.status'; rm -f '/a b/backups/b1/d.sql.gz.part' '/a b/backups/b1/.d.sql.gz.hashfifo' '/a b/backups/b1/.d.sql.gz.listfifo' '/a b/backups/b1/.d.sql.gz.sha' '/a b/backups/b1/.d.sql.gz.count'; exit 1; fi; rm -f '/a b/backups/b1/.d.sql.gz.status'",
        "mv -f '/a b/backups/b1/d.sql.gz.part' '/a b/backups/b1/d.sql.gz'",
        "printf 'njord-result size=%s sha256=%s listed=%s\\n' \"$(wc -c < '/a b/backups/b1/d.sql.gz' | tr -d ' ')\" \"$(cut -c1-64 < '/a b/backups/b1/.d.sql.gz.sha')\" \"$(cat '/a b/backups/b1/.d.sql.gz.count' 2>/dev/null)\" >&2",
        "rm -f '/a b/backups/b1/.d.sql.gz.hashfifo' '/a b/backups/b1/.d.sql.gz.listfifo' '/a b/backups/b1/.d.sql.gz.sha' '/a b/backups/b1/.d.sql.gz.count'",
      ].join('\n'),
    );
  });

  it('streamed to the runner, encrypted to the recipients as arguments (they are public): nothing kept', () => {
    const o = { ...base, file: 'p.tar.gz.age', source: pathSource('/srv'), toHost: false, toRunner: true };
    expect(archiveScript(layout, { ...o, encryptTo: ['age1x', 'ssh-ed25519 AAAA k'], listAs: 'tar' })).toBe(
      [
        "tmp='/a b/backups/b1/.p.tar.gz.age'; st='/a b/backups/b1/.p.tar.gz.age.status'",
        ": > '/a b/backups/b1/.p.tar.gz.age.status'",
        "{ tar -C /srv -cf - . || echo \"tar failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.age.status'; } | { gzip -c || echo \"gzip failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.age.status'; } | { age -r age1x -r 'ssh-ed25519 AAAA k' || echo \"age failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.age.status'; }",
        "if [ -s '/a b/backups/b1/.p.tar.gz.age.status' ]; then cat '/a b/backups/b1/.p.tar.gz.age.status' >&2; rm -f '/a b/backups/b1/.p.tar.gz.age.status'; rm -f; exit 1; fi; rm -f '/a b/backups/b1/.p.tar.gz.age.status'",
        'printf \'njord-result size=%s sha256=%s listed=%s\\n\' "" "" "" >&2',
      ].join('\n'),
    );
  });

  it('to both: written on the host and streamed, hashed on the runner', () => {
    expect(
      archiveScript(layout, { ...base, file: 'p.tar.gz', source: pathSource('/srv'), toRunner: true, listAs: 'tar' }),
    ).toBe(
      [
        "tmp='/a b/backups/b1/.p.tar.gz'; st='/a b/backups/b1/.p.tar.gz.status'",
        ": > '/a b/backups/b1/.p.tar.gz.status'",
        "{ tar -C /srv -cf - . || echo \"tar failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.status'; } | { gzip -c || echo \"gzip failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.status'; } | { tee '/a b/backups/b1/p.tar.gz.part' || echo \"writing failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.status'; }",
        "if [ -s '/a b/backups/b1/.p.tar.gz.status' ]; then cat '/a b/backups/b1/.p.tar.gz.status' >&2; rm -f '/a b/backups/b1/.p.tar.gz.status'; rm -f '/a b/backups/b1/p.tar.gz.part'; exit 1; fi; rm -f '/a b/backups/b1/.p.tar.gz.status'",
        "mv -f '/a b/backups/b1/p.tar.gz.part' '/a b/backups/b1/p.tar.gz'",
        'printf \'njord-result size=%s sha256=%s listed=%s\\n\' "" "" "" >&2',
      ].join('\n'),
    );
  });

  it('hashes with the faster sha256 the host has', () => {
    expect(SHA256_OF_STDIN).toBe(
      '{ if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi; }',
    );
  });

  it('reads the result line an archive script prints', () => {
    expect(parseArchiveResult('warning\nnjord-result size=40 sha256=ab12\n')).toEqual({ size: 40, sha256: 'ab12' });
    expect(parseArchiveResult('njord-result size= sha256=\n')).toEqual({ size: undefined, sha256: undefined });
    expect(parseArchiveResult('njord-result size=4 sha256=ab listed=3 200\n').listed).toEqual({
      entries: 3,
      bytes: 200,
    });
  });
});

describe('archiveScript, as the backup unit tests first checked it', () => {
  const shop = new ReleaseLayout('/srv/shop app');

  it('archives a volume through a created container, hashing on the host when it stays there', () => {
    const s = archiveScript(shop, {
      id: '20261123-000000-000',
      file: 'volume-shop_data.tar.gz',
      source: new VolumeReaders(shop, 'tok123').source('shop_data', 'sha256:abc', 'no'),
      compressor: compressors.gzip,
      encryptTo: [],
      toHost: true,
      toRunner: false,
    });
    expect(s).toContain(
      'docker create --label dev.njord.backup=tok123 --network none -v shop_data:/njord-volume:ro,nocopy sha256:abc',
    );
    expect(s).toContain('docker cp "$cid":/njord-volume/. -');
    expect(s).toContain(
      `${SHA256_OF_STDIN} < '/srv/shop app/backups/20261123-000000-000/.volume-shop_data.tar.gz.hashfifo'`,
    );
    expect(s).toMatch(
      /mv -f '\/srv\/shop app\/backups\/20261123-000000-000\/volume-shop_data.tar.gz.part' '.*volume-shop_data.tar.gz'/,
    );
  });

  it('streams to the runner with encryption, the recipients as arguments (they are public)', () => {
    const s = archiveScript(shop, {
      id: 'i',
      file: 'path-srv.tar.zst.age',
      source: pathSource('/srv/x y'),
      compressor: compressors.zstd,
      encryptTo: ['age1abc', 'ssh-ed25519 AAAA k'],
      toHost: false,
      toRunner: true,
    });
    expect(s).toContain("tar -C '/srv/x y' -cf - .");
    expect(s).toContain("age -r age1abc -r 'ssh-ed25519 AAAA k'");
    expect(s).not.toContain('.part');
    expect(s).not.toContain('hashfifo');
  });
});

describe('archive sources', () => {
  it('reads a host path with the host tar', () => {
    expect(pathSource('/srv/x y')).toEqual({
      name: 'tar',
      cmd: "tar -C '/srv/x y' -cf - .",
    });
  });
});

describe('listArchive', () => {
  it('decompresses the whole archive and counts a tar archive by entries, a dump by bytes', () => {
    expect(listArchive(layout, 'b1', 'p.tar.gz', compressors.gzip, true)).toBe(
      [
        ": > '/a b/backups/b1/.p.tar.gz.verify'",
        "{ gzip -dc < '/a b/backups/b1/p.tar.gz' || echo \"gzip failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.verify'; } | { { { tar -tvf - || echo \"tar (listing) failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.verify'; } | awk '{ n++; b += $3 } END { printf \"%.0f %.0f\\n\", n, b }' > '/a b/backups/b1/.p.tar.gz.count'; cat > /dev/null; } || echo \"tar (listing) failed (exit $?)\" >> '/a b/backups/b1/.p.tar.gz.verify'; }",
        "if [ -s '/a b/backups/b1/.p.tar.gz.verify' ]; then cat '/a b/backups/b1/.p.tar.gz.verify' >&2; rm -f '/a b/backups/b1/.p.tar.gz.verify'; rm -f '/a b/backups/b1/.p.tar.gz.count'; exit 1; fi; rm -f '/a b/backups/b1/.p.tar.gz.verify'",
        "cat '/a b/backups/b1/.p.tar.gz.count'; rm -f '/a b/backups/b1/.p.tar.gz.count'",
      ].join('\n'),
    );
    expect(listArchive(layout, 'b1', 'd.sql.zst', compressors.zstd, false)).toBe(
      [
        ": > '/a b/backups/b1/.d.sql.zst.verify'",
        "{ zstd -q -dc < '/a b/backups/b1/d.sql.zst' || echo \"zstd failed (exit $?)\" >> '/a b/backups/b1/.d.sql.zst.verify'; } | { { wc -c | awk '{ printf \"0 %.0f\\n\", $1 }' > '/a b/backups/b1/.d.sql.zst.count'; } || echo \"reading failed (exit $?)\" >> '/a b/backups/b1/.d.sql.zst.verify'; }",
        "if [ -s '/a b/backups/b1/.d.sql.zst.verify' ]; then cat '/a b/backups/b1/.d.sql.zst.verify' >&2; rm -f '/a b/backups/b1/.d.sql.zst.verify'; rm -f '/a b/backups/b1/.d.sql.zst.count'; exit 1; fi; rm -f '/a b/backups/b1/.d.sql.zst.verify'",
        "cat '/a b/backups/b1/.d.sql.zst.count'; rm -f '/a b/backups/b1/.d.sql.zst.count'",
      ].join('\n'),
    );
  });

  it('counts in one stage', () => {
    expect(countStage('tar', '/s', '/o')).toEqual({
      name: 'tar (listing)',
      cmd: '{ { tar -tvf - || echo "tar (listing) failed (exit $?)" >> /s; } | awk \'{ n++; b += $3 } END { printf "%.0f %.0f\\n", n, b }\' > /o; cat > /dev/null; }',
    });
    expect(countStage('bytes', '/s', '/o')).toEqual({
      name: 'reading',
      cmd: '{ wc -c | awk \'{ printf "0 %.0f\\n", $1 }\' > /o; }',
    });
    expect(parseListing('3 200003\n')).toEqual({ entries: 3, bytes: 200003 });
  });
});
