// The zero-downtime inputs, read against the user's compose file before any host is touched: what
// the proxy takes over, the release's compose file as njord writes it, and each refusal.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readDeployConfig, replayedOptions } from '../../src/deploy/DeployConfig.js';
import { describePlan, planDeploy } from '../../src/deploy/DeployPlan.js';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { composeServiceNames, DEFAULT_PROXY_IMAGE } from '../../src/deploy/zeroDowntime/ZeroDowntimeConfig.js';
import { portConflict } from '../../src/deploy/zeroDowntime/SwitchPreflight.js';
import { describeSwitch } from '../../src/deploy/zeroDowntime/describeSwitch.js';
import { InputReader } from '../../src/inputs/InputReader.js';
import { inputError } from '../support/inputError.js';
import { throwawayKey } from '../support/throwawayKey.js';
import { scratchDir } from '../support/scratchDir.js';

const workspace = scratchDir('njord-zd-');
const KEY = throwawayKey();

const SHOP = `services:
  web:
    image: \${IMAGE}
    ports:
      - "127.0.0.1:8080:3000"
      - target: 9090
        published: 9091
    depends_on: [db] # the app
  db:
    image: postgres
    volumes: [data:/var/lib/postgresql/data]
  worker:
    image: \${IMAGE}
  api:
    image: \${IMAGE}
    container_name: shop-api
    ports: ["8081:8081"]
  sidecar:
    image: x
    network_mode: host
  ranged:
    image: x
    ports: ["8000-8002:8000-8002"]
  floating:
    image: x
    ports: ["3000"]
  dns:
    image: x
    ports: ["127.0.0.1:5353:53/udp"]
  twin:
    image: x
    ports: ["8080:80"]
volumes:
  data: {}
`;
writeFileSync(join(workspace, 'docker-compose.yml'), SHOP);
writeFileSync(join(workspace, 'prod.yml'), 'services:\n  worker:\n    ports: ["127.0.0.1:7000:7000"]\n');

function read(extra: Record<string, string>) {
  const values: Record<string, string> = {
    hosts: 'deploy@example.com',
    'ssh-key': KEY,
    'known-hosts': 'example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOcXRh/SvVm1Pl4HcKpnWUeTdaViMfZeohiXtrlLGDdJ',
    app: 'shop',
    image: 'ghcr.io/acme/shop:1',
    ...extra,
  };
  return readDeployConfig(new InputReader({ get: (n) => values[n] ?? '' }), workspace, {});
}

function refusal(extra: Record<string, string>) {
  const err = inputError(() => read(extra));
  return { input: err.input, message: err.message };
}

describe('zero-downtime inputs', () => {
  it('leave the deploy as it is when empty: the compose file unchanged, no switch', () => {
    const cfg = read({});
    expect(cfg.zeroDowntime).toBeUndefined();
    expect(cfg.composeFiles[0]!.content).toBe(SHOP);
    expect(replayedOptions(cfg).zeroDowntime).toBeUndefined();
  });

  it('give the proxy the listed services’ ports, in either syntax, and take them out of the release’s file', () => {
    const cfg = read({ 'zero-downtime': 'web', 'drain-timeout': '5' });
    expect(cfg.zeroDowntime).toEqual({
      services: [
        {
          name: 'web',
          ports: [
            { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 3000 },
            { hostIp: '', hostPort: 9091, containerPort: 9090 },
          ],
        },
      ],
      drainTimeoutS: 5,
      proxyImage: DEFAULT_PROXY_IMAGE,
    });
    const written = parse(cfg.composeFiles[0]!.content) as { services: Record<string, Record<string, unknown>> };
    expect(written.services.web!.ports).toBeUndefined();
    expect(written.services.web!.depends_on).toEqual(['db']);
    expect(written.services.api!.ports).toEqual(['8081:8081']);
    expect(cfg.composeFiles[0]!.content).toContain('# the app');
    // Kept in release.json: the rollback replays the same switch.
    expect(replayedOptions(cfg).zeroDowntime).toEqual(cfg.zeroDowntime);
  });

  it('read ports from every compose file, and take them out of each', () => {
    const cfg = read({ 'zero-downtime': 'worker', 'compose-file': 'docker-compose.yml\nprod.yml' });
    expect(cfg.zeroDowntime!.services).toEqual([
      { name: 'worker', ports: [{ hostIp: '127.0.0.1', hostPort: 7000, containerPort: 7000 }] },
    ]);
    expect(cfg.composeFiles[0]!.content).toBe(SHOP);
    expect((parse(cfg.composeFiles[1]!.content) as { services: { worker: object } }).services.worker).toEqual({});
  });

  it('default to 30 s of drain and a pinned proxy image; take another image', () => {
    expect(read({ 'zero-downtime': 'web' }).zeroDowntime!.drainTimeoutS).toBe(30);
    expect(DEFAULT_PROXY_IMAGE).toMatch(/^nginx:[\d.]+@sha256:[0-9a-f]{64}$/);
    const own = read({ 'zero-downtime': 'web', 'proxy-image': 'registry.example.com:5000/njord-proxy:nginx-1.22' });
    expect(own.zeroDowntime!.proxyImage).toBe('registry.example.com:5000/njord-proxy:nginx-1.22');
  });

  it.each([
    ['shop-web', 'service shop-web is not in docker-compose.yml; list services of the compose file'],
    ['db', 'service db publishes no port (ports:), so there is nothing for the proxy to take over'],
    ['api', 'service api sets container_name in docker-compose.yml: the old and the new release run side by side'],
    ['sidecar', 'service sidecar uses network_mode: host in docker-compose.yml'],
    ['ranged', "service ranged has a port the proxy cannot take: '8000-8002:8000-8002' is not host:container"],
    ['floating', "service floating has a port the proxy cannot take: '3000' publishes no fixed host port"],
    ['dns', "service dns has a port the proxy cannot take: '127.0.0.1:5353:53/udp' is UDP"],
    ['web\ntwin', 'service twin publishes host port 8080, as web does; give each its own'],
    ['web\nweb', 'web is listed twice'],
    ['we b', "'we b' is not a compose service name"],
  ])('refuse %j before any host changes, naming the service and why', (listed, why) => {
    const r = refusal({ 'zero-downtime': listed });
    expect(r.input).toBe('zero-downtime');
    expect(r.message).toContain(why);
  });

  it('refuse a drain-timeout or proxy-image that is not one', () => {
    expect(refusal({ 'zero-downtime': 'web', 'drain-timeout': 'soon' }).input).toBe('drain-timeout');
    expect(refusal({ 'zero-downtime': 'web', 'drain-timeout': '-1' }).input).toBe('drain-timeout');
    const bad = refusal({ 'zero-downtime': 'web', 'proxy-image': 'Nginx Latest' });
    expect(bad.input).toBe('proxy-image');
    expect(bad.message).toContain("'Nginx Latest' is not an image reference");
  });
});

