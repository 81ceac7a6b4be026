#!/usr/bin/env bash
# tests/e2e/logfilter_e2e.sh -- Properties of logfilter checked through the real binary on
# 200,000 generated records (bench/gen/gen_logs.cc, canonical output):
#   - for each query, -j 1, -j 2 and -j 2 --unordered (sorted) agree, and -c is the line count;
#   - where jq can say the same thing, the output is byte-identical to jq -c 'select(...)';
#   - -v output plus match output is all records; -n 5 is the head of the full output;
#   - --dead-letter receives exactly the bad lines, verbatim;
#   - the example exec and .so plugins change records as docs/plugin-abi.md says, a failing
#     exec plugin gives status 69; dedup and rate_limit rules give the same output on 1 and 2
#     threads; --stats prints the counts, on standard error only.
#
#   LOGFILTER=... GEN_LOGS=... LOGSTREAM_EXAMPLE_SO=... LOGSTREAM_EXAMPLE_EXEC=... \
#     bash tests/e2e/logfilter_e2e.sh
set -uo pipefail

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${LOGFILTER:?set LOGFILTER to the logfilter binary}"
: "${GEN_LOGS:?set GEN_LOGS to the gen_logs binary}"
: "${LOGSTREAM_EXAMPLE_SO:?set LOGSTREAM_EXAMPLE_SO to the example .so plugin}"
: "${LOGSTREAM_EXAMPLE_EXEC:?set LOGSTREAM_EXAMPLE_EXEC to the example exec plugin}"
for bin in "$LOGFILTER" "$GEN_LOGS" "$LOGSTREAM_EXAMPLE_EXEC"; do
  [[ -x $bin ]] || fail "'$bin' is not executable"
done
[[ -f $LOGSTREAM_EXAMPLE_SO ]] || fail "'$LOGSTREAM_EXAMPLE_SO' does not exist"
command -v jq >/dev/null 2>&1 || fail "jq is required (apt-get install jq)"

