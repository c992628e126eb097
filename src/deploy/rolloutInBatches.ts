// The rollout step batch by batch (RolloutBatches): a batch starts when the one before it passed.
// When a host does not pass, the run stops there: hosts never reached are let go as they were
// (their prepared release taken away, their lock freed), and the hosts switched so far are taken
// back, so that the fleet ends on one release.
import { describeRollout, planBatches, type RolloutSpec } from './RolloutBatches.js';
import { rolloutEverywhere, type HostRun } from './rolloutEverywhere.js';

interface MayFail {
  status: string;
  reason?: string;
}

/** A host's part of the run that the batches can also let go without starting it. */
export interface BatchedRun<R extends MayFail> extends HostRun<R> {
  readonly session: { readonly spec: { readonly label: string } };
  /** Undoes what preparing did on a host never started: its release, its lock. */
  abandon(): Promise<void>;
}

/** How one host went: switched and kept, switched then taken back, failed its own gate, or never reached. */
export type HostPath = 'switched' | 'switched, then back' | 'rolled back' | 'failed' | 'untouched';

export interface BatchRecord {
  hosts: string[];
  tookMs: number;
  /** `passed`: every host of it passed; `stopped`: one did not; `not started`: the run stopped before it. */
  result: 'passed' | 'stopped' | 'not started';
}

export interface RolloutRecord {
  /** As a person reads it (`serial`, `2 hosts per batch`). */
  rollout: string;
  batches: BatchRecord[];
  paths: { host: string; path: HostPath }[];
  /** The host whose failure stopped the run. */
  stoppedBy?: string;
  /** Taking the switched hosts back, when the run stopped after some had switched. */
  goingBackMs?: number;
}

export interface BatchPolicy<R extends MayFail, T extends BatchedRun<R>> {
  /** The host did what was asked: the next batch may start. */
  passed(r: R): boolean;
  /** Marks the result of a host the rollout never reached (it was let go as it was). */
  untouched(r: R): void;
  /** Takes the switched hosts back after `stoppedBy` did not pass; each result says how it went. */
  goBack?(runs: T[], stoppedBy: string): Promise<void>;
}

export interface BatchedOutcome<R> {
  results: R[];
  /** Unset for a parallel rollout: one batch of all hosts, as before batches existed. */
  record?: RolloutRecord;
}

export async function rolloutInBatches<R extends MayFail, T extends BatchedRun<R>>(
  runs: T[],
  spec: RolloutSpec,
  policy: BatchPolicy<R, T>,
): Promise<BatchedOutcome<R>> {
  if (spec.kind === 'parallel') return { results: await rolloutEverywhere(runs) };
  const label = (i: number) => runs[i]!.session.spec.label;
  const paths = new Map<number, HostPath>(runs.map((_, i) => [i, 'untouched']));
  const record: RolloutRecord = { rollout: describeRollout(spec), batches: [], paths: [] };
  const switched: number[] = [];
  const batches = planBatches(runs.length, spec);
  let next = 0;
  for (; next < batches.length && !record.stoppedBy; next++) {
    const batch = batches[next]!;
    const started = performance.now();
    const results = await rolloutEverywhere(batch.map((i) => runs[i]!));
    const failed = batch.filter((_, k) => !policy.passed(results[k]!));
    for (const [k, i] of batch.entries()) {
      const passed = policy.passed(results[k]!);
      paths.set(i, passed ? 'switched' : results[k]!.status === 'rolled-back' ? 'rolled back' : 'failed');
      if (passed) switched.push(i);
    }
    record.batches.push({
      hosts: batch.map(label),
      tookMs: performance.now() - started,
      result: failed.length ? 'stopped' : 'passed',
    });
    if (failed.length) record.stoppedBy = label(failed[0]!);
  }
  const left = batches.slice(next);
  for (const batch of left) record.batches.push({ hosts: batch.map(label), tookMs: 0, result: 'not started' });
  const unreached = left.flat();
  // Let go first: their locks are free while the switched hosts go back.
  await Promise.allSettled(unreached.map((i) => runs[i]!.abandon()));
  for (const i of unreached) policy.untouched(runs[i]!.result);
  if (record.stoppedBy && switched.length && policy.goBack) {
    const started = performance.now();
    await policy.goBack(
      switched.map((i) => runs[i]!),
      record.stoppedBy,
    );
    record.goingBackMs = performance.now() - started;
    for (const i of switched) {
      const r = runs[i]!.result;
      if (!policy.passed(r)) paths.set(i, r.status === 'rolled-back' ? 'switched, then back' : 'failed');
    }
  }
  record.paths = runs.map((_, i) => ({ host: label(i), path: paths.get(i)! }));
  return { results: runs.map((r) => r.result), record };
}
