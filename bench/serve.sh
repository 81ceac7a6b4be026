#!/usr/bin/env bash
# bench/serve.sh -- Measures logserve over HTTP on 127.0.0.1: batch ingestion (records/s from
# several connections, JSON arrays and NDJSON, plain and gzip, checked against the store's
# TotalEntries), the latency of a search and of other endpoints from 32 concurrent clients over a
# 10,000,000-record store, and logserve's peak RSS in each phase. Writes the tables to
# bench/out/serve-results.md.
# Usage: bench/serve.sh [BUILD_DIR]   (default: build-release). See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
readonly BENCH_DIR ROOT OUT=$BENCH_DIR/out

# Knobs for quick plumbing checks; the published numbers use the defaults.
readonly RUNS=${RUNS:-3}
readonly SEED=${SEED:-42}
readonly DAYS=${DAYS:-7}
readonly PHASES=${PHASES:-ingest query}
# Ingestion: every combination of these, each round into a new store.
readonly INGEST_RECORDS=${INGEST_RECORDS:-2000000}
readonly BATCHES=${BATCHES:-1000 5000}
readonly FORMATS=${FORMATS:-array ndjson}
readonly ENCODINGS=${ENCODINGS:-identity gzip}
readonly CONNECTIONS=${CONNECTIONS:-4 8}
# Queries: CLIENTS wrk connections for DURATION seconds per run, after WARMUP seconds untimed.
readonly QUERY_RECORDS=${QUERY_RECORDS:-10000000}
readonly CLIENTS=${CLIENTS:-32}
readonly DURATION=${DURATION:-20}
readonly WARMUP=${WARMUP:-5}
# PERF=1: one more ingestion round and one more search run under `perf record`, not timed.
readonly PERF=${PERF:-0}
# BUSY_IF: a shell command that succeeds while other work runs on the machine (a build, tests).
# Each timed run then waits until it fails, and a run during which it succeeded is run again.
readonly BUSY_IF=${BUSY_IF:-}
# The targets of the issue.
readonly TARGET_RECORDS_S=300000
readonly TARGET_P99_MS=50

die() {  # die CODE MESSAGE...
  local code=$1
  shift
  echo "serve.sh: $*" >&2
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
readonly LOGSERVE=$BUILD_DIR/tools/logserve/logserve
readonly LOGSTORE=$BUILD_DIR/tools/logstore/logstore
# The generator is the same program in every build; a build without benchmarks borrows build/'s.
GEN=$BUILD_DIR/bench/gen_logs
if [[ ! -x $GEN && -x $ROOT/build/bench/gen_logs ]]; then GEN=$ROOT/build/bench/gen_logs; fi
readonly GEN
readonly LOAD=$BENCH_DIR/serve_load.py WRK_SCRIPT=$BENCH_DIR/serve_wrk.lua

[[ -x $GEN ]] || die 2 "generator not built: '$GEN' (configure with -Dbench=true and build)"
[[ -x $LOGSERVE ]] || die 2 "logserve not built: '$LOGSERVE'"
[[ -x $LOGSTORE ]] || die 2 "logstore not built: '$LOGSTORE'"
have python3 || die 2 "python3 not found (apt-get install python3): it is the ingestion client"
have curl || die 2 "curl not found (apt-get install curl)"
for knob in RUNS INGEST_RECORDS QUERY_RECORDS CLIENTS DURATION WARMUP DAYS; do
  is_count "${!knob}" || die 2 "$knob must be a positive integer, not '${!knob}'"
done
for v in $BATCHES $CONNECTIONS; do
  is_count "$v" || die 2 "BATCHES and CONNECTIONS take positive integers, not '$v'"
done
for v in $FORMATS; do [[ $v == array || $v == ndjson ]] || die 2 "FORMATS: array or ndjson, not '$v'"; done
for v in $ENCODINGS; do
  [[ $v == identity || $v == gzip ]] || die 2 "ENCODINGS: identity or gzip, not '$v'"
done
DO_INGEST=0 DO_QUERY=0
for v in $PHASES; do
  case $v in
    ingest) DO_INGEST=1 ;;
    query) DO_QUERY=1 ;;
    *) die 2 "PHASES takes ingest and/or query, not '$v'" ;;
  esac
done
readonly DO_INGEST DO_QUERY
[[ $PERF == 0 || $PERF == 1 ]] || die 2 "PERF must be 0 or 1, not '$PERF'"
if [[ $PERF == 1 ]] && ! have perf; then die 2 "PERF=1 needs perf (apt-get install linux-perf)"; fi

