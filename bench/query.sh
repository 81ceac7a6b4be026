#!/usr/bin/env bash
# bench/query.sh -- Asks logquery, ClickHouse and ripgrep the same questions about the same
# 10,000,000 generated records: a needle, the newest errors, errors by source, one hour by source,
# two phrases and a regex. Prints the median wall time of each tool and what it found, checks that
# the answers agree, and writes the table to bench/out/query-results.md.
# Usage: bench/query.sh [BUILD_DIR]   (default: build-release). See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
readonly BENCH_DIR ROOT OUT=$BENCH_DIR/out

# Knobs for quick plumbing checks; the published numbers use the defaults.
readonly RECORDS=${RECORDS:-10000000}
readonly SEED=${SEED:-42}
readonly RUNS=${RUNS:-5}
# Question 5 asks for PHRASE, and also for PHRASE2, which the generated data does contain.
readonly PHRASE=${PHRASE:-Connection timeout}
readonly PHRASE2=${PHRASE2:-connection refused}
# Question 6: an RE2 regex over the message (logquery, ClickHouse) or the line (rg).
readonly REGEX=${REGEX:-timed? ?out}

die() {  # die CODE MESSAGE...
  local code=$1
  shift
  echo "query.sh: $*" >&2
  exit "$code"
}
have() { command -v "$1" >/dev/null 2>&1; }
# Our own ClickHouse server: free_port, write_config, start_server, chq, stop_server and
# CREATE_TABLE, shared with store.sh.
# shellcheck source=bench/clickhouse_lib.sh
source "$BENCH_DIR/clickhouse_lib.sh"

