#!/bin/sh
# Fuzzes one libFuzzer target of tests/fuzz for as long as asked, keeping what it learns:
#   bench/fuzz.sh TARGET [SECONDS]     (SECONDS: 3600 by default; JOBS=N for N processes,
#                                       RUNS=N to stop after N executions)
# Targets: jobfile template jsonpath values file_document serve_request lean_response
# cdp_message dns_message. Builds build-fuzz (Clang, optimised, ASan + UBSan + coverage) when needed:
# CI's build-san fuzzes too, but unoptimised, at a quarter to a third of the speed. The corpus grows
# in build-fuzz/fuzz-corpus/TARGET, seeded from tests/fuzz/corpus/TARGET; a crash is
# written to build-fuzz/fuzz-crashes/TARGET/ — minimise it (-minimize_crash=1), fix the
# bug and commit it to tests/fuzz/regressions/TARGET/, which CI replays. The last lines
# printed are libFuzzer's: executions (stat::number_of_executed_units) and coverage (cov:,
# ft:) for the closing note's table.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: bench/fuzz.sh TARGET [SECONDS]}
seconds=${2:-3600}
jobs=${JOBS:-1}
runs=${RUNS:--1}
build="$root/build-fuzz"
if [ ! -f "$build/build.ninja" ]; then
    CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGAIA_FUZZ=ON >/dev/null
fi
cmake --build "$build" --target "fuzz_$target"
corpus="$build/fuzz-corpus/$target"
crashes="$build/fuzz-crashes/$target"
mkdir -p "$corpus" "$crashes"
cp -rn "$root/tests/fuzz/corpus/$target/." "$corpus/"
[ "$target" = jobfile ] && cp -rn "$root/examples/." "$root/tests/jobfiles/broken/." "$corpus/"
dict=""
[ -f "$root/tests/fuzz/dict/$target.dict" ] && dict="-dict=$root/tests/fuzz/dict/$target.dict"
# Several processes only when asked: libFuzzer then writes each one's output to
# fuzz-N.log in the crash directory instead of the terminal.
parallel=""
[ "$jobs" -gt 1 ] && parallel="-jobs=$jobs -workers=$jobs"
cd "$crashes"
# shellcheck disable=SC2086 # empty $dict and $parallel are no arguments
ASAN_OPTIONS=detect_leaks=1 exec "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -runs="$runs" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 $parallel $dict "$corpus"
