// GitHub Deployments for a deploy or a rollback, so the repository's Environments page and the pull
// request show what runs where. Plain fetch against GITHUB_API_URL (a few calls do not earn
// octokit's bundle). Never fails the step: a missing permission or an API error is a warning.
import { InputError } from '../inputs/InputError.js';
import type { InputReader } from '../inputs/InputReader.js';
import type { Log } from '../report/Log.js';

export interface DeploymentTarget {
  apiUrl: string;
  token: string;
  /** owner/name */
  repository: string;
  environment: string;
  /** The app's address, shown as "View deployment" on GitHub. */
  environmentUrl?: string;
  /** The run's page, where the deployment's log is. */
  logUrl?: string;
}

export interface DeploymentRequest {
  /** The commit the deployed image was built from. */
  sha: string;
  /** Up to 140 characters, shown in the Environments list. */
  description: string;
  /** Kept on the deployment for tools that read it. */
  payload: Record<string, unknown>;
  /** GitHub's `task`: `deploy`, or `deploy:rollback` for a rollback. */
  task?: string;
}

export type FinalState = 'success' | 'failure';

/** A started deployment; finish() posts its last status. */
export interface Deployment {
  readonly id?: number;
  finish(state: FinalState, description: string): Promise<void>;
}

const inert: Deployment = { finish: async () => undefined };

/**
 * The target from the action's inputs (github-token, environment, environment-url) and the runner's
 * environment, or undefined (with a debug line saying why) when there is nothing to record.
 */
export function readDeploymentTarget(
  inputs: InputReader,
  env: NodeJS.ProcessEnv,
  log: Log,
  runUrl?: string,
): DeploymentTarget | undefined {
  const environment = inputs.string('environment');
  const token = inputs.raw('github-token').trim();
  const environmentUrl = inputs.string('environment-url') || undefined;
  if (environmentUrl && !/^https?:\/\/[^\s/]+/.test(environmentUrl))
    throw new InputError('environment-url', `'${environmentUrl}' is not an http:// or https:// URL of the app`);
  const repository = env.GITHUB_REPOSITORY ?? '';
  const skip = (why: string) => {
    log.debug(`GitHub Deployments: not recorded (${why})`);
    return undefined;
  };
  if (!environment) return skip('no environment input');
  if (!token) return skip('no github-token');
  if (!repository.includes('/')) return skip('GITHUB_REPOSITORY is not set');
  return {
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    token,
    repository,
    environment,
    environmentUrl,
    logUrl: runUrl,
  };
}

/** GitHub's own rule: `production` is where end users are. `prod` and `production-eu` count too. */
export function isProductionEnvironment(name: string): boolean {
  return /^prod(uction)?([-_ .].*)?$/i.test(name);
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** One GitHub REST client for the few calls a deployment needs. */
class DeploymentsApi {
  constructor(private readonly t: DeploymentTarget) {}

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.t.apiUrl}/repos/${this.t.repository}${path}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${this.t.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'njord-deploy',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 200);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw new ApiError(res.status, `${method} ${path}: HTTP ${res.status} ${message}`.trim());
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  status(id: number, body: Record<string, unknown>): Promise<unknown> {
    return this.call('POST', `/deployments/${id}/statuses`, body);
  }
}

function short(description: string): string {
  return description.length > 140 ? description.slice(0, 139) + '…' : description;
}

/**
 * Creates the deployment for `req.sha` in the target environment and marks it in_progress. Returns an
 * inert handle when there is no target, or when GitHub refused (after one warning).
 */
