#!/bin/sh
# Start-up cost: gaia version, and gaia run of a one-job file (one /bin/true), next to
# running /bin/true through sh for scale.
#   bench/startup.sh
. "$(dirname "$0")/lib.sh"
need hyperfine python3
printf '[jobs.one]\nkind = "process"\ncommand = ["/bin/true"]\n' > "$work/one.toml"
hyperfine --runs 50 --warmup 5 -N --export-json "$work/startup.json" \
    -n "gaia version" "$gaia version" \
    -n "gaia run (one job)" "$gaia run -q $work/one.toml" \
    -n "sh -c /bin/true" "sh -c /bin/true" >/dev/null
ratio_table "$work/startup.json"
