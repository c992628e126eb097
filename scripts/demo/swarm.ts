// npm run demo -- --swarm: the deploy story on a three-manager Docker Swarm (mode: swarm). The app's
// web service runs three replicas, one a node, behind the zero-downtime proxy on the first manager
// (the sandbox's kernel has no routing mesh). v1 is deployed, v2 rolls out as swarm's rolling update
// under load, and a broken v3, whose tasks never become healthy, is put back; then the requests
// that failed (none), and the tasks on each node as `docker stack ps` on a manager shows them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../../tests/harness/runAction.js';
import { onServer, type SandboxInfo } from '../../tests/sandbox/Sandbox.js';
import { ensureSwarm } from '../../tests/sandbox/Swarm.js';
import { served, type TestApp } from '../../tests/support/deployKit.js';
import { buildSlowApp, ensureProxyImage, removeProxy, startLoad } from '../../tests/support/zeroDowntimeKit.js';
import { portFreeOnAll, printLog, printOutputs, printSummary, say } from './show.js';

/** web: three replicas with a Docker healthcheck (init: busybox httpd ignores SIGTERM as PID 1); worker: one task. */
function writeStackApp(dir: string, port: number): void {
  const healthcheck = '["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"]';
  writeFileSync(
    join(dir, 'docker-compose.yml'),
    `services:
  web:
    image: \${IMAGE}
    init: true
    ports:
      - "127.0.0.1:${port}:8080"
    healthcheck: { test: ${healthcheck}, interval: 1s, timeout: 2s, retries: 3 }
    deploy:
      replicas: 3
  worker:
    image: \${IMAGE}
    init: true
`,
  );
}

export async function swarmStory(info: SandboxInfo): Promise<void> {
  say('Forming (or checking) a swarm of three managers: servers 5, 6 and 7 …');
  const swarm = await ensureSwarm(info);
  const managers = swarm.servers.map((s) => s.name);
  console.log(onServer(managers[0]!, `docker node ls --format '  {{.Hostname}} {{.Status}} {{.ManagerStatus}}'`));

  say("Building three releases (busybox httpd, FROM scratch) and the proxy (Debian's nginx-light) …");
  const repo = 'demo/swarm-shop';
  const images = {
    v1: buildSlowApp(info, repo, 'v1'),
    v2: buildSlowApp(info, repo, 'v2'),
    broken: buildSlowApp(info, repo, 'v3-broken', false),
  };
  const proxyImage = await ensureProxyImage(info);
  for (const i of [...Object.values(images), proxyImage]) console.log(`  ${i}`);

  const name = 'demo-swarm';
  const port = await portFreeOnAll(managers);
  const workspace = mkdtempSync(join(tmpdir(), 'njord-demo-swarm-'));
  writeStackApp(workspace, port);
  // The proxy, and so the app's port, is on the first manager's loopback.
  const app: TestApp = { name, port, workspace, root: `${info.homeDir}/njord/${name}`, server: managers[0]! };
  // A run before this one: the proxy first (it holds the stack's network), then the stack.
  removeProxy(app.server, name);
  onServer(app.server, `docker stack rm ${name} >/dev/null 2>&1; rm -rf ${app.root}; true`, { user: 'root' });

  async function step(title: string, image: string): Promise<void> {
    say(`${title}\n$ uses: njord/deploy (dist/deploy/index.js) with mode: swarm, zero-downtime: web, image ${image}`);
    const t0 = Date.now();
    const run = await runAction(
      '.',
      {
        hosts: swarm.hosts,
        'ssh-key': info.privateKey,
        'known-hosts': swarm.knownHosts,
        mode: 'swarm',
        app: name,
        image,
        'zero-downtime': 'web',
        'proxy-image': proxyImage,
        'health-url': `http://127.0.0.1:${port}/health`,
        'health-timeout': '60',
      },
      { workspace },
    );
    printLog(run);
    printOutputs(run);
    printSummary(run);
    console.log(`  The step took ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
    console.log(`  The app now serves (curl on ${app.server}, through the proxy): ${await served(app, '/')}`);
  }

  await step('1. First deploy of v1: a stack of three web tasks and a worker', images.v1);
  // Two minutes at most, whatever happens: the loops on the server end by themselves.
  const load = startLoad(app.server, port, name, 120);
  await step("2. Upgrade to v2: swarm's rolling update, one task at a time, under load", images.v2);
  await step('3. A broken release: its tasks never become healthy, so the v2 stack is deployed again', images.broken);
  const counts = load.stop();
  const versions = Object.entries(counts.versions)
    .map(([v, n]) => `${v}: ${n}`)
    .join(', ');
  say(
    `Requests through the proxy during steps 2 and 3: ${counts.fast + counts.slow} (${counts.slow} of them 2 s long), ` +
      `failed: ${counts.failed.length}; answered by ${versions}`,
  );
  for (const f of counts.failed.slice(0, 5)) console.log(`  failed: ${f}`);

  say(`The tasks swarm runs, per node (docker stack ps ${name} on ${managers[1]})`);
  console.log(
    onServer(
      managers[1]!,
      `docker stack ps ${name} --filter desired-state=running --format '{{.Node}}  {{.Name}}  {{.Image}}  {{.CurrentState}}' | sort`,
    ).trim(),
  );
  say(
    `Done. The stack keeps running; look: docker exec ${app.server} curl -s http://127.0.0.1:${port}/; ` +
      `remove: docker exec ${app.server} sh -c 'docker rm -f njord-proxy-${name}; docker stack rm ${name}'`,
  );
}
