// The deploy across all hosts: connect all, prepare all, then roll out on each in parallel. A failure
// before the rollout changes nothing anywhere, and is an outcome like any other: each host says how it went.
import { closeHosts, connectEach, type HostSession } from '../ssh/HostSession.js';
import type { Log } from '../report/Log.js';
import { newLockOwner } from '../release/HostLock.js';
import { newReleaseId } from '../release/ReleaseManifest.js';
import type { DeployConfig } from './DeployConfig.js';
import { describePlan } from './DeployPlan.js';
import { HostDeployment, type HostResult, type HostStatus } from './HostDeployment.js';
import type { HeldLock } from '../runtime/heldLocks.js';
import { rolloutInBatches, type RolloutRecord } from './rolloutInBatches.js';
import { deployBatchPolicy } from './goBackSwitched.js';
import { onlyTheManager } from './swarm/pickManager.js';
import { releaseTasksOrStop, type ReleaseTasksOutcome } from './releaseTasks/ReleaseTasksStep.js';

export interface DeployOutcome {
  status: HostStatus;
  releaseId: string;
  hosts: HostResult[];
  /** Set when no host got as far as a rollout: the first failure (each host's is in its reason). */
  error?: Error;
  /** The release tasks and backup-before, when the deploy has any. */
  releaseTasks?: ReleaseTasksOutcome;
  /** The batches and each host's path, when `rollout` is not parallel. */
  rollout?: RolloutRecord;
}

export interface DeployHooks {
  /** Told which locks this run holds, so a killed run's post step can free them. */
  onLocks?: (held: HeldLock[]) => void;
}

export async function deploy(cfg: DeployConfig, log: Log, hooks: DeployHooks = {}): Promise<DeployOutcome> {
  const releaseId = newReleaseId(new Date(), cfg.meta.gitSha);
  const owner = newLockOwner('deploy', cfg.meta.actor, cfg.meta.runUrl);
  let connected = await connectEach(cfg, log);
  if (cfg.mode === 'swarm')
    connected = await onlyTheManager(
      connected,
      cfg.hosts.map((h) => h.label),
      log,
    );
  const sessions = connected.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
  const runs = sessions.map((s) => new HostDeployment(s, cfg, releaseId, owner, log));
  try {
    const unreachable = connected.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (unreachable) return await stoppedBeforeRollout(cfg, releaseId, connected, runs, unreachable.reason);
    if (cfg.dryRun) {
      for (const run of runs) {
        const steps = describePlan(await run.makePlan());
        run.result.status = 'dry-run';
        run.result.plan = steps;
        log.info(`${run.session.spec.label}: dry run, the plan (nothing is changed):\n${steps.join('\n')}`);
      }
      return { status: 'dry-run', releaseId, hosts: runs.map((r) => r.result) };
    }

    // Recorded before taking the locks: a run killed mid-way leaves its post step the tokens to free
    // (freeing checks the token, so a lock never taken is left alone).
    hooks.onLocks?.(
      runs.map((r) => ({ host: r.session.spec.label, token: owner.token, registry: cfg.registry?.server })),
    );
    const prepared = await Promise.allSettled(runs.map((r) => r.prepare()));
    const failed = prepared.find((p): p is PromiseRejectedResult => p.status === 'rejected');
    if (failed) {
      // Nothing has changed what runs: drop the new release everywhere and free the locks.
      await Promise.allSettled(runs.map((r) => r.abandon()));
      hooks.onLocks?.([]);
      return await stoppedBeforeRollout(cfg, releaseId, connected, runs, failed.reason);
    }
    const tasks = await releaseTasksOrStop(runs, cfg, releaseId, log);
    if (tasks.stopped) {
      await Promise.allSettled(runs.map((r) => r.abandon()));
      hooks.onLocks?.([]);
      return {
        ...(await stoppedBeforeRollout(cfg, releaseId, connected, runs, tasks.stopped)),
        releaseTasks: tasks.outcome,
      };
    }

    const { results, record } = await rolloutInBatches(runs, cfg.rollout, deployBatchPolicy(cfg, owner, log));
    hooks.onLocks?.([]);
    if (cfg.mode === 'swarm') await Promise.all(runs.map((r) => describeStack(r, log)));
    return {
      status: overall(results.map((r) => r.status)),
      releaseId,
      hosts: results,
      releaseTasks: tasks.outcome,
      rollout: record,
    };
  } finally {
    closeHosts(sessions);
  }
}

/** The outcome when some host failed before the rollout: it says what failed; the others that they were fine. */
async function stoppedBeforeRollout(
  cfg: DeployConfig,
  releaseId: string,
  connected: PromiseSettledResult<HostSession>[],
  runs: HostDeployment[],
  error: unknown,
): Promise<DeployOutcome> {
  await Promise.allSettled(runs.map((r) => r.readWhatRuns()));
  const bySession = new Map(runs.map((r) => [r.session, r.result]));
  const hosts = connected.map((c, i): HostResult => {
    if (c.status === 'rejected')
      return {
        host: cfg.hosts[i]!.label,
        status: 'failed',
        attempted: releaseId,
        image: cfg.image,
        timings: {},
        reason: `connect: ${(c.reason as Error).message}`,
      };
    const r = bySession.get(c.value)!;
    if (!r.reason) r.status = 'unchanged';
    return r;
  });
  return {
    status: 'failed',
    releaseId,
    hosts,
    error: error instanceof Error ? error : new Error(String(error)),
  };
}

/** mode: swarm: the stack as the run left it, for the run page (a failure to read it is only a warning). */
async function describeStack(run: HostDeployment, log: Log): Promise<void> {
  try {
    await run.readStack();
  } catch (err) {
    log.warn(`${run.session.spec.label}: could not read the stack for the summary: ${(err as Error).message}`);
  }
}

/** One word for the whole run: any failure fails it; else any rollback; else deployed. */
export function overall(statuses: HostStatus[]): HostStatus {
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('rolled-back')) return 'rolled-back';
  return 'deployed';
}
