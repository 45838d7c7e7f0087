#!/bin/sh
# gaia validate of a generated 10,000-job file: time (hyperfine) and peak RSS.
#   bench/validate_large.sh
. "$(dirname "$0")/lib.sh"
need hyperfine python3 /usr/bin/time

python3 - "$work/large.toml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('name = "large"\n[vars]\nbase = "/tmp"\n')
    for i in range(10000):
        f.write(f'[jobs.job{i}]\nkind = "process"\ncommand = ["echo", "{{{{ vars.base }}}}/{i}", "{{{{ index }}}}"]\n')
        if i:
            f.write(f'needs = ["job{i-1}"]\n')
        f.write('timeout = "5s"\nretries = { attempts = 2, backoff = "100ms" }\nexpect.exit_code = 0\n')
PY
echo "job file: $(wc -c < "$work/large.toml") bytes, 10,000 jobs in one dependency chain"
hyperfine --runs 5 --warmup 1 --export-json "$work/validate.json" -n "gaia validate (10,000 jobs)" \
    "$gaia validate -q $work/large.toml" >/dev/null
ratio_table "$work/validate.json"
echo "peak RSS: $(peak_rss_kib "$gaia" validate -q "$work/large.toml") KiB"
