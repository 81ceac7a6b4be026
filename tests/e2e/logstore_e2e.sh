#!/usr/bin/env bash
# tests/e2e/logstore_e2e.sh -- Properties of logstore (tools/logstore, common/store) checked
# through the real binary:
#   - round trip: 20,000 generated records and a few unusual ones in, `logstore export` gives
#     the same multiset of canonical lines as `logfilter ''`; `logstore stats` agrees with jq
#     over the input (counts, oldest/newest), StorageSize is the files' size, ratio > 1;
#   - bad input: good lines stored, status 65, one "standard input:LINE:" report per bad line,
#     --dead-letter gets the bad lines that were held (not one too long for the buffer), a CRLF
#     line without its CR (docs/ndjson.md); --max-line-bytes also rejects a line that fits the
#     buffer;
#   - verify finds a flipped byte in a segment (65, names the file); export skips that block
#     only, says so, and exits 65;
#   - SIGKILL during ingest: verify still passes, the next run recovers; every record written
#     1.5 s before the kill is there, and none twice;
#   - a running writer: a record is exported 1.2 s after it was written; a second writer gets 75
#     and "is locked by pid N" at once; SIGTERM exits 0 and keeps every record written before
#     it (5 rounds: the loss this catches depends on timing);
#   - --retention and --max-size drop whole old partitions; --listen on TCP and a unix socket
#     takes three concurrent producers, each record once; a newer FORMAT is refused (65), a
#     directory that is not a store is 66; compact leaves one segment per day, same records;
#     usage errors exit 64 with the "Try" hint.
#
#   LOGSTORE=... LOGFILTER=... GEN_LOGS=... bash tests/e2e/logstore_e2e.sh
# (each defaults to its place under the source tree's build/ when unset). Needs jq and python3.
set -uo pipefail

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

default_build=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build
LOGSTORE=${LOGSTORE:-$default_build/tools/logstore/logstore}
LOGFILTER=${LOGFILTER:-$default_build/tools/logfilter/logfilter}
GEN_LOGS=${GEN_LOGS:-$default_build/bench/gen_logs}
for bin in "$LOGSTORE" "$LOGFILTER" "$GEN_LOGS"; do
  [[ -x $bin ]] || fail "'$bin' is not executable"
done
command -v jq >/dev/null 2>&1 || fail "jq is required (apt-get install jq)"
command -v python3 >/dev/null 2>&1 || fail "python3 is required (the --listen producers)"
# The interpreter itself: a version manager's shim (pyenv) can take a second per start.
PY=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 does not run"
[[ -x $PY ]] || fail "cannot locate the python3 interpreter ('$PY')"

