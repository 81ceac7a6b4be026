#!/usr/bin/env bash
# bench/collect.sh -- Times `logcollect --once` on a 1 GB file of RFC 3164 syslog lines (parsed into
# NDJSON) and on a 1 GB NDJSON file (passed through), from a file:// source and from standard
# input, beside jq, rg and awk. Checks every logcollect output (exit status, line count, and the
# fields or bytes of the records) and prints a table (also bench/out/collect-results.md).
# Usage: bench/collect.sh [BUILD_DIR]   (default: build-release). See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
readonly BENCH_DIR ROOT OUT=$BENCH_DIR/out

# Knobs for quick plumbing checks; the published numbers use the defaults.
readonly RUNS=${RUNS:-3}
readonly SEED=${SEED:-42}
readonly SYSLOG_LINES=${SYSLOG_LINES:-8300000}  # about 1.0 GB (120.9 bytes a line)
readonly RECORDS=${RECORDS:-4300000}            # about 1.0 GB (234.5 bytes a record)
# Lines of the syslog file whose records are checked field by field (the whole file is counted).
readonly CHECK_LINES=${CHECK_LINES:-200000}
# Before each timed run, wait until the 1-minute load average is below LOAD_MAX, polling every
# 5 s for at most LOAD_WAIT seconds; then run anyway, and the table shows the load.
readonly LOAD_MAX=${LOAD_MAX:-1.0}
readonly LOAD_WAIT=${LOAD_WAIT:-600}
# PERF=1: one more run of each logcollect file case under `perf record` (not timed).
readonly PERF=${PERF:-0}
# The targets of issue 6.
readonly TARGET_LINES_S=1000000 TARGET_MB_S=500

die() {  # die CODE MESSAGE...
  local code=$1
  shift
  echo "collect.sh: $*" >&2
  exit "$code"
}
have() { command -v "$1" >/dev/null 2>&1; }
is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }

# --- Prerequisites (exit 2 when something is missing) ---------------------------------------
BUILD_DIR=${1:-build-release}
if [[ $BUILD_DIR != /* && ! -d $BUILD_DIR && -d $ROOT/$BUILD_DIR ]]; then
  BUILD_DIR=$ROOT/$BUILD_DIR
fi
[[ -d $BUILD_DIR ]] || die 2 "no build directory '$BUILD_DIR' (make release builds build-release)"
# LOGCOLLECT: time another binary (a copy kept aside while the tree is rebuilt).
readonly LOGCOLLECT=${LOGCOLLECT:-$BUILD_DIR/tools/logcollect/logcollect}
# The generators are the same programs in every build; a build without them borrows build/'s.
find_gen() {
  local gen=$BUILD_DIR/bench/$1
  if [[ ! -x $gen && -x $ROOT/build/bench/$1 ]]; then gen=$ROOT/build/bench/$1; fi
  [[ -x $gen ]] || die 2 "generator not built: '$gen' (ninja -C $BUILD_DIR bench/$1)"
  echo "$gen"
}
GEN_LOGS=$(find_gen gen_logs)
GEN_SYSLOG=$(find_gen gen_syslog)
readonly GEN_LOGS GEN_SYSLOG

[[ -x $LOGCOLLECT ]] || die 2 "logcollect not built: '$LOGCOLLECT'"
have jq || die 2 "jq not found: it is the baseline, and it checks the records (apt-get install jq)"
for knob in RUNS SYSLOG_LINES RECORDS CHECK_LINES LOAD_WAIT; do
  is_count "${!knob}" || die 2 "$knob must be a positive integer, not '${!knob}'"
done
[[ $LOAD_MAX =~ ^[0-9]+(\.[0-9]+)?$ ]] || die 2 "LOAD_MAX must be a number, not '$LOAD_MAX'"
[[ $PERF == 0 || $PERF == 1 ]] || die 2 "PERF must be 0 or 1, not '$PERF'"
if [[ $PERF == 1 ]] && ! have perf; then die 2 "PERF=1 needs perf (apt-get install linux-perf)"; fi
# GNU time gives CPU time and peak RSS; without it (or with TIME_BIN= ) the script reads VmHWM
# from /proc while the command runs, and the CPU time from the shell's `times`.
if [[ -z ${TIME_BIN+set} ]]; then
  TIME_BIN=
  if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M true >/dev/null 2>&1; then
    TIME_BIN=/usr/bin/time
  fi
fi
readonly TIME_BIN

mkdir -p "$OUT"
export LC_ALL=C

# --- Machine ------------------------------------------------------------------------------------
cpu_model() {
  local model
  model=$(awk -F': *' '/^(model name|Hardware|cpu model)[[:space:]]*:/ { print $2; exit }' \
    /proc/cpuinfo 2>/dev/null || true)
  echo "${model:-unknown}"
}
awk_version() {
  { awk -W version 2>/dev/null || awk --version 2>/dev/null || echo awk; } | sed -n '1{s/,.*//;p;}'
}
MACHINE="$(nproc) cores, $(cpu_model), $(awk '/^MemTotal:/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo)"
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
LC_VERSION=$("$LOGCOLLECT" --version | sed -n 1p)
VERSIONS="$LC_VERSION ($LOGCOLLECT, sha256 $(sha256sum <"$LOGCOLLECT" | cut -c1-12)), $(jq --version)"
if have rg; then VERSIONS+=", $(rg --version | sed -n 1p)"; else VERSIONS+=", $(grep --version | sed -n 1p)"; fi
VERSIONS+=", $(awk_version)"
if [[ -n $TIME_BIN ]]; then
  HOW="CPU time and peak RSS from $TIME_BIN -f '%U %S %M'"
