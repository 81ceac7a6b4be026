#!/usr/bin/env bash
# tests/e2e/logserve_e2e.sh -- Properties of logserve (tools/logserve), the REST server, checked
# over real HTTP against the seed's API contract (paths, JSON shapes, status codes) and the
# logserve specification:
#   - every endpoint with the seed's example requests verbatim, over the seed's five-source data
#     set: the seed's answers field by field (key sets, types: batch count is the string "2",
#     the frequency and stats answers carry the seed's numbers);
#   - NDJSON, gzip-encoded and CRLF batches; Accept: application/x-ndjson answers; GET
#     parameters (lists, order, limit, default limit, from/to); POST /api/v1/query sort and
#     filters; every analysis (frequency, histogram, top, stats, pipe) against what python3
#     computes from what was sent;
#   - every error status: 400 (malformed JSON, query errors with "column", a batch with one bad
#     record stores nothing of it and names its "index", bad parameters), 404, 405 with Allow,
#     413 (also after gzip decoding), 415 (also curl -d); every error body is {"error": ...};
#   - an error answered before the request body was read (404, 405, 413, 415, 401) leaves a
#     keep-alive connection usable: the next request is answered, or the server said
#     Connection: close and closes;
#   - 8 writers posting batches of uniquely numbered records while a reader queries: every
#     record once (count, count by seq, paged queries), and no query ever misses an
#     acknowledged record;
#   - live tail (NDJSON and server-sent events): exactly the new matching records, in order;
#     a tail whose client went away releases its worker;
#   - a record is returned by a query that starts right after its 200 (read-your-writes);
#   - /metrics (Prometheus text) agrees with every request this script made: records received
#     by source, processed, the query histogram's buckets and count, requests by path, method
#     and status, ingestion errors by reason, the tail gauge;
#   - SIGTERM with a tail open: the tail ends, exit 0 promptly; a restart on the same store has
#     every record (also those posted right before SIGTERM); logstore export agrees;
#   - exit statuses: 64 usage, 69 port taken, 75 store locked, 78 unknown config key (naming the
#     key and line), a TLS key that cannot be read;
#   - auth tokens (401 with WWW-Authenticate, 403 for a read token, health and metrics open),
#     server: keys of the config file and the command line winning over them;
#   - TLS with a certificate made here; --store mem: leaves nothing behind.
#
#   LOGSERVE=... LOGSTORE=... bash tests/e2e/logserve_e2e.sh
# (each defaults to its place under the source tree's build/ when unset). Needs python3 (standard
# library only), openssl and curl. Like logquery_e2e.sh, a failed property does not stop the run:
# every check runs, and the summary lists the failures (exit status 1). A broken setup (a server
# that does not start) still stops at once.

# "A && B || bad ...": bad runs when either fails, as meant.
# shellcheck disable=SC2015
set -uo pipefail

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

default_build=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build
LOGSERVE=${LOGSERVE:-$default_build/tools/logserve/logserve}
LOGSTORE=${LOGSTORE:-$default_build/tools/logstore/logstore}
for bin in "$LOGSERVE" "$LOGSTORE"; do
  [[ -x $bin ]] || fail "'$bin' is not executable"
done
for tool in python3 openssl curl; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is required"
done
PY=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 does not run"
[[ -x $PY ]] || fail "cannot locate the python3 interpreter ('$PY')"

work=$(mktemp -d "${TMPDIR:-/tmp}/logserve-e2e.XXXXXX") || exit 2
# Background processes this script started and has not seen end; on exit those still running
# (and still children of this shell, so that a reused pid is left alone) are killed.
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
unset LOGSTREAM_STORE NO_COLOR

# A failed property is recorded and the run goes on; the summary lists them all.
failures=()
bad() {
  echo "  FAIL: $*" >&2
  failures+=("$*")
}

# wait_exit PID SECONDS WHAT: waits for a background process to end and sets $rc to its status;
# after SECONDS it is killed, and that is a failed property (rc=killed).
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

# start_server NAME ARGS...: starts logserve ARGS in the background (in directory $srv_cwd when
# set), stderr in $work/NAME.err, and waits up to 15 s for its listening line. Sets srv_pid,
# srv_scheme, srv_port, srv_store and srv_url. Returns 1 (with the failure recorded) when it
# does not get there.
start_server() {
  local name=$1 line deadline
  shift
  if [[ -n ${srv_cwd:-} ]]; then
    (cd "$srv_cwd" && exec "$LOGSERVE" "$@") >"$work/$name.out" 2>"$work/$name.err" &
  else
    "$LOGSERVE" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  fi
  srv_pid=$!
  bg_pids+=("$srv_pid")
  deadline=$((SECONDS + 15))
  while :; do
    line=$(grep -m1 '^logserve: listening on ' "$work/$name.err")
    [[ -n $line ]] && break
    if ! kill -0 "$srv_pid" 2>/dev/null; then
      wait "$srv_pid" 2>/dev/null
      rc=$?
      forget "$srv_pid"
      bad "logserve $*: exited with status $rc before listening; stderr: $(head -c 600 "$work/$name.err")"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      bad "logserve $*: no listening line on stderr within 15 s; stderr: $(head -c 600 "$work/$name.err")"
      return 1
    fi
    sleep 0.05
  done
  if [[ ! $line =~ ^logserve:\ listening\ on\ (https?)://127\.0\.0\.1:([0-9]+)\ \(store\ (.*)\)$ ]]; then
    bad "logserve $*: listening line '$line', expected 'logserve: listening on http(s)://127.0.0.1:PORT (store DIR)'"
    return 1
  fi
  srv_scheme=${BASH_REMATCH[1]}
  srv_port=${BASH_REMATCH[2]}
  srv_store=${BASH_REMATCH[3]}
  srv_url="$srv_scheme://127.0.0.1:$srv_port"
  ((srv_port > 0)) || { bad "logserve $*: listening on port 0: '$line'"; return 1; }
  if [[ -s $work/$name.out ]]; then
    bad "logserve $*: wrote to stdout (the specification says stdout is unused): $(head -c 200 "$work/$name.out")"
  fi
  return 0
}

# stop_server PID WHAT: SIGTERM, then the server must exit 0 within 5 s.
stop_server() {
  kill -TERM "$1" 2>/dev/null
  wait_exit "$1" 5 "$2 after SIGTERM" || return 1
  [[ $rc == 0 ]] || bad "$2: exit status $rc after SIGTERM, expected 0"
}

# expect_exit NAME RC WHAT ARGS...: logserve ARGS must exit RC within 10 s without listening
# (a listening line fails at once); its stderr is left in $work/NAME.err.
expect_exit() {
  local name=$1 want=$2 what=$3 waited=0
  shift 3
  "$LOGSERVE" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  local pid=$!
  bg_pids+=("$pid")
  while kill -0 "$pid" 2>/dev/null; do
    if grep -q 'listening on' "$work/$name.err" || ((waited >= 200)); then
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      forget "$pid"
      bad "$what: logserve $*: still running after $((waited / 20)) s, expected exit status $want; stderr: $(head -c 400 "$work/$name.err")"
      return 1
    fi
    sleep 0.05
    waited=$((waited + 1))
  done
  wait "$pid" 2>/dev/null
  rc=$?
  forget "$pid"
  [[ $rc == "$want" ]] || bad "$what: logserve $*: exit status $rc, expected $want; stderr: $(head -c 400 "$work/$name.err")"
  ! grep -q 'listening on' "$work/$name.err" || bad "$what: logserve $* printed a listening line"
}

# hp WHAT SUBCOMMAND ARGS...: runs a subcommand of the python helper; what it prints is shown,
# and a non-zero status (a property that does not hold) is recorded under WHAT.
hp() {
  local what=$1 hrc
  shift
  "$PY" "$helper" "$@" >"$work/hp.out" 2>&1
  hrc=$?
  [[ -s $work/hp.out ]] && cat "$work/hp.out"
  ((hrc == 0)) || bad "$what: $(grep -v '^  [^-]' "$work/hp.out" | tr '\n' ' ' | head -c 4000)"
  return "$hrc"
}

# The python helper: each subcommand talks HTTP to a server and prints "  - PROBLEM" lines, one
# per property that does not hold (status 1), or nothing but notes (status 0). Requests to the
# main server (MAIN_URL) and what they stored are written down in $LEDGER, so that /metrics and
# the stats after a restart can be checked against everything this script did.
helper=$work/helper.py
cat >"$helper" <<'PYEOF'
import calendar, gzip, http.client, json, math, os, random, re, signal, socket, ssl
import subprocess, sys, threading, time, urllib.parse

problems = []


class Fail(Exception):
    """A property that does not hold and stops the subcommand."""


def expect(cond, msg):
    if not cond:
        problems.append(msg)
    return bool(cond)


def must(cond, msg):
    if not cond:
        raise Fail(msg)


def short(b, n=300):
    if isinstance(b, (bytes, bytearray)):
        b = bytes(b).decode('utf-8', 'replace')
    b = str(b)
    return b if len(b) <= n else b[:n] + '...[%d bytes]' % len(b)


def note(msg):
    print('  ' + msg, flush=True)


def rfc(sec):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(sec))


def epoch(y, mo, d, h=0, mi=0, s=0):
    return calendar.timegm((y, mo, d, h, mi, s))


def qs(**params):
    return urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


ENDPOINTS = {'/api/v1/logs', '/api/v1/logs/batch', '/api/v1/query', '/api/v1/query/analyze',
             '/api/v1/logs/sources', '/api/v1/logs/stats', '/api/v1/health', '/api/v1/tail',
             '/metrics'}
QUERY_ENDPOINTS = {('POST', '/api/v1/query'), ('POST', '/api/v1/query/analyze'),
                   ('GET', '/api/v1/logs'), ('GET', '/api/v1/logs/sources'),
                   ('GET', '/api/v1/logs/stats')}


def path_label(path):
    p = path.split('?', 1)[0]
    return p if p in ENDPOINTS else 'other'


class Ledger:
    """What this script did to the main server: requests by (method, path label, status),
    records stored by source, and the ingestion errors it provoked by kind."""

    def __init__(self):
        self.file = os.environ.get('LEDGER')
        self.main = os.environ.get('MAIN_URL')
        self.lock = threading.Lock()
        self.data = {'stored': {}, 'requests': {}, 'ingest': {}}
        if self.file and os.path.exists(self.file):
            with open(self.file) as f:
                self.data = json.load(f)

    def on(self, base):
        return bool(self.file) and base == self.main

    def _add(self, part, key, n=1):
        with self.lock:
            d = self.data[part]
            d[key] = d.get(key, 0) + n

    def request(self, base, method, path, status):
        if self.on(base):
            self._add('requests', '%s %s %d' % (method, path_label(path), status))

    def stored(self, base, sources):
        if self.on(base):
            for s in sources:
                self._add('stored', s)

    def ingest(self, base, kind):
        if self.on(base):
            self._add('ingest', kind)

    def save(self):
        if self.file:
            with open(self.file + '.tmp', 'w') as f:
                json.dump(self.data, f)
            os.replace(self.file + '.tmp', self.file)


LEDGER = Ledger()


class Resp:
    def __init__(self, method, path, status, headers, body):
        self.method, self.path, self.status, self.headers, self.body = method, path, status, headers, body

    def what(self):
        return '%s %s' % (self.method, self.path)

    def ctype(self):
        return self.headers.get('content-type', '').split(';')[0].strip().lower()

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise Fail('%s: status %d, the body is not JSON: %r' % (self.what(), self.status, short(self.body)))


class Client:
    def __init__(self, base, token=None, cafile=None, timeout=20):
        self.base = base
        u = urllib.parse.urlsplit(base)
        self.https, self.host, self.port = u.scheme == 'https', u.hostname, u.port
        self.token, self.timeout = token, timeout
        self.ctx = ssl.create_default_context(cafile=cafile) if self.https else None
        self.conn = None

    def connect(self, timeout=None):
        if self.https:
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout or self.timeout,
                                               context=self.ctx)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)

    def request(self, method, path, body=None, ctype='application/json', headers=None, keep=False):
        """One request; body: bytes, str or a JSON value. A new connection each time unless keep
        (then one connection is reused)."""
        h = {}
        if self.token:
            h['Authorization'] = 'Bearer ' + self.token
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode()
            if ctype:
                h['Content-Type'] = ctype
        h.update(headers or {})
        conn = self.conn if keep and self.conn else self.connect()
        try:
            try:
                conn.request(method, path, body=body, headers=h)
            except (BrokenPipeError, ConnectionResetError):
                pass  # a server may answer (413) before it has read the whole body
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            if keep:
                self.conn = None
            raise Fail('%s %s: %s: %s' % (method, path[:200], type(e).__name__, e))
        if keep:
            self.conn = conn
        else:
            conn.close()
        LEDGER.request(self.base, method, path, r.status)
        return Resp(method, path[:300], r.status, {k.lower(): v for k, v in r.getheaders()}, data)


