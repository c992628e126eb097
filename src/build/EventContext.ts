// What the run was started by, read from the runner's environment and the event payload file:
// the tag rules and the OCI labels are computed from this alone.
import { readFileSync } from 'node:fs';

export interface EventContext {
  /** push, pull_request, schedule, workflow_dispatch, release, … */
  eventName: string;
  /** refs/heads/main, refs/tags/v1.2.3, refs/pull/7/merge */
  ref: string;
  sha: string;
  /** owner/name */
  repository: string;
  serverUrl: string;
  /** The repository's default branch, from the payload; absent on events whose payload has none. */
  defaultBranch?: string;
  /** The pull request's number on pull_request events. */
  pullRequest?: number;
  description?: string;
  /** SPDX id of the repository's licence, as GitHub detected it. */
  license?: string;
}

interface Payload {
  number?: number;
  pull_request?: { number?: number };
  repository?: { default_branch?: string; description?: string | null; license?: { spdx_id?: string } | null };
}

/** The context from an environment and a parsed payload (pure: unit tests feed both). */
export function eventContextFrom(env: NodeJS.ProcessEnv, payload: unknown): EventContext {
  const p = (payload && typeof payload === 'object' ? payload : {}) as Payload;
  const ref = env.GITHUB_REF ?? '';
  const fromRef = /^refs\/pull\/(\d+)\//.exec(ref)?.[1];
  const pr = p.pull_request?.number ?? p.number ?? (fromRef ? Number(fromRef) : undefined);
  const license = p.repository?.license?.spdx_id;
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    ref,
    sha: env.GITHUB_SHA ?? '',
    repository: env.GITHUB_REPOSITORY ?? '',
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    defaultBranch: p.repository?.default_branch || undefined,
    pullRequest: Number.isInteger(pr) ? pr : undefined,
    description: p.repository?.description || undefined,
    license: license && license !== 'NOASSERTION' ? license : undefined,
  };
}

/** The context of this run: the runner's variables and the payload at GITHUB_EVENT_PATH. */
export function readEventContext(env: NodeJS.ProcessEnv = process.env): EventContext {
  let payload: unknown = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
    } catch {
      // No payload (a local run): the rules fall back to what the variables say.
    }
  }
  return eventContextFrom(env, payload);
}
