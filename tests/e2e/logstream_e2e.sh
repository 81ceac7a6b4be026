#!/usr/bin/env bash
# tests/e2e/logstream_e2e.sh -- The logstream dispatcher (tools/logstream), through the real
# binary:
#   - --help lists every command and its tool; --version; no command, an unknown command and
#     an unknown option before the command exit 64 with one error line and the Try line;
#   - in the build tree, filter, store and query run logfilter, logstore and logquery (found
#     in ../TOOL/TOOL): the same output, stderr and exit status as the tool run directly,
#     including the README's `logstream query "level:error" --limit=100 --from=...` with
#     LOGSTREAM_STORE, options after the command going to the tool, and `--`;
#   - with a copy of logstream and stand-in tools in a scratch tree: the lookup order (beside
#     the executable, then ../TOOL/TOOL, then PATH; a file that is not executable, or a
#     directory, is passed over), argv[0] is the tool's name, the arguments (the seed's
#     `serve --host=0.0.0.0 --port=8000`, empty ones, spaces) arrive unchanged, standard input
#     and the exit status pass through; a missing tool exits 69 with "logstream: 'collect'
#     needs logcollect, which is not installed", and a tool that cannot be run exits 69;
#   - when the build tree has logserve, `logstream serve --help` is logserve's help.
#
#   LOGSTREAM=build/tools/logstream/logstream LOGFILTER=... LOGSTORE=... LOGQUERY=... \
#     bash tests/e2e/logstream_e2e.sh
# (each defaults to its place under the source tree's build/ when unset).
set -uo pipefail

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

default_build=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build
LOGSTREAM=${LOGSTREAM:-$default_build/tools/logstream/logstream}
LOGFILTER=${LOGFILTER:-$default_build/tools/logfilter/logfilter}
LOGSTORE=${LOGSTORE:-$default_build/tools/logstore/logstore}
LOGQUERY=${LOGQUERY:-$default_build/tools/logquery/logquery}
for bin in "$LOGSTREAM" "$LOGFILTER" "$LOGSTORE" "$LOGQUERY"; do
  [[ -x $bin ]] || fail "'$bin' is not executable"
done
BASH_BIN=$(command -v bash) || fail "bash is not in PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/logstream-e2e.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
export LC_ALL=C
unset LOGSTREAM_STORE BASH_ENV ENV
LSM=$LOGSTREAM
try_line="Try 'logstream --help' for more information."

# run OUT ERR CMD...: runs CMD with stdin from /dev/null, sets $rc.
run() {
  local out=$1 err=$2
  shift 2
  "$@" >"$out" 2>"$err" </dev/null
  rc=$?
}

# expect_usage WHAT MESSAGE CMD...: CMD exits 64 and writes nothing on stdout, and on stderr
# exactly "logstream: MESSAGE" and the Try line.
expect_usage() {
  local what=$1 message=$2
  shift 2
  run "$work/out" "$work/err" "$@"
  [[ $rc == 64 ]] || fail "$what: exit status $rc, expected 64 (stderr: $(cat "$work/err"))"
  [[ ! -s $work/out ]] || fail "$what: wrote to standard output: $(head -c 300 "$work/out")"
  printf 'logstream: %s\n%s\n' "$message" "$try_line" >"$work/expected"
  cmp -s "$work/err" "$work/expected" \
    || fail "$what: stderr is '$(cat "$work/err")', expected '$(cat "$work/expected")'"
}

# ---- 1. The dispatcher's own options and errors ----
check "--help lists every command with its tool, on stdout only"
run "$work/help" "$work/err" "$LSM" --help
[[ $rc == 0 ]] || fail "--help: exit status $rc"
[[ ! -s $work/err ]] || fail "--help wrote to stderr: $(cat "$work/err")"
for pair in collect:logcollect filter:logfilter store:logstore query:logquery serve:logserve; do
  grep -qE "^  ${pair%%:*} +${pair#*:}: " "$work/help" || fail "--help has no line for '${pair%%:*}' running ${pair#*:}"
done

check "--version names logstream and the version of the other tools"
run "$work/out" "$work/err" "$LSM" --version
[[ $rc == 0 && ! -s $work/err ]] || fail "--version: rc $rc, stderr '$(cat "$work/err")'"
version=$("$LOGQUERY" --version | awk '{print $NF}')
[[ $(cat "$work/out") == "logstream (LogStream) $version" ]] \
  || fail "--version printed '$(cat "$work/out")', expected 'logstream (LogStream) $version'"