def status_is(resp, status):
    return expect(resp.status == status, '%s: status %d, expected %d; body %s'
                  % (resp.what(), resp.status, status, short(resp.body)))


def json_ok(resp, status=200):
    """The JSON answer of a request that must succeed (stops the subcommand otherwise)."""
    must(resp.status == status, '%s: status %d, expected %d; body %s'
         % (resp.what(), resp.status, status, short(resp.body)))
    expect(resp.ctype() == 'application/json', '%s: Content-Type %r, expected application/json'
           % (resp.what(), resp.headers.get('content-type')))
    return resp.json()


def json_error(resp, status):
    """An error answer: STATUS, Content-Type application/json, a JSON object with a non-empty
    "error" string. Returns the object, or None (the problem recorded)."""
    if not status_is(resp, status):
        return None
    expect(resp.ctype() == 'application/json', '%s: error answer with Content-Type %r, expected application/json'
           % (resp.what(), resp.headers.get('content-type')))
    try:
        obj = json.loads(resp.body)
    except ValueError:
        problems.append('%s: %d answer is not JSON: %r' % (resp.what(), status, short(resp.body)))
        return None
    if not expect(isinstance(obj, dict) and isinstance(obj.get('error'), str) and obj['error'],
                  '%s: %d answer %s has no non-empty "error" string' % (resp.what(), status, short(resp.body))):
        return None
    return obj


