// The rollback across all hosts: connect all, prepare all (lock, choose, image), then put the
// chosen release back on each in parallel. `to` must match a release on every host, or nothing changes.
import { closeHosts, connectEach, openHosts, type HostSession } from '../ssh/HostSession.js';
import { onlyTheManager } from '../deploy/swarm/pickManager.js';
import { InputError } from '../inputs/InputError.js';
import type { Log } from '../report/Log.js';
import { newLockOwner } from '../release/HostLock.js';
import { HostRollback, type HostRollbackResult, type RollbackStatus } from './HostRollback.js';
import type { RollbackConfig } from './RollbackConfig.js';
import { describeReleases } from './RollbackTarget.js';
import type { HeldLock } from '../runtime/heldLocks.js';
import { rolloutInBatches, type RolloutRecord } from '../deploy/rolloutInBatches.js';

export interface RollbackOutcome {
  status: RollbackStatus;
  hosts: HostRollbackResult[];
  /** Set when nothing was changed: `to` matched no release on some host. */
  error?: InputError;
  /** From connecting to the last host's end. */
  tookMs: number;
  /** The batches and each host's path, when `rollout` is not parallel. */
  rollout?: RolloutRecord;
}

export interface RollbackHooks {
  /** Told which locks this run holds, so a killed run's post step can free them. */
  onLocks?: (held: HeldLock[]) => void;
  /** Every host chose the release and holds its lock; the rollback starts now. */
  onChosen?: (hosts: HostRollbackResult[]) => void;
}

export async function rollback(cfg: RollbackConfig, log: Log, hooks: RollbackHooks = {}): Promise<RollbackOutcome> {
  const started = performance.now();
  const took = () => performance.now() - started;
  const owner = newLockOwner('rollback', cfg.meta.actor, cfg.meta.runUrl);
  const sessions = cfg.mode === 'swarm' ? await theManager(cfg, log) : await openHosts(cfg, log);
  const runs = sessions.map((s) => new HostRollback(s, cfg, owner, log));
  try {
    // Recorded before taking the locks: freeing checks the token, so a lock never taken is left alone.
    if (!cfg.dryRun)
      hooks.onLocks?.(
        runs.map((r) => ({
          host: r.session.spec.label,
          token: owner.token,
          registry: cfg.registry?.server || undefined,
        })),
      );
    const prepared = await Promise.allSettled(runs.map((r) => r.prepare()));
    const failed = prepared.find((p): p is PromiseRejectedResult => p.status === 'rejected');
    const missing = runs.filter((r) => !r.found);
    if (failed || missing.length || cfg.dryRun) {
      await Promise.allSettled(runs.map((r) => r.abandon()));
      hooks.onLocks?.([]);
      if (failed) throw failed.reason;
    }
    if (missing.length) {
      const lists = missing.map(
        (r) =>
          `'${cfg.toText}' matches no release on ${r.result.host}: ${r.result.reason}. Releases kept there, newest first:\n${describeReleases(r.result.releases ?? [])}`,
      );
      // A stack's releases are kept on the manager that deployed it, not on the others.
      const swarm =
        cfg.mode === 'swarm' && cfg.hosts.length > 1
          ? `\nIn mode: swarm the releases are kept on the manager that deployed; if that was another one, list it first in hosts.`
          : '';
      const error = new InputError('to', `${lists.join('\n')}${swarm}\nNothing was changed.`);
      return { status: 'failed', hosts: runs.map((r) => r.result), error, tookMs: took() };
    }
    if (cfg.dryRun) {
      for (const r of runs)
        log.info(`${r.session.spec.label}: dry run, the plan (nothing is changed):\n${r.result.plan?.join('\n')}`);
      return { status: 'dry-run', hosts: runs.map((r) => r.result), tookMs: took() };
    }

    hooks.onChosen?.(runs.map((r) => r.result));
    // In batches, a host that fails stops the run; the hosts it did not reach keep what they run.
    const { results, record } = await rolloutInBatches<HostRollbackResult, HostRollback>(runs, cfg.rollout, {
      passed: (r) => r.status === 'rolled-back',
      untouched: (r) => {
        r.status = 'unchanged';
        r.release = r.from;
      },
    });
    hooks.onLocks?.([]);
    return {
      status: results.some((r) => r.status !== 'rolled-back') ? 'failed' : 'rolled-back',
      hosts: results,
      tookMs: took(),
      rollout: record,
    };
  } finally {
    closeHosts(sessions);
  }
}

/** mode: swarm: the session of the first manager that answers, the only host the rollback uses. */
async function theManager(cfg: RollbackConfig, log: Log): Promise<HostSession[]> {
  const [chosen] = await onlyTheManager(
    await connectEach(cfg, log),
    cfg.hosts.map((h) => h.label),
    log,
  );
  if (chosen?.status !== 'fulfilled') throw (chosen as PromiseRejectedResult).reason;
  return [chosen.value];
}
