#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server in a directory of its own, for tests, benchmarks and
# scripts/cluster.sh: never the machine's own cluster, never a fixed port.
#
#   throwaway-postgres.sh init DIR PORT   initdb into DIR/data, listening on 127.0.0.1:PORT
#   throwaway-postgres.sh start DIR       start it (waits until it accepts connections)
#   throwaway-postgres.sh stop DIR        stop it (fast shutdown)
#   throwaway-postgres.sh psql DIR SQL    run SQL as the superuser in the database "catalog"
#   throwaway-postgres.sh url DIR         the URL of the database "catalog"
#   throwaway-postgres.sh save DIR NAME   copy the stopped server's data to DIR/NAME
#   throwaway-postgres.sh restore DIR NAME  replace the stopped server's data with DIR/NAME
#
# `init` creates the superuser "postgres" with the password in DIR/password and a database
# "catalog" (UTF8). PostgreSQL refuses to run as root: as root, every command runs as the
# "postgres" user (runuser), and DIR is handed to that user.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
[[ -n $bin ]] || { echo "throwaway-postgres: PostgreSQL 15 is not installed (postgresql-15)" >&2; exit 1; }
action=${1:?usage: throwaway-postgres.sh init|start|stop|psql|url DIR ...}
dir=$(cd "${2:?a directory}" && pwd)

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
port() { cat "$dir/port"; }

case $action in
  init)
    if [[ $(id -u) -eq 0 ]] && ! runuser -u postgres -- test -x "$(dirname "$dir")"; then
      echo "throwaway-postgres: the postgres user cannot reach $(dirname "$dir")" >&2
      exit 1
    fi
    echo "${3:?a port}" >"$dir/port"
    head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$dir/password"
    if [[ $(id -u) -eq 0 ]]; then chown -R postgres "$dir"; chmod 700 "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --no-locale --no-sync \
      --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/password" >"$dir/initdb.log"
    cat >>"$dir/data/postgresql.conf" <<CONF
port = $(port)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 300
log_min_messages = warning
CONF
    ;;
  start)
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
    if ! as_owner "$bin/psql" -h "$dir" -p "$(port)" -U postgres -d postgres -Atqc \
        "SELECT 1 FROM pg_database WHERE datname = 'catalog'" | grep -q 1; then
      as_owner "$bin/psql" -h "$dir" -p "$(port)" -U postgres -d postgres -qc \
        "CREATE DATABASE catalog ENCODING 'UTF8' TEMPLATE template0" >/dev/null
    fi
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  psql)
    as_owner "$bin/psql" -h "$dir" -p "$(port)" -U postgres -d catalog -Atqc "${3:?SQL}"
    ;;
  save)
    as_owner cp -a "$dir/data" "$dir/${3:?a name}"
    ;;
  restore)
    [[ -d $dir/${3:?a name} ]] || { echo "throwaway-postgres: no copy $3" >&2; exit 1; }
    rm -rf "$dir/data"
    as_owner cp -a "$dir/$3" "$dir/data"
    ;;
  url)
    echo "postgresql://postgres:$(cat "$dir/password")@127.0.0.1:$(port)/catalog"
    ;;
  *)
    echo "throwaway-postgres: unknown action $action" >&2
    exit 2
    ;;
esac
