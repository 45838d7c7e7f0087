#!/bin/sh
# 5,000 /bin/true at concurrency 200: gaia vs xargs -P 200 vs GNU parallel -j 200,
# side by side, interleaved round by round (bench/interleave.py), then gaia's peak RSS.
# Run from anywhere:
#   bench/process_fanout.sh            (RUNS=5 by default)
#   bench/process_fanout.sh busy       the same while two CPU-bound processes
#                                      (stress-ng --cpu 2) compete for the CPUs: a CI
#                                      runner or a server is rarely quiet
. "$(dirname "$0")/lib.sh"
need parallel python3 /usr/bin/time
runs="${RUNS:-5}"
mode=quiet
case "${1:-}" in
    "") ;;
    busy)
        need stress-ng
        mode="busy: 2 x stress-ng --cpu"
        stress-ng --cpu 2 --quiet &
        stress_pid=$!
        on_exit="kill $stress_pid 2>/dev/null; wait $stress_pid 2>/dev/null; $on_exit"
        sleep 1
        ;;
    *) echo "usage: $0 [busy]" >&2; exit 2 ;;
esac

cat > "$work/capture.toml" <<TOML
[process]
max = 200
[jobs.true]
kind = "process"
command = ["/bin/true"]
repeat = 5000
TOML
cat > "$work/discard.toml" <<TOML
[process]
max = 200
[jobs.true]
kind = "process"
command = ["/bin/true"]
repeat = 5000
stdout = "discard"
stderr = "discard"
TOML
seq 5000 > "$work/items"

echo "5,000 x /bin/true at concurrency 200 ($mode), $runs interleaved rounds"
python3 "$(dirname "$0")/interleave.py" "$runs" \
    "gaia run (capture output)=$gaia run -q --concurrency 200 $work/capture.toml" \
    "gaia run (discard output)=$gaia run -q --concurrency 200 $work/discard.toml" \
    "xargs -P 200=xargs -P 200 -n 1 /bin/true < $work/items" \
    "parallel -j 200=parallel -j 200 /bin/true :::: $work/items"
echo "gaia peak RSS (capture): $(peak_rss_kib "$gaia" run -q --concurrency 200 "$work/capture.toml") KiB"
echo "xargs peak RSS:          $(peak_rss_kib sh -c "xargs -P 200 -n 1 /bin/true < $work/items") KiB"
