// The test sandbox: a real Docker engine, a real registry and a real sshd, all on loopback, so that
// the actions are tested against what they meet on a user's server. Everything here installs and
// starts itself (apt-get, dockerd, docker-registry, sshd) and reuses whatever is already running,
// because CI runs on a fresh machine and a developer's machine keeps what the last run left.
//
// Shared by the integration tests and by later features (build-push, rollback, backup).
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  copyFileSync,
  readdirSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SandboxInfo {
  sshHost: string;
  sshPort: number;
  sshUser: string;
  /** OpenSSH private key text (ed25519, no passphrase) authorised for sshUser. */
  privateKey: string;
  /** known_hosts line(s) for the sandbox sshd, with its real host key. */
  knownHosts: string;
  /** user@host:port */
  hostSpec: string;
  /** host:port of the sandbox registry (plain HTTP, loopback only). */
  registry: string;
  homeDir: string;
  /**
   * A second user on the same sshd whose Docker CLI has the Compose v2 plugin (Debian's
   * docker-compose 2.x, fetched with apt), so the same host runs v2 for it and v1 for sshUser.
   * Undefined where the plugin could not be fetched (reason in composeV2Missing).
   */
  composeV2?: { user: string; hostSpec: string; homeDir: string };
  composeV2Missing?: string;
  /**
   * Debian trixie's docker-buildx CLI plugin (cached under the state dir, installed nowhere: see
   * ensureBuildxPlugin). Undefined where it could not be fetched (reason in buildxMissing).
   */
  buildxPlugin?: string;
  buildxMissing?: string;
}

/** Where the sandbox keeps its config, keys, logs, pid files, registry storage and info.json. */
export const SANDBOX_STATE_DIR = process.env.NJORD_SANDBOX_DIR || '/var/lib/njord-sandbox';
export const SANDBOX_USER = 'njord';
/** The user whose `docker compose` is v2 (see SandboxInfo.composeV2). */
export const SANDBOX_USER_V2 = 'njordv2';
const SSH_PORT = Number(process.env.NJORD_SANDBOX_SSH_PORT || 2222);
const REGISTRY_PORT = Number(process.env.NJORD_SANDBOX_REGISTRY_PORT || 5000);
const HOST = '127.0.0.1';

/** Files the sandbox writes that tests may hand to the ssh CLI. */
export const sandboxFiles = {
  info: join(SANDBOX_STATE_DIR, 'info.json'),
  clientKey: join(SANDBOX_STATE_DIR, 'client', 'id_ed25519'),
  knownHosts: join(SANDBOX_STATE_DIR, 'client', 'known_hosts'),
  sshdConfig: join(SANDBOX_STATE_DIR, 'sshd', 'sshd_config'),
  sshdLog: join(SANDBOX_STATE_DIR, 'sshd', 'sshd.log'),
  registryConfig: join(SANDBOX_STATE_DIR, 'registry', 'config.yml'),
  registryLog: join(SANDBOX_STATE_DIR, 'registry', 'registry.log'),
  dockerdLog: join(SANDBOX_STATE_DIR, 'dockerd.log'),
};

// ---------------------------------------------------------------------------------------------
// small process helpers

export interface ShOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

/** Runs `cmd` with bash and returns its stdout; throws with the exit code and stderr on failure. */
export function sh(cmd: string, opts: ShOptions = {}): string {
  return run('bash', ['-c', cmd], opts, cmd);
}

/** Runs `cmd` as the sandbox user (login environment, docker group) on this machine; returns stdout. */
export function asSandboxUser(cmd: string, opts: Omit<ShOptions, 'env'> = {}): string {
  return run('runuser', ['-l', SANDBOX_USER, '-c', cmd], opts, `[as ${SANDBOX_USER}] ${cmd}`);
}

function run(file: string, args: string[], opts: ShOptions, label: string): string {
  const spawnOpts: SpawnSyncOptions = {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: opts.timeoutMs ?? 10 * 60_000,
    killSignal: 'SIGKILL',
  };
  const r = spawnSync(file, args, spawnOpts);
  const stdout = String(r.stdout ?? '');
  const stderr = String(r.stderr ?? '');
  if (r.error) throw new Error(`${label}: ${r.error.message}`);
  if (r.status !== 0) {
    const why = r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
    throw new Error(`${label}: ${why}\n${(stderr || stdout).trim()}`);
  }
  return stdout;
}

