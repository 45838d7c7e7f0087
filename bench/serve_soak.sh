#!/bin/sh
# gaia serve over a long run: jobs of every subsystem on `@every 1s` schedules
# (a process, an HTTP GET to nginx, a file written, read and checksummed, a browser page
# every 5 s), /metrics and /health scraped every second, for SOAK (10m by default). gaia's
# RSS and open descriptors are sampled every 30 s; the growth after the first minute
# (allocators and caches warm up) is what counts: it should stay under 2 MiB, with flat fds.
#   bench/serve_soak.sh            SOAK=600 (seconds)
. "$(dirname "$0")/lib.sh"
need curl python3 nginx chromium
soak="${SOAK:-600}"
start_nginx
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/files" "$work/browser-tmp"
cat >"$work/soak.toml" <<TOML
name = "soak"
[jobs.process]
kind = "process"
command = ["true"]
schedule = "@every 1s"
[jobs.http]
kind = "http"
url = "$url"
repeat = 20
schedule = "@every 1s"
expect.status = 200
[jobs.write]
kind = "file"
op = "write"
path = "$work/files/data.txt"
content = "soak {{ run.id }}"
schedule = "@every 1s"
[jobs.checksum]
kind = "file"
op = "checksum"
path = "$work/files/*.txt"
schedule = "@every 1s"
[jobs.page]
kind = "browser"
url = "http://127.0.0.1:$port/"
steps = [{ wait_for = "body[data-loaded]" }]
schedule = "@every 5s"
TOML
TMPDIR="$work/browser-tmp" "$gaia" serve "$work/soak.toml" -q --listen "127.0.0.1:$port" 2>"$work/gaia.err" &
gaia_pid=$!
on_exit="kill -TERM $gaia_pid 2>/dev/null; wait $gaia_pid 2>/dev/null; $on_exit"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/liveness" >/dev/null && break; sleep 0.1; done
kill -0 "$gaia_pid" 2>/dev/null || { cat "$work/gaia.err" >&2; exit 1; }
echo "gaia serve pid $gaia_pid on 127.0.0.1:$port; soaking for $soak s (samples every 30 s)"
python3 - "$port" "$gaia_pid" "$soak" <<'PY'
import json, os, subprocess, sys, time, urllib.request
port, pid, soak = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
base = f"http://127.0.0.1:{port}"
def rss_kib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
def fds():
    return len(os.listdir(f"/proc/{pid}/fd"))
samples, scrapes, failures = [], 0, 0
start = time.monotonic()
next_sample = start
while True:
    now = time.monotonic()
    if now - start >= soak:
        break
    for path in ("/metrics", "/health"):
        try:
            urllib.request.urlopen(base + path, timeout=5).read()
            scrapes += 1
        except urllib.error.HTTPError as e:
            scrapes += 1  # /health answers 503 when unhealthy: still an answer
        except Exception:
            failures += 1
    if now >= next_sample:
        samples.append((now - start, rss_kib(), fds()))
        print(f"  {samples[-1][0]:6.0f} s  RSS {samples[-1][1] / 1024:7.2f} MiB  fds {samples[-1][2]}", flush=True)
        next_sample += 30
    time.sleep(max(0, 1 - (time.monotonic() - now)))
samples.append((time.monotonic() - start, rss_kib(), fds()))
jobs = json.load(urllib.request.urlopen(base + "/api/v1/jobs"))["jobs"]
health = json.load(urllib.request.urlopen(base + "/health")) if True else None
warm = next(s for s in samples if s[0] >= 60) if samples[-1][0] >= 60 else samples[0]
print()
print(f"scrapes answered: {scrapes}, failed: {failures}")
for j in jobs:
    last = j["last"] or {}
    print(f"  job {j['name']:<9} runs {j['runs']:>5}  skipped {j['skipped']:>4}  last {last.get('status')}")
print(f"RSS after 1 min {warm[1] / 1024:.2f} MiB, at the end {samples[-1][1] / 1024:.2f} MiB: "
      f"growth {(samples[-1][1] - warm[1]) / 1024:+.2f} MiB (target: < 2 MiB)")
print(f"open fds after 1 min {warm[2]}, at the end {samples[-1][2]}, range {min(s[2] for s in samples)}..{max(s[2] for s in samples)}")
print(f"/health at the end: {health['status']}")
PY
