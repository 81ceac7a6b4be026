#!/usr/bin/env bash
# tests/e2e/logcollect_http.sh -- logcollect's http(s):// source against a test server
# (logcollect_http_server.py) whose `since` is inclusive, through the real binary:
#   - a JSON array and gzip-encoded NDJSON become one record per element or line;
#   - the cursor: the next poll asks since=<newest timestamp>; records at that timestamp that
#     the server sends again are not delivered twice, across polls, across --once runs and
#     across a restart with --state (SIGTERM while polling), and new ones at it still are;
#   - 503 answers back off (growing gaps between polls), are reported once (rate-limited),
#     and the records come once the server recovers;
#   - a bearer token file is sent;
#   - HTTPS with a self-signed certificate made here: --ca-file works, no CA fails and says
#     why, --no-tls-verify works.
#
#   LOGCOLLECT=... bash tests/e2e/logcollect_http.sh
# Needs python3 (standard library only) and openssl. Failed properties are listed at the end.

# shellcheck disable=SC2015
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

default_build=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build
LOGCOLLECT=${LOGCOLLECT:-$default_build/tools/logcollect/logcollect}
[[ -x $LOGCOLLECT ]] || fail "'$LOGCOLLECT' is not executable"
for tool in python3 openssl; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is required"
done
server_py=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/logcollect_http_server.py

