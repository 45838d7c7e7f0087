#!/bin/sh
# Fuzzes one target for a while from a scratch copy of its seeds, so that what it finds
# stays out of the source tree: run.sh BINARY SECONDS SCRATCH DICT_ARG SEED_DIR...
# A crash leaves crash-* (the input) in the current directory and fails.
set -eu
binary=$1 seconds=$2 scratch=$3 dict=$4
shift 4
rm -rf "$scratch"
mkdir -p "$scratch"
for seeds in "$@"; do cp -r "$seeds"/. "$scratch"/; done
# shellcheck disable=SC2086 # an empty DICT_ARG is no argument
exec "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 $dict "$scratch"
