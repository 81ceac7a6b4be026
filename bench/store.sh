#!/usr/bin/env bash
# bench/store.sh -- Loads the same 10,000,000 generated records into logstore and into ClickHouse
# (MergeTree), and prints load time, records/s, size on disk, ratio to the NDJSON input and peak
# memory of both in one table (also bench/out/store-results.md).
# Usage: bench/store.sh [BUILD_DIR]   (default: build). See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
readonly BENCH_DIR ROOT OUT=$BENCH_DIR/out

# Knobs for quick plumbing checks; the published numbers use the defaults.
readonly RECORDS=${RECORDS:-10000000}
readonly SEED=${SEED:-42}
readonly RUNS=${RUNS:-3}
# ClickHouse is loaded once per method: lz4 is its default, zstd its better-compressing option.
readonly CH_COMPRESSION=${CH_COMPRESSION:-lz4 zstd}
# CH_VERIFY=1: also read the whole table back, rebuild the NDJSON with jq and compare it byte for
# byte with the input (slow: about a jq pass over the data).
readonly CH_VERIFY=${CH_VERIFY:-0}

die() {  # die CODE MESSAGE...
  local code=$1
  shift
  echo "store.sh: $*" >&2
  exit "$code"
}
have() { command -v "$1" >/dev/null 2>&1; }
# Our own ClickHouse server: free_port, write_config, start_server, chq, stop_server and
# CREATE_TABLE, shared with query.sh.
# shellcheck source=bench/clickhouse_lib.sh
source "$BENCH_DIR/clickhouse_lib.sh"

