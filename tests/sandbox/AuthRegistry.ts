// A second registry for the sandbox, as the registries users push to are: basic auth (bcrypt
// htpasswd) behind TLS, with a certificate from a CA the sandbox makes itself and installs for Docker
// in /etc/docker/certs.d/<host>/ca.crt (dockerd reads that folder on every connection, no restart).
//
// Two of them, by where they must be reached from:
// - startAuthRegistry(): a docker-registry process on the runner's loopback (127.0.0.1:PORT), for
//   what runs on the runner (build-push). A server cannot reach it: its 127.0.0.1 is its own.
// - startAuthRegistry({ servers: info }): a container on the sandbox network, named
//   njord-auth-registry, published on the runner's loopback with the same port. The name is the
//   same on both sides (/etc/hosts on the runner, the network's DNS on the servers), as the
//   sandbox registry's is, and its CA is trusted by the runner's dockerd and every server's.
//
// Each is shared by every test process that asks for it: each start holds a lease (a file named
// after its pid) and stop() gives it back; the last lease given back stops the registry and removes
// its CA from Docker. Leases of processes that died do not count.
//
// startTokenRegistry(): a registry with token auth, as GHCR and Docker Hub do it (a 401 names a
// token service; the client gets a signed JWT there with its password, for the scope it needs). The
// token service runs in the calling test process and the registry is its own, stopped with it. It
// also knows a read-only user: Debian's docker-registry grants htpasswd users all or nothing, a token
// service grants what it likes.
import { spawn, spawnSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request } from 'node:https';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { freePort, onServer, SANDBOX_STATE_DIR, sandboxUnavailableReason } from './Sandbox.js';
import { inProcessQueue, withPidFileLock } from './process.js';
import { REGISTRY_NAME, SANDBOX_NETWORK } from './Servers.js';
import { registryYaml } from './registryConfig.js';

export interface AuthRegistry {
  /** 127.0.0.1:PORT, or njord-auth-registry:PORT for the one the servers reach. */
  host: string;
  username: string;
  password: string;
  /** Path of the CA certificate that signed the registry's certificate (PEM). */
  caCert: string;
  /** Gives back this process's lease; the last one stops the registry. */
  stop(): Promise<void>;
}

export interface AuthRegistryOptions {
  /**
   * Run it where these servers reach it too (a container on the sandbox network) and make their
   * dockerds trust its CA. Without it the registry is on the runner's loopback only.
   */
  servers?: { servers: { name: string }[] };
}

const HOST = '127.0.0.1';
const USERNAME = 'njord-ci';
/** The container's name: the registry's host name on the sandbox network and, through /etc/hosts, on the runner. */
const NET_NAME = 'njord-auth-registry';

type Files = ReturnType<typeof filesIn>;

function filesIn(dir: string) {
  return {
    dir,
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
    leases: join(dir, 'leases'),
    data: join(dir, 'data'),
  };
}

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

