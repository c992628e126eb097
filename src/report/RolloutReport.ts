// A rollout in batches on the run page: each batch with its hosts, how each host went, and how
// long the batch took; where the run stopped, and the going back of the hosts switched before.
import type { HostPath, RolloutRecord } from '../deploy/rolloutInBatches.js';
import { formatMs, type RunSummary } from './SummaryMarkdown.js';

const RESULT: Record<RolloutRecord['batches'][number]['result'], string> = {
  passed: '✓ passed',
  stopped: '✗ stopped the rollout',
  'not started': 'not started',
};

export function rolloutSection(s: RunSummary, record: RolloutRecord | undefined): void {
  if (!record) return;
  const path = new Map(record.paths.map((p) => [p.host, p.path]));
  const stop = record.stoppedBy
    ? ` — stopped at **${record.stoppedBy}**${record.goingBackMs !== undefined ? `; the hosts switched before it went back in ${formatMs(record.goingBackMs)}` : ''}`
    : '';
  s.paragraph(`**Rollout**: ${record.rollout}, ${record.batches.length} batches${stop}.`);
  s.table(
    ['Batch', 'Hosts', 'Result', 'Took'],
    record.batches.map((b, i) => [
      i === 0 ? '1 (canary)' : String(i + 1),
      b.hosts.map((h) => `${h}: ${path.get(h) ?? 'untouched'}`).join(', '),
      RESULT[b.result],
      b.result === 'not started' ? undefined : formatMs(b.tookMs),
    ]),
  );
}

/** The path of a host in a batched rollout, when there was one. */
export function pathOf(record: RolloutRecord | undefined, host: string): HostPath | undefined {
  return record?.paths.find((p) => p.host === host)?.path;
}
