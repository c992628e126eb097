// The commands of a zero-downtime switch: the app's reverse proxy (one nginx container per app,
// njord-proxy-<app>) and the service containers beside it. Pure strings; the switch runs them.
import { line, quote, shC, stdinToFile, type Argv } from './Shell.js';

/** Where the proxy reads its config: <app root>/proxy on the host, mounted read-only. */
export const PROXY_CONFIG_MOUNT = '/etc/njord-proxy';
/** The label that records which ports a proxy container publishes (changing them recreates it). */
export const PORTS_LABEL = 'dev.njord.proxy.ports';

export interface ProxyPort {
  hostIp: string;
  hostPort: number;
}

export function proxyName(app: string): string {
  return `njord-proxy-${app}`;
}

/** The ports as one label value, e.g. `127.0.0.1:8080,9090`. */
export function portsKey(ports: ProxyPort[]): string {
  return ports.map((p) => (p.hostIp ? `${p.hostIp}:${p.hostPort}` : String(p.hostPort))).join(',');
}

/**
 * For each port, what holds it now: `PORT docker NAME PROJECT SERVICE` for a container publishing
 * it, `PORT other` when something outside Docker listens there (needs `ss`), nothing when free.
 */
export function portHoldersCommand(ports: number[]): string {
  const fmt = '{{.Names}} {{.Label "com.docker.compose.project"}} {{.Label "com.docker.compose.service"}}';
  const body = [
    `for p in ${ports.join(' ')}; do`,
    `d=$(docker ps --filter "publish=$p" --format ${quote(fmt)});`,
    `if [ -n "$d" ]; then echo "$d" | sed "s/^/$p docker /";`,
    `elif command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hltn "sport = :$p")" ]; then echo "$p other"; fi;`,
    'done',
  ].join(' ');
  return shC(body);
}

/** The proxy image, pulled only when the host does not have it yet. */
export function ensureProxyImageCommand(image: string): string {
  return `${line(['docker', 'image', 'inspect', '--format', '{{.Id}}', image])} >/dev/null 2>&1 || ${line(['docker', 'pull', '--quiet', image])}`;
}