work=$(mktemp -d "${TMPDIR:-/tmp}/logstream-e2e.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
export LC_ALL=C
LF=$LOGFILTER

data=$work/logs.ndjson
check "gen_logs --records 200000 writes 200000 canonical records"
"$GEN_LOGS" --records 200000 >"$data" 2>"$work/gen.err" || fail "gen_logs failed: $(cat "$work/gen.err")"
total=$(wc -l <"$data")
[[ $total == 200000 ]] || fail "gen_logs wrote $total lines, expected 200000"

check "logfilter with no query passes canonical records through byte for byte"
"$LF" -e '' "$data" >"$work/all" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logfilter FILE: rc $rc, stderr: $(head -c 500 "$work/err")"
cmp -s "$work/all" "$data" || fail "logfilter FILE: output differs from its canonical input: $(cmp "$work/all" "$data" 2>&1)"

# ---- Queries: name | query | jq condition ('' when there is none) ----
queries=(
  'level:error'
  'level:>=warn'
  'source:auth'
  'host:db*'
  'status:>=500'
  'timeout'
  '"connection refused"'
  'time*'
  'path:/^\/api\/v1\//'
  'level:fatal OR source:dns'
  '-level:info'
  '(source:auth OR source:api) level:error'
  'duration_ms:<10'
  'user:*'
  'NOT host:web* method:GET'
  'zephyr OR QUOKKA'
  'failed login'
  'level:warn message:/[0-9]{4,}ms/'
)
jq_conditions=(
  '.level=="error"'
  '.level=="warn" or .level=="error" or .level=="fatal"'
  '.source=="auth"'
  '(.fields.host|type)=="string" and (.fields.host|startswith("db"))'
  '(.fields.status|type)=="number" and .fields.status>=500'
  '.message|test("\\btimeout\\b";"i")'
  '.message|test("\\bconnection\\W+refused\\b";"i")'   # \W: a non-word byte (the data is ASCII)
  '.message|test("\\btime";"i")'
  '(.fields.path|type)=="string" and (.fields.path|test("^/api/v1/"))'
  '.level=="fatal" or .source=="dns"'
  '.level!="info"'
  '(.source=="auth" or .source=="api") and .level=="error"'
  '(.fields.duration_ms|type)=="number" and .fields.duration_ms<10'
  '.fields|has("user")'
  '((.fields.host|type)=="string" and (.fields.host|startswith("web"))|not) and .fields.method=="GET"'
  '.message|test("\\b(zephyr|quokka)\\b";"i")'
  '(.message|test("\\bfailed\\b";"i")) and (.message|test("\\blogin\\b";"i"))'
  '.level=="warn" and (.message|test("[0-9]{4,}ms"))'
)
[[ ${#queries[@]} == "${#jq_conditions[@]}" ]] || fail "test bug: queries and jq_conditions differ in length"

# jq reads 200,000 records slowly (about 2 s a pass here), so one pass evaluates every
# condition and tags each selected record with the condition's index; awk splits the result.
jq_program='. as $r | ($r | tojson) as $line | empty'
for i in "${!jq_conditions[@]}"; do
  [[ -n ${jq_conditions[$i]} ]] || continue
  jq_program+=', (if ($r | ('"${jq_conditions[$i]}"')) then "'"$i"'\t\($line)" else empty end)'
done
jq -r "$jq_program" "$data" >"$work/jq.all" 2>"$work/jq.err" || fail "test bug: jq failed: $(cat "$work/jq.err")"
awk -F '\t' -v dir="$work" '{ print substr($0, length($1) + 2) > (dir "/jq." $1) }' "$work/jq.all"
sort "$data" >"$work/data.sorted"

jq_checked=0
for i in "${!queries[@]}"; do
  q=${queries[$i]}
  cond=${jq_conditions[$i]}
  check "query [$q]: -j 1, -j 2, -j 2 --unordered agree; -c; -n 5; -v${cond:+; same bytes as jq 'select($cond)'}"
  "$LF" -j 1 -e "$q" "$data" >"$work/j1" 2>"$work/err"
  rc=$?
  n=$(wc -l <"$work/j1")
  if [[ $n -gt 0 ]]; then exp_rc=0; else exp_rc=1; fi
  [[ $rc == "$exp_rc" ]] || fail "logfilter -j 1 -e '$q': rc $rc (expected $exp_rc for $n records), stderr: $(head -c 500 "$work/err")"
  [[ ! -s $work/err ]] || fail "logfilter -j 1 -e '$q': unexpected stderr: $(head -c 500 "$work/err")"
  [[ $n -gt 0 && $n -lt $total ]] || fail "query '$q' selects $n of $total records: the test needs a query that selects some but not all"
  "$LF" -j 2 -e "$q" "$data" >"$work/j2" 2>/dev/null
  cmp -s "$work/j1" "$work/j2" || fail "logfilter -e '$q': -j 1 and -j 2 outputs differ ($(wc -l <"$work/j1") vs $(wc -l <"$work/j2") lines)"
  "$LF" -j 2 --unordered -e "$q" "$data" 2>/dev/null | sort >"$work/unordered.sorted"
  sort "$work/j1" >"$work/j1.sorted"
  cmp -s "$work/j1.sorted" "$work/unordered.sorted" || fail "logfilter -e '$q': -j 2 --unordered gives other records than -j 1"
  jobs=$((i % 2 + 1))   # -c and -n are checked on one or two threads, in turn
  c=$("$LF" -j $jobs -c -e "$q" "$data" 2>/dev/null)
  [[ $c == "$n" ]] || fail "logfilter -j $jobs -c -e '$q' printed '$c', but the query writes $n lines"
  "$LF" -j $jobs -n 5 -e "$q" "$data" >"$work/n5" 2>/dev/null
  head -n 5 "$work/j1" | cmp -s - "$work/n5" || fail "logfilter -j $jobs -n 5 -e '$q' is not the first 5 lines of the full output"
  "$LF" -v -e "$q" "$data" >"$work/inv" 2>/dev/null
  nv=$(wc -l <"$work/inv")
  [[ $((n + nv)) == "$total" ]] || fail "logfilter -v -e '$q': $nv records, plus $n matches is not $total"
  if ((i % 3 == 0)); then   # the content check sorts 200,000 lines: every third query
    sort "$work/j1" "$work/inv" | cmp -s - "$work/data.sorted" || fail "logfilter -v -e '$q' plus the matches is not every record"
  fi
  if [[ -n $cond ]]; then
    touch "$work/jq.$i"
    mv "$work/jq.$i" "$work/jq"
    if ! cmp -s "$work/jq" "$work/j1"; then
      echo "  jq selects $(wc -l <"$work/jq") records, logfilter $n; first differences:" >&2
      diff "$work/jq" "$work/j1" | head -n 6 >&2
      fail "logfilter -e '$q' differs from jq -c 'select($cond)'"
    fi
    jq_checked=$((jq_checked + 1))
  fi
  echo "  $n records"
done
echo "  $jq_checked queries compared with jq"

# ---- --dead-letter ----
check "--dead-letter receives exactly the rejected lines, verbatim, in input order (-j 1 and -j 2)"
bad=$work/bad-lines
{
  printf '%s\n' '{"timestamp":"2025-05-13T00:00:00Z","message":"unterminated'
  printf '%s\n' 'not json at all'
  printf '%s\n' '[1,2,{"a":3}]'
  printf '%s\n' '{"timestamp":"bad-time","message":"x"}'
  printf '%s\n' '{"a":1} trailing'
  printf '{"message":"invalid utf-8 \xff and a raw \x01 control"}\n'
  printf '%s\n' '"just a string"'
  printf '%s\n' '{"timestamp":"2025-05-13T00:00:00Z","n":01}'
} >"$bad"
nbad=$(wc -l <"$bad")
# Spread the bad lines through the first 20,000 good ones; one of them ends in CRLF.
head -n 20000 "$data" >"$work/good20k"
awk -v badfile="$bad" 'BEGIN { while ((getline l < badfile) > 0) bad[++nb] = l }
  { print } NR % 2500 == 7 && k < nb { print bad[++k] (k == 2 ? "\r" : "") }' "$work/good20k" >"$work/mixed"
[[ $(wc -l <"$work/mixed") == $((20000 + nbad)) ]] || fail "test bug: the mixed input has $(wc -l <"$work/mixed") lines"
for jobs in 1 2; do
  rm -f "$work/dead"
  "$LF" -e '' -j $jobs -q --dead-letter "$work/dead" "$work/mixed" >"$work/out" 2>"$work/err"
  rc=$?
  [[ $rc == 65 ]] || fail "logfilter -j $jobs --dead-letter: rc $rc, expected 65; stderr: $(head -c 500 "$work/err")"
  cmp -s "$work/out" "$work/good20k" || fail "logfilter -j $jobs --dead-letter: the good lines are not all written unchanged"
  if ! cmp -s "$work/dead" "$bad"; then
    echo "  expected dead letters:" >&2; cat -A "$bad" >&2
    echo "  actual dead letters:" >&2; cat -A "$work/dead" >&2
    fail "logfilter -j $jobs --dead-letter FILE: FILE is not exactly the $nbad bad lines, verbatim (final CR removed)"
  fi
  grep -qxE "logfilter: $nbad lines rejected( \($nbad not shown\))?" "$work/err" \
    || fail "logfilter -j $jobs -q: no summary 'logfilter: $nbad lines rejected' on stderr; got: $(cat "$work/err")"
done
check "--dead-letter appends to an existing file"
"$LF" -e '' -q --dead-letter "$work/dead" "$work/mixed" >/dev/null 2>&1
cat "$bad" "$bad" | cmp -s - "$work/dead" || fail "a second run with --dead-letter did not append the bad lines to the file"
check "--dead-letter in a missing directory exits 73"
"$LF" -e '' --dead-letter "$work/no/such/dir/dead" "$work/good20k" >/dev/null 2>"$work/err"
rc=$?
[[ $rc == 73 ]] || fail "logfilter --dead-letter NO_DIR/FILE: rc $rc, expected 73; stderr: $(cat "$work/err")"
grep -q "^logfilter: cannot create '$work/no/such/dir/dead': No such file or directory" "$work/err" \
  || fail "logfilter --dead-letter NO_DIR/FILE: stderr '$(cat "$work/err")' lacks \"cannot create '...': No such file or directory\""

# ---- Exec plugin ----
EXEC=$LOGSTREAM_EXAMPLE_EXEC
check "--exec example plugin adds \"plugin\":\"exec-example\" to every record (-j 1 and -j 2)"
jq -c '.fields.plugin="exec-example"' "$work/good20k" >"$work/expected-exec"
for jobs in 1 2; do
  "$LF" -e '' -j $jobs --exec "$EXEC" "$work/good20k" >"$work/out" 2>"$work/err"
  rc=$?
  [[ $rc == 0 ]] || fail "logfilter -j $jobs --exec EXAMPLE: rc $rc, stderr: $(head -c 500 "$work/err")"
  cmp -s "$work/out" "$work/expected-exec" \
    || fail "logfilter -j $jobs --exec EXAMPLE differs from jq -c '.fields.plugin=\"exec-example\"': $(diff "$work/expected-exec" "$work/out" | head -n 4)"
done
check "--exec runs after the query: only selected records reach the plugin"
"$LF" --exec "$EXEC" level:error "$work/good20k" >"$work/out" 2>/dev/null
jq -c 'select(.level=="error") | .fields.plugin="exec-example"' "$work/good20k" | cmp -s - "$work/out" \
  || fail "logfilter --exec EXAMPLE level:error differs from jq select + set"
check "--exec example plugin drops DROPME records and doubles TWICE records"
printf '%s\n' '{"timestamp":"2025-05-13T00:00:01Z","message":"a"}' \
  '{"timestamp":"2025-05-13T00:00:02Z","message":"please DROPME"}' \
  '{"timestamp":"2025-05-13T00:00:03Z","message":"say it TWICE"}' \
  '{"timestamp":"2025-05-13T00:00:04Z","message":"b","fields":{"k":1}}' >"$work/exec-in"
cat >"$work/exec-expected" <<'EOF'
{"timestamp":"2025-05-13T00:00:01Z","source":"","level":"info","message":"a","fields":{"plugin":"exec-example"}}
{"timestamp":"2025-05-13T00:00:03Z","source":"","level":"info","message":"say it TWICE","fields":{"plugin":"exec-example"}}
{"timestamp":"2025-05-13T00:00:03Z","source":"","level":"info","message":"say it TWICE","fields":{"plugin":"exec-example"}}
{"timestamp":"2025-05-13T00:00:04Z","source":"","level":"info","message":"b","fields":{"k":1,"plugin":"exec-example"}}
EOF
"$LF" -e '' --exec "$EXEC" "$work/exec-in" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logfilter --exec EXAMPLE (DROPME/TWICE): rc $rc, stderr: $(cat "$work/err")"
cmp -s "$work/out" "$work/exec-expected" || fail "logfilter --exec EXAMPLE (DROPME/TWICE): $(diff "$work/exec-expected" "$work/out")"

check "an exec plugin that reads everything and exits 3 gives rc 69 and a message naming status 3"
cmd='cat >/dev/null; exit 3'
"$LF" -e '' --exec "$cmd" "$work/good20k" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 69 ]] || fail "logfilter --exec '$cmd': rc $rc, expected 69; stderr: $(cat "$work/err")"
grep -qF "logfilter: plugin '$cmd': exited with status 3" "$work/err" \
  || fail "logfilter --exec '$cmd': stderr lacks \"logfilter: plugin '$cmd': exited with status 3\"; got: $(cat "$work/err")"
check "an exec plugin that exits 3 at once gives rc 69"
"$LF" -e '' --exec 'exit 3' "$work/good20k" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 69 ]] || fail "logfilter --exec 'exit 3': rc $rc, expected 69; stderr: $(cat "$work/err")"
grep -q "^logfilter: plugin 'exit 3': " "$work/err" \
  || fail "logfilter --exec 'exit 3': no \"logfilter: plugin 'exit 3': ...\" message; got: $(cat "$work/err")"
