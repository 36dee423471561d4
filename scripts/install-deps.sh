#!/usr/bin/env bash
# Installs every Debian package hookd needs to build, run and test. Idempotent; quiet when all present.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config ccache openssl ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libcurl4-openssl-dev libssl-dev libpq-dev postgresql
  libjemalloc-dev libspdlog-dev libfmt-dev libcli11-dev libtoml11-dev
  libgtest-dev libgmock-dev python3-aiosmtpd
  clang-16 libclang-rt-16-dev
  nodejs npm zsh chromium
  dpkg-dev adduser man-db groff-base sqlite3
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from outside Debian on some machines; accept any working node >= 18.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
