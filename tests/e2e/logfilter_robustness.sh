#!/usr/bin/env bash
# tests/e2e/logfilter_robustness.sh -- Malformed input never crashes logfilter and never costs
# a good line (docs/ndjson.md): generated good lines, each tagged with a "marker" field, are
# interleaved with bad lines (truncated JSON, binary garbage, over-long lines, trailing
# content, arrays, scalars, NUL bytes, 5000-deep nesting) and with odd good lines (invalid
# UTF-8, which is repaired; CRLF; a line of exactly --max-line-bytes; a last line without a
# newline; {}), plus blank lines. Every good line must come out, every bad one must be
# reported as `logfilter: FILE:LINE: rejected: ...` with its line number and counted, and the
# exit status must be 65: with -j 1 and -j 2, from a file and from a pipe. Then: streaming from
# a slow pipe, and the memory bound on 100 MB of input.
#
#   LOGFILTER=... GEN_LOGS=... bash tests/e2e/logfilter_robustness.sh
set -uo pipefail

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${LOGFILTER:?set LOGFILTER to the logfilter binary}"
: "${GEN_LOGS:?set GEN_LOGS to the gen_logs binary}"
[[ -x $LOGFILTER ]] || fail "'$LOGFILTER' is not executable"
[[ -x $GEN_LOGS ]] || fail "'$GEN_LOGS' is not executable"

