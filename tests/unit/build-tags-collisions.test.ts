// A branch whose name is another kind's tag (latest, a version, sha-…, pr-…, nightly, the cache)
// would overwrite that tag on every push to it: its tag gets a `branch-` prefix instead.
import { describe, expect, it } from 'vitest';
import { buildPush } from '../../src/build/BuildPush.js';
import type { DockerCli } from '../../src/build/DockerCli.js';
import type { EventContext } from '../../src/build/EventContext.js';
import { parseImageName } from '../../src/build/ImageName.js';
import { computeTags } from '../../src/build/TagRules.js';
import { silentLog } from '../../src/report/Log.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

function push(branch: string, defaultBranch = 'main'): EventContext {
  return {
    eventName: 'push',
    ref: `refs/heads/${branch}`,
    sha: SHA,
    repository: 'acme/shop',
    serverUrl: 'https://github.com',
    defaultBranch,
  };
}

describe('branch tags that collide with the other kinds', () => {
  it.each([
    ['latest', 'branch-latest', 'latest is the tag of the latest release'],
    ['Latest', 'branch-latest', 'latest is the tag of the latest release'],
    ['1.2.3', 'branch-1.2.3', '1.2.3 is the tag of a version release'],
    ['1.2', 'branch-1.2', '1.2 is the tag of a version release'],
    ['1', 'branch-1', '1 is the tag of a version release'],
    ['2.0.0-rc.1', 'branch-2.0.0-rc.1', '2.0.0-rc.1 is the tag of a version release'],
    ['sha-0123abc', 'branch-sha-0123abc', "sha-0123abc is the tag of a commit's build"],
    ['pr-42', 'branch-pr-42', "pr-42 is the tag of a pull request's build"],
    ['nightly', 'branch-nightly', 'nightly is the tag of the scheduled builds'],
    ['buildcache', 'branch-buildcache', "buildcache is the tag of the registry's build cache"],
  ])("a branch named %s is tagged %s, never the other kind's tag", (branch, tag, why) => {
    const t = computeTags(push(branch));
    expect(t.tags).toEqual([tag, 'sha-0123456']);
    expect(t.version).toBe(tag);
    expect(t.renamed).toBe(`the branch ${branch} is tagged ${tag}, not ${tag.slice(7)}: ${why}`);
  });

  it('the default branch named latest still gets latest, beside its own prefixed tag', () => {
    expect(computeTags(push('latest', 'latest')).tags).toEqual(['branch-latest', 'latest', 'sha-0123456']);
  });

  it('names that only look close keep their own tag, with no notice', () => {
    for (const branch of ['release/1.2', 'v1.2.3', '1.x', 'sha-256-support', 'pr-review', 'latest-ui', '2fa-login']) {
      const t = computeTags(push(branch));
      expect(t.tags[0], branch).not.toMatch(/^branch-/);
      expect(t.renamed, branch).toBeUndefined();
    }
  });

  it('release tags themselves are unchanged', () => {
    const ctx = { ...push('main'), ref: 'refs/tags/v1.2.3' };
    expect(computeTags(ctx)).toEqual({ tags: ['1.2.3', '1.2', '1', 'latest', 'sha-0123456'], version: '1.2.3' });
  });

  it('the build says so in a notice before it starts', async () => {
    const notices: string[] = [];
    // Docker is not reached: the notice comes first, then the builder check stops the run here.
    const docker = { run: () => Promise.reject(new Error('no docker here')) } as unknown as DockerCli;
    await buildPush(
      {
        image: parseImageName('ghcr.io/acme/shop'),
        context: '/nonexistent',
        registry: 'ghcr.io',
        push: false,
        extraTags: [],
        buildArgs: new Map(),
        labels: new Map(),
        platforms: [],
        cache: 'none',
      },
      push('1.2'),
      { docker, log: silentLog, tempDir: '/nonexistent', saveState: () => undefined, notice: (m) => notices.push(m) },
    ).catch(() => undefined);
    expect(notices).toEqual([
      'Branch tag prefixed: the branch 1.2 is tagged branch-1.2, not 1.2: 1.2 is the tag of a version release.',
    ]);
  });
});
