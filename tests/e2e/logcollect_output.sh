#!/usr/bin/env bash
# tests/e2e/logcollect_output.sh -- logcollect --output tcp://… into `logstore --listen`, through
# the real binaries, with a count and a sequence check (logstore export) that every line of a
# steadily written file arrived exactly once:
#   - logstore restarted (SIGTERM, start again) in the middle of the stream, no spool: the
#     memory buffer holds the lines while it is away;
#   - with --spool and a small --buffer: the store away for longer, logcollect itself restarted
#     (SIGTERM, --state) while the store is away: what it held went to the spool and is sent
#     first once the store is back; the spool is empty at the end;
#   - logstore stopped while logcollect writes as fast as it can (no line cut short: the
#     store exits 0);
#   - unix:PATH works the same way.
#
#   LOGCOLLECT=... LOGSTORE=... bash tests/e2e/logcollect_output.sh
# Needs python3. Failed properties are listed at the end.

# shellcheck disable=SC2015
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

default_build=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build
LOGCOLLECT=${LOGCOLLECT:-$default_build/tools/logcollect/logcollect}
LOGSTORE=${LOGSTORE:-$default_build/tools/logstore/logstore}
for bin in "$LOGCOLLECT" "$LOGSTORE"; do
  [[ -x $bin ]] || fail "'$bin' is not executable"
done
command -v python3 >/dev/null 2>&1 || fail "python3 is required"

