#!/bin/sh
# Builds the Debian package: a Release build of gaia alone (no tests) in build-deb/,
# installed for /usr, packed by CPack into build-deb/gaia_VERSION_ARCH.deb, then checked
# with lintian (an error fails this script). Install it with
#   sudo apt-get install ./build-deb/gaia_*.deb
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --package
. ./scripts/build-env.sh

# Debian's hardening flags (stack protector, _FORTIFY_SOURCE, full RELRO, bind now), as a
# package built by debhelper would have them.
DEB_BUILD_MAINT_OPTIONS=hardening=+all
export DEB_BUILD_MAINT_OPTIONS
cmake -S . -B build-deb -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=OFF \
    -DCMAKE_CXX_FLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
    -DCMAKE_EXE_LINKER_FLAGS="$(dpkg-buildflags --get LDFLAGS)" >/dev/null
cmake --build build-deb -j "$jobs"
rm -f build-deb/gaia_*.deb
(cd build-deb && cpack -G DEB >/dev/null)
deb=$(ls build-deb/gaia_*.deb)
echo "package: $deb"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
# lintian exits non-zero on an error; warnings and notes are shown, not fatal.
lintian --info --display-info "$deb"
echo "lintian: no errors"
