// Kills an action's main step mid-run, as a cancelled job or a lost runner would, so a test can
// check what the post step and the host are left with.
import type { ChildProcess } from 'node:child_process';

/** An onSpawn hook: SIGKILLs the main step's process group `delayMs` after its stdout shows `text`. */
export function killWhen(text: string, delayMs: number): (child: ChildProcess, step: 'main' | 'post') => void {
  return (child, step) => {
    if (step !== 'main') return;
    let seen = '';
    let armed = false;
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (armed || !seen.includes(text)) return;
      armed = true;
      setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, delayMs);
    });
  };
}

/**
 * An onSpawn hook that SIGKILLs the main step once `reached()` is true (polled every `everyMs`);
 * `killed()` says whether it did.
 */
export function killWhenReached(
  reached: () => boolean,
  everyMs: number,
): { onSpawn: (child: ChildProcess, step: 'main' | 'post') => void; killed: () => boolean } {
  let killed = false;
  return {
    onSpawn: (child, step) => {
      if (step !== 'main') return;
      const poll = setInterval(() => {
        if (reached()) {
          clearInterval(poll);
          killed = child.kill('SIGKILL');
        }
      }, everyMs);
      child.on('exit', () => clearInterval(poll));
    },
    killed: () => killed,
  };
}
