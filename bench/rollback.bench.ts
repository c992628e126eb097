// Rollback wall time on a sandbox server (not the runner): the bundled rollback action against
// what a person does by hand on the same server (ssh in, source the old release's env file,
// `docker-compose up -d` it), alternating which goes first, flipping the app between two releases
// so each run really replaces the container. Prints the median ratio (goal ≤ 1.10), and the same
// against the hand version followed, in the same ssh session, by a curl loop on the server until
// the app answers (what the action's gate does through its tunnel). Also: whether pulling an image
// that is present costs more than checking for it.
// Run as root: npx tsx bench/rollback.bench.ts [rounds]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../tests/harness/runAction.js';

// The Node that action.yml's `using: node24` gives the action on a runner.
const RUNNER_NODE = 'node24';
import { buildTestImage, freePort, startSandbox, writeComposeApp } from '../tests/sandbox/Sandbox.js';
import { removeApp, type TestApp } from '../tests/support/deployKit.js';

const rounds = Number(process.argv[2] ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const now = () => performance.now();

const info = await startSandbox();
const v1 = await buildTestImage(info, { repo: 'njord-test/bench-rollback', tag: 'v1', version: 'v1' });
const v2 = await buildTestImage(info, { repo: 'njord-test/bench-rollback', tag: 'v2', version: 'v2' });
const port = await freePort();
const workspace = mkdtempSync(join(tmpdir(), 'njord-bench-rb-'));
writeComposeApp(workspace, { port });
const keyFile = join(workspace, 'id');
writeFileSync(keyFile, info.privateKey, { mode: 0o600 });
const knownFile = join(workspace, 'known_hosts');
writeFileSync(knownFile, info.knownHosts);
const app: TestApp = {
  name: 'bench-rollback',
  port,
  workspace,
  root: `${info.homeDir}/njord/bench-rollback`,
  server: info.server,
};
console.log(`server ${info.server} (${info.hostSpec}), ${rounds} round${rounds > 1 ? 's' : ''}`);
const connection = { hosts: info.hostSpec, 'ssh-key': info.privateKey, 'known-hosts': info.knownHosts, app: app.name };
const healthUrl = `http://127.0.0.1:${port}/health`;

async function deployUntimed(image: string): Promise<string> {
  const run = await runAction('.', { ...connection, image, 'health-url': healthUrl }, { workspace, node: RUNNER_NODE });
  if (run.exitCode !== 0) throw new Error(`deploy failed:\n${run.stdout}`);
  return run.outputs.release!;
}

async function viaAction(to: string): Promise<number> {
  const t = now();
  const run = await runAction(
    'actions/rollback',
    // One passing check: the hand version checks nothing at all.
    { ...connection, to, 'health-url': healthUrl, 'health-successes': '1', 'health-interval': '0.1' },
    { workspace, node: RUNNER_NODE },
  );
  if (run.exitCode !== 0) throw new Error(`rollback failed:\n${run.stdout}\n${run.stderr}`);
  return now() - t;
}

const ssh = `ssh -i ${keyFile} -p ${info.sshPort} -o UserKnownHostsFile=${knownFile} -o BatchMode=yes ${info.sshUser}@${info.sshHost}`;

function byHand(to: string, thenCurl: boolean): number {
  const t = now();
  // The health URL is on the server's loopback: the curl loop runs there, in the same session.
  const script = `${ssh} "cd njord/${app.name}/releases/${to} && set -a && . ./release.env && set +a && docker-compose -p ${app.name} -f docker-compose.yml up -d --remove-orphans${
    thenCurl ? ` && until curl -fsS -o /dev/null ${healthUrl}; do sleep 0.1; done` : ''
  }" 2>&1`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`by hand failed:\n${r.stdout}\n${r.stderr}`);
  return now() - t;
}

const times = { action: [] as number[], hand: [] as number[], handCurl: [] as number[] };
try {
  removeApp(app);
  const r1 = await deployUntimed(v1.refByDigest);
  const r2 = await deployUntimed(v2.ref);
  let current = r2;
  const flip = () => (current = current === r1 ? r2 : r1);
  for (let i = 0; i < rounds; i++) {
    const order =
      i % 3 === 0
        ? (['action', 'hand', 'handCurl'] as const)
        : i % 3 === 1
          ? (['hand', 'handCurl', 'action'] as const)
          : (['handCurl', 'action', 'hand'] as const);
    for (const which of order) {
      const to = flip();
      times[which].push(which === 'action' ? await viaAction(to) : byHand(to, which === 'handCurl'));
    }
    console.log(
      `round ${i + 1}: action ${times.action.at(-1)!.toFixed(0)} ms, by hand ${times.hand.at(-1)!.toFixed(0)} ms, by hand + curl ${times.handCurl.at(-1)!.toFixed(0)} ms`,
    );
  }

  // Pull always, or only when the image is missing? Time both on the host, with the image present.
  const pinned = `${info.registry}/njord-test/bench-rollback@${v1.digest}`;
  const inspect: number[] = [];
  const pull: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t = now();
    spawnSync('bash', ['-c', `${ssh} "docker image inspect --format '{{.Id}}' ${pinned} >/dev/null"`]);
    inspect.push(now() - t);
    t = now();
    spawnSync('bash', ['-c', `${ssh} "docker pull --quiet ${pinned} >/dev/null"`]);
    pull.push(now() - t);
  }
  console.log(
    `\nimage present, median of ${rounds} (over ssh): docker image inspect ${median(inspect).toFixed(0)} ms, docker pull ${median(pull).toFixed(0)} ms`,
  );
} finally {
  removeApp(app);
}
const [a, h, hc] = [median(times.action), median(times.hand), median(times.handCurl)];
console.log(
  `\nrollback, median of ${rounds}: action ${a.toFixed(0)} ms, by hand ${h.toFixed(0)} ms, by hand + curl until it answers ${hc.toFixed(0)} ms`,
);
console.log(`ratio action / by hand: ${(a / h).toFixed(3)} (goal ≤ 1.10)`);
console.log(`ratio action / by hand + curl: ${(a / hc).toFixed(3)}`);
