// The default story (npm run demo): one server. It builds two good releases and a broken one,
// then deploys v1, upgrades to v2, and deploys the broken release, which fails its health gate and
// is rolled back; then the same again through the zero-downtime proxy, under load.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type ActionRun } from '../../tests/harness/runAction.js';
import { buildTestImage, freePort, onServer, writeComposeApp, type SandboxInfo } from '../../tests/sandbox/Sandbox.js';
import { removeApp, served, type TestApp } from '../../tests/support/deployKit.js';
import { ensureProxyImage, removeProxy, startLoad } from '../../tests/support/zeroDowntimeKit.js';
import { printLog, printOutputs, printSummary, say } from './show.js';

export async function oneServerStory(info: SandboxInfo): Promise<void> {
  say('Building three releases of a tiny web app (FROM scratch + busybox) and pushing them …');
  const v1 = await buildTestImage(info, { repo: 'demo/shop', tag: 'v1', version: 'v1' });
  const v2 = await buildTestImage(info, { repo: 'demo/shop', tag: 'v2', version: 'v2' });
  const broken = await buildTestImage(info, { repo: 'demo/shop', tag: 'v3-broken', version: 'v3', healthy: false });
  for (const i of [v1, v2, broken]) console.log(`  ${i.refByDigest}`);

  const port = await freePort();
  const workspace = mkdtempSync(join(tmpdir(), 'njord-demo-'));
  writeComposeApp(workspace, { port, withHealthcheck: true });
  // The app runs on the server: its port is on the server's loopback, not this machine's.
  const app: TestApp = {
    name: 'demo-shop',
    port,
    workspace,
    root: `${info.homeDir}/njord/demo-shop`,
    server: info.server,
  };
  removeApp(app);
  removeProxy(app.server, app.name);

  async function step(title: string, image: string, extra: Record<string, string> = {}): Promise<ActionRun> {
    say(`${title}\n$ uses: njord/deploy (dist/deploy/index.js) with image ${image}`);
    const run = await runAction(
      '.',
      {
        hosts: info.hostSpec,
        'ssh-key': info.privateKey,
        'known-hosts': info.knownHosts,
        app: app.name,
        image,
        secrets: 'APP_SECRET=demo-secret-never-printed',
        'health-url': `http://127.0.0.1:${port}/health`,
        'health-timeout': '10',
        ...extra,
      },
      { workspace },
    );
    printLog(run);
    printOutputs(run);
    printSummary(run);
    console.log(`  The app now serves (curl on ${app.server}): ${await served(app)}`);
    return run;
  }

  await step('1. First deploy of v1', v1.refByDigest);
  await step('2. Upgrade to v2', v2.refByDigest);
  await step('3. A broken release: its health check fails, so v2 is put back', broken.refByDigest);

  say("Building the zero-downtime proxy (nginx from Debian's nginx-light package) …");
  const zd = { 'zero-downtime': 'web', 'drain-timeout': '5', 'proxy-image': await ensureProxyImage(info) };
  await step(
    '4. Zero-downtime from now on (zero-downtime: web): this first switch starts the proxy, which takes the port',
    v1.refByDigest,
    zd,
  );
  const load = startLoad(app.server, port, app.name, 300, false);
  await step('5. Upgrade to v2 through the switch, 50 requests a second hitting the app', v2.refByDigest, zd);
  await step('6. The broken release through the switch: removed before it ever answers', broken.refByDigest, zd);
  const counts = load.stop();
  say(
    `Requests during steps 5 and 6: ${counts.fast}, failed: ${counts.failed.length} (in place, each release switch costs about 10)`,
  );

  say(`What the server (${app.server}) holds now`);
  console.log(
    onServer(
      app.server,
      `cd ${app.root} && echo "current -> $(readlink current)" && ls releases && tail -n 3 history.jsonl`,
    ).trim(),
  );
  say(
    `Done. The app keeps running on ${app.server} at http://127.0.0.1:${port}/ (look: docker exec ${app.server} curl -s http://127.0.0.1:${port}/; ` +
      `remove: docker exec -u ${info.sshUser} ${app.server} sh -c 'docker rm -f $(docker ps -aq --filter label=com.docker.compose.project=${app.name}) njord-proxy-${app.name}')`,
  );
}
