#!/usr/bin/env bash
# Installs what is missing, builds the service (Release) and starts it on its defaults:
# http://127.0.0.1:8000 with the SQLite database ./catalog.db (see README for settings).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DCATALOG_TESTS=OFF >/dev/null
cmake --build "$root/build" -j2 --target catalog
exec "$root/build/catalog" serve "$@"
