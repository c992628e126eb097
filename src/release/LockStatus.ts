// Who holds the app lock on each host, and whether the SSH connection that took it is still
// there: what `njord-deploy unlock` shows before it asks, and frees when told.
import type { ConnectionConfig } from '../ssh/ConnectionConfig.js';
import { closeHosts, openHosts, type HostSession } from '../ssh/HostSession.js';
import type { Log } from '../report/Log.js';
import { LockCommands } from '../remote/LockCommands.js';
import { describeOwner } from './HostLock.js';

export type HolderState = 'alive' | 'gone' | 'unknown';

export interface LockState {
  host: string;
  lockDir: string;
  /** Undefined: not locked. */
  holder?: { owner: string; connection: HolderState };
  freed?: boolean;
}

export function parseLockStatus(stdout: string): LockState['holder'] {
  const lines = stdout.trim().split('\n');
  const last = lines.at(-1) ?? '';
  if (last === 'unlocked' || !last.startsWith('holder=')) return undefined;
  const connection = last.slice('holder='.length) as HolderState;
  return { owner: describeOwner(lines.slice(0, -1).join('\n').trim()), connection };
}

export function describeLock(l: LockState): string {
  if (!l.holder) return `${l.host}: not locked`;
  const conn = {
    alive: 'its SSH connection is still open: that run is probably still going',
    gone: 'its SSH connection is gone: the next run would take it over',
    unknown: 'no connection recorded (taken by an older njord, or in its first milliseconds)',
  }[l.holder.connection];
  return `${l.host}: ${l.lockDir} is held by ${l.holder.owner}; ${conn}`;
}

/**
 * Reads each host's lock, asks `confirm` for each one held, frees those confirmed. A lock that
 * changed hands between the look and the answer is not freed.
 */
export async function unlockHosts(
  cfg: ConnectionConfig,
  log: Log,
  confirm: (question: string) => Promise<boolean>,
): Promise<LockState[]> {
  const sessions = await openHosts(cfg, log);
  try {
    const states: LockState[] = [];
    for (const s of sessions) states.push(await unlockOne(s, log, confirm));
    return states;
  } finally {
    closeHosts(sessions);
  }
}

async function unlockOne(
  s: HostSession,
  log: Log,
  confirm: (question: string) => Promise<boolean>,
): Promise<LockState> {
  const cmd = new LockCommands(s.layout);
  const look = async () => (await s.ssh.run('read the lock', cmd.status())).stdout;
  const seen = await look();
  const state: LockState = { host: s.spec.label, lockDir: s.layout.lockDir, holder: parseLockStatus(seen) };
  log.info(describeLock(state));
  if (!state.holder) return state;
  if (!(await confirm(`Free the lock on ${s.spec.label}?`))) return { ...state, freed: false };
  if ((await look()) !== seen) {
    log.warn(`${s.spec.label}: the lock changed hands while you answered; left as it is`);
    return { ...state, freed: false };
  }
  await s.ssh.run('free the lock', cmd.forceRelease());
  log.info(`${s.spec.label}: lock freed`);
  return { ...state, freed: true };
}
