// The watch on the run page: per host, what the watch saw (requests, error rate, p50/p95/p99), the
// trigger that tripped, and the latency over the watch as a mermaid chart GitHub draws.
import type { HostResult } from '../deploy/HostDeployment.js';
import { describeTrip } from '../health/watch/TriggerEvaluator.js';
import { latencySeries, watchStats } from '../health/watch/watchStats.js';
import { formatMs, type RunSummary } from './SummaryMarkdown.js';

export function watchSection(s: RunSummary, hosts: HostResult[]): void {
  const watched = hosts.filter((h) => h.watch);
  if (!watched.length) return;
  s.table(
    ['Host', 'Watched', 'Requests', 'Error rate', 'p50', 'p95', 'p99', 'Watch'],
    watched.map((h) => {
      const w = h.watch!;
      const st = watchStats(w.samples);
      return [
        h.host,
        formatMs(w.watchedMs),
        st.requests,
        st.errorRate === undefined ? '–' : `${Math.round(st.errorRate * 1000) / 10}%`,
        formatMs(st.p50),
        formatMs(st.p95),
        formatMs(st.p99),
        w.tripped ? `✗ ${describeTrip(w.tripped)}` : '✓ no trigger tripped',
      ];
    }),
  );
  for (const h of watched) {
    const errors = Object.entries(h.watch!.queryErrors);
    if (errors.length)
      s.paragraph(`${h.host}: Prometheus gave no number: ${errors.map(([k, v]) => `${k}: ${v}`).join('; ')}.`);
    const chart = latencyChart(h);
    if (chart) s.fenced(chart, 'mermaid');
  }
}

/** The slowest health answer over the watch, as a mermaid xychart. */
export function latencyChart(h: HostResult): string | undefined {
  const series = latencySeries(h.watch?.samples ?? []);
  if (series.length < 2) return undefined;
  const top = Math.max(...series.map((p) => p.ms));
  return [
    'xychart-beta',
    `  title "${h.host.replace(/"/g, "'")}: slowest health answer during the watch"`,
    `  x-axis "seconds into the watch" [${series.map((p) => `"${p.atS}"`).join(', ')}]`,
    `  y-axis "ms" 0 --> ${Math.ceil((top * 11) / 100) * 10 || 10}`,
    `  line [${series.map((p) => Math.round(p.ms)).join(', ')}]`,
  ].join('\n');
}
