// The tag rules of build-push, from the event alone: branches, tags, pre-releases, pull requests, schedule.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventContextFrom, readEventContext, type EventContext } from '../../src/build/EventContext.js';
import { computeTags, slugTag } from '../../src/build/TagRules.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

function ctx(over: Partial<EventContext>): EventContext {
  return {
    eventName: 'push',
    ref: 'refs/heads/main',
    sha: SHA,
    repository: 'acme/shop',
    serverUrl: 'https://github.com',
    defaultBranch: 'main',
    ...over,
  };
}

describe('tag rules', () => {
  it('a push to the default branch: the branch, latest and sha-<7 hex>', () => {
    expect(computeTags(ctx({}))).toEqual({ tags: ['main', 'latest', 'sha-0123456'], version: 'main' });
  });

  it('a push to another branch: its slug and the sha, not latest', () => {
    const t = computeTags(ctx({ ref: 'refs/heads/feature/Login-Page' }));
    expect(t.tags).toEqual(['feature-login-page', 'sha-0123456']);
    expect(t.version).toBe('feature-login-page');
  });

  it('the default branch is whatever the payload says, master included', () => {
    expect(computeTags(ctx({ ref: 'refs/heads/master', defaultBranch: 'master' })).tags).toContain('latest');
    expect(computeTags(ctx({ ref: 'refs/heads/main', defaultBranch: 'trunk' })).tags).not.toContain('latest');
  });

  it('without a default branch in the payload, no latest, and a note saying why', () => {
    const t = computeTags(ctx({ defaultBranch: undefined }));
    expect(t.tags).toEqual(['main', 'sha-0123456']);
    expect(t.note).toMatch(/no default branch.*'latest' was not set on main/);
  });

  it('a v1.2.3 tag: 1.2.3, 1.2, 1 and latest', () => {
    const t = computeTags(ctx({ ref: 'refs/tags/v1.2.3' }));
    expect(t.tags).toEqual(['1.2.3', '1.2', '1', 'latest', 'sha-0123456']);
    expect(t.version).toBe('1.2.3');
  });

  it('a tag without the v works the same', () => {
    expect(computeTags(ctx({ ref: 'refs/tags/2.0.1' })).tags).toEqual(['2.0.1', '2.0', '2', 'latest', 'sha-0123456']);
  });

  it('a pre-release moves neither latest nor the short tags', () => {
    const t = computeTags(ctx({ ref: 'refs/tags/v1.3.0-rc.1' }));
    expect(t.tags).toEqual(['1.3.0-rc.1', 'sha-0123456']);
    expect(t.version).toBe('1.3.0-rc.1');
  });

  it('0.x gets no bare 0 tag (it would mean every 0.y)', () => {
    expect(computeTags(ctx({ ref: 'refs/tags/v0.4.2' })).tags).toEqual(['0.4.2', '0.4', 'latest', 'sha-0123456']);
  });

  it('build metadata is dropped (+ is not allowed in a Docker tag)', () => {
    expect(computeTags(ctx({ ref: 'refs/tags/v1.2.3+build.7' })).tags[0]).toBe('1.2.3');
  });

  it('a tag that is not semver is slugged, without latest', () => {
    const t = computeTags(ctx({ ref: 'refs/tags/Release_2024/Spring' }));
    expect(t.tags).toEqual(['release_2024-spring', 'sha-0123456']);
  });

  it('a release event carries the tag ref', () => {
    expect(computeTags(ctx({ eventName: 'release', ref: 'refs/tags/v3.1.0' })).tags).toContain('3.1');
  });

  it('a pull request: pr-<n> and the sha, never the branch or latest', () => {
    const t = computeTags(ctx({ eventName: 'pull_request', ref: 'refs/pull/42/merge', pullRequest: 42 }));
    expect(t.tags).toEqual(['pr-42', 'sha-0123456']);
    expect(t.version).toBe('pr-42');
    expect(computeTags(ctx({ eventName: 'pull_request_target', pullRequest: 7 })).tags).toEqual([
      'pr-7',
      'sha-0123456',
    ]);
  });

  it('a scheduled run: nightly and the sha; latest stays on what was pushed', () => {
    const t = computeTags(ctx({ eventName: 'schedule' }));
    expect(t.tags).toEqual(['nightly', 'sha-0123456']);
    expect(t.version).toBe('nightly');
  });

  it('a manual run follows its ref like a push', () => {
    expect(computeTags(ctx({ eventName: 'workflow_dispatch' })).tags).toEqual(['main', 'latest', 'sha-0123456']);
    expect(computeTags(ctx({ eventName: 'workflow_dispatch', ref: 'refs/tags/v1.0.0' })).tags).toContain('1');
  });

  it('extra tags come last, without duplicates', () => {
    expect(computeTags(ctx({}), ['stable', 'latest']).tags).toEqual(['main', 'latest', 'sha-0123456', 'stable']);
  });

  it('no SHA and no ref: only the extra tags, and the version falls back to the first', () => {
    expect(computeTags(ctx({ sha: '', ref: '' }), ['edge'])).toEqual({ tags: ['edge'], version: 'edge' });
    expect(computeTags(ctx({ sha: '', ref: '' })).tags).toEqual([]);
  });
});

describe('slugTag', () => {
  it.each([
    ['feature/foo', 'feature-foo'],
    ['Dependabot/NPM_and_yarn/x-1.2', 'dependabot-npm_and_yarn-x-1.2'],
    ['--weird..//name--', 'weird..-name'],
    ['.hidden', 'hidden'],
    ['ünïcode', 'n-code'],
    ['a'.repeat(200), 'a'.repeat(128)],
    ['///', ''],
  ])('%s → %s', (input, out) => {
    expect(slugTag(input)).toBe(out);
    if (out) expect(out).toMatch(/^[a-z0-9_][a-z0-9_.-]{0,127}$/);
  });
});

describe('event context', () => {
  it('reads the default branch, the PR number, description and licence from the payload', () => {
    const c = eventContextFrom(
      {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_REF: 'refs/pull/9/merge',
        GITHUB_SHA: SHA,
        GITHUB_REPOSITORY: 'acme/shop',
      },
      {
        number: 9,
        pull_request: { number: 9 },
        repository: { default_branch: 'main', description: 'The shop', license: { spdx_id: 'MIT' } },
      },
    );
    expect(c).toMatchObject({ pullRequest: 9, defaultBranch: 'main', description: 'The shop', license: 'MIT' });
    expect(c.serverUrl).toBe('https://github.com');
  });

  it('takes the PR number from the ref when the payload has none; NOASSERTION is no licence', () => {
    const c = eventContextFrom(
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/31/merge' },
      { repository: { license: { spdx_id: 'NOASSERTION' } } },
    );
    expect(c.pullRequest).toBe(31);
    expect(c.license).toBeUndefined();
  });

  it('reads GITHUB_EVENT_PATH with fs, and lives without it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'njord-event-'));
    const file = join(dir, 'event.json');
    writeFileSync(file, JSON.stringify({ repository: { default_branch: 'develop' } }));
    expect(readEventContext({ GITHUB_EVENT_PATH: file, GITHUB_REF: 'refs/heads/develop' }).defaultBranch).toBe(
      'develop',
    );
    expect(readEventContext({ GITHUB_EVENT_PATH: join(dir, 'missing.json') }).defaultBranch).toBeUndefined();
  });
});
