#!/usr/bin/env bash
# tests/e2e/config_example.sh -- config.yaml.example holds real keys with their defaults:
#   - its top-level sections are exactly store, query, server, auth, tls and collect
#     (logfilter has none);
#   - logstore --config stores records with it, and logquery --config reads them back, with
#     nothing on standard error;
#   - logcollect --config reads standard input with it (--once -), with nothing on standard
#     error;
#   - each key that is commented out ("unset"), once uncommented with its example value, is
#     accepted too (logstore stats for store:, logquery for query:, logcollect --once - for
#     collect:, with /var/lib/ paths moved into the test's directory); the commented
#     collect.sources example, uncommented whole, is accepted by the configuration parser;
#   - each value given in store:, query: and collect: is the default that the tool's --help
#     states ("(default 64M)"), where --help states one;
#   - an unknown key in store:, query:, collect: or a collect.sources entry exits 78 naming it:
#     the tools do read the file;
#   - with $LOGSERVE set (once logserve is built), logserve starts with the file and stops
#     on SIGTERM with status 0.
#
#   LOGSTORE=... LOGQUERY=... LOGCOLLECT=... [LOGSERVE=...] LOGSTREAM_SOURCE_ROOT=. \
#     bash tests/e2e/config_example.sh
set -uo pipefail

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

root=${LOGSTREAM_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
default_build=$root/build
LOGSTORE=${LOGSTORE:-$default_build/tools/logstore/logstore}
LOGQUERY=${LOGQUERY:-$default_build/tools/logquery/logquery}
LOGCOLLECT=${LOGCOLLECT:-$default_build/tools/logcollect/logcollect}
for bin in "$LOGSTORE" "$LOGQUERY" "$LOGCOLLECT"; do
  [[ -x $bin ]] || fail "'$bin' is not executable"
done
example=$root/config.yaml.example
[[ -f $example ]] || fail "no $example"

work=$(mktemp -d "${TMPDIR:-/tmp}/logstream-config.XXXXXX") || exit 2
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill -9 "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export LC_ALL=C
unset LOGSTREAM_STORE
T=()
if command -v timeout >/dev/null 2>&1; then T=(timeout -k 5 30); fi

check "the sections are store, query, server, auth, tls and collect"
sections=$(grep -E '^[a-z_]+:' "$example" | cut -d: -f1 | tr '\n' ' ')
[[ $sections == "store query server auth tls collect " ]] || fail "top-level keys are '$sections'"

check "logstore --config stores records, logquery --config reads them back"
for ((i = 0; i < 100; i++)); do
  printf '{"timestamp":"2025-05-13T00:00:%02dZ","source":"config","level":"info","message":"record %d"}\n' \
    $((i % 60)) "$i"
done >"$work/records.ndjson"
store=$work/store
"$LOGSTORE" --config "$example" "$store" <"$work/records.ndjson" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 && ! -s $work/err ]] || fail "logstore --config: exit status $rc, stderr: $(cat "$work/err")"
"$LOGSTORE" --config "$example" stats "$store" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 && ! -s $work/err ]] || fail "logstore --config stats: exit status $rc, stderr: $(cat "$work/err")"
"$LOGQUERY" --config "$example" --store "$store" '' >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 && ! -s $work/err ]] || fail "logquery --config: exit status $rc, stderr: $(cat "$work/err")"
[[ $(wc -l <"$work/out") == 100 ]] || fail "logquery --config: $(wc -l <"$work/out") records, expected 100"

check "logcollect --config --once - reads standard input with it"
"$LOGCOLLECT" --config "$example" --once - <"$work/records.ndjson" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 && ! -s $work/err ]] || fail "logcollect --config: exit status $rc, stderr: $(cat "$work/err")"
[[ $(wc -l <"$work/out") == 100 ]] || fail "logcollect --config: $(wc -l <"$work/out") records, expected 100"
"$LOGCOLLECT" --config "$example" --once - </dev/null >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 && ! -s $work/out && ! -s $work/err ]] \
  || fail "logcollect --config, empty input: exit status $rc, stdout $(wc -c <"$work/out") bytes, stderr: $(cat "$work/err")"

