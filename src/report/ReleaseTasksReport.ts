// How the release tasks read on a deploy's run page: each task with its host, exit and time; the
// last lines of the one that failed; and, when a backup was taken first, how to put the data back
// (a schema change is not undone by the old containers).
import type { ReleaseTasksOutcome } from '../deploy/releaseTasks/ReleaseTasks.js';
import { formatMs, type RunSummary } from './SummaryMarkdown.js';

export function releaseTasksSection(s: RunSummary, t: ReleaseTasksOutcome | undefined): void {
  if (!t) return;
  if (t.runs.length)
    s.table(
      ['Release task', 'Host', 'Exit', 'Time'],
      t.runs.map((r) => [
        `\`${r.service}: ${r.command}\``,
        r.host,
        r.exitCode === 0 ? '0' : `${r.exitCode} ✗`,
        formatMs(r.ms),
      ]),
    );
  if (t.failed) {
    s.paragraph(
      `**${t.failed.host}**: the release task \`${t.failed.service}: ${t.failed.command}\` exited ${t.failed.exitCode}. No host was switched: the previous release still serves. The task may have changed data before it failed.`,
    );
    s.details(`${t.failed.host}: last output of the release task`, t.failed.tail.join('\n') || '(no output)', 'text');
  }
  for (const b of t.backups)
    s.paragraph(
      t.failed
        ? `**${b.host}**: backup \`${b.id}\` was taken before the release tasks. To put the data back: run the restore action (\`njord/deploy/actions/restore@v1\`) with \`backup-id: ${b.id}\`.`
        : `**${b.host}**: backup \`${b.id}\` was taken before the release tasks.`,
    );
}
