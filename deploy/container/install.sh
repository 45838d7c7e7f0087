#!/bin/sh
# The image's install steps, in one script so that the Containerfile and the test that
# runs them in a Debian 12 root made by debootstrap (tests/packaging/container_test.cpp)
# run the same ones: gaia from its Debian package with what apt resolves for it, Chromium
# for browser jobs with its setuid sandbox (chromium-sandbox: without it Chromium refuses to
# start as a user that cannot make user namespaces, as in most containers), curl for the
# HEALTHCHECK, and the user gaia runs as.
#   install.sh GAIA_DEB
set -eu
deb=$1
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: only what gaia needs; Chromium is asked for by name.
apt-get install -y -qq --no-install-recommends "$deb" chromium chromium-sandbox fonts-liberation curl ca-certificates \
    >/dev/null
# A fixed uid and gid, so that a Kubernetes securityContext (runAsUser 10001) and file
# ownership on volumes agree with the image.
groupadd --gid 10001 gaia
useradd --uid 10001 --gid gaia --no-log-init --home-dir /var/lib/gaia --create-home --shell /usr/sbin/nologin gaia
install -d -o gaia -g gaia -m 0755 /etc/gaia/jobs /reports
apt-get clean
rm -rf /var/lib/apt/lists/*
