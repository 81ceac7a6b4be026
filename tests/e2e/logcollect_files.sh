#!/usr/bin/env bash
# tests/e2e/logcollect_files.sh -- Properties of logcollect's file and standard-input sources,
# through the binary, with a sequence number in every line so that a lost or doubled line shows:
#   - rotation by rename-and-create and by copytruncate during a steady write: every line
#     exactly once, in order (copytruncate: the lines appended after the last read are taken
#     from the copy);
#   - a restart after SIGTERM resumes from the state directory: exactly once across the runs;
#     after SIGKILL at least once, the doubles bounded by what was written since the last save;
#   - a glob picks up a file created while running; a deleted file is released (its descriptor
#     closed); a new file on a reused inode (or path) is read whole; two files that start with
#     the same line are both read;
#   - --read-from end skips what was there; --once reads a last line without a newline;
#   - over-long, binary and invalid lines: reported as FILE:LINE on stderr, counted, written to
#     the dead-letter file; the good lines around them are kept; exit 65 with --once;
#   - standard input to its end; exit statuses 64, 66, 75.
#
#   LOGCOLLECT=... bash tests/e2e/logcollect_files.sh
# Needs python3 (standard library only).
set -uo pipefail

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

default_build=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build
LOGCOLLECT=${LOGCOLLECT:-$default_build/tools/logcollect/logcollect}
[[ -x $LOGCOLLECT ]] || fail "'$LOGCOLLECT' is not executable"
command -v python3 >/dev/null 2>&1 || fail "python3 is required"

