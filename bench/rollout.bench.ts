// Deploy v1→v2 of the same app to 8 sandbox servers at once (`rollout: parallel`) and to one of
// them alone, through the bundled action, alternating, and print the median ratio: what one more
// host costs a parallel deploy. Side by side, the same with the hand-written deploy (plainDeploy.ts)
// run on every host at once: its ratio is what the servers sharing this machine cost anyone, so
// the action's ratio over it is what njord's fan-out adds.
// Servers 3..8 are started (or found running) by tests/sandbox/Fleet.ts.
// Run as root: npx tsx bench/rollout.bench.ts [rounds] [hosts]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../tests/harness/runAction.js';
import { ensureFleet } from '../tests/sandbox/Fleet.js';
import { buildTestImage, freePort, startSandbox, writeComposeApp } from '../tests/sandbox/Sandbox.js';
import { removeApp, type TestApp } from '../tests/support/deployKit.js';
import { plainDeployScript, runPlainDeploys } from './plainDeploy.js';

const rounds = Number(process.argv[2] ?? 3);
const hostCount = Number(process.argv[3] ?? 8);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const now = () => performance.now();

const info = await startSandbox();
const fleetStart = now();
const fleet = await ensureFleet(info, hostCount);
console.log(`${hostCount} servers ready in ${((now() - fleetStart) / 1000).toFixed(1)} s`);
const v1 = await buildTestImage(info, { repo: 'njord-test/bench', tag: 'v1', version: 'v1' });
const v2 = await buildTestImage(info, { repo: 'njord-test/bench', tag: 'v2', version: 'v2' });
const port = await freePort();
const workspace = mkdtempSync(join(tmpdir(), 'njord-bench-'));
writeComposeApp(workspace, { port });

const app = (name: string, server: string): TestApp => ({
  name,
  port,
  workspace,
  root: `${info.homeDir}/njord/${name}`,
  server,
});
// Different app names: the one-host deploy and the fleet's never share a lock or a port's owner.
const fleetApps = fleet.servers.map((s) => app('bench-fleet', s.name));
const oneApp = app('bench-one', fleet.servers[0]!.name);
const handFleetApps = fleet.servers.map((s) => app('bench-hand-fleet', s.name));
const handOneApp = app('bench-hand-one', fleet.servers[0]!.name);

const keyFile = join(workspace, 'id');
writeFileSync(keyFile, info.privateKey, { mode: 0o600 });
const knownFile = join(workspace, 'known_hosts');
writeFileSync(knownFile, fleet.knownHosts);
// The action's gate defaults: 2 good answers in a row, 1 s apart.
const handScript = (name: string, hostSpec: string) =>
  plainDeployScript({ hostSpec, keyFile, knownFile, app: name, workspace, port, interval: 1, successes: 2 });
const handFleet = fleet.servers.map((s) => handScript('bench-hand-fleet', s.hostSpec));
const handOne = [handScript('bench-hand-one', fleet.servers[0]!.hostSpec)];

async function deployByHand(scripts: string[], image: string): Promise<number> {
  const t = now();
  await runPlainDeploys(scripts, image);
  return now() - t;
}

/** Per phase, the slowest host's time in ms (the summary's Connect, Pull, Start, Gate columns). */
type Phases = Record<'connect' | 'pull' | 'start' | 'gate', number>;
const phaseNames = ['connect', 'pull', 'start', 'gate'] as const;
const seconds = (cell: string) => (cell.endsWith(' ms') ? parseFloat(cell) : parseFloat(cell) * 1000) || 0;
function slowestPhases(summary: string): Phases {
  const rows = summary.split('\n').filter((l) => /^\| `?[\w.-]+@/.test(l));
  const cells = rows.map((r) =>
    r
      .split('|')
      .map((c) => c.trim())
      .slice(5, 9),
  );
  return Object.fromEntries(
    phaseNames.map((p, i) => [p, Math.max(...cells.map((c) => seconds(c[i] ?? '')))]),
  ) as Phases;
}
const lastPhases: { fleet?: Phases; one?: Phases } = {};

async function deployTo(name: string, hosts: string, image: string): Promise<number> {
  const t = now();
  const run = await runAction(
    '.',
    {
      hosts,
      'ssh-key': info.privateKey,
      'known-hosts': fleet.knownHosts,
      app: name,
      image,
      'health-url': `http://127.0.0.1:${port}/health`,
      rollout: 'parallel',
    },
    { workspace },
  );
  if (run.exitCode !== 0) throw new Error(`deploy of ${name} failed:\n${run.stdout}\n${run.stderr}`);
  lastPhases[name === 'bench-fleet' ? 'fleet' : 'one'] = slowestPhases(run.summary);
  return now() - t;
}