def strict_eq(a, b):
    """Equal values of equal JSON types (1 is not 1.0, nor "1", nor true)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return set(a) == set(b) and all(strict_eq(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_eq(x, y) for x, y in zip(a, b))
    return a == b


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def num_eq(a, b):
    return is_num(a) and is_num(b) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


CANON = ['timestamp', 'source', 'level', 'message', 'fields']


def check_records(value, what):
    """VALUE must be a JSON array of canonical records (keys in the canonical order)."""
    if not expect(isinstance(value, list), '%s: expected a JSON array, got %s' % (what, short(json.dumps(value)))):
        return []
    for rec in value:
        if not expect(isinstance(rec, dict) and list(rec) == CANON,
                      '%s: a record with keys %s, expected exactly %s in that order: %s'
                      % (what, list(rec) if isinstance(rec, dict) else type(rec).__name__, CANON,
                         short(json.dumps(rec)))):
            return []
    return value


def records_of(resp):
    return check_records(json_ok(resp), resp.what())


def post_records(c, records, path='/api/v1/logs/batch', fmt='json', gz=False, keep=False, crlf=False,
                 headers=None):
    """Posts RECORDS (one record object for /api/v1/logs) as a JSON array or NDJSON, perhaps
    gzip-encoded; on 200 the ledger counts them as stored."""
    if path == '/api/v1/logs':
        body, ctype, sources = json.dumps(records).encode(), 'application/json', [records.get('source', '')]
    else:
        sources = [r.get('source', '') for r in records]
        if fmt == 'json':
            body, ctype = json.dumps(records).encode(), 'application/json'
        else:
            eol = '\r\n' if crlf else '\n'
            body = eol.join(json.dumps(r) for r in records)
            body = (body if crlf else body + '\n').encode()
            ctype = 'application/x-ndjson'
    h = dict(headers or {})
    if gz:
        body = gzip.compress(body)
        h['Content-Encoding'] = 'gzip'
    r = c.request('POST', path, body, ctype=ctype, headers=h, keep=keep)
    if r.status == 200:
        LEDGER.stored(c.base, sources)
    return r


def expect_ok_count(resp, n):
    """A batch answer: exactly {"status":"ok","count":"N"} (count a string, as in the seed)."""
    obj = json_ok(resp)
    return expect(strict_eq(obj, {'status': 'ok', 'count': str(n)}),
                  '%s: answer %s, expected {"status":"ok","count":"%d"}' % (resp.what(), short(resp.body), n))


def pipe(c, text, filt=None, keep=False):
    body = {'analysis': {'type': 'pipe', 'pipe': text}}
    if filt is not None:
        body['filter'] = filt
    r = c.request('POST', '/api/v1/query/analyze', body, keep=keep)
    obj = json_ok(r)
    must(isinstance(obj, dict) and obj.get('type') == 'pipe' and isinstance(obj.get('columns'), list)
         and isinstance(obj.get('rows'), list),
         'pipe %r (filter %r): answer %s, expected {"type":"pipe","columns":[..],"rows":[..]}'
         % (text, filt, short(r.body)))
    return obj


def pipe_count(c, filt, keep=False):
    obj = pipe(c, 'count', filt, keep=keep)
    must(obj['columns'] == ['count'] and len(obj['rows']) == 1 and len(obj['rows'][0]) == 1
         and is_num(obj['rows'][0][0]),
         'pipe "count" (filter %r): answer %s, expected columns ["count"] and one row [N]'
         % (filt, short(json.dumps(obj))))
    return obj['rows'][0][0]


def stats(c):
    return json_ok(c.request('GET', '/api/v1/logs/stats'))


# ---- /metrics ----
SAMPLE = re.compile(r'^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?[0-9]+)?$')
LABEL = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')


def metrics(c):
    r = c.request('GET', '/metrics')
    must(r.status == 200, 'GET /metrics: status %d; %s' % (r.status, short(r.body)))
    expect(r.ctype() == 'text/plain', 'GET /metrics: Content-Type %r, expected text/plain (Prometheus text format)'
           % r.headers.get('content-type'))
    samples, types = [], {}
    for line in r.body.decode('utf-8', 'replace').splitlines():
        if not line.strip():
            continue
        if line.startswith('# TYPE '):
            parts = line.split()
            if len(parts) >= 4:
                types[parts[2]] = parts[3]
            continue
        if line.startswith('#'):
            continue
        m = SAMPLE.match(line)
        must(m, 'GET /metrics: a line that is not a Prometheus sample: %r' % line)
        labels = {}
        for lm in LABEL.finditer(m.group(2) or ''):
            labels[lm.group(1)] = re.sub(r'\\(.)', lambda x: '\n' if x.group(1) == 'n' else x.group(1), lm.group(2))
        try:
            value = float(m.group(3))
        except ValueError:
            raise Fail('GET /metrics: a sample value that is not a number: %r' % line)
        samples.append((m.group(1), labels, value))
    return samples, types


def series(samples, name):
    return [(l, v) for n, l, v in samples if n == name]


def gauge(c, name):
    s = series(metrics(c)[0], name)
    return s[0][1] if len(s) == 1 else None


def wait_gauge(c, name, pred, seconds):
    """Polls /metrics until gauge NAME satisfies PRED; returns its last value (None: absent)."""
    deadline = time.monotonic() + seconds
    while True:
        v = gauge(c, name)
        if v is not None and pred(v):
            return v
        if time.monotonic() >= deadline:
            return v
        time.sleep(0.05)


# ---- live tail ----
class Tail:
    """A streaming GET /api/v1/tail read on a thread; items are the records (parsed) in order."""

    def __init__(self, c, path, sse=False):
        self.path, self.sse = path, sse
        self.items, self.status, self.headers, self.ended, self.body = [], None, {}, None, b''
        self.cond = threading.Condition()
        self.conn = c.connect(timeout=60)
        h = {'Accept': 'text/event-stream'} if sse else {}
        if c.token:
            h['Authorization'] = 'Bearer ' + c.token
        self.conn.request('GET', path, headers=h)
        self.base = c.base
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def _add(self, item):
        with self.cond:
            self.items.append(item)
            self.cond.notify_all()

    def run(self):
        try:
            r = self.conn.getresponse()
            self.status, self.headers = r.status, {k.lower(): v for k, v in r.getheaders()}
            LEDGER.request(self.base, 'GET', self.path, r.status)
            if r.status != 200:
                self.body = r.read()
                self.ended = 'status %d: %s' % (r.status, short(self.body))
                return
            while True:
                line = r.readline()
                if not line:
                    self.ended = 'eof'
                    return
                text = line.decode('utf-8', 'replace').rstrip('\r\n')
                if self.sse:
                    if not text or text.startswith(':'):
                        continue
                    if not text.startswith('data:'):
                        self._add(('bad line', text))
                        continue
                    text = text[5:].lstrip(' ')
                try:
                    self._add(json.loads(text))
                except ValueError:
                    self._add(('bad line', text))
        except Exception as e:  # noqa: BLE001 -- reported as how the stream ended
            self.ended = 'error: %s: %s' % (type(e).__name__, e)
        finally:
            with self.cond:
                if self.ended is None:
                    self.ended = 'error: unknown'
                self.cond.notify_all()

    def wait(self, pred, seconds):
        deadline = time.monotonic() + seconds
        with self.cond:
            while not pred(self) and self.ended is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            return pred(self)

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):
            pass
        self.conn.close()


def tail_once(c, path, what):
    """A tail request that must be refused at once: its answer as a Resp, or None (the problem
    recorded) when the server streams instead."""
    t = Tail(c, path)
    t.wait(lambda s: False, 5)
    if t.ended is None:
        problems.append('%s: GET %s answered %s and kept streaming, expected an error answer' % (what, path, t.status))
        t.close()
        return None
    return Resp('GET', path, t.status or 0, t.headers, t.body)


def wait_tails(c, n, what):
    """Waits until the server reports N tail clients (logstream_tail_clients), so that records
    posted from now on are new to every tail."""
    v = wait_gauge(c, 'logstream_tail_clients', lambda v: v >= n, 5)
    expect(v is not None and v >= n, '%s: logstream_tail_clients is %s 5 s after %d tails connected, expected >= %d'
           % (what, v, n, n))


# ---- the seed ----
SEED_SINGLE = '''{
  "timestamp": "2025-05-13T00:01:00Z",
  "source": "system",
  "level": "info",
  "message": "System startup complete",
  "fields": {
    "host": "server1.example.com",
    "datacenter": "us-west-1"
  }
}'''
SEED_BATCH = '''[
  {
    "timestamp": "2025-05-13T00:01:15Z",
    "source": "auth",
    "level": "warn",
    "message": "Failed login attempt",
    "fields": {
      "ip": "192.168.1.100",
      "username": "admin"
    }
  },
  {
    "timestamp": "2025-05-13T00:01:30Z",
    "source": "database",
    "level": "error",
    "message": "Connection timeout",
    "fields": {
      "db_host": "db-primary-01"
    }
  }
]'''
SEED_AUTH_ANSWER = '''[
  {
    "timestamp": "2025-05-13T00:01:15Z",
    "source": "auth",
    "level": "warn",
    "message": "Failed login attempt",
    "fields": {
      "ip": "192.168.1.100",
      "username": "admin"
    }
  }
]'''
SEED_QUERY = '''{
  "filter": "source:auth",
  "limit": 10,
  "from": "2025-05-13T00:00:00Z",
  "to": "2025-05-13T01:00:00Z",
  "levels": ["warn", "error"],
  "sort_by": "timestamp",
  "sort_order": "desc"
}'''
SEED_ANALYZE = '''{
  "analysis": {
    "type": "frequency",
    "time_range": {
      "from": "2025-05-13T00:00:00Z",
      "to": "2025-05-13T01:00:00Z"
    },
    "group_by": "source"
  }
}'''
SEED_FREQUENCY = '''{
  "type": "frequency",
  "time_range": {
    "from": "2025-05-13T00:00:00Z",
    "to": "2025-05-13T01:00:00Z"
  },
  "count": 4,
  "frequency": {
    "auth": 1,
    "cache": 1,
    "database": 1,
    "user": 1
  }
}'''
SEED_SOURCES = ['auth', 'cache', 'database', 'system', 'user']
# The seed's stats and frequency examples need two records the seed does not show: cache and user,
# one debug and one info, the newest at 00:02:00. The frequency example (4 records, no "system")
# is the store before the seed's single record is posted.
CACHE = {'timestamp': '2025-05-13T00:01:45Z', 'source': 'cache', 'level': 'debug',
         'message': 'Cache miss for key user:42', 'fields': {'key': 'user:42'}}
USER = {'timestamp': '2025-05-13T00:02:00Z', 'source': 'user', 'level': 'info',
        'message': 'User profile updated', 'fields': {'user_id': '42'}}
SYSTEM = json.loads(SEED_SINGLE)
AUTH, DATABASE = json.loads(SEED_BATCH)


def cmd_health(base, version):
    c = Client(base)
    r = c.request('GET', '/api/v1/health')
    obj = json_ok(r)
    expect(strict_eq(obj, {'status': 'ok', 'version': version}),
           'GET /api/v1/health: %s, expected {"status":"ok","version":"%s"} (the version --version prints)'
           % (short(r.body), version))


def cmd_seed(base):
    c = Client(base)
    r = c.request('POST', '/api/v1/logs/batch', SEED_BATCH, ctype='application/json')
    if r.status == 200:
        LEDGER.stored(base, ['auth', 'database'])
    expect_ok_count(r, 2)
    expect_ok_count(post_records(c, [CACHE, USER]), 2)

    r = c.request('GET', '/api/v1/logs?source=auth&level=warn&limit=10')
    got = records_of(r)
    expect(strict_eq(got, json.loads(SEED_AUTH_ANSWER)),
           'GET /api/v1/logs?source=auth&level=warn&limit=10: %s, expected the seed\'s answer %s'
           % (short(r.body), short(json.dumps(json.loads(SEED_AUTH_ANSWER)))))

    r = c.request('POST', '/api/v1/query', SEED_QUERY)
    got = records_of(r)
    expect(strict_eq(got, json.loads(SEED_AUTH_ANSWER)),
           'POST /api/v1/query (the seed\'s body): %s, expected the seed\'s answer' % short(r.body))

    r = c.request('POST', '/api/v1/query/analyze', SEED_ANALYZE)
    obj = json_ok(r)
    expect(strict_eq(obj, json.loads(SEED_FREQUENCY)),
           'POST /api/v1/query/analyze (the seed\'s body) over auth, cache, database, user: %s, expected exactly the seed\'s %s'
           % (short(r.body), short(json.dumps(json.loads(SEED_FREQUENCY)))))

    r = c.request('POST', '/api/v1/logs', SEED_SINGLE, ctype='application/json')
    if r.status == 200:
        LEDGER.stored(base, ['system'])
    obj = json_ok(r)
    expect(strict_eq(obj, {'status': 'ok'}), 'POST /api/v1/logs (the seed\'s record): %s, expected {"status":"ok"}'
           % short(r.body))

    r = c.request('GET', '/api/v1/logs/sources')
    obj = json_ok(r)
    expect(strict_eq(obj, SEED_SOURCES), 'GET /api/v1/logs/sources: %s, expected %s' % (short(r.body), SEED_SOURCES))

    r = c.request('GET', '/api/v1/logs/stats')
    obj = json_ok(r)
    keys = {'TotalEntries', 'OldestEntry', 'NewestEntry', 'EntriesBySource', 'EntriesByLevel', 'StorageSize',
            'CompressionRatio'}
    if expect(isinstance(obj, dict) and set(obj) == keys,
              'GET /api/v1/logs/stats: keys %s, expected exactly %s' % (sorted(obj) if isinstance(obj, dict) else obj,
                                                                        sorted(keys))):
        want = {'TotalEntries': 5, 'OldestEntry': '2025-05-13T00:01:00Z', 'NewestEntry': '2025-05-13T00:02:00Z',
                'EntriesBySource': {'auth': 1, 'cache': 1, 'database': 1, 'system': 1, 'user': 1},
                'EntriesByLevel': {'debug': 1, 'error': 1, 'info': 2, 'warn': 1}}
        for k, v in want.items():
            expect(strict_eq(obj[k], v), 'GET /api/v1/logs/stats: %s is %s, expected the seed\'s %s'
                   % (k, json.dumps(obj[k]), json.dumps(v)))
        expect(isinstance(obj['StorageSize'], int) and not isinstance(obj['StorageSize'], bool)
               and obj['StorageSize'] > 0,
               'GET /api/v1/logs/stats: StorageSize is %s, expected a positive integer (the seed: 2500)'
               % json.dumps(obj['StorageSize']))
        expect(is_num(obj['CompressionRatio']) and obj['CompressionRatio'] > 0,
               'GET /api/v1/logs/stats: CompressionRatio is %s, expected a positive number (the seed: 1)'
               % json.dumps(obj['CompressionRatio']))

    # The same frequency analysis now counts the system record too.
    r = c.request('POST', '/api/v1/query/analyze', SEED_ANALYZE)
    obj = json_ok(r)
    want = json.loads(SEED_FREQUENCY)
    want['count'] = 5
    want['frequency']['system'] = 1
    expect(strict_eq(obj, want), 'POST /api/v1/query/analyze (the seed\'s body) over the five records: %s, expected %s'
           % (short(r.body), json.dumps(want)))

    # GET parameters over the five records (newest first by default; lists; order; from/to).
    cases = [
        ('source=auth,database&order=asc', [AUTH, DATABASE]),
        ('level=warn,error', [DATABASE, AUTH]),
        ('limit=2', [USER, CACHE]),
        ('order=asc&limit=2', [SYSTEM, AUTH]),
        ('q=' + urllib.parse.quote('level:>=warn OR source:cache') + '&order=asc', [AUTH, DATABASE, CACHE]),
        ('source=system', [SYSTEM]),
        ('source=nosuchsource', []),
        ('from=2025-05-13T00:01:30Z&to=2025-05-13T00:02:00Z', [CACHE, DATABASE]),
        ('level=debug&source=cache,user', [CACHE]),
    ]
    for params, want in cases:
        r = c.request('GET', '/api/v1/logs?' + params)
        got = records_of(r)
        expect(strict_eq(got, want), 'GET /api/v1/logs?%s: %s, expected the messages %s'
               % (params, short(r.body, 400), [w['message'] for w in want]))
    body = {'filter': '', 'sources': ['auth', 'user'], 'sort_by': 'timestamp', 'sort_order': 'asc'}
    r = c.request('POST', '/api/v1/query', body)
    expect(strict_eq(records_of(r), [AUTH, USER]), 'POST /api/v1/query %s: %s, expected auth then user'
           % (json.dumps(body), short(r.body, 400)))
    body = {'filter': 'level:>=info', 'sort_by': 'source', 'sort_order': 'desc', 'limit': 3}
    r = c.request('POST', '/api/v1/query', body)
    expect(strict_eq(records_of(r), [USER, SYSTEM, DATABASE]),
           'POST /api/v1/query %s: %s, expected user, system, database' % (json.dumps(body), short(r.body, 400)))


def cmd_rw(base):
    """Read-your-writes: each record is found by a query sent right after its 200."""
    c = Client(base)
    t0 = epoch(2025, 5, 16, 0, 0, 0)
    misses = []
    for i in range(40):
        rec = {'timestamp': rfc(t0 + i), 'source': 'rw', 'level': 'info', 'message': 'read your writes %d' % i,
               'fields': {'rw': i}}
        r = post_records(c, rec, path='/api/v1/logs', keep=True)
        must(r.status == 200, 'POST /api/v1/logs: status %d; %s' % (r.status, short(r.body)))
        if i % 2 == 0:
            r = c.request('GET', '/api/v1/logs?' + qs(source='rw', q='rw:%d' % i), keep=True)
        else:
            r = c.request('POST', '/api/v1/query', {'filter': 'source:rw rw:%d' % i}, keep=True)
        got = records_of(r)
        if not strict_eq(got, [rec]):
            misses.append('record %d: %s' % (i, short(r.body, 200)))
    expect(not misses, 'a record POSTed is not returned (exactly once) by the query sent right after its 200: %d of 40: %s'
           % (len(misses), '; '.join(misses[:3])))
    r = post_records(c, [{'source': 'rw', 'message': 'rw batch %d' % k, 'fields': {'rwb': k}} for k in range(30)],
                     keep=True)
    expect_ok_count(r, 30)
    n = pipe_count(c, 'source:rw rwb:*', keep=True)
    expect(n == 30, 'pipe "count" right after a batch of 30 was acknowledged: %s, expected 30' % n)
    # A record without a timestamp gets the time of arrival (microseconds).
    before = time.time()
    r = c.request('GET', '/api/v1/logs?' + qs(q='rwb:0'), keep=True)
    got = records_of(r)
    if expect(len(got) == 1, 'GET /api/v1/logs?q=rwb:0: %d records, expected 1' % len(got)):
        ts = got[0]['timestamp']
        m = re.match(r'^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})Z$', ts)
        ok = bool(m) and abs(calendar.timegm(time.strptime(m.group(1), '%Y-%m-%dT%H:%M:%S')) - before) < 120
        expect(ok, 'a record posted without a timestamp came back with %r, expected the time of arrival '
               'with 6 fractional digits' % ts)


# ---- generated data for the formats and analyses ----
ND_BASE = epoch(2025, 5, 14)


def nd_records():
    hosts = []
    for k, n in enumerate([60, 50, 40, 35, 25, 20, 10]):
        hosts += ['h%d' % k] * n
    random.Random(7).shuffle(hosts)
    recs = []
    for i in range(240):
        recs.append({'timestamp': rfc(ND_BASE + (i * 7919) % 21600),
                     'source': ['nd-api', 'nd-api', 'nd-api', 'nd-db', 'nd-db', 'nd-web'][i % 6],
                     'level': ['info', 'info', 'warn', 'error', 'debug'][i % 5],
                     'message': 'request %d served' % i,
                     'fields': {'host': hosts[i], 'latency_ms': (i * 37) % 1000, 'n': i}})
    return recs


def counter(values):
    d = {}
    for v in values:
        d[v] = d.get(v, 0) + 1
    return d


def pct(sorted_vals, p):
    rank = max(1, -(-p * len(sorted_vals) // 100))
    return sorted_vals[rank - 1]


def stats_of(vals):
    s = sorted(vals)
    return {'count': len(s), 'avg': sum(s) / len(s), 'min': s[0], 'max': s[-1], 'sum': sum(s),
            'p50': pct(s, 50), 'p95': pct(s, 95), 'p99': pct(s, 99)}


def same_stats(got, want):
    return isinstance(got, dict) and set(got) == set(want) and all(num_eq(got[k], want[k]) for k in want)


def cmd_formats(base):
    c = Client(base)
    recs = nd_records()
    expect_ok_count(post_records(c, recs[0:120], fmt='ndjson'), 120)
    expect_ok_count(post_records(c, recs[120:180], fmt='json', gz=True), 60)
    expect_ok_count(post_records(c, recs[180:220], fmt='ndjson', gz=True), 40)
    expect_ok_count(post_records(c, recs[220:240], fmt='ndjson', crlf=True), 20)
    by_time = sorted(recs, key=lambda r: r['timestamp'])

    path = '/api/v1/logs?' + qs(q='source:nd-*', limit=1000, order='asc')
    r = c.request('GET', path)
    got = records_of(r)
    expect(strict_eq(got, by_time), 'GET %s: %d records, expected the 240 sent, oldest first; first difference at %s'
           % (path, len(got), next((i for i, (a, b) in enumerate(zip(got, by_time)) if a != b), min(len(got), 240))))
    r = c.request('GET', path, headers={'Accept': 'application/x-ndjson'})
    if status_is(r, 200):
        expect(r.ctype() == 'application/x-ndjson', 'GET %s with Accept: application/x-ndjson: Content-Type %r'
               % (path, r.headers.get('content-type')))
        text = r.body.decode('utf-8', 'replace')
        expect(text.endswith('\n') and '\n\n' not in text, 'GET %s as NDJSON: not one record per line' % path)
        try:
            lines = [json.loads(l) for l in text.splitlines()]
        except ValueError:
            lines = None
        expect(lines is not None and strict_eq(lines, by_time),
               'GET %s with Accept: application/x-ndjson: %s, expected the same 240 records as the JSON answer, one per line'
               % (path, short(r.body)))
    path = '/api/v1/logs?' + qs(source='nd-api,nd-db,nd-web', limit=50)
    got = records_of(c.request('GET', path))
    expect(strict_eq(got, by_time[::-1][:50]), 'GET %s: expected the 50 newest, newest first; got %d records starting %s'
           % (path, len(got), short(json.dumps(got[:1]))))
    path = '/api/v1/logs?' + qs(q='source:nd-*')
    got = records_of(c.request('GET', path))
    expect(strict_eq(got, by_time[::-1][:100]), 'GET %s (no limit): %d records, expected the 100 newest (--default-limit)'
           % (path, len(got)))

    body = {'filter': 'source:nd-*', 'sources': ['nd-db'], 'levels': ['error'], 'sort_by': 'latency_ms',
            'sort_order': 'asc', 'limit': 5}
    want = sorted([x for x in recs if x['source'] == 'nd-db' and x['level'] == 'error'],
                  key=lambda x: x['fields']['latency_ms'])[:5]
    r = c.request('POST', '/api/v1/query', body)
    expect(strict_eq(records_of(r), want), 'POST /api/v1/query %s: %s, expected latencies %s'
           % (json.dumps(body), short(r.body, 400), [x['fields']['latency_ms'] for x in want]))
    r = c.request('POST', '/api/v1/query', body, headers={'Accept': 'application/x-ndjson'})
    if status_is(r, 200):
        expect(r.ctype() == 'application/x-ndjson', 'POST /api/v1/query with Accept: application/x-ndjson: Content-Type %r'
               % r.headers.get('content-type'))
        try:
            lines = [json.loads(l) for l in r.body.decode().splitlines()]
        except ValueError:
            lines = None
        expect(lines is not None and strict_eq(lines, want),
               'POST /api/v1/query with Accept: application/x-ndjson: %s, expected the 5 records one per line'
               % short(r.body))

    tr = {'from': '2025-05-14T00:00:00Z', 'to': '2025-05-15T00:00:00Z'}

    def analyze(body, what):
        r = c.request('POST', '/api/v1/query/analyze', body)
        obj = json_ok(r)
        must(isinstance(obj, dict), '%s: answer %s is not an object' % (what, short(r.body)))
        return obj, r

    # frequency, with a time range that has no "to" (echoed as null)
    body = {'filter': 'source:nd-*', 'analysis': {'type': 'frequency', 'time_range': {'from': tr['from']},
                                                  'group_by': 'level'}}
    obj, r = analyze(body, 'frequency')
    want = {'type': 'frequency', 'time_range': {'from': tr['from'], 'to': None}, 'count': 240,
            'frequency': counter(x['level'] for x in recs)}
    expect(strict_eq(obj, want), 'analyze %s: %s, expected %s' % (json.dumps(body), short(r.body), json.dumps(want)))
    # the filter inside the analysis, and a time range that cuts
    cut = {'from': '2025-05-14T00:00:00Z', 'to': '2025-05-14T02:00:00Z'}
    body = {'analysis': {'type': 'frequency', 'filter': 'source:nd-db', 'time_range': cut, 'group_by': 'host'}}
    sel = [x for x in recs if x['source'] == 'nd-db' and x['timestamp'] < cut['to']]
    want = {'type': 'frequency', 'time_range': cut, 'count': len(sel), 'frequency': counter(x['fields']['host'] for x in sel)}
    obj, r = analyze(body, 'frequency')
    expect(strict_eq(obj, want), 'analyze %s: %s, expected %s' % (json.dumps(body), short(r.body), json.dumps(want)))

    # histogram (every hour of the six has records, so there is no empty bucket to argue about)
    hours = counter(rfc((epoch(*time.strptime(x['timestamp'], '%Y-%m-%dT%H:%M:%SZ')[:6]) // 3600) * 3600) for x in recs)
    assert len(hours) == 6, 'test bug: an empty hour'
    want_buckets = [{'time': t, 'count': n} for t, n in sorted(hours.items())]
    for analysis in ({'type': 'histogram', 'time_range': tr, 'interval': '1h'}, {'type': 'histogram', 'time_range': tr}):
        body = {'filter': 'source:nd-*', 'analysis': analysis}
        obj, r = analyze(body, 'histogram')
        want = {'type': 'histogram', 'time_range': tr, 'interval': '1h', 'count': 240, 'buckets': want_buckets}
        expect(strict_eq(obj, want), 'analyze %s: %s, expected %s' % (json.dumps(body), short(r.body, 600),
                                                                     short(json.dumps(want), 600)))
    groups = counter((rfc((epoch(*time.strptime(x['timestamp'], '%Y-%m-%dT%H:%M:%SZ')[:6]) // 3600) * 3600),
                      x['source']) for x in recs)
    body = {'filter': 'source:nd-*', 'analysis': {'type': 'histogram', 'time_range': tr, 'interval': '1h',
                                                  'group_by': 'source'}}
    obj, r = analyze(body, 'histogram by source')
    want = {'type': 'histogram', 'time_range': tr, 'interval': '1h', 'count': 240,
            'buckets': [{'time': t, 'group': g, 'count': n} for (t, g), n in sorted(groups.items())]}
    expect(strict_eq(obj, want), 'analyze %s: %s, expected %s' % (json.dumps(body), short(r.body, 600),
                                                                 short(json.dumps(want), 600)))

    # top
    hc = sorted(counter(x['fields']['host'] for x in recs).items(), key=lambda kv: (-kv[1], kv[0]))
    for limit in (3, None):
        analysis = {'type': 'top', 'time_range': tr, 'field': 'host'}
        if limit:
            analysis['limit'] = limit
        body = {'filter': 'source:nd-*', 'analysis': analysis}
        obj, r = analyze(body, 'top')
        want = {'type': 'top', 'time_range': tr, 'field': 'host', 'count': 240,
                'top': [{'value': v, 'count': n} for v, n in hc[:limit or 10]]}
        expect(strict_eq(obj, want), 'analyze %s: %s, expected %s' % (json.dumps(body), short(r.body), json.dumps(want)))

    # stats, whole and by source
    body = {'filter': 'source:nd-*', 'analysis': {'type': 'stats', 'time_range': tr, 'field': 'latency_ms'}}
    obj, r = analyze(body, 'stats')
    want = stats_of([x['fields']['latency_ms'] for x in recs])
    expect(set(obj) == {'type', 'time_range', 'field', 'count', 'stats'} and obj.get('type') == 'stats'
           and strict_eq(obj.get('time_range'), tr) and obj.get('field') == 'latency_ms'
           and strict_eq(obj.get('count'), 240) and same_stats(obj.get('stats'), want),
           'analyze %s: %s, expected stats %s' % (json.dumps(body), short(r.body), json.dumps(want)))
    body = {'filter': 'source:nd-*', 'analysis': {'type': 'stats', 'time_range': tr, 'field': 'latency_ms',
                                                  'group_by': 'source'}}
    obj, r = analyze(body, 'stats by source')
    want_groups = []
    for src in sorted({x['source'] for x in recs}):
        g = stats_of([x['fields']['latency_ms'] for x in recs if x['source'] == src])
        g['group'] = src
        want_groups.append(g)
    got_groups = obj.get('groups')
    ok = (obj.get('type') == 'stats' and obj.get('field') == 'latency_ms' and strict_eq(obj.get('count'), 240)
          and isinstance(got_groups, list) and len(got_groups) == len(want_groups)
          and all(isinstance(g, dict) and g.get('group') == w['group']
                  and same_stats({k: v for k, v in g.items() if k != 'group'},
                                 {k: v for k, v in w.items() if k != 'group'})
                  for g, w in zip(got_groups, want_groups)))
    expect(ok, 'analyze %s: %s, expected "groups" %s' % (json.dumps(body), short(r.body, 800), json.dumps(want_groups)))

    # pipes
    cbl = sorted(counter((x['source'], x['level']) for x in recs).items(), key=lambda kv: (-kv[1], kv[0]))
    cases = [
        ('count', ['count'], [[240]]),
        ('count by source, level', ['source', 'level', 'count'], [[s, l, n] for (s, l), n in cbl]),
        ('top 2 host', ['host', 'count'], [[v, n] for v, n in hc[:2]]),
        ('stats count() avg(latency_ms) by source', ['source', 'count()', 'avg(latency_ms)'],
         [[w['group'], w['count'], w['avg']] for w in want_groups]),
    ]
    for text, cols, rows in cases:
        obj = pipe(c, text, 'source:nd-*')
        ok = (obj['columns'] == cols and len(obj['rows']) == len(rows)
              and all(len(a) == len(b) and all(num_eq(x, y) if is_num(y) else strict_eq(x, y) for x, y in zip(a, b))
                      for a, b in zip(obj['rows'], rows)))
        expect(ok, 'pipe %r (filter source:nd-*): %s, expected columns %s rows %s'
               % (text, short(json.dumps(obj), 600), cols, short(json.dumps(rows), 600)))
    body = {'analysis': {'type': 'pipe', 'pipe': 'count', 'filter': 'source:nd-web'}}
    obj, r = analyze(body, 'pipe with the filter inside')
    expect(strict_eq(obj.get('rows'), [[40]]), 'analyze %s: %s, expected rows [[40]]' % (json.dumps(body), short(r.body)))


def cmd_errors(base):
    c = Client(base)

    def err(resp, status, kind=None):
        obj = json_error(resp, status)
        if kind and resp.status == status:
            LEDGER.ingest(base, kind)
        return obj

    # 400: malformed JSON and records that are not records
    err(c.request('POST', '/api/v1/logs', '{"source":"bad","message":'), 400, 'json')
    err(c.request('POST', '/api/v1/logs/batch', '[{"source":"bad"},'), 400, 'json')
    err(c.request('POST', '/api/v1/logs', '[{"source":"bad"}]'), 400, 'either')
    err(c.request('POST', '/api/v1/logs/batch', '{"source":"bad"}'), 400, 'either')
    err(c.request('POST', '/api/v1/query', '{"filter":'), 400)
    err(c.request('POST', '/api/v1/query/analyze', 'not json at all'), 400)

    # 400: query errors name the column (1-based)
    bad_q = 'level:error a)'
    for resp in (c.request('GET', '/api/v1/logs?' + qs(q=bad_q)),
                 c.request('POST', '/api/v1/query', {'filter': bad_q}),
                 c.request('POST', '/api/v1/query/analyze', {'filter': bad_q, 'analysis': {'type': 'frequency',
                                                                                            'group_by': 'source'}}),
                 tail_once(c, '/api/v1/tail?' + qs(q=bad_q), 'a tail with a query error')):
        if resp is None:
            continue
        obj = err(resp, 400)
        if obj is not None:
            expect(strict_eq(obj.get('column'), 14), '%s with the query %r: %s, expected "column": 14'
                   % (resp.what(), bad_q, short(resp.body)))
    for analysis in ({'type': 'sum'}, {'type': 'pipe', 'pipe': 'count by'}, {'type': 'pipe', 'pipe': 'median x'},
                     {'type': 'top'}, {'type': 'stats'}, {'type': 'histogram', 'interval': 'x'}, {'type': 'frequency'}):
        err(c.request('POST', '/api/v1/query/analyze', {'analysis': analysis}), 400)
    err(c.request('POST', '/api/v1/query/analyze', {'filter': 'source:x'}), 400)

    # 400: a batch with one bad record stores nothing of it
    def atomic(n, i):
        return [{'timestamp': rfc(epoch(2025, 5, 18) + k), 'source': 'atomic', 'level': 'info',
                 'message': 'all or nothing %d' % k, 'fields': {'batch': i}} for k in range(n)]

    def bad_batch(resp, index, kind):
        obj = err(resp, 400, kind)
        if obj is not None:
            expect(strict_eq(obj.get('index'), index), '%s (bad record at %d): %s, expected "index": %d'
                   % (resp.what(), index, short(resp.body), index))
            expect(obj['error'].startswith('record %d' % index), '%s: "error" is %r, expected it to start "record %d"'
                   % (resp.what(), obj['error'], index))

    b = atomic(5, 1)
    b[3]['timestamp'] = 'not a time'
    bad_batch(c.request('POST', '/api/v1/logs/batch', json.dumps(b)), 3, 'record')
    b = atomic(5, 2)
    b[2] = 42
    bad_batch(c.request('POST', '/api/v1/logs/batch', json.dumps(b)), 2, 'either')
    lines = [json.dumps(x) for x in atomic(4, 3)]
    lines[1] = '{"source":"atomic","message":'
    bad_batch(c.request('POST', '/api/v1/logs/batch', '\n'.join(lines) + '\n', ctype='application/x-ndjson'), 1, 'either')
    b = atomic(4, 4)
    b[2]['message'] = 'x' * 3000  # --max-record-bytes 2048
    bad_batch(c.request('POST', '/api/v1/logs/batch', json.dumps(b)), 2, 'either')
    lines = [json.dumps(x) for x in atomic(6, 5)]
    lines[4] = json.dumps({'timestamp': '2025-13-01T00:00:00Z', 'source': 'atomic'})
    bad_batch(c.request('POST', '/api/v1/logs/batch', gzip.compress(('\n'.join(lines) + '\n').encode()),
                        ctype='application/x-ndjson', headers={'Content-Encoding': 'gzip'}), 4, 'record')
    expect_ok_count(c.request('POST', '/api/v1/logs/batch', '[]'), 0)

    # 400: bad parameters
    for params in ('limit=abc', 'limit=10001', 'limit=-5', 'order=sideways', 'from=notatime', 'to=2025-99-99'):
        err(c.request('GET', '/api/v1/logs?' + params), 400)
    status_is(c.request('GET', '/api/v1/logs?limit=10000&source=nosuch'), 200)
    for body in ({'filter': '', 'limit': 10001}, {'filter': '', 'limit': 'ten'}, {'filter': '', 'sort_order': 'up'},
                 {'filter': '', 'from': 'garbage'}):
        err(c.request('POST', '/api/v1/query', body), 400)

    # 404
    obj = err(c.request('GET', '/api/v1/nope'), 404)
    if obj is not None:
        expect(obj['error'] == 'no such endpoint: /api/v1/nope', 'GET /api/v1/nope: "error" is %r, expected %r'
               % (obj['error'], 'no such endpoint: /api/v1/nope'))
    for method, path in (('POST', '/api/v1/nope'), ('GET', '/'), ('GET', '/api/v1'), ('GET', '/api/v2/logs')):
        err(c.request(method, path, '{}' if method == 'POST' else None), 404)

    # 405 with Allow
    for method, path, allowed in (('GET', '/api/v1/logs/batch', {'POST'}), ('DELETE', '/api/v1/logs', {'GET', 'POST'}),
                                  ('POST', '/api/v1/logs/stats', {'GET'}), ('PUT', '/api/v1/query', {'POST'}),
                                  ('POST', '/api/v1/health', {'GET'}), ('DELETE', '/api/v1/logs/sources', {'GET'})):
        resp = c.request(method, path, '{}' if method in ('POST', 'PUT') else None)
        obj = err(resp, 405)
        if obj is None:
            continue
        allow = {m.strip().upper() for m in resp.headers.get('allow', '').split(',') if m.strip()}
        expect(allowed <= allow and method not in allow, '%s %s: Allow header %r, expected it to list %s and not %s'
               % (method, path, resp.headers.get('allow'), sorted(allowed), method))
        want = 'method %s not allowed on %s' % (method, path)
        expect(obj['error'] == want, '%s %s: "error" is %r, expected %r' % (method, path, obj['error'], want))

    # 413 (--max-body 64K), also after gzip decoding
    big = [{'timestamp': rfc(epoch(2025, 5, 18) + k), 'source': 'big', 'message': 'y' * 1000} for k in range(70)]
    err(c.request('POST', '/api/v1/logs/batch', json.dumps(big)), 413, 'too_large')
    body = gzip.compress(json.dumps([{'source': 'big', 'message': 'z' * 1500} for _ in range(100)]).encode())
    assert len(body) < 16384
    err(c.request('POST', '/api/v1/logs/batch', body, headers={'Content-Encoding': 'gzip'}), 413, 'too_large')
    err(c.request('POST', '/api/v1/logs', json.dumps({'source': 'big', 'message': 'w' * 70000})), 413, 'too_large')

    # 415; a missing Content-Type is JSON; parameters of the media type do not matter
    rec = json.dumps({'timestamp': '2025-05-18T00:00:00Z', 'source': 'media', 'message': 'media type'})
    err(c.request('POST', '/api/v1/logs', rec, ctype='text/plain'), 415, 'media')
    err(c.request('POST', '/api/v1/logs/batch', '[' + rec + ']', ctype='text/csv'), 415, 'media')
    err(c.request('POST', '/api/v1/logs', rec, ctype='application/x-ndjson'), 415, 'media')
    err(c.request('POST', '/api/v1/query', '{"filter":""}', ctype='text/plain'), 415, 'media_other')
    out = os.path.join(os.environ.get('WORK', '/tmp'), 'curl.body')
    p = subprocess.run(['curl', '-sS', '-o', out, '-w', '%{http_code}', '-d', rec, base + '/api/v1/logs'],
                       capture_output=True, text=True, timeout=30)
    code = int(p.stdout) if p.stdout.isdigit() else 0
    LEDGER.request(base, 'POST', '/api/v1/logs', code)
    with open(out, 'rb') as f:
        body = f.read()
    err(Resp('POST', '/api/v1/logs (curl -d, x-www-form-urlencoded)', code,
             {'content-type': 'application/json'}, body), 415, 'media' if code == 415 else None)
    r = c.request('POST', '/api/v1/logs', json.dumps({'timestamp': '2025-05-18T00:00:01Z', 'source': 'noctype',
                                                      'message': 'no content type'}), ctype=None)
    if r.status == 200:
        LEDGER.stored(base, ['noctype'])
    expect(r.status == 200, 'POST /api/v1/logs without Content-Type: status %d, expected 200 (taken as JSON); %s'
           % (r.status, short(r.body)))
    r = c.request('POST', '/api/v1/logs', json.dumps({'timestamp': '2025-05-18T00:00:02Z', 'source': 'charset',
                                                      'message': 'charset parameter'}),
                  ctype='application/json; charset=utf-8')
    if r.status == 200:
        LEDGER.stored(base, ['charset'])
    expect(r.status == 200, 'POST /api/v1/logs with Content-Type application/json; charset=utf-8: status %d, expected 200; %s'
           % (r.status, short(r.body)))

    # nothing of the refused requests was stored
    for src in ('bad', 'atomic', 'big', 'media'):
        got = records_of(c.request('GET', '/api/v1/logs?' + qs(source=src, limit=1000)))
        expect(got == [], 'after refused requests, GET /api/v1/logs?source=%s gives %d records, expected none'
               % (src, len(got)))
        n = pipe_count(c, 'source:%s' % src)
        expect(n == 0, 'after refused requests, pipe "count" over source:%s is %s, expected 0' % (src, n))
    by_source = stats(c).get('EntriesBySource', {})
    expect(not ({'bad', 'atomic', 'big', 'media'} & set(by_source)),
           'after refused requests, stats EntriesBySource has %s' % sorted({'bad', 'atomic', 'big', 'media'} & set(by_source)))


def read_responses(sock, want, seconds):
    """Reads up to WANT Content-Length framed HTTP/1.1 responses from SOCK within SECONDS.
    Returns (responses as (status, headers, body), how the reading ended: 'done', 'eof' or
    'timeout')."""
    buf, out = b'', []
    deadline = time.monotonic() + seconds
    while True:
        while len(out) < want:
            i = buf.find(b'\r\n\r\n')
            if i < 0:
                break
            head = buf[:i].decode('latin-1').split('\r\n')
            headers = {k.strip().lower(): v.strip() for k, v in (l.split(':', 1) for l in head[1:] if ':' in l)}
            n = int(headers.get('content-length', '0'))
            if len(buf) < i + 4 + n:
                break
            try:
                status = int(head[0].split(' ')[1])
            except (IndexError, ValueError):
                status = 0
            out.append((status, headers, buf[i + 4:i + 4 + n]))
            buf = buf[i + 4 + n:]
        if len(out) >= want:
            return out, 'done'
        left = deadline - time.monotonic()
        if left <= 0:
            return out, 'timeout'
        sock.settimeout(left)
        try:
            d = sock.recv(65536)
        except socket.timeout:
            return out, 'timeout'
        except OSError:
            return out, 'eof'
        if not d:
            return out, 'eof'
        buf += d


def framing_case(base, path, ctype, body, status, kind=None, headers=''):
    """POST PATH with BODY sent 50 ms after the headers (a second TCP segment, as Python's
    http.client always sends a body), then, once the answer is in, GET /api/v1/health on the
    same connection. An answer given without reading the body must not leave the body to be
    read as the start of the next request: the GET must be answered 200, or the first answer
    must say Connection: close and the server must close."""
    u = urllib.parse.urlsplit(base)
    sock = socket.create_connection((u.hostname, u.port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    head = ('POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n'
            % (path, u.netloc, ctype, len(body), headers)).encode()
    what = 'POST %s (%s, %d-byte body sent 50 ms after the headers), then GET /api/v1/health on the same connection' % (
        path, ctype, len(body))
    try:
        sock.sendall(head)
        time.sleep(0.05)
        sock.sendall(body)
    except OSError:
        pass  # the server answered and closed before taking the body: fine if it said so
    first, how = read_responses(sock, 1, 3)
    if not expect(first and first[0][0] == status, '%s: first answer %s, expected %d'
                  % (what, first[0][0] if first else 'none (%s)' % how, status)):
        sock.close()
        return
    LEDGER.request(base, 'POST', path, status)
    if kind:
        LEDGER.ingest(base, kind)
    closing = first[0][1].get('connection', '').lower() == 'close'
    try:
        sock.sendall(('GET /api/v1/health HTTP/1.1\r\nHost: %s\r\n\r\n' % u.netloc).encode())
        second, how = read_responses(sock, 1, 3)
    except OSError:
        second, how = [], 'eof'
    sock.close()
    if second and second[0][0] == 200:
        LEDGER.request(base, 'GET', '/api/v1/health', 200)
        return
    if closing and not second and how == 'eof':
        return
    if second:
        got = 'the GET was answered %d %s (an answer to the unread body and the GET read as one request)' % (
            second[0][0], short(second[0][2], 120))
    else:
        got = 'the GET got no answer (%s)' % ('the connection was closed' if how == 'eof' else 'nothing within 3 s')
    expect(False, '%s: %s; the %d %s; expected the GET answered 200, or "Connection: close" on the %d and the '
           'connection closed' % (what, got, status, 'said Connection: close' if closing else 'kept the connection open',
                                  status))


def cmd_framing(base):
    big = json.dumps([{'source': 'framing', 'message': 'f' * 1000} for _ in range(70)]).encode()
    framing_case(base, '/api/v1/logs', 'text/plain', b'{"source":"framing",', 415, 'media')
    framing_case(base, '/api/v1/nope', 'application/json', b'{"source":"framing",', 404)
    framing_case(base, '/api/v1/health', 'application/json', b'{"source":"framing",', 405)
    framing_case(base, '/api/v1/logs/batch', 'application/json', b'[{"source":"framing",', 400, 'json')
    framing_case(base, '/api/v1/logs/batch', 'application/json', big, 413, 'too_large')


CONC_W, CONC_B, CONC_R = 8, 100, 5  # writers, batches each, records per batch
CONC_TOTAL = CONC_W * CONC_B * CONC_R


def cmd_concurrency(base):
    W, B, R, total = CONC_W, CONC_B, CONC_R, CONC_TOTAL
    t0 = epoch(2025, 5, 15)
    lock = threading.Lock()
    state = {'acked': 0, 'started': 0, 'queries': 0, 'last': -1}
    errors = []
    done = threading.Event()

    def writer(w):
        c = Client(base)
        try:
            for b in range(B):
                first = (w * B + b) * R
                recs = [{'timestamp': rfc(t0 + seq), 'source': 'conc', 'level': ['info', 'warn', 'error'][seq % 3],
                         'message': 'concurrent record %d' % seq, 'fields': {'seq': seq, 'writer': w}}
                        for seq in range(first, first + R)]
                with lock:
                    state['started'] += R
                r = post_records(c, recs, fmt='json' if w % 3 == 0 else 'ndjson', gz=(w % 3 == 2), keep=True)
                if r.status != 200 or not strict_eq(r.json(), {'status': 'ok', 'count': str(R)}):
                    errors.append('writer %d batch %d: status %d %s' % (w, b, r.status, short(r.body)))
                    return
                with lock:
                    state['acked'] += R
        except Fail as e:
            errors.append('writer %d: %s' % (w, e))

    def reader():
        c = Client(base)
        try:
            while True:
                finished = done.is_set()
                with lock:
                    lo = state['acked']
                n = pipe_count(c, 'source:conc', keep=True)
                with lock:
                    hi = state['started']
                if not lo <= n <= hi:
                    errors.append('a count query during ingestion saw %d records; %d were acknowledged before it '
                                  'started and %d had been sent when it ended' % (n, lo, hi))
                if n < state['last']:
                    errors.append('a count query saw %d records after an earlier one saw %d' % (n, state['last']))
                state['last'] = n
                got = records_of(c.request('GET', '/api/v1/logs?source=conc&limit=5', keep=True))
                if len(got) > 5 or any(x['source'] != 'conc' for x in got):
                    errors.append('GET /api/v1/logs?source=conc&limit=5 during ingestion: %s' % short(json.dumps(got)))
                state['queries'] += 1
                if finished:
                    return
        except Fail as e:
            errors.append('reader: %s' % e)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(W)]
    rt = threading.Thread(target=reader)
    start = time.monotonic()
    rt.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    rt.join()
    note('concurrency: %d records by %d writers in %.1f s, %d query rounds meanwhile'
         % (total, W, time.monotonic() - start, state['queries']))
    expect(not errors, 'concurrent ingestion: %d problems: %s' % (len(errors), '; '.join(errors[:5])))
    c = Client(base)
    n = pipe_count(c, 'source:conc')
    expect(n == total, 'pipe "count" over source:conc after the writers: %s, expected %d' % (n, total))
    obj = pipe(c, 'count by seq', 'source:conc')
    seqs = [row[0] for row in obj['rows']]
    dup = [row for row in obj['rows'] if row[1] != 1][:5]
    expect(obj['columns'] == ['seq', 'count'] and sorted(seqs) == list(range(total)) and not dup,
           'pipe "count by seq" over source:conc: %d rows, expected %d each with count 1; missing %s; counts not 1: %s'
           % (len(seqs), total, sorted(set(range(total)) - set(seqs))[:10], dup))
    page = 500
    for p in range(total // page):
        q = 'seq:>=%d seq:<%d' % (p * page, (p + 1) * page)
        path = '/api/v1/logs?' + qs(source='conc', q=q, limit=page, order='asc')
        got = records_of(c.request('GET', path))
        got_seq = [x['fields'].get('seq') for x in got]
        expect(got_seq == list(range(p * page, (p + 1) * page)),
               'GET %s: %d records, expected seq %d..%d in order once each' % (path, len(got), p * page, (p + 1) * page - 1))


TAIL_T0 = epoch(2025, 5, 17)


def cmd_tail(base):
    c = Client(base)
    t1 = Tail(c, '/api/v1/tail?' + qs(q='level:error'))
    t2 = Tail(c, '/api/v1/tail?' + qs(q='level:error'), sse=True)
    t3 = Tail(c, '/api/v1/tail?source=tail-b')
    wait_tails(c, 3, 'tail')

    def rec(k, src, lvl):
        return {'timestamp': rfc(TAIL_T0 + k), 'source': src, 'level': lvl, 'message': 'tail %d' % k,
                'fields': {'k': k}}
    sent = []

    def post(x, **kw):
        r = post_records(c, x, **kw)
        must(r.status == 200, '%s: status %d %s' % (r.what(), r.status, short(r.body)))
        sent.extend(x if isinstance(x, list) else [x])
    post(rec(1, 'tail-a', 'error'), path='/api/v1/logs')
    post(rec(2, 'tail-a', 'info'), path='/api/v1/logs')
    post([rec(3, 'tail-b', 'error'), rec(4, 'tail-a', 'warn'), rec(5, 'tail-b', 'ERR')])
    post(rec(6, 'tail-a', 'debug'), path='/api/v1/logs')
    post([rec(7, 'tail-b', 'info'), rec(8, 'tail-a', 'error')], fmt='ndjson')
    sentinel = rec(9, 'tail-a', 'error')
    sentinel['message'] = 'tail sentinel'
    t_sent = time.monotonic()
    post(sentinel, path='/api/v1/logs')
    canon = [dict(x, level='error' if x['level'] == 'ERR' else x['level']) for x in sent]
    want_err = [x for x in canon if x['level'] == 'error']
    want_b = [x for x in canon if x['source'] == 'tail-b']
    for t, want, what in ((t1, want_err, 'tail ?q=level:error (NDJSON)'), (t2, want_err, 'tail ?q=level:error (SSE)'),
                          (t3, want_b, 'tail ?source=tail-b')):
        t.wait(lambda s: len(s.items) >= len(want), 5)
        with t.cond:
            got = list(t.items)
        expect(t.status == 200, '%s: status %s (%s)' % (what, t.status, t.ended))
        expect(strict_eq(got, want), '%s: got %d records %s, expected exactly the %d new matching ones in order: %s'
               % (what, len(got), short(json.dumps(got), 500), len(want), [x['message'] for x in want]))
    expect(time.monotonic() - t_sent < 3, 'tail: the sentinel arrived %.1f s after its POST, expected within 3 s'
           % (time.monotonic() - t_sent))
    expect(t1.headers.get('content-type', '').split(';')[0] == 'application/x-ndjson',
           'tail: Content-Type %r, expected application/x-ndjson' % t1.headers.get('content-type'))
    expect(t1.headers.get('transfer-encoding', '').lower() == 'chunked',
           'tail: Transfer-Encoding %r, expected chunked' % t1.headers.get('transfer-encoding'))
    expect(t2.headers.get('content-type', '').split(';')[0] == 'text/event-stream',
           'tail with Accept: text/event-stream: Content-Type %r' % t2.headers.get('content-type'))
    for t in (t1, t2, t3):
        t.close()
    note('tail: the sentinel arrived %.2f s after its POST' % (time.monotonic() - t_sent))


def cmd_abandon(base, n):
    """Tails whose clients went away release their workers (the pool is bounded by --threads)."""
    n = int(n)
    c = Client(base)
    tails = [Tail(c, '/api/v1/tail?' + qs(q='nosuchwordanywhere')) for _ in range(n)]
    wait_tails(c, n, 'abandoned tails')
    for t in tails:
        t.close()
    v = wait_gauge(c, 'logstream_tail_clients', lambda v: v == 0, 5)
    expect(v == 0, 'logstream_tail_clients is %s 5 s after %d idle tails were closed by their clients, expected 0 '
           '(each abandoned tail keeps one of the --threads workers)' % (v, n))
    r = Client(base, timeout=10).request('GET', '/api/v1/health')
    expect(r.status == 200, 'GET /api/v1/health after the abandoned tails: status %d' % r.status)


def cmd_metrics(base):
    c = Client(base)
    samples, types = metrics(c)
    led = LEDGER.data
    for name, typ in (('logstream_logs_received_total', 'counter'), ('logstream_logs_processed_total', 'counter'),
                      ('logstream_query_duration_seconds', 'histogram'), ('logstream_http_requests_total', 'counter'),
                      ('logstream_ingest_errors_total', 'counter'), ('logstream_store_entries', 'gauge'),
                      ('logstream_store_size_bytes', 'gauge'), ('logstream_tail_clients', 'gauge')):
        expect(types.get(name) == typ, '/metrics: # TYPE %s is %r, expected %s' % (name, types.get(name), typ))
    # records received by source, and processed
    got = {}
    for l, v in series(samples, 'logstream_logs_received_total'):
        got[l.get('source')] = got.get(l.get('source'), 0) + v
    want = {s: float(n) for s, n in led['stored'].items()}
    got_nz = {s: v for s, v in got.items() if v}
    expect(got_nz == want, '/metrics: logstream_logs_received_total by source %s, expected %s'
           % (json.dumps(got_nz, sort_keys=True), json.dumps(want, sort_keys=True)))
    total = sum(led['stored'].values())
    p = series(samples, 'logstream_logs_processed_total')
    expect(len(p) == 1 and p[0][1] == total, '/metrics: logstream_logs_processed_total %s, expected %d'
           % ([v for _, v in p], total))
    s = series(samples, 'logstream_store_entries')
    expect(len(s) == 1 and s[0][1] == total, '/metrics: logstream_store_entries %s, expected %d' % ([v for _, v in s], total))
    # the query histogram: the seed's buckets, cumulative, +Inf equal to _count
    want_le = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, math.inf]
    groups = {}
    for l, v in series(samples, 'logstream_query_duration_seconds_bucket'):
        key = json.dumps({k: x for k, x in l.items() if k != 'le'}, sort_keys=True)
        try:
            le = float(l.get('le', 'x'))
        except ValueError:
            le = None
        groups.setdefault(key, []).append((le, v))
    counts = {json.dumps(l, sort_keys=True): v for l, v in series(samples, 'logstream_query_duration_seconds_count')}
    sums = {json.dumps(l, sort_keys=True): v for l, v in series(samples, 'logstream_query_duration_seconds_sum')}
    expect(groups, '/metrics: no logstream_query_duration_seconds_bucket samples')
    n_count = 0
    for key, buckets in groups.items():
        les = [le for le, _ in buckets]
        expect(les == want_le, '/metrics: logstream_query_duration_seconds_bucket%s le values %s, expected %s'
               % (key, les, want_le))
        vals = [v for _, v in buckets]
        expect(vals == sorted(vals), '/metrics: logstream_query_duration_seconds_bucket%s not cumulative: %s' % (key, vals))
        expect(key in counts and vals and vals[-1] == counts[key],
               '/metrics: logstream_query_duration_seconds%s: +Inf bucket %s, _count %s' % (key, vals[-1:], counts.get(key)))
        expect(key in sums and sums[key] >= 0, '/metrics: logstream_query_duration_seconds_sum%s is %s'
               % (key, sums.get(key)))
        n_count += counts.get(key, 0)
    q_ok = q_all = 0
    for k, n in led['requests'].items():
        method, path, status = k.split(' ')
        if (method, path) in QUERY_ENDPOINTS:
            q_all += n
            q_ok += n if status == '200' else 0
    expect(q_ok <= n_count <= q_all, '/metrics: logstream_query_duration_seconds_count %s, expected between %d (the '
           'queries, analyses, GET logs, sources and stats answered 200) and %d (all of them)' % (n_count, q_ok, q_all))
    # every request, by path, method and status (the tail and /metrics itself left out)
    got = {}
    for l, v in series(samples, 'logstream_http_requests_total'):
        if set(l) != {'path', 'method', 'status'}:
            problems.append('/metrics: logstream_http_requests_total with labels %s, expected path, method, status'
                            % sorted(l))
            break
        if l['path'] in ('/metrics', '/api/v1/tail'):
            continue
        k = '%s %s %s' % (l['method'], l['path'], l['status'])
        got[k] = got.get(k, 0) + v
    want = {k: float(n) for k, n in led['requests'].items() if k.split(' ')[1] not in ('/metrics', '/api/v1/tail')}
    diff = sorted('%s: %s, expected %s' % (k, got.get(k, 0), want.get(k, 0))
                  for k in set(got) | set(want) if got.get(k, 0) != want.get(k, 0))
    expect(not diff, '/metrics: logstream_http_requests_total{method,path,status} differs from the requests made '
           '(%d series): %s' % (len(diff), '; '.join(diff[:12])))
    errs = {k: n for k, n in want.items() if int(k.split(' ')[2]) >= 400}
    note('metrics: %d error requests checked by method, path and status: %s' % (
        sum(errs.values()), ', '.join('%s=%d' % (k, n) for k, n in sorted(errs.items()))))
    # ingestion errors by reason
    reasons = {}
    for l, v in series(samples, 'logstream_ingest_errors_total'):
        reasons[l.get('reason')] = reasons.get(l.get('reason'), 0) + v
    ing = led['ingest']
    J, R, E, T = ing.get('json', 0), ing.get('record', 0), ing.get('either', 0), ing.get('too_large', 0)
    M, MO = ing.get('media', 0), ing.get('media_other', 0)
    ij, ir, tl = reasons.get('invalid_json', 0), reasons.get('invalid_record', 0), reasons.get('too_large', 0)
    um = reasons.get('unsupported_media_type', 0)
    ok = (ij >= J and ir >= R and tl >= T and ij + ir + tl == J + R + E + T and M <= um <= M + MO
          and not reasons.get('store_unavailable') and not reasons.get('unauthorized')
          and set(reasons) <= {'invalid_json', 'invalid_record', 'too_large', 'unsupported_media_type',
                               'store_unavailable', 'unauthorized'})
    expect(ok, '/metrics: logstream_ingest_errors_total by reason %s; expected invalid_json >= %d (malformed bodies), '
           'invalid_record >= %d (invalid timestamps), too_large >= %d (413s), the three together = %d (%d more that '
           'are one or the other: non-objects, a syntax error in an NDJSON line, a record over --max-record-bytes), '
           'unsupported_media_type between %d and %d' % (json.dumps(reasons, sort_keys=True), J, R, T, J + R + E + T,
                                                         E, M, M + MO))
    v = wait_gauge(c, 'logstream_tail_clients', lambda v: v == 0, 5)
    expect(v == 0, '/metrics: logstream_tail_clients is %s after every tail was closed, expected 0' % v)


def cmd_snapshot(base, path):
    c = Client(base)
    snap = {'stats': stats(c), 'sources': json_ok(c.request('GET', '/api/v1/logs/sources'))}
    with open(path, 'w') as f:
        json.dump(snap, f)


def exited(pid):
    """True when process PID has ended (a zombie its parent has not reaped yet counts)."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] in ('Z', 'X')
    except OSError:
        return True


