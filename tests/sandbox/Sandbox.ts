// The test sandbox: the runner's own Docker engine, a registry, and servers that are not the runner.
// Each server is a container with its own network namespace, sshd and dockerd (tests/sandbox/Servers.ts),
// reached from the runner only by SSH on a loopback port, so 127.0.0.1 on a server is not the runner's
// and a file on the runner is not on a server. Everything installs and starts itself (apt-get,
// dockerd, the registry and server containers) and reuses whatever is already running, because CI
// runs on a fresh machine and a developer's machine keeps what the last run left.
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SANDBOX_STATE_DIR,
  cmdline,
  pidAlive,
  inProcessQueue,
  withPidFileLock,
  readPid,
  readText,
  run,
  sleep,
  staticBusybox,
  tail,
  tryRun,
  waitFor,
  which,
  writeIfChanged,
  type ShOptions,
} from './process.js';
import { buildxPlugin, composeV2Plugin } from './plugins.js';
import {
  ensureNetwork,
  ensureRegistryContainer,
  ensureServer,
  ensureServerImage,
  onServer,
  REGISTRY_NAME,
  SERVER_USER,
  SERVER_USER_V2,
  type ServerInfo,
} from './Servers.js';

export { freePort, SANDBOX_STATE_DIR, sh, staticBusybox, type ShOptions } from './process.js';
export { onServer, copyToServer, type ServerInfo } from './Servers.js';
export { addBusybox, buildTestImage, writeComposeApp } from './testApp.js';
export type { ComposeAppOptions, TestImage, TestImageOptions } from './testApp.js';

export interface SandboxInfo {
  /** The first server, where most tests deploy: its SSH address as the runner reaches it. */
  sshHost: string;
  sshPort: number;
  sshUser: string;
  /** OpenSSH private key text (ed25519, no passphrase) authorised for the servers' users. */
  privateKey: string;
  /** known_hosts lines for every server, with their real host keys. */
  knownHosts: string;
  /** user@host:port of the first server. */
  hostSpec: string;
  /** The first server's container name: what onServer and `docker exec` take. */
  server: string;
  /** Every server (the first is the one above), each its own machine as far as a deploy can tell. */
  servers: ServerInfo[];
  /**
   * The registry's host:port. The same name on the runner (through /etc/hosts to a loopback port)
   * and on the servers (the registry container on the sandbox network), as ghcr.io is one name
   * reached by two routes.
   */
  registry: string;
  /** The SSH user's home on the servers. */
  homeDir: string;
  /**
   * The second user on every server, whose Docker CLI has the Compose v2 plugin (Debian's
   * docker-compose 2.x, fetched with apt), so a server runs v2 for it and v1 for sshUser.
   * Undefined where the plugin could not be fetched (reason in composeV2Missing).
   */
  composeV2?: { user: string; hostSpec: string; homeDir: string };
  composeV2Missing?: string;
  /**
   * Debian trixie's docker-buildx CLI plugin (cached under the state dir, installed nowhere: see
   * plugins.ts). Undefined where it could not be fetched (reason in buildxMissing).
   */
  buildxPlugin?: string;
  buildxMissing?: string;
}

export const SANDBOX_USER = SERVER_USER;
/** The user whose `docker compose` is v2 (see SandboxInfo.composeV2). */
export const SANDBOX_USER_V2 = SERVER_USER_V2;
/** The first server's SSH port on the runner's loopback; server N listens on this + N - 1. */
const SSH_PORT = Number(process.env.NJORD_SANDBOX_SSH_PORT || 2201);
const REGISTRY_PORT = Number(process.env.NJORD_SANDBOX_REGISTRY_PORT || 5000);
/** How many servers the sandbox keeps running. */
export const SERVER_COUNT = Number(process.env.NJORD_SANDBOX_SERVERS || 2);

/** Files the sandbox writes that tests may hand to the ssh CLI. */
export const sandboxFiles = {
  info: join(SANDBOX_STATE_DIR, 'info.json'),
  clientKey: join(SANDBOX_STATE_DIR, 'client', 'id_ed25519'),
  knownHosts: join(SANDBOX_STATE_DIR, 'client', 'known_hosts'),
  dockerdLog: join(SANDBOX_STATE_DIR, 'dockerd.log'),
};

/** Runs `cmd` as the SSH user on the first server (login shell, docker group); returns stdout. */
export function asSandboxUser(cmd: string, opts: Omit<ShOptions, 'env' | 'cwd'> = {}): string {
  return onServer(firstServer(), cmd, opts);
}

/** The first server's container name, from the info this run's sandbox wrote. */
function firstServer(): string {
  return readSandboxInfo()?.server ?? 'njord-server-1';
}

/** The sshd log of a server, as it is on the server. */
export function serverSshdLog(server = firstServer()): string {
  return onServer(server, 'cat /var/log/sshd.log', { user: 'root' });
}

// ---------------------------------------------------------------------------------------------
// availability

