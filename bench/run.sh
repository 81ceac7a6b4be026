#!/usr/bin/env bash
# bench/run.sh -- Times logfilter beside jq (and ripgrep) on 1,000,000 generated records, checks
# that logfilter selects byte-identical output, and prints a table (also bench/out/results.md).
# Usage: bench/run.sh [BUILD_DIR]   (default: build). See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
readonly BENCH_DIR ROOT OUT=$BENCH_DIR/out

# Knobs for quick plumbing checks; the published numbers use the defaults.
readonly RECORDS=${RECORDS:-1000000}
readonly SEED=${SEED:-42}
readonly RUNS=${RUNS:-5}

die() {  # die CODE MESSAGE...
  local code=$1
  shift
  echo "run.sh: $*" >&2
  exit "$code"
}
have() { command -v "$1" >/dev/null 2>&1; }

# --- Prerequisites (exit 2 when something is missing) ---------------------------------------
BUILD_DIR=${1:-build}
if [[ $BUILD_DIR != /* && ! -d $BUILD_DIR && -d $ROOT/$BUILD_DIR ]]; then
  BUILD_DIR=$ROOT/$BUILD_DIR
fi
readonly GEN=$BUILD_DIR/bench/gen_logs
readonly LOGFILTER=$BUILD_DIR/tools/logfilter/logfilter

have jq || die 2 "jq not found: it is the baseline of every comparison (apt-get install jq)"
[[ -x $GEN ]] || die 2 "generator not built: '$GEN' (configure with -Dbench=true and build)"
[[ -x $LOGFILTER ]] || die 2 "logfilter not built: '$LOGFILTER'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die 2 "RUNS must be a positive integer, not '$RUNS'"
if have hyperfine; then TIMER=hyperfine; else TIMER="bash loop (hyperfine not installed)"; fi
HAVE_RG=0
if have rg; then HAVE_RG=1; fi

mkdir -p "$OUT"
export LC_ALL=C

# --- Machine ------------------------------------------------------------------------------------
cpu_model() {
  local model
  model=$(awk -F': *' '/^(model name|Hardware|cpu model)[[:space:]]*:/ { print $2; exit }' \
    /proc/cpuinfo 2>/dev/null || true)
  echo "${model:-unknown}"
}
MACHINE="$(nproc) cores, $(cpu_model)"
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
VERSIONS="$(jq --version)"
if ((HAVE_RG)); then VERSIONS+=", $(rg --version | sed -n 1p)"; fi
if have hyperfine; then VERSIONS+=", $(hyperfine --version)"; fi
echo "machine: $MACHINE"
echo "load average: $LOADAVG"
echo "tools: $VERSIONS; timer: $TIMER, median of $RUNS runs"

# --- Data: generated once, reused while the generator and its arguments are unchanged ----------
readonly DATA=$OUT/logs.ndjson
readonly STAMP=$OUT/logs.stamp
GEN_ARGS=(--records "$RECORDS" --seed "$SEED")
want_stamp="gen_logs ${GEN_ARGS[*]} $(sha256sum <"$GEN" | cut -d' ' -f1)"
if [[ -f $DATA && -f $STAMP && $(cat "$STAMP") == "$want_stamp" ]]; then
  echo "data: reusing $DATA"
else
  echo "data: generating $DATA (gen_logs ${GEN_ARGS[*]})"
  rm -f "$STAMP"
  "$GEN" "${GEN_ARGS[@]}" >"$DATA.tmp"
  mv "$DATA.tmp" "$DATA"
  echo "$want_stamp" >"$STAMP"
fi
INPUT_BYTES=$(stat -c %s "$DATA")
INPUT_LINES=$(wc -l <"$DATA")
echo "data: $INPUT_LINES records, $INPUT_BYTES bytes"
cat "$DATA" >/dev/null  # into the page cache, so no run pays for the disk

# --- Timing -------------------------------------------------------------------------------------
# Commands run through `bash -c` and write to a file in bench/out/, so writing is counted.
q() { printf '%q' "$1"; }
LF=$(q "$LOGFILTER")
IN=$(q "$DATA")
readonly LF IN

# time_cmd ID WARMUP CMD: runs CMD RUNS times (after WARMUP untimed runs) and sets MEDIAN (s).
time_cmd() {
  local id=$1 warmup=$2 cmd=$3
  if have hyperfine; then
    hyperfine --shell bash --runs "$RUNS" --warmup "$warmup" --style none \
      --export-json "$OUT/$id.json" "$cmd" >/dev/null 2>"$OUT/$id.err" ||
      die 1 "command failed: $cmd (see $OUT/$id.err)"
    MEDIAN=$(jq -r '.results[0].median' "$OUT/$id.json")
  else
    local i t0 t1 times=()
    for ((i = 0; i < warmup; i++)); do
      bash -c "$cmd" 2>"$OUT/$id.err" || die 1 "command failed: $cmd (see $OUT/$id.err)"
    done
    for ((i = 0; i < RUNS; i++)); do
      t0=$(date +%s.%N)
      bash -c "$cmd" 2>"$OUT/$id.err" || die 1 "command failed: $cmd (see $OUT/$id.err)"
      t1=$(date +%s.%N)
      times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
    done
    MEDIAN=$(printf '%s\n' "${times[@]}" | sort -g |
      awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  fi
}

ROWS=()  # "selection<TAB>tool<TAB>median<TAB>lines" for the table

# bench SELECTION TOOL ID CMD: times CMD, whose output goes to $OUT/ID.out, and records a row.
bench() {
  local selection=$1 tool=$2 id=$3 cmd=$4 warmup=1 lines
  if [[ $tool == jq* ]]; then warmup=0; fi  # jq is slow enough that a warm-up only costs time
  printf '  %-30s %-16s ' "$selection" "$tool"
  time_cmd "$id" "$warmup" "$cmd > $(q "$OUT/$id.out")"
  lines=$(wc -l <"$OUT/$id.out")
  printf '%9.3f s  %8s lines\n' "$MEDIAN" "$lines"
  ROWS+=("$selection"$'\t'"$tool"$'\t'"$MEDIAN"$'\t'"$lines")
}

# same_output ID_A ID_B: fails loudly unless the two outputs are byte-identical.
same_output() {
  local a=$OUT/$1.out b=$OUT/$2.out
  if ! cmp -s "$a" "$b"; then
    echo "run.sh: MISMATCH: $1 and $2 differ" >&2
    echo "  $(wc -l <"$a") lines in $a" >&2
    echo "  $(wc -l <"$b") lines in $b" >&2
    cmp "$a" "$b" >&2 || true
    diff "$a" "$b" | head -n 6 >&2 || true
    die 1 "logfilter's output must be byte-identical to jq's (the records are canonical)"
  fi
  if [[ ! -s $a ]]; then die 1 "$1 and $2 are both empty: the selection matched nothing"; fi
}

# --- Selections ---------------------------------------------------------------------------------
echo
echo "timing ($RUNS runs each; jq takes a while):"
START=$SECONDS

# Field equality; one thread against two.
bench 'level:error' 'logfilter -j 1' level-lf1 "$LF -j 1 'level:error' $IN"
bench 'level:error' 'logfilter -j 2' level-lf2 "$LF -j 2 'level:error' $IN"
bench 'level:error' 'jq' level-jq "jq -c $(q 'select(.level=="error")') $IN"
same_output level-lf1 level-jq
same_output level-lf2 level-jq

# A rare word (about 10 records in 1M): a bare term is a case-insensitive whole-word match.
bench 'NEEDLE7f3a' 'logfilter' needle-lf "$LF 'NEEDLE7f3a' $IN"
bench 'NEEDLE7f3a' 'jq' needle-jq \
  "jq -c $(q 'select(.message|test("\\bNEEDLE7f3a\\b";"i"))') $IN"
same_output needle-lf needle-jq
RG_NOTE=
if ((HAVE_RG)); then
  # ripgrep searches the raw text, not the message field: a reference point, not checked.
  bench 'NEEDLE7f3a' 'rg -i -w (text)' needle-rg "rg -i -w NEEDLE7f3a $IN"
  if cmp -s "$OUT/needle-rg.out" "$OUT/needle-jq.out"; then
    RG_NOTE="rg -i -w found the same lines as jq here; it matches anywhere in the line, not only in .message."
  else
    RG_NOTE="rg -i -w found $(wc -l <"$OUT/needle-rg.out") lines, jq $(wc -l <"$OUT/needle-jq.out"): rg is a text search, not a field-aware match."
  fi
fi

# A numeric comparison on a field that only some records have.
bench 'status:>=500' 'logfilter' status-lf "$LF 'status:>=500' $IN"
bench 'status:>=500' 'jq' status-jq \
  "jq -c $(q 'select(.fields.status!=null and .fields.status>=500)') $IN"
same_output status-lf status-jq

# Two terms joined by AND.
bench 'level:error source:database' 'logfilter' combo-lf "$LF 'level:error source:database' $IN"
bench 'level:error source:database' 'jq' combo-jq \
  "jq -c $(q 'select(.level=="error" and .source=="database")') $IN"
same_output combo-lf combo-jq

# Counting only: no records are written.
bench '-c level:error' 'logfilter -c' count-lf "$LF -c 'level:error' $IN"
bench '-c level:error' 'jq, wc -l' count-jq "jq -c $(q 'select(.level=="error")') $IN | wc -l"
lf_count=$(tr -d '[:space:]' <"$OUT/count-lf.out")
jq_count=$(tr -d '[:space:]' <"$OUT/count-jq.out")
[[ $lf_count == "$jq_count" ]] ||
  die 1 "MISMATCH: logfilter -c printed '$lf_count', jq counted '$jq_count'"
[[ $lf_count == "$(wc -l <"$OUT/level-jq.out")" ]] ||
  die 1 "MISMATCH: logfilter -c printed '$lf_count' but level:error selected $(wc -l <"$OUT/level-jq.out")"
echo "all outputs checked: logfilter matches jq byte for byte ($((SECONDS - START)) s)"

# --- Table --------------------------------------------------------------------------------------
# MB/s is input bytes (10^6) over the median; "vs jq" is jq's median over the tool's (higher is
# faster). Rows are printed per selection, so each ratio uses the jq row of its own selection.
table() {
  echo "| selection | tool | median s | MB/s | vs jq | output lines |"
  echo "|---|---|---:|---:|---:|---:|"
  local row selection tool median lines jq_median
  declare -A jq_of
  for row in "${ROWS[@]}"; do
    IFS=$'\t' read -r selection tool median lines <<<"$row"
    if [[ $tool == jq* ]]; then jq_of[$selection]=$median; fi
  done
  for row in "${ROWS[@]}"; do
    IFS=$'\t' read -r selection tool median lines <<<"$row"
    jq_median=${jq_of[$selection]}
    awk -v s="$selection" -v t="$tool" -v m="$median" -v j="$jq_median" -v b="$INPUT_BYTES" \
      -v n="$lines" 'BEGIN {
        printf "| `%s` | %s | %.3f | %.0f | %.1fx | %d |\n", s, t, m, b / m / 1e6, j / m, n
      }'
  done
}

{
  echo "# logfilter vs jq"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $MACHINE; load average before the run: $LOADAVG"
  echo "- tools: $VERSIONS; timer: $TIMER, median of $RUNS runs, output written to bench/out/"
  echo "- input: $INPUT_LINES records, $INPUT_BYTES bytes (gen_logs ${GEN_ARGS[*]})"
  echo "- logfilter without -j uses its default (one thread per core)"
  echo
  table
  if [[ -n $RG_NOTE ]]; then
    echo
    echo "$RG_NOTE"
  fi
} >"$OUT/results.md"

echo
table
echo
echo "written: $OUT/results.md"
