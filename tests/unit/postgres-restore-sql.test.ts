// The PostgreSQL database name comes from the backup's manifest (the container's POSTGRES_DB when
// it was taken): whatever it holds, the restore's SQL gets it as one quoted literal and pg_dump as
// one database name (never a connection string), and no shell along the way runs any of it.
// Run with the local sh, through a stand-in docker that runs the command as `docker exec` would,
// and stand-ins for psql and pg_dump that record what they were given.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressors } from '../../src/backup/Compression.js';
import { dumpers } from '../../src/backup/DatabaseDumpers.js';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { databaseSource } from '../../src/remote/backup/DatabaseCommands.js';
import { RestoreCommands } from '../../src/remote/backup/RestoreCommands.js';
import { scratchDir } from '../support/scratchDir.js';

const root = scratchDir('njord-pg-names-');
const bin = join(root, 'bin');
mkdirSync(bin);
const stub = (name: string, body: string) => {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
};
// `docker exec -i <container> cmd…` runs cmd… here.
stub('docker', '[ "$1" = exec ] || exit 1; shift; [ "$1" = -i ] && shift; shift; exec "$@"');
stub('psql', `printf '%s\\n' "$@" > "${root}/psql.args"; cat > "${root}/psql.sql"`);
stub('pg_dump', `printf '%s\\n' "$@" > "${root}/pg_dump.args"; echo '-- dump'`);
const env = { PATH: `${bin}:/usr/bin:/bin` };

const marker = join(root, 'ran');
const NAMES = [
  'shop',
  "it's",
  `x'; DROP DATABASE shop; --`,
  `x\\'; DROP DATABASE shop; --`,
  `"quoted" 50% $(touch ${marker}) \`touch ${marker}\``,
  'host=evil.example port=5432 dbname=shop',
  'postgresql://evil.example/shop',
];

/** The SQL literal PostgreSQL reads as `name`, whatever standard_conforming_strings says. */
const literal = (name: string) => `E'${name.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

describe('the PostgreSQL restore', () => {
  const layout = new ReleaseLayout(join(root, 'app'));
  const id = '20261201-010000-000';
  mkdirSync(layout.backup(id), { recursive: true });
  writeFileSync(join(layout.backup(id), 'database-db.sql.gz'), gzipSync('CREATE TABLE t (a int);\n'));

  for (const name of NAMES)
    it(`ends the sessions of ${JSON.stringify(name)} by a quoted literal, then loads the dump`, () => {
      const script = new RestoreCommands(layout, 'tok').database({
        id,
        file: 'database-db.sql.gz',
        containerId: 'c0ffee',
        restoreScript: dumpers.postgres.restore!,
        target: name,
        compressor: compressors.gzip,
        encrypted: false,
      });
      const r = spawnSync('sh', ['-c', script], { env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(existsSync(marker)).toBe(false);
      expect(readFileSync(join(root, 'psql.sql'), 'utf8')).toBe(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${literal(name)} AND pid <> pg_backend_pid();\n` +
          'CREATE TABLE t (a int);\n',
      );
      expect(readFileSync(join(root, 'psql.args'), 'utf8')).toContain('-d\ntemplate1\n');
    });
});

describe('the PostgreSQL dump', () => {
  /** A connection-string value: single-quoted, with \ and ' escaped by a backslash. */
  const conninfo = (name: string) => `dbname='${name.replace(/[\\']/g, (c) => `\\${c}`)}'`;

  for (const name of NAMES)
    it(`dumps ${JSON.stringify(name)} as a database name, not a connection string`, () => {
      const dump = cmd('c0ffee', name);
      const r = spawnSync('sh', ['-c', dump], { env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('-- dump\n');
      expect(existsSync(marker)).toBe(false);
      expect(readFileSync(join(root, 'pg_dump.args'), 'utf8').split('\n')).toContain(conninfo(name));
    });

  function cmd(container: string, target: string): string {
    const src = databaseSource(container, dumpers.postgres.dump, target);
    if (!('cmd' in src)) throw new Error('a database source is a command');
    return src.cmd;
  }
});