# wrk (Debian package wrk) is the load generator of the query phase. As root on Debian the
# script installs it; elsewhere it says what to install.
if ((DO_QUERY)) && ! have wrk; then
  if have apt-get && [[ $(id -u) -eq 0 ]]; then
    echo "wrk not found: installing it (apt-get install wrk)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } ||
      die 2 "cannot install wrk (apt-get install wrk)"
  else
    die 2 "wrk not found: install it (Debian: sudo apt-get install wrk; elsewhere: your" \
      "distribution's wrk package, or build it from its sources), or set PHASES=ingest"
  fi
fi
TIME_BIN=
if [[ -x /usr/bin/time ]]; then TIME_BIN=/usr/bin/time; fi
readonly TIME_BIN

mkdir -p "$OUT"
export LC_ALL=C
CLK_TCK=$(getconf CLK_TCK)
readonly CLK_TCK

# Everything logserve writes lives in one temporary directory, removed on exit.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/logstream-serve.XXXXXX")
readonly WORK
SERVER_PID=
PERF_PID=
stop_perf() {
  [[ -n $PERF_PID ]] || return 0
  kill -INT "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
  PERF_PID=
}
# Runs on a machine that other work shares (BUSY_IF).
WATCH_PID=
busy() { [[ -n $BUSY_IF ]] && bash -c "$BUSY_IF" >/dev/null 2>&1; }
stop_watch() {
  [[ -n $WATCH_PID ]] || return 0
  kill "$WATCH_PID" 2>/dev/null || true
  wait "$WATCH_PID" 2>/dev/null || true
  WATCH_PID=
}
BUSY_WAITS=0 BUSY_REDONE=0
# clean_run CMD...: runs CMD once the machine is idle, and again while BUSY_IF succeeded at some
# point during it (checked every second).
clean_run() {
  [[ -n $BUSY_IF ]] || { "$@"; return; }
  while :; do
    if busy; then
      echo "  waiting: the machine is busy (BUSY_IF succeeds)"
      ((BUSY_WAITS += 1))
      while busy; do sleep 30; done
    fi
    rm -f "$WORK/busy"
    (while :; do
      if busy; then touch "$WORK/busy"; fi
      sleep 1
    done) &
    WATCH_PID=$!
    "$@"
    stop_watch
    [[ -f $WORK/busy ]] || return 0
    echo "  the machine was busy during this run: running it again"
    ((BUSY_REDONE += 1))
  done
}

