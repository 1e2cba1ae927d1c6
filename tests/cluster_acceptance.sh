#!/usr/bin/env bash
# Runs one group of the black-box acceptance suite (../shared/acceptance) against a follower
# of a three-node cluster on a throwaway PostgreSQL. Exit 77 (skipped) when the suite is
# absent.
set -euo pipefail
binary=$1 group=$2
here=$(cd "$(dirname "$0")" && pwd)
suite=${CATALOG_ACCEPTANCE_DIR:-$here/../../shared/acceptance}
if [[ ! -f $suite/run.py ]]; then
  echo "acceptance suite not found at $suite: skipped"
  exit 77
fi
pg=$here/../scripts/throwaway-postgres.sh
work=$(mktemp -d /tmp/catalog-acceptance.XXXXXX)
chmod 755 "$work"  # PostgreSQL runs as its own user and must reach its directory
mkdir "$work/postgres"
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$pg" stop "$work/postgres"
  rm -rf "$work"
}
trap cleanup EXIT
"$pg" init "$work/postgres" "$(free_port)"
"$pg" start "$work/postgres"
url=$("$pg" url "$work/postgres")
# Every node signs tree heads with the same key, as API.md asks of a cluster.
(umask 077 && openssl genpkey -algorithm ed25519 -out "$work/signing-key.pem")
ports=()
for i in 0 1 2; do
  port=$(free_port)
  ports+=("$port")
  mkdir "$work/node$i"
  (cd "$work/node$i" && DATABASE_URL=$url PORT=$port CATALOG_NODE_URL=http://127.0.0.1:$port \
    CATALOG_READ_MODEL=$work/node$i/read.db CATALOG_SIGNING_KEY_FILE=$work/signing-key.pem \
    exec "$binary" serve >"$work/node$i/log" 2>&1) &
  pids+=($!)
done
# A follower, once a writer is elected and every node serves.
follower=""
for _ in $(seq 1 200); do
  ready=0 writer=""
  for port in "${ports[@]}"; do
    role=$(curl -fsS "http://127.0.0.1:$port/health" 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["role"])' 2>/dev/null || true)
    [[ $role == writer || $role == follower ]] && ready=$((ready + 1))
    [[ $role == follower ]] && follower=$port
    [[ $role == writer ]] && writer=$port
  done
  ((ready == 3)) && [[ -n $writer && -n $follower ]] && break
  sleep 0.1
done
if [[ -z $follower ]]; then
  tail -n 30 "$work"/node*/log
  exit 1
fi
echo "acceptance group $group against follower http://127.0.0.1:$follower (writer :$writer)"
status=0
python3 "$suite/run.py" --base-url "http://127.0.0.1:$follower" --group "$group" || status=$?
if ((status != 0)); then
  for i in 0 1 2; do
    echo "--- node $i log ---"
    tail -n 30 "$work/node$i/log"
  done
fi
exit $status
