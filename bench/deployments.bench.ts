// What recording a GitHub Deployment costs a deploy: v1→v2 to a sandbox server (not the runner; the
// gate checks the app on the server through the action's SSH tunnel) through the bundled
// action, with the deployment recorded in a production environment (create, in_progress, success,
// then the replaced one marked inactive: 6 calls) against the local stand-in of GitHub's API
// answering after a realistic delay, and without it, alternating; median ratio. The create and
// in_progress calls overlap the SSH work; the rest follow it. Run as root:
// npx tsx bench/deployments.bench.ts [rounds] [api latency ms]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../tests/harness/runAction.js';
import { buildTestImage, freePort, startSandbox, writeComposeApp } from '../tests/sandbox/Sandbox.js';
import { removeApp, type TestApp } from '../tests/support/deployKit.js';
import { startGithubApi } from '../tests/support/githubApiServer.js';

const rounds = Number(process.argv[2] ?? 7);
const latencyMs = Number(process.argv[3] ?? 120);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const TOKEN = 'ghs_benchToken0123456789';

const info = await startSandbox();
const v1 = await buildTestImage(info, { repo: 'njord-test/bench-deployments', tag: 'v1', version: 'v1' });
const v2 = await buildTestImage(info, { repo: 'njord-test/bench-deployments', tag: 'v2', version: 'v2' });
const api = await startGithubApi({ token: TOKEN, latencyMs });
const port = await freePort();
const workspace = mkdtempSync(join(tmpdir(), 'njord-bench-gh-'));
writeComposeApp(workspace, { port });
const app: TestApp = {
  name: 'bench-deployments',
  port,
  workspace,
  root: `${info.homeDir}/njord/bench-deployments`,
  server: info.server,
};
console.log(
  `server ${info.server} (${info.hostSpec}), ${rounds} round${rounds > 1 ? 's' : ''}, API latency ${latencyMs} ms`,
);

async function deploy(image: string, recorded: boolean): Promise<number> {
  const t = performance.now();
  const run = await runAction(
    '.',
    {
      hosts: info.hostSpec,
      'ssh-key': info.privateKey,
      'known-hosts': info.knownHosts,
      app: app.name,
      image,
      'health-url': `http://127.0.0.1:${port}/health`,
      ...(recorded ? { environment: 'production', 'environment-url': 'https://shop.example.com' } : {}),
    },
    { workspace, env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: api.url } },
  );
  if (run.exitCode !== 0) throw new Error(`deploy failed:\n${run.stdout}\n${run.stderr}`);
  return performance.now() - t;
}

const times = { recorded: [] as number[], plain: [] as number[] };
try {
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 ? (['plain', 'recorded'] as const) : (['recorded', 'plain'] as const);
    for (const which of order) {
      removeApp(app);
      await deploy(v1.refByDigest, which === 'recorded');
      times[which].push(await deploy(v2.refByDigest, which === 'recorded'));
    }
    console.log(
      `round ${i + 1}: recorded ${times.recorded.at(-1)!.toFixed(0)} ms, not ${times.plain.at(-1)!.toFixed(0)} ms`,
    );
  }
} finally {
  removeApp(app);
  await api.close();
}
const calls = api.calls.length / (2 * rounds);
console.log(
  `\ndeploy v1→v2, median of ${rounds}, API answering after ${latencyMs} ms (${calls.toFixed(0)} calls a recorded deploy):`,
);
console.log(`  recorded ${median(times.recorded).toFixed(0)} ms, not recorded ${median(times.plain).toFixed(0)} ms`);
console.log(`  ratio recorded/not: ${(median(times.recorded) / median(times.plain)).toFixed(3)}`);
