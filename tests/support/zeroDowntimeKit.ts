// Shared by the zero-downtime test, bench and demo: an app whose image answers fast at / and in
// 2 s at /cgi-bin/slow (busybox httpd, CGI), the proxy image, and a bounded load on the server's
// loopback (where the app's port is) that records every answer.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addBusybox, onServer, type SandboxInfo } from '../sandbox/Sandbox.js';
import { run } from '../sandbox/process.js';
import { ensureProxyImage } from '../sandbox/ProxyImage.js';

export { ensureProxyImage };

const ENTRYPOINT = `#!/bin/sh
httpd -f -p 8080 -h /www &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit 0' TERM INT
wait $pid
`;

const SLOW = `#!/bin/sh
sleep 2
printf 'Content-Type: text/plain\\r\\n\\r\\n%s slow' "$VERSION"
`;

/** The app serving `version` (at / and, after 2 s, at /cgi-bin/slow); unhealthy: /health is 404. */
export function buildSlowApp(info: SandboxInfo, repo: string, version: string, healthy = true): string {
  const ctx = mkdtempSync(join(tmpdir(), 'njord-zd-image-'));
  try {
    addBusybox(join(ctx, 'bin'));
    writeFileSync(join(ctx, 'entrypoint.sh'), ENTRYPOINT, { mode: 0o755 });
    mkdirSync(join(ctx, 'www', 'cgi-bin'), { recursive: true });
    writeFileSync(join(ctx, 'www', 'index.html'), version);
    if (healthy) writeFileSync(join(ctx, 'www', 'health'), version);
    writeFileSync(join(ctx, 'www', 'cgi-bin', 'slow'), SLOW);
    chmodSync(join(ctx, 'www', 'cgi-bin', 'slow'), 0o755);
    writeFileSync(
      join(ctx, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY bin/ /bin/',
        'COPY entrypoint.sh /entrypoint.sh',
        'COPY www/ /www/',
        `ENV PATH=/bin VERSION=${JSON.stringify(version)}`,
        'CMD ["/bin/sh", "/entrypoint.sh"]',
        '',
      ].join('\n'),
    );
    const ref = `${info.registry}/${repo}:${version}`;
    run('docker', ['build', '-q', '-t', ref, ctx], { env: { ...process.env, DOCKER_BUILDKIT: '0' } }, 'docker build');
    run('docker', ['push', ref], {}, `docker push ${ref}`);
    return ref;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

/** A compose file with the one service `web` on 127.0.0.1:port, and a `worker` updated in place. */
export function writeSlowApp(dir: string, port: number): void {
  writeFileSync(
    join(dir, 'docker-compose.yml'),
    [
      'version: "3.8"',
      'services:',
      '  web:',
      '    image: ${IMAGE}',
      '    ports:',
      `      - "127.0.0.1:${port}:8080"`,
      '  worker:',
      '    image: ${IMAGE}',
      '',
    ].join('\n'),
  );
}

export interface Load {
  /** Ends the loops and reads what they recorded. */
  stop(): LoadCounts;
}

export interface LoadCounts {
  fast: number;
  slow: number;
  /** Answers that were not 200, as `code body` lines. */
  failed: string[];
  /** How many answers each version gave (the body's first word). */
  versions: Record<string, number>;
}

/**
 * On the server: fast requests (50 a second, at `fastPath`) and two loops of 2-second ones, each a new connection,
 * until stopped; bounded at `maxSeconds` whatever happens.
 */
export function startLoad(
  server: string,
  port: number,
  tag: string,
  maxSeconds = 600,
  withSlow = true,
  fastPath = '/',
): Load {
  const dir = `/tmp/njord-zd-load-${tag}`;
  // One curl per batch (a new connection per request: busybox httpd closes each), paced by --rate.
  const loop = (name: string, path: string, rate: string, batch: number) =>
    `( end=$(( $(date +%s) + ${maxSeconds} )); while [ ! -e ${dir}/stop ] && [ $(date +%s) -lt $end ]; do ` +
    `curl -s --rate ${rate} --max-time 10 -w ' %{http_code}\\n' 'http://127.0.0.1:${port}${path}?[1-${batch}]' >> ${dir}/${name}.log; ` +
    `done ) >/dev/null 2>&1 &`;
  onServer(
    server,
    `rm -rf ${dir} && mkdir -p ${dir} && ${loop('fast', fastPath, '50/s', 100)} ${withSlow ? `${loop('slow1', '/cgi-bin/slow', '100/s', 1)} ${loop('slow2', '/cgi-bin/slow', '100/s', 1)}` : ''} true`,
    { user: 'root' },
  );
  return {
    stop() {
      // Let the slow requests under way finish: the loops check the stop file between requests.
      const out = onServer(
        server,
        `touch ${dir}/stop; sleep 4; cat ${dir}/fast.log; echo ===; cat ${dir}/slow1.log ${dir}/slow2.log 2>/dev/null; rm -rf ${dir}`,
        {
          user: 'root',
        },
      );
      const [fast = '', slow = ''] = out.split('===\n');
      // A record ends with ' CODE' (the bodies carry no newline; an error page's last line does).
      const records = (s: string) => s.split('\n').flatMap((l) => (/ \d{3}$/.test(l) ? [l.trim()] : []));
      const counts: LoadCounts = { fast: records(fast).length, slow: records(slow).length, failed: [], versions: {} };
      for (const l of [...records(fast), ...records(slow)]) {
        const words = l.split(/\s+/);
        const code = words.at(-1);
        // A body of several lines (an HTML page) leaves the code alone on its line: version '?'.
        const version = words.length > 1 ? words[0]! : '?';
        if (code !== '200') counts.failed.push(l);
        else counts.versions[version] = (counts.versions[version] ?? 0) + 1;
      }
      return counts;
    },
  };
}

/** Removes the app's proxy (the sandbox suite's removeApp takes away the rest). */
export function removeProxy(server: string, app: string): void {
  onServer(server, `docker rm -f njord-proxy-${app} >/dev/null 2>&1 || true`, { user: 'root' });
}
