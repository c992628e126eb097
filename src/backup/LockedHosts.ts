// What backup and restore share around their work: connect every host, take each app lock, keep
// the post step's cleanup state current as services stop, then free the locks and close however
// the work ends.
import type { ConnectionConfig } from '../ssh/ConnectionConfig.js';
import { closeHosts, openHosts, type HostSession } from '../ssh/HostSession.js';
import type { Log } from '../report/Log.js';
import { HostLock, newLockOwner } from '../release/HostLock.js';

/** What a post step needs to undo after a killed run, per host. */
export interface CleanupState {
  token: string;
  /** The backup being written (removed by the post step if it has no manifest). */
  backupId?: string;
  hosts: { host: string; stopped: string[] }[];
  /** Set while the run may hold app locks. */
  locked?: boolean;
}

export interface LockedRun {
  sessions: HostSession[];
  /** The lock owner's token, also the label on every container and volume the run creates. */
  token: string;
  /** Records the container ids about to stop on a host. */
  stopping: (host: string) => (ids: string[]) => void;
  /** Records the backup being written (a safety backup, for the restore). */
  writing: (backupId: string) => void;
}

export async function withLockedHosts<T>(
  cfg: ConnectionConfig & { lockTimeoutMs: number },
  action: 'backup' | 'restore',
  meta: { runUrl?: string; actor?: string } | undefined,
  log: Log,
  onState: ((state: CleanupState) => void) | undefined,
  backupId: string | undefined,
  /** Reads the hosts before any lock is taken: a refusal here leaves them as they were. */
  check: (sessions: HostSession[]) => Promise<unknown>,
  work: (run: LockedRun) => Promise<T>,
): Promise<T> {
  const owner = newLockOwner(action, meta?.actor, meta?.runUrl);
  const state: CleanupState = {
    token: owner.token,
    backupId,
    hosts: cfg.hosts.map((h) => ({ host: h.label, stopped: [] })),
  };
  const save = () => onState?.(state);
  const sessions = await openHosts(cfg, log);
  const locks = sessions.map((s) => new HostLock(s, owner));
  try {
    await check(sessions);
    // Saved before the locks are taken: freeing checks the token, so a lock never taken is left alone.
    state.locked = true;
    save();
    await Promise.all(locks.map((l) => l.acquire(cfg.lockTimeoutMs, log)));
    return await work({
      sessions,
      token: owner.token,
      stopping: (host) => (ids) => {
        state.hosts.find((h) => h.host === host)!.stopped = ids;
        save();
      },
      writing: (id) => {
        state.backupId = id;
        save();
      },
    });
  } finally {
    await Promise.allSettled(locks.map((l) => l.release()));
    state.hosts.forEach((h) => (h.stopped = []));
    state.backupId = undefined;
    state.locked = false;
    save();
    closeHosts(sessions);
  }
}

/** The first rejection's message, if any host's run failed. */
export function firstError(settled: PromiseSettledResult<unknown>[]): string | undefined {
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  return failed ? (failed.reason as Error).message : undefined;
}