work=$(mktemp -d "${TMPDIR:-/tmp}/logstore-e2e.XXXXXX") || exit 2
# Background processes this script started and has not seen end; on exit those still running
# (and still children of this shell, so that a reused pid is left alone) are killed.
bg_pids=()
cleanup() {
  local pid
  for pid in "${bg_pids[@]}"; do
    [[ $(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ') == "$$" ]] && kill -9 "$pid" 2>/dev/null
  done
  for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
forget() {
  local i
  for i in "${!bg_pids[@]}"; do [[ ${bg_pids[$i]} == "$1" ]] && unset 'bg_pids[i]'; done
}
trap cleanup EXIT
export LC_ALL=C
LS=$LOGSTORE
LF=$LOGFILTER

# wait_exit PID SECONDS: waits for a background process to end and sets $rc to its status;
# fails (after killing it) when it is still running after SECONDS.
wait_exit() {
  local pid=$1 limit=$2 waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= limit * 20)); then
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      fail "process $pid ($3) did not exit within $limit s"
    fi
    sleep 0.05
    waited=$((waited + 1))
  done
  wait "$pid" 2>/dev/null
  rc=$?
  forget "$pid"
}

# wait_gone PID SECONDS WHAT: waits for a disowned process (one the script kills with a
# signal: bash reports such a death on stderr unless the job is disowned) to be gone.
wait_gone() {
  local pid=$1 limit=$2 waited=0
  while kill -0 "$pid" 2>/dev/null; do
    ((waited < limit * 20)) || fail "process $pid ($3) is still running after $limit s"
    sleep 0.05
    waited=$((waited + 1))
  done
  forget "$pid"
}

# canon FILE: the canonical records of FILE, sorted (the multiset that export must give).
canon() { "$LF" '' "$1" 2>/dev/null | sort; }

# export_sorted DIR OUT: `logstore export DIR`, sorted into OUT; sets $rc and leaves stderr in
# $work/export.err.
export_sorted() {
  "$LS" export "$1" >"$work/export.raw" 2>"$work/export.err"
  rc=$?
  sort "$work/export.raw" >"$2"
}

# partitions DIR: the partition directories of the store DIR, in order, on one line.
partitions() { find "$1/data" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//'; }

# A record with a sequence number in field "seq": rec DAY SEQ.
rec() { printf '{"timestamp":"%sT00:00:00Z","message":"record %d","seq":%d}\n' "$1" "$2" "$2"; }

# ---- 1. Round trip and stats ----
check "20,000 generated records: export gives the same multiset of canonical lines as logfilter ''"
in1=$work/in1.ndjson
"$GEN_LOGS" --records 20000 --seed 11 >"$in1" 2>"$work/gen.err" || fail "gen_logs failed: $(cat "$work/gen.err")"
[[ $(wc -l <"$in1") == 20000 ]] || fail "gen_logs wrote $(wc -l <"$in1") lines, expected 20000"
s1=$work/s1
"$LS" "$s1" <"$in1" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logstore DIR < 20000 records: rc $rc, expected 0; stderr: $(head -c 500 "$work/err")"
[[ ! -s $work/out && ! -s $work/err ]] || fail "logstore DIR: unexpected output: $(head -c 300 "$work/out") $(head -c 300 "$work/err")"
canon "$in1" >"$work/in1.canon"
[[ $(wc -l <"$work/in1.canon") == 20000 ]] || fail "test bug: logfilter '' kept $(wc -l <"$work/in1.canon") of 20000 records"
export_sorted "$s1" "$work/s1.export"
[[ $rc == 0 ]] || fail "logstore export: rc $rc, stderr: $(head -c 500 "$work/export.err")"
[[ ! -s $work/export.err ]] || fail "logstore export: unexpected stderr: $(head -c 500 "$work/export.err")"
if ! cmp -s "$work/in1.canon" "$work/s1.export"; then
  echo "  input $(wc -l <"$work/in1.canon") records, export $(wc -l <"$work/s1.export"); first differences:" >&2
  diff "$work/in1.canon" "$work/s1.export" | head -n 6 >&2
  fail "logstore export is not the multiset of canonical input records"
fi

check "unusual records (nanoseconds, offsets, escapes, UTF-8, nested fields, 1969) round-trip like logfilter ''"
cat >"$work/odd.in" <<'EOF'
{"timestamp":"2025-05-13T00:00:00.123456789Z","message":"nanoseconds"}
{"timestamp":"2025-05-13T01:00:00+02:00","message":"an offset: the day before in UTC"}
{"timestamp":"2025-05-13T00:00:00Z","message":"unicode \u00e9 \u2713 \ud83d\ude00 \n tab\t quote\" backslash\\ control\u0001 raw é"}
{"timestamp":"2025-05-13T00:00:00Z","message":"numbers","fields":{"a":1e5,"b":-0,"c":12345678901234567890,"d":0.1,"e":-1.5e-7,"f":9007199254740993,"g":1.0,"h":true,"i":null,"j":[1,"x",{"k":[]}],"l":{"m":{"n":{}}}}}
{"timestamp":"2025-05-13T00:00:00Z","level":"ERROR","source":"s","message":"","fields":{"":"empty key","x y":"space"}}
{"timestamp":1747094400,"message":"epoch seconds"}
{"timestamp":"2025-05-13T00:00:00Z","message":"top-level members join fields","fields":{"a":1},"b":2}
{"timestamp":"1969-12-31T23:59:59.5Z","message":"before the epoch"}
{"timestamp":"2025-05-13T00:00:00Z","level":"warning","message":"level alias"}
EOF
"$LS" "$work/s1odd" <"$work/odd.in" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logstore DIR < unusual records: rc $rc; stderr: $(cat "$work/err")"
canon "$work/odd.in" >"$work/odd.canon"
[[ $(wc -l <"$work/odd.canon") == 9 ]] || fail "test bug: logfilter '' kept $(wc -l <"$work/odd.canon") of the 9 unusual records"
export_sorted "$work/s1odd" "$work/odd.export"
[[ $rc == 0 ]] || fail "logstore export (unusual records): rc $rc; $(cat "$work/export.err")"
if ! cmp -s "$work/odd.canon" "$work/odd.export"; then
  diff "$work/odd.canon" "$work/odd.export" >&2
  fail "logstore export of unusual records differs from logfilter ''"
fi
[[ -d $work/s1odd/data/1969-12-31 ]] || fail "no partition 1969-12-31 for a record of 1969-12-31T23:59:59.5Z: $(ls "$work/s1odd/data")"

check "stats: TotalEntries, OldestEntry, NewestEntry, EntriesBySource, EntriesByLevel, StorageSize, CompressionRatio"
"$LS" stats "$s1" >"$work/stats.json" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logstore stats: rc $rc, stderr: $(cat "$work/err")"
jq -e 'type == "object"' "$work/stats.json" >/dev/null 2>&1 || fail "logstore stats: not a JSON object: $(head -c 300 "$work/stats.json")"
# Expected values, from the input alone, in one streaming jq pass. gen_logs writes every
# timestamp as YYYY-MM-DDTHH:MM:SS.mmmZ, so the least and greatest strings are the oldest and
# newest; they and stats' times are compared as milliseconds since the epoch.
n=$(grep -cE '^\{"timestamp":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"' "$in1")
[[ $n == 20000 ]] || fail "test bug: $n of 20000 generated records have a timestamp of the form YYYY-MM-DDTHH:MM:SS.mmmZ"
ms_def='def ms: (sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) * 1000
                + ((capture("\\.(?<f>[0-9]{3})Z$").f | tonumber) // 0);'
jq -n -S -c "$ms_def"' reduce inputs as $r ({TotalEntries: 0, Oldest: null, Newest: null,
                                             EntriesBySource: {}, EntriesByLevel: {}};
    .TotalEntries += 1
    | .Oldest = (if .Oldest == null or $r.timestamp < .Oldest then $r.timestamp else .Oldest end)
    | .Newest = (if .Newest == null or $r.timestamp > .Newest then $r.timestamp else .Newest end)
    | .EntriesBySource[$r.source] += 1
    | .EntriesByLevel[$r.level] += 1)
  | .Oldest |= ms | .Newest |= ms' "$in1" >"$work/stats.expected" || fail "test bug: jq over the input failed"
jq -S -c "$ms_def"' {TotalEntries, Oldest: (.OldestEntry | ms), Newest: (.NewestEntry | ms),
                    EntriesBySource, EntriesByLevel}' "$work/stats.json" >"$work/stats.actual" 2>"$work/err" \
  || fail "logstore stats: cannot read its fields ($(cat "$work/err")): $(cat "$work/stats.json")"
cmp -s "$work/stats.expected" "$work/stats.actual" \
  || fail "logstore stats differs from jq over the input: expected $(cat "$work/stats.expected"), got $(cat "$work/stats.actual")"
jq -e '(.EntriesBySource | add) == .TotalEntries and (.EntriesByLevel | add) == .TotalEntries' \
  "$work/stats.json" >/dev/null || fail "logstore stats: EntriesBySource or EntriesByLevel does not sum to TotalEntries"
# StorageSize: every file under DIR; CompressionRatio: input bytes / StorageSize, 2 decimals.
disk=$(find "$s1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
raw=$(wc -c <"$in1")
jq -e --argjson disk "$disk" --argjson raw "$raw" \
  '.StorageSize == $disk and .StorageSize > 0 and .CompressionRatio > 1
   and ((.CompressionRatio - ($raw / $disk)) | fabs) <= 0.0051' "$work/stats.json" >/dev/null \
  || fail "logstore stats: expected StorageSize $disk (> 0) and CompressionRatio $raw/$disk (> 1), got $(jq -c '{StorageSize, CompressionRatio}' "$work/stats.json")"
echo "  $(jq -c '{StorageSize, CompressionRatio}' "$work/stats.json")"

# ---- 2. Bad input ----
check "bad input: good lines stored, status 65, a report per bad line, --dead-letter gets the held bad lines"
good1='{"timestamp":"2025-05-13T00:00:01Z","message":"good one"}'
good2='{"timestamp":"2025-05-13T00:00:02Z","source":"app","level":"warn","message":"good two","fields":{"k":1}}'
good3='{"timestamp":"2025-05-13T00:00:03Z","message":"good three","user":"ann"}'
{
  printf '%s\n' "$good1"                           # 1
  printf '%s\n' 'this is not json'                 # 2
  printf '%s\n' '[1,2,{"a":3}]'                    # 3  not an object
  printf '{"timestamp":"2025-05-13T00:00:09Z","message":"%s"}\n' "$(head -c 1200000 /dev/zero | tr '\0' x)"  # 4  too long for the 1 MiB buffer
  printf '%s\n' '   '                              # 5  blank
  printf '%s\n' "$good2"                           # 6
  printf '%s\n' '{"timestamp":"2025-05-13T00:00:04Z","message":'   # 7  unterminated
  printf '%s\n' "$good3"                           # 8
} >"$work/bad.in"
printf '%s\n' 'this is not json' '[1,2,{"a":3}]' '{"timestamp":"2025-05-13T00:00:04Z","message":' >"$work/dead.expected"
printf '%s\n' "$good1" "$good2" "$good3" >"$work/good.in"
"$LS" --max-line-bytes 1000 --dead-letter "$work/dead" "$work/s2" <"$work/bad.in" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 65 ]] || fail "logstore with bad lines: rc $rc, expected 65; stderr: $(head -c 500 "$work/err")"
for line in 2 3 4 7; do
  grep -q "^logstore: standard input:$line: " "$work/err" \
    || fail "logstore with bad lines: no 'logstore: standard input:$line: ...' on stderr; got: $(head -c 800 "$work/err")"
