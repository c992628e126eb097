// The proxy's whole nginx config for one app: each published port of each switched service, passed
// to the container that serves it now. HTTP/1.1 with WebSocket upgrades; unbuffered, so long and
// streamed answers flow as they come.
import type { PublishedPort } from './PublishedPorts.js';

export interface Route {
  port: PublishedPort;
  /** The container's address on the network the proxy shares with it. */
  upstream: string;
}

/**
 * `resolve`: the upstream is a swarm service with DNS round robin (mode: swarm). nginx asks Docker's
 * DNS again each second, so tasks that start or stop during a rolling update are followed, and a
 * request whose task went away is tried on the next one.
 */
export function renderNginxConfig(routes: Route[], drainTimeoutS: number, opts: { resolve?: boolean } = {}): string {
  const servers = routes.map((r) =>
    [
      '  server {',
      `    listen ${r.port.hostPort};`,
      '    location / {',
      ...(opts.resolve
        ? [
            `      set $njord_upstream_${r.port.hostPort} ${r.upstream};`,
            `      proxy_pass http://$njord_upstream_${r.port.hostPort}:${r.port.containerPort};`,
            '      proxy_next_upstream error timeout;',
            '      proxy_connect_timeout 2s;',
          ]
        : [`      proxy_pass http://${r.upstream}:${r.port.containerPort};`]),
      '      proxy_http_version 1.1;',
      '      proxy_set_header Host $http_host;',
      '      proxy_set_header Upgrade $http_upgrade;',
      '      proxy_set_header Connection $connection_upgrade;',
      '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      '      proxy_set_header X-Forwarded-Proto $scheme;',
      '      proxy_buffering off;',
      '      proxy_request_buffering off;',
      '      proxy_read_timeout 1h;',
      '      proxy_send_timeout 1h;',
      '    }',
      '  }',
    ].join('\n'),
  );
  return [
    '# Written by njord: the zero-downtime proxy of this app. Replaced at each release.',
    'worker_processes auto;',
    'pid /tmp/njord-proxy.pid;',
    'error_log stderr warn;',
    // How long the old workers keep serving what they hold after a reload: the drain.
    `worker_shutdown_timeout ${Math.max(drainTimeoutS, 1)}s;`,
    'events { worker_connections 4096; }',
    'http {',
    ...(opts.resolve ? ['  resolver 127.0.0.11 valid=1s ipv6=off;', '  resolver_timeout 2s;'] : []),
    // Only njord's own health probes are logged (docker logs njord-proxy-APP): the watch's go through here.
    '  map $http_user_agent $njord_probe { "~^njord-deploy-health" 1; default 0; }',
    '  access_log /dev/stdout combined if=$njord_probe;',
    '  client_max_body_size 0;',
    '  client_body_temp_path /tmp/njord-proxy-body;',
    '  proxy_temp_path /tmp/njord-proxy-temp;',
    '  map $http_upgrade $connection_upgrade { default upgrade; "" ""; }',
    ...servers,
    '}',
    '',
  ].join('\n');
}
