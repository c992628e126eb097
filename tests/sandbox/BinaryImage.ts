// Service images for the database dumper tests, built FROM scratch out of this machine's Debian
// binaries (Docker Hub is unreachable): each binary at its own path with the shared libraries ldd
// finds for it, a static busybox for sh and the rest, /tmp, and a PID 1 that idles until stopped.
// Pushed to the sandbox registry, tagged with the package versions, so a build happens once.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { addBusybox, sh, type SandboxInfo } from './Sandbox.js';

export interface BinaryImageOptions {
  /** Repository in the sandbox registry, e.g. njord-test/sqlite. */
  repo: string;
  /** Absolute paths of the binaries, as installed (or unpacked under `root`). */
  binaries: string[];
  /** Where the binaries were unpacked (dpkg-deb -x); its library folders are searched first. */
  root?: string;
  /** Part of the tag: what the image holds (package versions). */
  version: string;
  /** Runs as PID 1 under busybox sh; default: idle until stopped. */
  command?: string;
}

/** Runs until docker stop: sh as PID 1 ignores SIGTERM unless it traps it. */
const IDLE = 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done';

/** The shared objects `binary` loads (and its dynamic loader), as ldd resolves them. */
function sharedLibraries(binary: string, root?: string): string[] {
  const libPath = root ? `${root}/usr/lib/x86_64-linux-gnu:${root}/lib/x86_64-linux-gnu` : '';
  const out = sh(`LD_LIBRARY_PATH=${libPath} ldd ${binary}`);
  if (/not found/.test(out)) throw new Error(`${binary} needs libraries this machine lacks:\n${out}`);
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
}

/** The image's ref in the sandbox registry: found there, or built and pushed. */
export function ensureBinaryImage(info: SandboxInfo, o: BinaryImageOptions): string {
  const ref = `${info.registry}/${o.repo}:${o.version.replace(/[^A-Za-z0-9_.-]+/g, '-')}`;
  // The servers pull it from the registry: a local copy counts only once it is pushed.
  if (
    spawnSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0 &&
    spawnSync('docker', ['push', ref], { stdio: 'ignore' }).status === 0
  )
    return ref;
  if (spawnSync('docker', ['pull', '-q', ref], { stdio: 'ignore' }).status === 0) return ref;
  const ctx = mkdtempSync(join(tmpdir(), 'njord-binimage-'));
  try {
    const fs = join(ctx, 'fs');
    addBusybox(join(fs, 'bin'));
    for (const bin of o.binaries) {
      const files = [bin, ...sharedLibraries(bin, o.root)];
      for (const f of files) {
        // An unpacked binary goes to its installed path; a library from root to the same path as on a host.
        const at = o.root && f.startsWith(o.root + '/') ? f.slice(o.root.length) : f;
        mkdirSync(dirname(join(fs, at)), { recursive: true });
        copyFileSync(f, join(fs, at));
        chmodSync(join(fs, at), 0o755);
      }
    }
    mkdirSync(join(fs, 'tmp'));
    chmodSync(join(fs, 'tmp'), 0o1777);
    mkdirSync(join(fs, 'data'));
    writeFileSync(
      join(ctx, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY fs/ /',
        'ENV PATH=/usr/bin:/bin',
        `CMD ["/bin/sh", "-c", ${JSON.stringify(o.command ?? IDLE)}]`,
        '',
      ].join('\n'),
    );
    sh(`DOCKER_BUILDKIT=0 docker build -q -t ${ref} ${ctx} >/dev/null && docker push ${ref} >/dev/null`);
    return ref;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

/** Debian's sqlite3 shell (installed with apt-get when missing). */
export function ensureSqliteImage(info: SandboxInfo): string {
  sh(
    'command -v sqlite3 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q sqlite3 >/dev/null',
    { timeoutMs: 10 * 60_000 },
  );
  const version = sh("dpkg-query -W -f '${Version}' sqlite3").trim();
  return ensureBinaryImage(info, { repo: 'njord-test/sqlite', binaries: ['/usr/bin/sqlite3'], version });
}

/** Debian's redis-server and redis-cli, unpacked from their packages (never installed here). */
export function ensureRedisImage(info: SandboxInfo): string {
  const packages = ['redis-server', 'redis-tools', 'libjemalloc2', 'liblzf1'];
  const version = sh("apt-cache policy redis-tools | awk '/Candidate:/ { print $2 }'").trim();
  const ref = `${info.registry}/njord-test/redis:${version.replace(/[^A-Za-z0-9_.-]+/g, '-')}`;
  // The servers pull it from the registry: a local copy counts only once it is pushed.
  if (
    spawnSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0 &&
    spawnSync('docker', ['push', ref], { stdio: 'ignore' }).status === 0
  )
    return ref;
  const dir = mkdtempSync(join(tmpdir(), 'njord-redis-debs-'));
  try {
    sh(
      `cd ${dir} && apt-get download ${packages.join(' ')} >/dev/null 2>&1 && for f in *.deb; do dpkg-deb -x "$f" root; done`,
      {
        timeoutMs: 10 * 60_000,
      },
    );
    return ensureBinaryImage(info, {
      repo: 'njord-test/redis',
      root: join(dir, 'root'),
      binaries: ['redis-server', 'redis-cli', 'redis-check-rdb'].map((b) => join(dir, 'root/usr/bin', b)),
      version,
      command: 'exec redis-server --dir /data --protected-mode no',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
