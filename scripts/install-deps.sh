#!/bin/sh
# Installs the Debian 12 packages gaia needs to build, test and (with --bench)
# benchmark; --build-only: only what building gaia needs; --package: that and what
# scripts/package.sh needs. Idempotent: when everything is present it only asks dpkg and exits.
set -eu

build="cmake ninja-build ccache g++ pkg-config
libuv1-dev libcli11-dev libtomlplusplus-dev libspdlog-dev libfmt-dev
nlohmann-json3-dev libre2-dev libcurl4-openssl-dev libhttp-parser-dev libc-ares-dev libssl-dev
libsimdjson-dev libpugixml-dev libgoogle-perftools-dev libsqlite3-dev
libhowardhinnant-date-dev"
test="doctest-dev prometheus zsh fish bash-completion procps python3 time
nginx-light openssl dnsmasq-base chromium zlib1g-dev curl prometheus-node-exporter python3-yaml google-perftools tmux
clang libclang-rt-14-dev slowhttptest faketime systemd man-db dpkg-dev lintian python3-httpbin msmtp python3-croniter
slurm-wlm munge nodejs npm debootstrap"
package="dpkg-dev lintian debootstrap man-db"
bench="hyperfine parallel findutils time python3 nginx-light wrk hey apache2-utils stress-ng jq openssl nodejs npm prometheus-node-exporter curl"

want="$build $test"
for arg in "$@"; do
    case "$arg" in
        --bench) want="$want $bench" ;;
        --build-only) want="$build" ;;
        --package) want="$build $package" ;;
        *) echo "usage: $0 [--bench] [--build-only] [--package]" >&2; exit 2 ;;
    esac
done

missing=""
for pkg in $want; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *" installed") ;;
        *)
            # Node.js from NodeSource bundles npm and conflicts with Debian's npm package:
            # the commands are what the benchmarks need, whichever package brought them.
            case "$pkg" in
                nodejs | npm) command -v "${pkg%js}" >/dev/null 2>&1 && continue ;;
            esac
            missing="$missing $pkg"
            ;;
    esac
done
[ -z "$missing" ] && exit 0

count=$(echo $missing | wc -w)
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install-deps: $count Debian packages are missing and this user cannot install them (no sudo)." >&2
        echo "install-deps: as root, run:  apt-get install --no-install-recommends$missing" >&2
        exit 1
    fi
    sudo="sudo"
fi
echo "install-deps: installing $count Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: apt-get update" >&2
$sudo apt-get update -qq
# nginx is only a peer for tests and benchmarks, which start their own: its package
# must not try to start the system service (without systemd, a failed start would fail
# the install). invoke-rc.d starts nothing outside the service's runlevels.
# apt's own progress lines (one per package unpacked and set up) show that it works.
echo "install-deps: apt-get install (this can take minutes)" >&2
# shellcheck disable=SC2086 # word splitting of the package list is intended
$sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y --no-install-recommends \
    -o Dpkg::Progress-Fancy=0 $missing | grep --line-buffered -E '^(Unpacking|Setting up) ' >&2 || true
# The grep above hides apt's exit status: ask dpkg whether everything is there now.
for pkg in $missing; do
    case "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" in
        *" installed") ;;
        *) echo "install-deps: $pkg did not install; run: $sudo apt-get install $pkg" >&2; exit 1 ;;
    esac
done
echo "install-deps: done" >&2
