#!/bin/sh
# Proves the Debian package on a fresh system: builds a Debian 12 root with debootstrap
# (the default variant plus man-db and bash-completion, which every standard Debian
# install has), installs build-deb/gaia_*.deb there with `apt-get install ./…` so that apt
# resolves its dependencies, and uses gaia inside as a new user would: --version, man,
# the installed quick start, a validate error, bash completion of `gaia ru<TAB>`.
# Needs root and Debian's mirror; takes a few minutes. Run scripts/package.sh first.
#   scripts/check-package.sh [ROOT]      (ROOT: build-deb/bookworm-root by default; kept)
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "check-package: run as root (debootstrap and chroot need it): sudo $0" >&2; exit 2; }
deb=$(ls build-deb/gaia_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { echo "check-package: no build-deb/gaia_*.deb: run scripts/package.sh first" >&2; exit 2; }
root=${1:-build-deb/bookworm-root}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ ! -x "$root/usr/bin/apt-get" ]; then
    echo "check-package: debootstrap bookworm into $root (a few minutes)"
    debootstrap --include=man-db,bash-completion bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
        { tail -n 20 "$root.debootstrap.log" >&2; exit 1; }
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
mounted=""
cleanup() { for m in $mounted; do umount "$root/$m" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
# /proc only: the root keeps the device nodes debootstrap made. A bound host /dev would let
# a package's scripts in the root replace the host's nodes (/dev/null among them).
mount --bind /proc "$root/proc" && mounted="proc"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8 "$@"; }

echo "check-package: apt-get install ./$(basename "$deb")"
in_root sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "./tmp/$1" >/tmp/apt.log 2>&1 || { tail -n 20 /tmp/apt.log; exit 1; }' sh "$(basename "$deb")"

echo "--- gaia --version"
in_root gaia --version
echo "--- man gaia (first lines)"
in_root sh -c 'MANWIDTH=80 man gaia 2>&1 | head -n 8'
echo "--- gaia run /usr/share/doc/gaia/examples/quickstart.toml"
in_root sh -c 'cd /tmp && gaia run --color never /usr/share/doc/gaia/examples/quickstart.toml'
echo "--- gaia validate on a broken file (exit status 2 expected)"
in_root sh -c 'printf "[jobs.a]\nkind = \"proces\"\n" > /tmp/broken.toml'
status=0
in_root gaia validate /tmp/broken.toml || status=$?
[ "$status" -eq 2 ] || { echo "check-package: gaia validate exited $status, not 2" >&2; exit 1; }
echo "--- bash completion of \"gaia ru\""
completed=$(in_root bash -c 'source /usr/share/bash-completion/bash_completion; _completion_loader gaia;
    COMP_WORDS=(gaia ru); COMP_CWORD=1; COMP_LINE="gaia ru"; COMP_POINT=7; _gaia; echo "${COMPREPLY[*]}"')
echo "$completed"
[ "$completed" = run ] || { echo "check-package: bash completed \"gaia ru\" to \"$completed\", not \"run\"" >&2; exit 1; }
echo "check-package: passed"