function run(file: string, args: string[]): string {
  const r = spawnSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`auth registry: ${file} ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

/** The registry's answer to GET /v2/ over TLS checked against our CA: 401 means it is up and asks for auth. */
function v2Status(f: Files, port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: HOST, port, path: '/v2/', method: 'GET', ca: readFileSync(f.caCert), timeout: 2000 },
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

/** A CA, and a server certificate for 127.0.0.1, localhost and `names`, signed by it. */
function makeCertificates(f: Files, names: string[]): void {
  ensureOpenssl();
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f.caKey,
    '-out',
    f.caCert,
    '-days',
    '3650',
    '-subj',
    '/CN=njord sandbox test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  run('openssl', ['req', ...ec, '-keyout', f.serverKey, '-out', f.serverCsr, '-subj', `/CN=${names[0] ?? HOST}`]);
  writeFileSync(
    f.serverExt,
    [
      `subjectAltName=${[`IP:${HOST}`, 'DNS:localhost', ...names.map((n) => `DNS:${n}`)].join(',')}`,
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
    f.serverCsr,
    '-CA',
    f.caCert,
    '-CAkey',
    f.caKey,
    '-CAcreateserial',
    '-out',
    f.serverCert,
    '-days',
    '825',
    '-extfile',
    f.serverExt,
  ]);
}

function registryConfig(f: Files, addr: string): string {
  return registryYaml('auth registry', addr, f.data, [
    '  tls:',
    `    certificate: ${f.serverCert}`,
    `    key: ${f.serverKey}`,
    'auth:',
    '  htpasswd:',
    '    realm: njord-sandbox',
    `    path: ${f.htpasswd}`,
  ]);
}

/** Where a registry runs, and whose Docker trusts its CA. */
interface Place {
  files: Files;
  /** Its host name in image references (with :port). */
  name: string;
  /** Extra names its certificate is for. */
  certNames: string[];
  /** The address it listens on, in its own network namespace. */
  listen(port: number): string;
  spawn(port: number): void;
  running(): boolean;
  kill(): Promise<void>;
  /** Installs the CA for every Docker engine that pulls from it (again when joining: a server may be new). */
  trust(port: number): void;
  untrust(port: number): void;
}

function runnerCertsDir(host: string): string {
  return `/etc/docker/certs.d/${host}`;
}

function trustOnRunner(f: Files, host: string): void {
  mkdirSync(runnerCertsDir(host), { recursive: true });
  writeFileSync(join(runnerCertsDir(host), 'ca.crt'), readFileSync(f.caCert));
}

/** A docker-registry process on the runner's loopback. */
function loopbackPlace(): Place {
  const f = filesIn(join(SANDBOX_STATE_DIR, 'auth-registry'));
  const pid = (): number | undefined => {
    const p = Number(readJson<number>(f.pid));
    if (!p || !alive(p)) return undefined;
    return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(f.config) ? p : undefined;
  };
  return {
    files: f,
    name: HOST,
    certNames: [],
    listen: (port) => `${HOST}:${port}`,
    spawn: () => {
      const out = openSync(f.log, 'a');
      const child = spawn('docker-registry', ['serve', f.config], { detached: true, stdio: ['ignore', out, out] });
      child.unref();
      writeFileSync(f.pid, String(child.pid));
    },
    running: () => !!pid(),
    kill: async () => {
      const p = pid();
      if (!p) return;
      process.kill(p, 'SIGTERM');
      for (let i = 0; i < 100 && alive(p); i++) await sleep(50);
    },
    trust: (port) => trustOnRunner(f, `${HOST}:${port}`),
    untrust: (port) => rmSync(runnerCertsDir(`${HOST}:${port}`), { recursive: true, force: true }),
  };
}

/**
 * A container on the sandbox network, of the sandbox registry's own image (this machine's
 * docker-registry), its folder mounted at the same path so the config's paths hold inside.
 */
function networkPlace(servers: string[]): Place {
  const f = filesIn(join(SANDBOX_STATE_DIR, 'auth-registry-net'));
  const docker = (args: string[]) => spawnSync('docker', args, { encoding: 'utf8', timeout: 60_000 });
  const serverCertsDir = (port: number) => `/etc/docker/certs.d/${NET_NAME}:${port}`;
  return {
    files: f,
    name: NET_NAME,
    certNames: [NET_NAME],
    // The same port inside as on the runner's loopback, so NET_NAME:port is one address on both sides.
    listen: (port) => `0.0.0.0:${port}`,
    spawn: (port) => {
      ensureRunnerName();
      const image = run('docker', ['inspect', '--format', '{{.Config.Image}}', REGISTRY_NAME]).trim();
      docker(['rm', '-f', NET_NAME]);
      run('docker', [
        'run',
        '-d',
        '--name',
        NET_NAME,
        '--network',
        SANDBOX_NETWORK,
        '-p',
        `${HOST}:${port}:${port}`,
        '-v',
        `${f.dir}:${f.dir}`,
        '--label',
        'dev.njord.sandbox=1',
        '--entrypoint',
        '/usr/bin/docker-registry',
        image,
        'serve',
        f.config,
      ]);
    },
    running: () => docker(['inspect', '--format', '{{.State.Running}}', NET_NAME]).stdout.trim() === 'true',
    kill: async () => {
      docker(['rm', '-f', NET_NAME]);
    },
    trust: (port) => {
      trustOnRunner(f, `${NET_NAME}:${port}`);
      const ca = readFileSync(f.caCert, 'utf8');
      for (const server of servers)
        onServer(server, `mkdir -p ${serverCertsDir(port)} && cat > ${serverCertsDir(port)}/ca.crt`, {
          user: 'root',
          input: ca,
        });
    },
    untrust: (port) => {
      rmSync(runnerCertsDir(`${NET_NAME}:${port}`), { recursive: true, force: true });
      for (const server of servers) {
        // A server that is gone took its certs.d with it.
        spawnSync('docker', ['exec', server, 'rm', '-rf', serverCertsDir(port)], { stdio: 'ignore' });
      }
    },
  };
}

/** NET_NAME is the runner's loopback on the runner, as the sandbox does it for its own registry. */
function ensureRunnerName(): void {
  const hosts = existsSync('/etc/hosts') ? readFileSync('/etc/hosts', 'utf8') : '';
  const line = `${HOST} ${NET_NAME} # njord test sandbox`;
  if (hosts.split('\n').some((l) => l.trim() === line)) return;
  writeFileSync('/etc/hosts', (hosts && !hosts.endsWith('\n') ? hosts + '\n' : hosts) + line + '\n');
}

