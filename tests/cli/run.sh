#!/usr/bin/env bash
# tests/cli/run.sh -- Golden CLI tests (lnav style): runs BINARY once per case directory of
# CASES_DIR and compares its standard output, standard error and exit status with the files
# `stdout`, `stderr` and `rc` of the case.
#
#   bash tests/cli/run.sh BINARY CASES_DIR [CASE...]
#   UPDATE=1 bash tests/cli/run.sh BINARY CASES_DIR    rewrites the expectations; review the diff
#
# A case is a directory holding `args` (one argument per line, so that arguments may contain
# spaces; an empty file means no argument) and optionally `stdin` (fed to standard input;
# without it standard input is /dev/null). The binary runs with the case directory as its
# working directory, so relative paths in `args` (../data/app.ndjson, rules.yaml) work.
# Directories without an `args` file (such as data/) are fixtures, not cases.
set -uo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 BINARY CASES_DIR [CASE...]" >&2
  exit 2
fi

binary=$1
cases_dir=$2
shift 2
if [[ ! -x $binary ]]; then
  echo "run.sh: '$binary' is not an executable file" >&2
  exit 2
fi
if [[ ! -d $cases_dir ]]; then
  echo "run.sh: '$cases_dir' is not a directory" >&2
  exit 2
fi
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
cases_dir=$(cd "$cases_dir" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/logstream-cli.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

# Every case gets the same, minimal environment: the tools promise not to depend on it, and
# the expectations must not depend on the machine that wrote them.
run_env=(env -i PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C TZ=UTC HOME="$work")
runner=()
if command -v timeout >/dev/null 2>&1; then runner=(timeout -k 5 30); fi

if [[ $# -gt 0 ]]; then
  names=("$@")
else
  names=()
  for dir in "$cases_dir"/*/; do
    dir=${dir%/}
    [[ -f $dir/args ]] && names+=("$(basename "$dir")")
  done
fi
if [[ ${#names[@]} -eq 0 ]]; then
  echo "run.sh: no cases in '$cases_dir'" >&2
  exit 2
fi

passed=0
failed=0
failed_names=()
for name in "${names[@]}"; do
  dir=$cases_dir/$name
  if [[ ! -f $dir/args ]]; then
    echo "FAIL $name (no such case: $dir/args is missing)"
    failed=$((failed + 1)); failed_names+=("$name")
    continue
  fi
  args=()
  mapfile -t args <"$dir/args"
  input=/dev/null
  [[ -f $dir/stdin ]] && input=$dir/stdin
  (cd "$dir" && "${run_env[@]}" "${runner[@]}" "$binary" "${args[@]}" <"$input" \
      >"$work/stdout" 2>"$work/stderr")
  echo "$?" >"$work/rc"

  if [[ ${UPDATE:-0} == 1 ]]; then
    cp "$work/stdout" "$dir/stdout"
    cp "$work/stderr" "$dir/stderr"
    cp "$work/rc" "$dir/rc"
    echo "updated $name (rc $(cat "$work/rc"))"
    passed=$((passed + 1))
    continue
  fi

  ok=1
  report=""
  for part in rc stdout stderr; do
    if [[ ! -f $dir/$part ]]; then
      ok=0
      report+="  missing expectation file $dir/$part (run with UPDATE=1 to create it)"$'\n'
    elif ! cmp -s "$dir/$part" "$work/$part"; then
      ok=0
      report+="  $part differs (--- expected, +++ actual):"$'\n'
      report+=$(diff -u --label "expected/$part" --label "actual/$part" "$dir/$part" "$work/$part" \
                  | head -n 60 | sed -e "s/\r/\\\\r/g" | sed 's/^/    /')$'\n'
    fi
  done
  if [[ $ok == 1 ]]; then
    echo "ok $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    printf '  command: (cd %q && %q' "$dir" "$binary"
    [[ ${#args[@]} -gt 0 ]] && printf ' %q' "${args[@]}"
    [[ $input != /dev/null ]] && printf ' < stdin'
    printf ')\n'
    printf '%s' "$report"
    failed=$((failed + 1)); failed_names+=("$name")
  fi
done

echo
echo "$passed passed, $failed failed"
if [[ $failed -gt 0 ]]; then
  echo "failed cases: ${failed_names[*]}"
  exit 1
fi
exit 0
