// The test servers: containers on a network the tests create, each with its own network namespace,
// sshd and dockerd, built from Debian's packages. The runner reaches a server only by SSH on a
// loopback port; what a test inspects on a server it inspects with `docker exec` into that server
// (onServer), never on the runner. The registry runs on the same network: the servers pull from it
// as njord-registry:5000, the runner pushes to it through 127.0.0.1:5000.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianImage } from './DebianImage.js';
import { registryYaml } from './registryConfig.js';
import { SERVER_INIT, SERVER_SSHD_CONFIG, serverDaemonJson } from './serverInit.js';
import { run, sleep, type ShOptions } from './process.js';

export const SANDBOX_NETWORK = 'njord-sandbox';
/** The registry's name on the sandbox network, as the servers' daemons pull from it. */
export const REGISTRY_NAME = 'njord-registry';
export const SERVER_USER = 'njord';
export const SERVER_USER_V2 = 'njordv2';

export interface ServerInfo {
  /** The container's name, also its name on the sandbox network: njord-server-1. */
  name: string;
  sshHost: string;
  sshPort: number;
  /** user@127.0.0.1:port for the Compose v1 user. */
  hostSpec: string;
  /** The same server as the Compose v2 user (undefined where the plugin could not be had). */
  hostSpecV2?: string;
  /** known_hosts line for the server's own host key. */
  knownHosts: string;
}

const SERVER_PACKAGES = [
  'docker.io',
  'docker-compose',
  'openssh-server',
  'iproute2',
  'iptables',
  'ca-certificates',
  'curl',
  'busybox-static',
  'fuse-overlayfs',
  'procps',
  'age',
  'zstd',
  'openssl',
];

/** The server image, built once per machine from Debian's packages (tests/sandbox/DebianImage.ts). */
export function ensureServerImage(registry: string): Promise<string> {
  const files = {
    '/usr/local/sbin/njord-server-init': SERVER_INIT,
    '/etc/ssh/sshd_config': SERVER_SSHD_CONFIG,
    '/etc/docker/daemon.json': serverDaemonJson(`${REGISTRY_NAME}:5000`),
  };
  const recipeHash = createHash('sha256')
    .update(JSON.stringify([SERVER_PACKAGES, files]))
    .digest('hex')
    .slice(0, 12);
  return ensureDebianImage(
    { registry },
    {
      name: 'server',
      tag: `bookworm-${recipeHash}`,
      include: SERVER_PACKAGES,
      // Every server makes its own host key at its first start; the package's would be shared.
      remove: ['/etc/ssh/ssh_host_*', '/var/lib/docker/*'],
      files,
      changes: ['ENV LANG=C.UTF-8', 'CMD ["/usr/local/sbin/njord-server-init"]'],
    },
  );
}

/** Runs `docker args…` on the runner's engine; returns stdout. */
function docker(args: string[], opts: ShOptions = {}): string {
  return run('docker', args, opts, `docker ${args.join(' ')}`);
}

function dockerOk(args: string[]): boolean {
  return spawnSync('docker', args, { stdio: 'ignore', timeout: 60_000 }).status === 0;
}

