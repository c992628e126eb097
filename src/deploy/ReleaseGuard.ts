// Switches a host to a new release so that the host, not the runner, guarantees the way back: one
// SSH command starts the release and then waits on its stdin for the runner's word (keep it, undo
// it, or leave it as it is). The runner says `alive` every few seconds meanwhile; when it falls
// silent or its connection goes (a killed runner, a cut connection) before it decided, the host
// brings the previous release back itself. See src/remote/ReleaseGuardCommand.ts.
import { PassThrough, Writable } from 'node:stream';
import type { SshConnection, StreamResult } from '../ssh/SshConnection.js';
// The same heartbeat, and the same silence on the host, as the guard of services stopped for a backup.
import { HEARTBEAT_MS } from '../backup/ServiceControl.js';
import { guardedSwitchCommand, type GuardedSwitch, type GuardWord } from '../remote/ReleaseGuardCommand.js';

export interface StepResult {
  code: number;
  /** The last line the step printed (its error, when code is not 0). */
  lastLine: string;
}

export function parseStep(said: string | undefined): StepResult | undefined {
  // Compose's progress lines carry carriage returns and escapes; what matters is the text.
  const m = /^\S+ (\d+) ?(.*)$/s.exec(said ?? '');
  // eslint-disable-next-line no-control-regex
  return m ? { code: Number(m[1]), lastLine: (m[2] ?? '').replace(/\x1b\[[0-9;]*[A-Za-z]|\r/g, '').trim() } : undefined;
}

export class ReleaseGuard {
  private readonly heartbeat = new PassThrough();
  private readonly timer: NodeJS.Timeout;
  private readonly done: Promise<StreamResult>;
  private readonly lines: string[] = [];
  private waiting?: () => void;
  private decided = false;
  private ended = false;

  private constructor(ssh: SshConnection, command: string) {
    this.timer = setInterval(() => this.heartbeat.write('alive\n'), HEARTBEAT_MS);
    this.timer.unref();
    let partial = '';
    const stdout = new Writable({
      write: (chunk: Buffer, _enc, next) => {
        partial += chunk.toString();
        const parts = partial.split('\n');
        partial = parts.pop()!;
        this.lines.push(...parts);
        this.waiting?.();
        next();
      },
    });
    this.done = ssh.stream(command, { stdin: this.heartbeat, stdout });
    const stop = () => {
      clearInterval(this.timer);
      this.ended = true;
      this.waiting?.();
    };
    this.done.then(stop, stop);
  }

  /** Starts the release; resolves once `up` ended, with the guard still holding the way back. */
  static async start(ssh: SshConnection, s: GuardedSwitch): Promise<{ guard: ReleaseGuard; up: StepResult }> {
    const guard = new ReleaseGuard(ssh, guardedSwitchCommand(s));
    const said = await guard.next('up');
    const up = parseStep(said);
    if (up) return { guard, up };
    if (said !== undefined) return { guard, up: { code: 255, lastLine: said } };
    const r = await guard.done;
    return {
      guard,
      up: { code: r.code || 255, lastLine: r.stderr.trim().split('\n').pop() || 'the switch ended early' },
    };
  }

  get isDecided(): boolean {
    return this.decided;
  }

  /**
   * Tells the host what to do with the release and waits until it did: how `keep` or `undo` went
   * (`leave`, or `undo` on a first release, does nothing: code 0). Once only.
   */
  async decide(word: GuardWord): Promise<StepResult> {
    if (this.decided) throw new Error(`the switch was decided already; '${word}' came too late`);
    this.decided = true;
    clearInterval(this.timer);
    this.heartbeat.end(`${word}\n`);
    const said = await this.next(word === 'keep' ? 'kept' : word === 'undo' ? 'undone' : 'left', 'left');
    const r = await this.done;
    if (said === 'left') return { code: 0, lastLine: '' };
    const step = parseStep(said);
    if (!step)
      throw new Error(`the host ended the switch without doing '${word}' (exit ${r.code}): ${r.stderr.trim()}`);
    return step;
  }

  /** The first stdout line starting with one of `words`, or undefined when the command ended first. */
  private async next(...words: string[]): Promise<string | undefined> {
    for (;;) {
      const found = this.lines.find((l) => words.some((w) => l === w || l.startsWith(`${w} `)));
      if (found !== undefined) return found;
      if (this.ended) return undefined;
      await new Promise<void>((r) => (this.waiting = r));
    }
  }
}
