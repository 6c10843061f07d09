#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan + UBSan) into ./build-fuzz and runs each one for
# SECONDS_PER_HARNESS, seeded from tests/fuzz/corpus/ and the fixtures. Prints a table of
# harness / executions / crashes and exits 1 when any harness crashed; crash inputs are kept
# under build-fuzz/crashes/<harness>/ and the logs under build-fuzz/logs/.
# Usage: scripts/fuzz.sh [SECONDS_PER_HARNESS (60)] [HARNESS ...]
#   harnesses: safetensors torch caffemodel image (the default, run in CI), keras_h5 (built, not
#   run by default: libhdf5 1.10.8 itself has use-after-free bugs on corrupt files).
# Replay one input: build-fuzz/tests/fuzz/nst_fuzz_<harness> FILE
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-60}
shift || true
HARNESSES=("$@")
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(safetensors torch caffemodel image)
BUILD=build-fuzz

GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD" "${GENERATOR[@]}" "${LAUNCHER[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DNST_BUILD_FUZZ=ON -DNST_BUILD_TESTS=OFF -DNST_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" --parallel "$(nproc)" --target "${HARNESSES[@]/#/nst_fuzz_}"

# Seeds: the committed corpus plus every fixture of the harness's format (copied, so that the
# fuzzer's own corpus folder never writes into the source tree).
seed() {
  local name=$1
  shift
  mkdir -p "$BUILD/seeds/$name"
  [ -d "tests/fuzz/corpus/$name" ] && cp tests/fuzz/corpus/"$name"/* "$BUILD/seeds/$name/"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$BUILD/seeds/$name/"; done
  return 0
}
rm -rf "$BUILD/seeds"
seed safetensors tests/fixtures/*.safetensors
seed torch tests/fixtures/*.pth
seed caffemodel tests/fixtures/*.caffemodel
seed keras_h5 tests/fixtures/*.h5
seed image examples/*.png examples/*.jpg

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$BUILD/logs"
rows=()
failed=0
for name in "${HARNESSES[@]}"; do
  crashes="$BUILD/crashes/$name"
  mkdir -p "$BUILD/corpus/$name" "$crashes"
  before=$(find "$crashes" -type f | wc -l)
  log="$BUILD/logs/$name.log"
  echo "fuzz: $name for ${SECONDS_PER}s (log: $log)"
  dict=()
  [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
  status=0
  "$BUILD/tests/fuzz/nst_fuzz_$name" "$BUILD/corpus/$name" "$BUILD/seeds/$name" "${dict[@]}" \
    -max_total_time="$SECONDS_PER" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$crashes/" >"$log" 2>&1 || status=$?
  executions=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  [ -n "$executions" ] || executions=$(grep -o '^#[0-9]*' "$log" | tr -d '#' | tail -1 || true)
  found=$(($(find "$crashes" -type f | wc -l) - before))
  if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; fi  # crashed before writing an input
  if [ "$found" -ne 0 ]; then
    failed=1
    grep -m1 -B2 -A25 'ERROR: \|runtime error\|deadly signal\|terminate called' "$log" || tail -40 "$log"
  fi
  rows+=("| $name | ${executions:-?} | $found |")
done

echo
echo "| harness | executions | crashes |"
echo "|---|---:|---:|"
printf '%s\n' "${rows[@]}"
if [ "$failed" -ne 0 ]; then
  echo "fuzz: crash inputs are in $BUILD/crashes/; replay one with $BUILD/tests/fuzz/nst_fuzz_<harness> FILE" >&2
  exit 1
fi
