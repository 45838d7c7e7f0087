#!/bin/sh
# 1,000 x `sleep 0.1` at concurrency 200 (gaia vs xargs -P 200, side by side), then
# 1,000 concurrent `sleep 1` in one gaia job with its worst event-loop lag.
#   bench/process_sleep.sh            (RUNS=5 by default)
. "$(dirname "$0")/lib.sh"
need hyperfine python3
runs="${RUNS:-5}"

cat > "$work/sleep.toml" <<TOML
[process]
max = 200
[jobs.nap]
kind = "process"
command = ["sleep", "0.1"]
repeat = 1000
TOML
seq 1000 > "$work/items"
hyperfine --runs "$runs" --warmup 1 --export-json "$work/sleep.json" \
    -n "gaia run (1,000 x sleep 0.1, -c 200)" "$gaia run -q --concurrency 200 $work/sleep.toml" \
    -n "xargs -P 200" "xargs -P 200 -I{} sleep 0.1 < $work/items" >/dev/null
ratio_table "$work/sleep.json"

cat > "$work/thousand.toml" <<TOML
[process]
max = 1000
[jobs.sleepers]
kind = "process"
command = ["sleep", "1"]
repeat = 1000
TOML
sh -c "ulimit -n 8192; exec $gaia run -q --concurrency 1000 $work/thousand.toml --report-json $work/thousand.json"
python3 - "$work/thousand.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"1,000 concurrent sleep 1: {r['run']['duration_s']:.2f} s wall, worst event-loop lag "
      f"{r['run']['loop_lag_max_s'] * 1000:.1f} ms, {r['jobs'][0]['passed']} passed")
PY
