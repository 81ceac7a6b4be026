#!/usr/bin/env bash
# tests/e2e/logfilter_loghub.sh -- logfilter on real-world logs: the Loghub 2k samples (12
# systems) read from $LOGSTREAM_DATA/loghub. The samples are not ours to redistribute
# (../shared/data/loghub/SOURCE.md): they are never copied into the repository, and this test
# skips when they are absent.
#
# Each raw line becomes a record with jq ({timestamp, source: SYSTEM, message: LINE}). Then:
#   - every line comes out as one record, its message byte for byte (nothing rejected or lost,
#     odd bytes and CRLF endings included);
#   - for a few words per system, taken from the first words of its templates,
#     `logfilter -c WORD` equals `grep -c -i -w WORD` over the raw log (both count lines; the
#     words are made of [A-Za-z0-9_] only, where both tools agree on word boundaries).
#
#   LOGFILTER=... LOGSTREAM_DATA=../shared/data bash tests/e2e/logfilter_loghub.sh
set -uo pipefail

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${LOGFILTER:?set LOGFILTER to the logfilter binary}"
: "${LOGSTREAM_DATA:=}"
[[ -x $LOGFILTER ]] || fail "'$LOGFILTER' is not executable"
loghub=$LOGSTREAM_DATA/loghub
if [[ -z $LOGSTREAM_DATA || ! -d $loghub ]]; then
  echo "SKIP: $LOGSTREAM_DATA/loghub not found (the samples are not distributed with LogStream)"
  exit 0
fi
command -v jq >/dev/null 2>&1 || fail "jq is required (apt-get install jq)"

work=$(mktemp -d "${TMPDIR:-/tmp}/logstream-loghub.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
export LC_ALL=C
LF=$LOGFILTER
WORDS_PER_SYSTEM=6

systems=(Android Apache BGL HDFS HPC Hadoop Linux OpenSSH OpenStack Spark Windows Zookeeper)
words_checked=0
for system in "${systems[@]}"; do
  raw=$loghub/$system/${system}_2k.log
  templates=$loghub/$system/${system}_2k.log_templates.csv
  [[ -f $raw ]] || fail "$raw is missing (the loghub folder is incomplete)"
  [[ -f $templates ]] || fail "$templates is missing (the loghub folder is incomplete)"
  echo "== $system"
  records=$work/$system.ndjson
  jq -R -c --arg source "$system" '{timestamp:"2025-01-01T00:00:00Z", source:$source, message:.}' \
    "$raw" >"$records" 2>"$work/jq.err" || fail "jq -R could not read $raw: $(cat "$work/jq.err")"
  lines=$(grep -c '' "$raw")   # counts a last line without a newline too

  check "$system: $lines raw lines give $lines records, messages unchanged, nothing rejected"
  "$LF" -e '' "$records" >"$work/out" 2>"$work/err"
  rc=$?
  [[ $rc == 0 ]] || fail "logfilter on $system records: rc $rc, expected 0; stderr: $(head -c 500 "$work/err")"
  [[ ! -s $work/err ]] || fail "logfilter on $system records: stderr: $(head -c 500 "$work/err")"
  n=$(wc -l <"$work/out")
  [[ $n == "$lines" ]] || fail "logfilter on $system: $n records out of $lines lines"
  c=$("$LF" -c -e '' "$records" 2>/dev/null)
  [[ $c == "$lines" ]] || fail "logfilter -c '' on $system: printed '$c', expected $lines"
  # The messages, printed raw, are the log's lines (jq -r ends the last one with a newline).
  { cat "$raw"; [[ -n $(tail -c 1 "$raw") ]] && echo; } >"$work/raw.nl"
  jq -r '.message' "$work/out" | cmp -s - "$work/raw.nl" \
    || fail "logfilter on $system: the messages differ from the raw lines: $(jq -r '.message' "$work/out" | cmp - "$work/raw.nl" 2>&1)"

  # Words: the first word of each template that is only [A-Za-z0-9_] (not AND/OR/NOT, which
  # are query keywords), the most frequent in the log first.
  # When the first words give too few (Apache's templates start with "<*>" or "jk2_init()"),
  # the other whole words of the templates are candidates too.
  tail -n +2 "$templates" | sed -e 's/^[^,]*,//' -e 's/^"//' | awk '{ print $1 }' \
    | grep -E '^[A-Za-z0-9_]+$' | grep -vxE 'AND|OR|NOT' | sort -u >"$work/candidates"
  if [[ $(wc -l <"$work/candidates") -lt $WORDS_PER_SYSTEM ]]; then
    tail -n +2 "$templates" | sed -e 's/^[^,]*,//' | tr -s ' \t"' '\n' \
      | grep -E '^[A-Za-z0-9_]+$' | grep -vxE 'AND|OR|NOT' | sort -u >>"$work/candidates"
    sort -u -o "$work/candidates" "$work/candidates"
  fi
  : >"$work/ranked"
  while read -r word; do
    echo "$(grep -c -i -w -- "$word" "$raw") $word" >>"$work/ranked"
  done <"$work/candidates"
  words=$(sort -k1,1nr -k2 "$work/ranked" | head -n $WORDS_PER_SYSTEM | awk '{ print $2 }')
  [[ -n $words ]] || fail "test bug: no usable word in $templates"
  check "$system: logfilter -c WORD equals grep -c -i -w WORD for: $(echo $words)"
  for word in $words; do
    expected=$(grep -c -i -w -- "$word" "$raw")
    for jobs in 1 2; do
      got=$("$LF" -j $jobs -c -e "$word" "$records" 2>"$work/err")
      rc=$?
      [[ $rc == 0 || $rc == 1 ]] || fail "logfilter -c '$word' on $system: rc $rc; stderr: $(cat "$work/err")"
      [[ $got == "$expected" ]] \
        || fail "logfilter -j $jobs -c '$word' on $system records: $got, but grep -c -i -w '$word' $raw: $expected"
    done
    # A word found on no line must exit 1, found on some: 0.
    [[ $expected -gt 0 && $rc == 0 || $expected == 0 && $rc == 1 ]] \
      || fail "logfilter -c '$word' on $system: rc $rc for a count of $expected"
    words_checked=$((words_checked + 1))
  done
done
echo "PASS: logfilter_loghub (${#systems[@]} systems, $words_checked words)"
