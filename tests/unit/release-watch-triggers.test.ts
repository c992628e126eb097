// The watch's triggers against windows computed by hand.
import { describe, expect, it } from 'vitest';
import { parseTriggers, readWatchSpec } from '../../src/health/watch/RollbackTriggers.js';
import {
  describeTrip,
  evaluateTriggers,
  percentile,
  type WatchSample,
} from '../../src/health/watch/TriggerEvaluator.js';
import { InputReader } from '../../src/inputs/InputReader.js';

const sample = (at: number, latencyMs: number, ok = true): WatchSample => ({ at, ok, answers: [{ ok, latencyMs }] });

// 20 latencies in the order they came. Sorted: the 17 values 120, 130, … 280, then 950, 1010, 1200.
// By nearest rank p95 is the ceil(0.95 × 20) = 19th smallest, 1010; p50 the 10th, 210; p99 the
// 20th, 1200.
const twenty = [120, 950, 130, 1010, 140, 150, 160, 170, 180, 1200, 190, 200, 210, 220, 230, 240, 250, 260, 270, 280];

describe('rollback trigger evaluation', () => {
  it('p50, p95 and p99 by nearest rank over 20 samples', () => {
    expect(percentile(twenty, 95)).toBe(1010);
    expect(percentile(twenty, 50)).toBe(210);
    expect(percentile(twenty, 99)).toBe(1200);
    expect(percentile([], 95)).toBeUndefined();
  });

  it('judges latency over its window only, once the window is full', () => {
    const triggers = parseTriggers('latency: { p95_threshold: 1000ms, duration: 10s }', 20_000);
    // Five slow samples (at 0.5 s … 2.5 s) fall out of the 10 s window ending at 12.5 s; the 20
    // samples at 3 s … 12.5 s are the window.
    const early = [1, 2, 3, 4, 5].map((i) => sample(i * 500, 5000));
    const window = twenty.map((ms, i) => sample(3000 + i * 500, ms));
    const samples = [...early, ...window];
    const tripped = evaluateTriggers(triggers, samples, 12_500);
    expect(tripped).toEqual({
      trigger: 'latency.p95_threshold',
      value: '1010 ms',
      cmp: '>',
      threshold: '1000 ms',
      over: 'over the last 10s (p95 of 20 requests)',
    });
    expect(describeTrip(tripped!)).toBe(
      'latency.p95_threshold: 1010 ms > 1000 ms over the last 10s (p95 of 20 requests)',
    );
    // 990 instead of 1010: p95 is 990, under the threshold.
    const under = [...early, ...twenty.map((ms, i) => sample(3000 + i * 500, ms === 1010 ? 990 : ms))];
    expect(evaluateTriggers(triggers, under, 12_500)).toBeUndefined();
    // Before 10 s the window is not full: nothing is judged, however slow.
    expect(evaluateTriggers(triggers, early, 9_999)).toBeUndefined();
  });

  it('trips the error rate above its threshold, not at it', () => {
    const samples = twenty.map((ms, i) => sample(500 + i * 500, ms, i !== 3 && i !== 9));
    const at5 = parseTriggers('error_rate: { threshold: 5%, duration: 10s }', 10_000);
    expect(describeTrip(evaluateTriggers(at5, samples, 10_000)!)).toBe(
      'error_rate: 10% > 5% over the last 10s (2 of 20 requests failed)',
    );
    const at10 = parseTriggers('error_rate: { threshold: 10%, duration: 10s }', 10_000);
    expect(evaluateTriggers(at10, samples, 10_000)).toBeUndefined();
  });

  it('counts failed checks in a row, and a pass starts the count again', () => {
    const triggers = parseTriggers('health_check: { consecutive_failures: 3 }', 10_000);
    const oks = [true, false, false, true, false, false];
    const samples = oks.map((ok, i) => sample(i * 1000, 5, ok));
    expect(evaluateTriggers(triggers, samples, 6000)).toBeUndefined();
    samples.push(sample(6000, 5, false));
    expect(describeTrip(evaluateTriggers(triggers, samples, 6000)!)).toBe(
      'health_check.consecutive_failures: 3 ≥ 3 failed checks in a row',
    );
  });

  it('trips a Prometheus query when its last value crosses the line', () => {
    const triggers = parseTriggers("prometheus: [{ query: 'sum(errors_total)', above: 2 }]", 10_000);
    const s = (v?: number): WatchSample => ({ at: 1, ok: true, answers: [], metrics: { prometheus: v } });
    expect(evaluateTriggers(triggers, [s(2)], 1)).toBeUndefined();
    expect(evaluateTriggers(triggers, [s(undefined)], 1)).toBeUndefined();
    expect(describeTrip(evaluateTriggers(triggers, [s(2), s(3)], 1)!)).toBe(
      'prometheus: 3 > 2 at the last query (sum(errors_total))',
    );
  });
});

