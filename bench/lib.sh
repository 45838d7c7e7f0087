# Shared helpers of the benchmark scripts (sourced, not run).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
gaia="${GAIA:-$root/build/gaia}"
work=$(mktemp -d)
# Scripts that start something add its stop command here; it runs before $work goes.
on_exit=":"
# set +e: a stop command that fails (its process already gone) must not skip the others.
trap 'set +e; eval "$on_exit"; rm -rf "$work"' EXIT

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

# start_nginx: nginx (one worker process, keep-alive without a request limit) serving a
# 100-byte file, $work/www/100b, on a free loopback port. Sets url to that file and
# nginx_port; nginx stops with the script.
start_nginx() {
    nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$work/www" "$work/tmp"
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
