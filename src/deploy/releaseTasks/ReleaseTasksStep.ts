// The release tasks as a step of the deploy: run them, and say whether the deploy must stop (a task
// or backup-before failed) with the reason put on the host where it happened.
import type { Log } from '../../report/Log.js';
import type { DeployConfig } from '../DeployConfig.js';
import type { HostDeployment } from '../HostDeployment.js';
import { runReleaseTasks, taskFailure, type ReleaseTasksOutcome } from './ReleaseTasks.js';

export type { ReleaseTasksOutcome } from './ReleaseTasks.js';

export interface TasksStep {
  outcome?: ReleaseTasksOutcome;
  /** Set when the deploy must stop before any host switches. */
  stopped?: Error;
}

export async function releaseTasksOrStop(
  runs: HostDeployment[],
  cfg: DeployConfig,
  releaseId: string,
  log: Log,
): Promise<TasksStep> {
  let outcome: ReleaseTasksOutcome | undefined;
  try {
    outcome = await runReleaseTasks(runs, cfg, releaseId, log);
  } catch (err) {
    return { stopped: err instanceof Error ? err : new Error(String(err)) };
  }
  if (!outcome?.failed) return { outcome };
  const failed = outcome.failed;
  const reason = taskFailure(failed);
  const host = runs.find((r) => r.session.spec.label === failed.host);
  if (host) {
    host.result.status = 'failed';
    host.result.reason = reason;
  }
  return { outcome, stopped: new Error(`${failed.host}: ${reason}; no host was switched`) };
}
