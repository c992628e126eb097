// mode: swarm on a three-manager swarm (servers 5-7), through the bundled actions as users run them:
// a first deploy, a rolling update, a release that fails its gate (its tasks never become healthy,
// so swarm pauses the update and njord deploys the previous stack again) and a rollback by hand,
// all under load through the app's proxy on the first manager. Not one request may fail. Each
// server is looked at over its own shell (onServer), never the runner.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureSwarm, type SwarmSandbox } from '../sandbox/Swarm.js';
import { onServer } from '../sandbox/Sandbox.js';
import { run } from '../sandbox/process.js';
import { deploy, served, visibleLog, type TestApp } from '../support/deployKit.js';
import { rollback } from '../support/rollbackKit.js';
import { describeOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';
import { buildSlowApp, ensureProxyImage, removeProxy, startLoad } from '../support/zeroDowntimeKit.js';

/** web: three replicas behind the proxy, with a Docker healthcheck; worker: one task. */
function writeStackApp(dir: string, port: number): void {
  writeFileSync(
    join(dir, 'docker-compose.yml'),
    [
      'services:',
      '  web:',
      '    image: ${IMAGE}',
      '    init: true',
      '    ports:',
      `      - "127.0.0.1:${port}:8080"`,
      '    healthcheck:',
      '      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"]',
      '      interval: 1s',
      '      timeout: 2s',
      '      retries: 3',
      '    deploy:',
      '      replicas: 3',
      '  worker:',
      '    image: ${IMAGE}',
      '    init: true',
      '',
    ].join('\n'),
  );
}

describeOnSandbox('mode: swarm', () => {
  const info = sandboxInfo();
  const { app } = suiteApps();
  const repo = `njord-test/swarm-${process.pid}`;
  let swarm: SwarmSandbox;
  let images: Record<'v1' | 'v2' | 'broken', string>;
  let proxyImage: string;
  const digests = { v1: '', v2: '' };
  let a: TestApp | undefined;

  beforeAll(async () => {
    swarm = await ensureSwarm(info);
    proxyImage = await ensureProxyImage(info);
    images = {
      v1: buildSlowApp(info, repo, 'v1'),
      v2: buildSlowApp(info, repo, 'v2'),
      broken: buildSlowApp(info, repo, 'broken', false),
    };
    for (const v of ['v1', 'v2'] as const)
      digests[v] = run('docker', ['image', 'inspect', '--format', '{{index .RepoDigests 0}}', images[v]], {}, 'digest')
        .trim()
        .split('@')[1]!;
  }, 20 * 60_000);
  afterAll(() => {
    if (!a) return;
    // The proxy first: it holds the stack's network, which `stack rm` would leave behind.
    removeProxy(a.server, a.name);
    onServer(a.server, `docker stack rm ${a.name} >/dev/null 2>&1; rm -rf ${a.root}; true`, { user: 'root' });
  });

  /** Each task of the stack that swarm wants running: `service image-tag node`, sorted, seen from another manager. */
  const tasks = (name: string) =>
    onServer(
      swarm.servers[1]!.name,
      `docker stack ps ${name} --no-trunc --filter desired-state=running --format '{{.Name}} {{.Image}} {{.Node}} {{.CurrentState}}'`,
    )
      .trim()
      .split('\n')
      .map((l) => l.replace(/^(\S+)\.\d+ /, '$1 '))
      .sort();

  /** True when every task swarm wants running runs `version`'s image (by digest); else the tasks, for the message. */
  const allOn = (name: string, version: 'v1' | 'v2') => {
    const list = tasks(name);
    return list.every((t) => t.includes(digests[version])) ? true : list.join('\n');
  };

  it(
    'deploy, rolling update, a failing release put back, a rollback by hand: zero failed requests through the proxy',
    async () => {
      const base = await app('swarm');
      a = { ...base, server: swarm.servers[0]!.name };
      writeStackApp(a.workspace, a.port);
      const inputs = {
        hosts: swarm.hosts,
        'known-hosts': swarm.knownHosts,
        mode: 'swarm',
        'zero-downtime': 'web',
        'proxy-image': proxyImage,
        'health-timeout': '60',
      };
      const go = async (image: string, want: string) => {
        const t0 = Date.now();
        const run = await deploy(info, a!, image, inputs);
        expect(run.outputs.status, visibleLog(run)).toBe(want);
        console.log(`[swarm] ${image.split(':').pop()}: ${want} in ${Date.now() - t0} ms`);
        return run;
      };

      const first = await go(images.v1, 'deployed');
      const r1 = first.outputs.release!;
      expect(await served(a, '/')).toBe('v1');
      const webTasks = tasks(a.name).filter((t) => t.startsWith(`${a!.name}_web `));
      expect(webTasks).toHaveLength(3);
      // One task a node: the proxy on the first manager reaches the others' over the overlay.
      expect(new Set(webTasks.map((t) => t.split(' ')[2])).size).toBe(3);
      expect(allOn(a.name, 'v1')).toBe(true);

      const load = startLoad(a.server, a.port, a.name);
      try {
        const second = await go(images.v2, 'deployed');
        expect(await served(a, '/')).toBe('v2');
        expect(allOn(a.name, 'v2')).toBe(true);
        // The run page shows the stack as the manager sees it: web's three tasks and their nodes.
        // Swarm may put two of a rolling update's new tasks on one node, so the nodes come from the server.
        expect(second.summary).toContain(`Stack \`${a.name}\``);
        const webNodes = [
          ...new Set(
            tasks(a.name)
              .filter((t) => t.startsWith(`${a!.name}_web `))
              .map((t) => t.split(' ')[2]),
          ),
        ].sort();
        expect(second.summary).toContain(`| ${a.name}_web |`);
        expect(second.summary).toContain(`| 3/3 | ${webNodes.join(', ')} |`);

        const failing = await go(images.broken, 'rolled-back');
        expect(visibleLog(failing)).toMatch(/rolling back to/);
        expect(await served(a, '/')).toBe('v2');
        expect(allOn(a.name, 'v2')).toBe(true);

        // The first host listed does not answer: the rollback goes through the next manager.
        const back = await rollback(info, a, {
          hosts: `njord@127.0.0.1:1\n${swarm.hosts}`,
          'known-hosts': swarm.knownHosts,
          mode: 'swarm',
          'health-timeout': '60',
          to: r1,
        });
        expect(back.outputs.status, visibleLog(back)).toBe('rolled-back');
        expect(visibleLog(back)).toMatch(/through the manager \S*2205; passed over njord@127\.0\.0\.1:1 \(unreachable/);
        expect(await served(a, '/')).toBe('v1');
        expect(allOn(a.name, 'v1')).toBe(true);
        expect(onServer(a.server, `readlink ${a.root}/current`).trim()).toBe(`releases/${r1}`);
        expect(second.outputs.release).not.toBe(r1);

        // An exec:// check would pass or fail by where swarm put the tasks: refused, nothing changes.
        const refused = await deploy(info, a, images.v2, {
          ...inputs,
          'health-url': `http://127.0.0.1:${a.port}/health\nexec://web/true`,
        });
        expect(refused.exitCode).not.toBe(0);
        expect(visibleLog(refused)).toMatch(
          /Input 'health-url': 'exec:\/\/web\/true' runs in a container on the manager/,
        );
        expect(onServer(a.server, `readlink ${a.root}/current`).trim()).toBe(`releases/${r1}`);
        expect(allOn(a.name, 'v1')).toBe(true);

        // Another manager first: it keeps none of the app's releases. Refused with what to do, nothing changes.
        const elsewhere = await rollback(info, a, {
          hosts: [1, 0, 2].map((i) => swarm.servers[i]!.hostSpec).join('\n'),
          'known-hosts': swarm.knownHosts,
          mode: 'swarm',
          to: r1,
        });
        expect(elsewhere.outputs.status).toBe('failed');
        expect(visibleLog(elsewhere)).toMatch(/Input 'to': '\S+' matches no release on \S+2206/);
        expect(visibleLog(elsewhere)).toMatch(/kept on the manager that deployed; .* list it first in hosts/);
        expect(onServer(swarm.servers[1]!.name, `test -e ${a.root} && echo left || echo none`).trim()).toBe('none');
        expect(onServer(a.server, `readlink ${a.root}/current`).trim()).toBe(`releases/${r1}`);
        expect(allOn(a.name, 'v1')).toBe(true);
      } finally {
        const counts = load.stop();
        console.log(`[swarm] load: ${JSON.stringify({ ...counts, failed: counts.failed.slice(0, 5) })}`);
        expect(counts.failed).toEqual([]);
        expect(Object.keys(counts.versions).sort()).toEqual(['v1', 'v2']);
      }
    },
    10 * 60_000,
  );
});
