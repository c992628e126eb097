// What a watch saw, in the figures the summary shows: requests, errors, latency percentiles, and
// the latency over time in a few points for a chart.
import { percentile, type WatchSample } from './TriggerEvaluator.js';

export interface WatchStats {
  requests: number;
  failed: number;
  errorRate?: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

export function watchStats(samples: WatchSample[]): WatchStats {
  const answers = samples.flatMap((s) => s.answers);
  const latencies = answers.map((a) => a.latencyMs);
  const failed = answers.filter((a) => !a.ok).length;
  return {
    requests: answers.length,
    failed,
    errorRate: answers.length ? failed / answers.length : undefined,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}

/**
 * The slowest answer in each of at most `points` equal slices of the watch, with the slice's start
 * in seconds: a long watch still makes a chart one can read.
 */
export function latencySeries(samples: WatchSample[], points = 30): { atS: number; ms: number }[] {
  const answered = samples.filter((s) => s.answers.length);
  if (!answered.length) return [];
  const n = Math.min(points, answered.length);
  const first = answered[0]!.at;
  const span = Math.max(1, answered.at(-1)!.at - first + 1);
  const buckets: { atS: number; ms: number }[] = [];
  for (const s of answered) {
    const i = Math.min(n - 1, Math.floor(((s.at - first) / span) * n));
    const ms = Math.max(...s.answers.map((a) => a.latencyMs));
    // A slice is labelled with the time of its first sample.
    const b = (buckets[i] ??= { atS: Math.round(s.at / 100) / 10, ms: 0 });
    b.ms = Math.max(b.ms, ms);
  }
  return buckets.filter(Boolean);
}
