// A PostgreSQL 15 image for the backup tests, built here from Debian's packages (Docker Hub is
// unreachable): debootstrap a minimal bookworm with postgresql-15 into a folder, add an entrypoint
// that behaves like the official image's (POSTGRES_USER / POSTGRES_DB, local trust), then
// `docker import` it and push it to the sandbox registry. The registry keeps it between runs, so the
// minute-long build happens once per machine.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { sh, SANDBOX_STATE_DIR, type SandboxInfo } from './Sandbox.js';

/** Bump when the recipe changes: the tag is the cache key. */
const RECIPE = 'pg15-bookworm-1';

const ENTRYPOINT = `#!/bin/sh
# Like the official image: initialise on first start, then run postgres as PID 1 (via setpriv).
set -e
BIN=/usr/lib/postgresql/15/bin
PGDATA=\${PGDATA:-/var/lib/postgresql/data}
U=\${POSTGRES_USER:-postgres}
DB=\${POSTGRES_DB:-$U}
mkdir -p "$PGDATA" /run/postgresql
chown -R postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  as_pg "$BIN/initdb" -D "$PGDATA" -U "$U" --auth=trust --encoding=UTF8 >/dev/null
  if [ "$DB" != postgres ]; then
    echo "CREATE DATABASE \\"$DB\\"" | as_pg "$BIN/postgres" --single -D "$PGDATA" postgres >/dev/null
  fi
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups "$BIN/postgres" -D "$PGDATA" -c listen_addresses=''
`;

/** The Debian mirror apt is configured with (deb822 or one-line sources). */
function debianMirror(): string {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) for (const f of readdirSync(dir)) if (/\.(list|sources)$/.test(f)) files.push(join(dir, f));
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    const uri =
      /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+/m.exec(text);
    if (uri) return uri[1]!;
  }
  return 'http://deb.debian.org/debian';
}

function imageExists(ref: string): boolean {
  return spawnSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0;
}

/** Serialises builds across processes (a test run and a bench may start together). */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = join(SANDBOX_STATE_DIR, 'postgres-image.lock');
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`ensurePostgresImage: ${lock} held too long; remove it if stale`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * The image ref (in the sandbox registry) of a PostgreSQL 15 server: local image, else pulled from
 * the sandbox registry, else built with debootstrap (about a minute) and pushed.
 */
export async function ensurePostgresImage(info: SandboxInfo): Promise<string> {
  const ref = `${info.registry}/njord-test/postgres:${RECIPE}`;
  if (imageExists(ref)) return ref;
  return withBuildLock(async () => {
    if (imageExists(ref)) return ref;
    if (spawnSync('docker', ['pull', '-q', ref], { stdio: 'ignore' }).status === 0) return ref;
    if (spawnSync('sh', ['-c', 'command -v debootstrap'], { stdio: 'ignore' }).status !== 0)
      sh('DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q debootstrap', {
        timeoutMs: 10 * 60_000,
      });
    mkdirSync(SANDBOX_STATE_DIR, { recursive: true });
    const root = mkdtempSync(join(SANDBOX_STATE_DIR, 'pg-rootfs-'));
    try {
      sh(
        `debootstrap --variant=minbase --include=postgresql-15 bookworm ${root} ${debianMirror()} > ${root}.log 2>&1 || { tail -30 ${root}.log; exit 1; }`,
        { timeoutMs: 15 * 60_000 },
      );
      // The package's own cluster and the download cache are dead weight in the image.
      sh(
        `rm -rf ${root}/var/lib/postgresql/15 ${root}/etc/postgresql/15 ${root}/var/cache/apt/archives/*.deb ${root}/var/lib/apt/lists/* ${root}/usr/share/doc ${root}/usr/share/man ${root}/usr/share/locale`,
      );
      const entry = join(root, 'usr/local/bin/njord-postgres-entrypoint');
      writeFileSync(entry, ENTRYPOINT);
      chmodSync(entry, 0o755);
      const changes = [
        'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'ENV PGDATA=/var/lib/postgresql/data',
        'ENV LANG=C.UTF-8',
        'CMD ["/usr/local/bin/njord-postgres-entrypoint"]',
      ]
        .map((c) => `--change '${c}'`)
        .join(' ');
      sh(`tar -C ${root} -c . | docker import ${changes} - ${ref} >/dev/null`, { timeoutMs: 10 * 60_000 });
      sh(`docker push ${ref} >/dev/null`, { timeoutMs: 10 * 60_000 });
      return ref;
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(`${root}.log`, { force: true });
    }
  });
}