# stop_server: SIGTERM (logserve seals what it acknowledged and exits), KILL after 60 s. Sets
# SERVER_RC to its exit status.
SERVER_RC=0
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  local i
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for ((i = 0; i < 600; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  SERVER_RC=0
  wait "$SERVER_PID" 2>/dev/null || SERVER_RC=$?
  SERVER_PID=
}
cleanup() {
  stop_watch
  stop_perf
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
MACHINE="$(nproc) cores, $(cpu_model), $(awk '/^MemTotal:/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo)"
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
VERSIONS="$("$LOGSERVE" --version | sed -n 1p) ($LOGSERVE), $(python3 --version 2>&1)"
if have wrk; then VERSIONS+=", $({ wrk --version 2>&1 || true; } | sed -n "1s/ *Copyright.*//p")"; fi
readonly MACHINE LOADAVG VERSIONS
echo "machine: $MACHINE"
echo "load average: $LOADAVG"
echo "tools: $VERSIONS; median of $RUNS runs"

# --- Helpers ------------------------------------------------------------------------------------
median() {  # median V...
  printf '%s\n' "$@" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
min_of() { printf '%s\n' "$@" | awk 'NR == 1 || $1 < m { m = $1 } END { print m }'; }
max_of() { printf '%s\n' "$@" | awk 'NR == 1 || $1 > m { m = $1 } END { print m }'; }
rel() { local p=$1; echo "${p#"$ROOT"/}"; }  # a path as the reader sees it in the report
# kv KEY LINE: the value of KEY=value in a line of key=value words.
kv() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p" | sed -n 1p; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }  # user + system, in clock ticks
vm_hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
kb_to_mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k * 1024 / 1e6 }'; }

# start_server STORE LOG: starts logserve on STORE, port 0, waits for its start-up line. Sets
# SERVER_PID and PORT.
start_server() {
  local store=$1 log=$2 i
  "$LOGSERVE" --store "$store" --host 127.0.0.1 --port 0 2>"$log" &
  SERVER_PID=$!
  PORT=
  for ((i = 0; i < 1200; i++)); do
    PORT=$(sed -n 's/^logserve: listening on http:\/\/127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$log")
    [[ -z $PORT ]] || return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  die 1 "logserve did not start (see $log)"
}

# total_entries: TotalEntries from GET /api/v1/logs/stats of the running server.
total_entries() {
  curl -sf "http://127.0.0.1:$PORT/api/v1/logs/stats" |
    sed -n 's/.*"TotalEntries"[[:space:]]*:[[:space:]]*\([0-9]*\).*/\1/p'
}

# generate FILE ARGS...: writes gen_logs ARGS to FILE unless its stamp matches.
GEN_SUM=$(sha256sum <"$GEN" | cut -d' ' -f1)
readonly GEN_SUM
generate() {
  local file=$1 stamp=${1%.*}.stamp want
  shift
  want="gen_logs $* $GEN_SUM"
  if [[ -f $file && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    echo "data: reusing $(rel "$file")"
  else
    echo "data: generating $(rel "$file") (gen_logs $*)"
    rm -f "$stamp"
    "$GEN" "$@" >"$file.tmp" 2>/dev/null
    mv "$file.tmp" "$file"
    echo "$want" >"$stamp"
  fi
}

# perf_summary DATA: the flat profile (self time by symbol, 0.5% and above), then the call
# chains of the symbols above 2%, with the padding of perf's columns squeezed.
perf_summary() {
  local squeeze='s/[[:space:]]+$//; s/ {3,}/  /g'
  perf report -i "$1" --no-children -g none --fields overhead,dso,sym --stdio \
    --percent-limit 0.5 2>/dev/null | sed -E "$squeeze" || true
  echo
  perf report -i "$1" --no-children -g caller,0.5,callee --fields overhead,sym --stdio \
    --percent-limit 2 2>/dev/null | sed -E "$squeeze" || true
}

readonly US=$'\x1f'
NOTES=()     # lines printed under the tables
FAILURES=()  # checks that failed (exit status 1)
note() { NOTES+=("$*"); }
fail() {
  echo "FAILED: $*"
  FAILURES+=("$*")
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }  # ratio A B: A/B

# --- Phase 1: batch ingestion -----------------------------------------------------------------
INGEST_ROWS=()
if ((DO_INGEST)); then
  echo
  readonly INGEST_DATA=$OUT/serve-ingest.ndjson BODIES=$OUT/serve-bodies
  INGEST_ARGS=(--records "$INGEST_RECORDS" --seed "$SEED" --days "$DAYS")
  generate "$INGEST_DATA" "${INGEST_ARGS[@]}"
  INGEST_BYTES=$(stat -c %s "$INGEST_DATA")
  # The bodies are cut once from the data, and again only when the data or the client changes.
  bodies_want="$(cat "${INGEST_DATA%.*}.stamp") $(sha256sum <"$LOAD" | cut -d' ' -f1)"
  if [[ ! -f $BODIES/stamp || $(cat "$BODIES/stamp") != "$bodies_want" ]]; then
    rm -rf "$BODIES"
    mkdir -p "$BODIES"
    echo "$bodies_want" >"$BODIES/stamp"
  fi
  COMBOS=()
  for batch in $BATCHES; do
    for form in $FORMATS; do
      for enc in $ENCODINGS; do
        file=$BODIES/$batch-$form-$enc.bin
        if [[ ! -f $file ]]; then
          echo "data: cutting $(rel "$file") ($batch records per body, $form, $enc)"
          python3 "$LOAD" prepare "$INGEST_DATA" "$batch" "$form" "$enc" "$file.tmp"
          mv "$file.tmp" "$file"
        fi
        for conns in $CONNECTIONS; do COMBOS+=("$batch $form $enc $conns"); done
      done
    done
  done
  cat "$INGEST_DATA" "$BODIES"/*.bin >/dev/null  # into the page cache

  # ingest_round BATCH FORM ENC CONNS [perf]: one round into a new store. Sets LINE (the
  # client's key=value line plus server_cpu_s and hwm_kb).
  ingest_round() {
    local batch=$1 form=$2 enc=$3 conns=$4 store=$WORK/ingest-store log=$WORK/ingest.log
    local file=$BODIES/$1-$2-$3.bin cpu0 cpu1 hwm entries rc=0 client_log=$WORK/client.err
    rm -rf "$store"
    start_server "$store" "$log"
    if [[ ${5:-} == perf ]]; then
      perf record -F 999 -g -p "$SERVER_PID" -o "$OUT/serve-perf-ingest.data" \
        >/dev/null 2>"$OUT/serve-perf-ingest.log" &
      PERF_PID=$!
      sleep 1
    fi
    cpu0=$(cpu_ticks "$SERVER_PID")
    LINE=$(python3 "$LOAD" ingest "$PORT" "$file" "$form" "$enc" "$conns" 2>"$client_log") || rc=$?
    cpu1=$(cpu_ticks "$SERVER_PID")
    stop_perf
    hwm=$(vm_hwm_kb "$SERVER_PID")
    entries=$(total_entries || true)
    stop_server
    ((rc == 0)) || die 1 "ingestion ($batch $form $enc, $conns connections) failed:" \
      "$(cat "$client_log")"
    ((SERVER_RC == 0)) || die 1 "logserve exited with status $SERVER_RC (see $log)"
    local acked
    acked=$(kv records "$LINE")
    if [[ $acked != "$INGEST_RECORDS" || $entries != "$INGEST_RECORDS" ]]; then
      fail "ingestion ($batch $form $enc, $conns connections): $acked records acknowledged," \
        "TotalEntries ${entries:-unknown}, $INGEST_RECORDS sent"
    fi
    LINE+=" entries=$entries server_cpu_s=$(awk -v t="$((cpu1 - cpu0))" -v hz="$CLK_TCK" \
      'BEGIN { printf "%.2f", t / hz }') hwm_kb=$hwm"
  }

  echo
  echo "ingestion: ${#COMBOS[@]} combinations x $RUNS runs of $INGEST_RECORDS records," \
    "each run into a new store"
  declare -A INGEST_LINES=()  # "combo" -> lines separated by newlines
  for ((run = 1; run <= RUNS; run++)); do
    for combo in "${COMBOS[@]}"; do
      read -r batch form enc conns <<<"$combo"
      clean_run ingest_round "$batch" "$form" "$enc" "$conns"
      INGEST_LINES[$combo]+="$LINE"$'\n'
      printf '  run %d/%d  batch %-5s %-6s %-8s %d conn.  %8.0f records/s  logserve %5.2f CPU s  client %5.2f CPU s\n' \
        "$run" "$RUNS" "$batch" "$form" "$enc" "$conns" \
        "$(awk -v n="$(kv records "$LINE")" -v s="$(kv seconds "$LINE")" 'BEGIN { print n / s }')" \
        "$(kv server_cpu_s "$LINE")" "$(kv client_cpu_s "$LINE")"
    done
  done
  for combo in "${COMBOS[@]}"; do
    rates=() scpu=() ccpu=() p50=() p99=() hwm=() requests=
    while read -r line; do
      [[ -n $line ]] || continue
      s=$(kv seconds "$line")
      rates+=("$(awk -v n="$(kv records "$line")" -v s="$s" 'BEGIN { printf "%.0f", n / s }')")
      scpu+=("$(awk -v c="$(kv server_cpu_s "$line")" -v s="$s" 'BEGIN { printf "%.2f", c / s }')")
      ccpu+=("$(awk -v c="$(kv client_cpu_s "$line")" -v s="$s" 'BEGIN { printf "%.2f", c / s }')")
      p50+=("$(kv p50_ms "$line")")
      p99+=("$(kv p99_ms "$line")")
      hwm+=("$(kv hwm_kb "$line")")
      requests=$(kv requests "$line")
    done <<<"${INGEST_LINES[$combo]}"
    read -r batch form enc conns <<<"$combo"
    INGEST_ROWS+=("$batch$US$form$US$enc$US$conns$US$requests$US$(median "${rates[@]}")$US$(min_of "${rates[@]}")$US$(max_of "${rates[@]}")$US$(median "${scpu[@]}")$US$(median "${ccpu[@]}")$US$(median "${p50[@]}")$US$(median "${p99[@]}")$US$(max_of "${hwm[@]}")")
  done

  if [[ $PERF == 1 ]]; then
    read -r batch form enc conns <<<"${COMBOS[0]}"
    echo "perf: one more round (batch $batch $form $enc, $conns connections) under perf record"
    ingest_round "$batch" "$form" "$enc" "$conns" perf
    perf_summary "$OUT/serve-perf-ingest.data" >"$OUT/serve-perf-ingest.txt"
    echo "perf: $(rel "$OUT/serve-perf-ingest.txt")"
    note "perf (not timed): batch $batch $form $enc, $conns connections," \
      "$(awk -v n="$(kv records "$LINE")" -v s="$(kv seconds "$LINE")" 'BEGIN { printf "%.0f", n / s }')" \
      "records/s under perf record; profile in $(rel "$OUT/serve-perf-ingest.txt")."
  fi
fi

# --- Phase 2: queries from CLIENTS concurrent clients over a QUERY_RECORDS store --------------
QUERY_ROWS=()
if ((DO_QUERY)); then
  echo
  # The store is built once (gen_logs | logstore) and kept while the generator, its arguments
  # and logstore are the same.
  readonly QSTORE=$OUT/serve-store QSTAMP=$OUT/serve-store.stamp
  QUERY_ARGS=(--records "$QUERY_RECORDS" --seed "$SEED" --days "$DAYS")
  qwant="gen_logs ${QUERY_ARGS[*]} $GEN_SUM | logstore $(sha256sum <"$LOGSTORE" | cut -d' ' -f1)"
  if [[ -d $QSTORE && -f $QSTAMP && $(cat "$QSTAMP") == "$qwant" ]]; then
    echo "store: reusing $(rel "$QSTORE")"
  else
    echo "store: building $(rel "$QSTORE") (gen_logs ${QUERY_ARGS[*]} | logstore --sync interval)"
    rm -rf "$QSTORE" "$QSTAMP"
    mkdir -p "$QSTORE"
    "$GEN" "${QUERY_ARGS[@]}" 2>/dev/null | "$LOGSTORE" --sync interval "$QSTORE" \
      >"$OUT/serve-store.log" 2>&1 || die 1 "logstore failed (see $OUT/serve-store.log)"
    echo "$qwant" >"$QSTAMP"
  fi
  QSTORE_BYTES=$(du -sb "$QSTORE" | cut -f1)
  cat "$QSTORE"/* "$QSTORE"/*/* >/dev/null 2>&1 || true  # into the page cache

  # The endpoints: NAME, METHOD, PATH, BODY (for a POST).
  E_NAME=() E_METHOD=() E_PATH=() E_BODY=()
  endpoint() { E_NAME+=("$1") E_METHOD+=("$2") E_PATH+=("$3") E_BODY+=("${4:-}"); }
  endpoint "search: newest 100 errors" GET '/api/v1/logs?level=error&limit=100'
  endpoint "stats" GET /api/v1/logs/stats
  endpoint "sources" GET /api/v1/logs/sources
  endpoint "query: status:>=500 source:nginx" POST /api/v1/query \
    '{"filter":"status:>=500 source:nginx","limit":100}'
  endpoint "analyze: frequency by source of level:error" POST /api/v1/query/analyze \
    '{"filter":"level:error","analysis":{"type":"frequency","group_by":"source"}}'
  endpoint "health (the HTTP floor)" GET /api/v1/health

  log=$WORK/query.log
  # wrk_run is defined below; the timed server starts after the memory runs.

  # wrk_run I SECONDS [perf]: one wrk run against endpoint I. Sets LINE: wrk's RESULT words plus
  # server_cpu_s, wrk_cpu_s (empty without /usr/bin/time) and hwm_kb (logserve's VmHWM after
  # the run).
  wrk_run() {
    local i=$1 seconds=$2 out=$WORK/wrk.out cpu0 cpu1 rc=0 timing=()
    if [[ -n $TIME_BIN ]]; then timing=("$TIME_BIN" -f '%U %S' -o "$WORK/wrk.time"); fi
    if [[ ${3:-} == perf ]]; then
      perf record -F 999 -g -p "$SERVER_PID" -o "$OUT/serve-perf-query.data" \
        >/dev/null 2>"$OUT/serve-perf-query.log" &
      PERF_PID=$!
      sleep 1
    fi
    cpu0=$(cpu_ticks "$SERVER_PID")
    WRK_METHOD=${E_METHOD[$i]} WRK_BODY=${E_BODY[$i]} WRK_TYPE=application/json \
      ${timing[@]+"${timing[@]}"} wrk -t 2 -c "$CLIENTS" -d "${seconds}s" --timeout 30s --latency \
      -s "$WRK_SCRIPT" "http://127.0.0.1:$PORT${E_PATH[$i]}" >"$out" 2>&1 || rc=$?
    cpu1=$(cpu_ticks "$SERVER_PID")
    stop_perf
    ((rc == 0)) || die 1 "wrk failed on ${E_NAME[$i]}: $(cat "$out")"
    LINE=$(sed -n 's/^RESULT //p' "$out")
    [[ -n $LINE ]] || die 1 "wrk printed no result for ${E_NAME[$i]}: $(cat "$out")"
    local wrk_cpu=
    if [[ -n $TIME_BIN ]]; then wrk_cpu=$(awk '{ print $1 + $2 }' "$WORK/wrk.time"); fi
    LINE+=" server_cpu_s=$(awk -v t="$((cpu1 - cpu0))" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')"
    LINE+=" wrk_cpu_s=$wrk_cpu hwm_kb=$(vm_hwm_kb "$SERVER_PID")"
    local errors=$(($(kv connect "$LINE") + $(kv read "$LINE") + $(kv write "$LINE") + $(kv status "$LINE") + $(kv timeout "$LINE")))
    if ((errors > 0)); then
      fail "${E_NAME[$i]}: wrk counted $errors error(s): $LINE"
    fi
  }

  # The peak memory of each endpoint alone: a new logserve, one untimed run of WARMUP s.
  echo
  echo "memory: each endpoint alone on a new logserve, $CLIENTS connections for $WARMUP s"
  MEM_HWM=()
  for i in "${!E_NAME[@]}"; do
    start_server "$QSTORE" "$log"
    clean_run wrk_run "$i" "$WARMUP"
    MEM_HWM+=("$(vm_hwm_kb "$SERVER_PID")")
    stop_server
    ((SERVER_RC == 0)) || die 1 "logserve exited with status $SERVER_RC (see $log)"
    printf '  %-45s VmHWM %6d MB\n' "${E_NAME[$i]}" "$(kb_to_mb "${MEM_HWM[$i]}")"
  done

  # The timed runs: one logserve for all of them.
  t0=$(date +%s.%N)
  start_server "$QSTORE" "$log"
  t1=$(date +%s.%N)
  START_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  START_HWM=$(vm_hwm_kb "$SERVER_PID")
  entries=$(total_entries || true)
  [[ $entries == "$QUERY_RECORDS" ]] ||
    die 1 "the store holds TotalEntries '${entries:-unknown}', expected $QUERY_RECORDS" \
      "(remove $QSTORE to rebuild it)"
  echo "logserve over $(rel "$QSTORE"): $entries records, $QSTORE_BYTES bytes, ready in $START_S s"

  # The answer of each endpoint, once: its status and size, and the records of a search.
  ANSWER=()
  for i in "${!E_NAME[@]}"; do
    out=$OUT/serve-answer-$i.json
    args=(-s -o "$out" -w '%{http_code} %{size_download}\n')
    if [[ ${E_METHOD[$i]} == POST ]]; then
      args+=(-H 'Content-Type: application/json' --data-binary "${E_BODY[$i]}")
    fi
    read -r code size < <(curl "${args[@]}" "http://127.0.0.1:$PORT${E_PATH[$i]}")
    [[ $code == 200 ]] || die 1 "${E_NAME[$i]}: status $code (see $out)"
    records=$({ grep -o '"timestamp":"' "$out" || true; } | wc -l)
    if ((records > 0)); then size+=" bytes, $records records"; else size+=" bytes"; fi
    ANSWER+=("$size")
  done

  echo
  echo "queries: ${#E_NAME[@]} endpoints, $CLIENTS connections (wrk -t 2), ${WARMUP} s untimed," \
    "then $RUNS runs of $DURATION s, the endpoints taking turns"
  for i in "${!E_NAME[@]}"; do wrk_run "$i" "$WARMUP"; done
  declare -A QUERY_LINES=()
  for ((run = 1; run <= RUNS; run++)); do
    for i in "${!E_NAME[@]}"; do
      clean_run wrk_run "$i" "$DURATION"
      QUERY_LINES[$i]+="$LINE"$'\n'
      printf '  run %d/%d  %-45s %8.0f req/s  p99 %8.2f ms  logserve %5.2f CPU s\n' "$run" "$RUNS" \
        "${E_NAME[$i]}" \
        "$(awk -v n="$(kv requests "$LINE")" -v d="$(kv duration_us "$LINE")" 'BEGIN { print n / d * 1e6 }')" \
        "$(awk -v v="$(kv p99_us "$LINE")" 'BEGIN { print v / 1000 }')" "$(kv server_cpu_s "$LINE")"
    done
  done
  PHASE_HWM=$(vm_hwm_kb "$SERVER_PID")
  for i in "${!E_NAME[@]}"; do
    rps=() p50=() p90=() p99=() mx=() scpu=() wcpu=()
    while read -r line; do
      [[ -n $line ]] || continue
      d=$(kv duration_us "$line")
      rps+=("$(awk -v n="$(kv requests "$line")" -v d="$d" 'BEGIN { printf "%.1f", n / d * 1e6 }')")
      for k in p50 p90 p99 max; do
        v=$(awk -v v="$(kv "${k}_us" "$line")" 'BEGIN { printf "%.3f", v / 1000 }')
        case $k in p50) p50+=("$v") ;; p90) p90+=("$v") ;; p99) p99+=("$v") ;; max) mx+=("$v") ;; esac
      done
      scpu+=("$(awk -v c="$(kv server_cpu_s "$line")" -v d="$d" 'BEGIN { printf "%.2f", c / d * 1e6 }')")
      w=$(kv wrk_cpu_s "$line")
      if [[ -n $w ]]; then wcpu+=("$(awk -v c="$w" -v d="$d" 'BEGIN { printf "%.2f", c / d * 1e6 }')"); fi
    done <<<"${QUERY_LINES[$i]}"
    wmed=n/a
    if ((${#wcpu[@]})); then wmed=$(median "${wcpu[@]}"); fi
    QUERY_ROWS+=("$i$US$(median "${rps[@]}")$US$(median "${p50[@]}")$US$(median "${p90[@]}")$US$(median "${p99[@]}")$US$(median "${mx[@]}")$US$(max_of "${mx[@]}")$US$(median "${scpu[@]}")$US$wmed$US${MEM_HWM[$i]}")
  done

  if [[ $PERF == 1 ]]; then
    echo "perf: one more run of ${E_NAME[0]} under perf record"
    wrk_run 0 "$DURATION" perf
    perf_summary "$OUT/serve-perf-query.data" >"$OUT/serve-perf-query.txt"
    echo "perf: $(rel "$OUT/serve-perf-query.txt")"
    note "perf (not timed): ${E_NAME[0]} under perf record; profile in" \
      "$(rel "$OUT/serve-perf-query.txt")."
  fi
  stop_server
  ((SERVER_RC == 0)) || die 1 "logserve exited with status $SERVER_RC (see $log)"
fi

# --- Tables -------------------------------------------------------------------------------------
ingest_table() {
  echo "| batch | body | encoding | conns | requests | records/s (median) | min | max | vs $TARGET_RECORDS_S/s | logserve CPU | client CPU | request p50 ms | request p99 ms | peak RSS MB |"
  echo "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  local row batch form enc conns requests med lo hi scpu ccpu p50 p99 hwm
  for row in "${INGEST_ROWS[@]}"; do
    IFS=$US read -r batch form enc conns requests med lo hi scpu ccpu p50 p99 hwm <<<"$row"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
      "$batch" "$form" "$enc" "$conns" "$requests" "$med" "$lo" "$hi" \
      "$(ratio "$med" "$TARGET_RECORDS_S")" "$scpu" "$ccpu" "$p50" "$p99" "$(kb_to_mb "$hwm")"
  done
}

query_table() {
  echo "| endpoint | request | requests/s | p50 ms | p90 ms | p99 ms | max ms (median) | max ms (worst) | vs p99 ≤ $TARGET_P99_MS ms | logserve CPU | wrk CPU | peak RSS MB alone | answer |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  local row i rps p50 p90 p99 mx worst scpu wcpu hwm target request
  for row in "${QUERY_ROWS[@]}"; do
    IFS=$US read -r i rps p50 p90 p99 mx worst scpu wcpu hwm <<<"$row"
    request="${E_METHOD[$i]} ${E_PATH[$i]}"
    if [[ -n ${E_BODY[$i]} ]]; then request+=" ${E_BODY[$i]}"; fi
    target=-
    if ((i == 0)); then target=$(ratio "$TARGET_P99_MS" "$p99"); fi
    # shellcheck disable=SC2016 # the backquotes are Markdown
    printf '| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
      "${E_NAME[$i]//|/\\|}" "${request//|/\\|}" "$rps" "$p50" "$p90" "$p99" "$mx" "$worst" \
      "$target" "$scpu" "$wcpu" "$(kb_to_mb "$hwm")" "${ANSWER[$i]}"
  done
}

notes() {
  local n
  for n in ${FAILURES[@]+"${FAILURES[@]}"}; do echo "- FAILED: $n"; done
  for n in ${NOTES[@]+"${NOTES[@]}"}; do echo "- $n"; done
}

report() {
  echo "# logserve over HTTP: batch ingestion and query latency"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $MACHINE; load average before the run: $LOADAVG"
  echo "- tools: $VERSIONS; median of $RUNS runs; logserve with its defaults" \
    "(--threads 32, --jobs 2, --sync interval) on 127.0.0.1, the client on the same machine"
  if ((DO_INGEST)); then
    echo
    echo "## Batch ingestion: POST /api/v1/logs/batch (target ≥ $TARGET_RECORDS_S records/s)"
    echo
    echo "$INGEST_RECORDS records (gen_logs ${INGEST_ARGS[*]}, $INGEST_BYTES bytes of NDJSON)" \
      "per run, cut into bodies of BATCH records, each body POSTed once by" \
      "\`bench/serve_load.py\` from CONNS keep-alive connections into a new store" \
      "(\`logserve --store TMP --port 0\`). After each run, \`GET /api/v1/logs/stats\`" \
      "reported TotalEntries = $INGEST_RECORDS = the records acknowledged$( \
        ((${#FAILURES[@]})) && echo ", except where FAILED says otherwise")."
    echo
    ingest_table
    echo
    echo "- records/s: the records acknowledged (the sum of the answers' \`count\`) over the wall" \
      "time from the first request to the last answer; the median, min and max of $RUNS runs." \
      "vs: the median over the target (≥ 1.00x meets it)."
    echo "- logserve CPU and client CPU: cores busy on average (user + system CPU seconds over" \
      "the wall time; 2.00 is both cores), the median of the runs. The client is one Python" \
      "process; logserve's figure is what the server costs."
    echo "- request p50/p99 ms: the time from sending a body to reading its answer."
    echo "- peak RSS MB: logserve's VmHWM (/proc/PID/status) at the end of a run, the largest" \
      "of the runs; each run is a new process."
  fi
  if ((DO_QUERY)); then
    echo
    echo "## Queries from $CLIENTS concurrent clients (target: search p99 ≤ $TARGET_P99_MS ms)"
    echo
    echo "A store of $QUERY_RECORDS records (\`gen_logs ${QUERY_ARGS[*]} | logstore --sync" \
      "interval STORE\`, $QSTORE_BYTES bytes), served by \`logserve --store STORE --port 0\`" \
      "(ready in $START_S s, VmHWM $(kb_to_mb "$START_HWM") MB after start-up). Each" \
      "endpoint: \`wrk -t 2 -c $CLIENTS -d ${DURATION}s --timeout 30s --latency -s" \
      "bench/serve_wrk.lua URL\`, after a ${WARMUP} s untimed run; $RUNS runs, the endpoints" \
      "taking turns. The VmHWM of that logserve over all of them: $(kb_to_mb "$PHASE_HWM") MB."
    echo
    query_table
    echo
    echo "- requests/s and the latencies: the median of the $RUNS runs; max ms (worst): the" \
      "largest of the runs. vs: the target over the median p99 (≥ 1.00x meets it)."
    echo "- wrk keeps each of the $CLIENTS connections busy: it sends the next request when the" \
      "answer comes (a closed loop), so the latency is that of $CLIENTS clients in a loop, and" \
      "requests/s is what the server sustains at that concurrency. wrk (not wrk2) does not" \
      "correct for coordinated omission: the percentiles are those of the requests sent, not of" \
      "a fixed arrival rate; at a fixed rate above the throughput shown, latency would grow" \
      "without bound."
    echo "- logserve CPU and wrk CPU: cores busy on average during a run (2.00 is both cores);" \
      "wrk's is n/a without /usr/bin/time."
    echo "- peak RSS MB alone: the VmHWM of a new logserve after one ${WARMUP} s run of that" \
      "endpoint alone (untimed, before the timed runs)."
    echo "- answer: the size of one answer, and the records it holds for a search."
  fi
  if ((${#FAILURES[@]} + ${#NOTES[@]})); then
    echo
    notes
  fi
}

if [[ -n $BUSY_IF ]]; then
  note "BUSY_IF=\`$BUSY_IF\`: the timed runs waited $BUSY_WAITS time(s) for other work on the" \
    "machine, and $BUSY_REDONE run(s) during which it ran were run again."
fi
report >"$OUT/serve-results.md"
echo
if ((DO_INGEST)); then ingest_table; echo; fi
if ((DO_QUERY)); then query_table; echo; fi
notes
echo "written: $OUT/serve-results.md"
if ((${#FAILURES[@]})); then die 1 "${#FAILURES[@]} check(s) failed (see FAILED above)"; fi