# --- Prerequisites (exit 2 when something is missing) ---------------------------------------
BUILD_DIR=${1:-build-release}
if [[ $BUILD_DIR != /* && ! -d $BUILD_DIR && -d $ROOT/$BUILD_DIR ]]; then
  BUILD_DIR=$ROOT/$BUILD_DIR
fi
[[ -d $BUILD_DIR ]] || die 2 "no build directory '$BUILD_DIR' (make release builds build-release)"
readonly LOGSTORE=$BUILD_DIR/tools/logstore/logstore
readonly LOGQUERY=$BUILD_DIR/tools/logquery/logquery
# The generator is the same program in every build; a build without benchmarks borrows build/'s.
GEN=$BUILD_DIR/bench/gen_logs
if [[ ! -x $GEN && -x $ROOT/build/bench/gen_logs ]]; then GEN=$ROOT/build/bench/gen_logs; fi
readonly GEN

[[ -x $GEN ]] || die 2 "generator not built: '$GEN' (configure with -Dbench=true and build)"
[[ $("$GEN" --help) == *--format* ]] ||
  die 2 "generator '$GEN' has no --format option: rebuild it"
[[ -x $LOGSTORE ]] || die 2 "logstore not built: '$LOGSTORE'"
[[ -x $LOGQUERY ]] || die 2 "logquery not built: '$LOGQUERY'"
if ! have clickhouse-server || ! have clickhouse-client; then
  die 2 "ClickHouse not installed (apt-get install clickhouse-server clickhouse-client)"
fi
have rg || die 2 "ripgrep not installed (apt-get install ripgrep)"
[[ $RECORDS =~ ^[1-9][0-9]*$ ]] || die 2 "RECORDS must be a positive integer, not '$RECORDS'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die 2 "RUNS must be a positive integer, not '$RUNS'"
words_re='^[A-Za-z0-9_ ]*[A-Za-z0-9_][A-Za-z0-9_ ]*$'
for phrase in "$PHRASE" "$PHRASE2"; do
  [[ $phrase =~ $words_re ]] ||
    die 2 "PHRASE and PHRASE2 take words and spaces only, not '$phrase'"
done
[[ $REGEX != *[\'/\\]* ]] || die 2 "REGEX may not contain ', / or \\ (it is written into SQL)"

mkdir -p "$OUT"
export LC_ALL=C

# Everything the stores write lives in one temporary directory, removed on exit.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/logstream-query.XXXXXX")
readonly WORK STORE=$WORK/logstore
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
CH_VERSION=$(clickhouse-client --version | sed -n 's/.*version \([0-9][0-9.]*[0-9]\).*/\1/p')
VERSIONS="$("$LOGQUERY" --version | sed -n 1p) ($LOGQUERY), ClickHouse ${CH_VERSION:-unknown},"
VERSIONS+=" $(rg --version | sed -n 1p)"
readonly MACHINE LOADAVG VERSIONS
echo "machine: $MACHINE"
echo "load average: $LOADAVG"
echo "tools: $VERSIONS; median of $RUNS runs"

# --- Data: generated once, reused while the generator and its arguments are unchanged ----------
# The same files and stamps as store.sh, so the two scripts share the data.
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
generate "$CH_DATA" clickhouse
INPUT_BYTES=$(stat -c %s "$DATA")
INPUT_LINES=$(wc -l <"$DATA")
readonly INPUT_BYTES INPUT_LINES
((INPUT_LINES == RECORDS)) || die 1 "$DATA has $INPUT_LINES lines, expected $RECORDS"
echo "data: $INPUT_LINES records, $INPUT_BYTES bytes of NDJSON"
cat "$DATA" "$CH_DATA" >/dev/null  # into the page cache, so no load pays for the disk

# --- Helpers ------------------------------------------------------------------------------------
# median V...: the median of the numbers.
median() {
  printf '%s\n' "$@" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
min_of() { printf '%s\n' "$@" | awk 'NR == 1 || $1 < m { m = $1 } END { print m }'; }
max_of() { printf '%s\n' "$@" | awk 'NR == 1 || $1 > m { m = $1 } END { print m }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }  # elapsed T0 T1

# shq ARG...: the arguments as a shell would need them, quoted only where needed.
shq() {
  local arg quoted=()
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then
      quoted+=("$arg")
    else
      quoted+=("'${arg//\'/\'\\\'\'}'")
    fi
  done
  echo "${quoted[*]}"
}

# Paths as the reader sees them in the table's commands.
rel() { local p=$1; p=${p#"$ROOT"/}; echo "${p/#$STORE/STORE}"; }

NOTES=()     # lines printed under the table
WARNINGS=()  # answers that differ although the semantics are the same (exit status 1)
note() { NOTES+=("$*"); }
warn() {
  echo "WARNING: $*"
  WARNINGS+=("$*")
}

# --- Loads (once each, for context) -------------------------------------------------------------
echo
echo "loading logstore (logstore --sync interval STORE < $(rel "$DATA")):"
mkdir -p "$STORE"
t0=$(date +%s.%N)
"$LOGSTORE" --sync interval "$STORE" <"$DATA" >"$OUT/query-logstore-load.log" 2>&1 ||
  die 1 "logstore failed (see $OUT/query-logstore-load.log)"
t1=$(date +%s.%N)
LS_LOAD_S=$(elapsed "$t0" "$t1")
"$LOGSTORE" stats "$STORE" >"$OUT/query-logstore-stats.json" 2>"$OUT/query-logstore-stats.err" ||
  die 1 "logstore stats failed (see $OUT/query-logstore-stats.err)"
entries=$(sed -n 's/.*"TotalEntries"[[:space:]]*:[[:space:]]*\([0-9]*\).*/\1/p' \
  "$OUT/query-logstore-stats.json" | sed -n 1p)
[[ $entries == "$RECORDS" ]] ||
  die 1 "logstore stats reports TotalEntries '$entries', expected $RECORDS"
LS_DISK=$(du -sb "$STORE" | cut -f1)
printf '  %.3f s, %d bytes on disk\n' "$LS_LOAD_S" "$LS_DISK"

echo "loading ClickHouse (INSERT INTO logs FORMAT JSONEachRow < $(rel "$CH_DATA"), then OPTIMIZE):"
CH_DIR=$WORK/clickhouse
CH_PORT=$(free_port)
write_config "$CH_DIR" "$CH_PORT" lz4 query_log
start_server "$CH_DIR"
chq "$CREATE_TABLE"
t0=$(date +%s.%N)
clickhouse-client --host 127.0.0.1 --port "$CH_PORT" --query 'INSERT INTO logs FORMAT JSONEachRow' \
  <"$CH_DATA" >"$OUT/query-clickhouse-load.log" 2>&1 ||
  die 1 "the ClickHouse load failed (see $OUT/query-clickhouse-load.log)"
t1=$(date +%s.%N)
CH_LOAD_S=$(elapsed "$t0" "$t1")
chq 'OPTIMIZE TABLE logs FINAL'
t2=$(date +%s.%N)
CH_OPTIMIZE_S=$(elapsed "$t1" "$t2")
count=$(chq 'SELECT count() FROM logs')
((count == RECORDS)) || die 1 "ClickHouse holds $count rows, expected $RECORDS"
IFS=$'\t' read -r CH_DISK CH_PARTS < <(chq "SELECT sum(bytes_on_disk), count() FROM system.parts
  WHERE active AND database = currentDatabase() AND table = 'logs'")
CH_SERVER_VERSION=$(chq 'SELECT version()')
printf '  %.3f s, then OPTIMIZE TABLE FINAL %.3f s; %d part(s), %d bytes on disk\n' \
  "$CH_LOAD_S" "$CH_OPTIMIZE_S" "$CH_PARTS" "$CH_DISK"

# --- The questions ------------------------------------------------------------------------------
# 1. A needle: the request id in the message of the first record from the middle of the data on
# whose message carries one. Its 12 hex digits are one word, in that record only (the ids are
# random 48-bit numbers).
MID=$(((RECORDS + 1) / 2))
NEEDLE_ID=$(tail -n "+$MID" "$DATA" | grep -m 1 -oE '"message":"[^"]*req-[0-9a-f]{12}' |
  grep -oE 'req-[0-9a-f]{12}$' || true)
[[ -n $NEEDLE_ID ]] || die 1 "no message with a request id from record $MID on"
readonly NEEDLE=${NEEDLE_ID#req-}
NEEDLE_LINES=$(grep -c -F "$NEEDLE" "$DATA" || true)
((NEEDLE_LINES >= 1 && NEEDLE_LINES <= 5)) ||
  die 1 "the needle $NEEDLE is on $NEEDLE_LINES lines of $DATA, not 1 to 5"
NEEDLE_LINE=$(grep -n -m 1 -F "$NEEDLE" "$DATA" | cut -d: -f1)

# 4. One hour: the clock hour of the middle record.
mid_ts=$(sed -n "${MID}{s/^{\"timestamp\":\"\([^\"]*\)\".*/\1/p;q}" "$DATA")
[[ $mid_ts =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}: ]] ||
  die 1 "cannot read the timestamp of record $MID of $DATA"
readonly HOUR_PREFIX=${mid_ts:0:13}  # 2025-05-14T12
readonly WIN_FROM=$HOUR_PREFIX:00:00Z
WIN_FROM_S=$(date -u -d "$WIN_FROM" +%s)
WIN_TO=$(date -u -d "@$((WIN_FROM_S + 3600))" +%Y-%m-%dT%H:%M:%SZ)
readonly WIN_FROM_S WIN_TO

# Each question: Q[i] id, TITLE[i], logquery's options (LQ_OPTS[i], words without spaces) and
# query (LQ_QUERY[i]), CH_SQL[i], RG_CMD[i] (a command line for bash -c), the kinds of answer
# (records, newest, groups or count) and whether the answers must agree: same (a difference
# fails the run) or a reason why they may differ.
Q=() TITLE=() LQ_OPTS=() LQ_QUERY=() CH_SQL=() RG_CMD=()
LQ_KIND=() CH_KIND=() RG_KIND=() CH_SAME=() RG_SAME=()
readonly SEL="SELECT timestamp, * FROM logs"
readonly FMT="FORMAT JSONEachRow"
readonly ERROR_LINE='^\{"timestamp":"[^"]*","source":"[^"]*","level":"error"'
FILE=$(shq "$(rel "$DATA")")
readonly FILE
lq() { LQ_OPTS+=("$1") LQ_QUERY+=("$2"); }  # lq OPTIONS QUERY: logquery's part of a question
add() {  # add ID TITLE CH_SQL RG_CMD LQ_KIND CH_KIND RG_KIND CH_SAME RG_SAME
  Q+=("$1") TITLE+=("$2") CH_SQL+=("$3") RG_CMD+=("$4")
  LQ_KIND+=("$5") CH_KIND+=("$6") RG_KIND+=("$7") CH_SAME+=("$8") RG_SAME+=("$9")
}
lq "-n 0" "$NEEDLE"
add 1 "needle: the word $NEEDLE" \
  "$SEL WHERE position(message, '$NEEDLE') > 0 $FMT" \
  "rg -c $NEEDLE $FILE" records records count same \
  "rg searches the whole line, where the id is also in fields.request_id"
lq "-n 100 --order desc" level:error
add 2 "newest 100 of level:error" \
  "$SEL WHERE level = 'error' ORDER BY timestamp_ms DESC LIMIT 100 $FMT" \
  "rg '$ERROR_LINE' $FILE | tail -n 100 | tac" newest newest newest same same
lq '' 'level:error | count by source'
add 3 "level:error | count by source" \
  "SELECT source, count() AS count FROM logs WHERE level = 'error' GROUP BY source
    ORDER BY count DESC, source $FMT" \
  "rg -o -r '\$1' '^\\{\"timestamp\":\"[^\"]*\",\"source\":\"([^\"]*)\",\"level\":\"error\"' $FILE | sort | uniq -c" \
  groups groups groups same same
lq "--from $WIN_FROM --to $WIN_TO" '| count by source'
add 4 "| count by source, 1 hour" \
  "SELECT source, count() AS count FROM logs WHERE timestamp_ms >= $((WIN_FROM_S * 1000))
    AND timestamp_ms < $(((WIN_FROM_S + 3600) * 1000)) GROUP BY source ORDER BY count DESC, source $FMT" \
  "rg -o -r '\$1' '^\\{\"timestamp\":\"$HOUR_PREFIX:[^\"]*\",\"source\":\"([^\"]*)\"' $FILE | sort | uniq -c" \
  groups groups groups same same
lq "-n 0" "\"$PHRASE\""
add 5a "phrase \"$PHRASE\"" \
  "$SEL WHERE positionCaseInsensitive(message, '$PHRASE') > 0 $FMT" \
  "rg -c -i '$PHRASE' $FILE" records records count \
  "ClickHouse looks for the substring, logquery for the words in a row" \
  "rg looks for the substring in the whole line, logquery for the words in a row in the message"
lq "-n 0" "\"$PHRASE2\""
add 5b "phrase \"$PHRASE2\"" \
  "$SEL WHERE positionCaseInsensitive(message, '$PHRASE2') > 0 $FMT" \
  "rg -c -i '$PHRASE2' $FILE" records records count \
  "ClickHouse looks for the substring, logquery for the words in a row" \
  "rg looks for the substring in the whole line, logquery for the words in a row in the message"
lq "-n 0" "message:/$REGEX/"
add 6 "regex message:/$REGEX/" \
  "$SEL WHERE match(message, '$REGEX') $FMT" \
  "rg -c -e '$REGEX' $FILE" records records count same \
  "rg matches the whole line, logquery and ClickHouse the message"

# The commands of tool T for question I, as arrays.
lq_cmd() {  # lq_cmd I
  local opts
  read -ra opts <<<"${LQ_OPTS[$1]}"
  CMD=("$LOGQUERY" --store "$STORE" ${opts[@]+"${opts[@]}"} "${LQ_QUERY[$1]}")
}
ch_cmd() {  # ch_cmd I [QUERY_ID]
  CMD=(clickhouse-client --host 127.0.0.1 --port "$CH_PORT"
    --output_format_json_quote_64bit_integers=0 --query "${CH_SQL[$1]}")
  if [[ -n ${2:-} ]]; then CMD+=(--query_id "$2"); fi
}
rg_cmd() { CMD=(bash -c "cd $(shq "$ROOT") && ${RG_CMD[$1]}"); }  # rg_cmd I

# Timing: for each question, one untimed run of every tool (page cache, ClickHouse's mark cache),
# then RUNS rounds in which each tool runs once: a machine whose speed drifts affects all three
# alike. The time is wall clock from process start to exit, with the output written to a file.
declare -A TIMES=()  # "I tool" -> "t1 t2 ..."
readonly TOOLS=(logquery clickhouse rg)
ch_ids=()
for i in "${!Q[@]}"; do
  echo
  echo "question ${Q[$i]}: ${TITLE[$i]}"
  for ((run = 0; run <= RUNS; run++)); do
    for tool in "${TOOLS[@]}"; do
      out=$OUT/query-${Q[$i]}-$tool.out
      case $tool in
        logquery) lq_cmd "$i" ;;
        clickhouse)
          ch_cmd "$i" "qbench-${Q[$i]}-$run"
          ch_ids+=("qbench-${Q[$i]}-$run")
          ;;
        rg) rg_cmd "$i" ;;
      esac
      rc=0
      t0=$(date +%s.%N)
      "${CMD[@]}" >"$out" 2>"$out.err" || rc=$?
      t1=$(date +%s.%N)
      # logquery and rg exit 1 when nothing matched, which is an answer.
      if ((rc > 1)) || [[ $tool == clickhouse && $rc != 0 ]]; then
        die 1 "question ${Q[$i]}: $tool failed with status $rc (see $out.err)"
      fi
      if ((run > 0)); then TIMES["$i $tool"]+="$(elapsed "$t0" "$t1") "; fi
    done
    if ((run > 0)); then printf '  run %d/%d done\n' "$run" "$RUNS"; fi
  done
  # What logquery read and skipped (one more run, not timed).
  lq_cmd "$i"
  "${CMD[0]}" --explain "${CMD[@]:1}" >/dev/null 2>"$OUT/query-${Q[$i]}-logquery.explain" || true
done

# The server's own time for each timed ClickHouse run, from system.query_log.
chq 'SYSTEM FLUSH LOGS'
ids_sql=$(printf "'%s'," "${ch_ids[@]}")
chq "SELECT query_id, query_duration_ms / 1000, read_rows FROM system.query_log
  WHERE type = 2 AND query_id IN (${ids_sql%,})" >"$OUT/query-clickhouse-server.tsv"
declare -A SERVER=() READ_ROWS=()
while IFS=$'\t' read -r id secs rows; do
  [[ $id =~ ^qbench-(.*)-([0-9]+)$ ]] || continue
  ((BASH_REMATCH[2] > 0)) || continue
  SERVER[${BASH_REMATCH[1]}]+="$secs "
  READ_ROWS[${BASH_REMATCH[1]}]=$rows
done <"$OUT/query-clickhouse-server.tsv"
stop_server

# --- Answers and checks -------------------------------------------------------------------------
# answer I TOOL KIND: reads the tool's output; sets ROWS_OUT (lines printed), MATCHED (records
# selected) and writes the comparable form to OUT.sig: the count, the timestamps of the newest,
# or "source count" lines sorted.
answer() {
  local i=$1 tool=$2 kind=$3 out=$OUT/query-${Q[$1]}-$2.out
  ROWS_OUT=$(wc -l <"$out")
  case $kind in
    records)
      MATCHED=$ROWS_OUT
      echo "$MATCHED" >"$out.sig"
      ;;
    count)  # rg -c prints nothing when nothing matched
      MATCHED=$(head -n 1 "$out")
      MATCHED=${MATCHED:-0}
      echo "$MATCHED" >"$out.sig"
      ;;
    newest)
      MATCHED=$ROWS_OUT
      sed -n 's/^{"timestamp":"\([^"]*\)".*/\1/p' "$out" >"$out.sig"
      ;;
    groups)
      if [[ $tool == rg ]]; then
        awk '{ print $2, $1 }' "$out"
      else
        sed -n 's/^{"source":"\([^"]*\)","count":\([0-9]*\)}$/\1 \2/p' "$out"
      fi | sort >"$out.sig"
      MATCHED=$(awk '{ s += $2 } END { print s + 0 }' "$out.sig")
      ;;
  esac
}

