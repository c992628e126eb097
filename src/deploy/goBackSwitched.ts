// When a batched rollout stops, the hosts that switched in it go back to the release they ran
// before, by the rollback's own path (lock, pull again if pruned, the zero-downtime switch when
// that release ran through it, gate, history), so the fleet ends on one release.
import type { Log } from '../report/Log.js';
import type { LockOwner } from '../remote/LockCommands.js';
import { HostRollback } from '../rollback/HostRollback.js';
import type { RollbackConfig } from '../rollback/RollbackConfig.js';
import type { DeployConfig } from './DeployConfig.js';
import type { HostDeployment, HostResult } from './HostDeployment.js';
import { PARALLEL } from './RolloutBatches.js';
import type { BatchPolicy } from './rolloutInBatches.js';

/** The deploy's batches: a host passes when deployed; the switched ones go back when one fails. */
export function deployBatchPolicy(
  cfg: DeployConfig,
  owner: LockOwner,
  log: Log,
): BatchPolicy<HostResult, HostDeployment> {
  return {
    passed: (r) => r.status === 'deployed',
    untouched: (r) => {
      r.status = 'unchanged';
    },
    goBack: (runs, stoppedBy) => goBackSwitched(runs, stoppedBy, cfg, owner, log),
  };
}

export async function goBackSwitched(
  runs: HostDeployment[],
  stoppedBy: string,
  cfg: DeployConfig,
  owner: LockOwner,
  log: Log,
): Promise<void> {
  await Promise.allSettled(runs.map((run) => goBack(run, stoppedBy, cfg, owner, log)));
}

async function goBack(
  run: HostDeployment,
  stoppedBy: string,
  cfg: DeployConfig,
  owner: LockOwner,
  log: Log,
): Promise<void> {
  const r = run.result;
  const previous = r.previous;
  const why = `the rollout stopped when ${stoppedBy} failed`;
  if (!previous) {
    r.reason = `${why}; this host had no release before, so ${r.attempted} stays`;
    log.warn(`${r.host}: ${r.reason}`);
    return;
  }
  log.info(`${r.host}: ${why}: going back to ${previous}`);
  const back = new HostRollback(run.session, rollbackConfig(cfg, previous, why), owner, log);
  try {
    await back.prepare();
    if (!back.found) throw new Error(`release ${previous} is no longer on the host (${back.result.reason})`);
    const done = await back.rollout();
    r.status = done.status === 'rolled-back' ? 'rolled-back' : 'failed';
    r.release = done.release;
    r.rollbackGate = done.gate;
    r.reason =
      done.status === 'rolled-back'
        ? `healthy, then taken back to ${previous}: ${why}`
        : `${why}, and going back to ${previous} failed: ${done.reason}`;
  } catch (err) {
    await back.abandon().catch(() => undefined);
    r.status = 'failed';
    r.reason = `${why}, and going back to ${previous} failed: ${(err as Error).message}`;
  }
}

/** The rollback of one release, with the deploy's connection, health gate and login. */
function rollbackConfig(cfg: DeployConfig, release: string, why: string): RollbackConfig {
  return {
    ...cfg,
    to: { kind: 'release', id: release },
    toText: release,
    reason: why,
    dryRun: false,
    rollout: PARALLEL,
  };
}
