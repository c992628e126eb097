// Which tags a run puts on the image, from the event alone (pure):
//   sha-<7 hex> always; the branch, slugged; `latest` on the default branch;
//   1.2.3, 1.2 and 1 for a v1.2.3 tag (and `latest`), where a pre-release gets only its full version
//   and 0.x gets no bare `0`; pr-<n> for pull requests; nightly for scheduled runs; plus the extras.
import semver from 'semver';
import type { EventContext } from './EventContext.js';

export interface TagSet {
  /** In order of preference: the first names the image when it is not pushed. */
  tags: string[];
  /** The version this build stands for: 1.2.3, the branch slug, pr-7, nightly or sha-abc1234. */
  version: string;
  /** Why `latest` was not set on a branch build, for a notice (the payload had no default branch). */
  note?: string;
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);

/** A branch or tag name as a Docker tag: lower case, [a-z0-9_.-], no leading . or -, at most 128. */
export function slugTag(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128)
    .replace(/-+$/, '');
}

export function shortSha(sha: string): string {
  return sha.slice(0, 7).toLowerCase();
}

export function computeTags(ctx: EventContext, extra: readonly string[] = []): TagSet {
  const shaTag = /^[0-9a-f]{7,}$/i.test(ctx.sha) ? `sha-${shortSha(ctx.sha)}` : undefined;
  const own: string[] = [];
  let version: string | undefined;
  let note: string | undefined;

  const branch = /^refs\/heads\/(.+)$/.exec(ctx.ref)?.[1];
  const tag = /^refs\/tags\/(.+)$/.exec(ctx.ref)?.[1];

  if (PR_EVENTS.has(ctx.eventName)) {
    if (ctx.pullRequest !== undefined) {
      version = `pr-${ctx.pullRequest}`;
      own.push(version);
    }
  } else if (ctx.eventName === 'schedule') {
    version = 'nightly';
    own.push(version);
  } else if (tag) {
    const v = semver.parse(tag);
    if (v) {
      version = v.version;
      own.push(v.version);
      if (!v.prerelease.length) {
        own.push(`${v.major}.${v.minor}`);
        if (v.major > 0) own.push(String(v.major));
        own.push('latest');
      }
    } else {
      version = slugTag(tag) || undefined;
      if (version) own.push(version);
    }
  } else if (branch) {
    version = slugTag(branch) || undefined;
    if (version) own.push(version);
    if (ctx.defaultBranch === undefined)
      note = `the event payload names no default branch, so 'latest' was not set on ${branch}`;
    else if (branch === ctx.defaultBranch) own.push('latest');
  }

  const tags = [...new Set([...own, ...(shaTag ? [shaTag] : []), ...extra])];
  return { tags, version: version ?? shaTag ?? tags[0] ?? '', note };
}