check "no command, an unknown command, an unknown option: 64 with one error line and the Try line"
expect_usage "logstream" "missing command" "$LSM"
expect_usage "logstream frobnicate" "unknown command 'frobnicate'" "$LSM" frobnicate
expect_usage "logstream logquery" "unknown command 'logquery'" "$LSM" logquery
expect_usage "logstream --bogus query" "unrecognized option '--bogus'" "$LSM" --bogus query
expect_usage "logstream -x query" "unrecognized option '-x'" "$LSM" -x query
expect_usage "logstream --help=x" "option '--help' doesn't allow an argument" "$LSM" --help=x

# ---- 2. The real tools, found in the build tree (../TOOL/TOOL) ----
# same_as WHAT TOOL_ARGV... :: LOGSTREAM_ARGV...: both commands, stdin from $work/stdin, give
# the same stdout, stderr and exit status; sets $rc to it.
same_as() {
  local what=$1
  shift
  local direct=()
  while [[ $# -gt 0 && $1 != "::" ]]; do
    direct+=("$1")
    shift
  done
  [[ $# -gt 1 ]] || fail "test bug: same_as '$what' without '::'"
  shift
  "${direct[@]}" <"$work/stdin" >"$work/d.out" 2>"$work/d.err"
  local direct_rc=$?
  "$@" <"$work/stdin" >"$work/v.out" 2>"$work/v.err"
  rc=$?
  [[ $rc == "$direct_rc" ]] || fail "$what: exit status $rc through logstream, $direct_rc directly (stderr: $(head -c 300 "$work/v.err"))"
  cmp -s "$work/d.out" "$work/v.out" || fail "$what: standard output differs from the tool run directly"
  cmp -s "$work/d.err" "$work/v.err" \
    || fail "$what: stderr '$(head -c 300 "$work/v.err")' differs from the tool's '$(head -c 300 "$work/d.err")'"
}

# 300 records: 50 on 30 April, 250 on 13 May; every other one an error.
for ((i = 0; i < 300; i++)); do
  day=2025-05-13
  ((i < 50)) && day=2025-04-30
  level=info
  ((i % 2 == 0)) && level=error
  printf '{"timestamp":"%sT%02d:%02d:%02dZ","source":"app","level":"%s","message":"record %d","fields":{"i":%d}}\n' \
    "$day" $((i / 3600)) $((i / 60 % 60)) $((i % 60)) "$level" "$i" "$i"
done >"$work/records.ndjson"

check "filter: logfilter's output, messages and exit status (0, 1, 64)"
cp "$work/records.ndjson" "$work/stdin"
same_as "filter level:error" "$LOGFILTER" level:error :: "$LSM" filter level:error
[[ $rc == 0 && $(wc -l <"$work/v.out") == 150 ]] || fail "filter level:error: rc $rc, $(wc -l <"$work/v.out") records, expected 0 and 150"
same_as "filter -c level:warn (nothing selected)" "$LOGFILTER" -c level:warn :: "$LSM" filter -c level:warn
[[ $rc == 1 && $(cat "$work/v.out") == 0 ]] || fail "filter -c level:warn: rc $rc, output '$(cat "$work/v.out")', expected 1 and 0"
same_as "filter -e with a negated query" "$LOGFILTER" -e -level:error :: "$LSM" filter -e -level:error
[[ $(wc -l <"$work/v.out") == 150 ]] || fail "filter -e -level:error: $(wc -l <"$work/v.out") records, expected 150"
same_as "filter --no-such-option" "$LOGFILTER" --no-such-option :: "$LSM" filter --no-such-option
[[ $rc == 64 ]] || fail "filter --no-such-option: exit status $rc, expected 64"
grep -qxF "Try 'logfilter --help' for more information." "$work/v.err" \
  || fail "filter --no-such-option: the message does not come from logfilter: $(cat "$work/v.err")"
: >"$work/stdin"
same_as "filter --help" "$LOGFILTER" --help :: "$LSM" filter --help
same_as "store --help" "$LOGSTORE" --help :: "$LSM" store --help
same_as "query --help" "$LOGQUERY" --help :: "$LSM" query --help
same_as "query --version" "$LOGQUERY" --version :: "$LSM" query --version
[[ $rc == 0 ]] || fail "query --version: exit status $rc"

check "store: logstream store DIR stores standard input; stats and verify"
store=$work/store
"$LSM" store "$store" <"$work/records.ndjson" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 && ! -s $work/out && ! -s $work/err ]] \
  || fail "logstream store DIR: rc $rc, stdout '$(head -c 200 "$work/out")', stderr '$(head -c 300 "$work/err")'"
"$LSM" store stats "$store" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 ]] || fail "logstream store stats: rc $rc, stderr $(cat "$work/err")"
grep -q '300' "$work/out" || fail "logstream store stats does not report 300 records: $(head -c 300 "$work/out")"
run "$work/out" "$work/err" "$LSM" store verify "$store"
[[ $rc == 0 ]] || fail "logstream store verify: rc $rc, stderr $(cat "$work/err")"
same_as "store missing directory (a usage error of logstore)" "$LOGSTORE" :: "$LSM" store
[[ $rc == 64 ]] && grep -q '^logstore: ' "$work/v.err" \
  || fail "logstream store (no DIR): rc $rc, stderr '$(cat "$work/v.err")'; expected 64 from logstore"

