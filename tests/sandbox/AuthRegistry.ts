// A second registry for the sandbox, as the registries users push to are: basic auth (bcrypt
// htpasswd) behind TLS, with a certificate from a CA the sandbox makes itself and installs for Docker
// in /etc/docker/certs.d/<host>/ca.crt (dockerd reads that folder on every connection, no restart).
//
// One instance is shared by every test process that asks for it: each startAuthRegistry() holds a
// lease (a file named after its pid) and stop() gives it back; the last lease given back stops the
// registry and removes its CA from Docker. Leases of processes that died do not count.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { freePort, SANDBOX_STATE_DIR, sandboxUnavailableReason } from './Sandbox.js';

export interface AuthRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  username: string;
  password: string;
  /** Path of the CA certificate that signed the registry's certificate (PEM). */
  caCert: string;
  /** Gives back this process's lease; the last one stops the registry. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const USERNAME = 'njord-ci';
const dir = join(SANDBOX_STATE_DIR, 'auth-registry');
const files = {
  info: join(dir, 'info.json'),
  config: join(dir, 'config.yml'),
  htpasswd: join(dir, 'htpasswd'),
  caKey: join(dir, 'ca.key'),
  caCert: join(dir, 'ca.crt'),
  serverKey: join(dir, 'server.key'),
  serverCsr: join(dir, 'server.csr'),
  serverCert: join(dir, 'server.crt'),
  serverExt: join(dir, 'server.ext'),
  pid: join(dir, 'registry.pid'),
  log: join(dir, 'registry.log'),
  lock: join(dir, 'start.lock'),
  leases: join(dir, 'leases'),
  data: join(dir, 'data'),
};

interface Saved {
  port: number;
  password: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function registryPid(): number | undefined {
  const pid = Number(readJson<number>(files.pid));
  if (!pid || !alive(pid)) return undefined;
  const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  return cmd.includes(files.config) ? pid : undefined;
}

function run(file: string, args: string[]): void {
  const r = spawnSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`auth registry: ${file} ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
}

/** The registry's answer to GET /v2/ over TLS checked against our CA: 401 means it is up and asks for auth. */
function v2Status(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: HOST, port, path: '/v2/', method: 'GET', ca: readFileSync(files.caCert), timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

function certsDir(port: number): string {
  return `/etc/docker/certs.d/${HOST}:${port}`;
}

/** openssl is on nearly every Debian; a minimal image may lack it (the sandbox installs what it uses). */
function ensureOpenssl(): void {
  if (spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-q'],
    ['install', '-y', '-q', 'openssl'],
  ]) {
    const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`auth registry: apt-get ${args.join(' ')}: ${r.stderr}`);
  }
}

/** A CA, and a server certificate for 127.0.0.1 and localhost signed by it. */
function makeCertificates(): void {
  ensureOpenssl();
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    files.caKey,
    '-out',
    files.caCert,
    '-days',
    '3650',
    '-subj',
    '/CN=njord sandbox test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  run('openssl', ['req', ...ec, '-keyout', files.serverKey, '-out', files.serverCsr, '-subj', `/CN=${HOST}`]);
  writeFileSync(
    files.serverExt,
    [
      `subjectAltName=IP:${HOST},DNS:localhost`,
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  run('openssl', [
    'x509',
    '-req',
    '-in',
    files.serverCsr,
    '-CA',
    files.caCert,
    '-CAkey',
    files.caKey,
    '-CAcreateserial',
    '-out',
    files.serverCert,
    '-days',
    '825',
    '-extfile',
    files.serverExt,
  ]);
}

function registryConfig(port: number): string {
  return [
    '# njord test sandbox auth registry (written by tests/sandbox/AuthRegistry.ts)',
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${files.data}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${HOST}:${port}`,
    '  tls:',
    `    certificate: ${files.serverCert}`,
    `    key: ${files.serverKey}`,
    'auth:',
    '  htpasswd:',
    '    realm: njord-sandbox',
    `    path: ${files.htpasswd}`,
    '',
  ].join('\n');
}

async function startNew(): Promise<Saved> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(files.leases, { recursive: true, mode: 0o700 });
  mkdirSync(files.data, { recursive: true });
  makeCertificates();
  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(files.htpasswd, `${USERNAME}:${bcrypt.hashSync(password, 10)}\n`, { mode: 0o600 });
  writeFileSync(files.config, registryConfig(port), { mode: 0o600 });
  mkdirSync(certsDir(port), { recursive: true });
  writeFileSync(join(certsDir(port), 'ca.crt'), readFileSync(files.caCert));

  const out = openSync(files.log, 'a');
  const child = spawn('docker-registry', ['serve', files.config], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(files.pid, String(child.pid));
  const saved: Saved = { port, password };
  writeFileSync(files.info, JSON.stringify(saved), { mode: 0o600 });

  const deadline = Date.now() + 15_000;
  while ((await v2Status(port)) !== 401) {
    if (!child.pid || !alive(child.pid) || Date.now() > deadline) {
      const log = existsSync(files.log) ? readFileSync(files.log, 'utf8').slice(-2000) : '';
      throw new Error(`auth registry on ${HOST}:${port} did not come up\n${log}`);
    }
    await sleep(100);
  }
  return saved;
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = join(SANDBOX_STATE_DIR, 'auth-registry.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: number;
      try {
        holder = Number(readFileSync(lock, 'utf8').trim() || 0);
      } catch {
        continue; // given back meanwhile
      }
      if (holder && holder !== process.pid && !alive(holder)) rmSync(lock, { force: true });
      else if (Date.now() > deadline)
        throw new Error(`auth registry: ${lock} held by pid ${holder} too long`, { cause: err });
      else await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function liveLeases(): string[] {
  if (!existsSync(files.leases)) return [];
  return readdirSync(files.leases).filter((name) => alive(Number(name.split('-')[0])));
}

let leaseCount = 0;

/**
 * Starts the auth+TLS registry, or joins the one running. Pushing to it needs
 * `docker login <host>` with the username and password; its CA is installed for Docker already.
 */
export async function startAuthRegistry(): Promise<AuthRegistry> {
  const reason = sandboxUnavailableReason();
  if (reason) throw new Error(`auth registry unavailable: ${reason}`);
  const lease = join(files.leases, `${process.pid}-${++leaseCount}`);
  const saved = await withLock(async () => {
    let s = readJson<Saved>(files.info);
    const running = s && registryPid() && (await v2Status(s.port)) === 401;
    if (!running) {
      const old = registryPid();
      if (old) process.kill(old, 'SIGTERM');
      if (s) rmSync(certsDir(s.port), { recursive: true, force: true });
      s = await startNew();
    }
    writeFileSync(lease, '');
    return s!;
  });
  const host = `${HOST}:${saved.port}`;
  let stopped = false;
  return {
    host,
    username: USERNAME,
    password: saved.password,
    caCert: files.caCert,
    stop: () => {
      if (stopped) return Promise.resolve();
      stopped = true;
      return withLock(async () => {
        rmSync(lease, { force: true });
        if (liveLeases().length) return;
        const pid = registryPid();
        if (pid) {
          process.kill(pid, 'SIGTERM');
          for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
        }
        rmSync(certsDir(saved.port), { recursive: true, force: true });
        rmSync(files.info, { force: true });
      });
    },
  };
}
