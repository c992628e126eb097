// A test app for the release watch: the test app's busybox httpd with a CGI health endpoint
// (/cgi-bin/health) that misbehaves the way a release does after its gate: it starts failing some
// seconds after boot, or answers slowly. /health stays a plain file, for the rollback's gate.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './process.js';
import type { SandboxInfo } from './Sandbox.js';
import { addBusybox } from './testApp.js';

/**
 * `ok`: always 200; `fails-after-5s`: 503 from 5 s after boot; `slow-1200ms`: 200 after 1.2 s;
 * `erroring`: healthy, but its /metrics count 7 errors (the others 0), for a PromQL trigger.
 */
export type WatchAppBehaviour = 'ok' | 'fails-after-5s' | 'slow-1200ms' | 'erroring';

const ENTRYPOINT = `#!/bin/sh
mkdir -p /tmp
date +%s > /tmp/boot
httpd -f -p 8080 -h /www &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit 0' TERM INT
wait $pid
`;

const HEALTH_CGI: Record<WatchAppBehaviour, string> = {
  ok: `printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nok'`,
  'fails-after-5s': [
    'if [ $(( $(date +%s) - $(cat /tmp/boot) )) -ge 5 ]; then',
    "  printf 'HTTP/1.0 503 Service Unavailable\\r\\nContent-Type: text/plain\\r\\n\\r\\nfailing'",
    'else',
    "  printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nok'",
    'fi',
  ].join('\n'),
  erroring: `printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nok'`,
  'slow-1200ms': `usleep 1200000\nprintf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nok'`,
};

/** The image in the sandbox registry (njord-test/watch:<behaviour>); the same behaviour, the same image. */
export function buildWatchAppImage(info: SandboxInfo, behaviour: WatchAppBehaviour): string {
  const ctx = mkdtempSync(join(tmpdir(), 'njord-watch-image-'));
  try {
    addBusybox(join(ctx, 'bin'));
    writeFileSync(join(ctx, 'entrypoint.sh'), ENTRYPOINT, { mode: 0o755 });
    mkdirSync(join(ctx, 'www', 'cgi-bin'), { recursive: true });
    writeFileSync(join(ctx, 'www', 'health'), behaviour);
    // Prometheus's text format: what the test's Prometheus scrapes.
    const errors = behaviour === 'erroring' ? 7 : 0;
    writeFileSync(join(ctx, 'www', 'metrics'), `# TYPE app_errors_total counter\napp_errors_total ${errors}\n`);
    writeFileSync(join(ctx, 'www', 'cgi-bin', 'health'), `#!/bin/sh\nPATH=/bin\n${HEALTH_CGI[behaviour]}\n`, {
      mode: 0o755,
    });
    writeFileSync(
      join(ctx, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY bin/ /bin/',
        'COPY entrypoint.sh /entrypoint.sh',
        'COPY www/ /www/',
        'ENV PATH=/bin',
        'EXPOSE 8080',
        'CMD ["/bin/sh", "/entrypoint.sh"]',
        '',
      ].join('\n'),
    );
    const ref = `${info.registry}/njord-test/watch:${behaviour}`;
    // The legacy builder, as buildTestImage: a docker CLI without buildx refuses BuildKit.
    run(
      'docker',
      ['build', '-q', '-t', ref, ctx],
      { env: { ...process.env, DOCKER_BUILDKIT: '0' } },
      `docker build ${ref}`,
    );
    run('docker', ['push', ref], {}, `docker push ${ref}`);
    return ref;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}
