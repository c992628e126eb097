// The swarm commands (mode: swarm) as a manager runs them, byte for byte.
import { describe, expect, it } from 'vitest';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { StackCommands, stackStateCommand, swarmRoleCommand } from '../../src/remote/StackCommands.js';
import { ensureSwarmProxyCommand } from '../../src/remote/SwarmProxyCommands.js';
import { swarmStartCommand } from '../../src/deploy/swarm/SwarmRelease.js';
import { line } from '../../src/remote/Shell.js';

const layout = new ReleaseLayout('/home/d/njord/shop');

describe('StackCommands', () => {
  it('deploys from the release directory with its env file sourced: no value on the command line', () => {
    const deploy = new StackCommands({
      stack: 'shop',
      dir: '/r/1',
      files: ['docker-compose.yml', 'njord.swarm.yml'],
      envFile: '/r/1/release.env',
      dockerConfig: '/r/.docker',
      overrides: { IMAGE: 'reg/app@sha256:ab' },
    }).deploy();
    expect(line(deploy)).toBe(
      `sh -c 'cd "$1" && set -a && . "$2" && set +a && shift 2 && exec "$@"' njord-env /r/1 /r/1/release.env env DOCKER_CONFIG=/r/.docker IMAGE=reg/app@sha256:ab docker stack deploy --with-registry-auth --prune --compose-file docker-compose.yml --compose-file njord.swarm.yml shop`,
    );
  });

  it('reads the role, and the stack in one round trip', () => {
    expect(swarmRoleCommand()).toBe(`docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'`);
    expect(stackStateCommand('shop')).toBe(
      `ids=$(docker stack services --quiet shop) && if [ -n "$ids" ]; then docker service inspect $ids; else echo '[]'; fi && echo --njord-tasks-- && { docker stack ps --no-trunc --format '{{.Name}}\t{{.Image}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Node}}\t{{.Error}}' shop 2>/dev/null || true; }`,
    );
  });
});

describe('the swarm proxy', () => {
  it('is made again only when what it runs with changed', () => {
    expect(
      ensureSwarmProxyCommand({
        app: 'shop',
        image: 'reg/nginx:1',
        configDir: '/a/proxy',
        releaseConfig: '/a/releases/1/njord-proxy.conf',
        ports: [{ hostIp: '127.0.0.1', hostPort: 8080 }],
        network: 'shop_default',
      }),
    ).toBe(
      [
        `key=$({ cat /a/releases/1/njord-proxy.conf && echo 'reg/nginx:1 127.0.0.1:8080 shop_default'; } | cksum | cut -d' ' -f1)`,
        `now=$(docker inspect --format '{{.State.Running}} {{index .Config.Labels "dev.njord.proxy.config"}}' njord-proxy-shop 2>/dev/null || true)`,
        `if [ "$now" != "true $key" ]; then mkdir -p /a/proxy && cp -f /a/releases/1/njord-proxy.conf /a/proxy/nginx.conf && { docker image inspect --format '{{.Id}}' reg/nginx:1 >/dev/null 2>&1 || docker pull --quiet reg/nginx:1; } && { docker rm --force njord-proxy-shop >/dev/null 2>&1 || true; } && docker run --detach --name njord-proxy-shop --restart unless-stopped --label "dev.njord.proxy.config=$key" --network shop_default --publish 127.0.0.1:8080:8080 --volume /a/proxy:/etc/njord-proxy:ro reg/nginx:1 nginx -c /etc/njord-proxy/nginx.conf -g 'daemon off;' >/dev/null && { sleep 0.5 && docker inspect --format '{{.State.Running}}' njord-proxy-shop | grep -qx true || { echo "the proxy njord-proxy-shop did not start: $(docker logs --tail 1 njord-proxy-shop 2>&1)"; exit 1; }; }; fi`,
      ].join(' && '),
    );
  });

  it('follows the stack deploy of a release with zero-downtime', () => {
    const zd = {
      services: [{ name: 'web', ports: [{ hostIp: '', hostPort: 80, containerPort: 8080 }] }],
      drainTimeoutS: 30,
      proxyImage: 'nginx:1',
    };
    const start = swarmStartCommand(
      { app: 'shop', layout },
      'r1',
      { composeFiles: ['a.yml'], mode: 'swarm', zeroDowntime: zd },
      false,
    );
    expect(
      start.startsWith(
        `sh -c 'cd "$1" && set -a && . "$2" && set +a && shift 2 && exec "$@"' njord-env /home/d/njord/shop/releases/r1 /home/d/njord/shop/releases/r1/release.env docker stack deploy --with-registry-auth --prune --compose-file a.yml shop && key=$({ cat /home/d/njord/shop/releases/r1/njord-proxy.conf && echo 'nginx:1 80 shop_default'; }`,
      ),
    ).toBe(true);
    expect(
      swarmStartCommand({ app: 'shop', layout }, 'r1', { composeFiles: ['a.yml'], mode: 'swarm' }, false),
    ).not.toContain('njord-proxy');
  });
});