describe('rollback-triggers and watch inputs', () => {
  const read = (values: Record<string, string>) => readWatchSpec(new InputReader({ get: (n) => values[n] ?? '' }));

  it('reads the shape deployment procedures write, with its key or without', () => {
    const text = [
      'rollback_triggers:',
      '  error_rate:   { threshold: 5%, duration: 5m }',
      '  latency:      { p95_threshold: 1000ms, p99_threshold: 2s, duration: 3m }',
      '  health_check: { consecutive_failures: 3 }',
      '  prometheus:',
      "    - { query: 'sum(rate(http_errors_total[1m]))', above: 0.5 }",
      "    - { query: 'up{job=\"app\"}', below: 1, url: 'http://127.0.0.1:9091/' }",
    ].join('\n');
    expect(read({ watch: '10m', 'rollback-triggers': text })).toEqual({
      watchMs: 600_000,
      triggers: [
        { kind: 'error_rate', name: 'error_rate', threshold: 0.05, durationMs: 300_000 },
        { kind: 'latency', name: 'latency.p95_threshold', percentile: 95, thresholdMs: 1000, durationMs: 180_000 },
        { kind: 'latency', name: 'latency.p99_threshold', percentile: 99, thresholdMs: 2000, durationMs: 180_000 },
        { kind: 'health_check', name: 'health_check.consecutive_failures', consecutiveFailures: 3 },
        {
          kind: 'prometheus',
          name: 'prometheus[0]',
          query: 'sum(rate(http_errors_total[1m]))',
          url: 'http://127.0.0.1:9090',
          above: 0.5,
          below: undefined,
        },
        {
          kind: 'prometheus',
          name: 'prometheus[1]',
          query: 'up{job="app"}',
          url: 'http://127.0.0.1:9091',
          above: undefined,
          below: 1,
        },
      ],
    });
  });

  it('no watch by default; three failed checks in a row when watching without triggers', () => {
    expect(read({})).toBeUndefined();
    expect(read({ watch: '90s' })?.triggers).toEqual([
      { kind: 'health_check', name: 'health_check.consecutive_failures', consecutiveFailures: 3 },
    ]);
  });

  it('refuses a window longer than the watch, and what it cannot read, naming the input', () => {
    expect(() => read({ watch: '2m', 'rollback-triggers': 'error_rate: { threshold: 5%, duration: 5m }' })).toThrow(
      "Input 'rollback-triggers': error_rate.duration 5m is longer than the watch (120s): the window would never fill; shorten it or watch longer",
    );
    expect(() => read({ 'rollback-triggers': 'health_check: { consecutive_failures: 3 }' })).toThrow(
      "Input 'watch': is required when rollback-triggers is set",
    );
    expect(() => read({ watch: '1m', 'rollback-triggers': 'latency: { p90_threshold: 1s }' })).toThrow(
      'latency has no field p90_threshold',
    );
    expect(() => read({ watch: '1m', 'rollback-triggers': 'cpu: { above: 90 }' })).toThrow('has no trigger cpu');
    expect(() => read({ watch: '1m', 'rollback-triggers': 'prometheus: [{ query: up }]' })).toThrow(
      'needs above: or below:',
    );
    expect(() => read({ watch: 'soon' })).toThrow("Input 'watch': 'soon' is not a duration");
  });
});
