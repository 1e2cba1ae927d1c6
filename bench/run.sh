#!/usr/bin/env bash
# The benchmark in one command: builds Release (and the ceiling server), then runs
# bench/bench.py: the service, the HTTP ceiling and the FastAPI original (../shared/peers)
# side by side, one table. Options go to bench.py, e.g. --products 1000000 --no-peer.
# Run it with nothing else running: the machine's two cores are the resource measured.
# `bench/run.sh --cluster [options of bench/cluster.py]` runs the cluster benchmark instead:
# three nodes on a throwaway PostgreSQL beside a single SQLite node. `bench/run.sh --notifier
# [options of bench/notifier.py]` runs the notifier's: the bot's subscribers and writes
# with Telegram down.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" wrk
cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DCATALOG_TESTS=OFF \
  -DCATALOG_BENCH=ON >/dev/null
cmake --build "$root/build-release" -j2 --target catalog catalog_ceiling catalog_fake_bot
if [[ ${1:-} == --notifier ]]; then
  shift
  exec python3 "$root/bench/notifier.py" "$@"
fi
if [[ ${1:-} == --cluster ]]; then
  shift
  exec python3 "$root/bench/cluster.py" "$@"
fi
exec python3 "$root/bench/bench.py" "$@"
