// The test app: a FROM-scratch image (static busybox httpd) pushed to the sandbox registry, and a
// sample Compose project that runs it.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, staticBusybox } from './process.js';
import type { SandboxInfo } from './Sandbox.js';

export interface TestImageOptions {
  /** Repository path in the registry, e.g. 'njord-test/web'. */
  repo: string;
  tag: string;
  /** Text served at /health and written to /data/boots, e.g. 'v1'. */
  version: string;
  /** false: /www/health is absent, so GET /health answers 404 (the app still runs). Default true. */
  healthy?: boolean;
}

export interface TestImage {
  /** njord-registry:5000/njord-test/web:v1: the same name on the runner and on the servers */
  ref: string;
  /** sha256:... manifest digest in the registry */
  digest: string;
  /** njord-registry:5000/njord-test/web@sha256:... */
  refByDigest: string;
}

// The container's command: record the boot in the /data volume, then serve /www on 8080. sh stays
// PID 1 with a TERM trap so `docker stop` ends it at once instead of waiting 10 s to SIGKILL.
const ENTRYPOINT = `#!/bin/sh
mkdir -p /data
echo "$VERSION $(date)" >> /data/boots
httpd -f -p 8080 -h /www &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit 0' TERM INT
wait $pid
`;

/**
 * Builds a FROM-scratch image (static busybox, httpd on 8080 serving /www), pushes it to the sandbox
 * registry and returns its refs and manifest digest. The same inputs give the same image (the build
 * cache is keyed on content), different inputs a different one.
 */
/** A static busybox and a link for each of its applets, in `bin` (an image's /bin). */
export function addBusybox(bin: string): void {
  const busybox = staticBusybox();
  if (!busybox) throw new Error('no static busybox for a test image (apt-get install busybox-static)');
  mkdirSync(bin, { recursive: true });
  copyFileSync(busybox, join(bin, 'busybox'));
  chmodSync(join(bin, 'busybox'), 0o755);
  for (const applet of run(busybox, ['--list'], {}, 'busybox --list').split('\n')) {
    const name = applet.trim();
    if (name && name !== 'busybox' && /^[\w.[-]+$/.test(name)) symlinkSync('busybox', join(bin, name));
  }
}

export async function buildTestImage(info: SandboxInfo, opts: TestImageOptions): Promise<TestImage> {
  const healthy = opts.healthy ?? true;
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(opts.repo))
    throw new Error(`buildTestImage: bad repo '${opts.repo}'`);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(opts.tag)) throw new Error(`buildTestImage: bad tag '${opts.tag}'`);
  const ctx = mkdtempSync(join(tmpdir(), 'njord-image-'));
  try {
    addBusybox(join(ctx, 'bin'));
    writeFileSync(join(ctx, 'entrypoint.sh'), ENTRYPOINT, { mode: 0o755 });
    const www = join(ctx, 'www');
    mkdirSync(www);
    writeFileSync(
      join(www, 'index.html'),
      `<!doctype html>\n<title>njord test app</title>\n<p>njord test app ${opts.version}</p>\n`,
    );
    if (healthy) writeFileSync(join(www, 'health'), opts.version);
    writeFileSync(join(ctx, '.dockerignore'), 'Dockerfile\n.dockerignore\n');
    const label = (s: string) => JSON.stringify(s);
    writeFileSync(
      join(ctx, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY bin/ /bin/',
        'COPY entrypoint.sh /entrypoint.sh',
        `ENV PATH=/bin VERSION=${label(opts.version)}`,
        `LABEL org.opencontainers.image.title="njord-test" org.opencontainers.image.version=${label(opts.version)} dev.njord.test.healthy="${healthy}"`,
        'COPY www/ /www/',
        'EXPOSE 8080',
        'CMD ["/bin/sh", "/entrypoint.sh"]',
        '',
      ].join('\n'),
    );
    const ref = `${info.registry}/${opts.repo}:${opts.tag}`;
    // The legacy builder: a newer docker CLI without buildx refuses BuildKit, and this is all we need.
    const env = { ...process.env, DOCKER_BUILDKIT: '0' };
    run('docker', ['build', '-q', '-t', ref, ctx], { env }, `docker build ${ref}`);
    const pushOut = run('docker', ['push', ref], {}, `docker push ${ref}`);
    let digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushOut)?.[1];
    if (!digest) {
      const repoDigests = JSON.parse(
        run('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref], {}, 'docker image inspect'),
      ) as string[];
      const repoName = `${info.registry}/${opts.repo}@`;
      digest = repoDigests.find((d) => d.startsWith(repoName))?.slice(repoName.length);
    }
    if (!digest) throw new Error(`buildTestImage: no digest for ${ref} in:\n${pushOut}`);
    return { ref, digest, refByDigest: `${info.registry}/${opts.repo}@${digest}` };
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

export interface ComposeAppOptions {
  /** Host port on 127.0.0.1 mapped to the app's 8080. */
  port: number;
  /** Add a Docker healthcheck that GETs /health inside the container. */
  withHealthcheck?: boolean;
  /** Name of the secret env var passed through to the container (default APP_SECRET). */
  secretVar?: string;
}

/**
 * Writes a sample Compose project (docker-compose.yml) into `dir`: service `web` with
 * `image: ${IMAGE}`, the port on 127.0.0.1, a named volume `data` at /data, and the secret passed
 * through from the environment. Returns the compose file's path.
 */
export function writeComposeApp(dir: string, opts: ComposeAppOptions): string {
  const secret = opts.secretVar ?? 'APP_SECRET';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(secret)) throw new Error(`writeComposeApp: bad secretVar '${secret}'`);
  const lines = [
    'version: "3.8"',
    'services:',
    '  web:',
    '    image: ${IMAGE}',
    '    ports:',
    `      - "127.0.0.1:${opts.port}:8080"`,
    '    volumes:',
    '      - data:/data',
    '    environment:',
    `      ${secret}: \${${secret}:-}`,
  ];
  if (opts.withHealthcheck) {
    lines.push(
      '    healthcheck:',
      '      test: ["CMD", "/bin/busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:8080/health"]',
      '      interval: 2s',
      '      timeout: 2s',
      '      retries: 3',
      '      start_period: 2s',
    );
  }
  lines.push('volumes:', '  data: {}', '');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'docker-compose.yml');
  writeFileSync(file, lines.join('\n'));
  return file;
}
