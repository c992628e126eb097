// The scripts that run inside a database container take its credentials from its own environment:
// the password variables the official images use, or the files their *_FILE variables name
// (Docker secrets). Run here with stand-ins for the dump tools that print what they were given.
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpers } from '../../src/backup/DatabaseDumpers.js';
import { scratchDir } from '../support/scratchDir.js';

const bin = scratchDir('njord-dumpers-');
for (const [tool, shows] of [
  ['mariadb-dump', 'MYSQL_PWD'],
  ['pg_dump', 'PGPASSWORD'],
] as const) {
  writeFileSync(join(bin, tool), `#!/bin/sh\nprintf '%s %s' "${tool}" "$${shows}"\n`);
  chmodSync(join(bin, tool), 0o755);
}
const secret = join(bin, 'secret');
writeFileSync(secret, 's3cr3t-from-file');

/** The dump script as `docker exec … sh -c` runs it, with only `env` set. */
function dump(engine: 'mysql' | 'postgres', env: Record<string, string>): string {
  const r = spawnSync('sh', ['-c', dumpers[engine].dump, 'njord-dump', 'shop'], {
    env: { PATH: `${bin}:/usr/bin:/bin`, ...env },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('database credentials from the container', () => {
  it('mysql/mariadb: the root password variable, else the file its _FILE variable names', () => {
    expect(dump('mysql', { MARIADB_ROOT_PASSWORD: 'pw' })).toBe('mariadb-dump pw');
    expect(dump('mysql', { MYSQL_ROOT_PASSWORD: 'pw2', MARIADB_ROOT_PASSWORD_FILE: secret })).toBe('mariadb-dump pw2');
    expect(dump('mysql', { MYSQL_ROOT_PASSWORD_FILE: secret })).toBe('mariadb-dump s3cr3t-from-file');
    expect(dump('mysql', { MARIADB_ROOT_PASSWORD_FILE: secret })).toBe('mariadb-dump s3cr3t-from-file');
    // A file that is not there: no password (the server may take root over its socket).
    expect(dump('mysql', { MARIADB_ROOT_PASSWORD_FILE: join(bin, 'absent') })).toBe('mariadb-dump ');
  });

  it('postgres: PGPASSWORD or POSTGRES_PASSWORD, else POSTGRES_PASSWORD_FILE', () => {
    expect(dump('postgres', { POSTGRES_PASSWORD: 'pg' })).toBe('pg_dump pg');
    expect(dump('postgres', { POSTGRES_PASSWORD_FILE: secret })).toBe('pg_dump s3cr3t-from-file');
    expect(dump('postgres', {})).toBe('pg_dump ');
  });
});
