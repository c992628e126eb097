// A restore across all hosts: connect all, take each app lock, check the backup on every host
// (or, from backup-dir, on the runner) before anything changes, then restore each host in parallel.
import type { Log } from '../report/Log.js';
import type { RunHooks } from './Backup.js';
import { HostRestore, type HostRestoreResult } from './HostRestore.js';
import { firstError, withLockedHosts } from './LockedHosts.js';
import type { HostSession } from '../ssh/HostSession.js';
import { swarmArchivesRefusal, type SwarmFacts } from './SwarmApp.js';
import { refuseSwarm } from './SwarmGuard.js';
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
  const { volumes, paths, databases, stopServices } = cfg.spec;
  let swarm = new Map<string, SwarmFacts>();
  const check = async (sessions: HostSession[]) => {
    swarm = await refuseSwarm(sessions, cfg.app, 'restore', { volumes, paths, databases, stopServices });
  };
  return withLockedHosts(cfg, 'restore', cfg.spec.meta, log, hooks.onState, undefined, check, async (run) => {
    const runs = run.sessions.map((s) => {
      const facts = swarm.get(s.spec.label);
      const host = s.spec.label;
      return new HostRestore(
        s,
        cfg.app,
        cfg.spec,
        run.token,
        log,
        {
          onStopping: run.stopping(host),
          onSafetyBackup: run.writing,
          onSelected: (backupId, selected) => {
            const refusal = facts && swarmArchivesRefusal(facts, { app: cfg.app, host, backupId }, selected);
            if (refusal) throw refusal;
          },
        },
        sources?.get(host),
      );
    });
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