# Table rows: I, tool, median, min, max, server median, rows out, records, check; US-separated.
readonly US=$'\x1f'
ROWS=()
for i in "${!Q[@]}"; do
  lq_out=$OUT/query-${Q[$i]}-logquery.out
  for tool in "${TOOLS[@]}"; do
    case $tool in
      logquery) kind=${LQ_KIND[$i]} same=same ;;
      clickhouse) kind=${CH_KIND[$i]} same=${CH_SAME[$i]} ;;
      rg) kind=${RG_KIND[$i]} same=${RG_SAME[$i]} ;;
    esac
    answer "$i" "$tool" "$kind"
    if [[ $tool == logquery ]]; then
      check=reference
      lq_matched=$MATCHED
    elif cmp -s "$lq_out.sig" "$OUT/query-${Q[$i]}-$tool.out.sig"; then
      check=agrees
    elif [[ $same == same ]]; then
      check="DIFFERS"
      warn "question ${Q[$i]}: $tool found $MATCHED, logquery $lq_matched, with the same" \
        "semantics (compare $OUT/query-${Q[$i]}-logquery.out.sig and" \
        "$OUT/query-${Q[$i]}-$tool.out.sig)"
    else
      check="differs"
      echo "note: question ${Q[$i]}: $tool found $MATCHED, logquery $lq_matched: $same"
      note "Question ${Q[$i]}: $tool found $MATCHED records and logquery $lq_matched, because $same."
    fi
    read -ra t <<<"${TIMES["$i $tool"]}"
    server=
    if [[ $tool == clickhouse && -n ${SERVER[${Q[$i]}]:-} ]]; then
      read -ra s <<<"${SERVER[${Q[$i]}]}"
      server=$(median "${s[@]}")
    fi
    ROWS+=("$i$US$tool$US$(median "${t[@]}")$US$(min_of "${t[@]}")$US$(max_of "${t[@]}")$US$server$US$ROWS_OUT$US$MATCHED$US$check")
  done
