// Judges a watched release: the samples so far against each trigger, over its window. Pure: the
// watch loop feeds it samples and the time, so the tests feed it hand-made ones.
import type { Trigger } from './RollbackTriggers.js';

/** One round of the release's checks during the watch. */
export interface WatchSample {
  /** ms since the watch started. */
  at: number;
  /** Every check passed (each health URL, the containers). */
  ok: boolean;
  /** Each request's answer (a health URL's): whether it passed and how long it took. */
  answers: { ok: boolean; latencyMs: number }[];
  /** The Prometheus triggers' values by trigger name (undefined: no number came back). */
  metrics?: Record<string, number | undefined>;
}

export interface TrippedTrigger {
  /** The trigger as the input names it: `latency.p95_threshold`, `prometheus`, … */
  trigger: string;
  /** What was seen and the line it crossed, as a person reads them: `1203 ms`, `1000 ms`. */
  value: string;
  threshold: string;
  /** How value compares with threshold: `>`, `<`, `≥`. */
  cmp: string;
  /** Over what it was judged: `over the last 3m (p95 of 20 requests)`, `failed checks in a row`. */
  over: string;
}

/**
 * The nearest-rank percentile: the smallest value with at least p% of the values at or below it
 * (of 20 values, p95 is the 19th smallest). Undefined for no values.
 */
export function percentile(values: number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The first trigger the samples trip at `now` (ms since the watch started), if any. */
export function evaluateTriggers(triggers: Trigger[], samples: WatchSample[], now: number): TrippedTrigger | undefined {
  for (const t of triggers) {
    const tripped = evaluate(t, samples, now);
    if (tripped) return tripped;
  }
  return undefined;
}

function evaluate(t: Trigger, samples: WatchSample[], now: number): TrippedTrigger | undefined {
  switch (t.kind) {
    case 'health_check': {
      let run = 0;
      for (let i = samples.length - 1; i >= 0 && !samples[i]!.ok; i--) run++;
      if (run < t.consecutiveFailures) return undefined;
      const threshold = `${t.consecutiveFailures}`;
      return { trigger: t.name, value: `${run}`, cmp: '≥', threshold, over: 'failed checks in a row' };
    }
    case 'error_rate': {
      const answers = windowOf(samples, now, t.durationMs)?.flatMap((s) => s.answers);
      if (!answers?.length) return undefined;
      const failed = answers.filter((a) => !a.ok).length;
      const rate = failed / answers.length;
      if (rate <= t.threshold) return undefined;
      const over = `${overLast(t.durationMs)} (${failed} of ${answers.length} requests failed)`;
      return { trigger: t.name, value: percent(rate), cmp: '>', threshold: percent(t.threshold), over };
    }
    case 'latency': {
      const latencies = windowOf(samples, now, t.durationMs)?.flatMap((s) => s.answers.map((a) => a.latencyMs)) ?? [];
      const p = percentile(latencies, t.percentile);
      if (p === undefined || p <= t.thresholdMs) return undefined;
      const over = `${overLast(t.durationMs)} (p${t.percentile} of ${latencies.length} requests)`;
      return { trigger: t.name, value: `${Math.round(p)} ms`, cmp: '>', threshold: `${t.thresholdMs} ms`, over };
    }
    case 'prometheus': {
      const v = samples.at(-1)?.metrics?.[t.name];
      if (v === undefined) return undefined;
      const over = `at the last query (${t.query})`;
      if (t.above !== undefined && v > t.above)
        return { trigger: t.name, value: `${v}`, cmp: '>', threshold: `${t.above}`, over };
      if (t.below !== undefined && v < t.below)
        return { trigger: t.name, value: `${v}`, cmp: '<', threshold: `${t.below}`, over };
      return undefined;
    }
  }
}

/** The samples of the last `durationMs`, once the watch has run that long (a window that is full). */
function windowOf(samples: WatchSample[], now: number, durationMs: number): WatchSample[] | undefined {
  if (now < durationMs) return undefined;
  return samples.filter((s) => s.at > now - durationMs && s.at <= now);
}

function percent(f: number): string {
  return `${Math.round(f * 1000) / 10}%`;
}

function overLast(ms: number): string {
  return `over the last ${ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`}`;
}

/** The trip in one line, for the log, the annotation and the summary. */
export function describeTrip(t: TrippedTrigger): string {
  return `${t.trigger}: ${t.value} ${t.cmp} ${t.threshold} ${t.over}`;
}
