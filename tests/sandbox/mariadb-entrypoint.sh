#!/bin/sh
# Like the official mariadb image: on first start initialise the data directory, give root@localhost
# and root@'%' the password from MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD), create
# MARIADB_DATABASE (or MYSQL_DATABASE); then run mariadbd in the foreground as PID 1.
# The password goes to the server on stdin only, never on a command line.
set -e
DATADIR=/var/lib/mysql
PW=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
DB=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
mkdir -p "$DATADIR" /run/mysqld
chown -R mysql:mysql "$DATADIR" /run/mysqld

# One line of SQL; printf, not echo: dash's echo would take the escaped backslashes as escapes.
sql() { printf '%s\n' "$1"; }
# A SQL string literal: backslashes and quotes escaped (printf is a builtin, so no argv holds it).
literal() { printf "'%s'" "$(printf '%s' "$1" | sed -e "s/[\\\\']/\\\\&/g")"; }

if [ ! -d "$DATADIR/mysql" ]; then
  if [ -z "$PW" ] && [ -z "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-}" ]; then
    echo 'njord-mariadb: set MARIADB_ROOT_PASSWORD (or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1)' >&2
    exit 1
  fi
  # normal: root@localhost authenticates by password, not by being uid 0 on the socket.
  mariadb-install-db --user=mysql --datadir="$DATADIR" --auth-root-authentication-method=normal \
    --skip-test-db >/dev/null
  sock=/run/mysqld/init.sock
  mariadbd --user=mysql --datadir="$DATADIR" --skip-networking --socket="$sock" &
  pid=$!
  i=0
  until mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -lt 600 ] || { echo 'njord-mariadb: the server did not start' >&2; exit 1; }
    sleep 0.1
  done
  {
    sql "DROP USER IF EXISTS root@'127.0.0.1', root@'::1';"
    sql "EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@''', @@hostname, '''');"
    sql "SET PASSWORD FOR root@localhost = PASSWORD($(literal "$PW"));"
    sql "CREATE USER root@'%' IDENTIFIED BY $(literal "$PW");"
    sql "GRANT ALL ON *.* TO root@'%' WITH GRANT OPTION;"
    if [ -n "$DB" ]; then
      sql "CREATE DATABASE IF NOT EXISTS \`$(printf '%s' "$DB" | sed -e 's/`/``/g')\`;"
    fi
  } | mariadb --socket="$sock" -uroot --binary-mode
  kill "$pid"
  wait "$pid" || true
fi
exec mariadbd --user=mysql --datadir="$DATADIR"
