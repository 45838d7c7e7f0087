#!/bin/sh
# gaia's monitoring endpoint under load, next to prometheus-node-exporter in the
# same run: wrk -c 50 -d 10s on gaia's /metrics (a run that exposes about 1,000 series,
# served by `gaia run --listen`), on its /health and /liveness, and on node_exporter's
# /metrics with its default collectors. Prints requests/s, p99 latency and errors, and
# gaia/node_exporter. Then 10,000 idle keep-alive connections held open on gaia: its RSS
# before and with them, and how fast /health still answers. Last, /metrics under wrk while the same
# gaia has 1,000 HTTP requests in flight to nginx, and the run's largest loop lag.
#   bench/serve_metrics.sh        (DURATION=10s by default)
. "$(dirname "$0")/lib.sh"
need wrk curl python3 prometheus-node-exporter nginx
duration="${DURATION:-10s}"
wrk_duration=$duration
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# 40 quick jobs (a counter, a histogram of 14 buckets each…) and one that keeps the run
# going while wrk works.
{
    for i in $(seq 40); do printf '[jobs.quick%02d]\nkind = "process"\ncommand = ["true"]\n' "$i"; done
    printf '[jobs.hold]\nkind = "process"\ncommand = ["sleep", "120"]\n'
} >"$work/jobs.toml"
gaia_port=$(free_port)
"$gaia" run "$work/jobs.toml" -q --listen "127.0.0.1:$gaia_port" >/dev/null 2>"$work/gaia.err" &
gaia_pid=$!
on_exit="kill -INT $gaia_pid 2>/dev/null; wait $gaia_pid 2>/dev/null; $on_exit"

ne_port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" >/dev/null 2>"$work/ne.err" &
ne_pid=$!
on_exit="kill $ne_pid 2>/dev/null; wait $ne_pid 2>/dev/null; $on_exit"

for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$gaia_port/liveness" >/dev/null && curl -sf "http://127.0.0.1:$ne_port/metrics" >/dev/null && break
    sleep 0.1
done
sleep 1  # the quick jobs are done: their series are all there
series() { curl -s "$1" | grep -vc '^#'; }
echo "gaia /metrics: $(series "http://127.0.0.1:$gaia_port/metrics") series; node_exporter /metrics: $(series "http://127.0.0.1:$ne_port/metrics") series"


{
    run_wrk gaia-metrics "http://127.0.0.1:$gaia_port/metrics"
    run_wrk gaia-health "http://127.0.0.1:$gaia_port/health"
    run_wrk gaia-liveness "http://127.0.0.1:$gaia_port/liveness"
    run_wrk node_exporter-metrics "http://127.0.0.1:$ne_port/metrics"
} >"$work/results"
python3 - "$work/results" <<'PY'
import sys
rows = {name: (float(rps), float(p99), int(err)) for name, rps, p99, err in (l.split() for l in open(sys.argv[1]))}
print(f"{'endpoint (wrk -c 50)':<26} {'req/s':>9} {'p99 ms':>8} {'errors':>7}")
for name, (rps, p99, err) in rows.items():
    print(f"{name:<26} {rps:>9.0f} {p99:>8.2f} {err:>7}")
g, n = rows["gaia-metrics"], rows["node_exporter-metrics"]
print(f"/metrics requests/s, gaia/node_exporter: {g[0] / n[0]:.1f}x; p99: {g[1]:.2f} ms vs {n[1]:.2f} ms")
PY

echo
echo "10,000 idle keep-alive connections (each made one request, then waits) ..."
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$gaia_pid/status"; }
before=$(rss_kib)
python3 - "$gaia_port" "$gaia_pid" "$before" <<'PY'
import socket, subprocess, sys, time
port, pid, before = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conns = []
for i in range(10000):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    conns.append(s)
answered = 0
for s in conns:
    s.settimeout(10)
    if s.recv(4096).startswith(b"HTTP/1.1 200"):
        answered += 1
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
times = []
for _ in range(20):
    t = time.monotonic()
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", f"http://127.0.0.1:{port}/health"],
                         capture_output=True, text=True).stdout
    times.append((time.monotonic() - t) * 1000)
    assert out == "200", out
times.sort()
with_conns = rss()
print(f"connections open: {len(conns)}, each answered once: {answered}")
print(f"gaia RSS: {before / 1024:.1f} MiB before, {with_conns / 1024:.1f} MiB with them "
      f"({(with_conns - before) * 1024 / len(conns):.0f} bytes per connection)")
print(f"/health while they are open (curl, 20 tries): median {times[10]:.1f} ms, max {times[-1]:.1f} ms")
PY

echo
echo "/metrics while 1,000 HTTP requests are in flight (nginx on loopback) ..."
kill -INT "$gaia_pid" 2>/dev/null; wait "$gaia_pid" 2>/dev/null || true
start_nginx
cat >"$work/busy.toml" <<TOML
[settings]
concurrency = 1000
[api]
max_clients = 1000
[jobs.get]
kind = "http"
repeat = 10000000
url = "$url"
TOML
busy_port=$(free_port)
"$gaia" run "$work/busy.toml" -q --listen "127.0.0.1:$busy_port" --report-json "$work/busy.json" >/dev/null 2>"$work/busy.err" &
busy_pid=$!
on_exit="kill -9 $busy_pid 2>/dev/null; $on_exit"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$busy_port/liveness" >/dev/null && break; sleep 0.1; done
sleep 2
in_flight=$(curl -s "http://127.0.0.1:$busy_port/metrics" | awk '/^gaia_api_requests_in_flight / {print $2}')
echo "gaia_api_requests_in_flight: $in_flight"
run_wrk gaia-metrics-busy "http://127.0.0.1:$busy_port/metrics" | awk '{printf "gaia /metrics under load: %s req/s, p99 %s ms, %s errors\n", $2, $3, $4}'
kill -INT "$busy_pid"; wait "$busy_pid" 2>/dev/null || true
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"largest event-loop lag of the run: {r['run']['loop_lag_max_s']*1000:.1f} ms; requests done: {r['jobs'][0]['passed']}\")" "$work/busy.json"
