#!/usr/bin/env bash
# Tries a cluster on one machine: a throwaway PostgreSQL and three catalog nodes sharing its
# log, each with its own read model. Installs what is missing and builds first. Ctrl-C stops
# everything and removes the directory.
#
#   scripts/cluster.sh [--nodes N] [--port P] [--dir DIR] [--keep]
#
# Nodes listen on 127.0.0.1:P, P+1, ... (default 8001); PostgreSQL on a free port. --dir
# keeps the data in DIR (default: a temporary directory); --keep leaves it after Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
nodes=3 port=8001 dir="" keep=0
while (($#)); do
  case $1 in
    --nodes) nodes=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: scripts/cluster.sh [--nodes N] [--port P] [--dir DIR] [--keep]" >&2; exit 2 ;;
  esac
done
"$root/scripts/install-deps.sh"
if [[ ! -x $root/build/catalog ]]; then
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$root/build" -j2 --target catalog
fi
binary=$root/build/catalog
[[ -n $dir ]] || dir=$(mktemp -d /tmp/catalog-cluster.XXXXXX)
chmod 755 "$dir"  # PostgreSQL runs as its own user and must reach its directory
mkdir -p "$dir/postgres"
pg=$root/scripts/throwaway-postgres.sh
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$pg" stop "$dir/postgres"
  ((keep)) || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
[[ -f $dir/postgres/port ]] || "$pg" init "$dir/postgres" "$pg_port"
"$pg" start "$dir/postgres"
url=$("$pg" url "$dir/postgres")
# One signing key for every node: their tree heads are heads of one log.
key=$dir/signing-key.pem
[[ -f $key ]] || (umask 077 && openssl genpkey -algorithm ed25519 -out "$key")
for ((i = 0; i < nodes; i++)); do
  p=$((port + i))
  mkdir -p "$dir/node$i"
  (cd "$dir/node$i" && DATABASE_URL=$url PORT=$p CATALOG_NODE_URL=http://127.0.0.1:$p \
    CATALOG_READ_MODEL=$dir/node$i/read.db CATALOG_SIGNING_KEY_FILE=$key \
    exec "$binary" serve >"$dir/node$i/log" 2>&1) &
  pids+=($!)
done
for ((i = 0; i < nodes; i++)); do
  p=$((port + i))
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$p/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
done
echo "PostgreSQL: $("$pg" url "$dir/postgres" | sed -E 's#://([^:]+):[^@]+@#://\1:***@#')"
for ((i = 0; i < nodes; i++)); do
  echo "node $i: http://127.0.0.1:$((port + i))  (log: $dir/node$i/log)"
done
curl -s "http://127.0.0.1:$port/cluster"
echo
echo "Ctrl-C stops the cluster."
wait