work=$(mktemp -d "${TMPDIR:-/tmp}/logcollect-files.XXXXXX") || exit 2
pids=()
# Only collectors still running as our children are killed: the PID of one that ended may
# already belong to another process (meson runs tests side by side).
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    [[ $(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ') == "$$" ]] && kill -9 "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
bad() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# writer.py PATH FIRST COUNT MODE EVERY: appends lines {"message":"seq N","seq":N}, about
# 20,000 a second, rotating every EVERY lines by MODE (rename, copytruncate or none). The
# rotation happens between two writes, as logrotate does it to a writer that reopens its file.
cat >"$work/writer.py" <<'PY'
import os, shutil, sys, time
path, first, count, mode, every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
out = open(path, "a")
rotations = 0
for seq in range(first, first + count):
    out.write('{"message":"seq %d","seq":%d}\n' % (seq, seq))
    if seq % 100 == 99:
        out.flush()
        time.sleep(0.005)
    if every and seq % every == every - 1:
        out.flush()
        rotations += 1
        if mode == "rename":
            out.close()
            os.rename(path, "%s.%d" % (path, rotations))
            out = open(path, "a")
        elif mode == "copytruncate":
            shutil.copyfile(path, "%s.%d" % (path, rotations))
            os.truncate(path, 0)
out.close()
PY

# check_sequence MODE FIRST COUNT FILE...: the records' seq fields are FIRST..FIRST+COUNT-1,
# MODE exact (each once, in order) or atleast (each at least once; prints the doubles).
cat >"$work/check.py" <<'PY'
import json, sys
mode, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seqs = []
for name in sys.argv[4:]:
    with open(name) as f:
        for line in f:
            seqs.append(json.loads(line)["fields"]["seq"])
want = list(range(first, first + count))
if mode == "exact":
    if seqs != want:
        missing = sorted(set(want) - set(seqs))
        doubled = len(seqs) - len(set(seqs))
        order = "in order" if seqs == sorted(seqs) else "out of order"
        sys.exit("got %d records (%d doubled, %s), %d missing, first missing %s"
                 % (len(seqs), doubled, order, len(missing), missing[:5]))
else:
    missing = sorted(set(want) - set(seqs))
    if missing:
        sys.exit("%d missing, first %s" % (len(missing), missing[:5]))
    print("doubles=%d" % (len(seqs) - len(set(seqs))))
PY

# wait_lines FILE N: waits up to 20 s for FILE to hold N lines.
wait_lines() {
  local i
  for ((i = 0; i < 400; i++)); do
    [[ -f $1 && $(wc -l <"$1") -ge $2 ]] && return 0
    sleep 0.05
  done
  return 1
}

# stop_collector PID: SIGTERM, then the exit status must be 0 within 10 s.
stop_collector() {
  kill -TERM "$1"
  local i
  for ((i = 0; i < 200; i++)); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$1" 2>/dev/null && { bad "logcollect pid $1 still running 10 s after SIGTERM"; kill -9 "$1"; }
  wait "$1"
}

# Rotation during a steady write: MODE, lines, rotation period.
rotation_case() {
  local mode=$1 count=$2 every=$3 dir="$work/rot-$1"
  check "rotation by $mode: $count lines, rotated every $every"
  mkdir -p "$dir"
  : >"$dir/app.log"
  "$LOGCOLLECT" --state "$dir/state" --read-from beginning "file://$dir/app.log" \
    >"$dir/out" 2>"$dir/err" &
  local pid=$!
  pids+=("$pid")
  python3 "$work/writer.py" "$dir/app.log" 0 "$count" "$mode" "$every"
  wait_lines "$dir/out" "$count" || bad "$mode: only $(wc -l <"$dir/out") of $count lines after 20 s"
  stop_collector "$pid" || bad "$mode: exit status $? after SIGTERM"
  python3 "$work/check.py" exact 0 "$count" "$dir/out" || bad "$mode: sequence"
  grep -q . "$dir/err" && bad "$mode: stderr: $(head -3 "$dir/err")"
  ls "$dir"/app.log.* >/dev/null 2>&1 || bad "$mode: the writer did not rotate"
}
rotation_case rename 20000 3000
rotation_case copytruncate 20000 3000

check "restart after SIGTERM while writing: exactly once across the runs"
dir="$work/term"
mkdir -p "$dir"
: >"$dir/app.log"
# The collector starts first, so that it reads as the lines come: stopped after 3,000 of them,
# it must not have seen the whole file, or nothing would be tested.
"$LOGCOLLECT" --state "$dir/state" --read-from beginning "file://$dir/app.log*" >"$dir/out1" 2>"$dir/err1" &
pid=$!
pids+=("$pid")
sleep 0.3
python3 "$work/writer.py" "$dir/app.log" 0 30000 rename 7000 &
writer=$!
wait_lines "$dir/out1" 3000 || bad "SIGTERM: the first run is not reading"
stop_collector "$pid" || bad "SIGTERM: exit status $?"
[[ $(wc -l <"$dir/out1") -lt 30000 ]] || bad "SIGTERM: the first run read everything: nothing was tested"
"$LOGCOLLECT" --state "$dir/state" --read-from beginning "file://$dir/app.log*" >"$dir/out2" 2>"$dir/err2" &
pid=$!
pids+=("$pid")
wait "$writer"
total() { cat "$@" | wc -l; }
for ((i = 0; i < 400; i++)); do
  [[ $(total "$dir/out1" "$dir/out2") -ge 30000 ]] && break
  sleep 0.05
done
stop_collector "$pid" || bad "SIGTERM (second run): exit status $?"
python3 "$work/check.py" exact 0 30000 "$dir/out1" "$dir/out2" || bad "SIGTERM restart: sequence"

check "restart after SIGKILL: at least once"
dir="$work/kill"
mkdir -p "$dir"
: >"$dir/app.log"
"$LOGCOLLECT" --state "$dir/state" --checkpoint-interval 200ms --read-from beginning \
  "file://$dir/app.log" >"$dir/out1" 2>"$dir/err1" &
pid=$!
pids+=("$pid")
sleep 0.3
python3 "$work/writer.py" "$dir/app.log" 0 30000 none 0 &
writer=$!
wait_lines "$dir/out1" 3000 || bad "SIGKILL: the first run is not reading"
sleep 0.1
kill -KILL "$pid"
wait "$pid" 2>/dev/null
"$LOGCOLLECT" --state "$dir/state" --read-from beginning "file://$dir/app.log" >"$dir/out2" 2>"$dir/err2" &
pid=$!
pids+=("$pid")
wait "$writer"
for ((i = 0; i < 400; i++)); do
  [[ $(python3 -c 'import json,sys
s=set()
for n in sys.argv[1:]:
  for l in open(n): s.add(json.loads(l)["fields"]["seq"])
print(len(s))' "$dir/out1" "$dir/out2") -ge 30000 ]] && break
  sleep 0.05
done
stop_collector "$pid" || bad "SIGKILL restart: exit status $?"
doubles=$(python3 "$work/check.py" atleast 0 30000 "$dir/out1" "$dir/out2") || bad "SIGKILL restart: lines lost"
echo "  after SIGKILL: ${doubles:-?} (at most what was written since the last checkpoint)"

check "a glob picks up a new file; a deleted file is released"
dir="$work/glob"
mkdir -p "$dir"
echo '{"message":"seq 0","seq":0}' >"$dir/first.log"
"$LOGCOLLECT" --read-from beginning "file://$dir/*.log" >"$dir/out" 2>"$dir/err" &
pid=$!
pids+=("$pid")
wait_lines "$dir/out" 1 || bad "glob: the first file was not read"
echo '{"message":"seq 1","seq":1}' >"$dir/second.log"
wait_lines "$dir/out" 2 || bad "glob: a file created while running was not picked up"
rm "$dir/first.log"
sleep 0.5
ls -l "/proc/$pid/fd" 2>/dev/null | grep -q 'first.log (deleted)' && bad "glob: the deleted file is still open"
stop_collector "$pid"
python3 "$work/check.py" exact 0 2 "$dir/out" || bad "glob: sequence"

check "a new file on a reused path is read whole; files starting alike are both read"
dir="$work/reuse"
mkdir -p "$dir"
printf '# header\n{"message":"seq 0","seq":0}\n' >"$dir/a.log"
"$LOGCOLLECT" --once --state "$dir/state" --format json "file://$dir/a.log" >"$dir/out1" 2>/dev/null
rm "$dir/a.log"
printf '{"message":"seq 1","seq":1}\n{"message":"seq 2","seq":2}\n' >"$dir/a.log"
"$LOGCOLLECT" --once --state "$dir/state" "file://$dir/a.log" >"$dir/out2" 2>"$dir/err2" ||
  bad "reuse: exit status $?"
python3 "$work/check.py" exact 1 2 "$dir/out2" || bad "reuse: the new file was not read whole"
mkdir -p "$dir/same"
printf '{"message":"seq 0","seq":0}\n{"message":"seq 1","seq":1}\n' >"$dir/same/x.log"
printf '{"message":"seq 0","seq":0}\n{"message":"seq 2","seq":2}\n' >"$dir/same/y.log"
"$LOGCOLLECT" --once --state "$dir/state2" "file://$dir/same/*.log" >"$dir/out3" 2>"$dir/err3"
[[ $(wc -l <"$dir/out3") == 4 ]] || bad "files starting alike: $(wc -l <"$dir/out3") records, not 4"

check "--metrics: records, bytes and errors by source, files watched, rotations, checkpoint lag"
dir="$work/metrics"
mkdir -p "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '{"message":"seq 0","seq":0}\n{"message":"seq 1","seq":1}\nnot json\n' >"$dir/app.log"
"$LOGCOLLECT" --format json --read-from beginning --state "$dir/state" --metrics "127.0.0.1:$port" \
  "file://$dir/app.log" >"$dir/out" 2>"$dir/err" &
pid=$!
pids+=("$pid")
wait_lines "$dir/out" 2 || bad "metrics: the lines were not read"
mv "$dir/app.log" "$dir/app.log.1"
echo '{"message":"seq 2","seq":2}' >"$dir/app.log"
wait_lines "$dir/out" 3 || bad "metrics: the rotated file's successor was not read"
sleep 1.2  # a checkpoint interval
metrics=$(python3 -c 'import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode())' "$port")
metric() { awk -v name="$1" '$1 == name { print $2 }' <<<"$metrics"; }
label="{source=\"file://$dir/app.log\"}"
[[ $(metric "logcollect_records_total$label") == 3 ]] || bad "metrics: records_total is '$(metric "logcollect_records_total$label")', not 3"
[[ $(metric "logcollect_parse_errors_total$label") == 1 ]] || bad "metrics: parse_errors_total is not 1"
bytes=$(( $(wc -c <"$dir/app.log.1") + $(wc -c <"$dir/app.log") ))
[[ $(metric "logcollect_bytes_read_total$label") == "$bytes" ]] || bad "metrics: bytes_read_total is not $bytes"
[[ $(metric "logcollect_rotations_total$label") -ge 1 ]] || bad "metrics: no rotation counted"
[[ $(metric "logcollect_files_watched$label") -ge 1 ]] || bad "metrics: no file watched"
lag=$(metric logcollect_checkpoint_lag_seconds)
[[ -n $lag ]] && python3 -c "import sys; sys.exit(0 if 0 <= float(sys.argv[1]) < 30 else 1)" "$lag" ||
  bad "metrics: checkpoint lag '$lag'"
stop_collector "$pid"

check "SIGHUP: a file created meanwhile is read at once, without waiting for the next scan"
dir="$work/hup"
mkdir -p "$dir"
"$LOGCOLLECT" --read-from beginning --scan-interval 1h "file://$dir/*.log" >"$dir/out" 2>"$dir/err" &
pid=$!
pids+=("$pid")
sleep 0.3
echo '{"message":"seq 0","seq":0}' >"$dir/a.log"
sleep 1
[[ -s $dir/out ]] && bad "SIGHUP: the file was read before the signal (the scan interval is not honoured)"
kill -HUP "$pid"
for ((i = 0; i < 40; i++)); do [[ -s $dir/out ]] && break; sleep 0.05; done
[[ -s $dir/out ]] || bad "SIGHUP: the new file was not read within 2 s of the signal"
kill -0 "$pid" 2>/dev/null || bad "SIGHUP ended the process"
stop_collector "$pid"

check "SIGHUP with --config: an invalid file is refused, a valid one reloaded without a double"
dir="$work/reload"
mkdir -p "$dir"
echo '{"message":"seq 0","seq":0}' >"$dir/a.log"
echo '{"message":"seq 1","seq":1}' >"$dir/b.log"
write_config() {
  { echo "collect:"; echo "  sources:"; for f in "$@"; do echo "    - url: file://$dir/$f"; echo "      read_from: beginning"; done; } >"$dir/config.yaml"
}
write_config a.log
"$LOGCOLLECT" --config "$dir/config.yaml" --state "$dir/state" >"$dir/out" 2>"$dir/err" &
pid=$!
pids+=("$pid")
wait_lines "$dir/out" 1 || bad "reload: a.log was not read"
echo "collect: {sources: [{url: file://$dir/b.log, fromat: json}]}" >"$dir/config.yaml"
kill -HUP "$pid"
sleep 0.5
kill -0 "$pid" 2>/dev/null || bad "reload: an invalid configuration ended the process"
grep -q "keeping the running configuration" "$dir/err" || bad "reload: the invalid file was not reported: $(cat "$dir/err")"
write_config a.log b.log
kill -HUP "$pid"
wait_lines "$dir/out" 2 || bad "reload: b.log was not read after the reload"
echo '{"message":"seq 2","seq":2}' >>"$dir/a.log"
wait_lines "$dir/out" 3 || bad "reload: a.log is not followed after the reload"
kill -0 "$pid" 2>/dev/null || bad "reload: the process is gone"
stop_collector "$pid"
sort -o "$dir/out" "$dir/out"
python3 "$work/check.py" exact 0 3 "$dir/out" || bad "reload: sequence"

check "--read-from end skips what was there"
dir="$work/end"
mkdir -p "$dir"
echo '{"message":"old","seq":-1}' >"$dir/app.log"
"$LOGCOLLECT" --read-from end "file://$dir/app.log" >"$dir/out" 2>"$dir/err" &
pid=$!
pids+=("$pid")
sleep 0.4
echo '{"message":"seq 0","seq":0}' >>"$dir/app.log"
wait_lines "$dir/out" 1 || bad "read-from end: the new line was not read"
stop_collector "$pid"
python3 "$work/check.py" exact 0 1 "$dir/out" || bad "read-from end: sequence"

check "bad lines: over-long, binary, invalid JSON; good lines kept"
dir="$work/bad"
mkdir -p "$dir"
{
  echo '{"message":"seq 0","seq":0}'
  python3 -c 'print("x" * 2000000)'
  echo '{"message":"seq 1","seq":1}'
  printf '{"message":"bin \xff\xfe","seq":2}\n'
  echo '{"message": broken'
  printf '{"message":"seq 3","seq":3}'
} >"$dir/app.log"
"$LOGCOLLECT" --once --format json --dead-letter "$dir/dead" "file://$dir/app.log" \
  >"$dir/out" 2>"$dir/err"
rc=$?
[[ $rc == 65 ]] || bad "bad lines: exit status $rc, not 65"
python3 "$work/check.py" exact 0 4 "$dir/out" || bad "bad lines: the good lines"
grep -q "app.log:2: .*line too long" "$dir/err" || bad "bad lines: no report of line 2: $(cat "$dir/err")"
grep -q "app.log:5: .*invalid JSON" "$dir/err" || bad "bad lines: no report of line 5: $(cat "$dir/err")"
grep -q 'broken' "$dir/dead" || bad "bad lines: the dead-letter file lacks the invalid line"
python3 -c 'import json,sys
for l in open(sys.argv[1]):
  r = json.loads(l)
  if r["fields"]["seq"] == 2 and "\ufffd" not in r["message"]: sys.exit("binary bytes not replaced")' "$dir/out" ||
  bad "bad lines: invalid UTF-8"

check "standard input to its end"
printf '{"message":"seq 0","seq":0}\n{"message":"seq 1","seq":1}' | "$LOGCOLLECT" - >"$work/stdin.out" ||
  bad "stdin: exit status $?"
python3 "$work/check.py" exact 0 2 "$work/stdin.out" || bad "stdin: sequence"

check "exit statuses"
"$LOGCOLLECT" >/dev/null 2>&1; [[ $? == 64 ]] || bad "no source: not 64"
"$LOGCOLLECT" --bogus - >/dev/null 2>&1; [[ $? == 64 ]] || bad "unknown option: not 64"
"$LOGCOLLECT" --once "file://$work/none/*.log" >/dev/null 2>&1; [[ $? == 66 ]] || bad "--once, no file: not 66"
mkdir -p "$work/busy"
: >"$work/busy/x.log"
"$LOGCOLLECT" --state "$work/busy/state" "file://$work/busy/x.log" >/dev/null 2>&1 &
pid=$!
pids+=("$pid")
sleep 0.3
"$LOGCOLLECT" --once --state "$work/busy/state" "file://$work/busy/x.log" >/dev/null 2>&1
[[ $? == 75 ]] || bad "state directory in use: not 75"
stop_collector "$pid"

if ((failures > 0)); then
  echo "logcollect_files: $failures check(s) failed" >&2
  exit 1
fi
echo "logcollect_files: all checks passed [${SECONDS}s]"
