// The rollback's own commands, byte for byte (the plan joins them with the lock, release and
// compose commands the deploy shares).
import { describe, expect, it } from 'vitest';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { imagePresentCommand, logoutCommand, pullCommand } from '../../src/remote/DockerCommands.js';
import { activateAndRecordCommand, readStateCommand, recordCommand } from '../../src/remote/RollbackCommands.js';

describe('RollbackCommands', () => {
  const layout = new ReleaseLayout('/srv/shop');

  it('reads the current release and the releases in one command', () => {
    expect(readStateCommand(layout)).toBe(
      'readlink /srv/shop/current || true; echo --njord-releases--; (cd /srv/shop/releases 2>/dev/null || exit 0; for d in */; do d=${d%/}; printf \'%s\\t\' "$d"; tr -d \'\\n\' < "$d/release.json" 2>/dev/null; echo; done)',
    );
  });

  it('records the event and frees the lock, after pointing current at the release when healthy', () => {
    expect(recordCommand(layout, 'tok')).toBe(
      'cat >> /srv/shop/history.jsonl && if grep -qF tok /srv/shop/.lock/owner.json 2>/dev/null; then rm -rf /srv/shop/.lock; fi',
    );
    expect(recordCommand(layout, 'tok', logoutCommand('/srv/shop/.docker', 'ghcr.io'))).toBe(
      'cat >> /srv/shop/history.jsonl && if grep -qF tok /srv/shop/.lock/owner.json 2>/dev/null; then if [ -d /srv/shop/.docker ]; then env DOCKER_CONFIG=/srv/shop/.docker docker logout ghcr.io >/dev/null 2>&1; rm -rf /srv/shop/.docker; fi; rm -rf /srv/shop/.lock; fi',
    );
    expect(activateAndRecordCommand(layout, 'r1', 'tok')).toBe(
      'ln -sfn releases/r1 /srv/shop/current.r1.tmp && (mv -Tf /srv/shop/current.r1.tmp /srv/shop/current 2>/dev/null || { rm -f /srv/shop/current.r1.tmp; ln -sfn releases/r1 /srv/shop/current; }) && cat >> /srv/shop/history.jsonl && if grep -qF tok /srv/shop/.lock/owner.json 2>/dev/null; then rm -rf /srv/shop/.lock; fi',
    );
  });

  it('ends a login by logging out and removing the private DOCKER_CONFIG, without a registry only the folder', () => {
    expect(logoutCommand('/srv/shop/.docker')).toBe('if [ -d /srv/shop/.docker ]; then rm -rf /srv/shop/.docker; fi');
  });

  it("checks for the image, and pulls it with the run's login when there is one", () => {
    expect(imagePresentCommand('reg/shop@sha256:d')).toBe(
      "docker image inspect --format '{{.Id}}' reg/shop@sha256:d >/dev/null 2>&1",
    );
    expect(pullCommand('reg/shop:v1')).toEqual(['docker', 'pull', '--quiet', 'reg/shop:v1']);
    expect(pullCommand('reg/shop:v1', '/srv/shop/.docker')).toEqual([
      'env',
      'DOCKER_CONFIG=/srv/shop/.docker',
      'docker',
      'pull',
      '--quiet',
      'reg/shop:v1',
    ]);
  });
});
