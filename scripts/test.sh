#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test: Catch2 unit tests,
# integration tests against the real binary, the acceptance suite of ../shared/acceptance,
# the crash test, then each libFuzzer target for CATALOG_FUZZ_SECONDS (default 40) under
# ASan + UBSan (scripts/fuzz.sh). Pass --sanitize for an AddressSanitizer + UBSan build of
# the service and its tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
flags=(-DCMAKE_BUILD_TYPE=Release -DCATALOG_TESTS=ON)
if [[ ${1:-} == --sanitize ]]; then
  build="$root/build-sanitize"
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCATALOG_SANITIZE=ON -DCATALOG_TESTS=ON)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/ubsan.supp
fi
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" "${flags[@]}" >/dev/null
cmake --build "$build" -j2
cd "$build"
ctest --output-on-failure -j2 --timeout 600 --no-tests=error
"$root/scripts/fuzz.sh" "${CATALOG_FUZZ_SECONDS:-40}"
