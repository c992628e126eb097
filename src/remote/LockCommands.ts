// A per-app lock on each host: `mkdir` is atomic, so exactly one run holds it. The owner file
// says who and which run; release only removes a lock whose owner token is ours. The holder file
// ties the lock to the SSH connection that took it (its sshd process, that process's start time,
// the host's boot): when that process is gone, the run is provably gone, and the next run takes
// the lock over. A lock without a holder file (or whose holder is alive) is never taken over.
import { posix } from 'node:path';
import type { ReleaseLayout } from '../release/ReleaseLayout.js';
import { line, quote } from './Shell.js';

export interface LockOwner {
  token: string;
  actor?: string;
  runUrl?: string;
  action: string;
  since: string;
}

/** Marks, on stderr, a lock taken but not recorded (a full disk): it was removed again, not held. */
export const NOT_RECORDED = 'njord-lock-not-recorded';

/** Marks, on stderr, an app root the SSH user cannot make or write: no wait can cure that. */
export const ROOT_UNWRITABLE = 'njord-lock-root-unwritable';

/** Marks, on stderr, a lock taken over from a gone holder; the owner JSON follows on the line. */
export const TAKEN_OVER = 'njord-lock-taken-over ';

/** The start time (clock ticks since boot) of process `$1`, from /proc/$1/stat past its (comm). */
const startTime = (pid: string) => `$(sed 's/.*) //' /proc/${pid}/stat 2>/dev/null | cut -d' ' -f20)`;
const BOOT_ID = '$(cat /proc/sys/kernel/random/boot_id)';

export class LockCommands {
  constructor(private readonly layout: ReleaseLayout) {}

  get holderFile(): string {
    return posix.join(this.layout.lockDir, 'holder');
  }

  /** The SSH connection running this command: its sshd process ($PPID of the login shell), start time, boot. */
  recordHolder(): string {
    return `printf '%s %s %s\\n' "$PPID" "${BOOT_ID}" "${startTime('$PPID')}" > ${quote(this.holderFile)}`;
  }

  /** Exit 0 when the holder file names a connection that no longer exists (or a boot that is over). */
  holderGone(): string {
    return `{ read -r pid boot start < ${quote(this.holderFile)} && [ -n "$start" ] && { [ "$boot" != "${BOOT_ID}" ] || [ "${startTime('$pid')}" != "$start" ]; }; } 2>/dev/null`;
  }

  /**
   * When the lock's holder is gone: moves its lock aside (atomic, under a short mutex so two runs
   * never both take over), prints TAKEN_OVER and its owner on stderr, and takes the lock. Exit 0
   * only when this run now holds the directory.
   */
  takeOver(): string {
    const root = this.layout.root;
    const mutex = quote(posix.join(root, '.lock-takeover'));
    const aside = `${quote(posix.join(root, '.lock-gone'))}.$$`;
    const lock = quote(this.layout.lockDir);
    return [
      // A mutex left by a run killed in these few milliseconds is stale after a minute.
      `find ${quote(root)} -maxdepth 1 -name .lock-takeover -mmin +1 -exec rmdir {} + 2>/dev/null`,
      `mkdir ${mutex} 2>/dev/null && { if ${this.holderGone()} && mv ${lock} ${aside}; then { printf '${TAKEN_OVER}'; tr -d '\\n' < ${aside}/owner.json; echo; } >&2; rm -rf ${aside}; fi; rmdir ${mutex}; mkdir ${lock} 2>/dev/null; }`,
    ].join('; ');
  }

  /**
   * Exit 0: taken, the owner (stdin) recorded, and the first line of stdout the outermost directory
   * it had to make for the root (empty when the root was there). Non-zero: someone holds it, or
   * (NOT_RECORDED on stderr) its owner could not be written, and the lock was let go at once: a lock
   * nobody can name would never be taken over. ROOT_UNWRITABLE on stderr: the root could not be
   * made or is not writable by this user (mkdir's own error precedes it).
   */
  acquire(): string {
    const root = quote(this.layout.root);
    const lock = quote(this.layout.lockDir);
    const outermostMissing = `made=; d=${root}; while [ ! -e "$d" ]; do made=$d; d=$(dirname "$d"); done`;
    const record = `{ cat > ${quote(this.layout.lockOwner)} && ${this.recordHolder()}; } || { rm -rf ${lock}; echo ${NOT_RECORDED} >&2; false; }`;
    const rootReady = `{ mkdir -p ${root} && [ -w ${root} ] || { echo ${ROOT_UNWRITABLE} >&2; false; }; }`;
    return `${outermostMissing}; ${rootReady} && { mkdir ${lock} 2>/dev/null || { ${this.takeOver()}; }; } && { ${record}; } && printf '%s\\n' "$made"`;
  }

  /**
   * Removes the directories acquire() made, from the root out to `outermost`; rmdir takes only an
   * empty one, so whatever another run put there since stays.
   */
  removeMadeDirs(outermost: string): string {
    return `d=${quote(this.layout.root)}; while rmdir "$d" 2>/dev/null && [ "$d" != ${quote(outermost)} ]; do d=$(dirname "$d"); done; true`;
  }

  /** The owner JSON, then a last line `holder=alive|gone|unknown`; or `unlocked`. */
  status(): string {
    const lock = quote(this.layout.lockDir);
    return `if [ -d ${lock} ]; then cat ${quote(this.layout.lockOwner)} 2>/dev/null; echo; if [ ! -f ${quote(this.holderFile)} ]; then echo holder=unknown; elif ${this.holderGone()}; then echo holder=gone; else echo holder=alive; fi; else echo unlocked; fi`;
  }

  /** Frees the lock whatever its owner: for a person who has checked (`njord-deploy unlock`). */
  forceRelease(): string {
    return line(['rm', '-rf', this.layout.lockDir]);
  }

  readOwner(): string {
    return `cat ${quote(this.layout.lockOwner)} 2>/dev/null || true`;
  }

  /** `first` runs only while the lock is still this run's (a post step must not undo a later run's work). */
  release(token: string, first?: string): string {
    return `if grep -qF ${quote(token)} ${quote(this.layout.lockOwner)} 2>/dev/null; then ${first ? `${first}; ` : ''}${line(['rm', '-rf', this.layout.lockDir])}; fi`;
  }
}