async function startNew(place: Place): Promise<Saved> {
  const f = place.files;
  await place.kill();
  rmSync(f.dir, { recursive: true, force: true });
  mkdirSync(f.leases, { recursive: true, mode: 0o700 });
  mkdirSync(f.data, { recursive: true });
  makeCertificates(f, place.certNames);
  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(f.htpasswd, `${USERNAME}:${bcrypt.hashSync(password, 10)}\n`, { mode: 0o600 });
  writeFileSync(f.config, registryConfig(f, place.listen(port)), { mode: 0o600 });
  place.trust(port);
  place.spawn(port);
  const saved: Saved = { port, password };
  writeFileSync(f.info, JSON.stringify(saved), { mode: 0o600 });

  const deadline = Date.now() + 15_000;
  while ((await v2Status(f, port)) !== 401) {
    if (!place.running() || Date.now() > deadline) {
      const log = existsSync(f.log)
        ? readFileSync(f.log, 'utf8').slice(-2000)
        : spawnSync('docker', ['logs', '--tail', '20', NET_NAME], { encoding: 'utf8' }).stderr;
      throw new Error(`auth registry on ${place.name}:${port} did not come up\n${log}`);
    }
    await sleep(100);
  }
  return saved;
}

// Callers in this process queue up here; other processes wait on the lock file.
const queued = inProcessQueue();

function withLock<T>(f: Files, fn: () => Promise<T>): Promise<T> {
  mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  return queued(() => withPidFileLock(`${f.dir}.lock`, 120_000, fn));
}

function liveLeases(f: Files): string[] {
  if (!existsSync(f.leases)) return [];
  return readdirSync(f.leases).filter((name) => alive(Number(name.split('-')[0])));
}

let leaseCount = 0;

/**
 * Starts the auth+TLS registry, or joins the one running. Pushing to it needs
 * `docker login <host>` with the username and password; its CA is installed for Docker already
 * (and, with `servers`, for every server's Docker).
 */