function tryRun(file: string, args: string[], timeoutMs = 30_000): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync(file, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return { ok: !r.error && r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function which(cmd: string): string | undefined {
  const dirs = (process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  for (const d of [...dirs, '/usr/sbin', '/sbin']) {
    const p = join(d, cmd);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it is not running.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pidAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function portAnswers(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.connect(port, host);
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>, onFail: () => string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`sandbox: ${what} not ready after ${timeoutMs / 1000} s\n${onFail()}`);
    await sleep(150);
  }
}

function writeIfChanged(file: string, content: string, mode: number): boolean {
  if (existsSync(file) && readText(file) === content) {
    chmodSync(file, mode);
    return false;
  }
  writeFileSync(file, content, { mode });
  chmodSync(file, mode);
  return true;
}

// ---------------------------------------------------------------------------------------------
// CLI plugins from Debian trixie: Compose v2 for the second user, buildx for the buildx tests

type Fetched = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Debian bookworm ships neither Compose v2 nor buildx; Debian trixie packages both as static docker
 * CLI plugins (docker-compose 2.x, docker-buildx). Fetch the package's .deb with apt into a private
 * apt state (the system's sources stay untouched) and cache its plugin binary under `cacheDir`.
 */
function trixiePlugin(pkg: 'docker-compose' | 'docker-buildx', deb: RegExp, cacheDir: string, log: string[]): Fetched {
  const plugin = join(cacheDir, pkg);
  if (existsSync(plugin)) return { ok: true, path: plugin };
  const apt = join(SANDBOX_STATE_DIR, 'trixie-apt');
  for (const d of ['lists/partial', 'archives/partial']) mkdirSync(join(apt, d), { recursive: true });
  writeFileSync(join(apt, 'sources.list'), 'deb http://deb.debian.org/debian trixie main\n');
  const opts = [
    '-o',
    `Dir::Etc::sourcelist=${join(apt, 'sources.list')}`,
    '-o',
    'Dir::Etc::sourceparts=-',
    '-o',
    `Dir::State::Lists=${join(apt, 'lists')}`,
    '-o',
    `Dir::Cache::Archives=${join(apt, 'archives')}`,
    '-o',
    'APT::Sandbox::User=root',
  ];
  const download = () =>
    run('apt-get', [...opts, 'download', pkg], { cwd: apt, timeoutMs: 5 * 60_000 }, `apt-get download ${pkg}`);
  try {
    try {
      download();
    } catch {
      // no lists yet, or stale ones (the package moved on): fetch them, then again
      run('apt-get', [...opts, 'update', '-q'], { timeoutMs: 5 * 60_000 }, 'apt-get update (trixie lists)');
      download();
    }
  } catch (err) {
    return {
      ok: false,
      reason: `could not fetch ${pkg} from Debian trixie: ${(err as Error).message.split('\n').slice(-1)[0]}`,
    };
  }
  const file = readdirSync(apt).find((f) => deb.test(f));
  if (!file) return { ok: false, reason: `trixie's ${pkg} is not the package expected (${deb.source})` };
  const x = join(apt, 'x');
  rmSync(x, { recursive: true, force: true });
  run('dpkg', ['-x', join(apt, file), x], {}, `dpkg -x ${pkg}`);
  const inDeb = ['usr/libexec/docker/cli-plugins', 'usr/lib/docker/cli-plugins']
    .map((d) => join(x, d, pkg))
    .find((f) => existsSync(f));
  if (!inDeb) return { ok: false, reason: `trixie's ${file} has no ${pkg} CLI plugin` };
  mkdirSync(cacheDir, { recursive: true });
  copyFileSync(inDeb, plugin);
  chmodSync(plugin, 0o755);
  rmSync(x, { recursive: true, force: true });
  log.push(`fetched ${file}`);
  return { ok: true, path: plugin };
}

/** Compose v2 for the v2 user only: its ~/.docker/cli-plugins. */
function ensureComposeV2Plugin(
  user: { homeDir: string; uid: number; gid: number },
  log: string[],
): { ok: true } | { ok: false; reason: string } {
  const fetched = trixiePlugin(
    'docker-compose',
    /^docker-compose_2\..*\.deb$/,
    join(SANDBOX_STATE_DIR, 'compose-v2'),
    log,
  );
  if (!fetched.ok) return fetched;
  const dir = join(user.homeDir, '.docker', 'cli-plugins');
  mkdirSync(dir, { recursive: true });
  const dest = join(dir, 'docker-compose');
  if (!existsSync(dest) || statSync(dest).size !== statSync(fetched.path).size) copyFileSync(fetched.path, dest);
  chmodSync(dest, 0o755);
  for (const p of [join(user.homeDir, '.docker'), dir, dest]) chownSync(p, user.uid, user.gid);
  return { ok: true };
}

/**
 * buildx, cached but installed nowhere: the runner here keeps the classic builder, and a test that
 * wants buildx puts this binary in the cli-plugins folder of a DOCKER_CONFIG of its own.
 */
const ensureBuildxPlugin = (log: string[]) =>
  trixiePlugin('docker-buildx', /^docker-buildx_.*\.deb$/, join(SANDBOX_STATE_DIR, 'buildx'), log);

// ---------------------------------------------------------------------------------------------
// availability

/** Why the sandbox cannot run here (tests skip with this message), or undefined. As root it never skips. */
export function sandboxUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform}): the sandbox needs dockerd and sshd`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0)
    return 'not root: the sandbox installs packages with apt-get and starts dockerd, a registry and sshd';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// packages

/** Each apt package the sandbox needs and how to tell it is already there. */
const PACKAGES: { pkg: string; present: () => boolean }[] = [
  // A docker engine from elsewhere (docker-ce on a GitHub runner) is fine and would conflict with docker.io.
  { pkg: 'docker.io', present: () => !!which('dockerd') && !!which('docker') },
  { pkg: 'docker-compose', present: () => !!which('docker-compose') },
  { pkg: 'docker-registry', present: () => !!which('docker-registry') },
  { pkg: 'openssh-server', present: () => existsSync('/usr/sbin/sshd') && !!which('ssh-keygen') && !!which('ssh') },
  { pkg: 'busybox-static', present: () => !!staticBusybox() },
  { pkg: 'curl', present: () => !!which('curl') },
];

/** Path of a statically linked busybox (it is copied into FROM-scratch images), if there is one. */
function staticBusybox(): string | undefined {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    try {
      if (isStaticElf(p)) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** True for an ELF executable without a PT_INTERP program header (no dynamic loader). */
function isStaticElf(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, 64, 0);
    if (head.toString('latin1', 0, 4) !== '\x7fELF') return false;
    const is64 = head[4] === 2;
    const le = head[5] === 1;
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const phoff = is64 ? Number(le ? head.readBigUInt64LE(0x20) : head.readBigUInt64BE(0x20)) : u32(head, 0x1c);
    const phentsize = u16(head, is64 ? 0x36 : 0x2a);
    const phnum = u16(head, is64 ? 0x38 : 0x2c);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (u32(ph, i * phentsize) === 3 /* PT_INTERP */) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}

let aptUpdated = false;

function ensurePackages(log: string[]): void {
  const missing = PACKAGES.filter((p) => !p.present()).map((p) => p.pkg);
  if (!missing.length) return;
  if (!which('apt-get')) throw new Error(`sandbox: ${missing.join(', ')} missing and apt-get is not available`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a' };
  const aptOpts = ['-o', 'DPkg::Lock::Timeout=600', '-o', 'Dpkg::Options::=--force-confdef'];
  if (!aptUpdated) {
    run('apt-get', [...aptOpts, 'update', '-q'], { env, timeoutMs: 15 * 60_000 }, 'apt-get update');
    aptUpdated = true;
  }
  run('apt-get', [...aptOpts, 'install', '-y', '-q', ...missing], { env, timeoutMs: 30 * 60_000 }, 'apt-get install');
  const still = PACKAGES.filter((p) => !p.present()).map((p) => p.pkg);
  if (still.length)
    throw new Error(`sandbox: apt-get installed ${missing.join(' ')} but ${still.join(' ')} still missing`);
  log.push(`installed ${missing.join(' ')}`);
}

// ---------------------------------------------------------------------------------------------
// what this process started (stopSandbox stops exactly these)

interface Started {
  name: string;
  pid: number;
  pidFile?: string;
}
const started: Started[] = [];

function spawnDaemon(name: string, file: string, args: string[], logFile: string): number {
  const fd = openSync(logFile, 'a');
  const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.on('error', () => undefined);
  child.unref();
  if (!child.pid) throw new Error(`sandbox: could not start ${name} (${file})\n${tail(logFile)}`);
  return child.pid;
}

// ---------------------------------------------------------------------------------------------
// dockerd

async function dockerWorks(): Promise<boolean> {
  return tryRun('docker', ['info', '--format', '{{.ServerVersion}}'], 20_000).ok;
}

async function ensureDockerd(log: string[]): Promise<void> {
  if (await dockerWorks()) return;
  // A dockerd may be starting (or was started by someone else): wait for it rather than start a second.
  const existing = readPid('/var/run/docker.pid');
  if (existing && cmdline(existing).includes('dockerd')) {
    await waitFor('dockerd (already starting)', 60_000, dockerWorks, () => tail(sandboxFiles.dockerdLog));
    return;
  }
  const dockerd = which('dockerd');
  if (!dockerd) throw new Error('sandbox: dockerd not found');
  const pid = spawnDaemon('dockerd', dockerd, [], sandboxFiles.dockerdLog);
  started.push({ name: 'dockerd', pid });
  await waitFor(
    'dockerd',
    60_000,
    async () => {
      if (!pidAlive(pid)) throw new Error(`sandbox: dockerd exited during start\n${tail(sandboxFiles.dockerdLog)}`);
      return dockerWorks();
    },
    () => tail(sandboxFiles.dockerdLog),
  );
  log.push(`dockerd (pid ${pid}, log ${sandboxFiles.dockerdLog})`);
}

// ---------------------------------------------------------------------------------------------
// user

function ensureUser(clientPub: string, SANDBOX_USER: string): { homeDir: string; uid: number; gid: number } {
  const hasDockerGroup = tryRun('getent', ['group', 'docker']).ok;
  if (!hasDockerGroup) run('groupadd', ['--system', 'docker'], {}, 'groupadd docker');
  const pw = tryRun('getent', ['passwd', SANDBOX_USER]);
  if (!pw.ok) {
    run('useradd', ['--create-home', '--shell', '/bin/bash', '--groups', 'docker', SANDBOX_USER], {}, 'useradd');
  } else {
    const groups = tryRun('id', ['-nG', SANDBOX_USER]).stdout.split(/\s+/);
    if (!groups.includes('docker')) run('usermod', ['-aG', 'docker', SANDBOX_USER], {}, 'usermod');
  }
  // useradd leaves the password field '!' (locked); sshd without PAM refuses locked accounts even for
  // keys. '*' is "no password can match" without being "locked".
  const shadow = tryRun('getent', ['shadow', SANDBOX_USER]).stdout.split(':')[1] ?? '';
  if (shadow.startsWith('!')) run('usermod', ['-p', '*', SANDBOX_USER], {}, 'usermod -p');

  const [, , uidS, gidS, , home] = tryRun('getent', ['passwd', SANDBOX_USER]).stdout.trim().split(':');
  const uid = Number(uidS);
  const gid = Number(gidS);
  const homeDir = home || `/home/${SANDBOX_USER}`;
  mkdirSync(homeDir, { recursive: true, mode: 0o755 });
  chownSync(homeDir, uid, gid);
  chmodSync(homeDir, 0o755);
  const sshDir = join(homeDir, '.ssh');
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  chownSync(sshDir, uid, gid);
  chmodSync(sshDir, 0o700);
  const ak = join(sshDir, 'authorized_keys');
  const keys = readText(ak);
  if (!keys.split('\n').some((l) => l.trim() === clientPub.trim())) {
    writeFileSync(ak, (keys && !keys.endsWith('\n') ? keys + '\n' : keys) + clientPub.trim() + '\n', { mode: 0o600 });
  }
  chownSync(ak, uid, gid);
  chmodSync(ak, 0o600);

  // The docker socket must be usable by the group (dockerd does this when the group existed at its start).
  const sock = '/var/run/docker.sock';
  if (existsSync(sock)) {
    const dockerGid = Number(tryRun('getent', ['group', 'docker']).stdout.split(':')[2]);
    const st = statSync(sock);
    if (st.gid !== dockerGid) chownSync(sock, 0, dockerGid);
    if ((st.mode & 0o060) !== 0o060) chmodSync(sock, 0o660);
  }
  return { homeDir, uid, gid };
}

// ---------------------------------------------------------------------------------------------
// keys

function ensureKey(file: string, comment: string): string {
  if (!existsSync(file) || !existsSync(`${file}.pub`)) {
    rmSync(file, { force: true });
    rmSync(`${file}.pub`, { force: true });
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], {}, 'ssh-keygen');
  }
  chmodSync(file, 0o600);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

// ---------------------------------------------------------------------------------------------
// sshd

const sshdDir = join(SANDBOX_STATE_DIR, 'sshd');
const sshdPidFile = join(sshdDir, 'sshd.pid');
const hostKey = join(sshdDir, 'ssh_host_ed25519_key');

function sshdConfig(): string {
  return [
    '# njord test sandbox sshd (written by tests/sandbox/Sandbox.ts)',
    `Port ${SSH_PORT}`,
    `ListenAddress ${HOST}`,
    `HostKey ${hostKey}`,
    `PidFile ${sshdPidFile}`,
    'AuthorizedKeysFile .ssh/authorized_keys',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    `AllowUsers ${SANDBOX_USER} ${SANDBOX_USER_V2}`,
    'UsePAM no',
    'StrictModes yes',
    'PermitUserEnvironment no',
    'X11Forwarding no',
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'PrintMotd no',
    'PrintLastLog no',
    // Tests open many connections at once (parallel hosts, retries).
    'MaxStartups 200:30:400',
    'MaxSessions 100',
    'ClientAliveInterval 30',
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

function sshdRunning(): number | undefined {
  const pid = readPid(sshdPidFile);
  return pid && cmdline(pid).includes(sandboxFiles.sshdConfig) ? pid : undefined;
}

async function ensureSshd(log: string[]): Promise<void> {
  mkdirSync(sshdDir, { recursive: true, mode: 0o755 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  ensureKey(hostKey, 'njord-sandbox-host');
  const changed = writeIfChanged(sandboxFiles.sshdConfig, sshdConfig(), 0o644);
  let pid = sshdRunning();
  if (pid && changed) {
    process.kill(pid, 'SIGTERM');
    await waitFor(
      'old sshd to stop',
      10_000,
      () => !pidAlive(pid!),
      () => '',
    );
    pid = undefined;
  }
  if (pid) {
    if (await portAnswers(SSH_PORT)) return;
    await waitFor(
      `sshd on ${HOST}:${SSH_PORT}`,
      10_000,
      () => portAnswers(SSH_PORT),
      () => tail(sandboxFiles.sshdLog),
    );
    return;
  }
  if (await portAnswers(SSH_PORT))
    throw new Error(`sandbox: ${HOST}:${SSH_PORT} is taken by another process; set NJORD_SANDBOX_SSH_PORT`);
  const sshd = '/usr/sbin/sshd';
  run(sshd, ['-t', '-f', sandboxFiles.sshdConfig], {}, 'sshd -t');
  rmSync(sshdPidFile, { force: true });
  // sshd daemonises itself and writes the pid file; -E sends its log to a file.
  run(sshd, ['-f', sandboxFiles.sshdConfig, '-E', sandboxFiles.sshdLog], {}, 'sshd');
  await waitFor(
    `sshd on ${HOST}:${SSH_PORT}`,
    10_000,
    async () => !!sshdRunning() && (await portAnswers(SSH_PORT)),
    () => tail(sandboxFiles.sshdLog),
  );
  const newPid = sshdRunning()!;
  started.push({ name: 'sshd', pid: newPid, pidFile: sshdPidFile });
  log.push(`sshd on ${HOST}:${SSH_PORT} (pid ${newPid})`);
}

// ---------------------------------------------------------------------------------------------
// registry

const registryDir = join(SANDBOX_STATE_DIR, 'registry');
const registryPidFile = join(registryDir, 'registry.pid');

function registryConfig(): string {
  return [
    '# njord test sandbox registry (written by tests/sandbox/Sandbox.ts)',
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(registryDir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${HOST}:${REGISTRY_PORT}`,
    '',
  ].join('\n');
}

