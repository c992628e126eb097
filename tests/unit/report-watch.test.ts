// The watch on the run page: the figures a person compares with the triggers, and a chart.
import { describe, expect, it } from 'vitest';
import type { HostResult } from '../../src/deploy/HostDeployment.js';
import type { WatchSample } from '../../src/health/watch/TriggerEvaluator.js';
import { latencySeries } from '../../src/health/watch/watchStats.js';
import { RunSummary } from '../../src/report/SummaryMarkdown.js';
import { watchSection } from '../../src/report/WatchReport.js';

// 10 samples a second apart: 100 ms each, but the 4th took 900 ms and the 9th failed at 50 ms.
const samples: WatchSample[] = Array.from({ length: 10 }, (_, i) => ({
  at: (i + 1) * 1000,
  ok: i !== 8,
  answers: [{ ok: i !== 8, latencyMs: i === 3 ? 900 : i === 8 ? 50 : 100 }],
}));

const host = (over: Partial<HostResult> = {}): HostResult => ({
  host: 'deploy@app1',
  status: 'deployed',
  attempted: 'r1',
  timings: {},
  watch: { samples, watchedMs: 10_000, queryErrors: {} },
  ...over,
});

describe('the watch in the job summary', () => {
  it('shows requests, error rate and p50/p95/p99 per host, then a mermaid chart', () => {
    const s = new RunSummary('Deploy shop');
    watchSection(s, [host()]);
    const md = s.markdown();
    expect(md).toContain('| Host | Watched | Requests | Error rate | p50 | p95 | p99 | Watch |');
    // Sorted: 50, 100 ×8, 900: p50 the 5th (100), p95 and p99 the 10th (900).
    expect(md).toContain('| deploy@app1 | 10.0 s | 10 | 10% | 100 ms | 900 ms | 900 ms | ✓ no trigger tripped |');
    expect(md).toContain(
      [
        '```mermaid',
        'xychart-beta',
        '  title "deploy@app1: slowest health answer during the watch"',
        '  x-axis "seconds into the watch" ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]',
        '  y-axis "ms" 0 --> 990',
        '  line [100, 100, 100, 900, 100, 100, 100, 100, 50, 100]',
        '```',
      ].join('\n'),
    );
  });

  it('names the tripped trigger, and leaves hosts without a watch out', () => {
    const s = new RunSummary('Deploy shop');
    const tripped = {
      trigger: 'latency.p95_threshold',
      value: '900 ms',
      cmp: '>',
      threshold: '500 ms',
      over: 'over the last 10s (p95 of 10 requests)',
    };
    watchSection(s, [
      host({ watch: { samples, watchedMs: 10_000, queryErrors: {}, tripped } }),
      host({ host: 'b', watch: undefined }),
    ]);
    expect(s.markdown()).toContain(
      '| ✗ latency.p95_threshold: 900 ms > 500 ms over the last 10s (p95 of 10 requests) |',
    );
    expect(s.markdown()).not.toContain('| b |');
  });

  it('a long watch charts the slowest answer of each of 30 slices', () => {
    const long = Array.from({ length: 300 }, (_, i) => ({
      at: i * 1000,
      ok: true,
      answers: [{ ok: true, latencyMs: i }],
    }));
    const series = latencySeries(long);
    expect(series).toHaveLength(30);
    expect(series[0]).toEqual({ atS: 0, ms: 9 });
    expect(series.at(-1)).toEqual({ atS: 290, ms: 299 });
  });
});
