#!/bin/sh
# 100,000 keep-alive GETs of a 100-byte file from nginx on loopback, at concurrency 1,000
# and 100: gaia against hey (same request count) and wrk (a timed run of about the same
# length), side by side, ROUNDS rounds each (default 3; medians are shown). gaia-curl is
# gaia with GAIA_HTTP_ENGINE=curl: every request through libcurl, not the lean engine. Prints
# requests/s, CPU per request (user + sys of the client / requests), p99 latency, peak RSS
# and the ratios gaia/hey and gaia/wrk.
#
#   bench/http_get.sh            # needs: scripts/install-deps.sh --bench
#   ROUNDS=5 REQUESTS=200000 bench/http_get.sh
. "$(dirname "$0")/lib.sh"
need nginx hey wrk python3
rounds="${ROUNDS:-3}"
requests="${REQUESTS:-100000}"

start_nginx

results="$work/results.txt"
: >"$results"
# Each line: tool concurrency req/s cpu_us_per_request p99_ms rss_kib
for c in 1000 100; do
    cat >"$work/get.toml" <<EOF
[settings]
concurrency = $c
[api]
max_clients = $c
[jobs.get]
kind = "http"
repeat = $requests
url = "$url"
EOF
    for round in $(seq "$rounds"); do
        for engine in auto curl; do
            tool=gaia
            [ "$engine" = curl ] && tool=gaia-curl
            GAIA_HTTP_ENGINE=$engine /usr/bin/time -f "%e %U %S %M" -o "$work/time" \
                "$gaia" run -q "$work/get.toml" --report-json "$work/report.json" >/dev/null
            python3 - "$work/time" "$work/report.json" "$requests" "$c" "$tool" >>"$results" <<'PY'
import json, sys
wall, user, sys_, rss = open(sys.argv[1]).read().split()[-4:]
job = json.load(open(sys.argv[2]))["jobs"][0]
n, c = int(sys.argv[3]), sys.argv[4]
assert job["passed"] == n, job
print(sys.argv[5], c, n / float(wall), (float(user) + float(sys_)) / n * 1e6, job["latency_s"]["p99"] * 1e3, rss)
PY
        done
        /usr/bin/time -f "%e %U %S %M" -o "$work/time" hey -n "$requests" -c "$c" "$url" >"$work/hey.out"
        python3 - "$work/time" "$work/hey.out" "$requests" "$c" >>"$results" <<'PY'
import re, sys
wall, user, sys_, rss = open(sys.argv[1]).read().split()[-4:]
out = open(sys.argv[2]).read()
n, c = int(sys.argv[3]), sys.argv[4]
ok = int(re.search(r"\[200\]\s+(\d+) responses", out).group(1))
assert ok == n, out
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
p99 = float(re.search(r"99% in ([\d.]+) secs", out).group(1)) * 1e3
print("hey", c, rate, (float(user) + float(sys_)) / n * 1e6, p99, rss)
PY
        seconds=$(python3 -c "print(max(3, round($requests / 40000)))")
        /usr/bin/time -f "%e %U %S %M" -o "$work/time" wrk -c "$c" -t 2 -d "${seconds}s" --latency "$url" >"$work/wrk.out"
        python3 - "$work/time" "$work/wrk.out" "$c" >>"$results" <<'PY'
import re, sys
wall, user, sys_, rss = open(sys.argv[1]).read().split()[-4:]
out = open(sys.argv[2]).read()
c = sys.argv[3]
n = int(re.search(r"(\d+) requests in", out).group(1))
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
p99 = float(value) * {"us": 1e-3, "ms": 1, "s": 1e3}[unit]
print("wrk", c, rate, (float(user) + float(sys_)) / n * 1e6, p99, rss)
PY
    done
done

python3 - "$results" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
med = {}
for tool, c, *vals in rows:
    med.setdefault((tool, c), []).append([float(v) for v in vals])
def m(tool, c, i):
    return statistics.median(v[i] for v in med[(tool, c)])
print(f"{'workload':<22}{'tool':<10}{'req/s':>9}{'cpu µs/req':>12}{'p99 ms':>9}{'RSS MiB':>9}")
for c in ("1000", "100"):
    for tool in ("gaia", "gaia-curl", "hey", "wrk"):
        print(f"{'100k GETs, c=' + c:<22}{tool:<10}{m(tool, c, 0):>9.0f}{m(tool, c, 1):>12.1f}{m(tool, c, 2):>9.1f}{m(tool, c, 3) / 1024:>9.1f}")
print()
print("ratios (medians; req/s: > 1 means gaia is faster; cpu and p99: < 1 means gaia uses less)")
for c in ("1000", "100"):
    for peer in ("hey", "wrk"):
        print(f"  c={c:<5} gaia/{peer}: req/s {m('gaia', c, 0) / m(peer, c, 0):.2f}   cpu/req {m('gaia', c, 1) / m(peer, c, 1):.2f}"
              f"   p99 {m('gaia', c, 2) / m(peer, c, 2):.2f}")
PY