/** Why the sandbox cannot run here (tests skip with this message), or undefined. As root it never skips. */
export function sandboxUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform}): the sandbox needs dockerd`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0)
    return 'not root: the sandbox installs packages with apt-get and starts dockerd and server containers';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// packages

/** Each apt package the runner side needs and how to tell it is already there. */
const PACKAGES: { pkg: string; present: () => boolean }[] = [
  // A docker engine from elsewhere (docker-ce on a GitHub runner) is fine and would conflict with docker.io.
  { pkg: 'docker.io', present: () => !!which('dockerd') && !!which('docker') },
  { pkg: 'docker-compose', present: () => !!which('docker-compose') },
  // Its binary (and the libraries it loads) becomes the registry container's image.
  { pkg: 'docker-registry', present: () => !!which('docker-registry') },
  { pkg: 'openssh-client', present: () => !!which('ssh-keygen') && !!which('ssh') },
  { pkg: 'busybox-static', present: () => !!staticBusybox() },
  { pkg: 'curl', present: () => !!which('curl') },
  { pkg: 'debootstrap', present: () => !!which('debootstrap') },
];

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
// the registry's name on the runner

/**
 * Maps the registry's name to loopback on the runner, so images have one name on the runner and on
 * the servers. Docker talks plain HTTP to it here because the name resolves to loopback.
 */
function ensureRegistryName(log: string[]): void {
  const hosts = readText('/etc/hosts');
  const line = `127.0.0.1 ${REGISTRY_NAME} # njord test sandbox`;
  if (hosts.split('\n').some((l) => l.trim() === line)) return;
  writeFileSync('/etc/hosts', (hosts && !hosts.endsWith('\n') ? hosts + '\n' : hosts) + line + '\n');
  log.push(`/etc/hosts: ${REGISTRY_NAME} is 127.0.0.1 on the runner`);
}

/**
 * What holds the registry container's port on the runner: the loopback registry an earlier sandbox
 * ran there, or the service Debian's docker-registry package starts where an init system runs it
 * (the package is installed for its binary only).
 */
function freeRegistryPort(log: string[]): void {
  const pidFile = join(SANDBOX_STATE_DIR, 'registry', 'registry.pid');
  const pid = readPid(pidFile);
  if (pid && cmdline(pid).includes('docker-registry')) process.kill(pid, 'SIGTERM');
  rmSync(pidFile, { force: true });
  const sshdPid = readPid(join(SANDBOX_STATE_DIR, 'sshd', 'sshd.pid'));
  if (sshdPid && cmdline(sshdPid).includes('sshd')) process.kill(sshdPid, 'SIGTERM');
  if (which('systemctl') && tryRun('systemctl', ['is-active', '--quiet', 'docker-registry']).ok) {
    run('systemctl', ['disable', '--now', 'docker-registry'], {}, 'systemctl disable --now docker-registry');
    log.push('stopped the packaged docker-registry service (it holds the registry port)');
  } else if (existsSync('/etc/init.d/docker-registry') && tryRun('/etc/init.d/docker-registry', ['status']).ok) {
    run('/etc/init.d/docker-registry', ['stop'], {}, '/etc/init.d/docker-registry stop');
    log.push('stopped the packaged docker-registry service (it holds the registry port)');
  }
}

// ---------------------------------------------------------------------------------------------
// lock: two processes starting the sandbox at once must not both apt-get or both start dockerd

// Callers in this process queue up here; other processes wait on the lock file.
const queued = inProcessQueue();

function withLock<T>(fn: () => Promise<T>): Promise<T> {
  return queued(() => withPidFileLock(join(SANDBOX_STATE_DIR, 'start.lock'), 30 * 60_000, fn));
}

// ---------------------------------------------------------------------------------------------
// start / stop

let lastStartLog: string[] = [];

/** What the last startSandbox() in this process started or installed (empty: all was running). */
export function sandboxStartLog(): string[] {
  return [...lastStartLog];
}

/**
 * Makes sure packages, the runner's dockerd, the registry and the servers are there, starting what
 * is not. Idempotent and cheap when all is running. Writes the info to info.json (mode 0600).
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
    const v2 = composeV2Plugin(SANDBOX_STATE_DIR, log);
    const buildx = buildxPlugin(SANDBOX_STATE_DIR, log);
    freeRegistryPort(log);
    ensureRegistryName(log);
    ensureNetwork();
    await ensureRegistryContainer(SANDBOX_STATE_DIR, REGISTRY_PORT, log);
    const registry = `${REGISTRY_NAME}:${REGISTRY_PORT}`;
    const image = await ensureServerImage(registry);
    const servers: ServerInfo[] = [];
    for (let i = 1; i <= SERVER_COUNT; i++)
      servers.push(
        await ensureServer(
          {
            image,
            index: i,
            sshPort: SSH_PORT + i - 1,
            authorizedKey: clientPub,
            composeV2Plugin: v2.ok ? v2.path : undefined,
          },
          log,
        ),
      );
    const first = servers[0]!;
    const knownHosts = servers.map((s) => s.knownHosts).join('');
    writeIfChanged(sandboxFiles.knownHosts, knownHosts, 0o644);
    const info: SandboxInfo = {
      sshHost: first.sshHost,
      sshPort: first.sshPort,
      sshUser: SANDBOX_USER,
      privateKey: readFileSync(sandboxFiles.clientKey, 'utf8'),
      knownHosts,
      hostSpec: first.hostSpec,
      server: first.name,
      servers,
      registry,
      homeDir: `/home/${SANDBOX_USER}`,
      ...(v2.ok && first.hostSpecV2
        ? { composeV2: { user: SANDBOX_USER_V2, hostSpec: first.hostSpecV2, homeDir: `/home/${SANDBOX_USER_V2}` } }
        : { composeV2Missing: v2.ok ? 'no v2 user on the servers' : v2.reason }),
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

/**
 * Stops what startSandbox() started in this process: the server and registry containers go with the
 * runner's dockerd when this run started it; a dockerd that was already running keeps them.
 */
export async function stopSandbox(): Promise<void> {
  while (started.length) {
    const s = started.pop()!;
    if (!pidAlive(s.pid)) continue;
    process.kill(s.pid, 'SIGTERM');
    // dockerd stops its containers first; give it time before forcing.
    const deadline = Date.now() + 45_000;
    while (pidAlive(s.pid) && Date.now() < deadline) await sleep(100);
    if (pidAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
    while (pidAlive(s.pid)) await sleep(50);
  }
}