work=$(mktemp -d "${TMPDIR:-/tmp}/logcollect-http.XXXXXX") || exit 2
bg_pids=()
cleanup() {
  local pid
  for pid in "${bg_pids[@]}"; do
    [[ $(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ') == "$$" ]] && kill -9 "$pid" 2>/dev/null
  done
  for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export LC_ALL=C

failures=()
bad() {
  echo "  FAIL: $*" >&2
  failures+=("$*")
}

# start_server NAME [CERT KEY]: the test server in the background; sets port_NAME.
start_server() {
  local name=$1
  shift
  python3 "$server_py" "$work/$name.port" "$work/$name.requests" "$@" 2>"$work/$name.err" &
  bg_pids+=($!)
  disown $!  # killed at the end: no "Killed" line from the shell
  for _ in $(seq 100); do
    [[ -s $work/$name.port ]] && break
    sleep 0.05
  done
  [[ -s $work/$name.port ]] || fail "the $name server did not start: $(cat "$work/$name.err")"
  printf -v "port_$name" '%s' "$(cat "$work/$name.port")"
}

# add NAME FIRST LAST TIMESTAMP: records id FIRST..LAST, all at TIMESTAMP.
add() {
  local port_var="port_$1"
  python3 - "${!port_var}" "$2" "$3" "$4" <<'PY'
import json, sys, urllib.request
port, first, last, ts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
body = "".join(json.dumps({"timestamp": ts, "level": "info", "message": f"record {i}", "id": i}) + "\n"
               for i in range(first, last + 1)).encode()
urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/add", data=body)).read()
PY
}

# ids FILE...: the ids of the records in FILE (wherever the record put the member), sorted.
ids() {
  cat "$@" | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(r.get("id", r.get("fields", {}).get("id")))' | sort -n
}

# expect_ids WHAT "IDS" FILE...: the records of FILE are exactly IDS (space-separated), once.
expect_ids() {
  local what=$1 want=$2 got
  shift 2
  got=$(ids "$@" | tr '\n' ' ' | sed 's/ $//')
  [[ $got == "$want" ]] || bad "$what: ids '$got', expected '$want'"
}

check "a JSON array, --once: every record once, and a record per element"
start_server plain
add plain 1 1 2025-05-01T10:00:01Z
add plain 2 3 2025-05-01T10:00:02Z
add plain 4 5 2025-05-01T10:00:03Z
url="http://127.0.0.1:$port_plain/logs"
"$LOGCOLLECT" --once --state "$work/state1" "$url" >"$work/once1.out" 2>"$work/once1.err" ||
  bad "--once exited $? ($(cat "$work/once1.err"))"
expect_ids "first --once" "1 2 3 4 5" "$work/once1.out"
grep -q '"message":"record 1"' "$work/once1.out" || bad "the message member did not make the record's message"

check "a second --once run asks since=<newest> and delivers only what is new at and after it"
add plain 6 6 2025-05-01T10:00:03Z
add plain 7 7 2025-05-01T10:00:04Z
"$LOGCOLLECT" --once --state "$work/state1" "$url" >"$work/once2.out" 2>"$work/once2.err" ||
  bad "second --once exited $?"
expect_ids "second --once (4 and 5 come back from the server)" "6 7" "$work/once2.out"
last_since=$(tail -1 "$work/plain.requests" | python3 -c 'import json,sys; print(json.load(sys.stdin)["since"])')
[[ $last_since == 2025-05-01T10:00:03Z ]] || bad "second poll asked since='$last_since'"
"$LOGCOLLECT" --once --state "$work/state1" "$url" >"$work/once3.out" 2>/dev/null
[[ ! -s $work/once3.out ]] || bad "a third --once with nothing new delivered $(wc -l <"$work/once3.out") records"

check "polling with --state, SIGTERM and a restart: no record twice, none missing"
: >"$work/plain.requests"
"$LOGCOLLECT" --interval 100ms --state "$work/state2" "$url" >"$work/run1.out" 2>"$work/run1.err" &
pid=$!
bg_pids+=($pid)
sleep 0.5
add plain 8 9 2025-05-01T10:00:04Z
sleep 0.4
add plain 10 10 2025-05-01T10:00:05Z
sleep 0.4
kill -TERM $pid
wait $pid
rc=$?
[[ $rc == 0 ]] || bad "SIGTERM: exit $rc ($(cat "$work/run1.err"))"
add plain 11 12 2025-05-01T10:00:05Z
add plain 13 13 2025-05-01T10:00:06Z
"$LOGCOLLECT" --interval 100ms --state "$work/state2" "$url" >"$work/run2.out" 2>"$work/run2.err" &
pid=$!
bg_pids+=($pid)
sleep 0.8
kill -TERM $pid
wait $pid
expect_ids "two runs with one state" "$(seq -s ' ' 1 13)" "$work/run1.out" "$work/run2.out"
polls=$(wc -l <"$work/plain.requests")
((polls >= 8)) || bad "only $polls polls in ~2 s at --interval 100ms"
python3 - "$work/plain.requests" <<'PY' || bad "a poll after the first did not send since"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if all(r["since"] for r in reqs[1:]) else 1)
PY

check "NDJSON, gzip-encoded: read by content"
"$LOGCOLLECT" --once "http://127.0.0.1:$port_plain/ndjson" >"$work/ndjson.out" 2>"$work/ndjson.err" ||
  bad "ndjson --once exited $?"
expect_ids "NDJSON" "$(seq -s ' ' 1 13)" "$work/ndjson.out"
tail -1 "$work/plain.requests" | grep -q '"gzip": true' || bad "the request did not accept gzip"

check "a bearer token file is sent"
echo secret >"$work/token"
"$LOGCOLLECT" --once --bearer-token-file "$work/token" "http://127.0.0.1:$port_plain/auth" \
  >"$work/auth.out" 2>"$work/auth.err" || bad "auth --once exited $?"
expect_ids "with the token" "$(seq -s ' ' 1 13)" "$work/auth.out"
"$LOGCOLLECT" --once "http://127.0.0.1:$port_plain/auth" >"$work/noauth.out" 2>"$work/noauth.err"
grep -q "HTTP 401" "$work/noauth.err" || bad "no token: no 'HTTP 401' message ($(cat "$work/noauth.err"))"

check "503: back-off between polls, one message, records once the server recovers"
start_server flaky
add flaky 1 3 2025-05-01T10:00:01Z
curl_fail() {
  python3 -c "import urllib.request,sys; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:$port_flaky/fail?n=$1', data=b'')).read()"
}
curl_fail 4
: >"$work/flaky.requests"
"$LOGCOLLECT" --interval 100ms "http://127.0.0.1:$port_flaky/logs" >"$work/flaky.out" 2>"$work/flaky.err" &
pid=$!
bg_pids+=($pid)
sleep 4.5
kill -TERM $pid
wait $pid
expect_ids "after the 503s" "1 2 3" "$work/flaky.out"
n503=$(grep -c "HTTP 503" "$work/flaky.err")
[[ $n503 == 1 ]] || bad "HTTP 503 reported $n503 times (rate-limited to 1 expected): $(cat "$work/flaky.err")"
grep -q "logcollect: http://127.0.0.1:$port_flaky/logs: HTTP 503" "$work/flaky.err" ||
  bad "the message does not name the URL: $(head -1 "$work/flaky.err")"
python3 - "$work/flaky.requests" <<'PY' || bad "no back-off between failed polls"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
times = [r["time"] for r in reqs]
gaps = [b - a for a, b in zip(times, times[1:])]
print("  gaps between polls (s):", " ".join(f"{g:.2f}" for g in gaps[:6]))
# 4 failures: waits of 0.2, 0.4, 0.8, 1.6 s (interval 0.1 s doubled per failure), then 0.1 s.
ok = len(gaps) >= 5 and gaps[0] >= 0.15 and gaps[3] >= 1.2 and gaps[3] > gaps[1] * 2 and gaps[4] < 0.5
sys.exit(0 if ok else 1)
PY

check "HTTPS with a self-signed certificate: --ca-file, no CA, --no-tls-verify"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1 || fail "openssl could not make a certificate"
start_server tls "$work/cert.pem" "$work/key.pem"
add_tls() {
  python3 - "$port_tls" "$work/cert.pem" <<'PY'
import json, ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2])
body = "".join(json.dumps({"timestamp": "2025-05-01T10:00:01Z", "message": f"tls {i}", "id": i}) + "\n"
               for i in (1, 2)).encode()
urllib.request.urlopen(urllib.request.Request(f"https://127.0.0.1:{sys.argv[1]}/add", data=body), context=ctx).read()
PY
}
add_tls || fail "could not add records over TLS"
tls_url="https://127.0.0.1:$port_tls/logs"
"$LOGCOLLECT" --once --ca-file "$work/cert.pem" "$tls_url" >"$work/tls1.out" 2>"$work/tls1.err" ||
  bad "--ca-file: exit $? ($(cat "$work/tls1.err"))"
expect_ids "HTTPS with --ca-file" "1 2" "$work/tls1.out"
"$LOGCOLLECT" --once "$tls_url" >"$work/tls2.out" 2>"$work/tls2.err"
[[ ! -s $work/tls2.out ]] || bad "no CA: records were delivered from an unverified server"
grep -q "logcollect: $tls_url: TLS certificate verification failed" "$work/tls2.err" ||
  bad "no CA: the failure is not reported as such: $(cat "$work/tls2.err")"
"$LOGCOLLECT" --once --no-tls-verify "$tls_url" >"$work/tls3.out" 2>"$work/tls3.err" ||
  bad "--no-tls-verify: exit $?"
expect_ids "HTTPS with --no-tls-verify" "1 2" "$work/tls3.out"

if ((${#failures[@]} > 0)); then
  echo "FAIL: logcollect_http: ${#failures[@]} failed properties:" >&2
  printf '  - %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "PASS: logcollect_http [${SECONDS}s]"
