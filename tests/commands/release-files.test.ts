// The command that unpacks the files travelling with a release, byte for byte, and where the plan puts it.
import { describe, expect, it } from 'vitest';
import { planDeploy, RELEASE_FILES_WRITE } from '../../src/deploy/DeployPlan.js';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { ReleaseCommands } from '../../src/remote/ReleaseCommands.js';

const layout = new ReleaseLayout('/srv/shop');
const id = '20261123-181652-123-abc1234';

describe('release files', () => {
  it('unpacks the archive from stdin into the release directory with its modes, owned by the user', () => {
    expect(new ReleaseCommands(layout).extractIntoRelease(id)).toBe(
      `mkdir -p /srv/shop/releases && (mkdir -m 700 /srv/shop/releases/${id} 2>/dev/null || test -d /srv/shop/releases/${id}) && (umask 077 && tar -x -p -o -f - -C /srv/shop/releases/${id})`,
    );
  });

  it('is one more write of the release, only when files travel', () => {
    const ctx = { app: 'shop', layout, compose: 'v2' as const, releaseId: id, options: { composeFiles: ['c.yml'] } };
    expect(planDeploy(ctx).writeFiles.map((w) => w.name)).toEqual(['c.yml', 'release.env', 'release.json']);
    const withFiles = planDeploy({ ...ctx, releaseFiles: { count: 2, sops: true } }).writeFiles;
    expect(withFiles.at(-1)).toEqual({
      name: RELEASE_FILES_WRITE,
      command: new ReleaseCommands(layout).extractIntoRelease(id),
      secret: true,
    });
  });
});
