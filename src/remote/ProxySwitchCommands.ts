// The host's side of a deploy's zero-downtime switch, run under the release guard
// (ReleaseGuardCommand): move traffic to the new containers, then keep them, or move it back to
// the old ones, which serve on untouched until the runner decided. The undo is what the host runs
// by itself when the runner is lost, so it needs nothing from the runner. Pure strings.
import {
  checkAndJoinCommand,
  createProxyCommand,
  discardContainersCommand,
  drainPidsInCommand,
  nginxReloadCommand,
  proxyLogsCommand,
  proxyName,
  proxyRunningCommand,
  retireContainersCommand,
  workerPidsCommand,
  type ProxyPort,
} from './ProxyCommands.js';
import { all, line, quote } from './Shell.js';

export interface ProxyMove {
  app: string;
  configDir: string;
  drainS: number;
}

const conf = (m: ProxyMove, suffix = '') => quote(`${m.configDir}/nginx.conf${suffix}`);

/** Reload to the config in nginx.conf (already in place), then wait until the workers of the config before drained. */
function reloadAndDrain(m: ProxyMove): string {
  return all(
    `pids=$(${workerPidsCommand(m.app)})`,
    nginxReloadCommand(m.app),
    drainPidsInCommand(m.app, m.drainS, 'pids'),
  );
}

/**
 * Moves traffic with the proxy running: the next config checked, the new networks joined, the
 * serving config kept as nginx.conf.prev (for the way back), the next one made current, reloaded,
 * and the old workers drained. Its last line is the drain's `drained TENTHS`.
 */
export function moveTrafficCommand(m: ProxyMove, networks: string[]): string {
  return all(
    // A .prev from an earlier switch must never be taken for this one's way back.
    `rm -f ${conf(m, '.prev')}`,
    checkAndJoinCommand(m.app, networks),
    `cp -f ${conf(m)} ${conf(m, '.prev')}`,
    `mv -f ${conf(m, '.next')} ${conf(m)}`,
    reloadAndDrain(m),
  );
}

/** Keeps the release: the old containers (drained already) stop, then `activate` points current at it. */
export function keepMovedCommand(old: string[], activate: string): string {
  return old.length ? all(retireContainersCommand(old), activate) : activate;
}

/**
 * Moves traffic back: the config before the switch (when the switch got as far as keeping it),
 * reloaded, the new release's workers drained, its containers removed; then `after` (the other
 * services of the previous release, current back to it).
 */
export function moveBackCommand(m: ProxyMove, fresh: string[], after: string[]): string {
  const restore = all(`mv -f ${conf(m, '.prev')} ${conf(m)}`, reloadAndDrain(m));
  return all(`{ [ ! -e ${conf(m, '.prev')} ] || { ${restore}; }; }`, discardContainersCommand(fresh), ...after);
}

/**
 * The first switch of an app (or its ports changed): the old containers stop first, then the proxy
 * starts on the ports. When it does not stay up, the last line is its own last log line.
 */
export function startProxyCommand(
  m: ProxyMove & { image: string },
  ports: ProxyPort[],
  networks: string[],
  old: string[],
): string {
  return all(
    ...(old.length ? [retireContainersCommand(old)] : []),
    createProxyCommand(m.app, m.image, m.configDir, ports, networks),
    `{ ${proxyRunningCommand(m.app)} || { ${proxyLogsCommand(m.app)}; false; }; }`,
  );
}

/** The way back from a proxy started by this switch: the proxy goes, then `inPlace` (the previous release up as it ran). */
export function removeProxyThen(app: string, inPlace: string): string {
  return `{ ${line(['docker', 'rm', '--force', proxyName(app)])} >/dev/null 2>&1 || true; } && ${inPlace}`;
}
