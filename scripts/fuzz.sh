#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang 14, ASan and UBSan in build-fuzz/,
# replays tests/fuzz/regressions/, then fuzzes each target for SECONDS (default 60), one
# after another. Artifacts of any crash, leak or time-out stay in build-fuzz/artifacts/;
# the exit status is non-zero if any target failed.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
build="$root/build-fuzz"
targets=(fuzz_http_request fuzz_json_commands fuzz_query_filter)
start=$(date +%s)

"$root/scripts/install-deps.sh" clang-14 libfuzzer-14-dev libclang-rt-14-dev

# The web assets are pinned by hash: reuse a download of the normal build rather than
# fetching the same tarballs again.
if [[ -d $root/build/web-assets/download && ! -d $build/web-assets/download ]]; then
  mkdir -p "$build/web-assets"
  cp -r "$root/build/web-assets/download" "$build/web-assets/"
fi
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -DCATALOG_FUZZ=ON -DCATALOG_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target "${targets[@]}"
built=$(date +%s)

# halt_on_error: a UBSan report is a finding, not a line to scroll past.
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/ubsan.supp"
export ASAN_OPTIONS="detect_leaks=1"
artifacts="$build/artifacts"
mkdir -p "$artifacts" "$build/logs"
failed=0
summary=()

stat() {  # stat NAME LOG: a value of libFuzzer's -print_final_stats
  sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

for target in "${targets[@]}"; do
  bin="$build/tests/fuzz/$target"
  log="$build/logs/$target.log"
  regressions="$root/tests/fuzz/regressions/$target"
  # Inputs that once crashed a target must not again; a replay takes a second.
  if compgen -G "$regressions/*" >/dev/null; then
    if ! CATALOG_FUZZ_TRAP_EXCEPTIONS=1 "$bin" -artifact_prefix="$artifacts/$target-regression-" "$regressions"/* \
      >"$build/logs/$target.regressions.log" 2>&1; then
      echo "$target: a regression input fails again, see $build/logs/$target.regressions.log"
      failed=1
    fi
  fi
  # A scratch copy: what the fuzzer adds stays out of the repository's seed corpus.
  corpus="$build/corpus/$target"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  cp "$root/tests/fuzz/corpus/$target/"* "$corpus/"
  seeds=$(find "$corpus" -type f | wc -l)
  before=$(find "$artifacts" -type f -name "$target-*" | wc -l)
  dict=()
  if [[ -f $root/tests/fuzz/$target.dict ]]; then dict=(-dict="$root/tests/fuzz/$target.dict"); fi
  status=0
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 "${dict[@]}" \
    -print_final_stats=1 -artifact_prefix="$artifacts/$target-" "$corpus" >"$log" 2>&1 || status=$?
  after=$(find "$artifacts" -type f -name "$target-*" | wc -l)
  files=$(find "$corpus" -type f | wc -l)
  line="$target: $(stat number_of_executed_units "$log") execs, $(stat average_exec_per_sec "$log") exec/s,"
  line+=" corpus $seeds -> $files, $((after - before)) crashes, exit $status"
  summary+=("$line")
  if ((status != 0 || after > before)); then
    failed=1
    echo "$target failed; the end of $log:"
    tail -n 40 "$log"
  fi
done

echo "fuzzing: build $((built - start)) s, fuzzing $(($(date +%s) - built)) s"
printf '%s\n' "${summary[@]}"
if ((failed)); then
  echo "artifacts: $artifacts (replay one with: $build/tests/fuzz/<target> <file>)"
fi
exit "$failed"
