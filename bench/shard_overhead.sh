#!/bin/sh
# What splitting a run with --shard costs on one machine: TOTAL (100,000 by default)
# /bin/true at concurrency 200 as one gaia run, against the same as 4 shards run side by
# side (--shard K/4, 4 processes on this machine's CPUs) and merged with gaia report merge.
# Wall time interleaved round by round (bench/interleave.py), then CPU time (user + system,
# gaia and its children) of each once.
#   bench/shard_overhead.sh            TOTAL=100000 SHARDS=4 RUNS=3 by default
. "$(dirname "$0")/lib.sh"
need python3 /usr/bin/time
total="${TOTAL:-100000}"
shards="${SHARDS:-4}"
runs="${RUNS:-3}"

cat > "$work/jobs.toml" <<TOML
[process]
max = 200
[settings]
concurrency = 200
[jobs.true]
kind = "process"
command = ["/bin/true"]
repeat = $total
TOML
one="$gaia run -q $work/jobs.toml --report-json $work/one.json"
split="for k in \$(seq $shards); do $gaia run -q $work/jobs.toml --shard \$k/$shards --report-json $work/shard-\$k.json & done; wait; $gaia report merge -q $work/shard-*.json --report-json $work/merged.json"
echo "$total x /bin/true at concurrency 200: one run vs $shards shards side by side + merge, $runs interleaved rounds"
python3 "$root/bench/interleave.py" "$runs" "one run=$one" "$shards shards + merge=sh -c '$split'"
echo
for name in one split; do
    eval "command=\$$name"
    /usr/bin/time -f "%e %U %S" -o "$work/time" sh -c "$command"
    read -r wall user sys <"$work/time"
    echo "$name: wall ${wall}s, CPU user ${user}s + system ${sys}s"
done
python3 - "$work/one.json" "$work/merged.json" <<'PY'
import json, sys
one, merged = (json.load(open(p))["jobs"][0] for p in sys.argv[1:])
print(f"instances: one run {one['instances']} ({one['passed']} passed), merged {merged['instances']} ({merged['passed']} passed)")
PY
