// Proves the sandbox the other integration tests stand on: servers that are not the runner (their
// own network namespace, sshd and dockerd), ssh with the key and a pinned host key, docker and
// docker-compose as the test user, images in the registry by digest, and the sample compose app
// serving its version.
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  asSandboxUser,
  buildTestImage,
  freePort,
  onServer,
  readSandboxInfo,
  sandboxUnavailableReason,
  sh,
  writeComposeApp,
  type SandboxInfo,
} from '../sandbox/Sandbox.js';

const reason = sandboxUnavailableReason();

describe.skipIf(!!reason)(`sandbox${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let info: SandboxInfo;
  let tmp: string;
  let keyFile: string;
  let knownHostsFile: string;

  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const ssh = (remote: string, knownHosts = knownHostsFile) =>
    sh(
      `ssh -i ${q(keyFile)} -p ${info.sshPort} -o UserKnownHostsFile=${q(knownHosts)} -o GlobalKnownHostsFile=/dev/null ` +
        `-o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=10 ` +
        `${info.sshUser}@${info.sshHost} ${q(remote)}`,
    );

  beforeAll(() => {
    const provided = inject('sandbox');
    if (!provided) throw new Error('globalSetup provided no sandbox although sandboxUnavailableReason() is empty');
    info = provided;
    tmp = mkdtempSync(join(tmpdir(), 'njord-sandbox-test-'));
    keyFile = join(tmp, 'id');
    writeFileSync(keyFile, info.privateKey, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    knownHostsFile = join(tmp, 'known_hosts');
    writeFileSync(knownHostsFile, info.knownHosts);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('describes itself consistently, also in info.json', () => {
    expect(info).toMatchObject({ sshHost: '127.0.0.1', sshUser: 'njord', homeDir: '/home/njord' });
    expect(info.hostSpec).toBe(`${info.sshUser}@${info.sshHost}:${info.sshPort}`);
    expect(info.registry).toBe('njord-registry:5000');
    expect(info.privateKey).toMatch(
      /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+-----END OPENSSH PRIVATE KEY-----\n$/,
    );
    expect(info.servers.length).toBeGreaterThanOrEqual(2);
    expect(info.servers[0]).toMatchObject({ name: info.server, hostSpec: info.hostSpec, sshPort: info.sshPort });
    const lines = info.knownHosts.trimEnd().split('\n');
    expect(lines).toHaveLength(info.servers.length);
    info.servers.forEach((s, i) =>
      expect(lines[i]).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${s.sshPort} ssh-ed25519 AAAA\\S+$`)),
    );
    // Every server has a host key of its own.
    expect(new Set(lines.map((l) => l.split(' ')[2])).size).toBe(lines.length);
    expect(readSandboxInfo()).toEqual(info);
  });

  // The guard: a test whose server shares the runner's network namespace cannot tell the server's
  // 127.0.0.1 from the runner's (a health gate that probed the runner passed that way).
  it('no server is the runner: each has its own network namespace, sshd and dockerd', () => {
    const runnerNetns = sh('readlink /proc/self/ns/net').trim();
    const seen = new Set<string>([runnerNetns]);
    for (const s of info.servers) {
      // The process that answers the server's SSH port, seen from the runner's /proc.
      const pid = sh(`docker inspect --format '{{.State.Pid}}' ${s.name}`).trim();
      const netns = sh(`readlink /proc/${pid}/ns/net`).trim();
      expect(netns, `${s.name} shares a network namespace`).not.toBe(runnerNetns);
      expect(seen.has(netns), `${s.name} shares a network namespace`).toBe(false);
      seen.add(netns);
      expect(onServer(s.name, 'pgrep -x sshd >/dev/null && pgrep -x dockerd >/dev/null && echo both').trim()).toBe(
        'both',
      );
      // Its engine is its own: its ID differs from the runner's and from every other server's.
      const id = onServer(s.name, 'docker info --format "{{.ID}}"').trim();
      expect(id).not.toBe(sh('docker info --format "{{.ID}}"').trim());
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    }
  });

  it("a port on a server is not the runner's: what listens on one is not seen on the other", async () => {
    const port = await freePort();
    const s = info.servers[0]!;
    const pidFile = `/tmp/listen-${port}.pid`;
    // An HTTP server on the server's loopback, in a session of its own so it outlives the exec.
    onServer(
      s.name,
      `setsid busybox httpd -f -p 127.0.0.1:${port} -h /etc >/dev/null 2>&1 </dev/null & echo $! > ${pidFile}; sleep 0.3`,
    );
    try {
      expect(
        onServer(
          s.name,
          `curl -s -o /dev/null --max-time 2 http://127.0.0.1:${port}/hostname && echo open || echo closed`,
        ).trim(),
      ).toBe('open');
      const fromRunner = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) }).then(
        () => 'open',
        () => 'closed',
      );
      expect(fromRunner).toBe('closed');
    } finally {
      onServer(s.name, `kill $(cat ${pidFile}) 2>/dev/null; rm -f ${pidFile}`);
    }
  });

  it('the servers pull the registry by its name on their own network, not from the runner', () => {
    for (const s of info.servers) {
      const addr = onServer(s.name, 'getent hosts njord-registry').trim().split(/\s+/)[0] ?? '';
      expect(addr).not.toMatch(/^127\./);
      expect(onServer(s.name, `curl -fsS http://${info.registry}/v2/ && echo ok`).trim()).toBe('{}ok');
    }
  });

  it('lets the key in over ssh, and the host key is the one in knownHosts', () => {
    expect(ssh('id -un').trim()).toBe('njord');
    const scanned = sh(`ssh-keyscan -T 5 -t ed25519 -p ${info.sshPort} ${info.sshHost} 2>/dev/null`).trim();
    const first = info.servers[0]!.knownHosts.trim();
    expect(scanned.split(/\s+/).slice(1).join(' ')).toBe(first.split(/\s+/).slice(1).join(' '));
  });

  it('refuses the connection when the pinned host key does not match', () => {
    const otherKey = join(tmp, 'other');
    sh(`ssh-keygen -q -t ed25519 -N '' -f ${q(otherKey)}`);
    const wrong = join(tmp, 'wrong_known_hosts');
    const otherPub = sh(`cat ${q(otherKey)}.pub`)
      .trim()
      .split(/\s+/)
      .slice(0, 2)
      .join(' ');
    writeFileSync(wrong, `[${info.sshHost}]:${info.sshPort} ${otherPub}\n`);
    expect(() => ssh('true', wrong)).toThrow(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('gives the test user docker and docker-compose, over ssh and locally', () => {
    expect(ssh('id -nG').split(/\s+/)).toContain('docker');
    expect(ssh('docker ps --format "{{.ID}}" >/dev/null && echo ok').trim()).toBe('ok');
    expect(ssh('docker-compose version --short').trim()).toMatch(/^1\.\d+\.\d+/);
    expect(asSandboxUser('whoami').trim()).toBe('njord');
    expect(asSandboxUser('docker info --format "{{.ServerVersion}}"').trim()).toMatch(/^\d+\./);
  });

  it('pushes a test image whose digest the registry serves', async () => {
    const img = await buildTestImage(info, { repo: 'njord-test/sandbox', tag: 'v1', version: 'v1' });
    expect(img.ref).toBe(`${info.registry}/njord-test/sandbox:v1`);
    expect(img.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(img.refByDigest).toBe(`${info.registry}/njord-test/sandbox@${img.digest}`);
    const headers = sh(
      `curl -fsSI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' http://${info.registry}/v2/njord-test/sandbox/manifests/v1`,
    );
    expect(/^docker-content-digest:\s*(\S+)/im.exec(headers)?.[1]).toBe(img.digest);

    // The same content again is the same image; other content under the same tag is a new one.
    const again = await buildTestImage(info, { repo: 'njord-test/sandbox', tag: 'v1', version: 'v1' });
    expect(again.digest).toBe(img.digest);
    const v2 = await buildTestImage(info, { repo: 'njord-test/sandbox', tag: 'v2', version: 'v2' });
    expect(v2.digest).not.toBe(img.digest);
    const label = sh(
      `docker image inspect --format '{{index .Config.Labels "org.opencontainers.image.version"}}' ${v2.ref}`,
    );
    expect(label.trim()).toBe('v2');

    // Pullable by digest as the test user on the server, as a deploy would.
    asSandboxUser(`docker image rm ${img.refByDigest} >/dev/null 2>&1 || true`);
    asSandboxUser(`docker pull -q ${img.refByDigest}`);
  });

  describe('the sample compose app', () => {
    const apps: string[] = [];
    const compose = (app: string, args: string, env = '') =>
      asSandboxUser(`cd ${q(app)} && ${env} docker-compose -p ${q(app.split('/').pop()!)} ${args} 2>&1`);

    afterAll(() => {
      for (const app of apps) {
        try {
          compose(app, 'down -v --remove-orphans');
        } finally {
          asSandboxUser(`rm -rf ${q(app)}`);
        }
      }
    });

    async function upApp(image: string, opts: { withHealthcheck: boolean; secret?: string }) {
      const port = await freePort();
      const app = `${info.homeDir}/njord-sandbox-test-${port}`;
      apps.push(app);
      asSandboxUser(`mkdir -p ${q(app)}`);
      const file = writeComposeApp(join(tmp, `app-${port}`), { port, withHealthcheck: opts.withHealthcheck });
      asSandboxUser(`cat > ${q(app)}/docker-compose.yml`, { input: sh(`cat ${q(file)}`) });
      compose(app, 'up -d', `IMAGE=${q(image)} APP_SECRET=${q(opts.secret ?? '')}`);
      const container = compose(app, 'ps -q web').trim();
      return { app, port, container };
    }

    async function health(container: string, want: string, timeoutMs = 30_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      let status = '';
      while (Date.now() < deadline) {
        status = asSandboxUser(`docker inspect --format '{{.State.Health.Status}}' ${container}`).trim();
        if (status === want) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`container ${container} health is '${status}', wanted '${want}'`);
    }

    /** GET on the server's loopback, where the app's port is. */
    async function get(port: number, path: string): Promise<{ status: number; body: string }> {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const out = asSandboxUser(
          `curl -s -o /tmp/get.$$ -w '%{http_code}' --max-time 5 http://127.0.0.1:${port}${path}; cat /tmp/get.$$ 2>/dev/null; rm -f /tmp/get.$$`,
        );
        const status = Number(out.slice(0, 3));
        if (status) return { status, body: out.slice(3) };
        if (Date.now() > deadline) throw new Error(`nothing answers on the server's 127.0.0.1:${port}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    it('runs with docker-compose, is healthy, serves its version and keeps /data', async () => {
      const img = await buildTestImage(info, { repo: 'njord-test/sandbox', tag: 'v1', version: 'v1' });
      const { app, port, container } = await upApp(img.ref, { withHealthcheck: true, secret: 's3cret value' });
      await health(container, 'healthy');
      expect(await get(port, '/health')).toEqual({ status: 200, body: 'v1' });
      expect((await get(port, '/')).body).toContain('njord test app v1');
      expect(asSandboxUser(`docker exec ${container} env`)).toContain('APP_SECRET=s3cret value');
      expect(asSandboxUser(`docker exec ${container} cat /data/boots`)).toMatch(/^v1 \S/);

      // A new version over the same volume: the boots file keeps the first boot.
      const v2 = await buildTestImage(info, { repo: 'njord-test/sandbox', tag: 'v2', version: 'v2' });
      compose(app, 'up -d', `IMAGE=${q(v2.ref)}`);
      const c2 = compose(app, 'ps -q web').trim();
      await health(c2, 'healthy');
      expect(await get(port, '/health')).toEqual({ status: 200, body: 'v2' });
      const boots = asSandboxUser(`docker exec ${c2} cat /data/boots`).trim().split('\n');
      expect(boots.map((l) => l.split(' ')[0])).toEqual(['v1', 'v2']);
    });

    it('with healthy: false still runs but /health is 404 and the healthcheck fails', async () => {
      const img = await buildTestImage(info, {
        repo: 'njord-test/sandbox',
        tag: 'broken',
        version: 'v3',
        healthy: false,
      });
      const { port, container } = await upApp(img.ref, { withHealthcheck: true });
      expect((await get(port, '/')).body).toContain('njord test app v3');
      expect((await get(port, '/health')).status).toBe(404);
      await health(container, 'unhealthy', 60_000);
    });
  });
});