/** Every container of the app (running or not) as `SERVICE ID` lines. */
export function appContainersCommand(app: string): Argv {
  return [
    'docker',
    'ps',
    '-a',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${app}`,
    '--format',
    '{{.Label "com.docker.compose.service"}} {{.ID}}',
  ];
}

/** `docker inspect` of every container of the app (an empty list when it has none). */
export function inspectAppCommand(app: string): string {
  return `ids=$(${line(['docker', 'ps', '-aq', '--no-trunc', '--filter', `label=com.docker.compose.project=${app}`])}) && if [ -n "$ids" ]; then docker inspect $ids; else echo '[]'; fi`;
}

export function inspectCommand(ids: string[]): Argv {
  return ['docker', 'inspect', ...ids];
}

/** `true KEY` when the proxy runs and publishes the ports of KEY; nothing when it does not exist. */
export function proxyStatusCommand(app: string): string {
  const fmt = `{{.State.Running}} {{index .Config.Labels "${PORTS_LABEL}"}}`;
  return `${line(['docker', 'inspect', '--format', fmt, proxyName(app)])} 2>/dev/null || true`;
}

/** Writes the next config from stdin beside the current one. */
export function writeNextConfigCommand(configDir: string): string {
  return `mkdir -p ${quote(configDir)} && ${stdinToFile(`${configDir}/nginx.conf.next`, '644')}`;
}

function connectCommand(app: string, network: string): string {
  const name = proxyName(app);
  const has = `${line(['docker', 'inspect', '--format', '{{json .NetworkSettings.Networks}}', name])} | grep -qF ${quote(`"${network}"`)}`;
  return `{ ${has} || ${line(['docker', 'network', 'connect', network, name])}; }`;
}

/**
 * With the proxy running: checks the next config, joins the networks of the new containers, makes
 * it current, prints the PIDs of the workers serving now, then reloads (nginx starts new workers
 * and lets the old ones finish what they hold).
 */
export function reloadProxyCommand(app: string, configDir: string, networks: string[]): string {
  return [
    checkAndJoinCommand(app, networks),
    `mv -f ${quote(`${configDir}/nginx.conf.next`)} ${quote(`${configDir}/nginx.conf`)}`,
    workerPidsCommand(app),
    nginxReloadCommand(app),
  ].join(' && ');
}

/** Checks the next config, then joins the proxy to each network it does not have yet. */
export function checkAndJoinCommand(app: string, networks: string[]): string {
  const nginx = line([
    'docker',
    'exec',
    proxyName(app),
    'nginx',
    '-t',
    '-q',
    '-c',
    `${PROXY_CONFIG_MOUNT}/nginx.conf.next`,
  ]);
  return [nginx, ...networks.map((n) => connectCommand(app, n))].join(' && ');
}

/** The PIDs of the proxy's nginx workers serving now, one a line. */
export function workerPidsCommand(app: string): string {
  return line(['docker', 'exec', proxyName(app), 'sh', '-c', WORKER_PIDS]);
}

/** nginx reads its config again: new workers take new connections, the old ones finish theirs. */
export function nginxReloadCommand(app: string): string {
  return line(['docker', 'exec', proxyName(app), 'nginx', '-c', `${PROXY_CONFIG_MOUNT}/nginx.conf`, '-s', 'reload']);
}

/** The PIDs of the proxy's nginx workers, one a line (nginx names its workers in their cmdline; anchored, so grep never finds itself). */
const WORKER_PIDS = `grep -las '^nginx: worker' /proc/[0-9]*/cmdline | cut -d/ -f3`;

/**
 * After a reload: waits (up to 10 s) for a worker that is not one of `oldPids` (the new config
 * serves), prints `switched TENTHS`, then waits up to `drainS` + 5 s for the old workers to finish
 * their requests and prints `drained TENTHS`. Exit 3: the new config never served.
 */
export function drainCommand(app: string, oldPids: number[], drainS: number): Argv {
  return [...drainArgv(app, drainS), ...oldPids.map(String)];
}

/** drainCommand for the PIDs a shell variable holds (unquoted: each PID its own argument). */
export function drainPidsInCommand(app: string, drainS: number, variable: string): string {
  return `${line(drainArgv(app, drainS))} $${variable}`;
}

function drainArgv(app: string, drainS: number): Argv {
  const script = [
    'n=0; while :; do',
    `new=$(${WORKER_PIDS} | grep -vxF -e "$(printf '%s\\n' "$@")" | head -n1);`,
    '[ -n "$new" ] && break; [ $n -ge 100 ] && exit 3; sleep 0.1; n=$((n+1)); done;',
    'echo "switched $n"; n=0; while :; do left=0;',
    'for p in "$@"; do [ -d /proc/$p ] && left=1; done;',
    `[ $left = 0 ] && break; [ $n -ge ${(drainS + 5) * 10} ] && break; sleep 0.1; n=$((n+1)); done;`,
    'echo "drained $n"',
  ].join(' ');
  return ['docker', 'exec', proxyName(app), 'sh', '-c', script, 'drain'];
}

/** Starts the proxy: its ports published, the config directory mounted, on the first network. */
export function createProxyCommand(
  app: string,
  image: string,
  configDir: string,
  ports: ProxyPort[],
  networks: string[],
): string {
  const name = proxyName(app);
  const publish = ports.flatMap((p) => [
    '--publish',
    p.hostIp ? `${p.hostIp}:${p.hostPort}:${p.hostPort}` : `${p.hostPort}:${p.hostPort}`,
  ]);
  const run = line([
    'docker',
    'run',
    '--detach',
    '--name',
    name,
    '--restart',
    'unless-stopped',
    '--label',
    `${PORTS_LABEL}=${portsKey(ports)}`,
    '--network',
    networks[0]!,
    ...publish,
    '--volume',
    `${configDir}:${PROXY_CONFIG_MOUNT}:ro`,
    image,
    'nginx',
    '-c',
    `${PROXY_CONFIG_MOUNT}/nginx.conf`,
    '-g',
    'daemon off;',
  ]);
  return [
    `mv -f ${quote(`${configDir}/nginx.conf.next`)} ${quote(`${configDir}/nginx.conf`)}`,
    `{ ${line(['docker', 'rm', '--force', name])} >/dev/null 2>&1 || true; }`,
    `${run} >/dev/null`,
    ...networks.slice(1).map((n) => line(['docker', 'network', 'connect', n, name])),
  ].join(' && ');
}

/** Exit 0 when the proxy still runs a moment after its start (nginx exits at once on a bad config or port). */
export function proxyRunningCommand(app: string): string {
  return `sleep 0.5 && ${line(['docker', 'inspect', '--format', '{{.State.Running}}', proxyName(app)])} | grep -qx true`;
}

/** The proxy's last lines, for the reason when it does not start. */
export function proxyLogsCommand(app: string): string {
  return `${line(['docker', 'logs', '--tail', '5', proxyName(app)])} 2>&1`;
}

/** Stops (letting each finish within 10 s) and removes containers. */
export function retireContainersCommand(ids: string[]): string {
  return `${line(['docker', 'stop', '--time', '10', ...ids])} >/dev/null && ${line(['docker', 'rm', ...ids])} >/dev/null`;
}

/** Removes containers at once: a release that failed its gate and never served. */
export function discardContainersCommand(ids: string[]): string {
  return `${line(['docker', 'rm', '--force', ...ids])} >/dev/null`;
}
