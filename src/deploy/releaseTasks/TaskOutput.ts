// A release task's output as it arrives: each line to the log at once (a migration can run for
// minutes), the last lines kept for the summary. The log masks secrets as it does everything else.
import { Writable } from 'node:stream';
import type { Log } from '../../report/Log.js';

export class TaskOutput extends Writable {
  private partial = '';
  private readonly last: string[] = [];

  constructor(
    private readonly prefix: string,
    private readonly log: Log,
    private readonly keep = 20,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const lines = (this.partial + chunk.toString('utf8')).split(/\r?\n/);
    this.partial = lines.pop() ?? '';
    for (const l of lines) this.line(l);
    done();
  }

  override _final(done: (err?: Error | null) => void): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    done();
  }

  /** The last lines the task printed, oldest first. */
  tail(): string[] {
    return [...this.last];
  }

  // Every line starts with the prefix (host and service), so a task printing `::set-output` or
  // `::add-mask::` cannot issue workflow commands to the runner.
  private line(l: string): void {
    this.log.info(`${this.prefix}${l}`);
    this.last.push(l);
    if (this.last.length > this.keep) this.last.shift();
  }
}
