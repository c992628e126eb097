// The rollback's inputs, read and checked into one typed object before any host is touched. The
// connection and health inputs are the deploy's, with the same names and rules.
import { readConnection, type ConnectionConfig } from '../ssh/ConnectionConfig.js';
import { readRegistry, type RegistryLogin, type RunMeta } from '../deploy/DeployConfig.js';
import { deployHealthInputs, readHealthSpec, type HealthGateSpec } from '../health/readHealthSpec.js';
import { InputError } from '../inputs/InputError.js';
import type { InputReader } from '../inputs/InputReader.js';
import { parseTo, type TargetSpec } from './RollbackTarget.js';
import { readRollout, type RolloutSpec } from '../deploy/RolloutBatches.js';
import { checkSwarmHealth, checkSwarmRollout, readMode, type DeployMode } from '../deploy/swarm/SwarmConfig.js';

export interface RollbackConfig extends ConnectionConfig {
  to: TargetSpec;
  /** As given, for reports. */
  toText: string;
  /** Why the person rolls back, kept in the history. */
  reason?: string;
  health: HealthGateSpec;
  /** The rollback's own login for a re-pull (server '' = the registry of the release's image). */
  registry?: RegistryLogin;
  lockTimeoutMs: number;
  dryRun: boolean;
  meta: RunMeta;
  /** How the hosts go back: all at once, or in batches after a canary (RolloutBatches). */
  rollout: RolloutSpec;
  /** `swarm`: hosts are managers; the first reachable one puts the stack back. */
  mode: DeployMode;
}

export function readRollbackConfig(inputs: InputReader, meta: RunMeta): RollbackConfig {
  const connection = readConnection(inputs);
  const toText = inputs.string('to', 'previous');
  const reason = inputs.string('reason') || undefined;
  if (reason && reason.length > 1000) throw new InputError('reason', 'is longer than 1000 characters; say it shorter');
  const health = readHealthSpec(inputs, deployHealthInputs);
  const mode = readMode(inputs);
  const rollout = readRollout(inputs);
  checkSwarmRollout(mode, rollout);
  checkSwarmHealth(mode, health);
  return {
    ...connection,
    to: parseTo(toText),
    toText,
    reason,
    health,
    registry: readRegistry(inputs, 'later'),
    lockTimeoutMs: inputs.seconds('lock-timeout', 300, { min: 0, max: 86_400 }) * 1000,
    dryRun: inputs.bool('dry-run', false),
    meta,
    rollout,
    mode,
  };
}
