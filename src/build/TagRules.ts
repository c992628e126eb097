// Which tags a run puts on the image, from the event alone (pure):
//   sha-<7 hex> always; the branch, slugged; `latest` on the default branch;
//   1.2.3, 1.2 and 1 for a v1.2.3 tag (and `latest`), where a pre-release gets only its full version
//   and 0.x gets no bare `0`; pr-<n> for pull requests; nightly for scheduled runs; plus the extras.
// A branch whose slug is one of the other kinds' tags is tagged branch-<slug> instead.
import semver from 'semver';
import { CACHE_TAG } from './BuildPlan.js';
import type { EventContext } from './EventContext.js';

export interface TagSet {
  /** In order of preference: the first names the image when it is not pushed. */
  tags: string[];
  /** The version this build stands for: 1.2.3, the branch slug, pr-7, nightly or sha-abc1234. */
  version: string;
  /** Why `latest` was not set on a branch build, for a notice (the payload had no default branch). */
  note?: string;
  /** Why the branch's tag got the `branch-` prefix, for a notice. */
  renamed?: string;
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

/**
 * What another kind of tag means by this name, when a branch's slug is one: `latest`, a version
 * (1, 1.2, 1.2.3, 1.3.0-rc.1), sha-<hex>, pr-<n>, nightly, the registry cache.
 */
function otherKind(slug: string): string | undefined {
  if (slug === 'latest') return 'the latest release';
  if (/^\d+(\.\d+)?$/.test(slug) || semver.valid(slug) === slug) return 'a version release';
  if (/^sha-[0-9a-f]{7,40}$/.test(slug)) return "a commit's build";
  if (/^pr-\d+$/.test(slug)) return "a pull request's build";
  if (slug === 'nightly') return 'the scheduled builds';
  if (slug === CACHE_TAG) return "the registry's build cache";
  return undefined;
}

export function shortSha(sha: string): string {
  return sha.slice(0, 7).toLowerCase();
}

export function computeTags(ctx: EventContext, extra: readonly string[] = []): TagSet {
  const shaTag = /^[0-9a-f]{7,}$/i.test(ctx.sha) ? `sha-${shortSha(ctx.sha)}` : undefined;
  const own: string[] = [];
  let version: string | undefined;
  let note: string | undefined;
  let renamed: string | undefined;

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
    // A push to a branch named 1.2 or latest must not move the release's tag: prefix it, as
    // docker/metadata-action's kinds are (sha-, pr-), rather than fail every build of the branch.
    const kind = version && otherKind(version);
    if (version && kind) {
      const prefixed = `branch-${version}`.slice(0, 128);
      renamed = `the branch ${branch} is tagged ${prefixed}, not ${version}: ${version} is the tag of ${kind}`;
      version = prefixed;
    }
    if (version) own.push(version);
    if (ctx.defaultBranch === undefined)
      note = `the event payload names no default branch, so 'latest' was not set on ${branch}`;
    else if (branch === ctx.defaultBranch) own.push('latest');
  }

  const tags = [...new Set([...own, ...(shaTag ? [shaTag] : []), ...extra])];
  return { tags, version: version ?? shaTag ?? tags[0] ?? '', note, renamed };
}
