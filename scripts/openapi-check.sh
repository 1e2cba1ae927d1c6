#!/usr/bin/env bash
# Checks that /openapi.json is a clean OpenAPI document and that it tells the truth:
#   1. starts the built server on a free port and a fresh database, fetches /openapi.json;
#   2. `redocly lint` with the recommended rules (redocly.yaml: less no-path-trailing-slash)
#      must find no error;
#   3. runs the acceptance suite (../shared/acceptance) through Stoplight Prism's validating
#      proxy; every answer that violates the document fails the check
#      (tools/openapi/prism_acceptance.py).
# The npm tools are pinned in tools/openapi/package-lock.json and installed there with
# `npm ci` (once per lock file). Exit 77 (skipped) when Node.js is missing or too old for
# them, or when the acceptance suite is absent (after the lint has passed).
#
#   scripts/openapi-check.sh [path/to/catalog]     (default: build/catalog)
#
# CATALOG_OPENAPI_GROUPS picks the suite's groups (default: core events ops retries).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${1:-$root/build/catalog}
tools=$root/tools/openapi
suite=${CATALOG_ACCEPTANCE_DIR:-$root/../shared/acceptance}
read -r -a groups <<<"${CATALOG_OPENAPI_GROUPS:-core events ops retries}"
started=$SECONDS

if [[ ! -x $binary ]]; then
  echo "no server binary at $binary: build it first" >&2
  exit 1
fi
binary=$(realpath "$binary")  # the server runs in its own directory

# @redocly/cli 2.x wants Node.js >=20.19 <21 or >=22.12 and npm >=10; @stoplight/prism-cli
# 5.14.2 wants >=18.20.1 (5.15 and later want 24). Debian 12's own nodejs is 18.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "skipped: node and npm are needed for redocly and prism (scripts/install-deps.sh)"
  exit 77
fi
if ! node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  process.exit((major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22 ? 0 : 1);
'; then
  echo "skipped: Node.js $(node --version) is too old for @redocly/cli 2.x" \
    "(needs >=20.19 <21 or >=22.12)"
  exit 77
fi
if (($(npm --version | cut -d. -f1) < 10)); then
  echo "skipped: npm $(npm --version) is too old for @redocly/cli 2.x (needs >=10)"
  exit 77
fi

# npm ci wipes node_modules: only when the lock file changed since the last install.
lock_sum=$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)
stamp=$tools/node_modules/.catalog-lock-sha256
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_sum" || ! -x $tools/node_modules/.bin/prism ]]; then
  echo "--- npm ci in tools/openapi"
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$stamp"
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() {  # url pid log
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then
      cat "$3"
      return 1
    fi
    sleep 0.1
  done
  echo "$1 did not answer in 15 s"
  tail -n 30 "$3"
  return 1
}

work=$(mktemp -d)
server_pid="" prism_pid=""
cleanup() {
  for pid in $prism_pid $server_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
(cd "$work" && exec env DATABASE_URL="sqlite:///$work/catalog.db" PORT=$port "$binary" serve) \
  >"$work/server.log" 2>&1 &
server_pid=$!
wait_for "http://127.0.0.1:$port/health" "$server_pid" "$work/server.log"
curl -fsS "http://127.0.0.1:$port/openapi.json" -o "$work/openapi.json"

echo "--- redocly lint /openapi.json (redocly.yaml)"
lint=0
"$tools/node_modules/.bin/redocly" lint "$work/openapi.json" --config "$root/redocly.yaml" \
  --format=stylish >"$work/lint.txt" 2>&1 || lint=$?
# Less the banner that asks Node.js 20 users to upgrade.
grep -v '[║╔╚]' "$work/lint.txt" | grep -v '^$' || true
if ((lint != 0)); then
  echo "FAIL: redocly lint found errors in /openapi.json"
  exit 1
fi

if [[ ! -f $suite/run.py ]]; then
  echo "lint passed; acceptance suite not found at $suite: the check through prism is skipped"
  exit 77
fi

echo "--- prism proxy in front of the server"
pport=$(free_port)
# Not through npx: npx would leave prism running as its child when stopped.
"$tools/node_modules/.bin/prism" proxy "$work/openapi.json" "http://127.0.0.1:$port" \
  --port "$pport" --host 127.0.0.1 --cors=false --errors=false >"$work/prism.log" 2>&1 &
prism_pid=$!
wait_for "http://127.0.0.1:$pport/health" "$prism_pid" "$work/prism.log"

status=0
python3 "$tools/prism_acceptance.py" --suite "$suite" --prism "http://127.0.0.1:$pport" \
  --direct "http://127.0.0.1:$port" "${groups[@]}" || status=$?
if ((status != 0)); then
  echo "--- prism's log (violations)"
  grep -a 'VALIDATOR\|error' "$work/prism.log" | tail -n 40 || true
  echo "--- server log"
  tail -n 30 "$work/server.log"
  echo "FAIL: /openapi.json does not describe what the server answers"
else
  echo "OK: redocly lint clean; every answer prism checked matches /openapi.json" \
    "($((SECONDS - started)) s)"
fi
exit $status