def cmd_lastwrites(base, pid, killfile):
    """Posts 20 records one by one with a tail open, SIGTERMs the server right after the last 200,
    and checks that the tail ends cleanly and the server exits, both within 5 s."""
    pid = int(pid)
    c = Client(base)
    t = Tail(c, '/api/v1/tail?source=last')
    wait_tails(c, 1, 'tail before SIGTERM')
    for i in range(20):
        rec = {'timestamp': rfc(epoch(2025, 5, 16, 12) + i), 'source': 'last', 'level': 'info',
               'message': 'posted right before SIGTERM %d' % i, 'fields': {'last': i}}
        r = post_records(c, rec, path='/api/v1/logs', keep=True)
        must(r.status == 200, 'POST /api/v1/logs: status %d %s' % (r.status, short(r.body)))
    os.kill(pid, signal.SIGTERM)
    t0 = time.monotonic()
    with open(killfile, 'w') as f:
        f.write('sent')
    tail_end = proc_end = None
    while time.monotonic() - t0 < 10 and (tail_end is None or proc_end is None):
        if tail_end is None and t.ended is not None:
            tail_end = time.monotonic() - t0
        if proc_end is None and exited(pid):
            proc_end = time.monotonic() - t0
        time.sleep(0.02)
    expect(t.ended == 'eof' and tail_end is not None and tail_end < 5,
           'a tail open at SIGTERM: %s, expected a clean end of the stream within 5 s'
           % ('still open 10 s after the signal' if t.ended is None else 'ended with %s after %.2f s' % (t.ended, tail_end)))
    expect(proc_end is not None and proc_end < 5, 'logserve exited %s after SIGTERM, expected within 5 s (the client '
           'that posted the 20 records still held its idle keep-alive connection)'
           % ('more than 10 s' if proc_end is None else '%.2f s' % proc_end))
    note('SIGTERM: the open tail ended after %s s (%s), logserve exited after %s s'
         % ('%.2f' % tail_end if tail_end is not None else '?', t.ended,
            '%.2f' % proc_end if proc_end is not None else '?'))
    t.close()


