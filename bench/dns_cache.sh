#!/bin/sh
# The cost of a cached DNS lookup per request (target: under 5 µs), next to the C
# library's getaddrinfo of the same name for scale.
#   bench/dns_cache.sh [NAME] [COUNT]      (NAME default localhost, from /etc/hosts)
. "$(dirname "$0")/lib.sh"
"$root/build/gaia_bench_dns" "${1:-localhost}" "${2:-1000000}"
