// The throwaway containers and the tar-image cache, as the host runs them, byte for byte.
import { describe, expect, it } from 'vitest';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { cleanupRunCommand, HelperContainers } from '../../src/remote/backup/HelperContainers.js';
import { TarImageCommands } from '../../src/remote/backup/TarImageCommands.js';
import { line } from '../../src/remote/Shell.js';

describe('HelperContainers', () => {
  const containers = new HelperContainers('tok');

  it('creates a labelled container that never runs, its volume mounted with nocopy', () => {
    expect(containers.create('data', 'img', true)).toBe(
      'cid=$(docker create --label dev.njord.backup=tok --network none -v data:/njord-volume:ro,nocopy img /njord-never-runs) || exit 1',
    );
    expect(containers.create('data', 'img', false)).toBe(
      'cid=$(docker create --label dev.njord.backup=tok --network none -v data:/njord-volume:nocopy img /njord-never-runs) || exit 1',
    );
  });

  it('runs labelled, network-less containers removed when they end', () => {
    expect(line(containers.run('--user', '0:0'))).toBe(
      'docker run --rm --label dev.njord.backup=tok --network none --user 0:0',
    );
    expect(containers.createScratchVolume('scratch')).toBe(
      'docker volume create --label dev.njord.backup=tok scratch >/dev/null || exit 1',
    );
  });

  it("removes what a killed run left, by the run's label", () => {
    expect(cleanupRunCommand('tok')).toBe(
      'docker ps -aq --filter label=dev.njord.backup=tok | xargs -r docker rm -f >/dev/null 2>&1; docker volume ls -q --filter label=dev.njord.backup=tok | xargs -r docker volume rm -f >/dev/null 2>&1; true',
    );
  });
});

describe('TarImageCommands', () => {
  const tarImages = new TarImageCommands(new ReleaseLayout('/a b'), 'tok');

  it('reads, remembers (newest 200) and forgets what earlier probes found', () => {
    expect(tarImages.read()).toBe("sed 's/^/tarimage /' '/a b/backups/.tar-images' 2>/dev/null || true");
    expect(
      tarImages.remember(
        new Map([
          [`sha256:${'a'.repeat(64)}`, 'sh'],
          [`sha256:${'b'.repeat(64)}`, 'no'],
        ]),
      ),
    ).toBe(
      "{ cat '/a b/backups/.tar-images' 2>/dev/null; printf '%s\\n' 'sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa sh' 'sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb no'; } | tail -n 200 > '/a b/backups/.tar-images.tmp' && mv '/a b/backups/.tar-images.tmp' '/a b/backups/.tar-images'",
    );
    expect(tarImages.forget()).toBe("rm -f '/a b/backups/.tar-images'");
  });

  it('asks an image whether its sh runs tar, or tar alone', () => {
    expect(tarImages.probe('img')).toBe(
      "if docker run --rm --label dev.njord.backup=tok --network none --user 0:0 --entrypoint sh img -c 'tar -cf - -C /dev null' >/dev/null 2>&1; then echo sh; elif docker run --rm --label dev.njord.backup=tok --network none --user 0:0 --entrypoint tar img -cf - -C /dev null >/dev/null 2>&1; then echo tar; else echo no; fi",
    );
  });
});