done

# --- Notes --------------------------------------------------------------------------------------
note "median, min and max s: wall clock of the whole process (start to exit, output written to a" \
  "file in bench/out/), over $RUNS run(s); CH server s: the median of the same runs'" \
  "query_duration_ms in ClickHouse's system.query_log; rows out: the lines printed (records," \
  "groups, or rg -c's one count); records: the records selected (for a count by, the sum of the" \
  "counts); vs logquery: the tool's median over logquery's (2.00x: twice as long); check: the" \
  "answer compared with logquery's: the count, the 100 timestamps in order (2), or the" \
  "(source, count) pairs (3, 4)."
note "The timings come from a shared machine whose speed drifts: compare rows of one run."
note "Question 1: the needle is $NEEDLE, the hex digits of $NEEDLE_ID in the message of record" \
  "$NEEDLE_LINE (the first record from number $MID on whose message carries a request id);" \
  "grep -c -F finds it on $NEEDLE_LINES line(s). ClickHouse 18.16 has no hasToken(), so it uses" \
  "position()."
note "Question 4: the window is [$WIN_FROM, $WIN_TO), the clock hour of record $MID."
phrase_n=$(head -n 1 "$OUT/query-5a-logquery.out.sig")
if ((phrase_n == 0)); then
  note "Question 5a: no record has the phrase \"$PHRASE\" (the data says \"Connection timed" \
    "out\", \"i/o timeout\" and \"TLS handshake timeout\"), hence 5b: \"$PHRASE2\"."
