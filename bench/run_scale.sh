#!/usr/bin/env bash
# Builds bench_scale (Release, no tests) and runs the size sweep, writing
# bench/results/bench_scale.{json,md,png} and bench_scale_memory.png.
# Usage: bench/run_scale.sh [bench_scale options...]   e.g. bench/run_scale.sh --max-size 1024
# Environment: BUILD_DIR (default build-bench), THREADS (default 0 = all hardware threads).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build-bench}"
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
cmake -S . -B "$BUILD_DIR" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release -DNST_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" --target bench_scale --parallel "$(nproc)"
mkdir -p bench/results
"$BUILD_DIR/bench/bench_scale" --threads "${THREADS:-0}" --json bench/results/bench_scale.json \
  --markdown bench/results/bench_scale.md --plot bench/results/bench_scale.png "$@"