async function registryAnswers(): Promise<boolean> {
  try {
    const res = await fetch(`http://${HOST}:${REGISTRY_PORT}/v2/`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

function registryRunning(): number | undefined {
  const pid = readPid(registryPidFile);
  return pid && cmdline(pid).includes(sandboxFiles.registryConfig) ? pid : undefined;
}

/** Which process listens on a TCP port of ours, from `ss` (e.g. 'users:(("registry",pid=12,fd=3))'). */
function portHolder(port: number): string {
  return tryRun('ss', ['-ltnpH', `sport = :${port}`]).stdout.trim();
}

/** Stops (and disables) the docker-registry service the package installs; false if it is not running. */
function stopPackagedRegistry(): boolean {
  if (which('systemctl') && tryRun('systemctl', ['is-active', '--quiet', 'docker-registry']).ok) {
    run('systemctl', ['disable', '--now', 'docker-registry'], {}, 'systemctl disable --now docker-registry');
    return true;
  }
  if (existsSync('/etc/init.d/docker-registry') && tryRun('/etc/init.d/docker-registry', ['status']).ok) {
    run('/etc/init.d/docker-registry', ['stop'], {}, '/etc/init.d/docker-registry stop');
    return true;
  }
  return false;
}

async function ensureRegistry(log: string[]): Promise<void> {
  mkdirSync(join(registryDir, 'data'), { recursive: true, mode: 0o755 });
  const changed = writeIfChanged(sandboxFiles.registryConfig, registryConfig(), 0o644);
  let pid = registryRunning();
  if (pid && changed) {
    process.kill(pid, 'SIGTERM');
    await waitFor(
      'old registry to stop',
      10_000,
      () => !pidAlive(pid!),
      () => '',
    );
    pid = undefined;
  }
  if (pid) {
    await waitFor('registry', 15_000, registryAnswers, () => tail(sandboxFiles.registryLog));
    return;
  }
  if (await portAnswers(REGISTRY_PORT)) {
    // Debian's docker-registry package starts its own service on :5000 (all interfaces) where an init
    // system runs it; the sandbox runs its own, bound to loopback, with its own storage.
    const holder = portHolder(REGISTRY_PORT);
    if (/registry/.test(holder) && stopPackagedRegistry()) {
      await waitFor(
        'the packaged registry to free its port',
        15_000,
        async () => !(await portAnswers(REGISTRY_PORT)),
        () => portHolder(REGISTRY_PORT),
      );
      log.push("stopped the packaged docker-registry service (it held the sandbox's port)");
    } else {
      throw new Error(
        `sandbox: ${HOST}:${REGISTRY_PORT} is taken by another process (${holder || 'unknown'}); set NJORD_SANDBOX_REGISTRY_PORT`,
      );
    }
  }
  const bin = which('docker-registry')!;
  const newPid = spawnDaemon('registry', bin, ['serve', sandboxFiles.registryConfig], sandboxFiles.registryLog);
  writeFileSync(registryPidFile, `${newPid}\n`);
  started.push({ name: 'registry', pid: newPid, pidFile: registryPidFile });
  await waitFor(
    `registry on ${HOST}:${REGISTRY_PORT}`,
    15_000,
    async () => {
      if (!pidAlive(newPid))
        throw new Error(`sandbox: registry exited during start\n${tail(sandboxFiles.registryLog)}`);
      return registryAnswers();
    },
    () => tail(sandboxFiles.registryLog),
  );
  log.push(`registry on ${HOST}:${REGISTRY_PORT} (pid ${newPid})`);
}

// ---------------------------------------------------------------------------------------------
// lock: two processes starting the sandbox at once must not both apt-get or both start dockerd

// Callers in this process queue up here; other processes wait on the lock file.
let inProcess: Promise<unknown> = Promise.resolve();

function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const next = inProcess.then(() => withFileLock(fn));
  inProcess = next.catch(() => undefined);
  return next;
}

async function withFileLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = join(SANDBOX_STATE_DIR, 'start.lock');
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readText(lock).trim() || '0');
      // A lock left by a process that died (or by an earlier process that had our pid) is stale.
      if (holder === process.pid || (holder > 0 && !pidAlive(holder))) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`sandbox: ${lock} held by pid ${holder} for too long`, { cause: err });
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// start / stop

