// The zero-downtime switch's commands as exact strings: the proxy (one nginx container per app)
// and the containers beside it. What each does on a host is in src/remote/ProxyCommands.ts.
import { describe, expect, it } from 'vitest';
import * as proxy from '../../src/remote/ProxyCommands.js';
import { line } from '../../src/remote/Shell.js';
import { renderNginxConfig } from '../../src/deploy/zeroDowntime/NginxConfig.js';
import { parseAppContainers, parseInspect } from '../../src/deploy/zeroDowntime/SwitchContainers.js';

const DIR = '/home/d/njord/shop/proxy';
const PORTS = [
  { hostIp: '127.0.0.1', hostPort: 8080 },
  { hostIp: '', hostPort: 9091 },
];

describe('proxy commands', () => {
  it('find what holds the ports: a container by name, project and service, or a process outside Docker', () => {
    expect(proxy.portHoldersCommand([8080, 9091])).toBe(
      'sh -c \'for p in 8080 9091; do d=$(docker ps --filter "publish=$p" --format \'\\\'\'{{.Names}} {{.Label "com.docker.compose.project"}} {{.Label "com.docker.compose.service"}}\'\\\'\'); if [ -n "$d" ]; then echo "$d" | sed "s/^/$p docker /"; elif command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hltn "sport = :$p")" ]; then echo "$p other"; fi; done\'',
    );
  });

  it('pull the proxy image only when the host lacks it', () => {
    expect(proxy.ensureProxyImageCommand('nginx:1.27')).toBe(
      "docker image inspect --format '{{.Id}}' nginx:1.27 >/dev/null 2>&1 || docker pull --quiet nginx:1.27",
    );
  });

  it('list the app’s containers by service, and read the proxy’s state and ports', () => {
    expect(line(proxy.appContainersCommand('shop'))).toBe(
      'docker ps -a --no-trunc --filter label=com.docker.compose.project=shop --format \'{{.Label "com.docker.compose.service"}} {{.ID}}\'',
    );
    expect(proxy.proxyStatusCommand('shop')).toBe(
      'docker inspect --format \'{{.State.Running}} {{index .Config.Labels "dev.njord.proxy.ports"}}\' njord-proxy-shop 2>/dev/null || true',
    );
  });

  it('inspect every container of the app in one round trip', () => {
    expect(proxy.inspectAppCommand('shop')).toBe(
      `ids=$(docker ps -aq --no-trunc --filter label=com.docker.compose.project=shop) && if [ -n "$ids" ]; then docker inspect $ids; else echo '[]'; fi`,
    );
  });

  it('write the next config beside the current one', () => {
    expect(proxy.writeNextConfigCommand(DIR)).toBe(
      'mkdir -p /home/d/njord/shop/proxy && (umask 022 && cat > /home/d/njord/shop/proxy/nginx.conf.next.tmp && chmod 644 /home/d/njord/shop/proxy/nginx.conf.next.tmp && mv -f /home/d/njord/shop/proxy/nginx.conf.next.tmp /home/d/njord/shop/proxy/nginx.conf.next)',
    );
  });

  it('reload: check the config, join the networks, print the serving workers, then reload', () => {
    expect(proxy.reloadProxyCommand('shop', DIR, ['shop_default'])).toBe(
      "docker exec njord-proxy-shop nginx -t -q -c /etc/njord-proxy/nginx.conf.next && { docker inspect --format '{{json .NetworkSettings.Networks}}' njord-proxy-shop | grep -qF '\"shop_default\"' || docker network connect shop_default njord-proxy-shop; } && mv -f /home/d/njord/shop/proxy/nginx.conf.next /home/d/njord/shop/proxy/nginx.conf && docker exec njord-proxy-shop sh -c 'grep -las '\\''^nginx: worker'\\'' /proc/[0-9]*/cmdline | cut -d/ -f3' && docker exec njord-proxy-shop nginx -c /etc/njord-proxy/nginx.conf -s reload",
    );
  });

  it('wait for the new workers, then for the old ones to drain, bounded', () => {
    expect(line(proxy.drainCommand('shop', [31, 32], 5))).toBe(
      "docker exec njord-proxy-shop sh -c 'n=0; while :; do new=$(grep -las '\\''^nginx: worker'\\'' /proc/[0-9]*/cmdline | cut -d/ -f3 | grep -vxF -e \"$(printf '\\''%s\\n'\\'' \"$@\")\" | head -n1); [ -n \"$new\" ] && break; [ $n -ge 100 ] && exit 3; sleep 0.1; n=$((n+1)); done; echo \"switched $n\"; n=0; while :; do left=0; for p in \"$@\"; do [ -d /proc/$p ] && left=1; done; [ $left = 0 ] && break; [ $n -ge 100 ] && break; sleep 0.1; n=$((n+1)); done; echo \"drained $n\"' drain 31 32",
    );
  });

  it('create the proxy: its ports published, its config mounted read-only, on every network', () => {
    expect(proxy.createProxyCommand('shop', 'nginx:1.27', DIR, PORTS, ['shop_default', 'shop_back'])).toBe(
      "mv -f /home/d/njord/shop/proxy/nginx.conf.next /home/d/njord/shop/proxy/nginx.conf && { docker rm --force njord-proxy-shop >/dev/null 2>&1 || true; } && docker run --detach --name njord-proxy-shop --restart unless-stopped --label dev.njord.proxy.ports=127.0.0.1:8080,9091 --network shop_default --publish 127.0.0.1:8080:8080 --publish 9091:9091 --volume /home/d/njord/shop/proxy:/etc/njord-proxy:ro nginx:1.27 nginx -c /etc/njord-proxy/nginx.conf -g 'daemon off;' >/dev/null && docker network connect shop_back njord-proxy-shop",
    );
    expect(proxy.proxyRunningCommand('shop')).toBe(
      "sleep 0.5 && docker inspect --format '{{.State.Running}}' njord-proxy-shop | grep -qx true",
    );
  });

  it('retire the old containers gracefully, discard a failed release at once', () => {
    expect(proxy.retireContainersCommand(['a1', 'b2'])).toBe(
      'docker stop --time 10 a1 b2 >/dev/null && docker rm a1 b2 >/dev/null',
    );
    expect(proxy.discardContainersCommand(['c3'])).toBe('docker rm --force c3 >/dev/null');
  });
});

