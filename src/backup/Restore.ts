// A restore across all hosts: connect all, take each app lock, check the backup on every host
// (or, from backup-dir, on the runner) before anything changes, then restore each host in parallel.
import type { Log } from '../report/Log.js';
import type { RunHooks } from './Backup.js';
import { HostRestore, type HostRestoreResult } from './HostRestore.js';
import { firstError, withLockedHosts } from './LockedHosts.js';
import type { RestoreConfig } from './RestoreConfig.js';
import { backupForHost, readRunnerBackups, RunnerSource } from './RunnerBackup.js';

export interface RestoreOutcome {
  status: 'restored' | 'failed';
  /** The runner's folder the backup was read from (backup-dir). */
  fromDir?: string;
  hosts: HostRestoreResult[];
  error?: string;
}

export async function restore(
  cfg: RestoreConfig,
  log: Log,
  hooks: Pick<RunHooks, 'onState'> = {},
): Promise<RestoreOutcome> {
  // Read before any host is connected: a folder without a backup is bad input.
  const sources = runnerSources(cfg);
  return withLockedHosts(cfg, 'restore', cfg.spec.meta, log, hooks.onState, undefined, async (run) => {
    const runs = run.sessions.map(
      (s) =>
        new HostRestore(
          s,
          cfg.app,
          cfg.spec,
          run.token,
          log,
          { onStopping: run.stopping(s.spec.label), onSafetyBackup: run.writing },
          sources?.get(s.spec.label),
        ),
    );
    await Promise.all(runs.map((r) => r.prepare()));
    const settled = await Promise.allSettled(runs.map((r) => r.run()));
    const hosts = runs.map((r) => r.result);
    return {
      status: hosts.every((h) => h.status === 'restored') ? 'restored' : 'failed',
      fromDir: cfg.spec.fromDir,
      hosts,
      error: firstError(settled),
    };
  });
}

/** With backup-dir: the backup each host restores, hosts that restore the same one sharing its checks. */
function runnerSources(cfg: RestoreConfig): Map<string, RunnerSource> | undefined {
  const { fromDir, backupId, identities } = cfg.spec;
  if (!fromDir) return undefined;
  const backups = readRunnerBackups(fromDir);
  const shared = new Map(backups.map((b) => [b, new RunnerSource(b, identities)]));
  return new Map(cfg.hosts.map((h) => [h.label, shared.get(backupForHost(backups, h.label, backupId))!]));
}
