#!/bin/sh
# gaia report merge of SHARDS shard reports of PER instances each (64 x 100,000 by default):
# wall time and peak RSS, with every instance listed (--report-instances all, ~12 MB per
# shard) and with only those that did not pass (the default; 1 instance in 100 fails).
# The shard reports are made from a real gaia run's report (bench/report_shards.py), so
# their format is gaia's own. The peer: jq putting the same reports' instances into one
# array — no checks, no judging, no JUnit or metrics: the least any merge of them must do.
#
#   bench/report_merge.sh              SHARDS=64 PER=100000 RUNS=3 by default
. "$(dirname "$0")/lib.sh"
need jq python3 /usr/bin/time
shards="${SHARDS:-64}"
per="${PER:-100000}"
runs="${RUNS:-3}"

cat > "$work/jobs.toml" <<TOML
[jobs.setup]
kind = "process"
command = ["true"]
[jobs.fan]
kind = "process"
needs = ["setup"]
repeat = $shards
command = ["true"]
thresholds = { success_rate = 0.98 }
TOML
"$gaia" -q run "$work/jobs.toml" --shard "1/$shards" --report-json "$work/template.json" --report-instances all
for listed in all failed; do
    mkdir -p "$work/$listed"
    python3 "$root/bench/report_shards.py" "$work/template.json" "$work/$listed" "$shards" "$per" "$listed"
    echo
    echo "$shards shards x $per instances, instances listed: $listed ($(du -sm "$work/$listed" | cut -f1) MB of reports)"
    merge="$gaia report merge -q $work/$listed/shard-*.json --report-json $work/merged.json --report-junit $work/merged.xml --metrics-file $work/merged.prom"
    peer="jq -c -n '{instances: [inputs.instances[]]}' $work/$listed/shard-*.json > $work/jq.json"
    python3 "$root/bench/interleave.py" "$runs" "gaia report merge=$merge" "jq (concatenation)=$peer"
    echo "peak RSS: gaia $(peak_rss_kib sh -c "$merge") KiB, jq $(peak_rss_kib sh -c "$peer") KiB"
    python3 - "$work/merged.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
fan = r["jobs"][1]
print(f"merged: {fan['instances']} instances, {fan['failed']} failed, {len(r['instances'])} listed, "
      f"status {fan['status']}, p95 {fan['latency_s']['p95'] * 1000:.3f} ms")
PY
done
