#!/bin/sh
# The browser pool against Playwright driving the same Chromium (/usr/bin/chromium), side
# by side in one run, on the same page served by nginx on loopback. Each page
# gets a fresh context in both: a gaia instance, a Playwright newContext().
#   1. 200 page loads (goto + wait for #app) over 4 browsers x 4 tabs, and 1 x 8:
#      pages/s, CPU time per page, peak RSS and PSS of the whole process tree (gaia or
#      Node + every Chromium)
#   2. 50 full-page screenshots (1 x 8): wall time
#   2b. 200 loads (1 x 8) recording a HAR per page (gaia `har`, Playwright recordHar with
#      content "omit"): pages/s, and what recording costs each page in both (CPU and wall)
#   2c. 200 loads (1 x 8) with --artifacts (every page passes, so none is written) against
#      none, gaia alone: pages/s
#   3. launch to first page ready (one page, the whole command): wall time
#   4. the largest pool that runs here (gaia): instances x tabs all open at once, its
#      peak PSS and the PSS per tab
# Run from anywhere: bench/browser.sh   (ROUNDS=3 rounds of 1-3, medians; SKIP_POOL=1
# skips 4). Needs `npm install` in bench/browser (done here when node_modules is missing).
. "$(dirname "$0")/lib.sh"
need node npm nginx python3 hyperfine
rounds="${ROUNDS:-3}"
bench="$root/bench/browser"
[ -d "$bench/node_modules/playwright-core" ] || (cd "$bench" && npm install --no-audit --no-fund >/dev/null)

start_nginx
cp "$bench/page.html" "$work/www/page.html"
page="http://127.0.0.1:$nginx_port/page.html"
measure="$bench/measure.py"