type Side = 'fleet' | 'one' | 'handFleet' | 'handOne';
const times: Record<Side, number[]> = { fleet: [], one: [], handFleet: [], handOne: [] };
const sides: Side[] = ['fleet', 'one', 'handFleet', 'handOne'];
const clear = () => [...fleetApps, oneApp, ...handFleetApps, handOneApp].forEach(removeApp);
try {
  for (let i = 0; i < rounds; i++) {
    // Each side in turn, the order turned each round; each starts from v1 running (untimed), then
    // times v1→v2. All share the port: clear first.
    for (const which of sides.map((_, k) => sides[(k + i) % sides.length]!)) {
      clear();
      if (which === 'fleet') {
        await deployTo('bench-fleet', fleet.hosts, v1.refByDigest);
        times.fleet.push(await deployTo('bench-fleet', fleet.hosts, v2.refByDigest));
      } else if (which === 'one') {
        await deployTo('bench-one', fleet.servers[0]!.hostSpec, v1.refByDigest);
        times.one.push(await deployTo('bench-one', fleet.servers[0]!.hostSpec, v2.refByDigest));
      } else {
        const scripts = which === 'handFleet' ? handFleet : handOne;
        await deployByHand(scripts, v1.refByDigest);
        times[which].push(await deployByHand(scripts, v2.refByDigest));
      }
    }
    const ms = (side: Side) => `${times[side].at(-1)!.toFixed(0)} ms`;
    console.log(
      `round ${i + 1}: action ${hostCount} hosts ${ms('fleet')}, 1 host ${ms('one')}; by hand ${hostCount} hosts ${ms('handFleet')}, 1 host ${ms('handOne')}`,
    );
    // Where the time goes: a phase that grows on every host is the servers' (sharing this machine's cores).
    for (const which of ['fleet', 'one'] as const)
      console.log(
        `  slowest host per phase, ${which === 'fleet' ? `${hostCount} hosts` : '1 host'}: ${phaseNames.map((p) => `${p} ${lastPhases[which]![p].toFixed(0)} ms`).join(', ')}`,
      );
  }
} finally {
  clear();
}
const m = (side: Side) => median(times[side]);
const actionRatio = m('fleet') / m('one');
const handRatio = m('handFleet') / m('handOne');
console.log(`\ndeploy v1→v2, median of ${rounds}, ${hostCount} hosts in parallel against 1 host:`);
console.log(
  `  action:  ${m('fleet').toFixed(0)} ms / ${m('one').toFixed(0)} ms = ratio ${actionRatio.toFixed(2)} (goal ≤ 1.30)`,
);
console.log(
  `  by hand: ${m('handFleet').toFixed(0)} ms / ${m('handOne').toFixed(0)} ms = ratio ${handRatio.toFixed(2)}`,
);
console.log(
  `  what njord's fan-out adds over the machine's own (action ratio / by-hand ratio): ${(actionRatio / handRatio).toFixed(2)}`,
);
console.log(
  `  action / by hand, ${hostCount} hosts: ${(m('fleet') / m('handFleet')).toFixed(2)}; 1 host: ${(m('one') / m('handOne')).toFixed(2)}`,
);