done
long_bytes=$(sed -n 4p "$work/bad.in" | tr -d '\n' | wc -c)
grep -q "^logstore: standard input:4: .*line too long: $long_bytes bytes (limit 1000)" "$work/err" \
  || fail "logstore: line 4 is not reported as 'line too long: $long_bytes bytes (limit 1000)': $(head -c 800 "$work/err")"
n=$(grep -c '^logstore: standard input:[0-9]*: ' "$work/err")
[[ $n == 4 ]] || fail "logstore with 4 bad lines: $n per-line reports on stderr: $(head -c 800 "$work/err")"
if ! cmp -s "$work/dead" "$work/dead.expected"; then
  echo "  expected dead letters:" >&2; cat -A "$work/dead.expected" >&2
  echo "  actual dead letters:" >&2; head -c 600 "$work/dead" | cat -A >&2
  fail "--dead-letter FILE is not exactly the 3 held bad lines, verbatim (the over-long line is not held)"
fi
export_sorted "$work/s2" "$work/s2.export"
[[ $rc == 0 ]] || fail "logstore export after bad input: rc $rc: $(cat "$work/export.err")"
canon "$work/good.in" | cmp -s - "$work/s2.export" \
  || fail "after bad input the store holds other records than the 3 good ones: $(cat "$work/s2.export")"

check "--dead-letter gets a rejected CRLF line without its final CR (docs/ndjson.md), like logfilter"
printf '%s\r\n' "$good1" 'bad CRLF line' "$good3" >"$work/crlf.in"
printf '%s\n' 'bad CRLF line' >"$work/crlf.dead.expected"
"$LF" '' --dead-letter "$work/crlf.dead.lf" "$work/crlf.in" >/dev/null 2>&1
cmp -s "$work/crlf.dead.lf" "$work/crlf.dead.expected" || fail "test bug: logfilter's dead letter for a CRLF line is not the line without its CR"
"$LS" --dead-letter "$work/crlf.dead" "$work/s2crlf" <"$work/crlf.in" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 65 ]] || fail "logstore with a bad CRLF line: rc $rc, expected 65; stderr: $(cat "$work/err")"
export_sorted "$work/s2crlf" "$work/s2crlf.export"
printf '%s\n' "$good1" "$good3" | canon /dev/stdin | cmp -s - "$work/s2crlf.export" \
  || fail "logstore with CRLF lines: the store holds other records than the 2 good ones: $(cat "$work/s2crlf.export")"
