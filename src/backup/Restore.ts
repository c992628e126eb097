// A restore across all hosts: connect all, take each app lock, check the backup on every host
// before anything changes, then restore each host in parallel.
import { closeHosts, openHosts } from '../connection/HostSession.js';
import type { Log } from '../log/Log.js';
import { HostLock, newLockOwner } from '../release/HostLock.js';
import type { CleanupState, RunHooks } from './Backup.js';
import { HostRestore, type HostRestoreResult } from './HostRestore.js';
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
  const owner = newLockOwner('restore', cfg.spec.meta?.actor, cfg.spec.meta?.runUrl);
  const state: CleanupState = { token: owner.token, hosts: cfg.hosts.map((h) => ({ host: h.label, stopped: [] })) };
  const save = () => hooks.onState?.(state);
  const sessions = await openHosts(cfg, log);
  const locks = sessions.map((s) => new HostLock(s, owner));
  const outcome: RestoreOutcome = { status: 'failed', hosts: [] };
  try {
    state.locked = true;
    save();
    await Promise.all(locks.map((l) => l.acquire(cfg.lockTimeoutMs, log)));
    const runs = sessions.map(
      (s) =>
        new HostRestore(s, cfg.app, cfg.spec, owner.token, log, {
          onStopping: (ids) => {
            state.hosts.find((h) => h.host === s.spec.label)!.stopped = ids;
            save();
          },
          onSafetyBackup: (id) => {
            state.backupId = id;
            save();
          },
        }),
    );
    await Promise.all(runs.map((r) => r.prepare()));
    const settled = await Promise.allSettled(runs.map((r) => r.run()));
    outcome.hosts = runs.map((r) => r.result);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) outcome.error = (failed.reason as Error).message;
    outcome.status = outcome.hosts.every((h) => h.status === 'restored') ? 'restored' : 'failed';
    return outcome;
  } finally {
    await Promise.allSettled(locks.map((l) => l.release()));
    state.hosts.forEach((h) => (h.stopped = []));
    state.backupId = undefined;
    state.locked = false;
    save();
    closeHosts(sessions);
  }
}