# --- Prerequisites (exit 2 when something is missing) ---------------------------------------
BUILD_DIR=${1:-build}
if [[ $BUILD_DIR != /* && ! -d $BUILD_DIR && -d $ROOT/$BUILD_DIR ]]; then
  BUILD_DIR=$ROOT/$BUILD_DIR
fi
readonly GEN=$BUILD_DIR/bench/gen_logs
readonly LOGSTORE=$BUILD_DIR/tools/logstore/logstore

[[ -x $GEN ]] || die 2 "generator not built: '$GEN' (configure with -Dbench=true and build)"
[[ $("$GEN" --help) == *--format* ]] ||
  die 2 "generator '$GEN' has no --format option: rebuild it"
[[ $RECORDS =~ ^[1-9][0-9]*$ ]] || die 2 "RECORDS must be a positive integer, not '$RECORDS'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die 2 "RUNS must be a positive integer, not '$RUNS'"
for method in $CH_COMPRESSION; do
  [[ $method == lz4 || $method == zstd ]] ||
    die 2 "CH_COMPRESSION takes lz4 and/or zstd, not '$method'"
done

SKIPPED=()  # notes on sides that do not run
HAVE_LOGSTORE=0
if [[ -x $LOGSTORE ]]; then
  HAVE_LOGSTORE=1
else
  SKIPPED+=("logstore not built: '$LOGSTORE'")
fi
[[ $CH_VERIFY == 0 || $CH_VERIFY == 1 ]] || die 2 "CH_VERIFY must be 0 or 1, not '$CH_VERIFY'"
if [[ $CH_VERIFY == 1 ]] && ! have jq; then die 2 "CH_VERIFY=1 needs jq (apt-get install jq)"; fi
HAVE_CH=0
if [[ -z ${CH_COMPRESSION// /} ]]; then
  SKIPPED+=("ClickHouse skipped: CH_COMPRESSION is empty")
elif ! have clickhouse-server || ! have clickhouse-client; then
  SKIPPED+=("ClickHouse not installed (apt-get install clickhouse-server clickhouse-client)")
else
  HAVE_CH=1
fi
((HAVE_LOGSTORE || HAVE_CH)) || die 2 "nothing to measure: ${SKIPPED[*]}"
TIME_BIN=
if [[ -x /usr/bin/time ]]; then TIME_BIN=/usr/bin/time; fi

mkdir -p "$OUT"
export LC_ALL=C

# Everything the stores write lives in one temporary directory, removed on exit.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/logstream-store.XXXXXX")
readonly WORK

cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Machine ------------------------------------------------------------------------------------
cpu_model() {
  local model
  model=$(awk -F': *' '/^(model name|Hardware|cpu model)[[:space:]]*:/ { print $2; exit }' \
    /proc/cpuinfo 2>/dev/null || true)
  echo "${model:-unknown}"
}
MACHINE="$(nproc) cores, $(cpu_model)"
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
VERSIONS=
if ((HAVE_CH)); then
  CH_VERSION=$(clickhouse-client --version | sed -n 's/.*version \([0-9][0-9.]*[0-9]\).*/\1/p')
  VERSIONS="ClickHouse ${CH_VERSION:-unknown}"
fi
if ((HAVE_LOGSTORE)); then VERSIONS+="${VERSIONS:+, }logstore $LOGSTORE"; fi
if [[ -n $TIME_BIN ]]; then
  RSS_HOW="peak RSS from $TIME_BIN -f %M"
else
  RSS_HOW="no /usr/bin/time (apt-get install time): peak RSS of the loading process not measured"
fi
echo "machine: $MACHINE"
echo "load average: $LOADAVG"
echo "tools: $VERSIONS; median of $RUNS runs; $RSS_HOW"
for note in ${SKIPPED[@]+"${SKIPPED[@]}"}; do echo "$note"; done

# --- Data: generated once, reused while the generator and its arguments are unchanged ----------
GEN_ARGS=(--records "$RECORDS" --seed "$SEED")
GEN_SUM=$(sha256sum <"$GEN" | cut -d' ' -f1)

# generate FILE FORMAT: writes gen_logs --format FORMAT to FILE unless its stamp matches.
generate() {
  local file=$1 format=$2 stamp=${1%.*}.stamp want
  want="gen_logs ${GEN_ARGS[*]} --format $format $GEN_SUM"
  if [[ -f $file && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    echo "data: reusing $file"
  else
    echo "data: generating $file (gen_logs ${GEN_ARGS[*]} --format $format)"
    rm -f "$stamp"
    "$GEN" "${GEN_ARGS[@]}" --format "$format" >"$file.tmp" 2>/dev/null
    mv "$file.tmp" "$file"
    echo "$want" >"$stamp"
  fi
}

readonly DATA=$OUT/store.ndjson CH_DATA=$OUT/store.clickhouse.json
generate "$DATA" ndjson
INPUT_BYTES=$(stat -c %s "$DATA")
INPUT_LINES=$(wc -l <"$DATA")
((INPUT_LINES == RECORDS)) || die 1 "$DATA has $INPUT_LINES lines, expected $RECORDS"
echo "data: $INPUT_LINES records, $INPUT_BYTES bytes of NDJSON"
cat "$DATA" >/dev/null  # into the page cache, so no run pays for the disk
if ((HAVE_CH)); then
  generate "$CH_DATA" clickhouse
  CH_BYTES=$(stat -c %s "$CH_DATA")
  echo "data: the same records flattened for ClickHouse, $CH_BYTES bytes of JSONEachRow"
  cat "$CH_DATA" >/dev/null
fi

# --- Helpers ------------------------------------------------------------------------------------
# median V...: the median of the numbers.
median() {
  printf '%s\n' "$@" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# timed INPUT LOG CMD...: runs CMD with stdin from INPUT, its stdout and stderr to LOG. Sets SECS
# (wall clock, process start to exit) and RSS_KB (peak RSS, empty without /usr/bin/time).
# Returns CMD's status.
timed() {
  local input=$1 log=$2 t0 t1 rc=0
  shift 2
  RSS_KB=
  t0=$(date +%s.%N)
  if [[ -n $TIME_BIN ]]; then
    "$TIME_BIN" -f %M -o "$WORK/rss" "$@" <"$input" >"$log" 2>&1 || rc=$?
    RSS_KB=$(tail -n 1 "$WORK/rss")
  else
    "$@" <"$input" >"$log" 2>&1 || rc=$?
  fi
  t1=$(date +%s.%N)
  SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
  return "$rc"
}

max_of() {  # max_of V...: the largest integer, ignoring empty values
  local v m=
  for v in "$@"; do
    [[ -n $v ]] || continue
    if [[ -z $m ]] || ((v > m)); then m=$v; fi
  done
  echo "$m"
}

kb_to_mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k * 1024 / 1e6 }'; }

# Table rows: store, input bytes, median s, bytes on disk, peak RSS, separated by US (\x1f), which
# unlike a tab keeps empty fields.
readonly US=$'\x1f'
ROWS=()
NOTES=()  # lines printed under the table
note() { NOTES+=("$*"); }

# --- logstore -----------------------------------------------------------------------------------
if ((HAVE_LOGSTORE)); then
  echo
  echo "logstore --sync interval ($RUNS runs, a fresh directory each time):"
  times=() rss=()
  for ((run = 1; run <= RUNS; run++)); do
    store=$WORK/logstore
    rm -rf "$store"
    mkdir -p "$store"
    timed "$DATA" "$OUT/store-logstore.log" "$LOGSTORE" --sync interval "$store" ||
      die 1 "logstore failed (see $OUT/store-logstore.log)"
    times+=("$SECS")
    rss+=("$RSS_KB")
    printf '  run %d/%d %9.3f s\n' "$run" "$RUNS" "$SECS"
  done
  "$LOGSTORE" stats "$store" >"$OUT/store-logstore-stats.json" 2>"$OUT/store-logstore-stats.err" ||
    die 1 "logstore stats failed (see $OUT/store-logstore-stats.err)"
  json_value() {  # json_value KEY: a number from the stats object
    sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*\([0-9.eE+-]*\).*/\1/p' \
      "$OUT/store-logstore-stats.json" | head -n 1
  }
  entries=$(json_value TotalEntries)
  [[ $entries == "$RECORDS" ]] ||
    die 1 "logstore stats reports TotalEntries '$entries', expected $RECORDS" \
      "($OUT/store-logstore-stats.json)"
  disk=$(du -sb "$store" | cut -f1)
  peak=$(max_of ${rss[@]+"${rss[@]}"})
  peak=${peak:+$(kb_to_mb "$peak")}
  ROWS+=("logstore --sync interval$US$INPUT_BYTES$US$(median "${times[@]}")$US$disk$US$peak")
  note "logstore: on-disk is \`du -sb\` of the store after the last run; \`logstore stats\`" \
    "says StorageSize $(json_value StorageSize), CompressionRatio $(json_value CompressionRatio)."
  rm -rf "$store"
else
  echo
  echo "logstore: not built ('$LOGSTORE'), skipped"
  ROWS+=("logstore not built$US$US$US$US")
fi

# --- ClickHouse ---------------------------------------------------------------------------------
# Our own clickhouse-server, never the system service: a generated config, 127.0.0.1 only, a free
# port, every path under $WORK (bench/clickhouse_lib.sh).

if ((HAVE_CH)); then
  first_ts=$(head -n 1 "$DATA" | sed -n 's/^{"timestamp":"\([^"]*\)".*/\1/p')
  last_ts=$(tail -n 1 "$DATA" | sed -n 's/^{"timestamp":"\([^"]*\)".*/\1/p')
  for method in $CH_COMPRESSION; do
    echo
    echo "ClickHouse, $method ($RUNS load(s), each into a new table, then OPTIMIZE TABLE FINAL):"
    dir=$WORK/clickhouse-$method
    CH_PORT=$(free_port)
    write_config "$dir" "$CH_PORT" "$method"
    start_server "$dir"
    times=() rss=()
    for ((run = 1; run <= RUNS; run++)); do
      chq 'DROP TABLE IF EXISTS logs'
      chq "$CREATE_TABLE"
      timed "$CH_DATA" "$OUT/store-clickhouse-$method.log" clickhouse-client --host 127.0.0.1 \
        --port "$CH_PORT" --query 'INSERT INTO logs FORMAT JSONEachRow' ||
        die 1 "the ClickHouse load failed (see $OUT/store-clickhouse-$method.log)"
      times+=("$SECS")
      rss+=("$RSS_KB")
      printf '  run %d/%d %9.3f s\n' "$run" "$RUNS" "$SECS"
    done
    t0=$(date +%s.%N)
    chq 'OPTIMIZE TABLE logs FINAL'
    t1=$(date +%s.%N)
    optimize_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    # The checks: every record arrived, and the first and last instants read back exactly.
    IFS=$'\t' read -r count min_ts max_ts < <(
      chq 'SELECT count(), min(timestamp), max(timestamp) FROM logs')
    ((count == RECORDS)) || die 1 "ClickHouse holds $count rows, expected $RECORDS"
    [[ $min_ts == "$first_ts" && $max_ts == "$last_ts" ]] ||
      die 1 "ClickHouse timestamps $min_ts..$max_ts differ from the input's $first_ts..$last_ts"
    IFS=$'\t' read -r disk parts < <(chq "SELECT sum(bytes_on_disk), count() FROM system.parts
      WHERE active AND database = currentDatabase() AND table = 'logs'")
    chq "SELECT name, type, data_compressed_bytes, data_uncompressed_bytes FROM system.columns
      WHERE database = currentDatabase() AND table = 'logs' ORDER BY data_compressed_bytes DESC
      FORMAT TSVWithNames" >"$OUT/store-clickhouse-$method-columns.tsv"
    server_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$CH_PID/status" 2>/dev/null || true)
    if [[ $CH_VERIFY == 1 ]]; then
      # Absent fields come back as NULL or '', and the columns are in the order of "fields".
      clickhouse-client --host 127.0.0.1 --port "$CH_PORT" \
        --output_format_json_quote_64bit_integers=0 \
        --query 'SELECT timestamp, * FROM logs ORDER BY timestamp_ms FORMAT JSONEachRow' |
        jq -c '{timestamp, source, level, message, fields: (del(.timestamp, .timestamp_ms,
          .source, .level, .message) | with_entries(select(.value != null and .value != "")))}' \
          >"$OUT/store-clickhouse-readback.ndjson"
      cmp -s "$OUT/store-clickhouse-readback.ndjson" "$DATA" ||
        die 1 "MISMATCH: the records read back from ClickHouse" \
          "($OUT/store-clickhouse-readback.ndjson) differ from $DATA"
      rm -f "$OUT/store-clickhouse-readback.ndjson"
      echo "  read back: the table gives the input NDJSON byte for byte"
      note "ClickHouse $method: CH_VERIFY=1 read the table back, and it gave the input NDJSON" \
        "byte for byte."
    fi
    server_version=$(chq 'SELECT version()')
    stop_server
    rm -rf "$dir"
    printf '  OPTIMIZE TABLE FINAL %.3f s; %d rows, %d part(s), %d bytes on disk\n' \
      "$optimize_s" "$count" "$parts" "$disk"
    client_kb=$(max_of ${rss[@]+"${rss[@]}"})
    peak=${client_kb:+$(kb_to_mb "$client_kb") client, }
    peak+=${server_kb:+$(kb_to_mb "$server_kb") server}
    store="ClickHouse $server_version MergeTree, $method"
    ROWS+=("$store$US$CH_BYTES$US$(median "${times[@]}")$US$disk$US$peak")
    note "ClickHouse $method: OPTIMIZE TABLE FINAL took $optimize_s s after the last load (not" \
      "in load s) and left $parts part(s); per-column sizes in" \
      "bench/out/store-clickhouse-$method-columns.tsv."
  done
  note "ClickHouse: load s is \`clickhouse-client --query 'INSERT INTO logs FORMAT" \
    "JSONEachRow' < file\` (the client parses the JSON, the server writes the parts); input MB is" \
    "the flattened file ($CH_BYTES bytes), the ratio is to the NDJSON ($INPUT_BYTES bytes) as for" \
    "logstore; on-disk is sum(bytes_on_disk) of the active parts after OPTIMIZE TABLE FINAL; peak" \
    "RSS is the client's (the largest of the runs) and the server's VmHWM over its whole session."
fi

# --- Table --------------------------------------------------------------------------------------
# MB are 10^6 bytes (peak RSS too); records/s is RECORDS over the median; the ratio is NDJSON
# bytes over the bytes on disk (higher is smaller).
table() {
  echo "| store | records | input MB | load s (median) | records/s | on-disk MB | vs NDJSON | peak RSS MB |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  local row store input median disk peak
  for row in "${ROWS[@]}"; do
    IFS=$US read -r store input median disk peak <<<"$row"
    if [[ -z $median ]]; then
      echo "| $store | - | - | - | - | - | - | - |"
      continue
    fi
    awk -v s="$store" -v n="$RECORDS" -v i="$input" -v m="$median" -v d="$disk" \
      -v b="$INPUT_BYTES" -v p="${peak:-n/a}" 'BEGIN {
        printf "| %s | %d | %.1f | %.3f | %.0f | %.1f | %.2fx | %s |\n",
          s, n, i / 1e6, m, n / m, d / 1e6, b / d, p
      }'
  done
}

notes() {
  local note
  for note in ${SKIPPED[@]+"${SKIPPED[@]}"} ${NOTES[@]+"${NOTES[@]}"}; do echo "- $note"; done
}

{
  echo "# logstore and ClickHouse: loading and storing the same records"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $MACHINE; load average before the run: $LOADAVG"
  echo "- tools: $VERSIONS; median of $RUNS runs; $RSS_HOW"
  echo "- input: $INPUT_LINES records, $INPUT_BYTES bytes of NDJSON (gen_logs ${GEN_ARGS[*]})"
  echo
  table
  echo
  notes
} >"$OUT/store-results.md"

echo
table
echo
notes
echo
echo "written: $OUT/store-results.md"
