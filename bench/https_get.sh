#!/bin/sh
# HTTPS against nginx on loopback (TLS 1.3, one worker, a 100-byte file, an RSA 2048
# certificate): gaia, hey and wrk side by side, ROUNDS rounds (default 3; medians shown).
#   keep-alive, c=1000 and c=100: 100,000 GETs (wrk: a timed run of about that length)
#   handshake-heavy, c=100: 10,000 GETs with "Connection: close", a TLS handshake each —
#     gaia vs hey -disable-keepalive vs ab -f TLS1.3 (wrk cannot close per request)
# gaia verifies the certificate (against ca_file) and resumes TLS sessions across its
# connections; hey, wrk and ab verify nothing, and neither hey nor ab resumes sessions.
# gaia-curl is gaia with GAIA_HTTP_ENGINE=curl (every request through libcurl).
#
#   bench/https_get.sh           # needs: scripts/install-deps.sh --bench
#   ROUNDS=5 REQUESTS=200000 bench/https_get.sh
. "$(dirname "$0")/lib.sh"
need nginx hey wrk ab openssl python3
rounds="${ROUNDS:-3}"
requests="${REQUESTS:-100000}"
handshakes="${HANDSHAKES:-10000}"
measure="python3 $root/bench/http_measure.py"

start_nginx tls
url="$https_url"

results="$work/results.txt"
: >"$results"

# gaia_job FILE CONCURRENCY REQUESTS [HEADER]
gaia_job() {
    header=""
    [ -n "${4:-}" ] && header="headers = { $4 }"
    cat >"$1" <<EOF2
[settings]
concurrency = $2
[network]
ca_file = "$ca_file"
max_connections_per_host = $2
[api]
max_clients = $2
[jobs.get]
kind = "http"
repeat = $3
url = "$url"
$header
EOF2
}

for round in $(seq "$rounds"); do
    for c in 1000 100; do
        workload="keep-alive,c=$c"
        gaia_job "$work/get.toml" "$c" "$requests"
        measure_gaia_engines "$work/get.toml" "$requests" "$workload" "$results"
        measure_hey "$c" "$requests" "$url" "$workload" "$results"
        measure_wrk "$c" "$(python3 -c "print(max(5, round($requests / 30000)))")" "$url" "$workload" "$results"
    done
    workload="Connection:close,c=100"
    gaia_job "$work/close.toml" 100 "$handshakes" 'Connection = "close"'
    measure_gaia_engines "$work/close.toml" "$handshakes" "$workload" "$results"
    measure_hey 100 "$handshakes" "$url" "$workload" "$results" -disable-keepalive
    settle
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" ab -q -n "$handshakes" -c 100 -f TLS1.3 "$url" >"$work/ab.out" 2>&1
    $measure ab "$work/time" "$work/ab.out" "$handshakes" "$workload" ab >>"$results"
done

$measure table "$results" "keep-alive,c=1000" "keep-alive,c=100" "Connection:close,c=100" -- gaia gaia-curl hey wrk ab
