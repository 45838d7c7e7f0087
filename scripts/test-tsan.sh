#!/bin/sh
# ThreadSanitizer, on demand (too slow to add to CI's 30 minutes): builds gaia and its
# tests with Clang and -fsanitize=thread in build-tsan, and runs the tests whose work goes
# through libuv's thread pool — file operations, checksums, copies, globs, parsed
# documents, body files and save_body, the work pool, DNS — plus, with --all, every test.
# A data race fails the test that meets it (TSan's exit code, halt_on_error).
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
. ./scripts/build-env.sh
CC=clang CXX=clang++ cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGAIA_SANITIZE=thread >/dev/null
cmake --build build-tsan -j "$jobs" --target gaia gaia_tests
filter="file|checksum|work pool|DNS|bod|copy_file|glob|save_body"
[ "${1:-}" = "--all" ] && filter="."
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(pwd)/scripts/tsan.supp" \
    ctest --test-dir build-tsan --output-on-failure -j "$jobs" -R "$filter"
