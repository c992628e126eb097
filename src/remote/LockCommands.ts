// A per-app lock on each host: `mkdir` is atomic, so exactly one run holds it. The owner file
// says who and which run; release only removes a lock whose owner token is ours.
import type { ReleaseLayout } from '../release/ReleaseLayout.js';
import { line, quote } from './Shell.js';

export interface LockOwner {
  token: string;
  actor?: string;
  runUrl?: string;
  action: string;
  since: string;
}

export class LockCommands {
  constructor(private readonly layout: ReleaseLayout) {}

  /**
   * Exit 0: taken, the owner (stdin) recorded, and the first line of stdout the outermost directory
   * it had to make for the root (empty when the root was there). Non-zero: someone holds it.
   */
  acquire(): string {
    const root = quote(this.layout.root);
    const outermostMissing = `made=; d=${root}; while [ ! -e "$d" ]; do made=$d; d=$(dirname "$d"); done`;
    return `${outermostMissing}; mkdir -p ${root} && mkdir ${quote(this.layout.lockDir)} 2>/dev/null && cat > ${quote(this.layout.lockOwner)} && printf '%s\\n' "$made"`;
  }

  /**
   * Removes the directories acquire() made, from the root out to `outermost`; rmdir takes only an
   * empty one, so whatever another run put there since stays.
   */
  removeMadeDirs(outermost: string): string {
    return `d=${quote(this.layout.root)}; while rmdir "$d" 2>/dev/null && [ "$d" != ${quote(outermost)} ]; do d=$(dirname "$d"); done; true`;
  }

  readOwner(): string {
    return `cat ${quote(this.layout.lockOwner)} 2>/dev/null || true`;
  }

  release(token: string): string {
    return `if grep -qF ${quote(token)} ${quote(this.layout.lockOwner)} 2>/dev/null; then ${line(['rm', '-rf', this.layout.lockDir])}; fi`;
  }
}
