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

  /** Exit 0: taken, and the owner (stdin) recorded. Non-zero: someone holds it. */
  acquire(): string {
    return `mkdir -p ${quote(this.layout.root)} && mkdir ${quote(this.layout.lockDir)} 2>/dev/null && cat > ${quote(this.layout.lockOwner)}`;
  }

  readOwner(): string {
    return `cat ${quote(this.layout.lockOwner)} 2>/dev/null || true`;
  }

  release(token: string): string {
    return `if grep -qF ${quote(token)} ${quote(this.layout.lockOwner)} 2>/dev/null; then ${line(['rm', '-rf', this.layout.lockDir])}; fi`;
  }
}
