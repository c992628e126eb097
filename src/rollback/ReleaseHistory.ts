// What `njord-deploy releases` shows: per host, the releases kept (newest first, the current one
// marked) and the last events of its history: deploys and rollbacks, who, why, which run.
import type { ConnectionConfig } from '../ssh/ConnectionConfig.js';
import { closeHosts, openHosts } from '../ssh/HostSession.js';
import type { Log } from '../report/Log.js';
import type { ReleaseLayout } from '../release/ReleaseLayout.js';
import { ReleaseStore, type HistoryEvent } from '../release/ReleaseStore.js';
import { quote } from '../remote/Shell.js';
import { RunSummary } from '../report/SummaryMarkdown.js';
import { releaseTable } from './RollbackReport.js';
import { releaseRows, type ReleaseRow } from './RollbackTarget.js';

export interface HostReleases {
  host: string;
  current?: string;
  releases: ReleaseRow[];
  /** Oldest first, the last `lines` events. */
  history: HistoryEvent[];
}

export function historyTailCommand(layout: ReleaseLayout, lines: number): string {
  return `tail -n ${Math.max(1, Math.floor(lines))} ${quote(layout.history)} 2>/dev/null || true`;
}

/** history.jsonl lines; a line that is not JSON (a torn write) is skipped, not fatal. */
export function parseHistory(stdout: string): HistoryEvent[] {
  return stdout.split('\n').flatMap((l) => {
    try {
      return l.trim() ? [JSON.parse(l) as HistoryEvent] : [];
    } catch {
      return [];
    }
  });
}

export async function listReleases(cfg: ConnectionConfig, log: Log, lines = 20): Promise<HostReleases[]> {
  const sessions = await openHosts(cfg, log);
  try {
    return await Promise.all(
      sessions.map(async (s) => {
        const [state, tail] = await Promise.all([
          new ReleaseStore(s).state(),
          s.ssh.run('read the history', historyTailCommand(s.layout, lines)),
        ]);
        return {
          host: s.spec.label,
          current: state.current,
          releases: releaseRows(state.releases, state.current),
          history: parseHistory(tail.stdout),
        };
      }),
    );
  } finally {
    closeHosts(sessions);
  }
}

export function releasesSummary(app: string, hosts: HostReleases[]): RunSummary {
  const s = new RunSummary(`Releases of ${app}`).headline(
    'neutral',
    hosts.map((h) => `${h.host} runs ${h.current ? `\`${h.current}\`` : 'nothing'}`).join(', '),
  );
  for (const h of hosts) {
    s.paragraph(`**${h.host}**: ${h.releases.length} release${h.releases.length === 1 ? '' : 's'} kept`);
    if (h.releases.length) releaseTable(s, h.releases);
    if (h.history.length)
      s.table(
        ['Time', 'Event', 'From', 'To', 'Result', 'By', 'Why', 'Run'],
        [...h.history]
          .reverse()
          .map((e) => [e.time, e.event, e.from, e.release, resultOf(e), e.actor, e.reason ?? e.failure, e.runUrl]),
      );
  }
  return s;
}

/** A failed rollback says what it left running, which is not always the release it was for. */
function resultOf(e: HistoryEvent): string {
  if (e.event !== 'rollback' || e.result !== 'failed' || e.running === undefined) return e.result;
  return `failed, ${e.running ? `left on ${e.running}` : 'nothing runs'}`;
}
