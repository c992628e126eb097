// Which retained release a rollback puts back, from the `to` input: `previous`, a release id, or
// an image (tag, reference or digest) that a release ran. Pure: tests check it without a host.
import { InputError } from '../inputs/InputError.js';
import { RELEASE_ID, type ReleaseEntry, type ReleaseManifest } from '../release/ReleaseManifest.js';
import { repositoryOf } from '../remote/DockerCommands.js';

export type TargetSpec =
  | { kind: 'previous' }
  | { kind: 'release'; id: string }
  /** A bare tag (`v2`), a reference (`ghcr.io/acme/shop:v2`, `…@sha256:…`) or a digest (`sha256:…`). */
  | { kind: 'image'; ref: string };

/** A release that can be put back: it has its release.json, so its files and image are known. */
export interface Candidate {
  id: string;
  manifest: ReleaseManifest;
}

const DIGEST = /^sha256:[0-9a-f]{12,64}$/;
const IMAGE_WORD = /^[a-zA-Z0-9][\w.:/@-]*$/;

export function parseTo(raw: string): TargetSpec {
  const to = raw.trim() || 'previous';
  if (to === 'previous') return { kind: 'previous' };
  if (RELEASE_ID.test(to)) return { kind: 'release', id: to };
  if (!IMAGE_WORD.test(to) || to.length > 512)
    throw new InputError(
      'to',
      `'${to}' is not previous, a release id (like 20261123-181652-123-abc1234), an image tag, reference or digest`,
    );
  return { kind: 'image', ref: to };
}

/** The tag of `registry/name:tag[@digest]`, or undefined when it has none. */
export function tagOf(image: string): string | undefined {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(colon + 1) : undefined;
}

/** The image a release ran, pinned by the digest it recorded: tags may have moved since. */
export function pinnedImage(m: ReleaseManifest): string | undefined {
  if (!m.image) return undefined;
  if (/@sha256:[0-9a-f]{64}$/.test(m.image)) return m.image;
  return m.digest ? `${repositoryOf(m.image)}@${m.digest}` : m.image;
}

export function imageMatches(m: ReleaseManifest, ref: string): boolean {
  if (!m.image) return false;
  const digest = m.digest ?? /@(sha256:[0-9a-f]{64})$/.exec(m.image)?.[1];
  if (DIGEST.test(ref)) return !!digest && digest.startsWith(ref);
  if (ref.includes('@')) {
    const [repo, d] = ref.split('@') as [string, string];
    return m.image === ref || (repositoryOf(m.image) === repositoryOf(repo) && digest === d);
  }
  if (ref.includes('/') || ref.includes(':')) return m.image === ref || m.image.split('@')[0] === ref;
  return tagOf(m.image) === ref;
}

/** Passed its gate when it was deployed (a release that failed it is only taken when named). */
const healthy = (c: Candidate) => c.manifest.status === 'active';

export type Choice = { ok: true; target: Candidate; note?: string } | { ok: false; why: string };

/**
 * - previous: the newest healthy release older than the current one (again and again steps further
 *   back, like Capistrano);
 * - a release id: that release;
 * - an image: the newest release that ran it, healthy ones first.
 */
export function chooseTarget(spec: TargetSpec, releases: ReleaseEntry[], current: string | undefined): Choice {
  const candidates = releases
    .filter((r): r is Candidate => !!r.manifest)
    .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  if (spec.kind === 'previous') {
    if (!current) return { ok: false, why: 'no release is current here, so there is no previous one; name one in to' };
    const target = candidates.find((c) => c.id < current && healthy(c));
    return target
      ? { ok: true, target }
      : { ok: false, why: `no healthy release older than the current one (${current}) is kept here` };
  }
  if (spec.kind === 'release') {
    const target = candidates.find((c) => c.id === spec.id);
    if (!target)
      return releases.some((r) => r.id === spec.id)
        ? { ok: false, why: `release ${spec.id} has no release.json, so what it ran is unknown` }
        : { ok: false, why: `no release ${spec.id} is kept here` };
    return { ok: true, target, note: healthy(target) ? undefined : failedNote(target) };
  }
  const matching = candidates.filter((c) => imageMatches(c.manifest, spec.ref));
  const target = matching.find(healthy) ?? matching[0];
  if (!target) return { ok: false, why: `no release kept here ran ${spec.ref}` };
  return { ok: true, target, note: healthy(target) ? undefined : failedNote(target) };
}

function failedNote(c: Candidate): string {
  return `release ${c.id} did not pass its health gate when it was deployed (${c.manifest.status}${c.manifest.failure ? `: ${c.manifest.failure}` : ''}); it is gated again now`;
}

/** The releases kept on a host, newest first, as the error and the summary list them. */
export interface ReleaseRow {
  id: string;
  image: string;
  createdAt: string;
  actor: string;
  status: string;
  current: boolean;
}

export function releaseRows(releases: ReleaseEntry[], current: string | undefined): ReleaseRow[] {
  return [...releases]
    .sort((a, b) => (a.id < b.id ? 1 : -1))
    .map((r) => ({
      id: r.id,
      image: r.manifest ? r.manifest.image || '(set in the compose files)' : '(no release.json)',
      createdAt: r.manifest?.createdAt ?? '',
      actor: r.manifest?.actor ?? '',
      status: r.manifest?.status ?? '',
      current: r.id === current,
    }));
}

/** One line per release, for error messages and the terminal. */
export function describeReleases(rows: ReleaseRow[]): string {
  if (!rows.length) return '  (none: nothing was deployed here with this app and remote-dir)';
  return rows
    .map(
      (r) =>
        `  ${r.id}  ${r.image}  ${r.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z') || '?'}  by ${r.actor || '?'}  ${r.status}${r.current ? '  (current)' : ''}`,
    )
    .join('\n');
}
