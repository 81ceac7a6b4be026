#!/usr/bin/env bash
# tests/e2e/logcollect_listeners.sh -- logcollect's listener sources (tcp://, udp://, unix:,
# syslog://) end to end through the binary, with real clients:
#   - syslog:// from util-linux logger over TCP (newline framed and --octet-count) and UDP, in
#     RFC 3164 and RFC 5424: every message exactly once, with its host, app, level and text;
#   - syslog over TCP from a raw client: octet-counted, LF and NUL framing mixed in one
#     connection, a message split into single-byte writes, a message holding a newline; an
#     oversize frame is reported and the messages after it still arrive;
#   - tcp:// NDJSON and plain lines, the sender's host as the default source; 8 clients at once
#     with numbered lines (each exactly once, in order per client); a connection closed
#     mid-line keeps its last line; --max-connections refuses the connection beyond it;
#   - udp:// datagrams: one entry per datagram, one per line of a multi-line datagram;
#   - unix:PATH: a stale socket file is replaced, a live one is an error (69), the file is
#     removed at exit;
#   - SIGTERM while a client is connected and silent: everything it sent is written, exit 0;
#   - a port already in use: exit 69 before anything is written.
# Listeners are started on port 0; logcollect prints "logcollect: listening on URL" on stderr.
#
#   LOGCOLLECT=... bash tests/e2e/logcollect_listeners.sh
# (defaults to build/tools/logcollect/logcollect under the source tree). Needs python3 (standard
# library only) and logger from util-linux (bsdutils). A failed property does not stop the run:
# the summary lists every failure (exit status 1).

# shellcheck disable=SC2015
set -uo pipefail

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

default_build=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build
LOGCOLLECT=${LOGCOLLECT:-$default_build/tools/logcollect/logcollect}
[[ -x $LOGCOLLECT ]] || fail "'$LOGCOLLECT' is not executable"
command -v python3 >/dev/null 2>&1 || fail "python3 is required"
command -v logger >/dev/null 2>&1 || fail "logger (util-linux, Debian package bsdutils) is required"
logger --help 2>&1 | grep -q -- '--octet-count' ||
  fail "this logger lacks --server/--tcp/--octet-count; install util-linux's (bsdutils)"

