#!/usr/bin/env bash
# Fresh Debian 12 machine -> all tests: installs packages, builds, runs unit and CLI tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