def cmd_compare(base, path):
    """After the restart: the stats and sources of the snapshot, plus the 20 "last" records."""
    c = Client(base)
    with open(path) as f:
        snap = json.load(f)
    before, now = snap['stats'], stats(c)
    want = dict(before)
    want['TotalEntries'] = before['TotalEntries'] + 20
    want['EntriesBySource'] = dict(before['EntriesBySource'], last=20)
    want['EntriesByLevel'] = dict(before['EntriesByLevel'], info=before['EntriesByLevel'].get('info', 0) + 20)
    for k in ('TotalEntries', 'OldestEntry', 'NewestEntry', 'EntriesBySource', 'EntriesByLevel'):
        expect(strict_eq(now.get(k), want[k]), 'after the restart, stats %s is %s, expected %s'
               % (k, json.dumps(now.get(k)), json.dumps(want[k])))
    sources = json_ok(c.request('GET', '/api/v1/logs/sources'))
    expect(sources == sorted(snap['sources'] + ['last']), 'after the restart, sources %s, expected %s'
           % (sources, sorted(snap['sources'] + ['last'])))
    got = records_of(c.request('GET', '/api/v1/logs?source=last&order=asc'))
    expect([x['fields'].get('last') for x in got] == list(range(20)),
           'after the restart, the records posted right before SIGTERM: %s, expected last=0..19'
           % [x['fields'].get('last') for x in got])