check "an exec plugin's output that is not a record is rejected as from the plugin"
"$LF" -e '' --exec 'cat >/dev/null; echo "{\"timestamp\":\"2025-05-13T00:00:00Z\",\"message\":\"ok\"}"; echo notjson' \
  "$work/exec-in" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 65 ]] || fail "exec plugin printing a non-record: rc $rc, expected 65; stderr: $(cat "$work/err")"
[[ $(wc -l <"$work/out") == 1 ]] || fail "exec plugin printing a record and a non-record: $(wc -l <"$work/out") records written, expected 1"
grep -q "^logfilter: plugin '.*':2: rejected: not a JSON object" "$work/err" \
  || fail "exec plugin printing a non-record: no \"logfilter: plugin '...':2: rejected: not a JSON object\"; got: $(cat "$work/err")"

# ---- Shared-object plugin ----
SO=$LOGSTREAM_EXAMPLE_SO
check "--plugin example .so with {\"add\":{\"env\":\"prod\"}} sets env on every record (-j 1 and -j 2)"
jq -c '.fields.env="prod"' "$work/good20k" >"$work/expected-so"
for jobs in 1 2; do
  "$LF" -e '' -j $jobs --plugin "$SO" --plugin-config '{"add":{"env":"prod"}}' "$work/good20k" >"$work/out" 2>"$work/err"
  rc=$?
  [[ $rc == 0 ]] || fail "logfilter -j $jobs --plugin SO: rc $rc, stderr: $(head -c 500 "$work/err")"
  cmp -s "$work/out" "$work/expected-so" \
    || fail "logfilter -j $jobs --plugin SO --plugin-config '{\"add\":{\"env\":\"prod\"}}' differs from jq -c '.fields.env=\"prod\"': $(diff "$work/expected-so" "$work/out" | head -n 4)"
