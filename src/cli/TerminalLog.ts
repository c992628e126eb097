// The core's progress in a terminal: lines to stderr (stdout carries the report), warnings and
// errors marked, debug lines only with --verbose.
import type { Log } from '../report/Log.js';

export function terminalLog(out: { write(s: string): unknown }, verbose: boolean): Log {
  const say = (prefix: string) => (m: string) => void out.write(`${prefix}${m}\n`);
  return {
    info: say(''),
    warn: say('warning: '),
    error: say('error: '),
    debug: verbose ? say('debug: ') : () => undefined,
  };
}