def cmd_verify_store(base, what):
    """The store holds exactly what the ledger says was stored, and every concurrent record once."""
    c = Client(base)
    st = stats(c)
    want = LEDGER.data['stored']
    expect(strict_eq(st.get('EntriesBySource'), want), '%s: stats EntriesBySource %s, expected what was acknowledged: %s'
           % (what, json.dumps(st.get('EntriesBySource'), sort_keys=True), json.dumps(want, sort_keys=True)))
    expect(st.get('TotalEntries') == sum(want.values()), '%s: stats TotalEntries %s, expected %d'
           % (what, st.get('TotalEntries'), sum(want.values())))
    obj = pipe(c, 'count by source')
    got = {row[0]: row[1] for row in obj['rows']}
    expect(got == want, '%s: pipe "count by source" %s, expected %s' % (what, json.dumps(got, sort_keys=True),
                                                                       json.dumps(want, sort_keys=True)))
    obj = pipe(c, 'count by seq', 'source:conc')
    rows = obj['rows']
    expect(sorted(r[0] for r in rows) == list(range(CONC_TOTAL)) and all(r[1] == 1 for r in rows),
           '%s: pipe "count by seq" over source:conc: %d rows, expected seq 0..%d once each'
           % (what, len(rows), CONC_TOTAL - 1))


