#!/usr/bin/env bash
# Installs everything Junction needs to build and test on Debian 12.
# Idempotent: when every package is already installed it only checks and returns.
# Packaged daemons (prosody, ejabberd, ngircd, kannel, exim) are never started:
# the tests and the demo run their own instances on loopback.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config g++
  libboost-dev libexpat1-dev libsqlite3-dev libidn11-dev libtomlplusplus-dev
  libgmime-3.0-dev libcurl4-openssl-dev libjsoncpp-dev libgtest-dev libgmock-dev
  libssl-dev libfmt-dev libphonenumber-dev
  # fuzzing
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
  # real peers for end-to-end tests and the demo
  prosody ejabberd ngircd kannel kannel-extras exim4-daemon-light swaks
  # test clients and tools
  python3-slixmpp python3-pytest python3-twilio python3-cryptography sqlite3 curl openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=()
if [[ $(id -u) -ne 0 ]]; then SUDO=(sudo); fi

# Keep package installs from starting daemons on their default ports.
if [[ ! -x /usr/sbin/policy-rc.d ]] || ! grep -q 'exit 101' /usr/sbin/policy-rc.d; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
echo "setup: done"
