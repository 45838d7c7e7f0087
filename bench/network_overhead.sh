#!/bin/sh
# What the network coordinator costs: 100,000 keep-alive GETs at concurrency 1,000 from
# nginx on loopback, by this gaia (coordinator on, no limit reached) and by gaia built
# from BASE_REF, the commit before the coordinator (off), alternately, ROUNDS rounds
# (default 3). The URL names the host (localhost: DNS through the cache) and, second, is
# an IP literal. Prints requests/s medians and on/off ratios (target >= 0.95).
#   bench/network_overhead.sh            # builds BASE_REF in a temporary worktree first
. "$(dirname "$0")/lib.sh"
need nginx python3 git cmake ninja
rounds="${ROUNDS:-3}"
requests="${REQUESTS:-100000}"
base_ref="${BASE_REF:-$(git -C "$root" log --format=%H -1 --grep='^The network coordinator under every HTTP transfer')^}"

echo "building the baseline ($base_ref) ..." >&2
git -C "$root" worktree add -q --detach "$work/base" "$base_ref"
on_exit="git -C '$root' worktree remove --force '$work/base'; $on_exit"
cmake -S "$work/base" -B "$work/base/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
ninja -C "$work/base/build" gaia >/dev/null
base="$work/base/build/gaia"

start_nginx

jobs_file() {  # jobs_file HOST WITH_NETWORK_TABLE
    printf '[settings]\nconcurrency = 1000\n[api]\nmax_clients = 1000\n'
    [ "$2" = yes ] && printf '[network]\nmax_connections = 2000\nmax_connections_per_host = 1000\n'
    printf '[jobs.get]\nkind = "http"\nrepeat = %s\nurl = "http://%s:%s/100b"\n' "$requests" "$1" "$nginx_port"
}
: >"$work/results"
for host in localhost 127.0.0.1; do
    jobs_file "$host" yes >"$work/on.toml"
    jobs_file "$host" no >"$work/off.toml"
    for _ in $(seq "$rounds"); do
        for mode in on off; do
            bin="$gaia"; [ "$mode" = off ] && bin="$base"
            /usr/bin/time -f "%e" -o "$work/time" "$bin" run -q "$work/$mode.toml" --report-json "$work/r.json" >/dev/null || true
            python3 -c "import json,sys; j=json.load(open('$work/r.json'))['jobs'][0]; assert j['passed']==$requests, ('$mode', j['failed'], j['first_error'])" || exit 1
            echo "$host $mode $(python3 -c "print($requests / float(open('$work/time').read().split()[-1]))")" >>"$work/results"
        done
    done
done
python3 - "$work/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = lambda h, m: statistics.median(float(r[2]) for r in rows if r[0] == h and r[1] == m)
print(f"{'URL host':<12}{'coordinator on':>16}{'off (baseline)':>16}{'on/off':>8}")
for h in ("localhost", "127.0.0.1"):
    print(f"{h:<12}{med(h, 'on'):>14.0f}/s{med(h, 'off'):>14.0f}/s{med(h, 'on') / med(h, 'off'):>8.2f}")
PY