# section_keys SECTION: "key value" for each key of SECTION written "  key: value  # ..."
# (uncommented) or, with COMMENTED=1, "  # key: value  # ...".
section_keys() {
  awk -v section="$1" -v commented="${COMMENTED:-0}" '
    /^[a-z_]+:/ { in_section = ($0 ~ "^" section ":") ; next }
    !in_section { next }
    commented == 1 && match($0, /^  # [a-z_]+: /) { line = substr($0, 5) }
    commented == 0 && match($0, /^  [a-z_]+: /) { line = substr($0, 3) }
    line != "" {
      sub(/ +#.*/, "", line)
      key = line; sub(/:.*/, "", key)
      value = line; sub(/^[a-z_]+: */, "", value)
      print key, value
      line = ""
    }' "$example"
}

check "each key that is commented out is accepted once uncommented"
declare -A tool_of=([store]=logstore [query]=logquery [collect]=logcollect)
for section in store query collect; do
  n=0
  while read -r key value; do
    n=$((n + 1))
    variant=$work/$section-$key.yaml
    # /var/lib/... paths (collect: state, spool, dead_letter) are moved into $work.
    sed -E -e "/^$section:/,/^[a-z_]+:/ s|^  # ($key: )|  \\1|" \
      -e "/^collect:/,/^[a-z_]+:/ s|/var/lib/|$work/var-lib/|" "$example" >"$variant"
    grep -qE "^  $key: " "$variant" || fail "test bug: '$section.$key' was not uncommented"
    if [[ $section == collect && ($key == output || $key == metrics) ]]; then
      # The address need not be reachable or free: the key only must not be refused.
      "$LOGCOLLECT" --config "$variant" --once - </dev/null >/dev/null 2>"$work/err"
      rc=$?
      [[ $rc != 64 && $rc != 78 ]] && ! grep -qF "$variant" "$work/err" \
        || fail "logcollect with collect.$key: $value uncommented: exit status $rc, stderr: $(cat "$work/err")"
    elif [[ $section == collect ]]; then
      "$LOGCOLLECT" --config "$variant" --once - </dev/null >/dev/null 2>"$work/err"
      rc=$?
      [[ $rc == 0 && ! -s $work/err ]] \
        || fail "logcollect with collect.$key: $value uncommented: exit status $rc, stderr: $(cat "$work/err")"
    elif [[ $section == store ]]; then
      "$LOGSTORE" --config "$variant" stats "$store" >/dev/null 2>"$work/err"
      rc=$?
      [[ $rc == 0 && ! -s $work/err ]] \
        || fail "logstore with store.$key: $value uncommented: exit status $rc, stderr: $(cat "$work/err")"
    elif [[ $key == store || $key == server ]]; then
      # The store or server named there need not exist: the key only must not be refused.
      "$LOGQUERY" --config "$variant" '' >/dev/null 2>"$work/err"
      rc=$?
      [[ $rc != 78 ]] && ! grep -qF "$variant" "$work/err" \
        || fail "logquery with query.$key: $value uncommented: exit status $rc, stderr: $(cat "$work/err")"
    else
      "$LOGQUERY" --config "$variant" --store "$store" '' >/dev/null 2>"$work/err"
      rc=$?
      [[ $rc == 0 && ! -s $work/err ]] \
        || fail "logquery with query.$key: $value uncommented: exit status $rc, stderr: $(cat "$work/err")"
    fi
  done < <(COMMENTED=1 section_keys "$section")
  echo "  ${tool_of[$section]}: $n commented-out keys accepted"
done

check "the commented collect.sources example is accepted once uncommented"
# Every line of the block ("  # sources:" and the "  #   ..." lines under it) is uncommented.
sed -E '/^collect:/,/^[a-z_]+:/ { /^  # sources:/,/^$/ s/^  # /  / }' "$example" >"$work/sources.yaml"
grep -qE '^    - url: https://' "$work/sources.yaml" || fail "test bug: collect.sources was not uncommented"
grep -qE '^  #' <(sed -n '/^  sources:/,/^$/p' "$work/sources.yaml") \
  && fail "test bug: a line of collect.sources is still commented"
# Its sources are real paths and addresses, which need not exist here (--once: 66 for a
# missing file, checked before any source starts), and kinds of source may not be built yet
# (64, "is not available"): only the configuration must be accepted, and every configuration
# error names the file.
"${T[@]}" "$LOGCOLLECT" --config "$work/sources.yaml" --once </dev/null >/dev/null 2>"$work/err"
rc=$?
[[ $rc != 78 ]] && ! grep -qF "$work/sources.yaml" "$work/err" \
  || fail "logcollect with collect.sources uncommented: exit status $rc, stderr: $(cat "$work/err")"
if [[ $rc == 64 ]]; then
  grep -qF 'this kind of source is not available' "$work/err" \
    || fail "logcollect with collect.sources uncommented: exit status 64, stderr: $(cat "$work/err")"
fi
# And the check can fail: a misspelt key in an entry is refused, naming it.
sed -E 's|^(    - url: https://.*)$|\1\n      intervall: 10s|' "$work/sources.yaml" >"$work/bad-sources.yaml"
"$LOGCOLLECT" --config "$work/bad-sources.yaml" --once </dev/null >/dev/null 2>"$work/err"
rc=$?
[[ $rc == 78 ]] && grep -qF "unknown key 'collect.sources.intervall'" "$work/err" \
  || fail "logcollect with collect.sources.intervall: exit status $rc, stderr: $(cat "$work/err")"

check "the values in store:, query: and collect: are the defaults that --help states"
"$LOGSTORE" --help >"$work/help-store"
"$LOGQUERY" --help >"$work/help-query"
"$LOGCOLLECT" --help >"$work/help-collect"
for section in store query collect; do
  n=0
  while read -r key value; do
    option=--${key//_/-}
    stated=$(grep -E -- "$option=[A-Z]" "$work/help-$section" | grep -oE '\(default [^) ]+\)' | head -n 1)
    [[ -n $stated ]] || continue
    stated=${stated#(default }
    stated=${stated%)}
    [[ $value == "$stated" ]] || fail "$section.$key is '$value' in the example; ${tool_of[$section]} --help says the default is '$stated'"
    n=$((n + 1))
  done < <(section_keys "$section")
  ((n > 0)) || fail "test bug: no default of ${tool_of[$section]} --help compared"
  echo "  ${tool_of[$section]}: $n defaults agree with --help"
done

check "an unknown key in store:, query: or collect: exits 78 naming it"
sed 's|^store:$|store:\n  no_such_key: 1|' "$example" >"$work/bad-store.yaml"
"$LOGSTORE" --config "$work/bad-store.yaml" stats "$store" >/dev/null 2>"$work/err"
rc=$?
[[ $rc == 78 ]] && grep -qF "unknown key 'store.no_such_key'" "$work/err" \
  || fail "logstore with store.no_such_key: exit status $rc, stderr: $(cat "$work/err")"
sed 's|^query:$|query:\n  no_such_key: 1|' "$example" >"$work/bad-query.yaml"
"$LOGQUERY" --config "$work/bad-query.yaml" --store "$store" '' >/dev/null 2>"$work/err"
rc=$?
[[ $rc == 78 ]] && grep -qF "unknown key 'query.no_such_key'" "$work/err" \
  || fail "logquery with query.no_such_key: exit status $rc, stderr: $(cat "$work/err")"
sed 's|^collect:$|collect:\n  no_such_key: 1|' "$example" >"$work/bad-collect.yaml"
"$LOGCOLLECT" --config "$work/bad-collect.yaml" --once - </dev/null >/dev/null 2>"$work/err"
rc=$?
[[ $rc == 78 ]] && grep -qF "unknown key 'collect.no_such_key'" "$work/err" \
  || fail "logcollect with collect.no_such_key: exit status $rc, stderr: $(cat "$work/err")"

check "logserve starts with the file and stops on SIGTERM"
if [[ -n ${LOGSERVE:-} && -x ${LOGSERVE:-} ]]; then
  "$LOGSERVE" --config "$example" --port 0 --store "$work/serve-store" >/dev/null 2>"$work/serve.err" &
  server_pid=$!
  for ((i = 0; i < 200; i++)); do
    grep -q 'listening on' "$work/serve.err" && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  grep -q 'listening on' "$work/serve.err" || fail "logserve --config did not start: $(cat "$work/serve.err")"
  kill -TERM "$server_pid"
  wait "$server_pid"
  rc=$?
  server_pid=
  [[ $rc == 0 ]] || fail "logserve --config: exit status $rc after SIGTERM, stderr: $(cat "$work/serve.err")"
else
  echo "  skip: \$LOGSERVE is not set (no logserve in this build)"
fi

echo "PASS: config_example"
