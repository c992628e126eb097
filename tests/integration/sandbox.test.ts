// Proves the sandbox the other integration tests stand on: ssh with the key and a pinned host key,
// docker and docker-compose as the test user, images in the registry by digest, and the sample
// compose app serving its version.
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  asSandboxUser,
  buildTestImage,
  freePort,
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
    expect(info.registry).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(info.privateKey).toMatch(
      /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+-----END OPENSSH PRIVATE KEY-----\n$/,
    );
    expect(info.knownHosts).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${info.sshPort} ssh-ed25519 AAAA\\S+\\n$`));
    expect(readSandboxInfo()).toEqual(info);
  });

  it('lets the key in over ssh, and the host key is the one in knownHosts', () => {
    expect(ssh('id -un').trim()).toBe('njord');
    const scanned = sh(`ssh-keyscan -T 5 -t ed25519 -p ${info.sshPort} ${info.sshHost} 2>/dev/null`).trim();
    expect(scanned.split(/\s+/).slice(1).join(' ')).toBe(info.knownHosts.trim().split(/\s+/).slice(1).join(' '));
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

    // Pullable by digest as the test user, as a deploy would.
    sh(`docker image rm ${img.refByDigest} >/dev/null 2>&1 || true`);
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
          sh(`rm -rf ${q(app)}`);
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
        status = sh(`docker inspect --format '{{.State.Health.Status}}' ${container}`).trim();
        if (status === want) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`container ${container} health is '${status}', wanted '${want}'`);
    }

    async function get(port: number, path: string): Promise<{ status: number; body: string }> {
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}${path}`);
          return { status: res.status, body: await res.text() };
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }

    it('runs with docker-compose, is healthy, serves its version and keeps /data', async () => {
      const img = await buildTestImage(info, { repo: 'njord-test/sandbox', tag: 'v1', version: 'v1' });
      const { app, port, container } = await upApp(img.ref, { withHealthcheck: true, secret: 's3cret value' });
      await health(container, 'healthy');
      expect(await get(port, '/health')).toEqual({ status: 200, body: 'v1' });
      expect((await get(port, '/')).body).toContain('njord test app v1');
      expect(sh(`docker exec ${container} env`)).toContain('APP_SECRET=s3cret value');
      expect(sh(`docker exec ${container} cat /data/boots`)).toMatch(/^v1 \S/);

      // A new version over the same volume: the boots file keeps the first boot.
      const v2 = await buildTestImage(info, { repo: 'njord-test/sandbox', tag: 'v2', version: 'v2' });
      compose(app, 'up -d', `IMAGE=${q(v2.ref)}`);
      const c2 = compose(app, 'ps -q web').trim();
      await health(c2, 'healthy');
      expect(await get(port, '/health')).toEqual({ status: 200, body: 'v2' });
      const boots = sh(`docker exec ${c2} cat /data/boots`).trim().split('\n');
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
