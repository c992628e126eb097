// How a backup reads on the run page: what was backed up, sizes, compression ratio, time,
// throughput, verification and what retention pruned.
import { annotate } from '../report/RunPage.js';
import { formatMs, RunSummary } from '../report/SummaryMarkdown.js';
import type { BackupOutcome } from './Backup.js';
import { bytes, totalSize } from './Formatting.js';
import type { ArchiveResult, HostBackupResult } from './HostBackup.js';

function ratio(stored: number, raw?: number): string | undefined {
  return raw ? `${((stored / raw) * 100).toFixed(1)} %` : undefined;
}

function throughput(raw: number | undefined, ms: number): string | undefined {
  return raw && ms > 0 ? `${bytes(Math.round(raw / (ms / 1000)))}/s` : undefined;
}

function rawTotal(archives: ArchiveResult[]): number | undefined {
  return archives.every((a) => a.rawSize !== undefined)
    ? archives.reduce((n, a) => n + (a.rawSize ?? 0), 0)
    : undefined;
}

export function backupSummary(app: string, o: BackupOutcome): RunSummary {
  const s = new RunSummary(`Backup ${app}`).headline(
    o.status === 'complete' ? 'success' : 'failure',
    o.status === 'complete' ? `backup \`${o.id}\` is complete and verified` : `backup \`${o.id}\` failed`,
  );
  s.table(
    ['Host', 'Result', 'Archives', 'Stored', 'Data', 'Ratio', 'Time', 'Throughput', 'Verified', 'Stopped', 'Pruned'],
    o.hosts.map((h) => {
      const raw = rawTotal(h.archives);
      const stored = totalSize(h.archives);
      const ms = h.archives.reduce((n, a) => n + a.ms, 0);
      return [
        h.host,
        h.status,
        h.archives.length,
        bytes(stored),
        raw !== undefined ? bytes(raw) : undefined,
        ratio(stored, raw),
        formatMs(h.totalMs),
        throughput(raw, ms),
        h.manifest?.verified,
        h.stopped.join(', '),
        h.pruned.length ? h.pruned.join(', ') : undefined,
      ];
    }),
  );
  const rows = o.hosts.flatMap((h) =>
    h.archives.map((a) => [
      h.host,
      `\`${a.file}\``,
      `${a.kind} ${a.name}`,
      bytes(a.size),
      a.rawSize !== undefined ? bytes(a.rawSize) : undefined,
      ratio(a.size, a.rawSize),
      formatMs(a.ms),
      throughput(a.rawSize, a.ms),
      a.entries,
      a.sha256.slice(0, 16) + '…',
    ]),
  );
  if (rows.length)
    s.table(['Host', 'Archive', 'What', 'Stored', 'Data', 'Ratio', 'Time', 'Throughput', 'Entries', 'sha256'], rows);
  for (const h of o.hosts) hostNotes(s, h);
  for (const a of o.artifacts)
    s.paragraph(`${a.host}: uploaded artifact \`${a.name}\`${a.size ? ` (${bytes(a.size)})` : ''}.`);
  s.facts({ release: o.hosts[0]?.manifest?.release, tookMs: Math.max(0, ...o.hosts.map((h) => h.totalMs)) });
  return s;
}

function hostNotes(s: RunSummary, h: HostBackupResult): void {
  if (h.error) s.paragraph(`**${h.host}**: ${h.error}`);
  for (const a of h.archives)
    if (a.restoreCompared)
      s.paragraph(
        `${h.host}: \`${a.file}\` was restored into a scratch volume and read back: ${a.restoreCompared.files} file(s) match by sha256, ${a.restoreCompared.entries} entries by type, mode, owner and size.`,
      );
  const m = h.manifest;
  if (m?.encryptedTo)
    s.paragraph(
      m.encryptedOn === 'runner'
        ? `${h.host}: encrypted with age to ${m.encryptedTo.length} recipient(s) **on the runner**, as the archives streamed from the host (it has no age): the runner's disk and the artifact hold only ciphertext.`
        : `${h.host}: encrypted with age to ${m.encryptedTo.length} recipient(s) **on the host**, before the archives were written or left it.`,
    );
  if (h.incomplete.length)
    s.paragraph(
      `${h.host}: ${h.incomplete.map((i) => `\`${i}\``).join(', ')} never finished (no manifest); they are not restorable and retention leaves them alone: remove them by hand.`,
    );
  if (h.manifest) s.details(`${h.host}: manifest.json`, JSON.stringify(h.manifest, null, 2), 'json');
}

export function backupAnnotations(app: string, o: BackupOutcome): void {
  if (o.status === 'complete') {
    annotate('notice', `${app} backup ${o.id} is complete on ${o.hosts.map((h) => h.host).join(', ')}`, 'Backed up');
    return;
  }
  for (const h of o.hosts.filter((x) => x.status !== 'complete'))
    annotate('error', `${h.host}: backup ${o.id} failed: ${h.error ?? 'see the log'}`, 'Backup failed');
  if (!o.hosts.length && o.error) annotate('error', o.error, 'Backup failed');
}
