// What runs inside a database container (through `docker exec`) to dump it to stdout and to load
// a dump from stdin. Credentials come from the container's own environment (the variables the
// official images use, or the files their *_FILE variables name), so none pass through the runner
// or a command line.
import type { DatabaseEngine } from './DatabaseSpec.js';

export interface Dumper {
  /** Extension of the uncompressed dump. */
  ext: string;
  /** sh script run in the container: $1 is the target (database name or file path). Dump to stdout. */
  dump: string;
  /** sh script loading the dump from stdin, or undefined when a running server cannot load one. */
  restore?: string;
  /** sh script that prints the target when the spec named none (postgres: the database). */
  resolveTarget?: string;
}

/** `p` from the variable, else read from the *_FILE one (Docker secrets, as the official images take them). */
const orFile = (file: string) => `if [ -z "$p" ] && [ -n "${file}" ] && [ -r "${file}" ]; then p=$(cat "${file}"); fi`;
const PG_ENV = `U="\${POSTGRES_USER:-postgres}"; p="\${PGPASSWORD:-\${POSTGRES_PASSWORD:-}}"; ${orFile('${POSTGRES_PASSWORD_FILE:-}')}; export PGPASSWORD="$p"`;
const MYSQL_ENV = `p="\${MYSQL_ROOT_PASSWORD:-\${MARIADB_ROOT_PASSWORD:-}}"; ${orFile('${MYSQL_ROOT_PASSWORD_FILE:-${MARIADB_ROOT_PASSWORD_FILE:-}}')}; export MYSQL_PWD="$p"`;
// The database name ($1) is data, from POSTGRES_DB or a manifest: into SQL only as an E'' literal
// (\ and ' doubled, read the same whatever standard_conforming_strings says), and to pg_dump only
// as a quoted dbname= value, since its -d takes a name holding = or postgresql:// as a connection
// string (another server, sent the password).
const PG_LITERAL = `l=$(printf '%s' "$1" | sed -e 's/\\\\/\\\\\\\\/g' -e "s/'/''/g")`;
const PG_DBNAME = `d=$(printf '%s' "$1" | sed -e 's/\\\\/\\\\\\\\/g' -e "s/'/\\\\\\\\'/g")`;
// MySQL 8 refuses to drop its system schema; the dump drops and recreates each of its tables anyway.
const SKIP_MYSQL_SCHEMA_DROP = "sed '/^\\/\\*!40000 DROP DATABASE IF EXISTS `mysql`\\*\\/;$/d'";

export const dumpers: Record<DatabaseEngine, Dumper> = {
  postgres: {
    ext: 'sql',
    resolveTarget: 'printf "%s\\n" "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}"',
    // --create --clean: the dump drops and recreates its database, so a restore is exact.
    dump: `${PG_ENV}; ${PG_DBNAME}; exec pg_dump -U "$U" --no-password --clean --if-exists --create -d "dbname='$d'"`,
    // Connected to template1, after ending the sessions on the database the dump drops.
    restore:
      `${PG_ENV}; ${PG_LITERAL}; { printf "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = E'%s' AND pid <> pg_backend_pid();\\n" "$l"; cat; }` +
      ' | psql -X -q -v ON_ERROR_STOP=1 -U "$U" --no-password -d template1 >/dev/null',
  },
  mysql: {
    ext: 'sql',
    // --add-drop-database: a restore drops what was made since (tables, views), as postgres' --clean does;
    // --flush-privileges: the restored accounts take effect at once.
    dump: `${MYSQL_ENV}; if command -v mariadb-dump >/dev/null 2>&1; then d=mariadb-dump; else d=mysqldump; fi; exec "$d" -uroot --single-transaction --routines --events --triggers --all-databases --add-drop-database --flush-privileges`,
    restore: `${MYSQL_ENV}; if command -v mariadb >/dev/null 2>&1; then c=mariadb; else c=mysql; fi; ${SKIP_MYSQL_SCHEMA_DROP} | "$c" -uroot`,
  },
  redis: {
    ext: 'rdb',
    dump: 'if [ -n "${REDIS_PASSWORD:-}" ]; then export REDISCLI_AUTH="$REDIS_PASSWORD"; fi; f=/tmp/njord-backup-$$.rdb; redis-cli --rdb "$f" >/dev/null && cat "$f"; rc=$?; rm -f "$f"; exit $rc',
  },
  sqlite: {
    ext: 'db',
    // .backup is SQLite's online backup: a consistent copy while the app keeps writing.
    dump: 'f=/tmp/njord-backup-$$.db; sqlite3 "$1" ".backup \'$f\'" && cat "$f"; rc=$?; rm -f "$f"; exit $rc',
    restore: 'f=/tmp/njord-restore-$$.db; cat > "$f" && sqlite3 "$1" ".restore \'$f\'"; rc=$?; rm -f "$f"; exit $rc',
  },
};
