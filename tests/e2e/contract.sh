#!/usr/bin/env bash
# tests/e2e/contract.sh -- The command-line contract every LogStream tool keeps (libinput's
# tool-option-parsing test plus coreutils' write-error test), checked over every tool binary:
# $LOGFILTER and any other log* executable in the same build tree (build/tools/*/log*), so a
# new tool is covered as soon as it is built.
#
#   LOGFILTER=build/tools/logfilter/logfilter LOGSTREAM_SOURCE_ROOT=. bash tests/e2e/contract.sh
#
# Checks, per tool: --help exits 0 and writes to stdout only; --version exits 0; an unknown
# option exits 64 with the "Try 'TOOL --help'" line; for tools that read standard input: output
# to /dev/full exits 74 with exactly "TOOL: error writing 'standard output': No space left on
# device", empty input, and '-' as standard input; every long option of --help appears in
# man/TOOL.1; every exit status of its EXIT STATUS section is in STYLE.md's table. Then
# `groff -man -ww -z` prints nothing on every page of man/.
#
# A collector (its usage line takes SOURCE operands, URLs, not FILEs: logcollect) reads no
# source unless one is named, and reads its sources concurrently, so "no operand", "FILE" and
# "FILE - FILE" do not apply: it gets the same checks with '-' named, and instead of the
# FILE/'-' equivalences, `TOOL - <INPUT` must equal `TOOL --once file:///ABSOLUTE/INPUT` byte
# for byte (the input's records carry their timestamps and source, so nothing depends on the
# kind of source or the time of the run).
set -uo pipefail

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${LOGFILTER:?set LOGFILTER to the logfilter binary}"
: "${LOGSTREAM_SOURCE_ROOT:?set LOGSTREAM_SOURCE_ROOT to the source tree}"
[[ -x $LOGFILTER ]] || fail "LOGFILTER='$LOGFILTER' is not executable"
man_dir=$LOGSTREAM_SOURCE_ROOT/man
[[ -d $man_dir ]] || fail "no man/ folder in LOGSTREAM_SOURCE_ROOT='$LOGSTREAM_SOURCE_ROOT'"