fi
note "ClickHouse 18.16 has no ILIKE and no multiSearchAny; positionCaseInsensitive() is an ASCII" \
  "case-insensitive substring search. logquery's phrase is the words in a row, ASCII" \
  "case-insensitively, whatever separates them, and only as whole words."
for i in "${!Q[@]}"; do
  explain=$OUT/query-${Q[$i]}-logquery.explain
  blocks=$(sed -n 's/^ *blocks *//p' "$explain" | sed -n 1p)
  records=$(sed -n 's/^ *records *//p' "$explain" | sed -n 1p)
  inner=$(sed -n 's/^ *elapsed *//p' "$explain" | sed -n 1p)
  note "Question ${Q[$i]}: logquery --explain: blocks ${blocks:-?}; records ${records:-?};" \
    "elapsed ${inner:-?}. ClickHouse read ${READ_ROWS[${Q[$i]}]:-?} rows."
done

# --- Table --------------------------------------------------------------------------------------
# "vs logquery" is the tool's median over logquery's: 3.0x means it took three times as long.
table() {
  echo "| # | question | tool | median s | min s | max s | CH server s | rows out | records | vs logquery | check |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
  local row i tool median min max server rows matched check lq_median=
  for row in "${ROWS[@]}"; do
    IFS=$US read -r i tool median min max server rows matched check <<<"$row"
    if [[ $tool == logquery ]]; then lq_median=$median; fi
    printf '| %s | %s | %s | %s | %d | %d | %s | %s |\n' "${Q[$i]}" "${TITLE[$i]//|/\\|}" "$tool" \
      "$(awk -v m="$median" -v lo="$min" -v hi="$max" -v s="$server" 'BEGIN {
        printf "%.3f | %.3f | %.3f | %s", m, lo, hi, (s == "" ? "-" : sprintf("%.3f", s)) }')" \
      "$rows" "$matched" "$(awk -v m="$median" -v l="$lq_median" 'BEGIN { printf "%.2fx", m / l }')" \
      "$check"
  done
}

