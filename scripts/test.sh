#!/bin/sh
# Installs what is missing, builds gaia twice (plain, and with AddressSanitizer +
# UndefinedBehaviorSanitizer) and runs every test with ctest in both builds.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGAIA_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs"
# detect_leaks stays on: every test also proves gaia leaks nothing.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs"
