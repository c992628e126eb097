// npm run demo -- --servers N: the deploy story across a fleet of N servers. v1 goes to every
// server at once (rollout: parallel, the default); v2 rolls one server at a time (rollout: serial),
// the first a canary; a broken v3 fails its gate on the canary, which goes back to v2, and the
// other servers are never switched. After each step, every server is asked what it serves.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../../tests/harness/runAction.js';
import { ensureFleet } from '../../tests/sandbox/Fleet.js';
import { buildTestImage, onServer, writeComposeApp, type SandboxInfo } from '../../tests/sandbox/Sandbox.js';
import { removeApp, served, type TestApp } from '../../tests/support/deployKit.js';
import { portFreeOnAll, printLog, printOutputs, printSummary, say } from './show.js';

export async function fleetStory(info: SandboxInfo, count: number): Promise<void> {
  say(`Starting a fleet of ${count} servers (the sandbox's, and more of the same where needed) …`);
  const fleet = await ensureFleet(info, count);
  for (const s of fleet.servers) console.log(`  ${s.name}, reached as ${s.hostSpec}`);

  say('Building three releases of a tiny web app (FROM scratch + busybox) and pushing them …');
  const v1 = await buildTestImage(info, { repo: 'demo/shop', tag: 'v1', version: 'v1' });
  const v2 = await buildTestImage(info, { repo: 'demo/shop', tag: 'v2', version: 'v2' });
  const broken = await buildTestImage(info, { repo: 'demo/shop', tag: 'v3-broken', version: 'v3', healthy: false });
  for (const i of [v1, v2, broken]) console.log(`  ${i.refByDigest}`);

  const names = fleet.servers.map((s) => s.name);
  const port = await portFreeOnAll(names);
  const workspace = mkdtempSync(join(tmpdir(), 'njord-demo-fleet-'));
  writeComposeApp(workspace, { port, withHealthcheck: true });
  const name = 'demo-fleet';
  // The same app on every server; each serves on its own loopback, where only it can be asked.
  const apps: TestApp[] = names.map((server) => ({
    name,
    port,
    workspace,
    root: `${info.homeDir}/njord/${name}`,
    server,
  }));
  apps.forEach(removeApp);

  async function step(title: string, image: string, rollout: string): Promise<void> {
    say(`${title}\n$ uses: njord/deploy (dist/deploy/index.js) with rollout: ${rollout}, image ${image}`);
    const t0 = Date.now();
    const run = await runAction(
      '.',
      {
        hosts: fleet.hosts,
        'ssh-key': info.privateKey,
        'known-hosts': fleet.knownHosts,
        app: name,
        image,
        rollout,
        'health-url': `http://127.0.0.1:${port}/health`,
        'health-timeout': '10',
      },
      { workspace },
    );
    printLog(run);
    printOutputs(run);
    console.log(`  The step took ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
    // The batches, each with its hosts, how each went and how long it took (none with parallel).
    if (run.summary.includes('**Rollout**')) printSummary(run, '**Rollout**');
    else printSummary(run);
    console.log('\n  Each server, asked on the server: what it serves, the release it runs, when its app started:');
    for (const a of apps) {
      const [current, started] = onServer(
        a.server,
        `readlink ${a.root}/current 2>/dev/null || echo none; ` +
          `docker inspect --format '{{.State.StartedAt}}' $(docker ps -q --filter label=com.docker.compose.project=${name})`,
      )
        .trim()
        .split('\n');
      console.log(`    ${a.server}: ${await served(a)}  (current -> ${current}; up since ${started?.slice(11, 19)})`);
    }
  }

  await step(`1. First deploy of v1 to all ${count} servers at once`, v1.refByDigest, 'parallel');
  await step('2. Upgrade to v2 one server at a time: the first is the canary', v2.refByDigest, 'serial');
  await step(
    '3. A broken release: it fails its gate on the canary, which goes back to v2; the others are never switched',
    broken.refByDigest,
    'serial',
  );

  say(`Done. Every server still serves v2 at http://127.0.0.1:${port}/ on its own loopback`);
  console.log(
    `  look: docker exec ${names[0]} curl -s http://127.0.0.1:${port}/\n` +
      `  remove, on each server: docker exec -u ${info.sshUser} SERVER sh -c 'docker rm -f $(docker ps -aq --filter label=com.docker.compose.project=${name})'`,
  );
}
