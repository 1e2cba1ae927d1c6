#!/usr/bin/env bash
# Runs one group of the black-box acceptance suite (../shared/acceptance) against the built
# server on a free port and a fresh database. Exit 77 (skipped) when the suite is absent.
set -euo pipefail
binary=$1 group=$2
here=$(cd "$(dirname "$0")" && pwd)
suite=${CATALOG_ACCEPTANCE_DIR:-$here/../../shared/acceptance}
if [[ ! -f $suite/run.py ]]; then
  echo "acceptance suite not found at $suite: skipped"
  exit 77
fi
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cd "$work"
DATABASE_URL="sqlite:///$work/catalog.db" PORT=$port "$binary" serve >"$work/server.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$work/server.log"; exit 1; fi
  sleep 0.1
done
status=0
python3 "$suite/run.py" --base-url "http://127.0.0.1:$port" --group "$group" || status=$?
if ((status != 0)); then
  echo "--- server log ---"
  tail -n 50 "$work/server.log"
fi
exit $status
