#!/bin/sh
# What the HTML report costs on a big run: 1,000 http jobs of 100 GETs each against nginx
# on loopback (100,000 instances; ten jobs of the last wave fail one instance in ten). The
# run with --report-json alone and with --report-json and --report-html, and with
# --report-html alone and with no report, side by side, interleaved round by round
# (bench/interleave.py): the ratios are the page's share of the run's wall time. Then what
# gaia -v says writing the page took, the page's size, and how long `gaia report html`
# takes to draw it from the JSON report alone (the median of RUNS draws).
#
# No peer is measured: no tool in Debian writes an HTML report of such a run (Hurl, k6 and
# Playwright's reporter are not packaged), so the figures are gaia against itself.
#
#   bench/report_html.sh      (RUNS=5 by default)
. "$(dirname "$0")/lib.sh"
need nginx python3
runs="${RUNS:-5}"

start_nginx
# /i/N is there unless N ends in 3: nginx answers those 404.
mkdir -p "$work/www/i"
for n in $(seq 0 99); do
    case $n in *3) ;; *) echo ok >"$work/www/i/$n" ;; esac
done
python3 - "$work/thousand.toml" "$nginx_port" <<'PY'
import sys
path, port = sys.argv[1], sys.argv[2]
with open(path, "w") as f:
    f.write('name = "thousand"\n[settings]\nconcurrency = 100\n')
    for k in range(1000):
        flaky = k >= 900 and k % 10 == 0
        target = "/i/{{ index }}" if flaky else "/100b"
        f.write(f'[jobs.api-{k:03d}]\nkind = "http"\nrepeat = 100\nurl = "http://127.0.0.1:{port}{target}"\n')
        if k >= 100:
            f.write(f'needs = ["api-{k - 100:03d}"]\n')
PY

# The run fails (its flaky jobs): `; true` keeps interleave.py from taking that for a
# broken command; the reports are checked below.
echo "1,000 jobs x 100 GETs at concurrency 100, $runs interleaved rounds (first row: with the HTML report)"
python3 "$root/bench/interleave.py" "$runs" \
    "json + html=$gaia run -q $work/thousand.toml --report-json $work/a.json --report-html $work/a.html; true" \
    "json only=$gaia run -q $work/thousand.toml --report-json $work/b.json; true"
echo
echo "the same, the HTML report alone against no report, $runs interleaved rounds"
python3 "$root/bench/interleave.py" "$runs" \
    "html only=$gaia run -q $work/thousand.toml --report-html $work/c.html; true" \
    "no report=$gaia run -q $work/thousand.toml; true"

# Wall-time ratios between whole runs carry the machine's noise (a round's runs differ by
# several percent); gaia -v logs how long each report took to write, the cost itself. The
# page's cost grows with the jobs, not the instances: one job of 100,000 GETs is the other
# end.
cat > "$work/one.toml" <<TOML
name = "one"
[settings]
concurrency = 100
[jobs.get]
kind = "http"
repeat = 100000
url = "$url"
TOML
# html_share TOML WHAT [--report-json FILE]: the HTML report's share of the run, as gaia -v
# logs it. Without a JSON report the HTML report makes the JSON text first (its cost);
# with one, it reuses that text.
html_share() {
    toml=$1 what=$2
    shift 2
    python3 - "$runs" "$gaia" "$toml" "$work" "$what" "$@" <<'PY'
import re, statistics, subprocess, sys, time
runs, gaia, jobs, work, what = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
more = sys.argv[6:]
html_ms, run_ms = [], []
for _ in range(runs):
    start = time.monotonic()
    done = subprocess.run([gaia, "-v", "run", jobs, "--report-html", f"{work}/d.html"] + more,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    run_ms.append((time.monotonic() - start) * 1000)
    found = re.search(r"wrote the HTML report .* in ([0-9.]+) ms", done.stderr)
    if not found:
        sys.exit("bench: gaia -v did not say how long the HTML report took")
    html_ms.append(float(found.group(1)))
share = [h / r for h, r in zip(html_ms, run_ms)]
print(f"{what}: writing the HTML report (gaia -v) took a median {statistics.median(html_ms):.1f} ms of a "
      f"{statistics.median(run_ms):.0f} ms run: {statistics.median(share) * 100:.1f}% "
      f"(range {min(share) * 100:.1f}-{max(share) * 100:.1f}%, {runs} runs)")
PY
}
echo
html_share "$work/thousand.toml" "1,000 jobs x 100 GETs, with --report-json" --report-json "$work/d.json"
html_share "$work/thousand.toml" "1,000 jobs x 100 GETs, HTML alone      "
html_share "$work/one.toml" "1 job x 100,000 GETs, with --report-json  " --report-json "$work/d.json"
html_share "$work/one.toml" "1 job x 100,000 GETs, HTML alone        "

python3 - "$work/a.json" "$work/a.html" <<'PY'
import json, os, sys
report = json.load(open(sys.argv[1]))
instances = sum(j["instances"] for j in report["jobs"])
failed = sum(j["failed"] for j in report["jobs"])
if len(report["jobs"]) != 1000 or instances != 100000 or failed != 100:
    sys.exit(f"bench: the run was not what it should be: {len(report['jobs'])} jobs, {instances} instances, {failed} failed")
print()
print(f"JSON report: {os.path.getsize(sys.argv[1]) / 1048576:.2f} MiB; "
      f"HTML report: {os.path.getsize(sys.argv[2]) / 1048576:.2f} MiB "
      f"({len(report['jobs'])} jobs, {instances:,} instances, {failed} failed)")
PY

python3 - "$runs" "$gaia" "$work/a.json" "$work/c.html" <<'PY'
import statistics, subprocess, sys, time
runs, gaia, report, page = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
seconds = []
for _ in range(runs + 1):  # the first is a warm-up
    start = time.monotonic()
    subprocess.run([gaia, "report", "html", report, "-o", page], check=True, stdout=subprocess.DEVNULL)
    seconds.append(time.monotonic() - start)
seconds = seconds[1:]
print(f"gaia report html from that JSON: median {statistics.median(seconds) * 1000:.0f} ms "
      f"(range {min(seconds) * 1000:.0f}-{max(seconds) * 1000:.0f} ms, {runs} draws)")
PY
