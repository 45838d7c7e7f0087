#!/bin/sh
# What per-instance recording (--report-instances, --junit-instances, --joblog) costs:
# the same fan-outs run by a gaia built before it (GAIA_BEFORE) and by this one, side by
# side, interleaved round by round (bench/interleave.py), with the JSON report on; then the
# peak RSS of a 1,000,000-request http fan-out whose every instance passes, and of one whose
# every instance fails (each failure recorded: the bytes per recorded instance).
#
#   git worktree add /tmp/before <commit before per-instance results>
#   (cd /tmp/before && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build gaia)
#   GAIA_BEFORE=/tmp/before/build/gaia bench/instance_records.sh      (RUNS=5 by default)
. "$(dirname "$0")/lib.sh"
need nginx python3 /usr/bin/time
before="${GAIA_BEFORE:?set GAIA_BEFORE to a gaia built before per-instance results}"
runs="${RUNS:-5}"
big="${BIG:-1000000}"

start_nginx
cat > "$work/process.toml" <<TOML
[process]
max = 200
[jobs.true]
kind = "process"
command = ["/bin/true"]
repeat = 5000
TOML
cat > "$work/http.toml" <<TOML
[settings]
concurrency = 100
[jobs.get]
kind = "http"
repeat = 100000
url = "$url"
TOML

echo "5,000 x /bin/true at concurrency 200, $runs interleaved rounds (first row: this gaia)"
python3 "$(dirname "$0")/interleave.py" "$runs" \
    "now, --report-json=$gaia run -q --concurrency 200 $work/process.toml --report-json $work/r1.json" \
    "before, --report-json=$before run -q --concurrency 200 $work/process.toml --report-json $work/r2.json" \
    "now, all + joblog + junit=$gaia run -q --concurrency 200 $work/process.toml --report-json $work/r3.json --report-instances all --joblog $work/jl --report-junit $work/j.xml --junit-instances"

echo
echo "100,000 keep-alive GETs at concurrency 100, $runs interleaved rounds (first row: this gaia)"
python3 "$(dirname "$0")/interleave.py" "$runs" \
    "now, --report-json=$gaia run -q $work/http.toml --report-json $work/r1.json" \
    "before, --report-json=$before run -q $work/http.toml --report-json $work/r2.json" \
    "now, all + joblog + junit=$gaia run -q $work/http.toml --report-json $work/r3.json --report-instances all --joblog $work/jl --report-junit $work/j.xml --junit-instances"

echo
for case in passes fails; do
    path=100b
    [ "$case" = fails ] && path=missing
    cat > "$work/big.toml" <<TOML
[settings]
concurrency = 100
[jobs.get]
kind = "http"
repeat = $big
url = "http://127.0.0.1:$nginx_port/$path"
TOML
    for tool in now before; do
        bin=$gaia
        [ "$tool" = before ] && bin=$before
        /usr/bin/time -f "%e %M" -o "$work/time" "$bin" run -q "$work/big.toml" --report-json "$work/big.json" >/dev/null || true
        read -r seconds rss <<EOT
$(tail -n 1 "$work/time")
EOT
        listed=$(python3 -c "import json; r = json.load(open('$work/big.json')); print(len(r.get('instances', [])))")
        echo "$big GETs, every one $case, $tool: peak RSS $((rss / 1024)) MiB, ${seconds}s, $listed instances listed"
    done
done
