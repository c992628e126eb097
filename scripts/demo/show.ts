// What every demo story prints: a step's title, the action's log as the run shows it, its outputs
// and its job summary (whole, or the part a story is about).
import type { ActionRun } from '../../tests/harness/runAction.js';
import { freePort, onServer } from '../../tests/sandbox/Sandbox.js';

export const say = (s: string) => console.log(`\n\x1b[1m${s}\x1b[0m`);

const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');

/** The log a user reads on the run page: without the runner's mask and debug commands. */
export function printLog(run: ActionRun): void {
  const log = run.stdout.split('\n').filter((l) => l && !l.startsWith('::add-mask::') && !l.startsWith('::debug::'));
  console.log(indent(log.join('\n'), '  | '));
}

export function printOutputs(run: ActionRun): void {
  console.log(`\n  exit code ${run.exitCode}; outputs: ${JSON.stringify(run.outputs)}`);
}

/** The whole job summary, or its lines from the first one starting with `from` to the next blank line. */
export function printSummary(run: ActionRun, from?: string): void {
  let text = run.summary;
  if (from !== undefined) {
    const lines = run.summary.split('\n');
    const start = lines.findIndex((l) => l.startsWith(from));
    const rest = start < 0 ? [] : lines.slice(start);
    // The paragraph, a blank line, then the table up to the blank line after it.
    const end = rest.findIndex((l, i) => i > 1 && l.trim() === '');
    text = rest.slice(0, end < 0 ? undefined : end).join('\n');
  }
  console.log(
    `\n  Job summary${from ? ` (its ${from.replace(/\*/g, '')} part)` : ''} (markdown, as the run page renders it):`,
  );
  console.log(indent(text, '    '));
}

/** A port free on the runner and on every one of `servers`, where the app will bind it (20 tries). */
export async function portFreeOnAll(servers: string[]): Promise<number> {
  for (let i = 0; ; i++) {
    const port = await freePort();
    const taken = servers.some((s) => onServer(s, `ss -ltnH 'sport = :${port}' | wc -l`).trim() !== '0');
    if (!taken || i >= 20) return port;
  }
}
