// Deploy v1→v2 to a sandbox server (not the runner) through the bundled action and through the
// plain script a person would write (ssh, copy the compose file, compose pull && up -d, then poll
// the health URL on the server over ssh), alternating, same server, and print the median ratio.
// Also: each dist bundle's size, and the action's cold start against `node -e ''`.
// Run as root: npx tsx bench/deploy.bench.ts [rounds]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../tests/harness/runAction.js';
import { plainDeployScript } from './plainDeploy.js';
import { buildTestImage, freePort, startSandbox, writeComposeApp } from '../tests/sandbox/Sandbox.js';
import { removeApp, type TestApp } from '../tests/support/deployKit.js';

const rounds = Number(process.argv[2] ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const now = () => performance.now();

const info = await startSandbox();
const v1 = await buildTestImage(info, { repo: 'njord-test/bench', tag: 'v1', version: 'v1' });
const v2 = await buildTestImage(info, { repo: 'njord-test/bench', tag: 'v2', version: 'v2' });
const port = await freePort();
const workspace = mkdtempSync(join(tmpdir(), 'njord-bench-'));
writeComposeApp(workspace, { port });
const keyFile = join(workspace, 'id');
writeFileSync(keyFile, info.privateKey, { mode: 0o600 });
const knownFile = join(workspace, 'known_hosts');
writeFileSync(knownFile, info.knownHosts);

// Same gate for both: 2 good answers in a row, 1 s apart (the action's defaults).
const interval = 1;
const successes = 2;

// Both on the same server; the port is on its loopback, so both check health there.
const app = (name: string): TestApp => ({
  name,
  port,
  workspace,
  root: `${info.homeDir}/njord/${name}`,
  server: info.server,
});
const actionApp = app('bench-action');
const scriptApp = app('bench-script');
console.log(`server ${info.server} (${info.hostSpec}), ${rounds} round${rounds > 1 ? 's' : ''}`);

async function viaAction(image: string): Promise<number> {
  const t = now();
  const run = await runAction(
    '.',
    {
      hosts: info.hostSpec,
      'ssh-key': info.privateKey,
      'known-hosts': info.knownHosts,
      app: actionApp.name,
      image,
      'health-url': `http://127.0.0.1:${port}/health`,
      'health-interval': String(interval),
      'health-successes': String(successes),
    },
    { workspace },
  );
  if (run.exitCode !== 0) throw new Error(`action failed:\n${run.stdout}\n${run.stderr}`);
  return now() - t;
}

const plainScript = plainDeployScript({
  hostSpec: info.hostSpec,
  keyFile,
  knownFile,
  app: scriptApp.name,
  workspace,
  port,
  interval,
  successes,
});

function viaScript(image: string): number {
  const t = now();
  const r = spawnSync('bash', ['-c', plainScript, 'deploy', image], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`plain script failed:\n${r.stdout}\n${r.stderr}`);
  return now() - t;
}

const actionTimes: number[] = [];
const scriptTimes: number[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 ? (['script', 'action'] as const) : (['action', 'script'] as const);
    for (const which of order) {
      // Both start from v1 running (untimed), then time v1→v2. They share the port: clear both first.
      removeApp(actionApp);
      removeApp(scriptApp);
      if (which === 'action') {
        await viaAction(v1.refByDigest);
        actionTimes.push(await viaAction(v2.refByDigest));
      } else {
        viaScript(v1.refByDigest);
        scriptTimes.push(viaScript(v2.refByDigest));
      }
    }
    console.log(
      `round ${i + 1}: action ${actionTimes.at(-1)!.toFixed(0)} ms, plain script ${scriptTimes.at(-1)!.toFixed(0)} ms`,
    );
  }
} finally {
  removeApp(actionApp);
  removeApp(scriptApp);
}
const ratio = median(actionTimes) / median(scriptTimes);
console.log(
  `\ndeploy v1→v2, median of ${rounds}: action ${median(actionTimes).toFixed(0)} ms, plain script ${median(scriptTimes).toFixed(0)} ms`,
);
console.log(`ratio action/script: ${ratio.toFixed(3)} (goal ≤ 1.10)`);

// Bundle sizes.
console.log('\nbundles:');
for (const d of readdirSync('dist').sort()) {
  const size = statSync(join('dist', d, 'index.js')).size;
  console.log(`  dist/${d}/index.js  ${(size / 1024).toFixed(0)} kB`);
}

// Cold start: load the bundle and fail at the first input check, against an empty node.
const cold = (args: string[]) => {
  const t = now();
  spawnSync(process.execPath, args, { env: { PATH: process.env.PATH, GITHUB_STATE: '/dev/null' } });
  return now() - t;
};
const coldAction: number[] = [];
const coldNode: number[] = [];
for (let i = 0; i < 15; i++) {
  coldAction.push(cold(['dist/deploy/index.js']));
  coldNode.push(cold(['-e', '']));
}
console.log(
  `\ncold start, median of 15: dist/deploy ${median(coldAction).toFixed(0)} ms, node -e '' ${median(coldNode).toFixed(0)} ms (ratio ${(median(coldAction) / median(coldNode)).toFixed(2)})`,
);