check "query: the README's example with LOGSTREAM_STORE gives logquery's answer"
export LOGSTREAM_STORE=$store
same_as 'query "level:error" --limit=100 --from=...' \
  "$LOGQUERY" "level:error" --limit=100 --from="2025-05-01T00:00:00Z" :: \
  "$LSM" query "level:error" --limit=100 --from="2025-05-01T00:00:00Z"
[[ $rc == 0 && $(wc -l <"$work/v.out") == 100 ]] \
  || fail "the README's query: rc $rc, $(wc -l <"$work/v.out") records, expected 0 and 100"
grep -q '"2025-04-30' "$work/v.out" && fail "the README's query returned a record from before --from"
grep -qv '"level":"error"' "$work/v.out" && fail "the README's query returned a record that is not an error"
same_as "query '| count by level'" "$LOGQUERY" -o ndjson '| count by level' :: "$LSM" query -o ndjson '| count by level'
grep -q '150' "$work/v.out" || fail "query '| count by level' does not count 150: $(cat "$work/v.out")"
same_as "query -- -level:error (the -- reaches logquery)" "$LOGQUERY" -- -level:error :: \
  "$LSM" query -- -level:error
[[ $rc == 0 && $(wc -l <"$work/v.out") == 150 ]] \
  || fail "query -- -level:error: rc $rc, $(wc -l <"$work/v.out") records, expected 0 and 150"
same_as "query level:warn (nothing matches)" "$LOGQUERY" level:warn :: "$LSM" query level:warn
[[ $rc == 1 ]] || fail "query level:warn: exit status $rc, expected 1"
unset LOGSTREAM_STORE
same_as "query without a store" "$LOGQUERY" level:error :: "$LSM" query level:error
[[ $rc == 64 ]] || fail "query without a store: exit status $rc, expected 64"

check "serve: logserve's help when the build tree has logserve"
logserve=$(dirname "$LSM")/../logserve/logserve
if [[ -x $logserve ]]; then
  same_as "serve --help" "$logserve" --help :: "$LSM" serve --help
  [[ $rc == 0 ]] || fail "logstream serve --help: exit status $rc"
  same_as "serve --version" "$logserve" --version :: "$LSM" serve --version
  [[ $(cut -d' ' -f1 "$work/v.out") == logserve ]] || fail "logstream serve --version: '$(cat "$work/v.out")'"
else
  echo "  skip: no logserve in this build tree"
fi
check "collect: the seed's collect command runs logcollect"
logcollect=$(dirname "$LSM")/../logcollect/logcollect
if [[ -x $logcollect ]]; then
  same_as "collect --help" "$logcollect" --help :: "$LSM" collect --help
  [[ $rc == 0 ]] || fail "logstream collect --help: exit status $rc"
  printf '{"timestamp":"2026-11-26T00:00:00Z","source":"s","message":"m"}\n' >"$work/one.log"
  same_as "collect --sources=file://... --once" "$logcollect" --once "--sources=file://$work/one.log" :: \
    "$LSM" collect --once "--sources=file://$work/one.log"
  [[ $rc == 0 && $(wc -l <"$work/v.out") == 1 ]] || fail "logstream collect --once: rc $rc"
fi
if [[ ! -e $(dirname "$LSM")/../logcollect/logcollect ]]; then
  check "collect in the build tree without logcollect: 69"
  run "$work/out" "$work/err" env PATH=/nonexistent "$LSM" collect --sources=file:///var/log/syslog
  [[ $rc == 69 ]] || fail "logstream collect: exit status $rc, expected 69"
fi

# ---- 3. The lookup order, argv[0] and arguments, with stand-in tools ----
# tree/bin/logstream    a copy of the dispatcher (a copy: /proc/self/exe of a symlink is
#                       its target)
# tree/bin/logcollect   beside it
# tree/logcollect/logcollect   ../TOOL/TOOL from tree/bin
# path/logcollect       in PATH
tree=$work/tree
mkdir -p "$tree/bin" "$tree/logcollect" "$work/path" "$work/empty"
cp "$LSM" "$tree/bin/logstream" || fail "cannot copy $LSM"
stub() {  # stub FILE NAME: a stand-in tool that prints NAME and its arguments, one per line
  printf '#!/bin/sh\necho "%s"\nfor a in "$@"; do echo "[$a]"; done\n' "$2" >"$1"
  chmod +x "$1"
}
stub "$work/path/logcollect" "from PATH"
stub "$work/path/logserve" "logserve from PATH"
stub "$tree/logcollect/logcollect" "from ../logcollect/logcollect"
ln -s "$BASH_BIN" "$tree/bin/logcollect"
L=$tree/bin/logstream
P=$work/path:/usr/bin:/bin