def cmd_ingest_small(base, n):
    """A few records in, and found again (for the mem: and TLS servers)."""
    n = int(n)
    c = Client(base, cafile=os.environ.get('CAFILE'))
    recs = [{'timestamp': rfc(epoch(2025, 5, 19) + k), 'source': 'small', 'level': 'info', 'message': 'small %d' % k,
             'fields': {'k': k}} for k in range(n)]
    expect_ok_count(post_records(c, recs), n)
    got = records_of(c.request('GET', '/api/v1/logs?source=small&order=asc&limit=%d' % (n + 10)))
    expect(strict_eq(got, recs), 'GET /api/v1/logs?source=small: %d records, expected the %d sent' % (len(got), n))
    expect(pipe_count(c, '') == n, 'pipe "count": expected %d' % n)
    expect(stats(c).get('TotalEntries') == n, 'stats TotalEntries: expected %d' % n)
    r = c.request('GET', '/api/v1/health')
    expect(r.status == 200, 'GET /api/v1/health: status %d' % r.status)


def cmd_tls(base, cafile):
    u = urllib.parse.urlsplit(base)
    # plain HTTP to the HTTPS port gets no answer a client could take for one
    try:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
        conn.request('GET', '/api/v1/health')
        st = conn.getresponse().status
        conn.close()
    except (OSError, http.client.HTTPException):
        st = None
    expect(st != 200, 'plain HTTP to the HTTPS port answered 200')
    # a client that does not trust the certificate refuses it
    try:
        conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=5, context=ssl.create_default_context())
        conn.request('GET', '/api/v1/health')
        conn.getresponse()
        expect(False, 'an HTTPS client without the test CA accepted the certificate')
    except ssl.SSLError:
        pass
    except OSError as e:
        expect(False, 'an HTTPS client without the test CA: %s (expected a certificate error)' % e)
    p = subprocess.run(['curl', '-sS', '--cacert', cafile, base + '/api/v1/health'], capture_output=True, text=True,
                       timeout=30)
    expect(p.returncode == 0 and '"ok"' in p.stdout, 'curl --cacert CERT %s/api/v1/health: rc %d, %s %s'
           % (base, p.returncode, short(p.stdout), short(p.stderr)))


def cmd_auth(base):
    W, R, F = 's3cret-writer', 's3cret-reader', 's3cret-file-writer'
    anon, wrong, reader, writer, filew = (Client(base), Client(base, 'nope'), Client(base, R), Client(base, W),
                                          Client(base, F))
    rec = {'timestamp': '2025-05-20T00:00:00Z', 'source': 'authz', 'level': 'info', 'message': 'auth'}
    n401 = n403 = 0
    for cl, method, path, body in ((anon, 'POST', '/api/v1/logs', rec), (anon, 'POST', '/api/v1/logs/batch', [rec]),
                                   (wrong, 'POST', '/api/v1/logs', rec), (anon, 'GET', '/api/v1/logs', None),
                                   (anon, 'GET', '/api/v1/logs/stats', None), (anon, 'GET', '/api/v1/logs/sources', None),
                                   (wrong, 'POST', '/api/v1/query', {'filter': ''}),
                                   (anon, 'POST', '/api/v1/query/analyze', {'analysis': {'type': 'pipe', 'pipe': 'count'}}),
                                   (anon, 'GET', '/api/v1/tail', None)):
        if path == '/api/v1/tail':
            r = tail_once(cl, path, 'a tail without a token')
            if r is None:
                continue
        else:
            r = cl.request(method, path, body)
        obj = json_error(r, 401)
        n401 += path.startswith('/api/v1/logs') and method == 'POST'
        if obj is not None:
            expect(obj['error'] == 'missing or invalid bearer token', '%s without a valid token: "error" %r'
                   % (r.what(), obj['error']))
            expect(r.headers.get('www-authenticate', '').split(' ')[0].lower() == 'bearer',
                   '%s without a valid token: WWW-Authenticate %r, expected Bearer' % (r.what(), r.headers.get('www-authenticate')))
    r = anon.request('POST', '/api/v1/logs', rec, headers={'Authorization': 'Basic ' + 'dXNlcjpwYXNz'})
    json_error(r, 401)
    n401 += 1
    for path, body in (('/api/v1/logs', rec), ('/api/v1/logs/batch', [rec])):
        r = reader.request('POST', path, body)
        obj = json_error(r, 403)
        n403 += 1
        if obj is not None:
            expect(obj['error'] == 'this token may only read', 'POST %s with a read token: "error" %r'
                   % (path, obj['error']))
    r = writer.request('POST', '/api/v1/logs', rec)
    expect(r.status == 200 and r.body and json.loads(r.body) == {'status': 'ok'},
           'POST /api/v1/logs with the write token: %d %s' % (r.status, short(r.body)))
    recs = [dict(rec, message='auth %d' % k, timestamp='2025-05-20T00:00:0%dZ' % (k + 1)) for k in range(4)]
    expect_ok_count(filew.request('POST', '/api/v1/logs/batch', recs), 4)
    for cl, who in ((reader, 'read'), (writer, 'write')):
        r = cl.request('GET', '/api/v1/logs?source=authz&limit=100')
        expect(r.status == 200 and len(json.loads(r.body or b'null') or []) == 5,
               'GET /api/v1/logs with the %s token: %d %s, expected the 5 records' % (who, r.status, short(r.body)))
        r = cl.request('POST', '/api/v1/query/analyze', {'analysis': {'type': 'pipe', 'pipe': 'count'}})
        expect(r.status == 200, 'POST /api/v1/query/analyze with the %s token: %d %s' % (who, r.status, short(r.body)))
    for path in ('/api/v1/health', '/metrics'):
        r = anon.request('GET', path)
        expect(r.status == 200, 'GET %s without a token: status %d, expected 200 (open)' % (path, r.status))
    # server.default_limit: 3 from the file; --max-body 4K on the command line over max_body: 2K in the file
    r = reader.request('GET', '/api/v1/logs?source=authz')
    expect(r.status == 200 and len(json.loads(r.body or b'[]')) == 3,
           'GET /api/v1/logs without limit, default_limit: 3 in the config file: %d records, expected 3'
           % (len(json.loads(r.body or b'[]')) if r.status == 200 else -1))
    body = json.dumps([dict(rec, message='m' * 2900)])
    r = writer.request('POST', '/api/v1/logs/batch', body)
    expect(r.status == 200, 'a 3K body with --max-body 4K given over max_body: 2K in the file: status %d, expected 200'
           % r.status)
    r = writer.request('POST', '/api/v1/logs/batch', json.dumps([dict(rec, message='m' * 5000)]))
    expect(r.status == 413, 'a 5K body with --max-body 4K: status %d, expected 413' % r.status)
    s = json_ok(reader.request('GET', '/api/v1/logs/stats'))
    expect(s.get('TotalEntries') == 6, 'stats with the read token: TotalEntries %s, expected 6 (nothing of the 401 and '
           '403 requests stored)' % s.get('TotalEntries'))
    framing_case(base, '/api/v1/logs', 'application/json', json.dumps(rec).encode(), 401)
    n401 += 1
    samples, _ = metrics(anon)
    un = sum(v for l, v in series(samples, 'logstream_ingest_errors_total') if l.get('reason') == 'unauthorized')
    expect(n401 <= un <= n401 + n403, '/metrics: logstream_ingest_errors_total{reason="unauthorized"} %s, expected '
           'between %d (401s on ingestion) and %d (with the 403s)' % (un, n401, n401 + n403))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        globals()['cmd_' + cmd](*args)
    except Fail as e:
        problems.append(str(e))
    finally:
        LEDGER.save()
    for p in problems:
        print('  - ' + p)
    sys.exit(1 if problems else 0)


