# tests/e2e/lib.sh -- What every end-to-end script shares: sourced, not run.
# fail MESSAGE: report and stop the script; check WHAT: announce the next check, with the time.
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
check() { echo "check: $* [${SECONDS}s]"; }
