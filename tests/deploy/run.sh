#!/usr/bin/env bash
# The deploy tests: build the Debian package, then install it, verify its systemd unit,
# run the packaged binary against Prosody, ejabberd and nginx set up from
# deploy/recipes/, and remove and purge it again (tests/deploy/test_package.py).
#
#   tests/deploy/run.sh                      as root; scripts/test.sh runs it as "deploy"
#
# Environment:
#   BUILD_DIR=build              the build tree to package (configured if it isn't yet);
#                                scripts/test.sh has just built build/, so only packaging
#                                is left to do
#   JOBS=2                       parallel build jobs
#   JUNCTION_DEBOOTSTRAP_TEST=1  also run deploy/docker/Dockerfile's steps in Debian 12
#                                chroots (tests/deploy/dockerfile_chroot.py): downloads
#                                about 200 MB and builds Junction again, 10-20 minutes
# Changes the machine: installs and purges the package `junction` (the system user
# `junction` stays), and installs the tools below if they are missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$ROOT/$BUILD_DIR
JOBS=${JOBS:-2}

if [[ $(id -u) -ne 0 ]]; then
  echo "deploy tests install a package: run as root (CI does)" >&2
  exit 1
fi

# Tools: dpkg-shlibdeps and file (CPack's shlibdeps), systemd-analyze, man, the servers.
need=()
for tool in dpkg-shlibdeps:dpkg-dev file:file systemd-analyze:systemd man:man-db \
            nginx:nginx prosody:prosody ejabberdctl:ejabberd openssl:openssl setpriv:util-linux sqlite3:sqlite3; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool#*:}")
done
/usr/bin/python3 -c 'import slixmpp, pytest' 2>/dev/null || need+=(python3-slixmpp python3-pytest)
if ((${#need[@]})); then
  echo "deploy: installing ${need[*]}"
  if [[ ! -x /usr/sbin/policy-rc.d ]] || ! grep -q 'exit 101' /usr/sbin/policy-rc.d; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi

echo "deploy: packaging $BUILD_DIR"
if [[ ! -f $BUILD_DIR/build.ninja ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
rm -f "$BUILD_DIR"/junction_*.deb
cmake --build "$BUILD_DIR" -j "$JOBS" --target package
shopt -s nullglob
debs=("$BUILD_DIR"/junction_*.deb)
if ((${#debs[@]} != 1)); then
  echo "deploy: expected one junction_*.deb in $BUILD_DIR, found ${#debs[@]}" >&2
  exit 1
fi
echo "deploy: built ${debs[0]##*/}"

status=0
JUNCTION_DEB=${debs[0]} timeout --kill-after=30 12m \
  /usr/bin/python3 -m pytest "$ROOT/tests/deploy" -v -p no:cacheprovider || status=$?

if [[ ${JUNCTION_DEBOOTSTRAP_TEST:-0} == 1 ]]; then
  timeout --kill-after=30 60m /usr/bin/python3 "$ROOT/tests/deploy/dockerfile_chroot.py" || status=1
fi
exit "$status"
