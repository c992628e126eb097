// Samples every process's argument list on this machine every few milliseconds, so a test can prove
// a secret never rides on a command line: the runner's processes and, since the servers are
// containers whose PID namespaces this machine's /proc also lists, every server's.
import { readdirSync, readFileSync } from 'node:fs';

export interface SeenProcess {
  pid: string;
  /** The argument list, NUL-separated as in /proc/<pid>/cmdline. */
  args: string;
  /** The process's environment, read on demand. */
  environ(): string;
}

export function watchProcesses(onProcess: (p: SeenProcess) => void, everyMs = 5): { stop(): void } {
  const timer = setInterval(() => {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        onProcess({ pid, args, environ: () => readFileSync(`/proc/${pid}/environ`, 'utf8') });
      } catch {
        /* the process is gone */
      }
    }
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}