# gaia_job FILE INSTANCES TABS COUNT [STEPS [MORE]]: a job file for COUNT pages; MORE is
# another line of the job
gaia_job() {
    steps='[{ wait_for = "#app" }]'
    [ $# -ge 5 ] && steps=$5
    cat >"$1" <<TOML
[browser]
instances = $2
tabs_per_instance = $3
[jobs.page]
kind = "browser"
repeat = $4
url = "$page"
steps = $steps
${6:-}
TOML
}

# measure_gaia RESULTS ARGS... and measure_peer RESULTS ARGS...: one run of `gaia run
# ARGS` or `node peer.mjs ARGS`, its JSON line appended to RESULTS. Each first lets the
# previous run's browsers finish exiting (settle): without the pause, two runs of the same
# job file back to back measured 4.2 and 5.5 pages/s.
measure_gaia() {
    out=$1
    shift
    settle
    python3 "$measure" "$gaia" run "$@" -q >>"$out"
}
measure_peer() {
    out=$1
    shift
    settle
    (cd "$bench" && python3 "$measure" node peer.mjs "$@") >>"$out"
}

# run_pair NAME GAIA-FILE PEER-ARGS...: one round of each, alternating which goes first,
# appended as JSON lines to $work/NAME.gaia and $work/NAME.peer
run_pair() {
    name=$1 file=$2
    shift 2
    for round in $(seq "$rounds"); do
        if [ $((round % 2)) -eq 1 ]; then
            measure_gaia "$work/$name.gaia" "$file"
            measure_peer "$work/$name.peer" "$@"
        else
            measure_peer "$work/$name.peer" "$@"
            measure_gaia "$work/$name.gaia" "$file"
        fi
    done
}

echo "page: $page; Chromium: $(/usr/bin/chromium --version 2>/dev/null); Playwright $(node -p "require('$bench/node_modules/playwright-core/package.json').version"); $rounds rounds"
gaia_job "$work/load44.toml" 4 4 200
gaia_job "$work/load18.toml" 1 8 200
mkdir -p "$work/shots-gaia" "$work/shots-peer"
gaia_job "$work/shots.toml" 1 8 50 "[{ wait_for = \"#app\" }, { screenshot = \"$work/shots-gaia/shot-{{ index }}.png\", full_page = true }]"

mkdir -p "$work/har-gaia" "$work/har-peer"
gaia_job "$work/har18.toml" 1 8 200 '[{ wait_for = "#app" }]' "har = \"$work/har-gaia/{{ index }}.har\""

echo "200 loads over 4 x 4 ..."
run_pair load44 "$work/load44.toml" load "$page" 4 4 200
echo "200 loads over 1 x 8 ..."
run_pair load18 "$work/load18.toml" load "$page" 1 8 200
echo "50 full-page screenshots ..."
run_pair shots "$work/shots.toml" shot "$page" 1 8 50 "$work/shots-peer"
echo "200 loads over 1 x 8, a HAR each ..."
run_pair har18 "$work/har18.toml" har "$page" 1 8 200 "$work/har-peer"
echo "200 loads over 1 x 8, --artifacts on failure against none (gaia) ..."
for round in $(seq "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then
        measure_gaia "$work/artifacts18.gaia" "$work/load18.toml" --artifacts "$work/artifacts"
        measure_gaia "$work/artifacts18.off" "$work/load18.toml"
    else
        measure_gaia "$work/artifacts18.off" "$work/load18.toml"
        measure_gaia "$work/artifacts18.gaia" "$work/load18.toml" --artifacts "$work/artifacts"
    fi
done

echo
python3 - "$work" <<'PY'
import json, statistics, sys
work = sys.argv[1]
def load(name, who):
    rows = [json.loads(line) for line in open(f"{work}/{name}.{who}")]
    bad = [r for r in rows if r["exit"] != 0]
    if bad:
        print(f"warning: {name} {who}: {len(bad)} run(s) failed")
    return rows
def med(rows, key):
    return statistics.median(r[key] for r in rows)
print(f"{'workload':<34} {'gaia':>12} {'Playwright':>12} {'gaia/peer':>10}")
for name, label in (("load44", "200 loads, 4 x 4"), ("load18", "200 loads, 1 x 8")):
    g, p = load(name, "gaia"), load(name, "peer")
    gr, pr = 200 / med(g, "wall_s"), 200 / med(p, "wall_s")
    print(f"{label + ' (pages/s)':<34} {gr:>12.2f} {pr:>12.2f} {gr / pr:>10.2f}")
    gc, pc = med(g, "cpu_s") / 200 * 1000, med(p, "cpu_s") / 200 * 1000
    print(f"{'  CPU per page (ms)':<34} {gc:>12.0f} {pc:>12.0f} {gc / pc:>10.2f}")
    for key, what in (("peak_rss", "peak RSS"), ("peak_pss", "peak PSS")):
        gm, pm = med(g, key) / 2**20, med(p, key) / 2**20
        print(f"{'  ' + what + ' (MiB)':<34} {gm:>12.0f} {pm:>12.0f} {gm / pm:>10.2f}")
g, p = load("shots", "gaia"), load("shots", "peer")
gw, pw = med(g, "wall_s"), med(p, "wall_s")
print(f"{'50 full-page screenshots (s)':<34} {gw:>12.2f} {pw:>12.2f} {gw / pw:>10.2f}")
g, p = load("har18", "gaia"), load("har18", "peer")
gr, pr = 200 / med(g, "wall_s"), 200 / med(p, "wall_s")
print(f"{'200 loads, 1 x 8, HAR (pages/s)':<34} {gr:>12.2f} {pr:>12.2f} {gr / pr:>10.2f}")
# What recording costs one page: the run's extra CPU time (gaia or Node and every Chromium
# process) over its pages, and its extra wall time (8 pages at a time). The CPU figure is
# the steadier one: on 2 cores the wall time of two identical runs differed by 25%.
g0, p0 = load("load18", "gaia"), load("load18", "peer")
for key, what in (("cpu_s", "CPU"), ("wall_s", "wall")):
    gc, pc = (med(g, key) - med(g0, key)) / 200 * 1000, (med(p, key) - med(p0, key)) / 200 * 1000
    print(f"{'  HAR cost per page (ms of ' + what + ')':<34} {gc:>12.2f} {pc:>12.2f} {'':>10}")
on, off = load("artifacts18", "gaia"), load("artifacts18", "off")
onr, offr = 200 / med(on, "wall_s"), 200 / med(off, "wall_s")
print(f"{'200 loads, 1 x 8, gaia (pages/s)':<34} {'artifacts':>12} {'none':>12} {'on/none':>10}")
print(f"{'':<34} {onr:>12.2f} {offr:>12.2f} {onr / offr:>10.2f}")
PY

echo
echo "launch to first page ready (one page, the whole command) ..."
gaia_job "$work/first.toml" 1 1 1
hyperfine -N --warmup 1 --runs $((rounds * 3)) --export-json "$work/first.json" \
    "$gaia run $work/first.toml -q" "node $bench/peer.mjs load $page 1 1 1" >/dev/null
ratio_table "$work/first.json"

[ "${SKIP_POOL:-0}" = 1 ] && exit 0
echo
echo "the largest pool: every tab open at once (wait for #app, then 3 s), gaia only ..."
printf '%-12s %6s %8s %12s %12s\n' pool tabs result "peak PSS" "PSS per tab"
for pool in 1x8 1x32 2x32 4x32 4x64; do
    instances=${pool%x*} tabs=${pool#*x}
    total=$((instances * tabs))
    gaia_job "$work/pool.toml" "$instances" "$tabs" "$total" '[{ wait_for = "#app", timeout = "120s" }, { sleep = "3s" }]'
    result=$(python3 "$measure" "$gaia" run "$work/pool.toml" -q)
    python3 - "$result" "$pool" "$total" <<'PY'
import json, sys
r, pool, total = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
status = "ok" if r["exit"] == 0 else f"exit {r['exit']}"
print(f"{pool:<12} {total:>6} {status:>8} {r['peak_pss'] / 2**20:>9.0f} MiB {r['peak_pss'] / total / 2**20:>8.1f} MiB")
PY
done