let lastStartLog: string[] = [];

/** What the last startSandbox() in this process started or installed (empty: all was running). */
export function sandboxStartLog(): string[] {
  return [...lastStartLog];
}

/**
 * Makes sure packages, dockerd, the registry, sshd and the test user are there, starting what is not.
 * Idempotent and cheap when all is running. Writes the info to info.json in the state dir (mode 0600).
 */
export async function startSandbox(): Promise<SandboxInfo> {
  const reason = sandboxUnavailableReason();
  if (reason) throw new Error(`sandbox unavailable: ${reason}`);
  mkdirSync(SANDBOX_STATE_DIR, { recursive: true, mode: 0o755 });
  chmodSync(SANDBOX_STATE_DIR, 0o755);
  return withLock(async () => {
    const log: string[] = [];
    ensurePackages(log);
    await ensureDockerd(log);
    mkdirSync(join(SANDBOX_STATE_DIR, 'client'), { recursive: true, mode: 0o700 });
    const clientPub = ensureKey(sandboxFiles.clientKey, 'njord-sandbox-client');
    const { homeDir } = ensureUser(clientPub, SANDBOX_USER);
    const v2User = ensureUser(clientPub, SANDBOX_USER_V2);
    const v2 = ensureComposeV2Plugin(v2User, log);
    const buildx = ensureBuildxPlugin(log);
    await ensureRegistry(log);
    await ensureSshd(log);

    const hostPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const knownHosts = `[${HOST}]:${SSH_PORT} ${hostPub}\n`;
    writeIfChanged(sandboxFiles.knownHosts, knownHosts, 0o644);
    const info: SandboxInfo = {
      sshHost: HOST,
      sshPort: SSH_PORT,
      sshUser: SANDBOX_USER,
      privateKey: readFileSync(sandboxFiles.clientKey, 'utf8'),
      knownHosts,
      hostSpec: `${SANDBOX_USER}@${HOST}:${SSH_PORT}`,
      registry: `${HOST}:${REGISTRY_PORT}`,
      homeDir,
      ...(v2.ok
        ? {
            composeV2: {
              user: SANDBOX_USER_V2,
              hostSpec: `${SANDBOX_USER_V2}@${HOST}:${SSH_PORT}`,
              homeDir: v2User.homeDir,
            },
          }
        : { composeV2Missing: v2.reason }),
      ...(buildx.ok ? { buildxPlugin: buildx.path } : { buildxMissing: buildx.reason }),
    };
    writeIfChanged(sandboxFiles.info, JSON.stringify(info, null, 2) + '\n', 0o600);
    lastStartLog = log;
    return info;
  });
}