work=$(mktemp -d "${TMPDIR:-/tmp}/logstream-robust.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
export LC_ALL=C
LF=$LOGFILTER
TS='"timestamp":"2025-05-13T00:00:00Z"'
MAX=1048576   # logfilter's default --max-line-bytes

# Fails unless the exit status says logfilter ended by itself (no signal, no internal error).
no_crash() {  # RC WHAT
  [[ $1 -lt 128 ]] || fail "$2: killed by signal $(($1 - 128)) (rc $1)"
  [[ $1 != 70 ]] || fail "$2: internal error (rc 70): $(head -c 500 "$work/err" 2>/dev/null)"
}

# A record line of exactly LEN bytes (without the newline): {TS,"message":"aaa…","fields":{…}}.
record_of_length() {  # LEN MARKER
  local head="{$TS,\"source\":\"\",\"level\":\"info\",\"message\":\""
  local tail="\",\"fields\":{\"marker\":\"$2\"}}"
  local fill=$(($1 - ${#head} - ${#tail}))
  printf '%s' "$head"
  head -c "$fill" /dev/zero | tr '\0' 'a'
  printf '%s' "$tail"
}

# ---- The good lines: canonical generated records with a unique marker ----
N=20000
"$GEN_LOGS" --records $N 2>/dev/null | awk '{ sub(/}}$/, ",\"marker\":\"g" NR "\"}}"); print }' >"$work/good"
[[ $(wc -l <"$work/good") == "$N" ]] || fail "test bug: gen_logs + awk made $(wc -l <"$work/good") lines"
[[ $(grep -c '"marker":"g' "$work/good") == "$N" ]] || fail "test bug: markers missing in the good lines"

# ---- The odd lines, one file each: bad.* must be rejected, odd.* must come out ----
mkdir "$work/items"
it=$work/items
printf '%s' "$(head -n 1 "$work/good" | head -c 100)" >"$it/bad.truncated"
{ printf 'garbage:'; head -c 400 /dev/urandom | tr -d '\n\r'; } >"$it/bad.binary"
record_of_length $((2 * 1024 * 1024)) too-long-2mib >"$it/bad.2mib"
record_of_length $((MAX + 1)) too-long-by-one >"$it/bad.max-plus-1"
printf '%s' '{"a":1} trailing' >"$it/bad.trailing"
printf '%s' '[1,2,{"a":3}]' >"$it/bad.array"
printf '%s' '42' >"$it/bad.number"
printf '%s' '"a string"' >"$it/bad.string"
printf '%s' 'null' >"$it/bad.null"
printf '{%s,"message":"a NUL \0 inside a string"}' "$TS" >"$it/bad.nul-in-string"
printf '{"a":1}\0\0\0' >"$it/bad.nul-after"
{ head -c 5000 /dev/zero | tr '\0' '['; head -c 5000 /dev/zero | tr '\0' ']'; } >"$it/bad.deep-array"
printf '{%s,"message":"bad \xff\xfe bytes","fields":{"marker":"utf8-value"}}' "$TS" >"$it/odd.utf8-value"
printf '{%s,"message":"overlong \xc0\xaf and surrogate \xed\xa0\x80","k\xe2\x82":"v","fields":{"marker":"utf8-key"}}' "$TS" >"$it/odd.utf8-key"
record_of_length $MAX exactly-max >"$it/odd.exactly-max"
printf '{%s,"message":"crlf","fields":{"marker":"crlf"}}\r' "$TS" >"$it/odd.crlf"
printf '{}' >"$it/odd.empty-object"
# Expected output of the two UTF-8 lines: one U+FFFD (EF BF BD) per bad byte.
R=$'\xef\xbf\xbd'
printf '%s\n' "{$TS,\"source\":\"\",\"level\":\"info\",\"message\":\"bad $R$R bytes\",\"fields\":{\"marker\":\"utf8-value\"}}" >"$work/expect.utf8-value"
printf '%s\n' "{$TS,\"source\":\"\",\"level\":\"info\",\"message\":\"overlong $R$R and surrogate $R$R$R\",\"fields\":{\"k$R$R\":\"v\",\"marker\":\"utf8-key\"}}" >"$work/expect.utf8-key"

order=(bad.truncated odd.utf8-value bad.binary bad.2mib blank bad.max-plus-1 odd.exactly-max
       bad.trailing spaces bad.array odd.crlf bad.number bad.string odd.utf8-key bad.null
       bad.nul-in-string blank bad.nul-after odd.empty-object bad.deep-array spaces)
nbad=0
for item in "${order[@]}"; do [[ $item == bad.* ]] && nbad=$((nbad + 1)); done

# ---- Build the mixed input: a chunk of good lines, then an item, ...; the last line is a good
# line without a newline. bad_lines lists "LINE ITEM" for every bad line, in order. ----
mixed=$work/mixed.ndjson
: >"$mixed"
: >"$work/bad_lines"
chunk=$((N / (${#order[@]} + 1)))
line=0
good_used=0
for item in "${order[@]}"; do
  sed -n "$((good_used + 1)),$((good_used + chunk))p" "$work/good" >>"$mixed"
  good_used=$((good_used + chunk)); line=$((line + chunk))
  line=$((line + 1))
  case $item in
    blank) printf '\n' >>"$mixed" ;;
    spaces) printf '   \t  \n' >>"$mixed" ;;
    *) cat "$it/$item" >>"$mixed"; printf '\n' >>"$mixed" ;;
  esac
  [[ $item == bad.* ]] && echo "$line $item" >>"$work/bad_lines"
done
sed -n "$((good_used + 1)),\$p" "$work/good" >>"$mixed"
truncate -s -1 "$mixed"   # the last good line has no newline
total_lines=$((line + N - good_used))
[[ $(wc -l <"$work/bad_lines") == "$nbad" ]] || fail "test bug: bad_lines"
echo "input: $total_lines lines, $N good generated lines, $nbad bad lines, $(wc -c <"$mixed") bytes"

# Expected records: the good lines, the repaired UTF-8 lines, the CRLF one, the max-length one
# and {} (with the time of arrival, so it is checked apart).
cat "$work/good" >"$work/expect.gen"
expected_records=$((N + 5))

check_mixed_run() {  # NAME (stdout in $work/out, stderr in $work/err, rc in $rc, file name in $fname)
  local what=$1
  no_crash "$rc" "$what"
  [[ $rc == 65 ]] || fail "$what: rc $rc, expected 65 (rejected lines); stderr: $(head -c 600 "$work/err")"
  local n
  n=$(wc -l <"$work/out")
  [[ $n == "$expected_records" ]] || fail "$what: $n records written, expected $expected_records ($N generated + 5 odd good lines)"
  grep '"marker":"g' "$work/out" | cmp -s - "$work/expect.gen" \
    || fail "$what: the $N generated good lines do not all come out unchanged and in order ($(grep -c '"marker":"g' "$work/out") came out)"
  for m in utf8-value utf8-key; do
    grep -F "\"marker\":\"$m\"" "$work/out" | cmp -s - "$work/expect.$m" \
      || fail "$what: the invalid UTF-8 line '$m' was not repaired as expected; got: $(grep -F "\"marker\":\"$m\"" "$work/out" | cat -v)"
  done
  grep -qxF "{$TS,\"source\":\"\",\"level\":\"info\",\"message\":\"crlf\",\"fields\":{\"marker\":\"crlf\"}}" "$work/out" \
    || fail "$what: the CRLF line is missing or keeps its CR"
  cmp -s <(grep -F '"marker":"exactly-max"' "$work/out") <(cat "$it/odd.exactly-max"; echo) \
    || fail "$what: the line of exactly --max-line-bytes ($MAX) bytes did not come out unchanged"
  grep -qE '^\{"timestamp":"[0-9T:.-]+Z","source":"","level":"info","message":"","fields":\{\}\}$' "$work/out" \
    || fail "$what: {} did not come out as a record with every default"
  # stderr: the first 10 rejections one by one, with their line numbers, then the summary and
  # the --stats line.
  local expected_err=$work/expected-err-prefix
  head -n 10 "$work/bad_lines" | while read -r l item; do echo "logfilter: $fname:$l: rejected: "; done >"$expected_err"
  grep ': rejected: ' "$work/err" | sed 's/\(: rejected: \).*/\1/' >"$work/err-prefix"
  if ! cmp -s "$expected_err" "$work/err-prefix"; then
    diff "$expected_err" "$work/err-prefix" | head -n 10 >&2
    fail "$what: the rejection messages do not name the first 10 bad lines as 'logfilter: $fname:LINE: rejected: ...'"
  fi
  local shown=10
  [[ $nbad -lt 10 ]] && shown=$nbad
  grep -qxF "logfilter: $nbad lines rejected ($((nbad - shown)) not shown)" "$work/err" \
    || fail "$what: no summary 'logfilter: $nbad lines rejected ($((nbad - shown)) not shown)'; stderr: $(grep -v ': rejected: ' "$work/err")"
  grep -q "rejected=$nbad\b" "$work/err" || fail "$what: --stats does not say rejected=$nbad: $(grep stats "$work/err")"
  grep -q "lines=$total_lines\b" "$work/err" || fail "$what: --stats does not say lines=$total_lines: $(grep stats "$work/err")"
  local others
  others=$(grep -v -e ': rejected: ' -e ' lines rejected (' -e '^logfilter: stats: ' "$work/err")
  [[ -z $others ]] || fail "$what: unexpected lines on stderr: $others"
  grep ': rejected: ' "$work/err" | grep -qvE "^logfilter: [^:]+:[0-9]+: rejected: [a-zA-Z]" \
    && fail "$what: a rejection message does not have the form 'logfilter: FILE:LINE: rejected: REASON'"
  return 0
}

for jobs in 1 2; do
  check "mixed input from a file, -j $jobs: every good line out, every bad line reported with its line number, rc 65"
  fname=$mixed
  "$LF" -j $jobs --stats -e '' "$mixed" >"$work/out" 2>"$work/err"
  rc=$?
  check_mixed_run "logfilter -j $jobs --stats FILE"
  check "mixed input from a pipe (cat f | logfilter), -j $jobs"
  fname='(standard input)'
  cat "$mixed" | "$LF" -j $jobs --stats -e '' >"$work/out" 2>"$work/err"
  rc=$?
  check_mixed_run "cat FILE | logfilter -j $jobs --stats"
done

check "--dead-letter holds the bad lines that were kept in the buffer, verbatim"
"$LF" -q --dead-letter "$work/dead" -e '' "$mixed" >/dev/null 2>"$work/err"
rc=$?
no_crash $rc "logfilter --dead-letter"
# Over-long lines (2 MiB, MAX+1) are skipped without being held: not in the file.
while read -r l item; do
  case $item in bad.2mib | bad.max-plus-1) continue ;; esac
  cat "$it/$item"; printf '\n'
done <"$work/bad_lines" >"$work/dead-expected"
cmp -s "$work/dead" "$work/dead-expected" \
  || fail "logfilter --dead-letter: the file is not the $((nbad - 2)) held bad lines verbatim ($(wc -l <"$work/dead") lines, expected $(wc -l <"$work/dead-expected"))"

check "each kind of bad line alone, between two good lines: rejected as line 2, both good lines kept"
head -n 1 "$work/good" >"$work/g1"
sed -n 2p "$work/good" >"$work/g2"
for f in "$it"/bad.*; do
  kind=$(basename "$f")
  { cat "$work/g1" "$f"; printf '\n'; cat "$work/g2"; } >"$work/one"
  for jobs in 1 2; do
    "$LF" -j $jobs -e '' "$work/one" >"$work/out" 2>"$work/err"
    rc=$?
    no_crash $rc "logfilter -j $jobs ($kind)"
    [[ $rc == 65 ]] || fail "logfilter -j $jobs on good, $kind, good: rc $rc, expected 65; stderr: $(head -c 300 "$work/err")"
    cat "$work/g1" "$work/g2" | cmp -s - "$work/out" || fail "logfilter -j $jobs on good, $kind, good: the good lines did not both come out"
    grep -q "^logfilter: $work/one:2: rejected: " "$work/err" \
      || fail "logfilter -j $jobs on good, $kind, good: no 'logfilter: FILE:2: rejected: ...'; stderr: $(head -c 300 "$work/err" | cat -v)"
  done
  echo "  ok $kind: $(grep -m1 ': rejected: ' "$work/err" | sed 's/.*: rejected: //' | head -c 100)"
done

check "--max-line-bytes 4096: a line of exactly 4096 bytes passes, 4097 is rejected and dead-lettered"
{ cat "$work/g1"; record_of_length 4096 at-limit; printf '\n'; record_of_length 4097 over-limit; printf '\n'; cat "$work/g2"; } >"$work/limit"
rm -f "$work/dead"
"$LF" --max-line-bytes 4096 --dead-letter "$work/dead" -e '' "$work/limit" >"$work/out" 2>"$work/err"
rc=$?
no_crash $rc "logfilter --max-line-bytes 4096"
[[ $rc == 65 ]] || fail "logfilter --max-line-bytes 4096: rc $rc, expected 65"
{ cat "$work/g1"; record_of_length 4096 at-limit; printf '\n'; cat "$work/g2"; } | cmp -s - "$work/out" \
  || fail "logfilter --max-line-bytes 4096: the 4096-byte line or a good line is missing from the output"
grep -qxF "logfilter: $work/limit:3: rejected: line too long: 4097 bytes (limit 4096)" "$work/err" \
  || fail "logfilter --max-line-bytes 4096: expected 'logfilter: FILE:3: rejected: line too long: 4097 bytes (limit 4096)'; got: $(cat "$work/err")"
{ record_of_length 4097 over-limit; printf '\n'; } | cmp -s - "$work/dead" \
  || fail "logfilter --max-line-bytes 4096 --dead-letter: the 4097-byte line (held in the buffer) is not in the dead-letter file"

check "an object holding 5000-deep nested arrays does not crash logfilter and costs no good line"
{ cat "$work/g1"; printf '{%s,"deep":' "$TS"; head -c 5000 /dev/zero | tr '\0' '['; head -c 5000 /dev/zero | tr '\0' ']'; printf '}\n'; cat "$work/g2"; } >"$work/deep"
"$LF" -e '' "$work/deep" >"$work/out" 2>"$work/err"
rc=$?
no_crash $rc "logfilter on a 5000-deep value"
[[ $rc == 0 || $rc == 65 ]] || fail "logfilter on a 5000-deep value: rc $rc"
grep -qF "$(cat "$work/g1")" "$work/out" && grep -qF "$(cat "$work/g2")" "$work/out" \
  || fail "logfilter on a 5000-deep value: a good line is missing"
echo "  rc $rc ($([[ $rc == 0 ]] && echo accepted || grep -m1 'rejected' "$work/err" | sed 's/.*rejected: //'))"

# ---- Streaming: a record is written before the next one arrives ----
check "slow pipe: line 1 is written before line 2 is even sent (-j 1 and -j 2)"
for jobs in 1 2; do
  rm -f "$work/t2" "$work/arrivals"
  ( echo "{$TS,\"message\":\"line1\"}"; sleep 2; date +%s%N >"$work/t2"; echo "{$TS,\"message\":\"line2\"}" ) \
    | "$LF" -j $jobs -e '' 2>/dev/null \
    | while IFS= read -r l; do echo "$(date +%s%N) $l"; done >"$work/arrivals"
  [[ $(wc -l <"$work/arrivals") == 2 ]] || fail "slow pipe -j $jobs: expected 2 records, got $(wc -l <"$work/arrivals")"
  t1=$(awk 'NR == 1 { print $1 }' "$work/arrivals")
  t2=$(cat "$work/t2")
  grep -q line1 <(head -n 1 "$work/arrivals") || fail "slow pipe -j $jobs: the first record out is not line1"
  [[ $t1 -lt $t2 ]] \
    || fail "slow pipe -j $jobs: line1 came out $(((t1 - t2) / 1000000)) ms after line2 was sent: logfilter holds records back on a stalled pipe"
  echo "  -j $jobs: line1 out $(((t2 - t1) / 1000000)) ms before line2 was sent"
done

# ---- Memory bound ----
check "100 MB of input with --max-line-bytes 1024 stays under 200 MB RSS"
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then
  big=$work/big.ndjson
  "$GEN_LOGS" --records 430000 2>/dev/null >"$big"
  # A few over-long lines, of which one 2 MiB line that must be skipped without being kept.
  record_of_length 5000 long-5000 >>"$big"; printf '\n' >>"$big"
  record_of_length $((2 * 1024 * 1024)) long-2mib >>"$big"; printf '\n' >>"$big"
  "$GEN_LOGS" --records 10 2>/dev/null >>"$big"
  size_mb=$(($(wc -c <"$big") / 1000000))
  [[ $size_mb -ge 100 ]] || fail "test bug: the big input is only $size_mb MB"
  /usr/bin/time -v -o "$work/time" "$LF" -q --max-line-bytes 1024 -e '' "$big" >/dev/null 2>"$work/err"
  rc=$?
  no_crash $rc "logfilter on $size_mb MB"
  [[ $rc == 65 ]] || fail "logfilter --max-line-bytes 1024 on $size_mb MB: rc $rc, expected 65 (2 over-long lines); stderr: $(cat "$work/err")"
  grep -qxF "logfilter: 2 lines rejected (2 not shown)" "$work/err" \
    || fail "logfilter --max-line-bytes 1024 on $size_mb MB: expected 2 lines rejected; stderr: $(cat "$work/err")"
  rss_kb=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$work/time")
  [[ -n $rss_kb ]] || fail "test bug: no 'Maximum resident set size' in /usr/bin/time -v output"
  echo "  $size_mb MB in, max RSS $((rss_kb / 1024)) MB"
  [[ $rss_kb -lt $((200 * 1024)) ]] || fail "logfilter --max-line-bytes 1024 on $size_mb MB used $((rss_kb / 1024)) MB RSS, limit 200 MB"
  rm -f "$big"
else
  echo "  skip: /usr/bin/time -v is not available"
fi

echo "PASS: logfilter_robustness"