work=$(mktemp -d "${TMPDIR:-/tmp}/logstream-contract.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
export LC_ALL=C

T=()
if command -v timeout >/dev/null 2>&1; then T=(timeout -k 5 30); fi

# The exit statuses of STYLE.md's table.
allowed_status=" 0 1 64 65 66 69 70 73 74 75 78 "

# ---- The tools: $LOGFILTER, then every other build/tools/*/log* executable. ----
tools=("$(cd "$(dirname "$LOGFILTER")" && pwd)/$(basename "$LOGFILTER")")
tools_dir=$(cd "$(dirname "$LOGFILTER")/.." && pwd)
for candidate in "$tools_dir"/*/log*; do
  [[ -f $candidate && -x $candidate ]] || continue
  name=$(basename "$candidate")
  [[ $name =~ ^log[a-z]+$ ]] || continue   # not liblog*.so, *_test, logfilter.p/...
  [[ $candidate -ef ${tools[0]} ]] && continue
  tools+=("$candidate")
done
echo "tools under test: ${tools[*]}"

# A few hundred canonical records, enough to make a tool write something.
input=$work/input.ndjson
for ((i = 0; i < 2000; i++)); do
  printf '{"timestamp":"2025-05-13T00:00:%02d.%03dZ","source":"contract","level":"info","message":"record number %d of the contract input","fields":{"i":%d}}\n' \
    $((i % 60)) $((i % 1000)) "$i" "$i"
done >"$input"
one=$work/one.ndjson
echo '{"timestamp":"2025-05-13T00:00:00Z","source":"contract","level":"info","message":"one","fields":{}}' >"$one"

for tool in "${tools[@]}"; do
  name=$(basename "$tool")
  echo "== $name ($tool)"

  # --help: exit 0, something on stdout, nothing on stderr.
  check "$name --help exits 0 and writes to stdout only"
  "${T[@]}" "$tool" --help >"$work/help" 2>"$work/err" </dev/null
  rc=$?
  [[ $rc == 0 ]] || fail "$name --help: exit status $rc, expected 0"
  [[ -s $work/help ]] || fail "$name --help: nothing on standard output"
  [[ ! -s $work/err ]] || fail "$name --help: wrote to standard error: $(head -c 300 "$work/err")"

  check "$name --version exits 0"
  "${T[@]}" "$tool" --version >"$work/out" 2>"$work/err" </dev/null
  rc=$?
  [[ $rc == 0 ]] || fail "$name --version: exit status $rc, expected 0"
  [[ -s $work/out ]] || fail "$name --version: nothing on standard output"
  [[ ! -s $work/err ]] || fail "$name --version: wrote to standard error: $(head -c 300 "$work/err")"

  check "$name --no-such-option exits 64 with the Try line"
  "${T[@]}" "$tool" --no-such-option >"$work/out" 2>"$work/err" </dev/null
  rc=$?
  [[ $rc == 64 ]] || fail "$name --no-such-option: exit status $rc, expected 64"
  [[ ! -s $work/out ]] || fail "$name --no-such-option: wrote to standard output"
  grep -qxF "Try '$name --help' for more information." "$work/err" \
    || fail "$name --no-such-option: no line \"Try '$name --help' for more information.\" on stderr; got: $(cat "$work/err")"
  head -n 1 "$work/err" | grep -q "^$name: " \
    || fail "$name --no-such-option: the first stderr line does not start with '$name: ': $(head -n 1 "$work/err")"

  # Filters (usage says they read standard input and write standard output) get the input
  # checks; a tool that reads standard input into a store writes no standard output. A query
  # tool (usage mentions QUERY) takes its query as the first operand, so it gets -e '' first.
  if grep -qi 'standard input' "$work/help" && grep -qi 'standard output' "$work/help"; then
    pre=()
    grep -q 'QUERY' "$work/help" && pre=(-e '')
    collector=0
    grep -qE '^Usage: .*\[SOURCE\]' "$work/help" && collector=1 && pre=(-)

    check "$name >/dev/full exits 74 with the exact write-error message"
    if [[ -w /dev/full ]]; then
      "${T[@]}" "$tool" "${pre[@]}" <"$input" >/dev/full 2>"$work/err"
      rc=$?
      expected="$name: error writing 'standard output': No space left on device"
      [[ $rc == 74 ]] || fail "$name >/dev/full: exit status $rc, expected 74 (stderr: $(cat "$work/err"))"
      [[ $(cat "$work/err") == "$expected" ]] \
        || fail "$name >/dev/full: stderr is '$(cat "$work/err")', expected exactly '$expected'"
      # And with a single small record, written only when the output is flushed at exit.
      "${T[@]}" "$tool" "${pre[@]}" <"$one" >/dev/full 2>"$work/err"
      rc=$?
      [[ $rc == 74 && $(cat "$work/err") == "$expected" ]] \
        || fail "$name >/dev/full with one record: rc $rc, stderr '$(cat "$work/err")'; expected 74 and '$expected'"
    else
      echo "  skip: /dev/full is not available"
    fi

    check "$name with empty input writes nothing and exits 0 or 1"
    "${T[@]}" "$tool" "${pre[@]}" </dev/null >"$work/out" 2>"$work/err"
    rc=$?
    [[ ! -s $work/out ]] || fail "$name </dev/null: wrote to standard output: $(head -c 300 "$work/out")"
    [[ ! -s $work/err ]] || fail "$name </dev/null: wrote to standard error: $(cat "$work/err")"
    case $name in
      logfilter | logquery) [[ $rc == 1 ]] || fail "$name </dev/null: exit status $rc, expected 1 (no record selected)" ;;
      *) [[ $rc == 0 || $rc == 1 ]] || fail "$name </dev/null: exit status $rc, expected 0 or 1" ;;
    esac
    : >"$work/empty"
    if [[ $collector == 1 ]]; then
      empty_operand=(--once "file://$work/empty")
    else
      empty_operand=("${pre[@]}" "$work/empty")
    fi
    "${T[@]}" "$tool" "${empty_operand[@]}" >"$work/out" 2>"$work/err"
    rc=$?
    [[ ! -s $work/out && ! -s $work/err && ($rc == 0 || $rc == 1) ]] \
      || fail "$name ${empty_operand[*]}: rc $rc, stdout $(wc -c <"$work/out") bytes, stderr '$(cat "$work/err")'"

    check "$name reads '-' as standard input"
    if [[ $collector == 1 ]]; then
      "${T[@]}" "$tool" - <"$input" >"$work/out-dash" 2>"$work/err"
      rc=$?
      [[ $rc == 0 ]] || fail "$name -: exit status $rc, expected 0 (stderr: $(cat "$work/err"))"
      [[ -s $work/out-dash ]] || fail "$name -: no output"
      "${T[@]}" "$tool" --once "file://$input" <"$one" >"$work/out-file" 2>"$work/err"
      rc=$?
      [[ $rc == 0 ]] || fail "$name --once file://INPUT: exit status $rc, expected 0 (stderr: $(cat "$work/err"))"
      cmp -s "$work/out-dash" "$work/out-file" \
        || fail "$name -: output differs from $name --once file://INPUT"
    else
      "${T[@]}" "$tool" "${pre[@]}" - <"$input" >"$work/out-dash" 2>"$work/err"
      rc=$?
      [[ $rc == 0 ]] || fail "$name -: exit status $rc, expected 0 (stderr: $(cat "$work/err"))"
      "${T[@]}" "$tool" "${pre[@]}" <"$input" >"$work/out-stdin" 2>/dev/null
      "${T[@]}" "$tool" "${pre[@]}" "$input" >"$work/out-file" 2>/dev/null
      [[ -s $work/out-dash ]] || fail "$name -: no output"
      cmp -s "$work/out-dash" "$work/out-stdin" || fail "$name -: output differs from reading stdin without operand"
      cmp -s "$work/out-dash" "$work/out-file" || fail "$name -: output differs from reading the file by name"
      # '-' between files is read in its place.
      "${T[@]}" "$tool" "${pre[@]}" "$one" - "$one" <"$input" >"$work/out-mixed" 2>/dev/null
      cat "$one" "$input" "$one" | "${T[@]}" "$tool" "${pre[@]}" >"$work/out-cat" 2>/dev/null
      cmp -s "$work/out-mixed" "$work/out-cat" || fail "$name FILE - FILE: output differs from cat FILE - FILE | $name"
    fi
  else
    echo "  skip: $name does not read standard input (its --help does not say so)"
  fi

  # Every long option of --help is documented in the man page.
  page=$man_dir/$name.1
  check "every long option of $name --help appears in man/$name.1"
  [[ -f $page ]] || fail "$name: no man page $page"
  # The page's text with roff's \- made '-' and font escapes removed.
  sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\f\[[^]]*\]//g' -e 's/\\(em/-/g' \
    "$page" >"$work/page.txt"
  grep -oE -- '--[a-z][a-z0-9-]*' "$work/help" | sort -u >"$work/long-options"
  [[ -s $work/long-options ]] || fail "$name --help lists no long option"
  while read -r option; do
    grep -qE -- "(^|[^a-z0-9-])$option([^a-z0-9-]|\$)" "$work/page.txt" \
      || fail "$name: option '$option' is in --help but not in $page"
  done <"$work/long-options"
  echo "  $(wc -l <"$work/long-options") long options documented"

  check "every exit status in the EXIT STATUS section of man/$name.1 is in STYLE.md's table"
  sed -n '/^\.SH "\{0,1\}EXIT STATUS/,/^\.SH/p' "$page" | sed '$d' >"$work/exit-section"
  [[ -s $work/exit-section ]] || fail "$name: $page has no EXIT STATUS section"
  # Tagged statuses (.TP / .B 64 / .IP 64) and every number in the section's text.
  statuses=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$work/exit-section" | grep -v '^\.SH' \
             | grep -oE '(^|[^0-9A-Za-z.])[0-9]+([^0-9A-Za-z]|$)' | grep -oE '[0-9]+' | sort -un)
  [[ -n $statuses ]] || fail "$name: no exit status found in the EXIT STATUS section"
  for status in $statuses; do
    [[ $allowed_status == *" $status "* ]] \
      || fail "$name: exit status $status in $page EXIT STATUS is not in STYLE.md's table ($allowed_status)"
  done
  echo "  statuses: $(echo $statuses)"
done

# groff finds nothing to warn about on any page.
check "groff -man -ww -z prints nothing on every man page"
if command -v groff >/dev/null 2>&1; then
  pages=("$man_dir"/*.[0-9])
  [[ -e ${pages[0]} ]] || fail "no man pages in $man_dir"
  for page in "${pages[@]}"; do
    out=$(groff -man -ww -z "$page" 2>&1)
    [[ -z $out ]] || fail "groff -man -ww -z $page printed:"$'\n'"$out"
    echo "  ok $(basename "$page")"
  done
else
  echo "  skip: groff is not installed"
fi

echo "PASS: contract (${#tools[@]} tool(s))"
