// How a restore reads on the run page.
import { annotate } from '../report/RunPage.js';
import { formatMs, RunSummary } from '../report/SummaryMarkdown.js';
import { bytes } from './Formatting.js';
import type { RestoreOutcome } from './Restore.js';

export function restoreSummary(app: string, o: RestoreOutcome): RunSummary {
  const ids = [...new Set(o.hosts.map((h) => h.backupId).filter(Boolean))];
  const s = new RunSummary(`Restore ${app}`).headline(
    o.status === 'restored' ? 'success' : 'failure',
    o.status === 'restored' ? `restored backup ${ids.map((i) => `\`${i}\``).join(', ')}` : 'failed',
  );
  s.table(
    ['Host', 'Result', 'Backup', 'Restored', 'Safety backup', 'Stopped', 'Time'],
    o.hosts.map((h) => [
      h.host,
      h.recovered ? `failed, put back from ${h.recovered}` : h.status,
      h.backupId,
      h.restored.map((r) => `${r.kind} ${r.name}`).join(', '),
      h.safetyBackupId,
      h.stopped.join(', '),
      formatMs(h.totalMs),
    ]),
  );
  const rows = o.hosts.flatMap((h) =>
    h.restored.map((r) => [h.host, `\`${r.file}\``, `${r.kind} ${r.name}`, bytes(r.size), formatMs(r.ms)]),
  );
  if (rows.length) s.table(['Host', 'Archive', 'Restored', 'Size', 'Time'], rows);
  if (o.fromDir)
    s.paragraph(
      `Read from the runner (\`${o.fromDir}\`): every archive's sha256 checked there before any host was touched, encrypted ones opened there, then sent to each host and removed from it after.`,
    );
  for (const h of o.hosts) if (h.error) s.paragraph(`**${h.host}**: ${h.error}`);
  s.facts({ tookMs: Math.max(0, ...o.hosts.map((h) => h.totalMs)) });
  return s;
}

export function restoreAnnotations(app: string, o: RestoreOutcome): void {
  if (o.status === 'restored') {
    annotate('notice', `${app}: restored on ${o.hosts.map((h) => `${h.host} (${h.backupId})`).join(', ')}`, 'Restored');
    return;
  }
  for (const h of o.hosts.filter((x) => x.status !== 'restored'))
    annotate(
      'error',
      `${h.host}: restore of ${h.backupId ?? 'the backup'} failed: ${h.error ?? 'see the log'}${h.recovered ? `; what was there is back, from ${h.recovered}` : ''}`,
      'Restore failed',
    );
}