work=$(mktemp -d "${TMPDIR:-/tmp}/logcollect-listeners.XXXXXX") || exit 2
bg_pids=()
cleanup() {
  local pid
  for pid in "${bg_pids[@]}"; do
    [[ $(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ') == "$$" ]] && kill -9 "$pid" 2>/dev/null
  done
  for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
forget() {
  local i
  for i in "${!bg_pids[@]}"; do [[ ${bg_pids[$i]} == "$1" ]] && unset 'bg_pids[i]'; done
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

# wait_exit PID SECONDS WHAT: waits for a background process and sets $rc; killed after SECONDS.
wait_exit() {
  local pid=$1 limit=$2 waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= limit * 20)); then
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      forget "$pid"
      bad "$3: process $pid did not exit within $limit s (killed)"
      rc=killed
      return 1
    fi
    sleep 0.05
    waited=$((waited + 1))
  done
  wait "$pid" 2>/dev/null
  rc=$?
  forget "$pid"
}

# start_collect NAME COUNT ARGS...: starts logcollect ARGS (stdout in $work/NAME.out, stderr in
# $work/NAME.err) and waits for COUNT "listening on" lines. Sets col_pid and the array
# col_addr (the addresses in the order printed). Returns 1, the failure recorded, otherwise.
start_collect() {
  local name=$1 count=$2 deadline
  shift 2
  "$LOGCOLLECT" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  col_pid=$!
  bg_pids+=("$col_pid")
  deadline=$((SECONDS + 15))
  while (($(grep -c '^logcollect: listening on ' "$work/$name.err") < count)); do
    if ! kill -0 "$col_pid" 2>/dev/null; then
      wait "$col_pid" 2>/dev/null
      rc=$?
      forget "$col_pid"
      bad "logcollect $*: exited with status $rc before listening; stderr: $(head -c 600 "$work/$name.err")"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      bad "logcollect $*: no listening line within 15 s; stderr: $(head -c 600 "$work/$name.err")"
      return 1
    fi
    sleep 0.05
  done
  mapfile -t col_addr < <(sed -n 's/^logcollect: listening on //p' "$work/$name.err")
  return 0
}

# stop_collect NAME: SIGTERM; logcollect must exit 0 within 10 s.
stop_collect() {
  kill -TERM "$col_pid" 2>/dev/null
  wait_exit "$col_pid" 10 "$1 after SIGTERM" || return 1
  [[ $rc == 0 ]] || bad "$1: exit status $rc after SIGTERM, expected 0; stderr: $(head -c 600 "$work/$1.err")"
}

# port_of URL: the port at the end of a listening address.
port_of() { echo "${1##*:}"; }

helper=$work/helper.py
cat >"$helper" <<'PYEOF'
import json, os, re, socket, sys, time

def connect(address):
    if address.startswith('unix:'):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(address[5:])
    else:
        host, port = address.split('://', 1)[-1].rsplit(':', 1)
        s = socket.create_connection((host, int(port)))
    return s

def unescape(text):
    return text.encode('latin-1').decode('unicode_escape').encode('latin-1')

def send(argv):
    """send ADDRESS [--hold SECONDS] [--sent FILE] [--bytewise] PIECE...: writes the pieces
    (Python escapes allowed) on one connection; --bytewise sends them a byte at a time."""
    address, hold, sent, bytewise, pieces = argv[0], 0.0, None, False, []
    i = 1
    while i < len(argv):
        if argv[i] == '--hold': hold = float(argv[i + 1]); i += 2
        elif argv[i] == '--sent': sent = argv[i + 1]; i += 2
        elif argv[i] == '--bytewise': bytewise = True; i += 1
        else: pieces.append(unescape(argv[i])); i += 1
    s = connect(address)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1) if not address.startswith('unix:') else None
    for piece in pieces:
        if bytewise:
            for b in piece:
                s.sendall(bytes([b])); time.sleep(0.002)
        else:
            s.sendall(piece)
    if sent:
        with open(sent, 'w') as f: f.write('sent\n')
    if hold: time.sleep(hold)
    s.close()

def numbered(argv):
    """numbered ADDRESS CLIENT COUNT: sends COUNT lines "client=C seq=N" in random pieces."""
    import random
    address, client, count = argv[0], int(argv[1]), int(argv[2])
    data = ''.join(f'client={client} seq={n} padding={"x" * (n % 50)}\n'
                   for n in range(count)).encode()
    s = connect(address)
    rng = random.Random(client)
    while data:
        k = rng.randint(1, 3000)
        s.sendall(data[:k]); data = data[k:]
    s.close()

def udp(argv):
    """udp ADDRESS DATAGRAM...: one datagram per argument (Python escapes allowed)."""
    host, port = argv[0].split('://', 1)[-1].rsplit(':', 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for d in argv[1:]:
        s.sendto(unescape(d), (host, int(port)))
        time.sleep(0.01)

def records(path):
    out = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            try:
                out.append(json.loads(line))
            except ValueError as e:
                sys.exit(f'{path}:{n}: not JSON ({e}): {line[:200]!r}')
    return out

RFC3164 = re.compile(r'<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d (\S+) ([^:\[\s]+)(?:\[\d+\])?: (.*)', re.S)
RFC5424 = re.compile(r'<(\d+)>1 \S+ (\S+) (\S+) \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+) ?(.*)', re.S)
SEVERITY = ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug']

def as_syslog(record):
    """A record whose message is still the raw syslog text (a build whose syslog format does
    not parse yet) is read here, so that what the listener delivered is checked all the same:
    the frame arrived whole, once, with its priority, host, app and text."""
    text = record.get('message', '')
    m = RFC3164.fullmatch(text) or RFC5424.fullmatch(text)
    if not m or 'host' in record.get('fields', {}):
        return record
    pri, host, app, msg = m.groups()
    return {'message': msg, 'level': SEVERITY[int(pri) & 7], 'source': record.get('source'),
            'fields': {'host': host, 'app': app}, 'raw': True}

def check(argv):
    """check OUT EXPECT.json: EXPECT is a list of {"message": m, other keys...}; each message
    must appear in exactly one record, and that record must have the other keys' values
    (a key "fields.x" looks in the record's fields). With "only": true as the first element's
    key, no other records may exist."""
    recs = [as_syslog(r) for r in records(argv[0])]
    if any(r.get('raw') for r in recs):
        print('  note: syslog messages were not parsed (no syslog format in this build); '
              'checked from their raw text')
    expect = json.load(open(argv[1]))
    only = bool(expect and expect[0].pop('only', False))
    problems = []
    for want in expect:
        hits = [r for r in recs if r.get('message') == want['message']]
        if len(hits) != 1:
            problems.append(f'message {want["message"]!r}: {len(hits)} records, expected 1')
            continue
        r = hits[0]
        for key, value in want.items():
            got = r.get('fields', {}).get(key[7:]) if key.startswith('fields.') else r.get(key)
            if got != value:
                problems.append(f'message {want["message"]!r}: {key} is {got!r}, expected {value!r}; record {json.dumps(r)[:300]}')
    if only and len(recs) != len(expect):
        wanted = {w['message'] for w in expect}
        extra = [r.get('message') for r in recs if r.get('message') not in wanted]
        problems.append(f'{len(recs)} records, expected {len(expect)}; others: {extra[:5]}')
    if problems:
        sys.exit('\n'.join(problems))
    print(f'  {len(expect)} messages each once')

def sequences(argv):
    """sequences OUT CLIENTS COUNT: every "client=C seq=N" line exactly once, in order per client."""
    import re
    recs = records(argv[0]); clients, count = int(argv[1]), int(argv[2])
    seen = {c: [] for c in range(clients)}
    for r in recs:
        m = re.match(r'client=(\d+) seq=(\d+) ', r.get('message', ''))
        if m: seen[int(m.group(1))].append(int(m.group(2)))
    problems = [f'client {c}: {len(s)} lines, first wrong at {next((i for i, (a, b) in enumerate(zip(s, range(count))) if a != b), len(s))}'
                for c, s in seen.items() if s != list(range(count))]
    if problems: sys.exit('; '.join(problems))
    print(f'  {clients} clients x {count} lines, each once and in order')

def stale_socket(argv):
    """stale-socket PATH: leaves a unix socket file nobody listens on."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(argv[0]); s.listen(); s.close()

def hold_port(argv):
    """hold-port KIND FILE SECONDS: binds 127.0.0.1:0 (tcp, or udp) and writes the port to FILE."""
    kind, path, seconds = argv[0], argv[1], float(argv[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if kind == 'tcp' else socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    if kind == 'tcp': s.listen()
    with open(path + '.tmp', 'w') as f: f.write(str(s.getsockname()[1]))
    os.rename(path + '.tmp', path)
    time.sleep(seconds)

def refused(argv):
    """refused ADDRESS: connects and expects the server to close without reading (EOF soon)."""
    s = connect(argv[0]); s.settimeout(5)
    try:
        data = s.recv(1)
    except (ConnectionResetError, socket.timeout) as e:
        if isinstance(e, socket.timeout): sys.exit('the connection beyond the limit stayed open')
        data = b''
    if data: sys.exit(f'unexpected data {data!r}')
    print('  refused')

commands = {'send': send, 'numbered': numbered, 'udp': udp, 'check': check,
            'sequences': sequences, 'stale-socket': stale_socket, 'hold-port': hold_port,
            'refused': refused}
commands[sys.argv[1]](sys.argv[2:])
PYEOF

# hp WHAT SUBCOMMAND ARGS...: runs a helper subcommand; a failure is recorded under WHAT.
hp() {
  local what=$1 hrc
  shift
  python3 "$helper" "$@" >"$work/hp.out" 2>&1
  hrc=$?
  [[ -s $work/hp.out ]] && cat "$work/hp.out"
  ((hrc == 0)) || bad "$what: $(tr '\n' ' ' <"$work/hp.out" | head -c 3000)"
  return "$hrc"
}

# wait_records NAME COUNT: waits up to 10 s for NAME.out to hold COUNT lines; returns 1 when
# they did not come.
wait_records() {
  local deadline=$((SECONDS + 10))
  while (($(wc -l <"$work/$1.out") < $2)); do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

# wait_sent FILE...: waits up to 15 s for clients started in the background to say they sent
# everything (helper send --sent FILE); python's start-up is slow on a loaded machine.
wait_sent() {
  local file deadline=$((SECONDS + 15))
  for file in "$@"; do
    while [[ ! -e $file ]]; do
      ((SECONDS < deadline)) || { bad "a client did not send within 15 s ($file)"; return 1; }
      sleep 0.05
    done
  done
}

# written_soon NAME COUNT WHAT: a listener submits what it holds within ~50 ms of a quiet
# input, so COUNT records must be written within 2 s, while logcollect still runs.
written_soon() {
  local deadline=$((SECONDS + 2))
  while (($(wc -l <"$work/$1.out") < $2)); do
    if ((SECONDS >= deadline)); then
      bad "$3: $(wc -l <"$work/$1.out") of $2 records written 2 s after the sender went quiet"
      return 1
    fi
    sleep 0.05
  done
}

host=$(hostname)
host=${host%%.*}

# ---- syslog:// from logger, TCP and UDP, RFC 3164 and RFC 5424 ----
check "syslog:// from logger over TCP and UDP"
if start_collect syslog 1 --sources syslog://127.0.0.1:0; then
  [[ ${col_addr[0]} =~ ^syslog://127\.0\.0\.1:[0-9]+$ ]] && (($(port_of "${col_addr[0]}") > 0)) ||
    bad "syslog listening line names '${col_addr[0]}', expected syslog://127.0.0.1:PORT"
  port=$(port_of "${col_addr[0]}")
  logger --server 127.0.0.1 --port "$port" --tcp --rfc3164 -t e2e-tcp3164 -p local0.err "tcp rfc3164 message" ||
    bad "logger --tcp --rfc3164 failed"
  logger --server 127.0.0.1 --port "$port" --tcp --rfc5424 -t e2e-tcp5424 -p user.warning "tcp rfc5424 message" ||
    bad "logger --tcp --rfc5424 failed"
  logger --server 127.0.0.1 --port "$port" --tcp --octet-count --rfc5424 -t e2e-octet -p daemon.info "octet counted message" ||
    bad "logger --tcp --octet-count failed"
  logger --server 127.0.0.1 --port "$port" --udp --rfc3164 -t e2e-udp3164 -p local3.debug "udp rfc3164 message" ||
    bad "logger --udp --rfc3164 failed"
  logger --server 127.0.0.1 --port "$port" --udp --rfc5424 -t e2e-udp5424 -p auth.crit "udp rfc5424 message" ||
    bad "logger --udp --rfc5424 failed"
  written_soon syslog 5 "syslog from logger"
  stop_collect syslog
  cat >"$work/expect.json" <<EOF
[{"only": true, "message": "tcp rfc3164 message", "level": "error", "fields.host": "$host", "fields.app": "e2e-tcp3164"},
 {"message": "tcp rfc5424 message", "level": "warn", "fields.host": "$host", "fields.app": "e2e-tcp5424"},
 {"message": "octet counted message", "level": "info", "fields.host": "$host", "fields.app": "e2e-octet"},
 {"message": "udp rfc3164 message", "level": "debug", "fields.host": "$host", "fields.app": "e2e-udp3164"},
 {"message": "udp rfc5424 message", "level": "fatal", "fields.host": "$host", "fields.app": "e2e-udp5424"}]
EOF
  hp "syslog from logger" check "$work/syslog.out" "$work/expect.json"
fi

# ---- syslog over TCP from a raw client: framing ----
check "syslog over TCP: octet counting, LF and NUL framing mixed; split writes; oversize frame"
if start_collect framing 1 --sources syslog+tcp://127.0.0.1:0 --max-line-bytes=200; then
  addr=${col_addr[0]}
  [[ $addr == syslog+tcp://127.0.0.1:* ]] || bad "syslog+tcp listening line names '$addr'"
  m1='<13>1 2026-01-02T03:04:05Z h1 appa - - - counted one'
  m2='<13>1 2026-01-02T03:04:05Z h1 appa - - - lf framed'
  m3='<13>1 2026-01-02T03:04:05Z h1 appa - - - nul framed'
  m4='<13>1 2026-01-02T03:04:05Z h1 appa - - - counted two'
  m5='<13>1 2026-01-02T03:04:05Z h1 appa - - - byte by byte'
  m6='<13>1 2026-01-02T03:04:05Z h1 appa - - - after the oversize frame'
  big=$(printf 'x%.0s' {1..300})
  hp "syslog framing: mixed" send "$addr" "${#m1} $m1" "$m2\n" "$m3\x00" "${#m4} $m4"
  hp "syslog framing: bytewise" send "$addr" --bytewise "${#m5} $m5" "$m2-again\n"
  hp "syslog framing: oversize" send "$addr" "300 $big" "${#m6} $m6"
  written_soon framing 7 "syslog framing"
  # A sender that stays connected and quiet: its message must not wait for it to leave.
  m7='<13>1 2026-01-02T03:04:05Z h1 appa - - - from a connection still open'
  python3 "$helper" send "$addr" --hold 5 --sent "$work/m7.sent" "$m7\n" &
  holder=$!
  bg_pids+=("$holder")
  wait_sent "$work/m7.sent"
  written_soon framing 8 "syslog over TCP from a connection still open"
  kill "$holder" 2>/dev/null
  wait "$holder" 2>/dev/null
  forget "$holder"
  stop_collect framing
  grep -Eq '^logcollect: tcp:127\.0\.0\.1:[0-9]+:1: rejected: frame too long$' "$work/framing.err" ||
    bad "the oversize frame was not reported as 'tcp:127.0.0.1:PORT:1: rejected: frame too long'; stderr: $(head -c 600 "$work/framing.err")"
  python3 - "$work/framing.out" "$m1" "$m2" "$m3" "$m4" "$m5" "$m2-again" "$m6" "$m7" <<'PYEOF' || bad "syslog framing: the messages are not each written once"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
text = '\n'.join(json.dumps(r) for r in recs)
problems = []
for m in sys.argv[2:]:
    tail = m.split(' - - - ', 1)[1]
    n = sum(1 for r in recs if r.get('message', '').endswith(tail))
    if n != 1: problems.append(f'{tail!r}: {n} records')
if len(recs) != len(sys.argv) - 2: problems.append(f'{len(recs)} records, expected {len(sys.argv) - 2}')
if problems: sys.exit('; '.join(problems) + '\n' + text[:1500])
PYEOF
fi

# ---- tcp:// NDJSON and plain lines ----
check "tcp:// NDJSON and plain lines; the peer as source; a connection closed mid-line"
if start_collect tcp 1 --sources tcp://127.0.0.1:0; then
  addr=${col_addr[0]}
  [[ $addr =~ ^tcp://127\.0\.0\.1:[0-9]+$ ]] || bad "tcp listening line names '$addr'"
  hp "tcp NDJSON" send "$addr" \
    '{"timestamp":"2026-01-02T03:04:05Z","level":"warn","message":"json one","source":"svc"}\n' \
    '{"timestamp":"2026-01-02T03:04:06Z","level":"error","message":"json two","source":"svc"}\r\n'
  hp "tcp plain" send "$addr" 'plain line one\nplain line two\n'
  hp "tcp mid-line" send "$addr" 'complete line\nclosed mid-li' 'ne without newline'
  written_soon tcp 6 "tcp lines"
  stop_collect tcp
  cat >"$work/expect.json" <<'EOF'
[{"only": true, "message": "json one", "level": "warn", "source": "svc"},
 {"message": "json two", "level": "error", "source": "svc"},
 {"message": "plain line one", "source": "127.0.0.1"},
 {"message": "plain line two", "source": "127.0.0.1"},
 {"message": "complete line", "source": "127.0.0.1"},
 {"message": "closed mid-line without newline", "source": "127.0.0.1"}]
EOF
  hp "tcp lines" check "$work/tcp.out" "$work/expect.json"
fi

check "tcp:// 8 clients at once, numbered lines in random pieces"
if start_collect many 1 --sources tcp://127.0.0.1:0 --format=plain; then
  pids=()
  for c in 0 1 2 3 4 5 6 7; do
    python3 "$helper" numbered "${col_addr[0]}" "$c" 3000 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || bad "numbered client $p failed"; done
  wait_records many 24000
  stop_collect many
  hp "8 clients" sequences "$work/many.out" 8 3000
fi

check "tcp:// --max-connections=2 refuses the third connection"
if start_collect maxconn 1 --sources tcp://127.0.0.1:0 --max-connections=2; then
  addr=${col_addr[0]}
  python3 "$helper" send "$addr" --hold 4 --sent "$work/h1.sent" 'first holder\n' &
  h1=$!
  python3 "$helper" send "$addr" --hold 4 --sent "$work/h2.sent" 'second holder\n' &
  h2=$!
  wait_sent "$work/h1.sent" "$work/h2.sent"
  # The holders stay connected and quiet: their lines must not wait for them to leave.
  written_soon maxconn 2 "lines of connections still open"
  hp "max connections" refused "$addr"
  wait "$h1" "$h2"
  hp "max connections: a slot freed" send "$addr" 'after the holders left\n'
  wait_records maxconn 3
  stop_collect maxconn
  grep -q 'refusing tcp:127.0.0.1:[0-9]*: max_connections (2) reached' "$work/maxconn.err" ||
    bad "the refused connection was not reported; stderr: $(head -c 400 "$work/maxconn.err")"
  cat >"$work/expect.json" <<'EOF'
[{"only": true, "message": "first holder"}, {"message": "second holder"},
 {"message": "after the holders left"}]
EOF
  hp "max connections" check "$work/maxconn.out" "$work/expect.json"
fi

# ---- udp:// ----
check "udp:// one entry per datagram, one per line of a multi-line datagram"
if start_collect udp 1 --sources udp://127.0.0.1:0; then
  addr=${col_addr[0]}
  [[ $addr =~ ^udp://127\.0\.0\.1:[0-9]+$ ]] || bad "udp listening line names '$addr'"
  hp "udp" udp "$addr" 'datagram one' 'datagram two\n' 'multi a\nmulti b\r\nmulti c\n' '\n'
  written_soon udp 5 "udp datagrams"
  stop_collect udp
  cat >"$work/expect.json" <<'EOF'
[{"only": true, "message": "datagram one", "source": "127.0.0.1"}, {"message": "datagram two"},
 {"message": "multi a"}, {"message": "multi b"}, {"message": "multi c"}]
EOF
  hp "udp" check "$work/udp.out" "$work/expect.json"
fi

# ---- unix: ----
check "unix: a stale socket file is replaced, a live one refused (69), removed at exit"
sock=$work/in.sock
hp "stale socket" stale-socket "$sock"
[[ -S $sock ]] || bad "the helper left no stale socket"
if start_collect unix 1 --sources "unix:$sock"; then
  [[ ${col_addr[0]} == "unix:$sock" ]] || bad "unix listening line names '${col_addr[0]}'"
  "$LOGCOLLECT" --sources "unix:$sock" >"$work/unix2.out" 2>"$work/unix2.err" &
  p2=$!
  bg_pids+=("$p2")
  wait_exit "$p2" 10 "a second logcollect on a live unix socket"
  [[ $rc == 69 ]] || bad "a second logcollect on a live unix socket: exit $rc, expected 69; stderr: $(head -c 300 "$work/unix2.err")"
  [[ -S $sock ]] || bad "the second logcollect removed the first one's socket"
  hp "unix" send "unix:$sock" '{"message":"over unix","level":"info"}\nplain over unix\n'
  written_soon unix 2 "unix lines"
  stop_collect unix
  [[ -e $sock ]] && bad "the unix socket file is still there after exit"
  cat >"$work/expect.json" <<'EOF'
[{"only": true, "message": "over unix", "source": "in"}, {"message": "plain over unix", "source": "in"}]
EOF
  hp "unix" check "$work/unix.out" "$work/expect.json"
fi

# ---- SIGTERM with a client connected ----
check "SIGTERM while a client is connected and silent: everything it sent is written, exit 0"
if start_collect term 1 --sources tcp://127.0.0.1:0; then
  lines=()
  for i in $(seq 1 500); do lines+=("held connection line $i\n"); done
  python3 "$helper" send "${col_addr[0]}" --hold 30 --sent "$work/term.sent" "${lines[@]}" 'last line, no newline' &
  client=$!
  bg_pids+=("$client")
  deadline=$((SECONDS + 10))
  while [[ ! -e $work/term.sent ]] && ((SECONDS < deadline)); do sleep 0.05; done
  [[ -e $work/term.sent ]] || bad "the held client did not send within 10 s"
  stop_collect term
  kill "$client" 2>/dev/null
  wait "$client" 2>/dev/null
  forget "$client"
  python3 - "$work/term.out" <<'PYEOF' || bad "SIGTERM with a client connected: lines lost or doubled"
import json, sys
msgs = [json.loads(l)['message'] for l in open(sys.argv[1])]
want = [f'held connection line {i}' for i in range(1, 501)] + ['last line, no newline']
if msgs != want:
    sys.exit(f'{len(msgs)} records, expected {len(want)}; first difference at '
             f'{next((i for i, (a, b) in enumerate(zip(msgs, want)) if a != b), min(len(msgs), len(want)))}')
PYEOF
fi

# ---- errors before anything is read ----
check "a port already in use: exit 69, nothing written"
python3 "$helper" hold-port tcp "$work/taken.tcp" 20 &
holder=$!
bg_pids+=("$holder")
deadline=$((SECONDS + 10))
while [[ ! -e $work/taken.tcp ]] && ((SECONDS < deadline)); do sleep 0.05; done
taken=$(cat "$work/taken.tcp")
for url in "tcp://127.0.0.1:$taken" "syslog://127.0.0.1:$taken"; do
  "$LOGCOLLECT" --sources "$url" >"$work/taken.out" 2>"$work/taken.err" &
  p=$!
  bg_pids+=("$p")
  wait_exit "$p" 10 "logcollect --sources $url on a port in use"
  [[ $rc == 69 ]] || bad "logcollect --sources $url on a port in use: exit $rc, expected 69"
  grep -q "Address already in use" "$work/taken.err" ||
    bad "$url on a port in use: stderr does not say why: $(head -c 300 "$work/taken.err")"
  [[ -s $work/taken.out ]] && bad "$url on a port in use wrote to stdout"
done
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
forget "$holder"

# ---- Summary ----
if ((${#failures[@]})); then
  echo "FAIL: logcollect_listeners: ${#failures[@]} failed [${SECONDS}s]:" >&2
  for f in "${failures[@]}"; do echo "  - ${f:0:600}" >&2; done
  exit 1
fi
echo "PASS: logcollect_listeners [${SECONDS}s]"
