// Detection latency of the health gate: a local server answers 503, then turns healthy at a random
// moment after the first probe; the time from that moment to the gate passing, i.e. to the healthy answer that completes
// its run of `successes` (measured on the server, so the action's own start and exit do not count).
// The bundled health-gate action with its defaults (successes 2) and with successes 1, against the
// shell loop people write (`until curl -fsS URL; do sleep 1; done`), alternating, same interval.
// Goal: the first healthy answer within one interval, each further success one interval more.
// Run: npx tsx bench/health-gate.bench.ts [rounds] [interval-seconds (default: the action's)]
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { repoRoot, runAction } from '../tests/harness/runAction.js';

const declared = (
  parse(readFileSync(join(repoRoot, 'actions/health-gate/action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  }
).inputs;
const defaultSuccesses = Number(declared.successes!.default);
const rounds = Number(process.argv[2] ?? 9);
const intervalArg = process.argv[3];
const interval = Number(intervalArg ?? declared.interval!.default);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const now = () => performance.now();

let healthySince: number | undefined;
/** Turns the server healthy, set at the first probe: a checker's own start-up never counts. */
let turnHealthy: (() => void) | undefined;
/** When each healthy answer went out, since the server turned healthy. */
let healthyAnswers: number[] = [];
const server = createServer((_req, res) => {
  if (healthySince === undefined) {
    turnHealthy?.();
    turnHealthy = undefined;
    res.writeHead(503).end('starting');
    return;
  }
  healthyAnswers.push(now() - healthySince);
  res.writeHead(200).end('ok');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;

interface Variant {
  name: string;
  /** Healthy answers in a row that pass. */
  successes: number;
  check: () => Promise<void>;
  ms: number[];
}

/** Starts `check`, turns the server healthy 0.5–2.5 s after its first probe, returns ms from then to the passing answer. */
async function detection(v: Variant): Promise<number> {
  healthySince = undefined;
  healthyAnswers = [];
  let timer: NodeJS.Timeout | undefined;
  turnHealthy = () => (timer = setTimeout(() => (healthySince = now()), 500 + Math.random() * 2000));
  await v.check();
  clearTimeout(timer);
  const passing = healthyAnswers[v.successes - 1];
  if (passing === undefined) throw new Error(`${v.name}: passed before ${v.successes} healthy answers`);
  return passing;
}

/** The action as a workflow would use it: only what is given here, the rest its defaults. */
function viaAction(inputs: Record<string, string>): () => Promise<void> {
  return async () => {
    const run = await runAction('actions/health-gate', {
      urls: url,
      timeout: '30',
      ...(intervalArg ? { interval: intervalArg } : {}),
      ...inputs,
    });
    if (run.exitCode !== 0 || run.outputs.healthy !== 'true') throw new Error(`gate failed:\n${run.stdout}`);
  };
}

async function viaCurlLoop(): Promise<void> {
  await promisify(execFile)('bash', ['-c', `until curl -fsS -o /dev/null ${url}; do sleep ${interval}; done`]);
}

const variants: Variant[] = [
  {
    name: `action, defaults (successes ${defaultSuccesses})`,
    successes: defaultSuccesses,
    check: viaAction({}),
    ms: [],
  },
  { name: 'action, successes 1', successes: 1, check: viaAction({ successes: '1' }), ms: [] },
  { name: 'curl loop', successes: 1, check: viaCurlLoop, ms: [] },
];
for (let i = 0; i < rounds; i++) {
  // A different order each round: none always runs first after the previous one's exit.
  const order = variants.map((_, k) => variants[(k + i) % variants.length]!);
  for (const v of order) v.ms.push(await detection(v));
  console.log(`round ${i + 1}: ${variants.map((v) => `${v.name} ${v.ms.at(-1)!.toFixed(0)} ms`).join(', ')}`);
}
server.close();

const intervalMs = interval * 1000;
console.log(`\ndetection latency (healthy → gate passes), interval ${intervalMs} ms, median of ${rounds}:`);
for (const v of variants) {
  const [m, max] = [median(v.ms), Math.max(...v.ms)];
  // The first healthy answer within one interval, then one interval per further success.
  const goal = v.successes * intervalMs;
  console.log(
    `  ${v.name.padEnd(32)} median ${m.toFixed(0)} ms = ${(m / intervalMs).toFixed(2)} intervals, max ${max.toFixed(0)} ms; goal ≤ ${v.successes} interval${v.successes > 1 ? 's' : ''}: median ${m <= goal ? 'met' : 'NOT met'}, max ${max <= goal ? 'met' : 'NOT met'}`,
  );
}
const [one, loop] = [median(variants[1]!.ms), median(variants[2]!.ms)];
console.log(`ratio action (successes 1) / curl loop: ${(one / loop).toFixed(3)}`);