describe('the proxy config', () => {
  it('routes each published port to the new container, passes WebSocket upgrades, drains for drain-timeout', () => {
    const conf = renderNginxConfig(
      [{ port: { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 3000 }, upstream: '172.18.0.5' }],
      7,
    );
    expect(conf).toContain('worker_shutdown_timeout 7s;');
    expect(conf).toContain(
      '    listen 8080;\n    location / {\n      proxy_pass http://172.18.0.5:3000;\n      proxy_http_version 1.1;',
    );
    expect(conf).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(conf).toContain('map $http_upgrade $connection_upgrade { default upgrade; "" ""; }');
    // njord's probes (the watch's, through the proxy) in the proxy's log; nothing else.
    expect(conf).toContain('access_log /dev/stdout combined if=$njord_probe;');
  });
});

describe('reading containers', () => {
  it('groups ids by service and reads the address on the first network', () => {
    expect(parseAppContainers('web aaa\ndb bbb\nweb ccc\n')).toEqual(
      new Map([
        ['web', ['aaa', 'ccc']],
        ['db', ['bbb']],
      ]),
    );
    const inspected = parseInspect(
      JSON.stringify([
        {
          Id: 'ccc',
          Name: '/shop-web-2',
          Config: { Labels: { 'com.docker.compose.service': 'web' } },
          State: { Status: 'running', ExitCode: 0 },
          NetworkSettings: {
            Networks: { shop_z: { IPAddress: '172.19.0.2' }, shop_default: { IPAddress: '172.18.0.3' } },
          },
        },
      ]),
    );
    expect(inspected).toEqual([
      {
        id: 'ccc',
        name: 'shop-web-2',
        service: 'web',
        status: 'running',
        exitCode: 0,
        health: undefined,
        network: 'shop_default',
        ip: '172.18.0.3',
      },
    ]);
  });
});
