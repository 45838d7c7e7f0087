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
measure="python3 $root/bench/http_measure.py"

start_nginx

results="$work/results.txt"
: >"$results"
for c in 1000 100; do
    workload="100k-GETs,c=$c"
    cat >"$work/get.toml" <<EOF2
[settings]
concurrency = $c
[network]
max_connections_per_host = $c
[api]
max_clients = $c
[jobs.get]
kind = "http"
repeat = $requests
url = "$url"
EOF2
    for round in $(seq "$rounds"); do
        measure_gaia_engines "$work/get.toml" "$requests" "$workload" "$results"
        measure_hey "$c" "$requests" "$url" "$workload" "$results"
        measure_wrk "$c" "$(python3 -c "print(max(3, round($requests / 40000)))")" "$url" "$workload" "$results"
    done
done

$measure table "$results" "100k-GETs,c=1000" "100k-GETs,c=100" -- gaia gaia-curl hey wrk
