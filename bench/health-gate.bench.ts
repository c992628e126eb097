// Detection latency of the health gate on a sandbox server (not the runner): an endpoint on the
// server's loopback (busybox httpd running a CGI script, on the server) answers 503, then turns
// healthy at a random moment after the first probe; the time from that moment to the gate passing,
// i.e. to the healthy answer that completes its run of `successes` (timed by the script on the
// server, so neither the action's start and exit nor ssh's count). The bundled health-gate action
// checking through the server (hosts: its SSH tunnel) with its defaults (successes 2) and with
// successes 1, against the shell loop people write, run on the same server over ssh
// (`ssh server 'until curl -fsS URL; do sleep 1; done'`), alternating, same interval.
// Goal: the first healthy answer within one interval, each further success one interval more.
// Run as root: npx tsx bench/health-gate.bench.ts [rounds] [interval-seconds (default: the action's)]
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { repoRoot, runAction } from '../tests/harness/runAction.js';
import { freePort, onServer, startSandbox } from '../tests/sandbox/Sandbox.js';

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

const info = await startSandbox();
const server = info.server;
const dir = `/tmp/njord-bench-hg-${process.pid}`;
const port = await freePort();
const url = `http://127.0.0.1:${port}/cgi-bin/health`;
// 503 until `delay` µs after the first request, then 200; each 200 appends its µs since then to
// `answers`. One clock (the server's) for both sides of the measurement.
const cgi = `#!/bin/bash
cd ${dir}/state
now=\${EPOCHREALTIME/./}
[ -e flip ] || echo $((now + $(cat delay))) > flip
flip=$(cat flip)
if ((now < flip)); then printf 'Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nstarting'; exit 0; fi
echo $((now - flip)) >> answers
printf 'Content-Type: text/plain\r\n\r\nok'
`;
const script = `${dir}/www/cgi-bin/health`;
onServer(server, `mkdir -p ${dir}/www/cgi-bin ${dir}/state && cat > ${script} && chmod +x ${script}`, { input: cgi });
// Started on the server and left there (setsid, no open pipes) until the finally below.
const httpdPid = onServer(
  server,
  `setsid busybox httpd -f -p 127.0.0.1:${port} -h ${dir}/www </dev/null >/dev/null 2>&1 & echo $!; sleep 0.3; kill -0 $!`,
).trim();
const local = mkdtempSync(join(tmpdir(), 'njord-bench-hg-'));
const keyFile = join(local, 'id');
writeFileSync(keyFile, info.privateKey, { mode: 0o600 });
const knownFile = join(local, 'known_hosts');
writeFileSync(knownFile, info.knownHosts);
console.log(`server ${server} (${info.hostSpec}), ${url} on its loopback, ${rounds} round${rounds > 1 ? 's' : ''}`);

interface Variant {
  name: string;
  /** Healthy answers in a row that pass. */
  successes: number;
  check: () => Promise<void>;
  ms: number[];
}

/** Starts `check`, has the endpoint turn healthy 0.5–2.5 s after its first probe, returns ms from then to the passing answer. */
async function detection(v: Variant): Promise<number> {
  const delayUs = Math.round(500_000 + Math.random() * 2_000_000);
  onServer(server, `cd ${dir}/state && rm -f flip answers && echo ${delayUs} > delay`);
  await v.check();
  const healthyAnswers = onServer(server, `cat ${dir}/state/answers 2>/dev/null || true`)
    .split('\n')
    .filter(Boolean)
    .map((us) => Number(us) / 1000);
  const passing = healthyAnswers[v.successes - 1];
  if (passing === undefined) throw new Error(`${v.name}: passed before ${v.successes} healthy answers`);
  return passing;
}

/** The action as a workflow would use it, through the server: only what is given here, the rest its defaults. */
function viaAction(inputs: Record<string, string>): () => Promise<void> {
  return async () => {
    const run = await runAction('actions/health-gate', {
      urls: url,
      hosts: info.hostSpec,
      'ssh-key': info.privateKey,
      'known-hosts': info.knownHosts,
      timeout: '30',
      ...(intervalArg ? { interval: intervalArg } : {}),
      ...inputs,
    });
    if (run.exitCode !== 0 || run.outputs.healthy !== 'true') throw new Error(`gate failed:\n${run.stdout}`);
  };
}

/** The loop people write, on the server, where the URL is. */
async function viaCurlLoop(): Promise<void> {
  await promisify(execFile)('ssh', [
    ...['-i', keyFile, '-p', String(info.sshPort), '-o', `UserKnownHostsFile=${knownFile}`, '-o', 'BatchMode=yes'],
    `${info.sshUser}@${info.sshHost}`,
    `until curl -fsS -o /dev/null ${url}; do sleep ${interval}; done`,
  ]);
}

const variants: Variant[] = [
  {
    name: `action, defaults (successes ${defaultSuccesses})`,
    successes: defaultSuccesses,
    check: viaAction({}),
    ms: [],
  },
  { name: 'action, successes 1', successes: 1, check: viaAction({ successes: '1' }), ms: [] },
  { name: 'curl loop over ssh', successes: 1, check: viaCurlLoop, ms: [] },
];
try {
  for (let i = 0; i < rounds; i++) {
    // A different order each round: none always runs first after the previous one's exit.
    const order = variants.map((_, k) => variants[(k + i) % variants.length]!);
    for (const v of order) v.ms.push(await detection(v));
    console.log(`round ${i + 1}: ${variants.map((v) => `${v.name} ${v.ms.at(-1)!.toFixed(0)} ms`).join(', ')}`);
  }
} finally {
  onServer(server, `kill ${httpdPid} 2>/dev/null; rm -rf ${dir}`);
  rmSync(local, { recursive: true, force: true });
}

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