if ! cmp -s "$work/crlf.dead" "$work/crlf.dead.expected"; then
  echo "  expected dead letters:" >&2; cat -A "$work/crlf.dead.expected" >&2
  echo "  actual dead letters:" >&2; cat -A "$work/crlf.dead" >&2
  fail "logstore --dead-letter: a rejected CRLF line keeps its final CR (logfilter removes it, as docs/ndjson.md says)"
fi

check "lines the batch parser cannot vouch for are judged alone: same records and reports as logfilter ''"
# logstore parses a batch with one simdjson stream and trusts it only while each document is
# exactly one line (docs/ndjson.md). Each case below breaks that in its own way, more often
# than the number of times a batch goes back to the stream; the line-by-line reference is
# logfilter, whose records and reported line numbers logstore must match exactly.
# same_as_logfilter NAME RECORDS: stores $work/NAME.in, which logfilter reduces to RECORDS
# records (exit 65), and compares.
reported() { grep -o '^[a-z]*: [^:]*:[0-9]*:' "$1" | grep -o ':[0-9]*:$' | sort -n; }
same_as_logfilter() {
  local name=$1 records=$2 lf_rc
  "$LF" '' "$work/$name.in" 2>"$work/$name.lf.err" | sort >"$work/$name.expected"
  lf_rc=${PIPESTATUS[0]}
  [[ $lf_rc == 65 ]] || fail "test bug: logfilter '' on $name.in exits $lf_rc, not 65"
  [[ $(wc -l <"$work/$name.expected") == "$records" ]] \
    || fail "test bug: logfilter keeps $(wc -l <"$work/$name.expected") records of $name.in, not $records"
  "$LS" "$work/$name.store" <"$work/$name.in" >"$work/out" 2>"$work/$name.err"
  rc=$?
  [[ $rc == 65 ]] || fail "logstore on $name.in: rc $rc, expected 65; stderr: $(head -c 800 "$work/$name.err")"
  export_sorted "$work/$name.store" "$work/$name.export"
  if ! cmp -s "$work/$name.expected" "$work/$name.export"; then
    diff "$work/$name.expected" "$work/$name.export" | head -20 >&2
    fail "logstore on $name.in stores other records than logfilter '' selects"
  fi
  [[ $(reported "$work/$name.err") == "$(reported "$work/$name.lf.err")" ]] \
    || fail "logstore reports other lines of $name.in than logfilter: logstore $(reported "$work/$name.err" | tr '\n' ' '), logfilter $(reported "$work/$name.lf.err" | tr '\n' ' ')"
}
{
  for round in $(seq 1 20); do
    printf '{"timestamp":"2025-05-13T00:%02d:00Z","message":"good %d"}\n' "$round" "$round"
    case $((round % 5)) in
      0) printf '%s\n' '{"timestamp":"2025-05-13T01:00:00Z","message":"trailing"} x' ;;
      1) printf '%s\n' '{"message":"two"} {"message":"objects"}' ;;
      2) printf '   {"timestamp":"2025-05-13T02:%02d:00Z","message":"indented %d"}\t\n' "$round" "$round" ;;
      3) printf '%s\n' '{"timestamp":"2025-05-13T04:00:00Z",' '"message":"split over two lines"}' ;;
      4) printf '%s\n\n \n' '{"timestamp":"nonsense","message":"bad timestamp"}' ;;
    esac
  done
} >"$work/stream.in"
same_as_logfilter stream 24
# Invalid UTF-8 (repaired, not rejected) and a newline inside a string fail simdjson's stage 1
# for the whole rest of a batch, whichever line they are on.
{
  for round in $(seq 1 12); do
    printf '{"timestamp":"2025-05-13T00:%02d:00Z","message":"good %d"}\n' "$round" "$round"
    printf '{"timestamp":"2025-05-13T03:%02d:00Z","message":"bad byte \xff %d"}\n' "$round" "$round"
    printf '%s\n' '{"timestamp":"2025-05-13T05:00:00Z","message":"newline, after' '"}'
  done
} >"$work/poison.in"
same_as_logfilter poison 24

