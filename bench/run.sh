#!/usr/bin/env bash
# The benchmark in one command: builds Release (and the ceiling server), then runs
# bench/bench.py: the service, the HTTP ceiling and the FastAPI original (../shared/peers)
# side by side, one table. Options go to bench.py, e.g. --products 1000000 --no-peer.
# Run it with nothing else running: the machine's two cores are the resource measured.
# `bench/run.sh --cluster [options of bench/cluster.py]` runs the cluster benchmark instead:
# three nodes on a throwaway PostgreSQL beside a single SQLite node. `bench/run.sh --notifier
# [options of bench/notifier.py]` runs the notifier's: the bot's subscribers and writes
# with Telegram down. `bench/run.sh --proofs [options of bench/proofs.py]` runs the audit
# proofs' (the Merkle tree at 1,000,000 events), against the commit before the tree, built in a
# worktree beside this one (BENCH_BASE_DIR, default ../bench-base). `bench/run.sh --large
# [options of bench/large.py]` runs the large catalog's (1,000,000 products, each goal beside
# its figure; the seeded catalog is cached in ../bench-cache).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" wrk
cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DCATALOG_TESTS=OFF \
  -DCATALOG_BENCH=ON >/dev/null
cmake --build "$root/build-release" -j2 --target catalog catalog_ceiling catalog_fake_bot
if [[ ${1:-} == --proofs ]]; then
  shift
  base=${BENCH_BASE_DIR:-$(dirname "$root")/bench-base}
  base_commit=28170b5
  if [[ ! -d $base ]]; then
    git -C "$root" worktree add --detach "$base" "$base_commit"
  fi
  if [[ $(git -C "$base" rev-parse HEAD) != $(git -C "$root" rev-parse "$base_commit") ]]; then
    echo "bench/run.sh: $base is not at $base_commit" >&2
    exit 1
  fi
  # The pinned web assets, if this tree has them already: the base build then needs no network.
  if [[ -d $root/build-release/web-assets/download ]]; then
    mkdir -p "$base/build-release/web-assets"
    cp -rn "$root/build-release/web-assets/download" "$base/build-release/web-assets/"
  fi
  cmake -S "$base" -B "$base/build-release" -DCMAKE_BUILD_TYPE=Release -DCATALOG_TESTS=OFF \
    >/dev/null
  cmake --build "$base/build-release" -j2 --target catalog
  cmake --build "$root/build-release" -j2 --target catalog_proof_bench
  exec python3 "$root/bench/proofs.py" --before-binary "$base/build-release/catalog" "$@"
fi
if [[ ${1:-} == --large ]]; then
  shift
  cmake --build "$root/build-release" -j2 --target catalog_seed_log
  exec python3 "$root/bench/large.py" "$@"
fi
if [[ ${1:-} == --notifier ]]; then
  shift
  exec python3 "$root/bench/notifier.py" "$@"
fi
if [[ ${1:-} == --cluster ]]; then
  shift
  exec python3 "$root/bench/cluster.py" "$@"
fi
exec python3 "$root/bench/bench.py" "$@"
