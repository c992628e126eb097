// The health gate's job summary: the verdict per place, then each attempt's status and latency as
// a timeline, so a flapping or slow service shows its shape at a glance.
import { formatMs, RunSummary } from '../report/SummaryMarkdown.js';
import type { Attempt } from './HealthGate.js';
import type { HealthGateSpec } from './readHealthSpec.js';
import { lastAnswer, whyNot, type HealthGateOutcome } from './HealthGateRun.js';

/** Rows shown per place: the first attempts and the last ones, the middle elided. */
const HEAD = 10;
const TAIL = 40;

export function healthGateSummary(o: HealthGateOutcome, spec: HealthGateSpec): RunSummary {
  const slowest = Math.max(...o.places.map((p) => p.gate.timeToHealthyMs ?? 0));
  const s = new RunSummary('Health gate').headline(
    o.healthy ? 'success' : 'failure',
    o.healthy ? `healthy in ${formatMs(slowest)}` : 'not healthy',
  );
  s.paragraph(
    `${spec.urls.map((u) => `\`${u}\``).join(', ')}: ${spec.successes} passing check${spec.successes > 1 ? 's' : ''} in a row, every ${formatMs(spec.intervalMs)}, within ${formatMs(spec.timeoutMs)}` +
      `${spec.expectStatus.length ? `; status ${spec.expectStatus.join(' or ')}` : ''}${spec.expectBody ? `; body ${spec.expectBody}` : ''}${spec.maxLatencyMs ? `; at most ${spec.maxLatencyMs} ms` : ''}.`,
  );
  s.table(
    ['Checked from', 'Healthy', 'Attempts', 'Time to healthy', 'Last status', 'Why not'],
    o.places.map(({ place, gate }) => [
      place,
      gate.healthy ? 'yes' : 'no',
      gate.attempts.length,
      formatMs(gate.timeToHealthyMs),
      lastAnswer(gate),
      gate.healthy ? undefined : whyNot(gate),
    ]),
  );
  for (const { place, gate } of o.places) {
    s.paragraph(`**${place}** timeline: ${gate.attempts.map((a) => (a.ok ? '✓' : '✗')).join('')}`);
    s.table(['#', 'At', 'URL', 'Status', 'Latency', 'Result'], timelineRows(gate.attempts));
  }
  return s.facts({});
}

function timelineRows(attempts: Attempt[]): (string | number | undefined)[][] {
  const rows: (string | number | undefined)[][] = [];
  const shown =
    attempts.length > HEAD + TAIL
      ? [
          ...attempts.slice(0, HEAD).map((a, i) => [a, i] as const),
          null,
          ...attempts.slice(-TAIL).map((a, i) => [a, attempts.length - TAIL + i] as const),
        ]
      : attempts.map((a, i) => [a, i] as const);
  for (const item of shown) {
    if (!item) {
      rows.push(['…', '', `${attempts.length - HEAD - TAIL} more attempts`, '', '', '']);
      continue;
    }
    const [a, i] = item;
    for (const r of a.results)
      rows.push([i + 1, `+${formatMs(a.at)}`, r.url, r.status, `${r.latencyMs} ms`, r.ok ? '✓' : `✗ ${r.reason}`]);
  }
  return rows;
}
