// A restore across all hosts: connect all, take each app lock, check the backup on every host
// before anything changes, then restore each host in parallel.
import type { Log } from '../log/Log.js';
import type { RunHooks } from './Backup.js';
import { HostRestore, type HostRestoreResult } from './HostRestore.js';
import { firstError, withLockedHosts } from './LockedHosts.js';
import type { RestoreConfig } from './RestoreConfig.js';

export interface RestoreOutcome {
  status: 'restored' | 'failed';
  hosts: HostRestoreResult[];
  error?: string;
}

export async function restore(
  cfg: RestoreConfig,
  log: Log,
  hooks: Pick<RunHooks, 'onState'> = {},
): Promise<RestoreOutcome> {
  return withLockedHosts(cfg, 'restore', cfg.spec.meta, log, hooks.onState, undefined, async (run) => {
    const runs = run.sessions.map(
      (s) =>
        new HostRestore(s, cfg.app, cfg.spec, run.token, log, {
          onStopping: run.stopping(s.spec.label),
          onSafetyBackup: run.writing,
        }),
    );
    await Promise.all(runs.map((r) => r.prepare()));
    const settled = await Promise.allSettled(runs.map((r) => r.run()));
    const hosts = runs.map((r) => r.result);
    return {
      status: hosts.every((h) => h.status === 'restored') ? 'restored' : 'failed',
      hosts,
      error: firstError(settled),
    };
  });
}
