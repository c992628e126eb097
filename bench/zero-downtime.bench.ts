// The zero-downtime story beside today's in-place deploy, in one run on one sandbox server, under
// the same bounded load (fast requests every 20 ms, 2-second requests always in flight): v2, a
// release failing its gate, a rollback by hand, v2 again. Prints the failed requests of each, the
// deploys' time as a ratio, and the proxy's cost at steady state (throughput through the proxy
// against straight to the container, alternated).
// Run as root: npm run bench:zero-downtime [rounds of the throughput measure]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../tests/harness/runAction.js';
import { onServer, startSandbox } from '../tests/sandbox/Sandbox.js';
import { portFreeOnServer, removeApp, type TestApp } from '../tests/support/deployKit.js';
import {
  buildSlowApp,
  ensureProxyImage,
  removeProxy,
  startLoad,
  writeSlowApp,
  type LoadCounts,
} from '../tests/support/zeroDowntimeKit.js';

const rounds = Number(process.argv[2] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const info = await startSandbox();
const proxyImage = await ensureProxyImage(info);
const repo = 'njord-test/zd-bench';
const images = {
  v1: buildSlowApp(info, repo, 'v1'),
  v2: buildSlowApp(info, repo, 'v2'),
  broken: buildSlowApp(info, repo, 'broken', false),
};

async function newApp(name: string): Promise<TestApp> {
  const port = await portFreeOnServer(info.server);
  const workspace = mkdtempSync(join(tmpdir(), `njord-bench-${name}-`));
  writeSlowApp(workspace, port);
  return { name, port, workspace, root: `${info.homeDir}/njord/${name}`, server: info.server };
}

const gate = { 'health-interval': '0.3', 'health-successes': '2', 'health-timeout': '8' };
function inputs(a: TestApp, extra: Record<string, string>): Record<string, string> {
  const connection = { hosts: info.hostSpec, 'ssh-key': info.privateKey, 'known-hosts': info.knownHosts };
  return { ...connection, app: a.name, 'health-url': `http://127.0.0.1:${a.port}/health`, ...gate, ...extra };
}

interface Story {
  deployMs: number[];
  load: LoadCounts;
}

/** v1 (untimed, no load), then under load: v2, broken, rollback to v1, v2; each deploy timed. */
async function story(a: TestApp, extra: Record<string, string>): Promise<Story> {
  const run = async (dir: string, more: Record<string, string>) => {
    const t = performance.now();
    const r = await runAction(dir, inputs(a, { ...more }), { workspace: a.workspace });
    if (!['deployed', 'rolled-back'].includes(r.outputs.status ?? ''))
      throw new Error(`${a.name}: ${dir} ${JSON.stringify(more)} ended ${r.outputs.status}:\n${r.stdout}\n${r.stderr}`);
    return { ms: performance.now() - t, release: r.outputs.release };
  };
  const first = await run('.', { ...extra, image: images.v1 });
  const load = startLoad(a.server, a.port, a.name);
  const deployMs: number[] = [];
  let counts: LoadCounts;
  try {
    deployMs.push((await run('.', { ...extra, image: images.v2 })).ms);
    deployMs.push((await run('.', { ...extra, image: images.broken })).ms);
    deployMs.push((await run('actions/rollback', { to: first.release! })).ms);
    deployMs.push((await run('.', { ...extra, image: images.v2 })).ms);
  } finally {
    counts = load.stop();
  }
  return { deployMs, load: counts };
}

/** Requests a second from the server: curl, 8 in parallel, `n` of them (busybox httpd closes each connection). */
function throughput(url: string, n = 1500): number {
  const out = onServer(
    info.server,
    `s=$(date +%s%N); curl -s --parallel --parallel-max 8 -o /dev/null -w '%{http_code}\\n' '${url}?[1-${n}]' | grep -c '^200$'; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))`,
    { user: 'root', timeoutMs: 120_000 },
  ).split('\n');
  const ok = Number(out[0]);
  if (ok !== n) throw new Error(`${url}: ${ok} of ${n} answered 200`);
  return (n * 1000) / Number(out[1]);
}

const inPlace = await newApp('zd-bench-inplace');
const switched = await newApp('zd-bench-switched');
try {
  const before = await story(inPlace, {});
  const after = await story(switched, { 'zero-downtime': 'web', 'drain-timeout': '5', 'proxy-image': proxyImage });

  // Steady state: the switched app's web container, straight and through its proxy, alternated.
  const ip = onServer(
    info.server,
    `docker inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' $(docker ps -q --filter label=com.docker.compose.project=${switched.name} --filter label=com.docker.compose.service=web)`,
    { user: 'root' },
  )
    .trim()
    .split(' ')[0]!;
  const direct: number[] = [];
  const proxied: number[] = [];
  for (let i = 0; i < rounds; i++) {
    direct.push(throughput(`http://${ip}:8080/`));
    proxied.push(throughput(`http://127.0.0.1:${switched.port}/`));
  }

  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const line = (name: string, s: Story) =>
    `${name.padEnd(14)} failed ${String(s.load.failed.length).padStart(3)} of ${s.load.fast + s.load.slow} requests (${s.load.slow} of 2 s); deploys ${s.deployMs.map((m) => (m / 1000).toFixed(1)).join(' / ')} s`;
  console.log('\nv2, failing release, rollback, v2 — under load:');
  console.log(line('in place', before));
  console.log(line('zero-downtime', after));
  console.log(
    `deploy time ratio zero-downtime / in place: ${(sum(after.deployMs) / sum(before.deployMs)).toFixed(2)} (goal ≤ 1.3)`,
  );
  console.log(
    `throughput, median of ${rounds}: straight ${median(direct).toFixed(0)} req/s, through the proxy ${median(proxied).toFixed(0)} req/s, ratio ${(median(proxied) / median(direct)).toFixed(2)} (goal ≥ 0.9)`,
  );
  if (before.load.failed.length) console.log(`in place, first failures: ${before.load.failed.slice(0, 3).join(' | ')}`);
} finally {
  for (const a of [inPlace, switched]) {
    removeApp(a);
    removeProxy(a.server, a.name);
  }
}
