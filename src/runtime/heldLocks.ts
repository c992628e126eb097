// Locks a run holds, kept in the step's state so that the post step of a run that was killed
// mid-way frees them (by token, on a fresh connection; a lock never taken is left alone). The CLI,
// which has no post step, frees them itself on Ctrl-C.
import type { ConnectionConfig } from '../ssh/ConnectionConfig.js';
import { closeHosts, openHosts } from '../ssh/HostSession.js';
import type { Log } from '../report/Log.js';
import { releaseByToken } from '../release/HostLock.js';
import { heldLocks } from './state.js';

export interface HeldLock {
  host: string;
  token: string;
  /** The registry the run logged the host in to, logged out with the lock. */
  registry?: string;
}

/** The post step: frees what the main step recorded and did not free itself (inputs read only then). */
export async function freeLocksLeftBehind(readCfg: () => ConnectionConfig, log: Log, action: string): Promise<void> {
  const held = heldLocks();
  if (held.length) await freeHeldLocks(held, readCfg(), log, action);
}

/** Frees each lock by its token, on fresh connections to the hosts that hold one. */
export async function freeHeldLocks(held: HeldLock[], cfg: ConnectionConfig, log: Log, action: string): Promise<void> {
  const sessions = await openHosts(
    { ...cfg, hosts: cfg.hosts.filter((h) => held.some((l) => l.host === h.label)) },
    log,
  );
  try {
    for (const s of sessions) {
      const lock = held.find((l) => l.host === s.spec.label)!;
      await releaseByToken(s, lock.token, lock.registry);
      log.info(`${s.spec.label}: released the lock the ${action} left behind`);
    }
  } finally {
    closeHosts(sessions);
  }
}
