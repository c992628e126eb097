// A Prometheus for the release watch's PromQL triggers, built from Debian's `prometheus` package
// (tests/sandbox/DebianImage.ts). It scrapes the compose service `web` on 8080 every second and
// answers on 9090; the tests run it as a service of the app, on the server's loopback.
import { ensureDebianImage } from './DebianImage.js';
import type { SandboxInfo } from './Sandbox.js';

const CONFIG = `global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: app
    static_configs:
      - targets: ['web:8080']
`;

const ENTRYPOINT = `#!/bin/sh
exec /usr/bin/prometheus --config.file=/etc/prometheus/njord.yml --storage.tsdb.path=/tmp/prometheus \\
  --web.listen-address=:9090
`;

/** The image ref (in the sandbox registry) of Prometheus 2.42 from bookworm, built once per machine. */
export function ensurePrometheusImage(info: SandboxInfo): Promise<string> {
  return ensureDebianImage(info, {
    name: 'prometheus',
    tag: 'prometheus-bookworm-1',
    include: ['prometheus'],
    // The package's own config and data: the entrypoint gives its own.
    remove: ['/etc/prometheus/prometheus.yml', '/var/lib/prometheus/*'],
    files: { '/etc/prometheus/njord.yml': CONFIG, '/usr/local/bin/njord-prometheus-entrypoint': ENTRYPOINT },
    changes: ['CMD ["/usr/local/bin/njord-prometheus-entrypoint"]'],
  });
}