main()
PYEOF
export WORK=$work LEDGER=$work/ledger.json
version=$("$LOGSERVE" --version 2>/dev/null | grep -o '[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*' | head -n 1)
[[ -n $version ]] || bad "logserve --version: no version number in '$("$LOGSERVE" --version 2>&1 | head -c 200)'"

# ---- 1. The main server: the seed's requests and answers ----
store=$work/store   # does not exist yet: logserve creates it
check "start logserve --port 0 on a new store; the listening line names the real port and the store"
start_server main --port 0 --store "$store" --max-body 64K --max-record-bytes 2048 --threads 16 \
  || fail "the main server does not start"
main_pid=$srv_pid
export MAIN_URL=$srv_url
[[ $srv_scheme == http && $srv_store == "$store" ]] || bad "listening line: scheme $srv_scheme, store '$srv_store', expected http and '$store'"
[[ -d $store ]] || bad "--store $store: the directory was not created"

check "GET /api/v1/health: {\"status\":\"ok\",\"version\":\"$version\"}"
hp "health" health "$MAIN_URL" "$version"

check "the seed's requests verbatim over its five-source data set give the seed's answers"
hp "seed" seed "$MAIN_URL"

check "read-your-writes: a record is returned by a query sent right after its 200"
hp "read-your-writes" rw "$MAIN_URL"

check "NDJSON, gzip and CRLF batches; Accept: application/x-ndjson; every analysis against python3"
hp "formats and analyses" formats "$MAIN_URL"

check "errors: 400 (JSON, query column, all-or-nothing batches, parameters), 404, 405, 413, 415"
hp "errors" errors "$MAIN_URL"

check "an error answered before the body was read keeps a keep-alive connection in step"
hp "keep-alive framing" framing "$MAIN_URL"

check "8 writers and a reader at once: every record once, no query misses an acknowledged record"
hp "concurrency" concurrency "$MAIN_URL"

check "live tail: exactly the new matching records, in order (NDJSON, SSE, ?source=)"
hp "tail" tail "$MAIN_URL"

check "/metrics agrees with every request made: received, processed, query histogram, requests, errors"
hp "metrics" metrics "$MAIN_URL"

check "tails whose clients went away release their workers"
hp "abandoned tails" abandon "$MAIN_URL" 6

check "the store holds exactly what was acknowledged"
hp "store contents" verify_store "$MAIN_URL" "before the restart"

# ---- 2. Exit statuses while the main server runs ----
check "a second logserve on the same store exits 75; on the same port 69; an unknown option 64"
expect_exit locked 75 "the store is locked" --port 0 --store "$store"
expect_exit port 69 "the port is taken" --port "$srv_port" --store "$work/store-port"
expect_exit usage 64 "an unknown option" --no-such-option
grep -q "Try 'logserve --help'" "$work/usage.err" || bad "an unknown option: no \"Try 'logserve --help'\" line: $(head -c 300 "$work/usage.err")"

# ---- 3. SIGTERM and a restart on the same store ----
check "SIGTERM with a tail open right after 20 acknowledged POSTs: the tail ends, exit 0 promptly"
hp "snapshot" snapshot "$MAIN_URL" "$work/snapshot.json"
hp "last writes before SIGTERM" lastwrites "$MAIN_URL" "$main_pid" "$work/killed-at"
if [[ ! -s $work/killed-at ]]; then  # the helper stopped before its SIGTERM
  kill -TERM "$main_pid" 2>/dev/null
fi
if wait_exit "$main_pid" 10 "logserve after SIGTERM"; then
  [[ $rc == 0 ]] || bad "logserve after SIGTERM: exit status $rc, expected 0; stderr: $(tail -c 400 "$work/main.err")"
fi

check "restart on the same store: every record is still there, those posted right before SIGTERM too"
start_server main2 --port 0 --store "$store" --max-body 64K --max-record-bytes 2048 \
  || fail "logserve does not start again on the store it has stopped with"
main_pid=$srv_pid
export MAIN_URL=$srv_url
hp "restart" compare "$MAIN_URL" "$work/snapshot.json"
hp "store contents" verify_store "$MAIN_URL" "after the restart"
stop_server "$main_pid" "logserve (restarted)"
"$LOGSTORE" export "$store" >"$work/export.ndjson" 2>"$work/export.err"
rc=$?
want=$("$PY" -c 'import json, sys; print(sum(json.load(open(sys.argv[1]))["stored"].values()))' "$LEDGER")
[[ $rc == 0 && $(wc -l <"$work/export.ndjson") == "$want" ]] \
  || bad "logstore export of logserve's store: rc $rc, $(wc -l <"$work/export.ndjson") records, expected 0 and $want; $(head -c 300 "$work/export.err")"

# ---- 4. Configuration: auth tokens, server: keys, unknown keys ----
check "auth tokens: 401 without, 403 for a read token on ingestion, health and metrics open"
printf 's3cret-file-writer\n' >"$work/writer.token"
cat >"$work/auth.yaml" <<EOF
# logserve with bearer tokens; the other tools' sections are not logserve's business.
store:
  sync: always
server:
  max_body: 2K
  default_limit: 3
auth:
  tokens:
    - token: "s3cret-writer"
      access: write
    - token: "s3cret-reader"
      access: read
    - token_file: $work/writer.token
      access: write
EOF
if start_server auth --config "$work/auth.yaml" --port 0 --store "$work/store-auth" --max-body 4K; then
  LEDGER='' hp "auth" auth "$srv_url"
  stop_server "$srv_pid" "logserve with auth"
fi

check "unknown keys in server:, auth: and tls: exit 78 naming FILE:LINE and the key"
printf 'server:\n  port: 0\n  bogus_key: 1\n' >"$work/bad1.yaml"
expect_exit bad1 78 "an unknown server: key" --config "$work/bad1.yaml" --store "$work/store-bad"
grep -qF "$work/bad1.yaml:3: unknown key 'server.bogus_key'" "$work/bad1.err" \
  || bad "an unknown server: key: stderr '$(head -c 300 "$work/bad1.err")', expected \"$work/bad1.yaml:3: unknown key 'server.bogus_key'\""
printf 'auth:\n  tokens:\n    - token: "x"\n      acces: read\n' >"$work/bad2.yaml"
expect_exit bad2 78 "an unknown key in auth.tokens" --config "$work/bad2.yaml" --port 0 --store "$work/store-bad"
grep -q "bad2.yaml:4:.*acces" "$work/bad2.err" \
  || bad "an unknown key in auth.tokens: stderr '$(head -c 300 "$work/bad2.err")', expected it to name bad2.yaml:4 and 'acces'"
printf 'server:\n  port: 0\ntls:\n  chain: x.pem\n' >"$work/bad3.yaml"
expect_exit bad3 78 "an unknown tls: key" --config "$work/bad3.yaml" --store "$work/store-bad"
grep -qF "$work/bad3.yaml:4: unknown key 'tls.chain'" "$work/bad3.err" \
  || bad "an unknown tls: key: stderr '$(head -c 300 "$work/bad3.err")', expected \"$work/bad3.yaml:4: unknown key 'tls.chain'\""
[[ ! -e $work/store-bad ]] || bad "a bad configuration still created the store directory"

# ---- 5. TLS ----
check "TLS: a self-signed certificate; https answers, the listening line says https"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" >"$work/openssl.err" 2>&1 \
  || fail "openssl cannot make a certificate: $(cat "$work/openssl.err")"
if start_server tls --port 0 --store "$work/store-tls" --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"; then
  [[ $srv_scheme == https ]] || bad "with --tls-cert/--tls-key the listening line says $srv_scheme, expected https"
  CAFILE=$work/cert.pem hp "TLS" ingest_small "https://127.0.0.1:$srv_port" 25
  hp "TLS" tls "https://127.0.0.1:$srv_port" "$work/cert.pem"
  stop_server "$srv_pid" "logserve with TLS"
fi
printf 'tls:\n  cert: %s\n  key: %s\n' "$work/cert.pem" "$work/key.pem" >"$work/tls.yaml"
if start_server tls2 --config "$work/tls.yaml" --port 0 --store "$work/store-tls2"; then
  [[ $srv_scheme == https ]] || bad "with tls: cert and key in the config file the listening line says $srv_scheme"
  CAFILE=$work/cert.pem hp "TLS from the config file" ingest_small "https://127.0.0.1:$srv_port" 3
  stop_server "$srv_pid" "logserve with TLS from the config file"
fi
"$LOGSERVE" --port 0 --store "$work/store-tls3" --tls-cert "$work/cert.pem" --tls-key "$work/no-such-key.pem" \
  >/dev/null 2>"$work/tls3.err" &
pid=$!
bg_pids+=("$pid")
if wait_exit "$pid" 10 "a TLS key that does not exist"; then
  [[ $rc != 0 ]] || bad "a TLS key that does not exist: exit status 0"
  ! grep -q 'listening on' "$work/tls3.err" || bad "a TLS key that does not exist: logserve listened anyway"
fi

# ---- 6. --store mem: ----
check "--store mem: ingests and queries, and leaves nothing behind"
mkdir -p "$work/memcwd"
srv_cwd=$work/memcwd
if start_server mem --port 0 --store mem:; then
  srv_cwd=
  mem_pid=$srv_pid
  hp "mem:" ingest_small "$srv_url" 50
  # The files the in-memory store has open (on /dev/shm, says the specification).
  shm=$(for f in /proc/"$mem_pid"/fd/*; do readlink "$f"; done 2>/dev/null | grep '^/dev/shm/' | sort -u)
  [[ -n $shm ]] || bad "--store mem: logserve has no file open under /dev/shm: $(for f in /proc/"$mem_pid"/fd/*; do readlink "$f"; done 2>/dev/null | tr '\n' ' ')"
  stop_server "$mem_pid" "logserve --store mem:"
  left=$(find "$work/memcwd" -mindepth 1 | head -n 5)
  [[ -z $left ]] || bad "--store mem: left files in the working directory: $left"
  while IFS= read -r f; do
    [[ -z $f || ! -e $f ]] || bad "--store mem: $f still exists after logserve exited"
  done <<<"$shm"
fi
srv_cwd=

# ---- Summary ----
if ((${#failures[@]})); then
  echo "FAIL: logserve_e2e: ${#failures[@]} failed [${SECONDS}s]:" >&2
  for f in "${failures[@]}"; do echo "  - ${f:0:600}" >&2; done
  exit 1
fi
echo "PASS: logserve_e2e [${SECONDS}s]"
