import type { ZeroDowntimeSpec } from '../deploy/zeroDowntime/ZeroDowntimeConfig.js';

/**
 * The deploy options a release's compose ran with, kept in its release.json: the deploy's fallback
 * and the rollback start the release again with them, whatever the inputs of the run that does so.
 * A deploy input to replay is one field here (filled by DeployConfig's replayedOptions, passed to
 * compose by composeFor); a release that predates a field lacks it, which means the default.
 */
export interface ReplayedOptions {
  composeFiles: string[];
  /** The services switched through the proxy, when the release ran with `zero-downtime`. */
  zeroDowntime?: ZeroDowntimeSpec;
  /** `swarm` when the release was deployed as a stack (mode: swarm); absent for Compose. */
  mode?: 'swarm';
}

/** release.json: what a release ran and who put it there. The rollback action reads it back. */
export interface ReleaseManifest extends ReplayedOptions {
  id: string;
  app: string;
  image: string;
  /** The image's registry digest as resolved on the host after pulling (sha256:…). */
  digest?: string;
  /** Names only: values stay in the 0600 env file. */
  envKeys: string[];
  gitSha?: string;
  ref?: string;
  runUrl?: string;
  actor?: string;
  createdAt: string;
  status: 'pending' | 'active' | 'failed' | 'rolled-back';
  /** Why a release failed its gate, in one line. */
  failure?: string;
  /** The files that travel with the release besides the compose files (ReleaseFiles). */
  files?: { path: string; sha256: string; sops?: true }[];
}

export interface ReleaseEntry {
  id: string;
  manifest?: ReleaseManifest;
}

/** Release ids sort by time: 20261123-181652-123-abc1234 (UTC date, time, ms, short sha). */
export function newReleaseId(now: Date, gitSha?: string): string {
  const iso = now.toISOString(); // 2026-11-23T18:16:52.123Z
  const date = iso.slice(0, 10).replace(/-/g, '');
  const time = iso.slice(11, 19).replace(/:/g, '');
  const ms = iso.slice(20, 23);
  const sha = (gitSha ?? '').slice(0, 7) || 'local';
  return `${date}-${time}-${ms}-${sha}`;
}

export const RELEASE_ID = /^[0-9]{8}-[0-9]{6}-[0-9]{3}-[a-z0-9]+$/;

/**
 * Which releases to delete: the oldest beyond `keep`, never the current or the previous one,
 * whatever their age.
 */
export function releasesToPrune(ids: string[], keep: number, protect: (string | undefined)[]): string[] {
  const sorted = [...ids].sort().reverse();
  const kept = new Set(sorted.slice(0, Math.max(keep, 1)));
  for (const p of protect) if (p) kept.add(p);
  return sorted.filter((id) => !kept.has(id)).reverse();
}