done
check "--plugin example .so without config passes records through"
"$LF" -e '' --plugin "$SO" "$work/good20k" >"$work/out" 2>"$work/err"
cmp -s "$work/out" "$work/good20k" || fail "logfilter --plugin SO (no config) changed records; stderr: $(head -c 300 "$work/err")"
check "--plugin example .so splits a \"batch\" array into records (docs/plugin-abi.md example)"
echo '{"timestamp":"2024-05-01T10:00:00Z","batch":[{"message":"a"},{"message":"b","n":2}]}' >"$work/batch-in"
cat >"$work/batch-expected" <<'EOF'
{"timestamp":"2024-05-01T10:00:00Z","source":"","level":"info","message":"a","fields":{"env":"prod"}}
{"timestamp":"2024-05-01T10:00:00Z","source":"","level":"info","message":"b","fields":{"n":2,"env":"prod"}}
EOF
for jobs in 1 2; do
  "$LF" -e '' -j $jobs --plugin "$SO" --plugin-config '{"add":{"env":"prod"}}' "$work/batch-in" >"$work/out" 2>"$work/err"
  cmp -s "$work/out" "$work/batch-expected" || fail "logfilter -j $jobs --plugin SO split: $(diff "$work/batch-expected" "$work/out"; cat "$work/err")"
