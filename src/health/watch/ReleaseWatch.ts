// The watch after the gate: the release's checks every interval for the watch's length, each round
// a sample, every trigger judged after each. The first trigger that trips ends the watch.
import type { Log } from '../../report/Log.js';
import type { CheckOutcome, HealthCheck } from '../HealthCheck.js';
import type { PrometheusQuery } from './PrometheusQuery.js';
import type { WatchSpec } from './RollbackTriggers.js';
import { describeTrip, evaluateTriggers, type TrippedTrigger, type WatchSample } from './TriggerEvaluator.js';

export interface WatchResult {
  samples: WatchSample[];
  tripped?: TrippedTrigger;
  /** How long it watched, in ms. */
  watchedMs: number;
  /** Why a Prometheus query gave no number, the last time it did not. */
  queryErrors: Record<string, string>;
}

/** A line of progress in the log every this many rounds (each failed round is logged too). */
const LOG_EVERY = 10;

export class ReleaseWatch {
  constructor(
    private readonly spec: WatchSpec,
    private readonly intervalMs: number,
    private readonly checks: HealthCheck[],
    private readonly queries: PrometheusQuery[],
  ) {}

  async run(log: Log, label = ''): Promise<WatchResult> {
    const start = performance.now();
    const since = () => Math.round(performance.now() - start);
    const samples: WatchSample[] = [];
    const queryErrors: Record<string, string> = {};
    log.info(`${label}watching the release for ${this.spec.watchMs / 1000}s`);
    while (since() < this.spec.watchMs) {
      const roundStart = performance.now();
      const [outcomes, values] = await Promise.all([
        // A check that throws (the SSH channel refused, say) is a failed sample, not the end of the watch.
        Promise.all(
          this.checks.map((c) => c.check().catch((err: Error): CheckOutcome => ({ ok: false, detail: err.message }))),
        ),
        Promise.all(this.queries.map((q) => q.value())),
      ]);
      const metrics: Record<string, number | undefined> = {};
      this.queries.forEach((q, i) => {
        metrics[q.trigger.name] = values[i]!.value;
        if (values[i]!.error) queryErrors[q.trigger.name] = values[i]!.error!;
      });
      const ok = outcomes.every((o) => o.ok);
      const answers = outcomes.flatMap((o) => (o.answer ? [{ ok: o.answer.ok, latencyMs: o.answer.latencyMs }] : []));
      samples.push({ at: since(), ok, answers, metrics });
      if (!ok || samples.length % LOG_EVERY === 0) {
        const why = outcomes.flatMap((o) => (o.ok ? [] : [o.answer ? `${o.answer.url} → ${o.detail}` : o.detail]));
        log.info(`${label}watch +${(since() / 1000).toFixed(1)}s: ${ok ? 'healthy' : why.join('; ')}`);
      }
      const tripped = evaluateTriggers(this.spec.triggers, samples, since());
      if (tripped) {
        log.info(`${label}rollback trigger ${describeTrip(tripped)}`);
        return { samples, tripped, watchedMs: since(), queryErrors };
      }
      const wait = Math.min(roundStart + this.intervalMs, start + this.spec.watchMs) - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    return { samples, watchedMs: since(), queryErrors };
  }
}
