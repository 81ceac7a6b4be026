#!/usr/bin/env bash
# tests/e2e/config_example.sh -- config.yaml.example holds real keys with their defaults:
#   - its top-level sections are exactly store, query, server, auth and tls (logfilter has
#     none, and collect: is only a comment);
#   - logstore --config stores records with it, and logquery --config reads them back, with
#     nothing on standard error;
#   - each key that is commented out ("unset"), once uncommented with its example value, is
#     accepted too (logstore stats for store:, logquery for query:);
#   - each value given in store: and query: is the default that the tool's --help states
#     ("(default 64M)"), where --help states one;
#   - an unknown key in store: or query: exits 78 naming it: the tools do read the file;
#   - with $LOGSERVE set (once logserve is built), logserve starts with the file and stops
#     on SIGTERM with status 0.
#
#   LOGSTORE=... LOGQUERY=... [LOGSERVE=...] LOGSTREAM_SOURCE_ROOT=. bash tests/e2e/config_example.sh
set -uo pipefail

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

root=${LOGSTREAM_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
default_build=$root/build
LOGSTORE=${LOGSTORE:-$default_build/tools/logstore/logstore}
LOGQUERY=${LOGQUERY:-$default_build/tools/logquery/logquery}
for bin in "$LOGSTORE" "$LOGQUERY"; do
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

check "the sections are store, query, server, auth and tls"
sections=$(grep -E '^[a-z_]+:' "$example" | cut -d: -f1 | tr '\n' ' ')
[[ $sections == "store query server auth tls " ]] || fail "top-level keys are '$sections'"

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
declare -A tool_of=([store]=logstore [query]=logquery)
for section in store query; do
  n=0
  while read -r key value; do
    n=$((n + 1))
    variant=$work/$section-$key.yaml
    sed -E "/^$section:/,/^[a-z_]+:/ s|^  # ($key: )|  \\1|" "$example" >"$variant"
    grep -qE "^  $key: " "$variant" || fail "test bug: '$section.$key' was not uncommented"
    if [[ $section == store ]]; then
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

check "the values in store: and query: are the defaults that --help states"
"$LOGSTORE" --help >"$work/help-store"
"$LOGQUERY" --help >"$work/help-query"
for section in store query; do
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

check "an unknown key in store: or query: exits 78 naming it"
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
