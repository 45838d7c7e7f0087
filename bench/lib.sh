# Shared helpers of the benchmark scripts (sourced, not run).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
gaia="${GAIA:-$root/build/gaia}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "bench: $tool is missing: run scripts/install-deps.sh --bench" >&2; exit 2; }
    done
}

# peak_rss_kib CMD...: runs CMD and prints its peak resident set size in KiB (GNU
# time's wait4 figure: the largest of CMD and the children it waited for).
peak_rss_kib() {
    /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1 || true
    tail -n 1 "$work/rss"
}

# ratio_table JSON: prints each command's mean wall time and the first command's
# (gaia's) mean divided by it.
ratio_table() {
    python3 - "$1" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base = results[0]
print(f"{'command':<44} {'mean':>10} {'stddev':>9}  gaia/this (wall time; < 1: gaia is faster)")
for r in results:
    print(f"{r['command'][:44]:<44} {r['mean']*1000:>8.1f}ms {r['stddev']*1000:>7.1f}ms  {base['mean']/r['mean']:>8.2f}")
PY
}