check "beside the executable first, with argv[0] the tool's name"
run "$work/out" "$work/err" env PATH="$P" "$L" collect -c 'echo "argv0=$0"'
[[ $rc == 0 && $(cat "$work/out") == "argv0=logcollect" ]] \
  || fail "beside: rc $rc, output '$(cat "$work/out")', expected 'argv0=logcollect' (stderr: $(cat "$work/err"))"

check "a non-executable file or a directory beside it is passed over: ../TOOL/TOOL next"
rm "$tree/bin/logcollect"
echo "not a program" >"$tree/bin/logcollect"
run "$work/out" "$work/err" env PATH="$P" "$L" collect a
[[ $rc == 0 && $(head -n 1 "$work/out") == "from ../logcollect/logcollect" ]] \
  || fail "../TOOL/TOOL: rc $rc, output '$(head -n 1 "$work/out")' (stderr: $(cat "$work/err"))"
rm "$tree/bin/logcollect"
mkdir "$tree/bin/logcollect"
run "$work/out" "$work/err" env PATH="$P" "$L" collect a
[[ $(head -n 1 "$work/out") == "from ../logcollect/logcollect" ]] \
  || fail "a directory beside the dispatcher was not passed over: '$(head -n 1 "$work/out")' (stderr: $(cat "$work/err"))"

check "then PATH"
rm -r "$tree/logcollect"
run "$work/out" "$work/err" env PATH="$work/empty:$P" "$L" collect a
[[ $rc == 0 && $(head -n 1 "$work/out") == "from PATH" ]] \
  || fail "PATH: rc $rc, output '$(head -n 1 "$work/out")' (stderr: $(cat "$work/err"))"

check "arguments arrive unchanged: the seed's serve and collect examples, spaces, empty ones"
run "$work/out" "$work/err" env PATH="$P" "$L" serve --host=0.0.0.0 --port=8000
printf '%s\n' "logserve from PATH" "[--host=0.0.0.0]" "[--port=8000]" >"$work/expected"
cmp -s "$work/out" "$work/expected" || fail "serve --host --port: got '$(cat "$work/out")'"
run "$work/out" "$work/err" env PATH="$P" "$L" serve --config=/path/to/config.yaml
[[ $(sed -n 2p "$work/out") == "[--config=/path/to/config.yaml]" ]] || fail "serve --config: got '$(cat "$work/out")'"
run "$work/out" "$work/err" env PATH="$P" "$L" collect --sources=file:///var/log/syslog,https://api.example.com/logs \
  "two words" "" -- --help "*"
printf '%s\n' "from PATH" "[--sources=file:///var/log/syslog,https://api.example.com/logs]" "[two words]" "[]" \
  "[--]" "[--help]" "[*]" >"$work/expected"
cmp -s "$work/out" "$work/expected" || fail "collect ARGS: got '$(cat "$work/out")', expected '$(cat "$work/expected")'"

check "standard input and the exit status pass through"
printf '#!/bin/sh\ncat\nexit 75\n' >"$work/path/logcollect"
echo "some input" | env PATH="$P" "$L" collect >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 75 && $(cat "$work/out") == "some input" ]] \
  || fail "stdin/exit status: rc $rc, output '$(cat "$work/out")', expected 75 and 'some input'"

check "a tool that is not installed: 69 and the message naming it"
rm "$work/path/logcollect"
run "$work/out" "$work/err" env PATH="$work/empty:$P" "$L" collect --sources=file:///var/log/syslog
[[ $rc == 69 && ! -s $work/out ]] || fail "missing logcollect: rc $rc, expected 69"
printf '%s\n' "logstream: 'collect' needs logcollect, which is not installed" "$try_line" >"$work/expected"
cmp -s "$work/err" "$work/expected" || fail "missing logcollect: stderr '$(cat "$work/err")'"
run "$work/out" "$work/err" env -u PATH "$L" collect
[[ $rc == 69 ]] || fail "missing logcollect, PATH unset: rc $rc, expected 69"

check "a tool that cannot be run: 69 and the reason"
printf 'not a program\n' >"$work/path/logcollect"
chmod +x "$work/path/logcollect"
run "$work/out" "$work/err" env PATH="$P" "$L" collect
[[ $rc == 69 ]] || fail "unrunnable logcollect: rc $rc, expected 69"
[[ $(head -n 1 "$work/err") == "logstream: cannot run '$work/path/logcollect': Exec format error" ]] \
  || fail "unrunnable logcollect: stderr '$(cat "$work/err")'"

echo "PASS: logstream_e2e"
