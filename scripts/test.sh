#!/bin/sh
# Installs what is missing, builds gaia twice — plainly (the compiler by default, g++),
# and with Clang, AddressSanitizer + UndefinedBehaviorSanitizer and the libFuzzer targets
# of tests/fuzz — and runs every test with ctest in both builds: in the second, the
# doctest suite once more under the sanitizers, each fuzz target's corpus and
# regression inputs, and each target fuzzing for GAIA_FUZZ_SECONDS (20 by default).
# Both builds always run, whatever the first one gives; the last lines are one summary of
# both (passed, failed, skipped and why), and the exit status is 0 only if both passed.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
. ./scripts/build-env.sh

summary=""
failed=0

# run_build NAME DIR: builds DIR and runs its tests, adding a line to the summary.
run_build() {
    name=$1 dir=$2
    if ! cmake --build "$dir" -j "$jobs"; then
        summary="$summary$name: the build failed, no test ran
"
        failed=1
        return
    fi
    status=0
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" --output-log "$dir/ctest.log" || status=$?
    [ "$status" -eq 0 ] || failed=1
    summary="$summary$(summarize "$name" "$dir" "$status")
"
}

# summarize NAME DIR STATUS: "NAME: P passed, F failed, S skipped out of T", then each
# skipped test with the reason it printed (tests/support/skip.hpp).
summarize() {
    name=$1 dir=$2 status=$3
    line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$dir/ctest.log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "$name: ctest stopped (exit status $status) before its summary"
        return
    fi
    failures=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
    total=$(echo "$line" | sed -E 's/.* out of ([0-9]+).*/\1/')
    skipped=$(grep -c '(Skipped)$' "$dir/ctest.log" || true)
    echo "$name: $((total - failures - skipped)) passed, $failures failed, $skipped skipped, out of $total"
    awk '/^[0-9]+\/[0-9]+ Testing: / { sub(/^[0-9]+\/[0-9]+ Testing: /, ""); test = $0 }
         /^gaia-test-skipped: / { sub(/^gaia-test-skipped: /, ""); print "  skipped: " test ": " $0 }' \
        "$dir/Testing/Temporary/LastTest.log"
}

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON -DGAIA_WERROR=ON >/dev/null
run_build "GCC, RelWithDebInfo" build

CC=clang CXX=clang++ cmake -S . -B build-san -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGAIA_SANITIZE=ON -DGAIA_FUZZ=ON -DBUILD_TESTING=ON -DGAIA_WERROR=ON \
    -DGAIA_FUZZ_SECONDS="${GAIA_FUZZ_SECONDS:-20}" >/dev/null
# detect_leaks stays on: every test also proves gaia leaks nothing.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS
run_build "Clang, Debug, ASan + UBSan + fuzz targets" build-san

echo
echo "== gaia tests =="
printf '%s' "$summary"
exit "$failed"