done
check "--plugin example .so with a bad config exits 78 with 'init failed'"
"$LF" -e '' --plugin "$SO" --plugin-config '{"colour":"red"}' "$work/batch-in" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 78 ]] || fail "logfilter --plugin SO --plugin-config '{\"colour\":\"red\"}': rc $rc, expected 78; stderr: $(cat "$work/err")"
grep -q "init failed: config: unknown key" "$work/err" || fail "bad plugin config: stderr lacks 'init failed: config: unknown key'; got: $(cat "$work/err")"
[[ ! -s $work/out ]] || fail "bad plugin config: records were written"
check "a missing .so exits 78"
"$LF" -e '' --plugin "$work/nope.so" "$work/batch-in" >/dev/null 2>"$work/err"
rc=$?
[[ $rc == 78 ]] || fail "logfilter --plugin MISSING.so: rc $rc, expected 78; stderr: $(cat "$work/err")"

# ---- Stateful rules ----
check "--rules with dedup and rate_limit: -j 1 and -j 2 give the same output, and the rules drop records"
cat >"$work/rules.yaml" <<'EOF'
rules:
  - name: no-debug
    when: 'level:debug'
    drop: true
  - name: tag
    set: {stage: one}
  - name: dedup-by-source-level
    dedup: {key: [source, level], window: 30s}
  - name: limit-per-source
    rate_limit: {key: source, limit: 2, per: 5m}
  - name: after-the-stateful-ones
    when: 'level:error'
    set: {page: true}
EOF
"$LF" -e '' -j 1 --rules "$work/rules.yaml" "$data" >"$work/r1" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logfilter -j 1 --rules: rc $rc, stderr: $(head -c 500 "$work/err")"
"$LF" -e '' -j 2 --rules "$work/rules.yaml" "$data" >"$work/r2" 2>"$work/err"
cmp -s "$work/r1" "$work/r2" || fail "logfilter --rules (dedup, rate_limit): -j 1 and -j 2 outputs differ ($(wc -l <"$work/r1") vs $(wc -l <"$work/r2") lines)"
nr=$(wc -l <"$work/r1")
nodebug=$(grep -vc '"level":"debug"' "$data")
[[ $nr -gt 0 && $nr -lt $nodebug ]] || fail "logfilter --rules: $nr records kept of $nodebug non-debug records; dedup/rate_limit dropped nothing?"
grep -q '"level":"debug"' "$work/r1" && fail "logfilter --rules: a debug record survived the drop rule"
[[ $(grep -c '"stage":"one"' "$work/r1") == "$nr" ]] || fail "logfilter --rules: not every record has stage=one"
jq -e -s 'map(select(.level=="error" and .fields.page!=true)) | length == 0' "$work/r1" >/dev/null \
  || fail "logfilter --rules: an error record lacks page=true"