function inspect(name: string, format: string): string | undefined {
  const r = spawnSync('docker', ['inspect', '--format', format, name], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export function ensureNetwork(): void {
  if (!dockerOk(['network', 'inspect', SANDBOX_NETWORK]))
    docker(['network', 'create', '--label', 'dev.njord.sandbox=1', SANDBOX_NETWORK]);
}

// ---------------------------------------------------------------------------------------------
// registry

/**
 * A registry image made of this machine's docker-registry binary and the libraries it loads, with
 * its config: no Docker Hub, no debootstrap.
 */
function ensureRegistryImage(stateDir: string): string {
  const bin = '/usr/bin/docker-registry';
  const libs = run('ldd', [bin], {}, 'ldd docker-registry')
    .split('\n')
    .map((l) => /(\/\S+) \(0x/.exec(l)?.[1])
    .filter((p): p is string => !!p);
  const config = registryYaml('registry', '0.0.0.0:5000', '/var/lib/registry', []);
  const hash = createHash('sha256').update(readFileSync(bin)).update(config).update(libs.join()).digest('hex');
  const ref = `njord-sandbox/registry:${hash.slice(0, 12)}`;
  if (dockerOk(['image', 'inspect', ref])) return ref;
  const ctx = join(stateDir, 'registry-image');
  rmSync(ctx, { recursive: true, force: true });
  mkdirSync(join(ctx, 'etc/docker/registry'), { recursive: true });
  writeFileSync(join(ctx, 'etc/docker/registry/config.yml'), config);
  const paths = [bin, ...libs].map((p) => p.slice(1));
  run(
    'bash',
    [
      '-c',
      `tar -C / -chf - ${paths.join(' ')} | tar -C ${ctx} -xf - && tar -C ${ctx} -cf - . | docker import --change 'CMD ["/usr/bin/docker-registry","serve","/etc/docker/registry/config.yml"]' - ${ref} >/dev/null`,
    ],
    {},
    'docker import registry',
  );
  rmSync(ctx, { recursive: true, force: true });
  return ref;
}

/** The sandbox registry container: on the sandbox network as njord-registry, on 127.0.0.1:port for the runner. */
export async function ensureRegistryContainer(stateDir: string, port: number, log: string[]): Promise<void> {
  const image = ensureRegistryImage(stateDir);
  const data = join(stateDir, 'registry', 'data');
  mkdirSync(data, { recursive: true });
  const running = inspect(REGISTRY_NAME, '{{.State.Running}} {{.Config.Image}}');
  if (running !== `true ${image}`) {
    if (running !== undefined) docker(['rm', '-f', REGISTRY_NAME]);
    docker([
      'run',
      '-d',
      '--name',
      REGISTRY_NAME,
      '--network',
      SANDBOX_NETWORK,
      '--restart',
      'unless-stopped',
      '-p',
      `127.0.0.1:${port}:5000`,
      '-v',
      `${data}:/var/lib/registry`,
      '--label',
      'dev.njord.sandbox=1',
      image,
    ]);
    log.push(`registry container ${REGISTRY_NAME} (127.0.0.1:${port})`);
  }
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline)
      throw new Error(
        `sandbox: registry on 127.0.0.1:${port} not ready\n${spawnSync('docker', ['logs', '--tail', '20', REGISTRY_NAME], { encoding: 'utf8' }).stderr}`,
      );
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// servers

export interface ServerStartOptions {
  image: string;
  index: number;
  sshPort: number;
  authorizedKey: string;
  /** The Compose v2 CLI plugin on the runner, mounted for the v2 user, if there is one. */
  composeV2Plugin?: string;
}

/** Flags that let dockerd run in a container here (--privileged is refused: no CAP_SYS_RESOURCE). */
const DIND_FLAGS = [
  '--cap-add',
  'ALL',
  '--cap-drop',
  'SYS_RESOURCE',
  '--security-opt',
  'seccomp=unconfined',
  '--security-opt',
  'apparmor=unconfined',
  '--security-opt',
  'systempaths=unconfined',
  '--device',
  '/dev/fuse',
  '--init',
];

export const serverName = (index: number) => `njord-server-${index}`;

/** Starts the server (or keeps the one running with the same settings) and waits for sshd and dockerd. */
export async function ensureServer(o: ServerStartOptions, log: string[]): Promise<ServerInfo> {
  const name = serverName(o.index);
  const settings = createHash('sha256')
    .update(JSON.stringify([o.image, o.sshPort, o.authorizedKey, o.composeV2Plugin ?? '', DIND_FLAGS]))
    .digest('hex')
    .slice(0, 12);
  const current = inspect(name, '{{.State.Running}} {{index .Config.Labels "dev.njord.sandbox.settings"}}');
  if (current !== `true ${settings}`) {
    if (current !== undefined) docker(['rm', '-f', name]);
    // A new server starts with a new engine: containers an earlier server left with a restart
    // policy (a proxy bind-mounting an app's dir) would come back and make that dir as root.
    docker(['volume', 'rm', '-f', `${name}-docker`]);
    const mounts = o.composeV2Plugin ? ['-v', `${o.composeV2Plugin}:/usr/local/lib/njord/docker-compose-v2:ro`] : [];
    docker([
      'run',
      '-d',
      '--name',
      name,
      '--hostname',
      name,
      '--network',
      SANDBOX_NETWORK,
      ...DIND_FLAGS,
      '-p',
      `127.0.0.1:${o.sshPort}:22`,
      // overlay2 cannot sit on the container's own overlay root: the engine's data is a volume.
      '-v',
      `${name}-docker:/var/lib/docker`,
      ...mounts,
      '-e',
      `NJORD_AUTHORIZED_KEY=${o.authorizedKey}`,
      '-e',
      `NJORD_USERS=${SERVER_USER} ${SERVER_USER_V2}`,
      '--label',
      'dev.njord.sandbox=1',
      '--label',
      `dev.njord.sandbox.settings=${settings}`,
      o.image,
    ]);
    log.push(`server ${name} (ssh 127.0.0.1:${o.sshPort})`);
  }
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ready = spawnSync(
      'docker',
      [
        'exec',
        '-u',
        SERVER_USER,
        name,
        'sh',
        '-c',
        'docker info --format "{{.ServerVersion}}" && test -s /etc/ssh/ssh_host_ed25519_key.pub && pgrep -x sshd',
      ],
      { stdio: 'ignore', timeout: 20_000 },
    );
    if (ready.status === 0) break;
    if (inspect(name, '{{.State.Running}}') !== 'true' || Date.now() > deadline) {
      const logs = spawnSync('docker', ['exec', name, 'tail', '-n', '20', '/var/log/dockerd.log'], {
        encoding: 'utf8',
      });
      throw new Error(`sandbox: server ${name} did not come up\n${logs.stdout}${logs.stderr}`);
    }
    await sleep(250);
  }
  const hostPub = onServer(name, 'cat /etc/ssh/ssh_host_ed25519_key.pub').trim().split(/\s+/).slice(0, 2).join(' ');
  const hasV2 = !!o.composeV2Plugin;
  return {
    name,
    sshHost: '127.0.0.1',
    sshPort: o.sshPort,
    hostSpec: `${SERVER_USER}@127.0.0.1:${o.sshPort}`,
    ...(hasV2 ? { hostSpecV2: `${SERVER_USER_V2}@127.0.0.1:${o.sshPort}` } : {}),
    knownHosts: `[127.0.0.1]:${o.sshPort} ${hostPub}\n`,
  };
}

export interface OnServerOptions {
  /** Who runs it: the SSH user by default, 'root' for what a test sets up behind the user's back. */
  user?: string;
  input?: string;
  timeoutMs?: number;
}

/**
 * Runs `cmd` with bash on the server (a login shell of the user, in their home), as a person at
 * the server's console would; returns stdout. Never the runner.
 */
export function onServer(server: string, cmd: string, opts: OnServerOptions = {}): string {
  const user = opts.user ?? SERVER_USER;
  const args = ['exec', ...(opts.input !== undefined ? ['-i'] : []), '-u', user];
  args.push('-w', user === 'root' ? '/root' : `/home/${user}`, server, 'bash', '-lc', cmd);
  return run('docker', args, { input: opts.input, timeoutMs: opts.timeoutMs }, `[${user}@${server}] ${cmd}`);
}

/** Copies a file from the runner into the server (as root; chown it if the user must own it). */
export function copyToServer(server: string, from: string, to: string): void {
  if (!existsSync(from)) throw new Error(`copyToServer: ${from} does not exist`);
  docker(['cp', from, `${server}:${to}`]);
}