else
  HOW="no GNU time: peak RSS is the largest VmHWM read from /proc every 0.1 s, CPU time from bash's times"
fi
readonly MACHINE LOADAVG VERSIONS HOW
echo "machine: $MACHINE"
echo "load average: $LOADAVG"
echo "tools: $VERSIONS"
echo "timing: median of $RUNS runs; $HOW"

# --- Helpers ------------------------------------------------------------------------------------
median() {  # median V...
  printf '%s\n' "$@" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
min_of() { printf '%s\n' "$@" | awk 'NR == 1 || $1 < m { m = $1 } END { print m }'; }
max_of() { printf '%s\n' "$@" | awk 'NR == 1 || $1 > m { m = $1 } END { print m }'; }
rel() { local p=$1; echo "${p#"$ROOT"/}"; }  # a path as the reader sees it in the report
q() { printf '%q' "$1"; }
NOTES=()
note() { NOTES+=("$*"); }

# generate FILE GEN ARGS...: writes GEN ARGS to FILE unless its stamp matches.
generate() {
  local file=$1 gen=$2 stamp=${1%.*}.stamp want
  shift 2
  want="$(basename "$gen") $* $(sha256sum <"$gen" | cut -d' ' -f1)"
  if [[ -f $file && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    echo "data: reusing $(rel "$file")"
  else
    echo "data: generating $(rel "$file") ($(basename "$gen") $*)"
    rm -f "$stamp"
    "$gen" "$@" >"$file.tmp" 2>"${file%.*}.gen.txt"
    mv "$file.tmp" "$file"
    echo "$want" >"$stamp"
  fi
}

# wait_idle: waits until the 1-minute load average is below LOAD_MAX (at most LOAD_WAIT s).
# Sets RUN_LOAD to the load at the start of the run.
WAITED=0 BUSY_RUNS=0
wait_idle() {
  local load waited=0
  while :; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v l="$load" -v m="$LOAD_MAX" 'BEGIN { exit !(l < m) }'; then break; fi
    if ((waited >= LOAD_WAIT)); then
      echo "  load $load still >= $LOAD_MAX after $LOAD_WAIT s: running anyway"
      ((BUSY_RUNS += 1))
      break
    fi
    sleep 5
    ((waited += 5, WAITED += 5))
  done
  RUN_LOAD=$load
}

# seconds "XmY.ZZZs": bash's `times` format to seconds.
seconds() { awk -v t="$1" 'BEGIN { split(t, p, "m"); sub("s", "", p[2]); printf "%.2f", p[1] * 60 + p[2] }'; }

# time_run ID CMD: one run of CMD (stdout to /dev/null, stderr to $OUT/collect-ID.err). Sets
# RUN_WALL (s), RUN_CPU (user + system s) and RUN_RSS (peak RSS, kB).
time_run() {
  local cmd=$2 err=$OUT/collect-$1.err tf=$OUT/collect-$1.time t0 t1 rc=0
  if [[ -n $TIME_BIN ]]; then
    t0=$(date +%s.%N)
    "$TIME_BIN" -f '%U %S %M' -o "$tf" bash -c "$cmd" >/dev/null 2>"$err" || rc=$?
    t1=$(date +%s.%N)
    read -r u s RUN_RSS <"$tf"
    RUN_CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
  else
    local before after pid key value _ hwm=0
    times >"$tf"  # in this shell: the second line is the children's user and system time
    before=$(sed -n 2p "$tf")
    t0=$(date +%s.%N)
    bash -c "exec $cmd" >/dev/null 2>"$err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      while read -r key value _; do
        if [[ $key == VmHWM: ]] && ((value > hwm)); then hwm=$value; fi
      done <"/proc/$pid/status" 2>/dev/null || true
      sleep 0.1
    done
    wait "$pid" || rc=$?
    t1=$(date +%s.%N)
    times >"$tf"
    after=$(sed -n 2p "$tf")
    RUN_RSS=$hwm
    RUN_CPU=$(awk -v b="$(seconds "${before% *}") $(seconds "${before#* }")" \
      -v a="$(seconds "${after% *}") $(seconds "${after#* }")" \
      'BEGIN { split(b, x, " "); split(a, y, " "); printf "%.2f", y[1] + y[2] - x[1] - x[2] }')
  fi
  ((rc == 0)) || die 1 "command failed with status $rc: $cmd (see $(rel "$err"))"
  RUN_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

# perf_summary DATA: the flat profile (self time by symbol, 0.5% and above), then the call
# chains of the symbols above 2% (as in serve.sh).
perf_summary() {
  local squeeze='s/[[:space:]]+$//; s/ {3,}/  /g'
  perf report -i "$1" --no-children -g none --fields overhead,comm,dso,sym --stdio \
    --percent-limit 0.5 2>/dev/null | sed -E "$squeeze" || true
  echo
  perf report -i "$1" --no-children -g caller,0.5,callee --fields overhead,sym --stdio \
    --percent-limit 2 2>/dev/null | sed -E "$squeeze" || true
}

# --- Data: generated once, reused while the generators and their arguments are unchanged ----
readonly SYSLOG=$OUT/collect-syslog.log NDJSON=$OUT/collect-records.ndjson
readonly SAMPLE=$OUT/collect-sample.log
generate "$SYSLOG" "$GEN_SYSLOG" --lines "$SYSLOG_LINES" --seed "$SEED"
generate "$NDJSON" "$GEN_LOGS" --records "$RECORDS" --seed "$SEED"
SYSLOG_BYTES=$(stat -c %s "$SYSLOG")
NDJSON_BYTES=$(stat -c %s "$NDJSON")
n=$(wc -l <"$SYSLOG")
((n == SYSLOG_LINES)) || die 1 "$(rel "$SYSLOG") has $n lines, expected $SYSLOG_LINES"
n=$(wc -l <"$NDJSON")
((n == RECORDS)) || die 1 "$(rel "$NDJSON") has $n lines, expected $RECORDS"
echo "data: $SYSLOG_LINES syslog lines, $SYSLOG_BYTES bytes; $RECORDS NDJSON records, $NDJSON_BYTES bytes"
head -n "$CHECK_LINES" "$SYSLOG" >"$SAMPLE"
cat "$SYSLOG" "$NDJSON" >/dev/null  # into the page cache, so no run pays for the disk

# --- The commands -------------------------------------------------------------------------------
LC=$(q "$LOGCOLLECT")
SYS=$(q "$SYSLOG")
ND=$(q "$NDJSON")
# The header of every generated line: `Mmm dd hh:mm:ss HOST TAG[PID]: ` or `... TAG: `.
readonly HEADER_RE='^[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [^ ]+ [^ :\[]+(\[[0-9]+\])?: '
# awk's split of the same header: timestamp, host, app, pid and message, tab-separated.
# shellcheck disable=SC2016 # the dollars are awk's
readonly AWK_SPLIT='{ i = index($0, ": "); tag = $5; sub(/:$/, "", tag); pid = "";'\
' if ((j = index(tag, "[")) > 0) { pid = substr(tag, j + 1, length(tag) - j - 1); tag = substr(tag, 1, j - 1) };'\
' print $1 " " $2 " " $3 "\t" $4 "\t" tag "\t" pid "\t" substr($0, i + 2) }'
if have rg; then
  FLOOR_TOOL='rg -c (header regex)'
  FLOOR_CMD="rg -c $(q "$HEADER_RE") $SYS"
  FLOOR_SHOWN="rg -c '$HEADER_RE' $SYSLOG"
else
  FLOOR_TOOL='grep -c -E (header regex)'
  FLOOR_CMD="grep -c -E $(q "$HEADER_RE") $SYS"
  FLOOR_SHOWN="grep -c -E '$HEADER_RE' $SYSLOG"
fi

# One entry per case: ID, INPUT (syslog|ndjson), TOOL (as the table shows it), CMD (for bash -c)
# and, when CMD quotes too much to read, SHOWN (how the report shows it).
IDS=() INPUTS=() TOOLS=() CMDS=() SHOWN=()
add_case() { IDS+=("$1") INPUTS+=("$2") TOOLS+=("$3") CMDS+=("$4") SHOWN+=("${5:-$4}"); }
add_case sys-file syslog 'logcollect --format syslog file://' \
  "$LC --once --format syslog file://$SYS"
add_case sys-auto syslog 'logcollect --format auto file://' \
  "$LC --once --format auto file://$SYS"
add_case sys-stdin syslog 'logcollect --format syslog - < file' \
  "$LC --format syslog - < $SYS"
add_case sys-floor syslog "$FLOOR_TOOL" "$FLOOR_CMD" "$FLOOR_SHOWN"
add_case sys-awk syslog 'awk (split into 5 fields)' "awk $(q "$AWK_SPLIT") $SYS" \
  "awk '$AWK_SPLIT' $SYSLOG"
add_case nd-file ndjson 'logcollect --format json file://' \
  "$LC --once --format json file://$ND"
add_case nd-stdin ndjson 'logcollect --format json - < file' \
  "$LC --format json - < $ND"
add_case nd-jq ndjson 'jq -c .' "jq -c . $ND"

# --- Checks (untimed; they also warm up the page cache and the binaries) ------------------------
echo
echo "checks:"
# check_count ID EXPECTED: runs case ID with its output counted; logcollect must exit 0.
check_count() {
  local i=$1 expected=$2 got err=$OUT/collect-${IDS[$1]}.err
  got=$(bash -c "set -o pipefail; ${CMDS[$i]} | wc -l" 2>"$err") ||
    die 1 "${IDS[$i]} failed (see $(rel "$err")): ${CMDS[$i]}"
  ((got == expected)) || die 1 "${IDS[$i]}: $got output lines, expected $expected"
  if [[ -s $err ]]; then die 1 "${IDS[$i]} wrote to standard error: $(head -c 300 "$err")"; fi
  printf '  %-10s exit status 0, %d output lines = input lines\n' "${IDS[$i]}" "$got"
}
# The syslog cases, on the whole file: every line gives exactly one record.
check_count 0 "$SYSLOG_LINES"
check_count 1 "$SYSLOG_LINES"
check_count 2 "$SYSLOG_LINES"
# The floor counts the lines whose header has the expected shape: all of them.
floor=$(bash -c "${CMDS[3]}")
((floor == SYSLOG_LINES)) || die 1 "${IDS[3]}: $floor lines match the header, expected $SYSLOG_LINES"
printf '  %-10s %d lines match the header regex = input lines\n' "${IDS[3]}" "$floor"
# The NDJSON cases pass the records through: the output must equal the input byte for byte.
for i in 5 6; do
  err=$OUT/collect-${IDS[$i]}.err
  bash -c "set -o pipefail; ${CMDS[$i]} | cmp - $ND" 2>"$err" >&2 ||
    die 1 "${IDS[$i]}: the output differs from the input, or logcollect failed (see $(rel "$err"))"
  printf '  %-10s exit status 0, output identical to the input (%d records)\n' "${IDS[$i]}" "$RECORDS"
done

# The records of the first CHECK_LINES syslog lines, field by field: the line rebuilt from the
# record's host, app, pid and message must be the line after its timestamp (sudo's padding
# after the tag is not part of the message), and the timestamp must have the line's month, day
# and time. --format auto and standard input must give the same records as --format syslog.
SAMPLE_OUT=$OUT/collect-sample
"$LOGCOLLECT" --once --format syslog "file://$SAMPLE" >"$SAMPLE_OUT-syslog.ndjson"
"$LOGCOLLECT" --once --format auto "file://$SAMPLE" >"$SAMPLE_OUT-auto.ndjson"
"$LOGCOLLECT" --format syslog - <"$SAMPLE" >"$SAMPLE_OUT-stdin.ndjson"
jq -r '"\(.fields.host) \(.fields.app)\(if .fields.pid then "[\(.fields.pid)]" else "" end): \(.message)"' \
  "$SAMPLE_OUT-syslog.ndjson" >"$SAMPLE_OUT-rebuilt.txt"
cut -c17- "$SAMPLE" | sed 's/^\([^ ]* [^ ]*\): */\1: /' >"$SAMPLE_OUT-expected.txt"
cmp -s "$SAMPLE_OUT-rebuilt.txt" "$SAMPLE_OUT-expected.txt" || {
  diff "$SAMPLE_OUT-expected.txt" "$SAMPLE_OUT-rebuilt.txt" | head -n 6 >&2
  die 1 "the records of $(rel "$SAMPLE") do not give back its lines (host, app, pid, message)"
}
jq -r '.timestamp' "$SAMPLE_OUT-syslog.ndjson" |
  awk 'BEGIN { split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", m, " ") }
       { printf "%s %2d %s\n", m[substr($0, 6, 2) + 0], substr($0, 9, 2), substr($0, 12, 8) }' \
    >"$SAMPLE_OUT-rebuilt.txt"
cut -c1-15 "$SAMPLE" | cmp -s - "$SAMPLE_OUT-rebuilt.txt" ||
  die 1 "the timestamps of the records of $(rel "$SAMPLE") are not those of its lines"
printf '  %-10s the first %d records give back their lines: host, app, [pid], message, timestamp\n' \
  sample "$CHECK_LINES"
SOURCE_NOTE=
for how in auto stdin; do
  if ! cmp -s "$SAMPLE_OUT-syslog.ndjson" "$SAMPLE_OUT-$how.ndjson"; then
    # Standard input may name its records differently: compare without "source".
    if [[ $how == stdin ]] &&
      cmp -s <(jq -c 'del(.source)' "$SAMPLE_OUT-syslog.ndjson") \
        <(jq -c 'del(.source)' "$SAMPLE_OUT-stdin.ndjson"); then
      SOURCE_NOTE="from standard input the records differ only in \"source\""
      continue
    fi
    die 1 "--format syslog and $how give different records for $(rel "$SAMPLE")"
  fi
done
printf '  %-10s --format auto and standard input give the same records%s\n' sample \
  "${SOURCE_NOTE:+ (except \"source\")}"
LEVELS=$(jq -r '.level // "(none)"' "$SAMPLE_OUT-syslog.ndjson" | sort | uniq -c |
  awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')
echo "  levels in the sample: $LEVELS"
ND_SAMPLE_LINE=$(sed -n 1p "$SAMPLE_OUT-syslog.ndjson")

# --- Timing -------------------------------------------------------------------------------------
echo
echo "timing: $RUNS rounds, the cases taking turns; each run waits for a load below $LOAD_MAX" \
  "(at most $LOAD_WAIT s)"
declare -A WALLS CPUS RSSS LOADS
for ((run = 1; run <= RUNS; run++)); do
  for i in "${!IDS[@]}"; do
    wait_idle
    time_run "${IDS[$i]}" "${CMDS[$i]}"
    WALLS[$i]+="$RUN_WALL " CPUS[$i]+="$RUN_CPU " RSSS[$i]+="$RUN_RSS " LOADS[$i]+="$RUN_LOAD "
    printf '  run %d/%d  %-10s %8.2f s  CPU %7.2f s  RSS %6d MB  load %s\n' "$run" "$RUNS" \
      "${IDS[$i]}" "$RUN_WALL" "$RUN_CPU" "$((RUN_RSS * 1024 / 1000000))" "$RUN_LOAD"
  done
done

if [[ $PERF == 1 ]]; then
  for i in 0 5; do
    data=$OUT/collect-perf-${IDS[$i]}.data
    echo "perf: one more run of ${IDS[$i]} under perf record"
    perf record -F 999 -g -o "$data" -- bash -c "${CMDS[$i]}" >/dev/null 2>"$OUT/collect-perf.log"
    perf_summary "$data" >"${data%.data}.txt"
    echo "perf: $(rel "${data%.data}.txt")"
    note "perf (not timed): one run of ${IDS[$i]} under \`perf record -F 999 -g\`; profile in" \
      "$(rel "${data%.data}.txt")."
  done
fi

# --- Table --------------------------------------------------------------------------------------
# MB/s is input bytes (10^6) over the median wall time; vs jq is jq's median over the tool's.
ROWS=()
# shellcheck disable=SC2086 # the lists are space-separated numbers
JQ_WALL=$(median ${WALLS[7]})
for i in "${!IDS[@]}"; do
  if [[ ${INPUTS[$i]} == syslog ]]; then lines=$SYSLOG_LINES bytes=$SYSLOG_BYTES; else lines=$RECORDS bytes=$NDJSON_BYTES; fi
  # shellcheck disable=SC2086 # the lists are space-separated numbers
  ROWS+=("$(awk -v input="${INPUTS[$i]}" -v tool="${TOOLS[$i]}" -v id="${IDS[$i]}" \
    -v wall="$(median ${WALLS[$i]})" -v lo="$(min_of ${WALLS[$i]})" -v hi="$(max_of ${WALLS[$i]})" \
    -v cpu="$(median ${CPUS[$i]})" -v rss="$(max_of ${RSSS[$i]})" -v load="$(max_of ${LOADS[$i]})" \
    -v lines="$lines" -v bytes="$bytes" -v jq="$JQ_WALL" -v tl="$TARGET_LINES_S" -v tm="$TARGET_MB_S" \
    'BEGIN {
      lps = lines / wall; mbs = bytes / wall / 1e6; target = "-"
      if (tool ~ /^logcollect/) {
        target = input == "syslog" ? sprintf("%.2fx of %.1fM lines/s", lps / tl, tl / 1e6) \
                                   : sprintf("%.2fx of %d MB/s", mbs / tm, tm)
      }
      vsjq = input == "ndjson" ? sprintf("%.1fx", jq / wall) : "-"
      printf "| %s | %s | %.0f | %.0f | %.2f | %.2f-%.2f | %.2f | %.2f | %.0f | %s | %s | %s |\n",
        input, tool, lps, mbs, wall, lo, hi, cpu, cpu / wall, rss * 1024 / 1e6, target, vsjq, load
    }')")
done

table() {
  echo "| input | tool | lines/s | MB/s | wall s (median) | min-max | CPU s (user+sys) | cores busy | peak RSS MB | vs target | vs jq | load at start (max) |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"
  printf '%s\n' "${ROWS[@]}"
}

commands() {
  local i
  for i in "${!IDS[@]}"; do
    echo "- \`${IDS[$i]}\`: \`${SHOWN[$i]//$LOGCOLLECT/logcollect}\`"
  done
}

if ((BUSY_RUNS)); then
  note "$BUSY_RUNS run(s) started with a load of $LOAD_MAX or more after waiting $LOAD_WAIT s" \
    "(see the last column)."
fi
report() {
  echo "# logcollect: syslog parsing and NDJSON passthrough"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $MACHINE; load average before the run: $LOADAVG"
  echo "- tools: $VERSIONS"
  echo "- timing: median of $RUNS runs, the cases taking turns, output to /dev/null; $HOW." \
    "Each run waited for a 1-minute load average below $LOAD_MAX (at most $LOAD_WAIT s; $WAITED s in all)."
  echo "- syslog input: $SYSLOG_LINES lines, $SYSLOG_BYTES bytes (gen_syslog --lines $SYSLOG_LINES --seed $SEED)"
  echo "- NDJSON input: $RECORDS records, $NDJSON_BYTES bytes (gen_logs --records $RECORDS --seed $SEED)"
  echo "- targets (issue 6): syslog ≥ $TARGET_LINES_S lines/s with parsing; NDJSON passthrough ≥ $TARGET_MB_S MB/s"
  echo
  table
  echo
  echo "Checked before timing: every logcollect case exits 0 with one output line per input line;" \
    "the NDJSON cases give back their input byte for byte; the first $CHECK_LINES syslog records" \
    "give back their lines (host, app, [pid], message, and the timestamp's month, day and time)," \
    "and --format auto and standard input give the same records${SOURCE_NOTE:+ except for \"source\"};" \
    "the header regex matches all $SYSLOG_LINES lines. Levels in the sample: $LEVELS."
  echo
  echo "A syslog record: \`$ND_SAMPLE_LINE\`"
  echo
  echo "Commands:"
  echo
  commands
  if ((${#NOTES[@]})); then
    echo
    printf -- '- %s\n' "${NOTES[@]}"
  fi
}
report >"$OUT/collect-results.md"
echo
table
echo
if ((${#NOTES[@]})); then printf -- '- %s\n' "${NOTES[@]}"; fi
echo "written: $(rel "$OUT/collect-results.md")"
