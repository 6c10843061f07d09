#!/usr/bin/env bash
# Installs every system package nst needs on Debian 12 (build, tests, bench).
# Usage: scripts/install-deps.sh            (runs apt-get with sudo when not root)
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev            # tensors, autograd, oneDNN convolutions (CPU)
  libopenblas0-openmp     # fast BLAS for Gram matrices (becomes the default BLAS)
  libvips-dev             # image decode/encode, EXIF orientation, resampling
  libcli11-dev            # command-line options
  nlohmann-json3-dev      # trace / bench JSON
  libgtest-dev            # unit tests
  python3 python3-scipy   # reference L-BFGS-B for the optimizer tests
)
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
