// Detection latency of the health gate: a local server answers 503, then turns healthy at a random
// moment; the time from that moment to the answer that passes the gate (successes: 1), measured
// on the server. The bundled health-gate action against the shell loop people write
// (`until curl -fsS URL; do sleep 1; done`), alternating, same interval. Goal: at most one interval.
// Run: npx tsx bench/health-gate.bench.ts [rounds] [interval-seconds]
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { runAction } from '../tests/harness/runAction.js';

const rounds = Number(process.argv[2] ?? 9);
const interval = Number(process.argv[3] ?? 1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const now = () => performance.now();

let healthySince: number | undefined;
let firstHealthyAnswer: number | undefined;
const server = createServer((_req, res) => {
  if (healthySince === undefined) {
    res.writeHead(503).end('starting');
    return;
  }
  firstHealthyAnswer ??= now();
  res.writeHead(200).end('ok');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;

/** Starts `check`, turns the server healthy 0.5–2.5 s later, returns ms from then to the passing answer. */
async function detection(check: () => Promise<void>): Promise<number> {
  healthySince = undefined;
  firstHealthyAnswer = undefined;
  const timer = setTimeout(() => (healthySince = now()), 500 + Math.random() * 2000);
  await check();
  clearTimeout(timer);
  if (healthySince === undefined || firstHealthyAnswer === undefined) throw new Error('passed before turning healthy');
  return firstHealthyAnswer - healthySince;
}

async function viaAction(): Promise<void> {
  const run = await runAction('actions/health-gate', {
    urls: url,
    interval: String(interval),
    successes: '1',
    timeout: '30',
  });
  if (run.exitCode !== 0 || run.outputs.healthy !== 'true') throw new Error(`gate failed:\n${run.stdout}`);
}

async function viaCurlLoop(): Promise<void> {
  await promisify(execFile)('bash', ['-c', `until curl -fsS -o /dev/null ${url}; do sleep ${interval}; done`]);
}

const action: number[] = [];
const loop: number[] = [];
for (let i = 0; i < rounds; i++) {
  const order = i % 2 ? ([loop, action] as const) : ([action, loop] as const);
  for (const list of order) list.push(await detection(list === action ? viaAction : viaCurlLoop));
  console.log(`round ${i + 1}: action ${action.at(-1)!.toFixed(0)} ms, curl loop ${loop.at(-1)!.toFixed(0)} ms`);
}
server.close();
const [a, l] = [median(action), median(loop)];
console.log(
  `\ndetection latency (healthy → passing answer), interval ${interval * 1000} ms, median of ${rounds}: action ${a.toFixed(0)} ms (max ${Math.max(...action).toFixed(0)} ms), curl loop ${l.toFixed(0)} ms (max ${Math.max(...loop).toFixed(0)} ms)`,
);
console.log(`ratio action / curl loop: ${(a / l).toFixed(3)}`);
console.log(
  `goal ≤ one interval: median ${a <= interval * 1000 ? 'met' : 'NOT met'}, max ${Math.max(...action) <= interval * 1000 ? 'met' : 'NOT met'}`,
);
