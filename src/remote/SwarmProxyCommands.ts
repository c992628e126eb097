// The zero-downtime proxy of a swarm app (mode: swarm): the same nginx container per app as in
// Compose mode (njord-proxy-<app>), on the manager, joined to the stack's attachable default network
// and resolving the services by name (DNS round robin). Its config does not change at a release,
// since swarm's rolling update does the switch: the proxy is (re)made only when its config, image,
// ports or network differ from those it runs with.
import {
  ensureProxyImageCommand,
  PROXY_CONFIG_MOUNT,
  portsKey,
  proxyName,
  proxyRunningCommand,
  type ProxyPort,
} from './ProxyCommands.js';
import { line, quote } from './Shell.js';

/** The proxy's config in a swarm release's directory (written with the release). */
export const SWARM_PROXY_CONFIG = 'njord-proxy.conf';
/** The label holding the checksum of what the proxy runs with. */
export const CONFIG_LABEL = 'dev.njord.proxy.config';

export interface SwarmProxy {
  app: string;
  image: string;
  /** <app root>/proxy: the config the proxy reads, copied from the release. */
  configDir: string;
  /** The release's njord-proxy.conf. */
  releaseConfig: string;
  ports: ProxyPort[];
  /** The stack's default network, `<app>_default`. */
  network: string;
}

export function stackNetwork(app: string): string {
  return `${app}_default`;
}

export function ensureSwarmProxyCommand(p: SwarmProxy): string {
  const name = proxyName(p.app);
  const what = `${p.image} ${portsKey(p.ports)} ${p.network}`;
  const key = `key=$({ cat ${quote(p.releaseConfig)} && echo ${quote(what)}; } | cksum | cut -d' ' -f1)`;
  const now = `now=$(${line(['docker', 'inspect', '--format', `{{.State.Running}} {{index .Config.Labels "${CONFIG_LABEL}"}}`, name])} 2>/dev/null || true)`;
  const publish = p.ports.flatMap((port) => [
    '--publish',
    port.hostIp ? `${port.hostIp}:${port.hostPort}:${port.hostPort}` : `${port.hostPort}:${port.hostPort}`,
  ]);
  const run = [
    'docker run --detach',
    line(['--name', name, '--restart', 'unless-stopped']),
    // The checksum comes from the host's shell: the one argument not quoted whole.
    `--label "${CONFIG_LABEL}=$key"`,
    line(['--network', p.network, ...publish, '--volume', `${p.configDir}:${PROXY_CONFIG_MOUNT}:ro`, p.image]),
    line(['nginx', '-c', `${PROXY_CONFIG_MOUNT}/nginx.conf`, '-g', 'daemon off;']),
  ].join(' ');
  const remake = [
    line(['mkdir', '-p', p.configDir]),
    line(['cp', '-f', p.releaseConfig, `${p.configDir}/nginx.conf`]),
    `{ ${ensureProxyImageCommand(p.image)}; }`,
    `{ ${line(['docker', 'rm', '--force', name])} >/dev/null 2>&1 || true; }`,
    `${run} >/dev/null`,
    `{ ${proxyRunningCommand(p.app)} || { echo "the proxy ${name} did not start: $(${line(['docker', 'logs', '--tail', '1', name])} 2>&1)"; exit 1; }; }`,
  ].join(' && ');
  return `${key} && ${now} && if [ "$now" != "true $key" ]; then ${remake}; fi`;
}
