#!/bin/sh
# Installs what is missing, builds gaia twice — plainly (the compiler by default, g++),
# and with Clang, AddressSanitizer + UndefinedBehaviorSanitizer and the libFuzzer targets
# of tests/fuzz — and runs every test with ctest in both builds: in the second, the
# doctest suite once more under the sanitizers, each fuzz target's corpus and
# regression inputs, and each target fuzzing for GAIA_FUZZ_SECONDS (20 by default).
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh

# ccache hits across clones of this repository (CI builds a fresh one): paths are hashed
# relative to it, and the build directory is not part of the hash.
CCACHE_BASEDIR=$(pwd)
CCACHE_NOHASHDIR=true
export CCACHE_BASEDIR CCACHE_NOHASHDIR

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON -DGAIA_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

CC=clang CXX=clang++ cmake -S . -B build-san -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGAIA_SANITIZE=ON -DGAIA_FUZZ=ON -DBUILD_TESTING=ON -DGAIA_WERROR=ON \
    -DGAIA_FUZZ_SECONDS="${GAIA_FUZZ_SECONDS:-20}" >/dev/null
cmake --build build-san -j "$jobs"
# detect_leaks stays on: every test also proves gaia leaks nothing.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-san --output-on-failure -j "$jobs"