export async function startDeployment(
  target: DeploymentTarget | undefined,
  req: DeploymentRequest,
  log: Log,
): Promise<Deployment> {
  if (!target) return inert;
  if (!/^[0-9a-f]{40}$/i.test(req.sha)) {
    log.debug(`GitHub Deployments: not recorded (no commit to record: '${req.sha}')`);
    return inert;
  }
  const what = req.task === 'deploy:rollback' ? 'rollback' : 'deploy';
  const api = new DeploymentsApi(target);
  const production = isProductionEnvironment(target.environment);
  let id: number;
  // In production, the deployment this one replaces, found now (its calls overlap the SSH work too).
  let replaced: number[] = [];
  try {
    const created = await api.call<{ id?: number; message?: string }>('POST', '/deployments', {
      ref: req.sha,
      task: req.task ?? 'deploy',
      environment: target.environment,
      description: short(req.description),
      payload: req.payload,
      auto_merge: false,
      // The image was built and checked already; GitHub's commit statuses are not a gate here.
      required_contexts: [],
      // Servers outlive the run: never "destroyed" when replaced.
      transient_environment: false,
      production_environment: production,
    });
    if (typeof created.id !== 'number') throw new Error(`POST /deployments: no deployment made (${created.message})`);
    id = created.id;
    await api.status(id, {
      state: 'in_progress',
      log_url: target.logUrl,
      description: short(req.description),
    });
    if (production) replaced = await liveBefore(api, target, id);
  } catch (err) {
    warn(err, target, what, log);
    return inert;
  }
  log.info(`GitHub Deployments: deployment ${id} of ${req.sha.slice(0, 7)} to ${target.environment} is in progress`);
  let finished = false;
  return {
    id,
    async finish(state, description) {
      if (finished) return;
      finished = true;
      try {
        await api.status(id, {
          state,
          log_url: target.logUrl,
          description: short(description),
          ...(state === 'success' && target.environmentUrl ? { environment_url: target.environmentUrl } : {}),
        });
        log.info(`GitHub Deployments: deployment ${id} is ${state === 'success' ? 'active' : 'marked failed'}`);
        // GitHub marks the replaced deployment inactive itself (auto_inactive), except in production
        // environments: there it is done here, once.
        if (state === 'success')
          for (const old of replaced) {
            await api.status(old, { state: 'inactive', description: `replaced by deployment ${id}` });
            log.info(`GitHub Deployments: deployment ${old} (replaced) is inactive`);
          }
      } catch (err) {
        warn(err, target, what, log);
      }
    },
  };
}

/**
 * The deployment of this environment that is live (its newest status is success), newest first,
 * stopping at the first live or inactive one: every older one was made inactive when it was replaced.
 */
async function liveBefore(api: DeploymentsApi, t: DeploymentTarget, current: number): Promise<number[]> {
  const env = encodeURIComponent(t.environment);
  const recent = await api.call<{ id: number }[]>('GET', `/deployments?environment=${env}&per_page=10`);
  for (const d of recent) {
    if (d.id === current) continue;
    const [latest] = await api.call<{ state?: string }[]>('GET', `/deployments/${d.id}/statuses?per_page=1`);
    if (latest?.state === 'success') return [d.id];
    if (latest?.state === 'inactive') return [];
  }
  return [];
}

/** Warns once (an annotation through the action's log), naming the permission when that is what lacks. */
function warn(err: unknown, t: DeploymentTarget, what: string, log: Log): void {
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  const message = (err instanceof Error ? err.message : String(err)) + cause;
  if (err instanceof ApiError && (err.status === 403 || err.status === 404))
    log.warn(
      `GitHub Deployments: the ${what} went ahead, but GitHub refused to record it as a deployment to ${t.environment} (${message}). Give the job \`permissions: deployments: write\`, or leave the environment input empty.`,
    );
  else log.warn(`GitHub Deployments: the ${what} went ahead, but recording it on GitHub failed: ${message}`);
}

/**
 * Runs `work` as a recorded deployment: created alongside it (the API calls overlap the SSH work),
 * then finished with the verdict on its result, or as a failure when it throws.
 */
export async function recordDeployment<T>(
  target: DeploymentTarget | undefined,
  req: DeploymentRequest,
  log: Log,
  work: () => Promise<T>,
  verdict: (result: T) => [FinalState, string],
): Promise<{ result: T; deployment: Deployment }> {
  const starting = startDeployment(target, req, log);
  let result: T;
  try {
    result = await work();
  } catch (err) {
    await (await starting).finish('failure', `failed: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
  const deployment = await starting;
  await deployment.finish(...verdict(result));
  return { result, deployment };
}