check "--max-line-bytes 100 rejects a 200-byte line that fits the read buffer"
long_good=$(printf '{"timestamp":"2025-05-13T00:00:05Z","message":"%0151d"}' 0)   # 200 bytes, valid
[[ ${#long_good} == 200 ]] || fail "test bug: the long line has ${#long_good} bytes, not 200"
printf '%s\n' "$good1" "$long_good" "$good3" >"$work/long.in"
"$LS" --max-line-bytes 100 "$work/s2b" <"$work/long.in" >"$work/out" 2>"$work/err"
ingest_rc=$?
export_sorted "$work/s2b" "$work/s2b.export"   # sets rc to export's status
[[ $(wc -l <"$work/s2b.export") == 2 ]] \
  || fail "logstore --max-line-bytes 100: stored $(wc -l <"$work/s2b.export") records, expected 2 (the 200-byte line 2 must be rejected); rc $ingest_rc, stderr: '$(cat "$work/err")'"
[[ $ingest_rc == 65 ]] || fail "logstore --max-line-bytes 100 with a 200-byte line: rc $ingest_rc, expected 65"
grep -q '^logstore: standard input:2: .*line too long: 200 bytes (limit 100)' "$work/err" \
  || fail "logstore --max-line-bytes 100: no 'standard input:2: ... line too long: 200 bytes (limit 100)': $(cat "$work/err")"

# ---- 3. Verify ----
check "verify: a sound store of 30,000 records exits 0 with 'no problems found'"
in3=$work/in3.ndjson
"$GEN_LOGS" --records 30000 --seed 5 >"$in3" 2>/dev/null || fail "gen_logs --records 30000 failed"
s3=$work/s3
"$LS" "$s3" <"$in3" 2>"$work/err" || fail "logstore DIR < 30000 records failed: $(cat "$work/err")"
"$LS" verify "$s3" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logstore verify on a sound store: rc $rc; $(cat "$work/out" "$work/err")"
grep -q ' 30000 records, .*no problems found$' "$work/out" \
  || fail "logstore verify on a sound store: stdout lacks '30000 records ... no problems found': $(cat "$work/out")"
blocks=$(sed -n 's/.* \([0-9]*\) blocks,.*/\1/p' "$work/out")
[[ $blocks -ge 3 ]] || fail "test bug: the store has only '$blocks' blocks; the damage check needs several"

check "verify and export after one byte of a segment's first block is flipped"
seg=$(find "$s3/data" -name '*.lsg' | sort | head -n 1)
[[ -n $seg ]] || fail "no .lsg segment file under $s3/data"
byte=$(od -An -tu1 -j 100 -N 1 "$seg" | tr -d ' ')
printf '%b' "\\0$(printf '%03o' $((byte ^ 0x55)))" | dd of="$seg" bs=1 seek=100 conv=notrunc status=none
[[ $(od -An -tu1 -j 100 -N 1 "$seg" | tr -d ' ') == $((byte ^ 0x55)) ]] || fail "test bug: the byte flip did not happen"
"$LS" verify "$s3" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 65 ]] || fail "logstore verify on a damaged segment: rc $rc, expected 65; $(cat "$work/out" "$work/err")"
grep -qF "$seg" "$work/err" || fail "logstore verify does not name the damaged file '$seg': $(cat "$work/err")"
grep -q '1 problem found$' "$work/out" || fail "logstore verify: stdout lacks '1 problem found': $(cat "$work/out")"
good_records=$(sed -n 's/.* blocks, \([0-9]*\) records,.*/\1/p' "$work/out")
export_sorted "$s3" "$work/s3.export"
[[ $rc == 65 ]] || fail "logstore export with a damaged block: rc $rc, expected 65; stderr: $(cat "$work/export.err")"
grep -qF "warning: $seg: block 0 skipped" "$work/export.err" \
  || fail "logstore export: no 'warning: $seg: block 0 skipped' on stderr: $(cat "$work/export.err")"
n=$(wc -l <"$work/s3.export")
[[ $n -gt 0 && $n -lt 30000 ]] || fail "logstore export with one damaged block wrote $n of 30000 records"
[[ $n == "$good_records" ]] || fail "logstore export wrote $n records, verify counts $good_records in sound blocks"
[[ -z $(sort "$in3" | comm -13 - "$work/s3.export" | head -c 1) ]] \
  || fail "logstore export with a damaged block wrote records that are not in the input (or duplicates)"
day=$(basename "$(dirname "$seg")")
sort "$in3" | comm -23 - "$work/s3.export" | grep -v "^{\"timestamp\":\"$day" | head -n 1 >"$work/out"
[[ ! -s $work/out ]] || fail "logstore export left out records of another day than the damaged $day: $(cat "$work/out")"
echo "  $n of 30000 records exported"

# ---- 4. Crash recovery ----
check "SIGKILL during ingest (--sync interval): verify passes, the next run recovers every record written 1.5 s before, once"
s4=$work/s4
fifo4=$work/fifo4
mkfifo "$fifo4"
"$LS" --sync interval "$s4" <"$fifo4" 2>"$work/s4.err" &
ls_pid=$!
bg_pids+=("$ls_pid")
disown "$ls_pid"
# The feeder: a burst of 10,000 records (day 13: full blocks get sealed), then one record every
# 10 ms (day 14: logged, not sealed). feed.log has each record's sequence number and write time.
(
  exec 3>"$fifo4"
  for ((i = 1; ; i++)); do
    if ((i <= 10000)); then d=2025-05-13; else d=2025-05-14; fi
    rec "$d" "$i" >&3 || exit 0
    ((i <= 10000)) && continue
    echo "$i $EPOCHREALTIME" >>"$work/feed.log"
    sleep 0.01
  done
) 2>/dev/null &
feed_pid=$!
bg_pids+=("$feed_pid")
disown "$feed_pid"
sleep 3
kill_time=$EPOCHREALTIME
kill -9 "$ls_pid"
wait_gone "$ls_pid" 5 "logstore after SIGKILL"
kill "$feed_pid" 2>/dev/null
wait_gone "$feed_pid" 5 "feeder"
[[ -s $work/feed.log ]] || fail "test bug: the feeder wrote no slow records in 3 s (is the logstore reading?): $(cat "$work/s4.err")"
N=$(awk -v cut="$kill_time" '$2 < cut - 1.5 { n = $1 } END { print n + 0 }' "$work/feed.log")
[[ $N -gt 10000 ]] || fail "test bug: only $N records were written 1.5 s before the kill"
"$LS" verify "$s4" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logstore verify after SIGKILL: rc $rc, expected 0 (a torn log tail is only a note); $(cat "$work/out" "$work/err")"
export_sorted "$s4" "$work/s4.before"
[[ $rc == 0 ]] || fail "logstore export of a crashed store: rc $rc; $(cat "$work/export.err")"
"$LS" "$s4" </dev/null >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logstore DIR < /dev/null after SIGKILL: rc $rc; stderr: $(cat "$work/err")"
export_sorted "$s4" "$work/s4.after"
[[ $rc == 0 ]] || fail "logstore export after recovery: rc $rc; $(cat "$work/export.err")"
jq -r '.fields.seq' "$work/s4.after" | sort -n >"$work/s4.seqs"
dups=$(uniq -d "$work/s4.seqs" | head -n 5 | tr '\n' ' ')
[[ -z $dups ]] || fail "after recovery some records are stored twice: seq $dups"
missing=$(seq 1 "$N" | sort | comm -23 - <(sort "$work/s4.seqs") | sort -n | head -n 5 | tr '\n' ' ')
[[ -z $missing ]] || fail "after recovery records written more than 1.5 s before the SIGKILL are missing: seq $missing(of 1..$N)"
cmp -s "$work/s4.before" "$work/s4.after" \
  || fail "export before recovery ($(wc -l <"$work/s4.before") records) and after it ($(wc -l <"$work/s4.after")) differ"
"$LS" verify "$s4" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logstore verify after recovery: rc $rc; $(cat "$work/out" "$work/err")"
grep -q ' 0 unsealed records' "$work/out" || fail "after recovery the log still holds records: $(cat "$work/out")"
echo "  $(wc -l <"$work/s4.seqs") records after recovery, all of 1..$N among them"

# ---- 5, 6, 7. A running writer: visibility, the lock, SIGTERM ----
check "a record written to a running logstore is exported 1.2 s later"
s5=$work/s5
fifo5=$work/fifo5
mkfifo "$fifo5"
"$LS" "$s5" <"$fifo5" >"$work/s5.out" 2>"$work/s5.err" &
ls_pid=$!
bg_pids+=("$ls_pid")
exec {feed}>"$fifo5"
rec 2025-05-13 1 >"$work/s5.in"
(cat "$work/s5.in" >&"$feed") 2>/dev/null || fail "cannot write to the running logstore: $(cat "$work/s5.err")"
sleep 1.2
export_sorted "$s5" "$work/s5.export"
[[ $rc == 0 ]] || fail "logstore export while a writer runs: rc $rc; $(cat "$work/export.err")"
canon "$work/s5.in" | cmp -s - "$work/s5.export" \
  || fail "a record written 1.2 s ago is not exported (got $(wc -l <"$work/s5.export") records)"

check "a second writer on the same store fails at once with status 75, 'is locked by pid $ls_pid'"
started=$EPOCHREALTIME
timeout -k 1 5 "$LS" "$s5" </dev/null >"$work/out" 2>"$work/err"
rc=$?
took=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
[[ $rc == 75 ]] || fail "second logstore on a locked store: rc $rc, expected 75; stderr: $(cat "$work/err")"
grep -q "is locked by pid $ls_pid\$" "$work/err" || fail "second logstore: stderr lacks 'is locked by pid $ls_pid': $(cat "$work/err")"
kill -0 "$ls_pid" 2>/dev/null || fail "the first logstore died when a second one tried the lock: $(cat "$work/s5.err")"
awk -v t="$took" 'BEGIN { exit !(t < 3) }' || fail "second logstore on a locked store took $took s to fail, not at once"

check "SIGTERM: logstore exits 0 and every record written before the signal is exported (5 rounds)"
# sigterm_round PID FD FIFO DIR IN EXPECTED WHAT: writes IN through FD into FIFO, which the
# logstore PID reads; sends SIGTERM as soon as the write is done; then the status must be 0 and
# DIR must hold exactly the records of EXPECTED. On failure, says how many records the fifo
# still held (never read) and how many were read and lost.
sigterm_round() {
  local pid=$1 fd=$2 fifo=$3 dir=$4 input=$5 expected=$6 what=$7 left
  (cat "$input" >&"$fd") 2>/dev/null || fail "$what: cannot write to the running logstore"
  kill -TERM "$pid"
  wait_exit "$pid" 10 "logstore after SIGTERM ($what)"
  [[ $rc == 0 ]] || fail "$what: logstore after SIGTERM: rc $rc, expected 0"
  export_sorted "$dir" "$work/term.export"
  [[ $rc == 0 ]] || fail "$what: logstore export after SIGTERM: rc $rc; $(cat "$work/export.err")"
  if ! canon "$expected" | cmp -s - "$work/term.export"; then
    left=$(timeout 0.5 cat "$fifo" | wc -l)   # the write end is still open: cat reads what is left
    fail "$what: after SIGTERM the store holds $(wc -l <"$work/term.export") records, expected the $(wc -l <"$expected") written before the signal ($left of them were still unread in the fifo, $(($(wc -l <"$expected") - $(wc -l <"$work/term.export") - left)) were read and lost)"
  fi
  "$LS" verify "$dir" >"$work/out" 2>&1 || fail "$what: logstore verify after SIGTERM: $(cat "$work/out")"
}
for ((i = 2; i <= 3001; i++)); do rec 2025-05-14 "$i"; done >"$work/s7.in"
cat "$work/s5.in" "$work/s7.in" >"$work/s57.in"
sigterm_round "$ls_pid" "$feed" "$fifo5" "$s5" "$work/s7.in" "$work/s57.in" "round 1 (3000 records after 1)"
exec {feed}>&-
# The loss of records at SIGTERM depends on timing: four more rounds on fresh stores.
for round in 2 3 4 5; do
  dir=$work/s7-$round
  fifo=$work/fifo7-$round
  mkfifo "$fifo"
  "$LS" "$dir" <"$fifo" >/dev/null 2>"$work/s7.err" &
  ls_pid=$!
  bg_pids+=("$ls_pid")
  exec {feed}>"$fifo"
  sleep 0.2
  sigterm_round "$ls_pid" "$feed" "$fifo" "$dir" "$work/s7.in" "$work/s7.in" "round $round (3000 records)"
  exec {feed}>&-
done

# ---- 8. Retention ----
check "--retention 30d drops the 2020 partition; --max-size 1 keeps only the newest partition"
s8=$work/s8
"$GEN_LOGS" --records 500 --start 2020-01-01T00:00:00Z --days 1 >"$work/old.in" 2>/dev/null || fail "gen_logs --start 2020-01-01T00:00:00Z failed"
now=$(date -u +%FT%TZ)
past=$(date -u -d '10 days ago' +%FT%TZ)
{
  printf '{"timestamp":"%s","message":"recent %d"}\n' "$past" 1 "$past" 2
  printf '{"timestamp":"%s","message":"now %d"}\n' "$now" 1 "$now" 2 "$now" 3
} >"$work/recent.in"
cat "$work/old.in" "$work/recent.in" | "$LS" "$s8" 2>"$work/err" || fail "logstore DIR (retention input) failed: $(cat "$work/err")"
[[ $(partitions "$s8") == "2020-01-01 ${past:0:10} ${now:0:10}" ]] \
  || fail "expected the partitions 2020-01-01 ${past:0:10} ${now:0:10}, got: $(partitions "$s8")"
"$LS" --retention 30d "$s8" </dev/null >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logstore --retention 30d DIR: rc $rc; $(cat "$work/err")"
[[ ! -e $s8/data/2020-01-01 ]] || fail "logstore --retention 30d: the 2020-01-01 partition is still there"
export_sorted "$s8" "$work/s8.export"
canon "$work/recent.in" | cmp -s - "$work/s8.export" \
  || fail "after --retention 30d the store holds $(wc -l <"$work/s8.export") records, expected the 5 recent ones"
"$LS" --max-size 1 "$s8" </dev/null >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logstore --max-size 1 DIR: rc $rc; $(cat "$work/err")"
[[ $(partitions "$s8") == "${now:0:10}" ]] || fail "logstore --max-size 1: partitions left: $(partitions "$s8"), expected ${now:0:10} only"
export_sorted "$s8" "$work/s8.export"
grep -F '"message":"now ' "$work/recent.in" | canon /dev/stdin | cmp -s - "$work/s8.export" \
  || fail "after --max-size 1 the store holds $(wc -l <"$work/s8.export") records, expected the 3 of today"

# ---- 9. --listen ----
check "--listen tcp:// and unix: with three concurrent producers of 5,000 records each"
cat >"$work/producer.py" <<'EOF'
import socket, sys, time
kind, address, producer, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
deadline = time.time() + 10
while True:
    try:
        if kind == "tcp":
            host, port = address.rsplit(":", 1)
            s = socket.create_connection((host, int(port)))
        else:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(address)
        break
    except OSError:
        if time.time() > deadline:
            raise
        time.sleep(0.05)
lines = "".join('{"timestamp":"2025-05-13T00:%02d:%02dZ","message":"producer %d record %d","producer":%d,"n":%d}\n'
                % (n // 60 % 60, n % 60, producer, n, producer, n) for n in range(count))
data = lines.encode()
# Send in pieces that cut lines apart, to exercise the reader.
for i in range(0, len(data), 7919):
    s.sendall(data[i:i + 7919])
s.close()
EOF
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sock=$work/ingest.sock
s9=$work/s9
"$LS" --listen "tcp://127.0.0.1:$port" --listen "unix:$sock" "$s9" >"$work/s9.out" 2>"$work/s9.err" &
ls_pid=$!
bg_pids+=("$ls_pid")
prod_pids=()
"$PY" "$work/producer.py" tcp "127.0.0.1:$port" 1 5000 2>"$work/p1.err" & prod_pids+=($!)
"$PY" "$work/producer.py" unix "$sock" 2 5000 2>"$work/p2.err" & prod_pids+=($!)
"$PY" "$work/producer.py" tcp "127.0.0.1:$port" 3 5000 2>"$work/p3.err" & prod_pids+=($!)
bg_pids+=("${prod_pids[@]}")
for i in 0 1 2; do
  wait_exit "${prod_pids[$i]}" 20 "producer $((i + 1))"
  [[ $rc == 0 ]] || fail "producer $((i + 1)) failed (rc $rc): $(cat "$work/p$((i + 1)).err"); logstore: $(cat "$work/s9.err")"
done
# The producers are done; wait until logstore has taken all their lines in, then stop it.
for ((t = 0; t < 100; t++)); do
  "$LS" export "$s9" 2>/dev/null | wc -l >"$work/count"
  [[ $(cat "$work/count") -ge 15000 ]] && break
  kill -0 "$ls_pid" 2>/dev/null || break
  sleep 0.1
done
kill -TERM "$ls_pid" 2>/dev/null
wait_exit "$ls_pid" 10 "logstore --listen after SIGTERM"
[[ $rc == 0 ]] || fail "logstore --listen after SIGTERM: rc $rc, expected 0; stderr: $(head -c 500 "$work/s9.err")"
[[ ! -e $sock ]] || fail "logstore --listen unix:$sock left its socket file behind"
export_sorted "$s9" "$work/s9.export"
[[ $rc == 0 ]] || fail "logstore export after --listen: rc $rc; $(cat "$work/export.err")"
n=$(wc -l <"$work/s9.export")
distinct=$(jq -r '"\(.fields.producer) \(.fields.n)"' "$work/s9.export" | sort -u | wc -l)
[[ $n == 15000 && $distinct == 15000 ]] \
  || fail "logstore --listen: $n records exported ($distinct distinct), expected 15000 exactly once each"
"$PY" - "$work/expected9" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for producer in (1, 2, 3):
        for n in range(5000):
            f.write('{"timestamp":"2025-05-13T00:%02d:%02dZ","message":"producer %d record %d","producer":%d,"n":%d}\n'
                    % (n // 60 % 60, n % 60, producer, n, producer, n))
EOF
canon "$work/expected9" | cmp -s - "$work/s9.export" || fail "logstore --listen: the exported records differ from those sent"

# ---- 10. Format version; not a store ----
check "a store with FORMAT 'logstream-store 99' is refused as newer (65); a non-store is 66"
s10=$work/s10
cp -r "$work/s2" "$s10"
echo 'logstream-store 99' >"$s10/FORMAT"
for cmd in stats export verify; do
  "$LS" "$cmd" "$s10" >"$work/out" 2>"$work/err"
  rc=$?
  [[ $rc == 65 ]] || fail "logstore $cmd on a format-99 store: rc $rc, expected 65; stderr: $(cat "$work/err")"
  grep -q "newer" "$work/err" || fail "logstore $cmd on a format-99 store: stderr lacks 'newer': $(cat "$work/err")"
  [[ ! -s $work/out ]] || fail "logstore $cmd on a format-99 store wrote to stdout: $(head -c 300 "$work/out")"
done
"$LS" "$s10" </dev/null >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 65 ]] || fail "logstore DIR (ingest) on a format-99 store: rc $rc, expected 65; stderr: $(cat "$work/err")"
mkdir "$work/notastore"
for cmd in stats export verify compact; do
  "$LS" "$cmd" "$work/notastore" >"$work/out" 2>"$work/err"
  rc=$?
  [[ $rc == 66 ]] || fail "logstore $cmd on a directory that is not a store: rc $rc, expected 66; stderr: $(cat "$work/err")"
  grep -q "is not a LogStream store" "$work/err" || fail "logstore $cmd NOT_A_STORE: stderr: $(cat "$work/err")"
done
[[ -z $(ls -A "$work/notastore") ]] || fail "reading a directory that is not a store created files in it: $(ls -A "$work/notastore")"

# ---- 11. compact ----
check "compact after four separate ingests leaves one segment per day and the same records"
s11=$work/s11
for seed in 1 2 3 4; do
  "$GEN_LOGS" --records 400 --seed "$seed" --start 2025-06-01T00:00:00Z --days 2 2>/dev/null >"$work/c$seed.in"
  "$LS" "$s11" <"$work/c$seed.in" 2>"$work/err" || fail "logstore DIR (compact input $seed) failed: $(cat "$work/err")"
done
for day in 2025-06-01 2025-06-02; do
  n=$(find "$s11/data/$day" -name '*.lsg' | wc -l)
  [[ $n == 4 ]] || fail "test bug: $day has $n segments after four ingests, expected 4"
done
export_sorted "$s11" "$work/s11.before"
"$LS" compact "$s11" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logstore compact: rc $rc; $(cat "$work/err")"
for day in 2025-06-01 2025-06-02; do
  n=$(find "$s11/data/$day" -name '*.lsg' | wc -l)
  [[ $n == 1 ]] || fail "after logstore compact $day has $n segments, expected 1: $(ls "$s11/data/$day")"
done
[[ $(partitions "$s11") == "2025-06-01 2025-06-02" ]] || fail "after compact: partitions $(partitions "$s11")"
export_sorted "$s11" "$work/s11.after"
[[ $rc == 0 ]] || fail "logstore export after compact: rc $rc; $(cat "$work/export.err")"
cmp -s "$work/s11.before" "$work/s11.after" || fail "logstore compact changed the exported records ($(wc -l <"$work/s11.before") before, $(wc -l <"$work/s11.after") after)"
cat "$work"/c[1-4].in >"$work/c.in"
canon "$work/c.in" | cmp -s - "$work/s11.after" || fail "after compact the store is not the 1600 ingested records"
"$LS" verify "$s11" >"$work/out" 2>&1 || fail "logstore verify after compact: $(cat "$work/out")"

# ---- 12. Usage ----
check "usage errors: 'logstore' alone and 'logstore stats' alone exit 64 with a hint"
for args in "" "stats"; do
  # shellcheck disable=SC2086
  "$LS" $args </dev/null >"$work/out" 2>"$work/err"
  rc=$?
  [[ $rc == 64 ]] || fail "logstore $args: rc $rc, expected 64; stderr: $(cat "$work/err")"
  [[ ! -s $work/out ]] || fail "logstore $args: wrote to stdout: $(head -c 300 "$work/out")"
  [[ $(grep -c . "$work/err") == 2 ]] || fail "logstore $args: expected an error line and a hint line, got: $(cat "$work/err")"
  [[ $(tail -n 1 "$work/err") == "Try 'logstore --help' for more information." ]] \
    || fail "logstore $args: last stderr line is not the hint: $(cat "$work/err")"
done

echo "PASS: logstore_e2e [${SECONDS}s]"
