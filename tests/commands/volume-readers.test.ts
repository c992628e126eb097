// A volume as a tar stream, by what the image can run, byte for byte.
import { describe, expect, it } from 'vitest';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { VolumeReaders } from '../../src/remote/backup/VolumeReaders.js';

describe('VolumeReaders', () => {
  const readers = new VolumeReaders(new ReleaseLayout('/a b'), 'tok');

  it('without tar: docker cp from a container that never starts', () => {
    expect(readers.source('data', 'img', 'no')).toEqual({
      setup:
        'cid=$(docker create --label dev.njord.backup=tok --network none -v data:/njord-volume:ro,nocopy img /njord-never-runs) || exit 1',
      name: 'docker cp (reading the volume)',
      cmd: 'docker cp "$cid":/njord-volume/. -',
      teardown: 'docker rm -f "$cid" >/dev/null 2>&1',
    });
  });

  it('tar alone: the container writes into a host fifo the compressor reads', () => {
    expect(readers.source('data', 'img', 'tar')).toEqual({
      setup:
        'mkfifo -m 600 "$tmp.tarfifo" || exit 1\n( docker run --rm --label dev.njord.backup=tok --network none --user 0:0 -v data:/njord-volume:ro,nocopy -v "$tmp.tarfifo":/njord-out --entrypoint tar img -C /njord-volume -cf /njord-out . 2> "$tmp.tarerr"; echo $? > "$tmp.tarrc"; exec 3<> "$tmp.tarfifo" ) & p=$!',
      name: 'reading the volume',
      readFrom: '"$tmp.tarfifo"',
      teardown:
        'wait $p; rc=$(cat "$tmp.tarrc" 2>/dev/null); if [ "$rc" != 0 ]; then echo \'tar in a container of img failed (exit \'"${rc:-?}): $(tail -c 300 "$tmp.tarerr")" >> "$st"; rm -f \'/a b/backups/.tar-images\'; fi; rm -f "$tmp.tarfifo" "$tmp.tarerr" "$tmp.tarrc"',
    });
  });

  it("tar run by the image's sh, which reports tar's status before Docker tears the container down", () => {
    expect(readers.source('data', 'img', 'sh')).toEqual({
      setup:
        'run="$tmp.run"; mkdir -m 700 "$run" && mkfifo -m 600 "$run/fifo" && : > "$run/rc" || exit 1\n( docker run --rm --label dev.njord.backup=tok --network none --user 0:0 -v data:/njord-volume:ro,nocopy -v "$run/fifo":/njord-out -v "$run/rc":/njord-rc --entrypoint sh img -c \'tar -C /njord-volume -cf /njord-out .; echo $? > /njord-rc\' 2> "$run/err"; r=$?; if [ "$(cat "$run/rc")" = 0 ]; then rm -rf "$run"; elif [ ! -s "$run/rc" ]; then [ "$r" = 0 ] && r=1; echo "$r" > "$run/rc"; exec 3<> "$run/fifo"; fi ) < /dev/null > /dev/null 2>&1 & p=$!',
      name: 'reading the volume',
      readFrom: '"$run/fifo"',
      teardown:
        'rc=0; while [ -d "$run" ]; do if [ -s "$run/rc" ]; then rc=$(cat "$run/rc"); break; fi; kill -0 $p 2>/dev/null || { rc=$(cat "$run/rc" 2>/dev/null); break; }; sleep 0.01 2>/dev/null || sleep 1; done; if [ "$rc" != 0 ]; then wait $p; echo \'tar in a container of img failed (exit \'"${rc:-?}): $(tail -c 300 "$run/err")" >> "$st"; rm -f \'/a b/backups/.tar-images\'; rm -rf "$run"; fi',
    });
  });
});
