#!/bin/sh
# gaia serve's state database under load, in one run:
# 1. 100 scheduled runs a second (100 jobs, `@every 1s`, /bin/true) for DURATION, once with
#    the state database and once with --no-state: the largest event-loop lag seen (sampled
#    from /liveness 20 times a second), gaia's CPU time, the runs written, and the database's
#    bytes per run.
# 2. GET /api/v1/jobs/NAME/runs?limit=100 with 100,000 runs stored (wrk -c 50), next to
#    nginx serving the same answer as a static file: requests/s, p99, gaia/nginx.
#   bench/serve_history.sh        (DURATION=20 seconds by default)
. "$(dirname "$0")/lib.sh"
need wrk curl python3 sqlite3 nginx
duration="${DURATION:-20}"
wrk_duration="${duration}s"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

for i in $(seq 100); do
    printf '[jobs.tick%03d]\nkind = "process"\ncommand = ["true"]\nschedule = "@every 1s"\n' "$i"
done >"$work/ticks.toml"

# load_run LABEL ARGS...: gaia serve ticks.toml ARGS for $duration s; one line of results.
load_run() {
    label=$1
    shift
    port=$(free_port)
    "$gaia" serve "$work/ticks.toml" --listen "127.0.0.1:$port" -q "$@" 2>"$work/$label.err" &
    pid=$!
    python3 - "$port" "$pid" "$duration" "$label" <<'PY'
import json, os, sys, time, urllib.request
port, pid, duration, label = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
base = f"http://127.0.0.1:{port}"
for _ in range(100):
    try:
        urllib.request.urlopen(base + "/liveness", timeout=1).read()
        break
    except OSError:
        time.sleep(0.1)
def cpu_s():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
time.sleep(2)  # every job has started its schedule
cpu0, start, lags = cpu_s(), time.monotonic(), []
runs0 = sum(j["runs"] for j in json.load(urllib.request.urlopen(base + "/api/v1/jobs"))["jobs"])
while time.monotonic() - start < duration:
    lags.append(json.load(urllib.request.urlopen(base + "/liveness"))["loop_lag_s"])
    time.sleep(0.05)
elapsed, cpu = time.monotonic() - start, cpu_s() - cpu0
runs = sum(j["runs"] for j in json.load(urllib.request.urlopen(base + "/api/v1/jobs"))["jobs"]) - runs0
lags.sort()
print(f"{label} {runs / elapsed:.1f} {lags[-1] * 1000:.2f} {lags[int(len(lags) * 0.99)] * 1000:.2f} {cpu / elapsed * 100:.1f}")
PY
    kill -TERM "$pid"
    wait "$pid" || true
}

echo "100 jobs @every 1s (/bin/true) for ${duration}s, with and without the state database ..."
{
    load_run state --state "$work/state.db"
    load_run no-state --no-state
} >"$work/load"
runs_stored=$(sqlite3 "$work/state.db" 'SELECT count(*) FROM runs')
db_bytes=$(stat -c %s "$work/state.db")
python3 - "$work/load" "$runs_stored" "$db_bytes" <<'PY'
import sys
rows = {l.split()[0]: [float(x) for x in l.split()[1:]] for l in open(sys.argv[1])}
print(f"{'':<10} {'runs/s':>8} {'max lag ms':>11} {'p99 lag ms':>11} {'gaia CPU %':>11}")
for name, (rps, lag, p99, cpu) in rows.items():
    print(f"{name:<10} {rps:>8.1f} {lag:>11.2f} {p99:>11.2f} {cpu:>11.1f}")
s, n = rows["state"], rows["no-state"]
print(f"state/no-state: max lag {s[1] / max(n[1], 0.01):.2f}, CPU {s[3] / n[3]:.2f}")
runs, size = int(sys.argv[2]), int(sys.argv[3])
print(f"state database: {runs} runs in {size} bytes: {size / max(runs, 1):.0f} bytes per passed run")
PY

echo
echo "GET /api/v1/jobs/busy/runs?limit=100 with 100,000 runs stored ..."
printf '[jobs.busy]\nkind = "process"\ncommand = ["sh", "-c", "echo boom >&2; exit 3"]\n' >"$work/busy.toml"
port=$(free_port)
# One real failed run gives the row every stored run copies (its detail has an output tail).
"$gaia" serve "$work/busy.toml" --listen "127.0.0.1:$port" -q --state "$work/big.db" 2>"$work/big.err" &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/liveness" >/dev/null && break; sleep 0.1; done
curl -sf -X POST "http://127.0.0.1:$port/api/v1/jobs/busy/run" >/dev/null
for _ in $(seq 100); do [ "$(sqlite3 "$work/big.db" 'SELECT count(*) FROM runs' 2>/dev/null)" = 1 ] && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid" || true
sqlite3 "$work/big.db" "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
INSERT INTO runs (id, job, trigger, status, started, duration_s, instances, passed, failed, cancelled, p95_s, error,
                  captures, detail)
SELECT printf('%016x', i), job, trigger, CASE WHEN i % 10 = 0 THEN status ELSE 'passed' END, started - 100000 + i,
       duration_s, instances, passed, failed, cancelled, p95_s, error, captures, detail FROM runs, n;"
printf '[serve]\nhistory = { runs = 200000, days = 3650 }\n' >>"$work/busy.toml"
big_runs=$(sqlite3 "$work/big.db" 'SELECT count(*) FROM runs')
big_bytes=$(stat -c %s "$work/big.db")
"$gaia" serve "$work/busy.toml" --listen "127.0.0.1:$port" -q --state "$work/big.db" 2>"$work/big.err" &
pid=$!
on_exit="kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; $on_exit"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/liveness" >/dev/null && break; sleep 0.1; done
start_nginx
url_gaia="http://127.0.0.1:$port/api/v1/jobs/busy/runs?limit=100"
curl -sf "$url_gaia" >"$work/www/runs.json"
echo "$big_runs runs stored in $big_bytes bytes ($((big_bytes / big_runs)) bytes per run, one failed instance each); answer: $(stat -c %s "$work/www/runs.json") bytes"

{
    run_wrk gaia "$url_gaia"
    run_wrk nginx "http://127.0.0.1:$nginx_port/runs.json"
    run_wrk gaia-failed "http://127.0.0.1:$port/api/v1/jobs/busy/runs?limit=100&status=failed"
} >"$work/api"
python3 - "$work/api" <<'PY'
import sys
rows = {name: (float(rps), float(p99), int(err)) for name, rps, p99, err in (l.split() for l in open(sys.argv[1]))}
print(f"{'server (wrk -c 50)':<22} {'req/s':>9} {'p99 ms':>8} {'errors':>7}")
for name, (rps, p99, err) in rows.items():
    print(f"{name:<22} {rps:>9.0f} {p99:>8.2f} {err:>7}")
print(f"requests/s, gaia/nginx (a static file of the same answer): {rows['gaia'][0] / rows['nginx'][0]:.2f}")
PY
