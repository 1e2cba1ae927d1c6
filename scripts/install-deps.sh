#!/usr/bin/env bash
# Installs the Debian 12 packages the catalog service needs to build, test and run, if any
# is missing, and any packages named as arguments (scripts/fuzz.sh adds clang's). Needs
# root (or sudo) only when something has to be installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates
  libcaf-dev libboost-dev libssl-dev libsqlite3-dev nlohmann-json3-dev catch2
  libicu-dev libspdlog-dev libfmt-dev libcli11-dev
  libroaring-dev  # the filter index's bitmaps
  libpq-dev postgresql-15  # the cluster's log; tests start throwaway PostgreSQL servers
  python3 curl
  openssl python3-cryptography  # signing keys for the cluster scripts; the proofs acceptance group
  chromium chromium-driver  # tests/browser: headless checks of /docs and /redoc
  "$@"
)
# scripts/openapi-check.sh: redocly and prism from the npm registry. Only when node or npm is
# missing: a Node.js from elsewhere (NodeSource's carries its own npm) stays as it is.
# Debian 12's nodejs is 18, too old for @redocly/cli 2.x: the check then reports skipped.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "installing: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
