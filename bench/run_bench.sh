#!/usr/bin/env bash
# Builds bench_style (Release, no tests) and runs it, writing bench/results/bench_style.{json,md}.
# Usage: bench/run_bench.sh [bench_style options...]   e.g. bench/run_bench.sh --sizes 256 --reps 3
# Environment: BUILD_DIR (default build-bench), THREADS (default 0 = all hardware threads).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build-bench}"
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
cmake -S . -B "$BUILD_DIR" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release -DNST_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" --target bench_style --parallel "$(nproc)"
mkdir -p bench/results
"$BUILD_DIR/bench/bench_style" --threads "${THREADS:-0}" \
  --json bench/results/bench_style.json --markdown bench/results/bench_style.md "$@"