# rate_limit (limit 2 per 5m, key source): replay the periods over the kept records. A period
# starts with the first record of its key and lasts 5 minutes; the first record after it starts
# the next one (and is always kept), so the kept records alone fix the periods.
jq -r -s 'def ms: (sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) * 1000
                  + ((capture("\\.(?<f>[0-9]{3})Z$").f | tonumber) // 0);
          group_by(.source)[]
          | reduce (.[] | .timestamp | ms) as $t ({start: null, count: 0, bad: 0};
              if .start == null or ($t - .start) >= 300000 then .start = $t | .count = 1
              else .count += 1 | (if .count > 2 then .bad += 1 else . end) end)
          | select(.bad > 0) | "\(.bad)"' "$work/r1" >"$work/violations" \
  || fail "test bug: the jq rate_limit replay failed"
[[ ! -s $work/violations ]] || fail "logfilter --rules: a source keeps more than 2 records in one 5-minute period (rate_limit {key: source, limit: 2, per: 5m})"
# dedup (key source+level, window 30s): every record written was kept by dedup, so two of
# them with the same source and level are at least 30 s apart.
jq -r -s 'def ms: (sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) * 1000
                  + ((capture("\\.(?<f>[0-9]{3})Z$").f | tonumber) // 0);
          group_by([.source, .level])[] | map(.timestamp | ms) as $t
          | range(1; $t | length) | select($t[.] - $t[. - 1] < 30000) | "\(.)"' "$work/r1" >"$work/violations" \
  || fail "test bug: the jq dedup check failed"
[[ ! -s $work/violations ]] || fail "logfilter --rules: two records with the same source and level less than 30 s apart (dedup window 30s)"
echo "  $nr records kept of $total"

# ---- --stats ----
check "--stats prints lines=, bytes=, records=, written=, rejected= on stderr and leaves stdout alone"
"$LF" --stats level:error "$data" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logfilter --stats level:error: rc $rc"
"$LF" level:error "$data" >"$work/out-nostats" 2>/dev/null
cmp -s "$work/out" "$work/out-nostats" || fail "logfilter --stats changes standard output"
nerr=$(wc -l <"$work/out")
size=$(wc -c <"$data")
stats=$(cat "$work/err")
[[ $(wc -l <"$work/err") == 1 ]] || fail "--stats: expected one line on stderr, got: $stats"
for kv in "lines=$total" "bytes=$size" "records=$total" "written=$nerr" "rejected=0"; do
  [[ " $stats " == *" $kv "* || " $stats " == *" $kv,"* || $stats == *"$kv "* ]] \
    || fail "--stats: '$kv' missing from the stats line: $stats"
done
[[ $stats == *"seconds="* && $stats == *"MB/s="* ]] || fail "--stats: seconds= or MB/s= missing: $stats"
check "--stats with rejected lines counts them by reason"
"$LF" -e '' -q --stats "$work/mixed" >/dev/null 2>"$work/err"
stats=$(cat "$work/err")
[[ $stats == *"lines=$((20000 + nbad))"* && $stats == *"records=20000"* && $stats == *"rejected=$nbad"* ]] \
  || fail "--stats on the mixed input: expected lines=$((20000 + nbad)) records=20000 rejected=$nbad in: $stats"
for kv in rejected.invalid_JSON=3 rejected.not_a_JSON_object=3 rejected.invalid_JSON_number=1 rejected.invalid_timestamp=1; do
  [[ " $stats " == *" $kv "* ]] || fail "--stats on the mixed input: '$kv' missing (the 8 bad lines are 3 invalid JSON, 3 not objects, 1 bad number, 1 bad timestamp): $stats"
done
check "-c --stats writes only the count to stdout"
out=$("$LF" -c --stats level:error "$data" 2>/dev/null)
[[ $out == "$nerr" ]] || fail "logfilter -c --stats: stdout is '$out', expected '$nerr'"

echo "PASS: logfilter_e2e"