export async function startAuthRegistry(opts: AuthRegistryOptions = {}): Promise<AuthRegistry> {
  const reason = sandboxUnavailableReason();
  if (reason) throw new Error(`auth registry unavailable: ${reason}`);
  const place = opts.servers ? networkPlace(opts.servers.servers.map((s) => s.name)) : loopbackPlace();
  const f = place.files;
  const lease = join(f.leases, `${process.pid}-${++leaseCount}`);
  const saved = await withLock(f, async () => {
    let s = readJson<Saved>(f.info);
    if (s && place.running() && (await v2Status(f, s.port)) === 401) {
      place.trust(s.port);
    } else {
      if (s) place.untrust(s.port);
      s = await startNew(place);
    }
    writeFileSync(lease, '');
    return s;
  });
  const host = `${place.name}:${saved.port}`;
  let stopped = false;
  return {
    host,
    username: USERNAME,
    password: saved.password,
    caCert: f.caCert,
    stop: () => {
      if (stopped) return Promise.resolve();
      stopped = true;
      return withLock(f, async () => {
        rmSync(lease, { force: true });
        if (liveLeases(f).length) return;
        await place.kill();
        place.untrust(saved.port);
        rmSync(f.info, { force: true });
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// token auth

export interface TokenRegistry {
  /** 127.0.0.1:PORT (plain HTTP on loopback, as Docker allows) */
  host: string;
  username: string;
  password: string;
  /** A second user who may log in and pull but not push (the token service grants it pull only). */
  reader: { username: string; password: string };
  /** Every scope the token service was asked for, with what it granted (a test's positive control). */
  grants: { scope: string; account: string; actions: string[] }[];
  stop(): Promise<void>;
}

const SERVICE = 'njord-sandbox';
const ISSUER = 'njord-sandbox-token-issuer';
const READER = 'njord-reader';

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** A JWT as distribution checks it: ES256, the signing certificate in x5c, the access claim. */
function signToken(key: Buffer, certDer: string, account: string, access: object[]): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'ES256', typ: 'JWT', x5c: [certDer] };
  const claims = {
    iss: ISSUER,
    sub: account,
    aud: SERVICE,
    exp: now + 300,
    nbf: now - 10,
    iat: now,
    jti: b64url(randomBytes(12)),
    access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key: createPrivateKey(key), dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

function basicCredentials(req: IncomingMessage): { user: string; password: string } | undefined {
  const m = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export async function startTokenRegistry(): Promise<TokenRegistry> {
  const reason = sandboxUnavailableReason();
  if (reason) throw new Error(`token registry unavailable: ${reason}`);
  ensureOpenssl();
  mkdirSync(SANDBOX_STATE_DIR, { recursive: true });
  const home = mkdtempSync(join(SANDBOX_STATE_DIR, 'token-registry-'));
  const keyFile = join(home, 'token.key');
  const certFile = join(home, 'token.crt');
  run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '30',
    '-subj',
    '/CN=njord sandbox token issuer',
  ]);
  const key = readFileSync(keyFile);
  const certDer = new X509Certificate(readFileSync(certFile)).raw.toString('base64');
  const password = randomBytes(18).toString('base64url');
  const reader = { username: READER, password: randomBytes(18).toString('base64url') };
  const passwords = new Map([
    [USERNAME, password],
    [reader.username, reader.password],
  ]);
  const grants: TokenRegistry['grants'] = [];

  const token = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const creds = basicCredentials(req);
    if (url.pathname !== '/token' || (creds && passwords.get(creds.user) !== creds.password)) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"wrong username or password"}');
      return;
    }
    const account = creds?.user ?? '';
    const access = url.searchParams.getAll('scope').flatMap((scope) => {
      const [type, name, actions] = scope.split(':');
      // The user may pull and push, the reader only pull; anonymous gets nothing.
      const may = creds?.user === USERNAME ? ['pull', 'push'] : creds ? ['pull'] : [];
      const granted = (actions ?? '').split(',').filter((a) => may.includes(a));
      grants.push({ scope, account, actions: granted });
      return type === 'repository' && name ? [{ type, name, actions: granted }] : [];
    });
    const jwt = signToken(key, certDer, account, access);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token: jwt, access_token: jwt, expires_in: 300, issued_at: new Date().toISOString() }));
  };
  const server = createServer((req, res) => {
    // Docker may POST an OAuth form instead of GET with Basic auth: read it the same way.
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (b: Buffer) => chunks.push(b));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const url = new URL(req.url ?? '/', 'http://token');
        for (const scope of (form.get('scope') ?? '').split(' ').filter(Boolean))
          url.searchParams.append('scope', scope);
        req.url = url.pathname + url.search;
        if (form.get('username'))
          req.headers.authorization = `Basic ${Buffer.from(`${form.get('username')}:${form.get('password') ?? ''}`).toString('base64')}`;
        token(req, res);
      });
      return;
    }
    token(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const tokenPort = (server.address() as { port: number }).port;

  const port = await freePort();
  const config = join(home, 'config.yml');
  writeFileSync(
    config,
    registryYaml('token registry', `${HOST}:${port}`, join(home, 'data'), [
      'auth:',
      '  token:',
      `    realm: http://${HOST}:${tokenPort}/token`,
      `    service: ${SERVICE}`,
      `    issuer: ${ISSUER}`,
      `    rootcertbundle: ${certFile}`,
    ]),
  );
  const log = openSync(join(home, 'registry.log'), 'a');
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log, log] });
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(home, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const status = await fetch(`http://${HOST}:${port}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 401) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      const text = readFileSync(join(home, 'registry.log'), 'utf8').slice(-2000);
      await stop();
      throw new Error(`token registry on ${HOST}:${port} did not come up\n${text}`);
    }
    await sleep(100);
  }
  return { host: `${HOST}:${port}`, username: USERNAME, password, reader, grants, stop };
}
