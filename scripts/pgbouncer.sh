#!/usr/bin/env bash
# Start PgBouncer in transaction mode in front of the local PostgreSQL, as CI and the scale bench use it.
# Idempotent: installs Debian's pgbouncer if missing, does nothing if one already answers on the port.
#   bash scripts/pgbouncer.sh [PORT] [PG_HOST] [PG_PORT]   (defaults 6432 127.0.0.1 5432)
# The configuration and log go to ${PGBOUNCER_DIR:-/tmp/pgbouncer-PORT}; no systemd.
set -euo pipefail
PORT=${1:-6432}
PG_HOST=${2:-127.0.0.1}
PG_PORT=${3:-5432}
DIR=${PGBOUNCER_DIR:-/tmp/pgbouncer-$PORT}

if pg_isready -h 127.0.0.1 -p "$PORT" -q 2>/dev/null; then
  exit 0
fi
if ! command -v pgbouncer >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbouncer >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbouncer >/dev/null; }
  else
    echo "pgbouncer is not installed (apt-get install pgbouncer)" >&2
    exit 1
  fi
fi
mkdir -p "$DIR"
# the databases' own authentication applies (trust on loopback here); PgBouncer passes any user through
cat > "$DIR/userlist.txt" <<USERS
"postgres" ""
USERS
cat > "$DIR/pgbouncer.ini" <<INI
[databases]
* = host=$PG_HOST port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = trust
auth_file = $DIR/userlist.txt
pool_mode = transaction
; server connections per (database, user): what PostgreSQL's max_connections must cover across poolers
default_pool_size = 20
min_pool_size = 0
reserve_pool_size = 5
max_client_conn = 1000
max_db_connections = 40
server_reset_query =
server_check_delay = 10
; psycopg and SQLAlchemy send none of these, but JDBC-style clients do
ignore_startup_parameters = extra_float_digits,options
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
admin_users = postgres
INI
if [ "$(id -u)" = 0 ]; then
  chown -R postgres "$DIR"
  pgbouncer -d -u postgres "$DIR/pgbouncer.ini"
else
  pgbouncer -d "$DIR/pgbouncer.ini"
fi
for i in $(seq 1 30); do pg_isready -h 127.0.0.1 -p "$PORT" -q && exit 0; sleep 0.2; done
echo "pgbouncer did not start; see $DIR/pgbouncer.log" >&2
exit 1
