#!/bin/sh
# Installs the Debian 12 packages gaia needs to build, test and (with --bench)
# benchmark. Idempotent: when everything is present it only asks dpkg and exits.
set -eu

build="cmake ninja-build ccache g++ pkg-config
libuv1-dev libcli11-dev libtomlplusplus-dev libspdlog-dev libfmt-dev
nlohmann-json3-dev libre2-dev libcurl4-openssl-dev libhttp-parser-dev libc-ares-dev libssl-dev
libsimdjson-dev libpugixml-dev libgoogle-perftools-dev"
test="doctest-dev prometheus zsh fish bash-completion procps python3 time
nginx-light openssl dnsmasq-base chromium zlib1g-dev curl prometheus-node-exporter python3-yaml google-perftools tmux
clang libclang-rt-14-dev slowhttptest faketime"
bench="hyperfine parallel findutils time python3 nginx-light wrk hey jq openssl nodejs npm prometheus-node-exporter curl"

want="$build $test"
for arg in "$@"; do
    case "$arg" in
        --bench) want="$want $bench" ;;
        --build-only) want="$build" ;;
        *) echo "usage: $0 [--bench] [--build-only]" >&2; exit 2 ;;
    esac
done

missing=""
for pkg in $want; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *" installed") ;;
        *) missing="$missing $pkg" ;;
    esac
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# nginx is only a peer for tests and benchmarks, which start their own: its package
# must not try to start the system service (without systemd, a failed start would fail
# the install). invoke-rc.d starts nothing outside the service's runlevels.
$sudo apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
$sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends $missing >/dev/null
