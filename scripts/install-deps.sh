#!/usr/bin/env bash
# Installs the Debian 12 packages tidemark builds and tests with, but only those that are missing,
# so `make run` and `make test` are fast on a machine that already has them.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git curl ca-certificates
  librocksdb-dev libzstd-dev liblz4-dev libbz2-dev libsnappy-dev zlib1g-dev libxxhash-dev
  libre2-dev libabsl-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libyaml-cpp-dev rapidjson-dev libboost-dev libspdlog-dev libfmt-dev
  libcurl4-openssl-dev libssl-dev openssl libjemalloc-dev libcrypt-dev
  clang libfuzzer-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm build the web UI (web/). Checked by command, not package: a machine may have
# them from elsewhere (NodeSource's nodejs brings its own npm and conflicts with Debian's).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
