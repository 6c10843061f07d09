# Sourced by the CLI test scripts (args: NST_BINARY SOURCE_DIR): a temp folder, the example
# images, a failure counter and `expect`. Named .bash so the *.sh test glob skips it.
set -u
NST="$1"; SRC="$2"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
C="$SRC/examples/chelsea.png"; S="$SRC/examples/starry_night.jpg"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures+1)); }

# expect CODE PATTERN -- ARGS...: exit code CODE, stderr exactly one line matching PATTERN.
expect() {
  local code="$1" pattern="$2"; shift 3
  "$NST" "$@" >"$TMP/out" 2>"$TMP/err"; local got=$?
  if [ "$got" -ne "$code" ] || ! grep -q -- "$pattern" "$TMP/err" || [ "$(grep -c . "$TMP/err")" -ne 1 ]; then
    fail "nst $* -> exit $got (want $code), stderr:"; cat "$TMP/err"
  else
    echo "ok: $code '$pattern'"
  fi
}
