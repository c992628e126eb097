// The deploy's guarded zero-downtime switch as exact strings: what the host runs to move traffic,
// to keep the release (the old containers stop), and to move traffic back by itself when the runner
// is lost. What each does on a host is in src/remote/ProxySwitchCommands.ts.
import { describe, expect, it } from 'vitest';
import * as moves from '../../src/remote/ProxySwitchCommands.js';

const MOVE = { app: 'shop', configDir: '/home/d/njord/shop/proxy', drainS: 5 };
const WORKERS = `pids=$(docker exec njord-proxy-shop sh -c 'grep -las '\\''^nginx: worker'\\'' /proc/[0-9]*/cmdline | cut -d/ -f3')`;
const RELOAD = 'docker exec njord-proxy-shop nginx -c /etc/njord-proxy/nginx.conf -s reload';
const DRAIN = `docker exec njord-proxy-shop sh -c 'n=0; while :; do new=$(grep -las '\\''^nginx: worker'\\'' /proc/[0-9]*/cmdline | cut -d/ -f3 | grep -vxF -e "$(printf '\\''%s\\n'\\'' "$@")" | head -n1); [ -n "$new" ] && break; [ $n -ge 100 ] && exit 3; sleep 0.1; n=$((n+1)); done; echo "switched $n"; n=0; while :; do left=0; for p in "$@"; do [ -d /proc/$p ] && left=1; done; [ $left = 0 ] && break; [ $n -ge 100 ] && break; sleep 0.1; n=$((n+1)); done; echo "drained $n"' drain $pids`;

describe('the guarded switch', () => {
  it('moves traffic: a stale .prev gone, the config checked, the serving one kept as .prev, reload, drain', () => {
    expect(moves.moveTrafficCommand(MOVE, ['shop_default'])).toBe(
      `rm -f /home/d/njord/shop/proxy/nginx.conf.prev && docker exec njord-proxy-shop nginx -t -q -c /etc/njord-proxy/nginx.conf.next && { docker inspect --format '{{json .NetworkSettings.Networks}}' njord-proxy-shop | grep -qF '"shop_default"' || docker network connect shop_default njord-proxy-shop; } && cp -f /home/d/njord/shop/proxy/nginx.conf /home/d/njord/shop/proxy/nginx.conf.prev && mv -f /home/d/njord/shop/proxy/nginx.conf.next /home/d/njord/shop/proxy/nginx.conf && ${WORKERS} && ${RELOAD} && ${DRAIN}`,
    );
  });

  it('keeps the release: the old containers stop, then current moves', () => {
    expect(moves.keepMovedCommand(['a1'], 'ACTIVATE')).toBe(
      'docker stop --time 10 a1 >/dev/null && docker rm a1 >/dev/null && ACTIVATE',
    );
    expect(moves.keepMovedCommand([], 'ACTIVATE')).toBe('ACTIVATE');
  });

  it('moves traffic back to the old containers, drains the new ones, removes them, then the rest', () => {
    expect(moves.moveBackCommand(MOVE, ['c3'], ['OTHERS', 'CURRENT'])).toBe(
      `{ [ ! -e /home/d/njord/shop/proxy/nginx.conf.prev ] || { mv -f /home/d/njord/shop/proxy/nginx.conf.prev /home/d/njord/shop/proxy/nginx.conf && ${WORKERS} && ${RELOAD} && ${DRAIN}; }; } && docker rm --force c3 >/dev/null && OTHERS && CURRENT`,
    );
  });

  it('starts the proxy after the old containers stop; says its last log line when it does not stay up', () => {
    expect(
      moves.startProxyCommand(
        { ...MOVE, image: 'nginx:1.27' },
        [{ hostIp: '127.0.0.1', hostPort: 8080 }],
        ['shop_default'],
        ['a1'],
      ),
    ).toBe(
      "docker stop --time 10 a1 >/dev/null && docker rm a1 >/dev/null && mv -f /home/d/njord/shop/proxy/nginx.conf.next /home/d/njord/shop/proxy/nginx.conf && { docker rm --force njord-proxy-shop >/dev/null 2>&1 || true; } && docker run --detach --name njord-proxy-shop --restart unless-stopped --label dev.njord.proxy.ports=127.0.0.1:8080 --network shop_default --publish 127.0.0.1:8080:8080 --volume /home/d/njord/shop/proxy:/etc/njord-proxy:ro nginx:1.27 nginx -c /etc/njord-proxy/nginx.conf -g 'daemon off;' >/dev/null && { sleep 0.5 && docker inspect --format '{{.State.Running}}' njord-proxy-shop | grep -qx true || { docker logs --tail 5 njord-proxy-shop 2>&1; false; }; }",
    );
    expect(moves.removeProxyThen('shop', 'ROLLBACK')).toBe(
      '{ docker rm --force njord-proxy-shop >/dev/null 2>&1 || true; } && ROLLBACK',
    );
  });
});
