#!/usr/bin/env bash
# Debian packages the benchmark suite needs (plots, profiling, the diy scenario's Redis) beyond
# install-deps.sh, and the diy scenario's npm packages (bench/diy, from its lockfile).
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS=(gnuplot-nox curl strace heaptrack redis-server)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  # The scenario runs its own redis-server on a loopback port: the package's service must not
  # start (a policy-rc.d that refuses, for the install only) nor start at boot.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    trap '$SUDO rm -f "$policy"' EXIT
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" > /dev/null
    $SUDO chmod 755 "$policy"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [[ " ${missing[*]} " == *" redis-server "* ]] && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now redis-server > /dev/null 2>&1 || true
  fi
fi
# npm ci when node_modules is missing or older than the lockfile.
cd bench/diy
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
  || npm ci --no-audit --no-fund --loglevel=error
