// Proves the swarm the swarm-mode tests stand on (tests/sandbox/Swarm.ts): three managers, Ready, whose
// overlay carries traffic between them, and a proxy container in front of a `dnsrr` service, as the
// routing mesh does not work on these servers. Everything is looked at on the servers (onServer).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { onServer } from '../sandbox/Sandbox.js';
import { ensureSwarm, type SwarmSandbox } from '../sandbox/Swarm.js';
import { buildSlowApp, ensureProxyImage } from '../support/zeroDowntimeKit.js';
import { describeOnSandbox, sandboxInfo } from '../support/sandboxSuite.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// One task on each node; each answers /node with the name of the node it runs on.
const STACK = `version: "3.8"
services:
  web:
    image: \${IMAGE}
    init: true
    hostname: "{{.Node.Hostname}}"
    command: ["/bin/sh", "-c", "hostname > /www/node && exec httpd -f -p 8080 -h /www"]
    deploy:
      replicas: 3
      endpoint_mode: dnsrr
      placement:
        max_replicas_per_node: 1
networks:
  default:
    driver: overlay
    attachable: true
`;

// The service's name is resolved again through Docker's DNS each second: every task, on any node.
const NGINX_CONF = `worker_processes 1;
error_log /dev/stderr warn;
pid /tmp/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  resolver 127.0.0.11 valid=1s ipv6=off;
  server {
    listen 8080;
    location / {
      set $u web;
      proxy_pass http://$u:8080;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 1s;
    }
  }
}
`;

describeOnSandbox('swarm sandbox', () => {
  const info = sandboxInfo();
  const app = `swsbx${Date.now().toString(36)}`;
  const dir = `/home/njord/${app}`;
  let swarm: SwarmSandbox;
  let manager: string;
  let image: string;
  let proxyImage: string;

  beforeAll(async () => {
    swarm = await ensureSwarm(info);
    manager = swarm.servers[0]!.name;
    image = buildSlowApp(info, 'njord-test/swarm-sbx', 'v1');
    proxyImage = await ensureProxyImage(info);
  }, 300_000);

  afterAll(() => {
    if (!manager) return;
    onServer(
      manager,
      `docker rm -f ${app}-proxy >/dev/null 2>&1; docker stack rm ${app} >/dev/null 2>&1; rm -rf ${dir}`,
    );
  });

  it('has three managers, Ready, on servers 5-7', () => {
    const nodes = onServer(manager, `docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'`);
    const lines = nodes.trim().split('\n').sort();
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.replace(/ (Leader|Reachable)$/, ' manager'))).toEqual(
      ['njord-server-5', 'njord-server-6', 'njord-server-7'].map((n) => `${n} Ready manager`),
    );
    expect(swarm.hosts.split('\n')).toEqual(['njord@127.0.0.1:2205', 'njord@127.0.0.1:2206', 'njord@127.0.0.1:2207']);
  });

  it("a proxy container on the first manager reaches the service's tasks on all three nodes over the overlay", async () => {
    onServer(manager, `mkdir -p ${dir} && cat > ${dir}/stack.yml`, { input: STACK });
    onServer(manager, `cat > ${dir}/nginx.conf`, { input: NGINX_CONF });
    onServer(manager, `cd ${dir} && IMAGE=${image} docker stack deploy -c stack.yml ${app} >/dev/null`);
    let tasks = '';
    for (let i = 0; i < 120; i++) {
      tasks = onServer(
        manager,
        `docker service ps --filter desired-state=running --format '{{.Node}} {{.CurrentState}}' ${app}_web`,
      );
      if (tasks.split('\n').filter((l) => / Running /.test(l)).length === 3) break;
      await sleep(250);
    }
    const nodes = tasks
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0])
      .sort();
    expect(nodes, tasks).toEqual(['njord-server-5', 'njord-server-6', 'njord-server-7']);

    onServer(
      manager,
      `docker run -d --name ${app}-proxy --network ${app}_default -p 127.0.0.1::8080 ` +
        `-v ${dir}/nginx.conf:/etc/nginx/njord.conf:ro ${proxyImage} nginx -c /etc/nginx/njord.conf -g 'daemon off;' >/dev/null`,
    );
    const port = onServer(manager, `docker port ${app}-proxy 8080/tcp | head -1`).trim().split(':').at(-1);
    // 60 requests, each a new connection, on the manager's loopback: the DNS answers in any order.
    const answers = onServer(
      manager,
      `for i in $(seq 1 60); do curl -s --max-time 3 -w ' %{http_code}\\n' http://127.0.0.1:${port}/node; sleep 0.05; done`,
      { timeoutMs: 60_000 },
    );
    // Each answer is the node's name (with its newline), then the status code.
    const served = [...answers.matchAll(/(\S+)\s+(\d{3})\n/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(served, answers).toHaveLength(60);
    expect([...new Set(served)].sort(), answers).toEqual([
      'njord-server-5 200',
      'njord-server-6 200',
      'njord-server-7 200',
    ]);
  });
});