describe('who holds the proxy’s ports', () => {
  const spec = read({ 'zero-downtime': 'web' }).zeroDowntime!;

  it('may be the app’s own switched service or its proxy, or no one', () => {
    expect(portConflict('', 'shop', spec)).toBeUndefined();
    expect(portConflict('8080 docker shop-web-1 shop web\n', 'shop', spec)).toBeUndefined();
    expect(portConflict('8080 docker njord-proxy-shop  \n', 'shop', spec)).toBeUndefined();
  });

  it('is named when it is anything else', () => {
    expect(portConflict('8080 docker blog-web-1 blog web', 'shop', spec)).toBe(
      'port 8080 is held by container blog-web-1 (compose project blog, service web); stop it or publish another port',
    );
    expect(portConflict('9091 docker njord-proxy-blog  ', 'shop', spec)).toContain(
      'port 9091 is held by container njord-proxy-blog;',
    );
    expect(portConflict('9091 other', 'shop', spec)).toContain('port 9091 is held by a process outside Docker');
  });
});

describe('the dry run', () => {
  it('lists the switch instead of the in-place start and fallback', () => {
    const cfg = read({ 'zero-downtime': 'web', 'drain-timeout': '5' });
    const plan = planDeploy({
      app: 'shop',
      layout: new ReleaseLayout('/home/deploy/njord/shop'),
      compose: 'v1',
      releaseId: '20261206-120000-000-abc1234',
      options: replayedOptions(cfg),
      image: cfg.image,
      previous: { id: '20261205-120000-000-abc1234', options: replayedOptions(cfg) },
    });
    const steps = describePlan(plan).join('\n');
    expect(steps).toContain('start web beside the running containers (compose up --no-recreate --scale)');
    expect(steps).toContain(
      `when healthy: njord-proxy-shop (${DEFAULT_PROXY_IMAGE}) takes the new containers (nginx reload; started on 127.0.0.1:8080, 9091 if not running), the old ones drain for up to 5 s, then stop`,
    );
    expect(steps).toContain(
      'until the release is kept (after its watch, when there is one) the old containers serve on beside it: a tripped trigger moves traffic back to them, and so does the host by itself when the runner is lost',
    );
    expect(steps).not.toContain('bring the previous release back');
  });
});

describe('the services the switch reads from the compose files', () => {
  it('merges the files by name and leaves out services behind a profile, as compose config --services does', () => {
    const file = (name: string, content: string) => ({ name, source: name, content });
    expect(
      composeServiceNames([
        file(
          'a.yml',
          'services:\n  web: { image: x }\n  worker: { image: x }\n  debug: { image: x, profiles: [dev] }\n',
        ),
        file('b.yml', 'services:\n  web: { environment: [A=1] }\n  db: { image: y }\n'),
      ]),
    ).toEqual(['web', 'worker', 'db']);
    expect(composeServiceNames([file('bad.yml', 'services: [')])).toBeUndefined();
  });
});

describe('the switch in the summary', () => {
  it('says when traffic went back to the old containers after a tripped trigger', () => {
    const told = describeSwitch('app1', {
      trafficMoved: true,
      proxy: 'reloaded',
      healthyAtMs: 2000,
      switchedAtMs: 2100,
      drainedMs: 300,
      movedBack: true,
    });
    expect(told).toContain('traffic moved at +2.1 s');
    expect(told).toContain('a rollback trigger tripped, and traffic went back to the old containers');
  });
});
