// The per-app lock on one host, so two deploys (or a deploy and a rollback) never interleave.
import { randomBytes } from 'node:crypto';
import type { HostSession } from '../ssh/HostSession.js';
import type { Log } from '../report/Log.js';
import { logoutCommand } from '../remote/DockerCommands.js';
import { LockCommands, NOT_RECORDED, ROOT_UNWRITABLE, TAKEN_OVER, type LockOwner } from '../remote/LockCommands.js';

export class LockTimeoutError extends Error {}

export function newLockOwner(action: string, actor?: string, runUrl?: string): LockOwner {
  return { token: randomBytes(12).toString('hex'), action, actor, runUrl, since: new Date().toISOString() };
}

export function describeOwner(raw: string): string {
  try {
    const o = JSON.parse(raw) as LockOwner;
    return `${o.action} by ${o.actor ?? 'someone'} since ${o.since}${o.runUrl ? ` (${o.runUrl})` : ''}`;
  } catch {
    return 'another run (owner not recorded yet)';
  }
}

/** The host's own words: the first stderr line that is not one of our markers. */
function firstReason(stderr: string): string | undefined {
  return stderr.split('\n').find((l) => l && !l.startsWith('njord-lock-'));
}

export class HostLock {
  private readonly cmd: LockCommands;
  held = false;
  /** The outermost directory taking the lock made for the app's root, when it was not there. */
  madeDir?: string;

  constructor(
    private readonly s: HostSession,
    private readonly owner: LockOwner,
  ) {
    this.cmd = new LockCommands(s.layout);
  }

  /**
   * Waits up to `timeoutMs` for the lock, polling; fails naming who holds it. `andThen` runs right
   * after the lock is taken, in the same round trip (its failure is not the lock's); its stdout is
   * returned.
   */
  async acquire(timeoutMs: number, log: Log, pollMs = 1000, andThen?: string): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let told = false;
    const command = andThen ? `${this.cmd.acquire()} && { ${andThen}; true; }` : this.cmd.acquire();
    for (;;) {
      const r = await this.s.ssh.exec(command, { stdin: JSON.stringify(this.owner) + '\n' });
      if (r.code === 0) {
        this.held = true;
        const gone = r.stderr.split('\n').find((l) => l.startsWith(TAKEN_OVER));
        if (gone)
          log.warn(
            `${this.s.spec.label}: took over the app lock from ${describeOwner(gone.slice(TAKEN_OVER.length))}: the SSH connection that held it is gone (the run was killed or lost its connection)`,
          );
        const end = r.stdout.indexOf('\n');
        this.madeDir = r.stdout.slice(0, end < 0 ? undefined : end) || undefined;
        return end < 0 ? '' : r.stdout.slice(end + 1);
      }
      if (r.stderr.includes(ROOT_UNWRITABLE))
        throw new Error(
          `${this.s.spec.label}: ${this.s.layout.root} cannot be made or written by the SSH user: ${firstReason(r.stderr) ?? 'it is not writable'}. ` +
            'Choose a remote-dir that user owns, or give it that directory.',
        );
      if (r.stderr.includes(NOT_RECORDED))
        throw new Error(
          `${this.s.spec.label}: could not write the lock in ${this.s.layout.root}: ${firstReason(r.stderr) ?? 'no reason given'}`,
        );
      const holder = describeOwner((await this.s.ssh.exec(this.cmd.readOwner())).stdout);
      if (Date.now() + pollMs > deadline)
        throw new LockTimeoutError(
          `${this.s.spec.label}: ${this.s.layout.lockDir} is held by ${holder}; waited ${Math.round(timeoutMs / 1000)}s (lock-timeout). ` +
            'A lock is taken over only once the SSH connection that took it is provably gone; if that run is gone, `npx njord-deploy unlock` shows the holder and frees it.',
        );
      if (!told) log.info(`${this.s.spec.label}: waiting for the lock, held by ${holder}`);
      told = true;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /**
   * `first`: a command run under the lock, in the same round trip (the registry logout).
   * `removeMadeDirs`: also take away the root (and its parents) that taking the lock made, when empty.
   */
  async release(opts: { first?: string; removeMadeDirs?: boolean } = {}): Promise<void> {
    if (!this.held) return;
    const tidy = opts.removeMadeDirs && this.madeDir ? `; ${this.cmd.removeMadeDirs(this.madeDir)}` : '';
    await this.s.ssh.run('release the lock', `${this.cmd.release(this.owner.token, opts.first)}${tidy}`);
    this.held = false;
  }
}

/**
 * Releases a lock by token on a fresh connection: the post step's cleanup after a killed run. While
 * the lock is still the run's, its registry login goes too.
 */
export async function releaseByToken(s: HostSession, token: string, registry?: string): Promise<void> {
  const logout = logoutCommand(s.layout.dockerConfig, registry);
  await s.ssh.run('release the lock and log out', new LockCommands(s.layout).release(token, logout));
}