commands() {
  local i
  for i in "${!Q[@]}"; do
    lq_cmd "$i"
    CMD[0]=$(rel "$LOGQUERY")
    CMD[2]=STORE
    echo "- ${Q[$i]} logquery: \`$(shq "${CMD[@]}")\`"
    echo "- ${Q[$i]} ClickHouse: \`clickhouse-client --port PORT" \
      "--output_format_json_quote_64bit_integers=0 --query \"$(tr -s ' \n' ' ' <<<"${CH_SQL[$i]}" |
        sed 's/ $//')\"\`"
    echo "- ${Q[$i]} rg: \`${RG_CMD[$i]}\`"
  done
}

notes() {
  local n
  for n in ${WARNINGS[@]+"${WARNINGS[@]}"}; do echo "- WARNING: $n"; done
  for n in ${NOTES[@]+"${NOTES[@]}"}; do echo "- $n"; done
}

report() {
  echo "# logquery, ClickHouse and ripgrep: the same questions about the same records"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $MACHINE; load average before the run: $LOADAVG"
  echo "- tools: $VERSIONS; ClickHouse server $CH_SERVER_VERSION; median of $RUNS runs after" \
    "one untimed run, the tools taking turns"
  echo "- input: $INPUT_LINES records, $INPUT_BYTES bytes of NDJSON (gen_logs ${GEN_ARGS[*]})," \
    "$(rel "$DATA")"
  echo "- loads, once: logstore $(printf '%.3f' "$LS_LOAD_S") s ($LS_DISK bytes on disk);" \
    "ClickHouse MergeTree lz4 $(printf '%.3f' "$CH_LOAD_S") s, then OPTIMIZE TABLE FINAL" \
    "$(printf '%.3f' "$CH_OPTIMIZE_S") s ($CH_PARTS part(s), $CH_DISK bytes on disk)"
  echo
  table
  echo
  echo "Commands (STORE: \`logstore --sync interval STORE < $(rel "$DATA")\`; PORT: a" \
    "clickhouse-server of bench/clickhouse_lib.sh with the table of store.sh, loaded from" \
    "$(rel "$CH_DATA"); rg runs in the top directory of the repository, sort with LC_ALL=C):"
  echo
  commands
  echo
  notes
}

report >"$OUT/query-results.md"
echo
table
echo
notes
echo
echo "written: $OUT/query-results.md"
if ((${#WARNINGS[@]})); then
  die 1 "${#WARNINGS[@]} answer(s) differ where the semantics are the same (see the warnings)"
fi
