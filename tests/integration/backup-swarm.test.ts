// The backup action on a swarm stack (mode: swarm), through the bundled actions, on the three-manager
// swarm of servers 5-7: a backup of the stack's volumes is refused naming `volumes`, with nothing
// changed on any node (no lock left, no backup directory, the same tasks and containers, still
// serving), and a backup of a host directory with `volumes: none` on the manager works; so does its
// restore, while restoring the stack's volume is refused.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureSwarm, type SwarmSandbox } from '../sandbox/Swarm.js';
import { onServer, type TestImage } from '../sandbox/Sandbox.js';
import { runAction } from '../harness/runAction.js';
import { backupAction, restoreAction } from '../support/backupKit.js';
import { visibleLog, type TestApp } from '../support/deployKit.js';
import { backupTestImage, describeOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';

/** One task a node (global), each mounting the stack's volume `data`: swarm makes one volume a node. */
function writeStackApp(dir: string): void {
  writeFileSync(
    join(dir, 'docker-compose.yml'),
    [
      'services:',
      '  web:',
      '    image: ${IMAGE}',
      '    init: true',
      '    volumes:',
      '      - data:/data',
      '    deploy:',
      '      mode: global',
      'volumes:',
      '  data:',
      '',
    ].join('\n'),
  );
}

describeOnSandbox('backup of a swarm stack', () => {
  const info = sandboxInfo();
  const { app } = suiteApps();
  let swarm: SwarmSandbox;
  let image: TestImage;
  let a: TestApp | undefined;
  const site = `bk-swarm-site-${process.pid}`;

  beforeAll(async () => {
    swarm = await ensureSwarm(info);
    image = await backupTestImage(info);
  }, 10 * 60_000);
  afterAll(() => {
    if (!a) return;
    onServer(a.server, `docker stack rm ${a.name} >/dev/null 2>&1; rm -rf ${a.root} ~/${site}; true`);
    // The stack's volumes stay on each node after `stack rm`: removed once its containers are gone.
    for (const s of swarm.servers)
      onServer(
        s.name,
        `for i in $(seq 40); do [ -z "$(docker ps -aq --filter label=com.docker.stack.namespace=${a.name})" ] && break; sleep 0.5; done; docker volume rm ${a.name}_data >/dev/null 2>&1; true`,
        { user: 'root' },
      );
  });

  /** Every node's view of the stack: its task ids and each container's id and start time. */
  const stackState = (name: string) =>
    swarm.servers
      .map((s) =>
        onServer(
          s.name,
          `docker ps -q --filter label=com.docker.stack.namespace=${name} | xargs -r docker inspect --format '{{.Id}} {{.State.StartedAt}} {{index .Config.Labels "com.docker.swarm.task.id"}}'`,
        ).trim(),
      )
      .join('\n');

  /** What each node's task serves at /health, asked inside it (the routing mesh does not work here). */
  const servedEverywhere = (name: string) =>
    swarm.servers.map((s) =>
      onServer(
        s.name,
        `docker exec $(docker ps -q --filter label=com.docker.stack.namespace=${name} | head -1) wget -qO- http://127.0.0.1:8080/health`,
      ).trim(),
    );

  it('refuses the volumes with nothing changed; a host directory backs up and restores', async () => {
    const base = await app('bk-swarm');
    a = { ...base, server: swarm.servers[0]!.name };
    writeStackApp(a.workspace);
    const connection = { 'ssh-key': info.privateKey, 'known-hosts': swarm.knownHosts };
    const deployed = await runAction(
      '.',
      { ...connection, hosts: swarm.hosts, app: a.name, image: image.ref, mode: 'swarm', 'health-timeout': '60' },
      { workspace: a.workspace },
    );
    expect(deployed.outputs.status, visibleLog(deployed)).toBe('deployed');
    expect(servedEverywhere(a.name)).toEqual(['v1', 'v1', 'v1']);
    const before = stackState(a.name);
    expect(before.split('\n')).toHaveLength(3);

    const t0 = Date.now();
    const onManager = { ...connection, hosts: swarm.servers[0]!.hostSpec };
    const refused = await backupAction(info, a, onManager);
    const refusedMs = Date.now() - t0;
    const log = visibleLog(refused);
    expect(refused.exitCode, log).not.toBe(0);
    expect(log).toContain(`Input 'volumes': ${a.name} runs as a swarm stack on`);
    expect(log).toContain('its current release was deployed with mode: swarm');
    expect(log).toContain(`swarm creates ${a.name}_<name> separately on each node`);
    expect(log).toContain('set volumes: none and give paths');
    // Nothing changed: no lock, no backup directory, the same containers, still serving.
    expect(onServer(a.server, `test -e ${a.root}/.lock && echo locked || echo free`).trim()).toBe('free');
    expect(onServer(a.server, `ls -A ${a.root}/backups 2>/dev/null | wc -l`).trim()).toBe('0');
    expect(stackState(a.name)).toBe(before);
    expect(servedEverywhere(a.name)).toEqual(['v1', 'v1', 'v1']);

    // What works: a host directory on the host named, with volumes: none.
    onServer(a.server, `mkdir -p ~/${site}/uploads && echo kept > ~/${site}/uploads/a.txt`);
    const t1 = Date.now();
    const paths = await backupAction(info, a, { ...onManager, volumes: 'none', paths: `~/${site}` });
    const pathsMs = Date.now() - t1;
    expect(paths.exitCode, visibleLog(paths)).toBe(0);
    const m = JSON.parse(paths.outputs.manifest!);
    expect(m.archives.map((x: { kind: string; name: string }) => `${x.kind} ${x.name}`)).toEqual([
      `path ${info.homeDir}/${site}`,
    ]);
    expect(onServer(a.server, `ls ${a.root}/backups/${paths.outputs['backup-id']}`)).toContain('manifest.json');
    expect(stackState(a.name)).toBe(before);

    // The restore likewise: the stack's volume refused, the directory put back.
    const id = paths.outputs['backup-id']!;
    const volume = await restoreAction(info, a, { ...onManager, 'backup-id': id, volumes: 'data' });
    expect(volume.exitCode).not.toBe(0);
    expect(visibleLog(volume)).toContain(`Input 'volumes': ${a.name} runs as a swarm stack on`);
    onServer(a.server, `echo changed > ~/${site}/uploads/a.txt`);
    const t2 = Date.now();
    const restored = await restoreAction(info, a, { ...onManager, 'backup-id': id, 'safety-backup': 'false' });
    const restoreMs = Date.now() - t2;
    expect(restored.exitCode, visibleLog(restored)).toBe(0);
    expect(onServer(a.server, `cat ~/${site}/uploads/a.txt`).trim()).toBe('kept');
    expect(stackState(a.name)).toBe(before);
    console.log(
      `[backup-swarm] refused in ${refusedMs} ms; paths backed up in ${pathsMs} ms, restored in ${restoreMs} ms`,
    );
  }, 180_000);
});
