// Build and push a small image to the sandbox registry through the bundled build-push action and
// by hand: `docker build` with the same tags and labels (--label, as a person writes it), then
// `docker push` of each tag; and, as a floor, the same without any label. The order rotates every
// round, and a new file in the context each time keeps every push from being a no-op. Prints the
// median ratios (goal ≤ 1.05 against by hand) and the bundle's size (goal < 1 MB;
// docker/build-push-action's dist is about 2.5 MB). All use the classic builder, the only one here.
// No server takes part: a workflow builds and pushes on the runner, and so do all three here.
// Run as root: npx tsx bench/build-push.bench.ts [rounds]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../tests/harness/runAction.js';
import { startSandbox } from '../tests/sandbox/Sandbox.js';

const rounds = Number(process.argv[2] ?? 9);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const now = () => performance.now();

const info = await startSandbox();
const workspace = mkdtempSync(join(tmpdir(), 'njord-bench-bp-'));
mkdirSync(join(workspace, 'bin'));
copyFileSync(existsSync('/bin/busybox') ? '/bin/busybox' : '/usr/bin/busybox', join(workspace, 'bin', 'busybox'));
chmodSync(join(workspace, 'bin', 'busybox'), 0o755);
writeFileSync(
  join(workspace, 'Dockerfile'),
  'FROM scratch\nCOPY bin/busybox /bin/busybox\nCOPY round.txt /round.txt\nCMD ["/bin/busybox", "cat", "/round.txt"]\n',
);
// A push to main of a repository whose default branch is main: tags main, latest and sha-<7 hex>.
const eventPath = join(workspace, '..', `njord-bench-bp-event-${process.pid}.json`);
writeFileSync(eventPath, JSON.stringify({ repository: { default_branch: 'main' } }));
const actionImage = `${info.registry}/njord-bench/build-push-action-${process.pid}`;
const handImage = `${info.registry}/njord-bench/build-push-hand-${process.pid}`;

/** A new file each round: a new top layer, so each push uploads something. */
function newRound(label: string): string {
  writeFileSync(join(workspace, 'round.txt'), `${label} ${randomBytes(8).toString('hex')}\n`);
  return randomBytes(20).toString('hex');
}

function docker(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync('docker', args, { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function viaAction(round: number): Promise<number> {
  const sha = newRound(`action ${round}`);
  const t = now();
  // cache: none, as by hand; the default (gha) adds a cache tag's pull and push on this builder.
  const run = await runAction(
    'actions/build-push',
    { image: actionImage, cache: 'none' },
    { workspace, env: { GITHUB_SHA: sha, GITHUB_EVENT_PATH: eventPath } },
  );
  const ms = now() - t;
  if (run.exitCode !== 0) throw new Error(`action failed:\n${run.stdout}\n${run.stderr}`);
  if (!/^sha256:/.test(run.outputs.digest ?? '')) throw new Error('action gave no digest');
  if (run.outputs.tags?.split('\n').length !== 3) throw new Error(`expected 3 tags, got ${run.outputs.tags}`);
  return ms;
}

// What the action does, as a person writes it: the same three tags and the OCI labels.
function viaHand(round: number, withLabels = true): number {
  const sha = newRound(`hand ${round}`);
  const tags = ['main', 'latest', `sha-${sha.slice(0, 7)}`].map((t) => `${handImage}:${t}`);
  const labels = {
    'org.opencontainers.image.title': 'shop',
    'org.opencontainers.image.url': 'https://github.com/acme/shop',
    'org.opencontainers.image.source': 'https://github.com/acme/shop',
    'org.opencontainers.image.version': 'main',
    'org.opencontainers.image.created': new Date().toISOString(),
    'org.opencontainers.image.revision': sha,
  };
  const labelFlags = withLabels ? Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]) : [];
  const t = now();
  docker(['build', ...tags.flatMap((t) => ['--tag', t]), ...labelFlags, workspace], {
    ...process.env,
    DOCKER_BUILDKIT: '0',
  });
  for (const tag of tags) docker(['push', tag]);
  return now() - t;
}

const arms = {
  action: { times: [] as number[], run: (i: number) => viaAction(i) },
  'by hand': { times: [] as number[], run: async (i: number) => viaHand(i) },
  'by hand, no labels': { times: [] as number[], run: async (i: number) => viaHand(i, false) },
};
const names = Object.keys(arms) as (keyof typeof arms)[];
try {
  // One untimed round each: the first build of the context warms the engine's cache for all.
  for (const name of names) await arms[name].run(0);
  for (let i = 1; i <= rounds; i++) {
    const order = names.map((_n, k) => names[(k + i) % names.length]!);
    for (const name of order) arms[name].times.push(await arms[name].run(i));
    console.log(`round ${i}: ${names.map((n) => `${n} ${arms[n].times.at(-1)!.toFixed(0)} ms`).join(', ')}`);
  }
} finally {
  for (const image of [actionImage, handImage])
    spawnSync('bash', ['-c', `docker images -q ${image} | sort -u | xargs -r docker rmi -f >/dev/null 2>&1`]);
  rmSync(workspace, { recursive: true, force: true });
  rmSync(eventPath, { force: true });
}

const m = (n: keyof typeof arms) => median(arms[n].times);
console.log(`\nbuild + push, median of ${rounds}: ${names.map((n) => `${n} ${m(n).toFixed(0)} ms`).join(', ')}`);
console.log(`ratio action / by hand: ${(m('action') / m('by hand')).toFixed(3)} (goal ≤ 1.05)`);
console.log(`ratio action / by hand without labels: ${(m('action') / m('by hand, no labels')).toFixed(3)}`);

const size = statSync('dist/build-push/index.js').size;
console.log(
  `\nbundle: dist/build-push/index.js ${(size / 1024).toFixed(0)} kB (goal < 1024 kB; docker/build-push-action ≈ 2.5 MB)`,
);
