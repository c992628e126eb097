// How one release of a swarm app starts (mode: swarm): `docker stack deploy` of its files from its
// directory, then, with `zero-downtime`, the proxy in front of it made sure of. The deploy, its
// rollback and the rollback action start a release the same way.
import type { ReleaseLayout } from '../../release/ReleaseLayout.js';
import type { ReplayedOptions } from '../../release/ReleaseManifest.js';
import { line } from '../../remote/Shell.js';
import { StackCommands } from '../../remote/StackCommands.js';
import { ensureSwarmProxyCommand, stackNetwork, SWARM_PROXY_CONFIG } from '../../remote/SwarmProxyCommands.js';
import { renderNginxConfig } from '../zeroDowntime/NginxConfig.js';
import type { ZeroDowntimeSpec } from '../zeroDowntime/ZeroDowntimeConfig.js';

export { SWARM_PROXY_CONFIG };

export function swarmStartCommand(
  ctx: { app: string; layout: ReleaseLayout },
  releaseId: string,
  options: ReplayedOptions,
  withLogin: boolean,
  overrides?: Record<string, string>,
): string {
  const dir = ctx.layout.release(releaseId);
  const deploy = line(
    new StackCommands({
      stack: ctx.app,
      dir,
      files: options.composeFiles,
      envFile: ctx.layout.envFile(releaseId),
      dockerConfig: withLogin ? ctx.layout.dockerConfig : undefined,
      overrides,
    }).deploy(),
  );
  const zd = options.zeroDowntime;
  if (!zd) return deploy;
  const proxy = ensureSwarmProxyCommand({
    app: ctx.app,
    image: zd.proxyImage,
    configDir: `${ctx.layout.root}/proxy`,
    releaseConfig: `${dir}/${SWARM_PROXY_CONFIG}`,
    ports: zd.services.flatMap((s) => s.ports),
    network: stackNetwork(ctx.app),
  });
  return `${deploy} && ${proxy}`;
}

/** The proxy's config for a swarm release: each published port to its service, by name. */
export function swarmProxyConfig(spec: ZeroDowntimeSpec): string {
  const routes = spec.services.flatMap((s) => s.ports.map((port) => ({ port, upstream: s.name })));
  return renderNginxConfig(routes, spec.drainTimeoutS, { resolve: true });
}
