// The `rollout` input and the batches it makes of the hosts: which hosts switch together, in order.
// Pure: no host is touched here.
import { InputError } from '../inputs/InputError.js';
import type { InputReader } from '../inputs/InputReader.js';

/** All at once (today's behaviour), or batches of a size: a count of hosts, or a share of them. */
export type RolloutSpec =
  | { kind: 'parallel' }
  | { kind: 'hosts'; perBatch: number; text: string }
  | { kind: 'share'; percent: number; text: string };

export const PARALLEL: RolloutSpec = { kind: 'parallel' };

export function parseRollout(raw: string): RolloutSpec {
  const text = raw.trim().toLowerCase() || 'parallel';
  if (text === 'parallel') return PARALLEL;
  if (text === 'serial') return { kind: 'hosts', perBatch: 1, text };
  const count = /^(\d+)$/.exec(text);
  if (count && Number(count[1]) >= 1) return { kind: 'hosts', perBatch: Number(count[1]), text };
  const share = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (share && Number(share[1]) > 0 && Number(share[1]) <= 100)
    return { kind: 'share', percent: Number(share[1]), text };
  throw new InputError(
    'rollout',
    `'${raw.trim()}' is not a rollout: use parallel (all hosts at once), serial (one host at a time), a number of hosts per batch (2), or a share of the hosts per batch (25%)`,
  );
}

export function readRollout(inputs: InputReader): RolloutSpec {
  return parseRollout(inputs.string('rollout', 'parallel'));
}

/** The rollout as a person reads it: `serial`, `2 hosts per batch`, `25% per batch`. */
export function describeRollout(spec: RolloutSpec): string {
  if (spec.kind === 'parallel') return 'parallel';
  if (spec.kind === 'share') return `${spec.percent}% of the hosts per batch`;
  return spec.perBatch === 1 ? 'serial' : `${spec.perBatch} hosts per batch`;
}

/**
 * The hosts' indexes, batch by batch. Unless parallel, the first batch is one host (the canary);
 * then batches of the size asked for (a share is of all the hosts, rounded up, at least one).
 */
export function planBatches(hostCount: number, spec: RolloutSpec): number[][] {
  const all = Array.from({ length: hostCount }, (_, i) => i);
  if (spec.kind === 'parallel' || hostCount === 0) return hostCount ? [all] : [];
  const size = spec.kind === 'hosts' ? spec.perBatch : Math.max(1, Math.ceil((hostCount * spec.percent) / 100 - 1e-9));
  const batches = [[0]];
  for (let i = 1; i < hostCount; i += size) batches.push(all.slice(i, i + size));
  return batches;
}
