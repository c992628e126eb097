// A PostgreSQL 15 image for the backup tests, built from Debian's packages (tests/sandbox/DebianImage.ts)
// with an entrypoint that behaves like the official image's (POSTGRES_USER / POSTGRES_DB, local trust).
import { ensureDebianImage } from './DebianImage.js';
import type { SandboxInfo } from './Sandbox.js';

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

/** The image ref (in the sandbox registry) of a PostgreSQL 15 server, built once per machine. */
export function ensurePostgresImage(info: SandboxInfo): Promise<string> {
  return ensureDebianImage(info, {
    name: 'postgres',
    tag: 'pg15-bookworm-1',
    include: ['postgresql-15'],
    // The package's own cluster: the entrypoint makes one in the volume.
    remove: ['/var/lib/postgresql/15', '/etc/postgresql/15'],
    files: { '/usr/local/bin/njord-postgres-entrypoint': ENTRYPOINT },
    changes: [
      'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'ENV PGDATA=/var/lib/postgresql/data',
      'ENV LANG=C.UTF-8',
      'CMD ["/usr/local/bin/njord-postgres-entrypoint"]',
    ],
  });
}
