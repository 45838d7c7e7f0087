#!/bin/sh
# Draws the HTML report's pictures in docs/images: a nightly run that fails (a fan-out with
# failing instances and a retry, an http fan-out with broken thresholds against a local
# python3 http.server, a job skipped for them) is run with --report-html, and gaia's own
# browser pool takes the screenshots: the top of the page in light and in dark, the
# failures, and one job's histogram.
#
#   scripts/report-screenshots.sh [GAIA]      (default: build/gaia)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
gaia="${1:-$root/build/gaia}"
images="$root/docs/images"
work=$(mktemp -d)
server=""
trap '[ -z "$server" ] || kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

# A site whose /items/N is there unless N ends in 7.
mkdir -p "$work/www/items" "$images"
for n in $(seq 0 119); do
    case $n in *7) ;; *) echo "{\"id\": $n}" >"$work/www/items/$n" ;; esac
done
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" "$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
    sleep 0.1
done

mkdir -p "$work/out"
# python3's http.server takes a few connections at a time.
cat >"$work/nightly.toml" <<TOML
name = "nightly"
[settings]
concurrency = 6

[jobs.build]
kind = "process"
command = ["sleep", "0.6"]

[jobs.unit-tests]
kind = "process"
needs = ["build"]
repeat = 48
command = ["sh", "-c", "sleep 0.\$(( {{ index }} % 7 + 1 )); test {{ index }} -ne 17 -a {{ index }} -ne 41 || { echo 'assertion failed: cache hit ratio 0.71 < 0.80' >&2; exit 1; }"]
retries = { attempts = 1, backoff = "50ms" }

[jobs.api-items]
kind = "http"
needs = ["build"]
repeat = 120
url = "http://127.0.0.1:$port/items/{{ index }}"
thresholds = { success_rate = 0.95, p95 = "20ms" }

[jobs.lint]
kind = "process"
command = ["sleep", "0.9"]

[jobs.archive]
kind = "file"
op = "write"
needs = ["lint"]
path = "$work/out/summary.txt"
content = "nightly summary"

[jobs.deploy]
kind = "process"
needs = ["unit-tests", "api-items", "archive"]
command = ["true"]
TOML
(cd "$work" && "$gaia" -q run nightly.toml --report-json report.json --report-html report.html) || true
test -s "$work/report.html"

# The browser job reads the page from the same server; the screenshots go to $images.
cp "$work/report.html" "$work/www/report.html"
page="http://127.0.0.1:$port/report.html"
cat >"$work/look.toml" <<TOML
[jobs.light]
kind = "browser"
url = "$page"
viewport = { width = 1100, height = 760 }
color_scheme = "light"
steps = [
  { wait_for = "footer" },
  { screenshot = "$images/report-top.png" },
  { screenshot = "$images/report-failures.png", selector = "#failures" },
  { screenshot = "$images/report-job.png", selector = "#job-2" },
]
expect = { no_console_errors = true }

[jobs.dark]
kind = "browser"
url = "$page"
viewport = { width = 1100, height = 760 }
color_scheme = "dark"
steps = [{ wait_for = "footer" }, { screenshot = "$images/report-dark.png" }]
expect = { no_console_errors = true }
TOML
"$gaia" -q run "$work/look.toml"
ls -l "$images"/report-*.png
