// The `mode` input: `compose` (each host runs the app with Compose) or `swarm` (the first reachable
// manager deploys the app as a stack, and swarm's rolling update switches the tasks). In swarm mode
// the compose files travel as written, with one file njord adds (SwarmStackFiles).
import { isExecCheck } from '../../health/healthTargets.js';
import type { HealthGateSpec } from '../../health/readHealthSpec.js';
import { InputError } from '../../inputs/InputError.js';
import type { InputReader } from '../../inputs/InputReader.js';
import type { RolloutSpec } from '../RolloutBatches.js';
import type { ReleaseTasksConfig } from '../releaseTasks/ReleaseTasksConfig.js';

export type DeployMode = 'compose' | 'swarm';

export function readMode(inputs: InputReader): DeployMode {
  return inputs.oneOf('mode', ['compose', 'swarm'], 'compose') as DeployMode;
}

/** Refuses what has no meaning for a stack, before any host is touched. */
export function checkSwarmInputs(mode: DeployMode, rollout: RolloutSpec, tasks: ReleaseTasksConfig): void {
  if (mode !== 'swarm') return;
  checkSwarmRollout(mode, rollout);
  if (tasks.tasks.length)
    throw new InputError(
      'release-command',
      `is not run in mode: swarm yet (a one-off task would run on one node, outside the stack); run the migration from the app's start, or deploy in mode: compose`,
    );
  if (tasks.backupBefore)
    throw new InputError(
      'backup-before',
      `is not available in mode: swarm: a swarm's volumes live on the nodes that run its tasks; back up from the node (see docs/how-tos/swarm.md)`,
    );
}

/** `rollout` paces hosts that each run the app; a stack has one manager and swarm's own pace. */
export function checkSwarmRollout(mode: DeployMode, rollout: RolloutSpec): void {
  if (mode === 'swarm' && rollout.kind !== 'parallel')
    throw new InputError(
      'rollout',
      `is for hosts that each run the app (mode: compose); with mode: swarm one manager deploys the stack and swarm's rolling update (deploy.update_config) sets the pace: remove rollout`,
    );
}

/**
 * An exec:// check runs in a container on the host njord reaches, the manager; a stack's tasks run
 * on any node, so such a check would pass or fail by where swarm placed them. Refused up front.
 */
export function checkSwarmHealth(mode: DeployMode, health: HealthGateSpec): void {
  if (mode !== 'swarm') return;
  const exec = health.urls.find(isExecCheck);
  if (exec)
    throw new InputError(
      'health-url',
      `'${exec}' runs in a container on the manager, but in mode: swarm a service's tasks run on any node: give the service a Docker healthcheck (the gate waits for its tasks to be healthy), or check it by http:// or tcp://`,
    );
}