/** The info the last startSandbox() (in any process) wrote, if there is one. */
export function readSandboxInfo(): SandboxInfo | undefined {
  try {
    return JSON.parse(readFileSync(sandboxFiles.info, 'utf8')) as SandboxInfo;
  } catch {
    return undefined;
  }
}

/** Stops only what startSandbox() started in this process (never a dockerd that was already running). */
export async function stopSandbox(): Promise<void> {
  while (started.length) {
    const s = started.pop()!;
    if (!pidAlive(s.pid)) continue;
    process.kill(s.pid, 'SIGTERM');
    // dockerd stops its containers first; give it time before forcing.
    const grace = s.name === 'dockerd' ? 45_000 : 10_000;
    const deadline = Date.now() + grace;
    while (pidAlive(s.pid) && Date.now() < deadline) await sleep(100);
    if (pidAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
    while (pidAlive(s.pid)) await sleep(50);
    if (s.pidFile) rmSync(s.pidFile, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// test image

export interface TestImageOptions {
  /** Repository path in the registry, e.g. 'njord-test/web'. */
  repo: string;
  tag: string;
  /** Text served at /health and written to /data/boots, e.g. 'v1'. */
  version: string;
  /** false: /www/health is absent, so GET /health answers 404 (the app still runs). Default true. */
  healthy?: boolean;
}

export interface TestImage {
  /** 127.0.0.1:5000/njord-test/web:v1 */
  ref: string;
  /** sha256:... manifest digest in the registry */
  digest: string;
  /** 127.0.0.1:5000/njord-test/web@sha256:... */
  refByDigest: string;
}

// The container's command: record the boot in the /data volume, then serve /www on 8080. sh stays
// PID 1 with a TERM trap so `docker stop` ends it at once instead of waiting 10 s to SIGKILL.
const ENTRYPOINT = `#!/bin/sh
mkdir -p /data
echo "$VERSION $(date)" >> /data/boots
httpd -f -p 8080 -h /www &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit 0' TERM INT
wait $pid
`;

/**
 * Builds a FROM-scratch image (static busybox, httpd on 8080 serving /www), pushes it to the sandbox
 * registry and returns its refs and manifest digest. The same inputs give the same image (the build
 * cache is keyed on content), different inputs a different one.
 */
/** A static busybox and a link for each of its applets, in `bin` (an image's /bin). */
export function addBusybox(bin: string): void {
  const busybox = staticBusybox();
  if (!busybox) throw new Error('no static busybox for a test image (apt-get install busybox-static)');
  mkdirSync(bin, { recursive: true });
  copyFileSync(busybox, join(bin, 'busybox'));
  chmodSync(join(bin, 'busybox'), 0o755);
  for (const applet of run(busybox, ['--list'], {}, 'busybox --list').split('\n')) {
    const name = applet.trim();
    if (name && name !== 'busybox' && /^[\w.[-]+$/.test(name)) symlinkSync('busybox', join(bin, name));
  }
}

export async function buildTestImage(info: SandboxInfo, opts: TestImageOptions): Promise<TestImage> {
  const healthy = opts.healthy ?? true;
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(opts.repo))
    throw new Error(`buildTestImage: bad repo '${opts.repo}'`);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(opts.tag)) throw new Error(`buildTestImage: bad tag '${opts.tag}'`);
  const ctx = mkdtempSync(join(tmpdir(), 'njord-image-'));
  try {
    addBusybox(join(ctx, 'bin'));
    writeFileSync(join(ctx, 'entrypoint.sh'), ENTRYPOINT, { mode: 0o755 });
    const www = join(ctx, 'www');
    mkdirSync(www);
    writeFileSync(
      join(www, 'index.html'),
      `<!doctype html>\n<title>njord test app</title>\n<p>njord test app ${opts.version}</p>\n`,
    );
    if (healthy) writeFileSync(join(www, 'health'), opts.version);
    writeFileSync(join(ctx, '.dockerignore'), 'Dockerfile\n.dockerignore\n');
    const label = (s: string) => JSON.stringify(s);
    writeFileSync(
      join(ctx, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY bin/ /bin/',
        'COPY entrypoint.sh /entrypoint.sh',
        `ENV PATH=/bin VERSION=${label(opts.version)}`,
        `LABEL org.opencontainers.image.title="njord-test" org.opencontainers.image.version=${label(opts.version)} dev.njord.test.healthy="${healthy}"`,
        'COPY www/ /www/',
        'EXPOSE 8080',
        'CMD ["/bin/sh", "/entrypoint.sh"]',
        '',
      ].join('\n'),
    );
    const ref = `${info.registry}/${opts.repo}:${opts.tag}`;
    // The legacy builder: a newer docker CLI without buildx refuses BuildKit, and this is all we need.
    const env = { ...process.env, DOCKER_BUILDKIT: '0' };
    run('docker', ['build', '-q', '-t', ref, ctx], { env }, `docker build ${ref}`);
    const pushOut = run('docker', ['push', ref], {}, `docker push ${ref}`);
    let digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushOut)?.[1];
    if (!digest) {
      const repoDigests = JSON.parse(
        run('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref], {}, 'docker image inspect'),
      ) as string[];
      const repoName = `${info.registry}/${opts.repo}@`;
      digest = repoDigests.find((d) => d.startsWith(repoName))?.slice(repoName.length);
    }
    if (!digest) throw new Error(`buildTestImage: no digest for ${ref} in:\n${pushOut}`);
    return { ref, digest, refByDigest: `${info.registry}/${opts.repo}@${digest}` };
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// sample compose app

export interface ComposeAppOptions {
  /** Host port on 127.0.0.1 mapped to the app's 8080. */
  port: number;
  /** Add a Docker healthcheck that GETs /health inside the container. */
  withHealthcheck?: boolean;
  /** Name of the secret env var passed through to the container (default APP_SECRET). */
  secretVar?: string;
}

/**
 * Writes a sample Compose project (docker-compose.yml) into `dir`: service `web` with
 * `image: ${IMAGE}`, the port on 127.0.0.1, a named volume `data` at /data, and the secret passed
 * through from the environment. Returns the compose file's path.
 */
export function writeComposeApp(dir: string, opts: ComposeAppOptions): string {
  const secret = opts.secretVar ?? 'APP_SECRET';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(secret)) throw new Error(`writeComposeApp: bad secretVar '${secret}'`);
  const lines = [
    'version: "3.8"',
    'services:',
    '  web:',
    '    image: ${IMAGE}',
    '    ports:',
    `      - "127.0.0.1:${opts.port}:8080"`,
    '    volumes:',
    '      - data:/data',
    '    environment:',
    `      ${secret}: \${${secret}:-}`,
  ];
  if (opts.withHealthcheck) {
    lines.push(
      '    healthcheck:',
      '      test: ["CMD", "/bin/busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:8080/health"]',
      '      interval: 2s',
      '      timeout: 2s',
      '      retries: 3',
      '      start_period: 2s',
    );
  }
  lines.push('volumes:', '  data: {}', '');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'docker-compose.yml');
  writeFileSync(file, lines.join('\n'));
  return file;
}
