// Ctrl-C (or a kill) in a terminal: there is no post step there to free the app lock, so the CLI
// frees the locks it holds itself before it exits; the next deploy does not wait lock-timeout.
import type { ConnectionConfig } from '../ssh/ConnectionConfig.js';
import type { Log } from '../report/Log.js';
import { freeHeldLocks, type HeldLock } from '../runtime/heldLocks.js';

/** Exit codes a shell reports for a process ended by the signal (128 + its number). */
const SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const;
/** Freeing takes one round trip per host; past this the lock is left (it names who held it). */
const FREE_TIMEOUT_MS = 20_000;

export class LocksOnInterrupt {
  private cfg?: ConnectionConfig;
  private held: HeldLock[] = [];
  private stopping = false;

  constructor(
    private readonly log: Log,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {}

  /** Listens for SIGINT and SIGTERM from now on; a second one while freeing exits at once. */
  listen(command: string): void {
    for (const [signal, code] of Object.entries(SIGNALS))
      process.on(signal, () => {
        if (this.stopping) return this.exit(code);
        this.stopping = true;
        void this.free(command, signal).finally(() => this.exit(code));
      });
  }

  /** The core's onLocks hook, for the run that connects with `cfg`. */
  hook(cfg: ConnectionConfig): (held: HeldLock[]) => void {
    this.cfg = cfg;
    return (held) => (this.held = held);
  }

  private async free(command: string, signal: string): Promise<void> {
    const held = this.held;
    if (!this.cfg || !held.length) {
      this.log.error(`${signal}: ${command} interrupted (it held no lock)`);
      return;
    }
    this.log.error(
      `${signal}: ${command} interrupted mid-way; freeing the app lock on ${held.map((l) => l.host).join(', ')} (Ctrl-C again to leave it)`,
    );
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`gave up after ${FREE_TIMEOUT_MS / 1000}s`)), FREE_TIMEOUT_MS).unref(),
    );
    try {
      await Promise.race([freeHeldLocks(held, this.cfg, this.log, command), timeout]);
      this.log.error(
        `${command} interrupted: the hosts may be mid-way (see njord-deploy releases); the lock is free, the next run does not wait for it`,
      );
    } catch (err) {
      this.log.error(`could not free the lock: ${(err as Error).message}; the next run waits lock-timeout for it`);
    }
  }
}
