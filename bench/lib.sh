# Shared helpers of the benchmark scripts (sourced, not run).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
gaia="${GAIA:-$root/build/gaia}"
work=$(mktemp -d)
# Scripts that start something add its stop command here; it runs before $work goes.
on_exit=":"
# set +e: a stop command that fails (its process already gone) must not skip the others.
trap 'set +e; eval "$on_exit"; rm -rf "$work"' EXIT
# Killed or cut off (a pipe into head), the EXIT trap must still stop what was started: a
# shell that dies of a signal runs no EXIT trap.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "bench: $tool is missing: run scripts/install-deps.sh --bench" >&2; exit 2; }
    done
}

# peak_rss_kib CMD...: runs CMD and prints its peak resident set size in KiB (GNU
# time's wait4 figure: the largest of CMD and the children it waited for).
peak_rss_kib() {
    /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1 || true
    tail -n 1 "$work/rss"
}

# ratio_table JSON: prints each command's mean wall time and the first command's
# (gaia's) mean divided by it.
ratio_table() {
    python3 - "$1" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base = results[0]
print(f"{'command':<44} {'mean':>10} {'stddev':>9}  gaia/this (wall time; < 1: gaia is faster)")
for r in results:
    print(f"{r['command'][:44]:<44} {r['mean']*1000:>8.1f}ms {r['stddev']*1000:>7.1f}ms  {base['mean']/r['mean']:>8.2f}")
PY
}

# settle: a pause between two measured commands. Right after hey's 100,000 requests, wrk
# over TLS measured half its rate (32k against 60k req/s three seconds later): the
# previous client's connections are still being torn down. Every tool gets the same pause.
settle() {
    sleep "${SETTLE:-3}"
}

# measure_gaia_engines TOML REQUESTS WORKLOAD RESULTS: runs the job file twice — gaia as
# it is, and gaia-curl (GAIA_HTTP_ENGINE=curl: every request through libcurl) — and
# appends bench/http_measure.py's result line of each to RESULTS.
measure_gaia_engines() {
    for engine in auto curl; do
        tool=gaia
        [ "$engine" = curl ] && tool=gaia-curl
        settle
        GAIA_HTTP_ENGINE=$engine /usr/bin/time -f "%e %U %S %M" -o "$work/time" \
            "$gaia" run -q "$1" --report-json "$work/report.json" >/dev/null
        python3 "$root/bench/http_measure.py" gaia "$work/time" "$work/report.json" "$2" "$3" "$tool" >>"$4"
    done
}

# measure_hey CONCURRENCY REQUESTS URL WORKLOAD RESULTS [HEY OPTION...] and
# measure_wrk CONCURRENCY SECONDS URL WORKLOAD RESULTS: the peers, measured the same way.
measure_hey() {
    c=$1 n=$2 target=$3 workload=$4 out=$5
    shift 5
    settle
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" hey -n "$n" -c "$c" "$@" "$target" >"$work/hey.out"
    python3 "$root/bench/http_measure.py" hey "$work/time" "$work/hey.out" "$n" "$workload" hey >>"$out"
}
measure_wrk() {
    settle
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" wrk -c "$1" -t 2 -d "$2s" --latency "$3" >"$work/wrk.out"
    python3 "$root/bench/http_measure.py" wrk "$work/time" "$work/wrk.out" "$4" wrk >>"$5"
}

# free_port: a loopback port nothing listens on now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_nginx [tls]: nginx (one worker process, keep-alive without a request limit) serving
# a 100-byte file, $work/www/100b, on a free loopback port. Sets url to that file and
# nginx_port; nginx stops with the script. With "tls", also HTTPS (TLS 1.3 only, an RSA
# 2048 certificate for 127.0.0.1 made here, session tickets on as nginx has them by
# default) on another port: sets https_url and ca_file (the certificate, to trust).
start_nginx() {
    nginx_port=$(free_port)
    mkdir -p "$work/www" "$work/tmp"
    tls_server=""
    if [ "${1:-}" = tls ]; then
        https_port=$(free_port)
        ca_file="$work/cert.pem"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
            -keyout "$work/key.pem" -out "$ca_file" 2>/dev/null
        tls_server="server { listen 127.0.0.1:$https_port ssl backlog=4096; ssl_certificate $ca_file;
    ssl_certificate_key $work/key.pem; ssl_protocols TLSv1.3; root $work/www; }"
        https_url="https://127.0.0.1:$https_port/100b"
    fi
    head -c 100 /dev/zero | tr '\0' 'x' >"$work/www/100b"
    cat >"$work/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $work/tmp;
  keepalive_requests 10000000;
  server { listen 127.0.0.1:$nginx_port backlog=4096; root $work/www; }
  $tls_server
}
CONF
    nginx -p "$work" -e "$work/nginx.err" -c "$work/nginx.conf" &
    nginx_pid=$!
    on_exit="kill $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null; $on_exit"
    url="http://127.0.0.1:$nginx_port/100b"
    for _ in $(seq 50); do python3 -c "import urllib.request; urllib.request.urlopen('$url')" 2>/dev/null && return; sleep 0.1; done
    echo "bench: nginx did not start: $(cat "$work/nginx.err")" >&2
    exit 2
}

# run_wrk NAME URL: wrk -t 2 -c 50 for $wrk_duration (default 10s); one line
# "NAME req/s p99_ms errors".
run_wrk() {
    wrk -t 2 -c 50 -d "${wrk_duration:-10s}" --latency "$2" >"$work/wrk.out" 2>&1
    python3 - "$1" "$work/wrk.out" <<'PY'
import re, sys
text = open(sys.argv[2]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", text)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors += int(non2xx.group(1)) if non2xx else 0
print(f"{sys.argv[1]} {rps:.0f} {p99:.2f} {errors}")
PY
}
