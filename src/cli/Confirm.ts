// A yes/no question to the person at the terminal. --yes answers yes; with no terminal to ask
// (a pipe, CI) the answer is no, and the log says how to say yes.
import { createInterface } from 'node:readline/promises';
import type { Log } from '../report/Log.js';

export async function askYesNo(
  question: string,
  yes: boolean,
  log: Log,
  input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<boolean> {
  if (yes) return true;
  if (!input.isTTY) {
    log.warn(`${question} Nobody at a terminal to answer: run again with --yes to say yes.`);
    return false;
  }
  const rl = createInterface({ input, output });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