work=$(mktemp -d "${TMPDIR:-/tmp}/logcollect-output.XXXXXX") || exit 2
bg_pids=()
cleanup() {
  local pid
  for pid in "${bg_pids[@]}"; do
    [[ $(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ') == "$$" ]] && kill -9 "$pid" 2>/dev/null
  done
  for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export LC_ALL=C

failures=()
bad() {
  echo "  FAIL: $*" >&2
  failures+=("$*")
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_store NAME DIR ADDR: logstore DIR --listen ADDR in the background, once it accepts;
# sets store_pid.
start_store() {
  "$LOGSTORE" "$2" --listen "$3" 2>>"$work/$1.store.err" &
  store_pid=$!
  bg_pids+=($store_pid)
  python3 - "$3" <<'PY' || fail "logstore did not listen on $3: $(cat "$work/$1.store.err")"
import socket, sys, time
addr = sys.argv[1]
for _ in range(200):
    try:
        if addr.startswith("unix:"):
            s = socket.socket(socket.AF_UNIX); s.connect(addr[5:])
        else:
            host, port = addr[6:].rsplit(":", 1); s = socket.create_connection((host, int(port)))
        s.close(); sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

stop() {  # stop PID WHAT: SIGTERM and wait; a failed property unless it exits 0 within 30 s
  kill -TERM "$1" 2>/dev/null
  local waited=0
  while kill -0 "$1" 2>/dev/null && ((waited < 600)); do
    sleep 0.05
    waited=$((waited + 1))
  done
  kill -0 "$1" 2>/dev/null && { kill -9 "$1"; bad "$2 did not exit within 30 s of SIGTERM"; }
  wait "$1"
  local rc=$?
  [[ $rc == 0 ]] || bad "$2 exited $rc after SIGTERM"
}

# writer FILE FIRST COUNT RATE: appends lines seq FIRST.. at RATE lines per second (background).
writer() {
  python3 - "$@" <<'PY' &
import json, sys, time
path, first, count, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
start = time.time()
with open(path, "a") as f:
    for i in range(first, first + count):
        f.write(json.dumps({"timestamp": "2025-05-01T10:00:00Z", "level": "info",
                            "message": f"line {i}", "seq": i}) + "\n")
        if i % 50 == 49:
            f.flush()
            delay = start + (i - first + 1) / rate - time.time()
            if delay > 0:
                time.sleep(delay)
PY
  writer_pid=$!
  bg_pids+=($writer_pid)
}

# exactly_once WHAT STORE N: the store holds seq 0..N-1, each once.
exactly_once() {
  "$LOGSTORE" export "$2" >"$work/export.ndjson" 2>"$work/export.err" ||
    { bad "$1: logstore export failed: $(cat "$work/export.err")"; return; }
  python3 - "$work/export.ndjson" "$3" <<'PY' || bad "$1: not every line exactly once"
import collections, json, sys
n = int(sys.argv[2])
seqs = collections.Counter()
for line in open(sys.argv[1]):
    r = json.loads(line)
    seqs[r.get("seq", r.get("fields", {}).get("seq"))] += 1
missing = [s for s in range(n) if seqs[s] == 0]
twice = sorted(s for s, c in seqs.items() if c > 1)
extra = sorted(s for s in seqs if not (isinstance(s, int) and 0 <= s < n))
print(f"  {sum(seqs.values())} records stored for {n} lines written; "
      f"missing {len(missing)} {missing[:10]}, twice {len(twice)} {twice[:10]}, other {extra[:5]}")
sys.exit(0 if not missing and not twice and not extra else 1)
PY
}


check "logstore restarted in the middle of a steady stream, no spool"
port=$(free_port)
addr="tcp://127.0.0.1:$port"
start_store a "$work/store-a" "$addr"
: >"$work/a.log"
writer "$work/a.log" 0 6000 2000
"$LOGCOLLECT" --read-from beginning --state "$work/state-a" --output "$addr" \
  "file://$work/a.log" 2>"$work/a.collect.err" &
collect_pid=$!
bg_pids+=($collect_pid)
sleep 1
stop "$store_pid" "logstore (first)"
sleep 0.5
start_store a "$work/store-a" "$addr"
wait "$writer_pid"
sleep 2
stop "$collect_pid" "logcollect"
stop "$store_pid" "logstore (second)"
exactly_once "store restart, no spool" "$work/store-a" 6000
grep -q "logcollect: $addr: " "$work/a.collect.err" || bad "the lost connection was not reported"

check "--spool, small --buffer: the store away for long, logcollect restarted meanwhile"
port=$(free_port)
addr="tcp://127.0.0.1:$port"
spool="$work/spool-b"
collect_b() {
  "$LOGCOLLECT" --read-from beginning --state "$work/state-b" --output "$addr" --buffer 256K \
    --spool "$spool" --drain-timeout 2s "file://$work/b.log" 2>>"$work/b.collect.err" &
  collect_pid=$!
  bg_pids+=($collect_pid)
}
start_store b "$work/store-b" "$addr"
: >"$work/b.log"
writer "$work/b.log" 0 8000 2000
collect_b
sleep 1
stop "$store_pid" "logstore (first)"
sleep 2
stop "$collect_pid" "logcollect (first, store away)"
ls "$spool"/segment-* >/dev/null 2>&1 || bad "nothing was spooled while the store was away"
collect_b
sleep 1
start_store b "$work/store-b" "$addr"
wait "$writer_pid"
sleep 2
stop "$collect_pid" "logcollect (second)"
stop "$store_pid" "logstore (second)"
exactly_once "store away, collector restarted, spool" "$work/store-b" 8000
ls "$spool"/segment-* >/dev/null 2>&1 && bad "the spool was not emptied once sent"

check "logstore stopped while logcollect writes as fast as it can: no line cut, lost or twice"
# The store half-closes at its stop; logcollect finishes the line it was writing before it
# closes, so the store rejects nothing (exit 0) and the line is not sent again.
port=$(free_port)
addr="tcp://127.0.0.1:$port"
writer "$work/d.log" 0 300000 100000000
wait "$writer_pid"
start_store d "$work/store-d" "$addr"
"$LOGCOLLECT" --read-from beginning --state "$work/state-d" --output "$addr" \
  "file://$work/d.log" 2>"$work/d.collect.err" &
collect_pid=$!
bg_pids+=($collect_pid)
sleep 0.5
stop "$store_pid" "logstore (first, under load)"
start_store d "$work/store-d" "$addr"
sleep 6
stop "$collect_pid" "logcollect"
stop "$store_pid" "logstore (second)"
exactly_once "store stopped under full load" "$work/store-d" 300000

check "unix:PATH"
addr="unix:$work/store.sock"
start_store c "$work/store-c" "$addr"
writer "$work/c.log" 0 2000 4000
wait "$writer_pid"
"$LOGCOLLECT" --once --output "$addr" "file://$work/c.log" 2>"$work/c.collect.err" ||
  bad "--once into unix: exited $? ($(cat "$work/c.collect.err"))"
stop "$store_pid" "logstore (unix)"
exactly_once "unix socket" "$work/store-c" 2000

if ((${#failures[@]} > 0)); then
  echo "FAIL: logcollect_output: ${#failures[@]} failed properties:" >&2
  printf '  - %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "PASS: logcollect_output [${SECONDS}s]"
