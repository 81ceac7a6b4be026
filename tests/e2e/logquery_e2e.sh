#!/usr/bin/env bash
# tests/e2e/logquery_e2e.sh -- Properties of logquery (tools/logquery, common/engine) checked
# through the real binary, against logfilter and against counts computed here with python3:
#   - a store of 60,000 generated records over 3 days plus six hand-written ones (nested JSON,
#     numeric strings, missing fields, unicode, a level alias, an offset, a needle word);
#   - 60+ queries covering every operator of docs/query-language.md give, with -j 2 (and -j 1
#     for some), the same multiset of lines and the same exit status as logfilter over the
#     NDJSON;
#   - --from/--to equal logfilter with timestamp:>=A timestamp:<B; --since 1h on old data is 1;
#   - order and limit: ascending and --order desc timestamps, -n, --order desc -n, --sort on a
#     numeric field in both orders;
#   - every analysis (count, count by, histogram, top, uniq, stats with every function) equals
#     what python3 computes from the canonical records;
#   - output formats: csv, tsv, --fields, logfmt, table;
#   - a reader that goes away (| head): prompt exit, status 0 or 141, nothing on stderr;
#   - errors: query syntax (column), unknown analysis, no store, unknown option, config file,
#     memory limit (70), LOGSTREAM_STORE;
#   - --explain: counts on stderr, stdout data only, bloom skips for a needle;
#   - records still in the write-ahead log of a running logstore are found;
#   - a damaged chunk: exit 65, the block is reported, the other blocks' records are printed;
#   - --follow prints each record stored while it runs once: logged, sealed, in a fast stream;
#   - --server gives the same answers through a REST server (a stand-in for logserve).
#
#   LOGQUERY=... LOGSTORE=... LOGFILTER=... GEN_LOGS=... bash tests/e2e/logquery_e2e.sh
# (each defaults to its place under the source tree's build/ when unset). Needs python3; jq is
# not needed. Unlike the other scripts, a failed property does not stop the run: every check
# runs, and the summary at the end lists the failures (exit status 1). A broken setup (a test
# bug, a tool that cannot run at all) still stops at once.

# "A && B || bad ...": bad runs when either fails, as meant.
# shellcheck disable=SC2015
set -uo pipefail

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

default_build=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build
LOGQUERY=${LOGQUERY:-$default_build/tools/logquery/logquery}
LOGSTORE=${LOGSTORE:-$default_build/tools/logstore/logstore}
LOGFILTER=${LOGFILTER:-$default_build/tools/logfilter/logfilter}
GEN_LOGS=${GEN_LOGS:-$default_build/bench/gen_logs}
for bin in "$LOGQUERY" "$LOGSTORE" "$LOGFILTER" "$GEN_LOGS"; do
  [[ -x $bin ]] || fail "'$bin' is not executable"
done
command -v python3 >/dev/null 2>&1 || fail "python3 is required (the expected analyses)"
PY=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 does not run"
[[ -x $PY ]] || fail "cannot locate the python3 interpreter ('$PY')"

work=$(mktemp -d "${TMPDIR:-/tmp}/logquery-e2e.XXXXXX") || exit 2
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
export LC_ALL=C
unset LOGSTREAM_STORE NO_COLOR
LQ=$LOGQUERY
LS=$LOGSTORE
LF=$LOGFILTER

# A failed property is recorded and the run goes on; the summary lists them all.
failures=()
bad() {
  echo "  FAIL: $*" >&2
  failures+=("$*")
}

# wait_exit PID SECONDS WHAT: waits for a background process to end and sets $rc to its status.
wait_exit() {
  local pid=$1 limit=$2 waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= limit * 20)); then
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      fail "process $pid ($3) did not exit within $limit s"
    fi
    sleep 0.05
    waited=$((waited + 1))
  done
  wait "$pid" 2>/dev/null
  rc=$?
  forget "$pid"
}

# q ARGS...: logquery on the main store with ARGS; stdout in $work/q.out, stderr in $work/q.err,
# status in $rc.
q() {
  "$LQ" --store "$store" "$@" >"$work/q.out" 2>"$work/q.err"
  rc=$?
}
errtext() { head -c 600 "$work/q.err" | tr '\n' '|'; }

# The python3 helper: expected analyses and the checks that need parsing. Each subcommand
# prints nothing and exits 0 when the property holds, else prints why and exits 1.
helper=$work/helper.py
cat >"$helper" <<'EOF'
import calendar, collections, csv, json, math, re, sys

NUM = re.compile(r'-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$')
TS = re.compile(r'(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$')
TOP = ('timestamp', 'source', 'level', 'message')


def ns(ts):
    m = TS.match(ts)
    if not m:
        raise SystemExit('not a canonical UTC timestamp: %r' % ts)
    s = calendar.timegm(tuple(int(x) for x in m.groups()[:6]))
    return s * 10**9 + int((m.group(7) or '0').ljust(9, '0'))


def rfc(sec):
    return '%04d-%02d-%02dT%02d:%02d:%02dZ' % __import__('time').gmtime(sec)[:6]


def records(path):
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f]


MISSING = object()


def get(rec, name, missing=None):
    """The value of the field NAME as an analysis sees it: MISSING (None unless asked) when the
    record does not have it."""
    if name in TOP:
        return rec.get(name)
    if name.startswith('fields.'):
        name = name[7:]
    return rec.get('fields', {}).get(name, missing)


def vkey(v):
    """docs/query-language.md, "Fields and values": numbers first in numeric order, then other
    values byte by byte, then null."""
    if v is None:
        return (2, 0, b'')
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return (0, v, b'')
    if isinstance(v, str):
        return (1, 0, v.encode())
    return (1, 0, json.dumps(v, separators=(',', ':'), ensure_ascii=False).encode())


def number(v):
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and NUM.match(v):
        return float(v)
    return None


def rows(path):
    out = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            try:
                out.append(json.loads(line))
            except ValueError:
                raise SystemExit('line %d of the output is not JSON: %r' % (n, line[:200]))
    return out


def close(a, b):
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def same_rows(actual, expected, key_cols, what):
    """actual and expected as lists of dicts; compared as sets keyed by key_cols."""
    def key(r):
        return json.dumps([r.get(k) for k in key_cols])
    a = {key(r): r for r in actual}
    e = {key(r): r for r in expected}
    if len(a) != len(actual):
        raise SystemExit('%s: duplicate rows for one key in the output' % what)
    missing = [k for k in e if k not in a][:3]
    extra = [k for k in a if k not in e][:3]
    if missing or extra:
        raise SystemExit('%s: %d rows, expected %d; missing %s; unexpected %s'
                         % (what, len(actual), len(expected), missing, extra))
    for k, er in e.items():
        ar = a[k]
        if sorted(ar) != sorted(er):
            raise SystemExit('%s: row %s has columns %s, expected %s' % (what, k, list(ar), list(er)))
        for c in er:
            if not close(ar[c], er[c]):
                raise SystemExit('%s: row %s column %r is %r, expected %r' % (what, k, c, ar[c], er[c]))


def non_increasing(vals, what):
    for i in range(1, len(vals)):
        if vals[i] > vals[i - 1]:
            raise SystemExit('%s: not in non-increasing order at row %d: %r then %r'
                             % (what, i + 1, vals[i - 1], vals[i]))


def non_decreasing(vals, what):
    for i in range(1, len(vals)):
        if vals[i] < vals[i - 1]:
            raise SystemExit('%s: not in non-decreasing order at row %d: %r then %r'
                             % (what, i + 1, vals[i - 1], vals[i]))


def count_by(recs, cols):
    c = collections.Counter(json.dumps([get(r, f) for f in cols]) for r in recs)
    return [dict(zip(cols, json.loads(k)), count=n) for k, n in c.items()]


def nearest_rank(vals, p):
    return vals[max(0, math.ceil(p / 100.0 * len(vals)) - 1)]


def cmd_analysis(canon, kind, out):
    recs = records(canon)
    act = rows(out)
    if kind == 'count':
        same_rows(act, [{'count': len(recs)}], [], kind)
    elif kind in ('count-by-source', 'count-by-source-level', 'error-count-by-host'):
        cols = {'count-by-source': ['source'], 'count-by-source-level': ['source', 'level'],
                'error-count-by-host': ['host']}[kind]
        if kind == 'error-count-by-host':
            recs = [r for r in recs if r['level'] == 'error']
        exp = count_by(recs, cols)
        same_rows(act, exp, cols, kind)
        order = lambda r: (-r['count'], [vkey(r[c]) for c in cols])
        exp.sort(key=order)
        if act != exp:
            raise SystemExit('%s: rows not by count descending, then by the values: first rows %s, expected %s'
                             % (kind, act[:3], exp[:3]))
    elif kind == 'histogram-1h':
        c = collections.Counter(ns(r['timestamp']) // (3600 * 10**9) for r in recs)
        first, last = min(c), max(c)
        exp = [{'time': rfc(h * 3600), 'count': c.get(h, 0)} for h in range(first, last + 1)]
        if [r.get('time') for r in act] != [r['time'] for r in exp]:
            raise SystemExit('histogram 1h: buckets %s ... %s (%d), expected %s ... %s (%d), every hour'
                             % (act[:1], act[-1:], len(act), exp[:1], exp[-1:], len(exp)))
        same_rows(act, exp, ['time'], kind)
        total = sum(r['count'] for r in act)
        if total != len(recs):
            raise SystemExit('histogram 1h: counts sum to %d, expected %d' % (total, len(recs)))
    elif kind == 'histogram-1d-by-source':
        c = collections.Counter((rfc(ns(r['timestamp']) // (86400 * 10**9) * 86400), r['source'])
                                for r in recs)
        exp = [{'time': t, 'source': s, 'count': n} for (t, s), n in c.items()]
        same_rows(act, exp, ['time', 'source'], kind)
        exp.sort(key=lambda r: (r['time'], vkey(r['source'])))
        if act != exp:
            raise SystemExit('%s: rows not by time, then by value' % kind)
    elif kind == 'top-5-host':
        # Ties at the cut are broken by value (docs/query-language.md, "top").
        c = collections.Counter(get(r, 'host') for r in recs)
        exp = [{'host': v, 'count': n} for v, n in sorted(c.items(), key=lambda i: (-i[1], vkey(i[0])))[:5]]
        if act != exp:
            raise SystemExit('top 5 host: %s, expected %s' % (act, exp))
    elif kind in ('uniq-level', 'uniq-status'):
        f = kind[5:]
        vals = {json.dumps(get(r, f)) for r in recs}
        exp = [{f: v} for v in sorted((json.loads(v) for v in vals), key=vkey)]
        if act != exp:
            raise SystemExit('uniq %s: %s, expected %s' % (f, act, exp))
    elif kind == 'stats-by-source':
        groups = collections.defaultdict(list)
        for r in recs:
            groups[r['source']].append(r)
        exp = []
        for src, rs in groups.items():
            vals = sorted(v for v in (number(get(r, 'duration_ms')) for r in rs) if v is not None)
            # count_distinct: null counts as a value, a missing field does not.
            hosts = {json.dumps(get(r, 'host')) for r in rs if get(r, 'host', MISSING) is not MISSING}
            row = {'source': src, 'count()': len(rs), 'count_distinct(host)': len(hosts)}
            fn = {'avg': lambda v: math.fsum(v) / len(v), 'min': min, 'max': max,
                  'sum': math.fsum, 'p50': lambda v: nearest_rank(v, 50),
                  'p95': lambda v: nearest_rank(v, 95), 'p99': lambda v: nearest_rank(v, 99)}
            for name, f in fn.items():
                row['%s(duration_ms)' % name] = f(vals) if vals else None
            exp.append(row)
        same_rows(act, exp, ['source'], kind)
        srcs = [vkey(r['source']) for r in act]
        if srcs != sorted(srcs):
            raise SystemExit('stats by source: rows not sorted by source: %s' % [r['source'] for r in act])
    else:
        raise SystemExit('test bug: unknown analysis %s' % kind)


def cmd_order(direction, path):
    vals = [ns(r['timestamp']) for r in rows(path)]
    (non_decreasing if direction == 'asc' else non_increasing)(vals, 'timestamps (%s)' % direction)


def cmd_times(path):
    for r in rows(path):
        print(ns(r['timestamp']))


def cmd_topn(canon, query_source, field, n, path):
    """--sort FIELD --order desc -n N [source:S]: the keys must be the N largest numbers."""
    recs = records(canon)
    if query_source != '-':
        recs = [r for r in recs if r['source'] == query_source]
    nums = sorted((v for v in (get(r, field) for r in recs)
                   if isinstance(v, (int, float)) and not isinstance(v, bool)), reverse=True)
    want = nums[:int(n)]
    got = [get(r, field) for r in rows(path)]
    if got != want:
        raise SystemExit('%s desc: got %s, expected the %s largest: %s' % (field, got, n, want))


def cmd_bottomn(canon, field, n, path):
    recs = records(canon)
    nums = sorted(v for v in (get(r, field) for r in recs)
                  if isinstance(v, (int, float)) and not isinstance(v, bool))
    got = [get(r, field) for r in rows(path)]
    if got != nums[:int(n)]:
        raise SystemExit('%s asc: got %s, expected the %s smallest: %s' % (field, got, n, nums[:int(n)]))


def cmd_csv(canon, level, delim, path):
    recs = [r for r in records(canon) if r['level'] == level]
    with open(path, encoding='utf-8', newline='') as f:
        if delim == 'csv':
            table = list(csv.reader(f))
        else:
            table = [line.rstrip('\n').split('\t') for line in f]
    if not table or table[0] != list(TOP):
        raise SystemExit('%s: header %s, expected %s' % (delim, table[:1], list(TOP)))
    got = sorted(tuple(row) for row in table[1:])
    want = sorted(tuple(r[k] for k in TOP) for r in recs)
    if got != want:
        bad_rows = [row for row in table[1:] if len(row) != 4][:2]
        raise SystemExit('%s: %d rows, expected %d; rows with other than 4 cells: %s; first difference: %s'
                         % (delim, len(got), len(want), bad_rows,
                            next(((g, w) for g, w in zip(got, want) if g != w), None)))


def cmd_fields(canon, path):
    want = sorted(json.dumps([r['timestamp'], get(r, 'host')]) for r in records(canon))
    act = rows(path)
    for r in act:
        if list(r) != ['timestamp', 'host']:
            raise SystemExit('--fields timestamp,host: an object with keys %s' % list(r))
    got = sorted(json.dumps([r['timestamp'], r['host']]) for r in act)
    if got != want:
        raise SystemExit('--fields timestamp,host: %d objects, expected %d, or other values' % (len(got), len(want)))


PAIR = re.compile(r'([^\s="]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?:\s+|$)')


def cmd_logfmt(canon, path):
    want = sorted(json.dumps([r[k] for k in TOP], ensure_ascii=False) for r in records(canon))
    got = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            pos, pairs = 0, []
            while pos < len(line):
                m = PAIR.match(line, pos)
                if not m:
                    raise SystemExit('logfmt line %d does not parse at column %d: %r' % (n, pos + 1, line[:200]))
                v = m.group(2)
                pairs.append((m.group(1), json.loads(v) if v.startswith('"') else v))
                pos = m.end()
            if [k for k, _ in pairs[:4]] != list(TOP):
                raise SystemExit('logfmt line %d does not start with %s: %r' % (n, list(TOP), line[:200]))
            got.append(json.dumps([v for _, v in pairs[:4]], ensure_ascii=False))
    got.sort()
    if got != want:
        raise SystemExit('logfmt: %d lines, expected %d; first difference: %s'
                         % (len(got), len(want), next(((g, w) for g, w in zip(got, want) if g != w), None)))


def cmd_table(ncols, path):
    with open(path, encoding='utf-8') as f:
        lines = [l.rstrip('\n') for l in f]
    spans = [[m.span() for m in re.finditer(r'\S+', l)] for l in lines]
    if len(lines) < 2:
        raise SystemExit('table: %d lines' % len(lines))
    for n, s in enumerate(spans, 1):
        if len(s) != int(ncols):
            raise SystemExit('table line %d has %d columns, expected %s: %r' % (n, len(s), ncols, lines[n - 1]))
    for c in range(int(ncols)):
        starts = {s[c][0] for s in spans}
        ends = {s[c][1] for s in spans}
        if len(starts) != 1 and len(ends) != 1:
            raise SystemExit('table column %d is neither left- nor right-aligned: starts %s, ends %s'
                             % (c + 1, sorted(starts), sorted(ends)))


def cmd_explain(path, matched, bloom_min):
    text = open(path, encoding='utf-8').read()
    if not text.startswith('logquery: explain:'):
        raise SystemExit('--explain: stderr does not start with "logquery: explain:": %r' % text[:300])
    m = re.search(r'blocks\s+(\d+) in range, (\d+) skipped \(time (\d+), metadata (\d+), bloom (\d+)\), (\d+) scanned(?:, (\d+) counted from metadata)?', text)
    r = re.search(r'records\s+(\d+) scanned, (\d+) matched', text)
    if not m or not r:
        raise SystemExit('--explain: no "blocks ..." or "records ..." line: %r' % text)
    inr, skipped, t, md, bloom, scanned = map(int, m.groups()[:6])
    counted = int(m.group(7) or 0)
    if inr != skipped + scanned + counted or skipped != t + md + bloom:
        raise SystemExit('--explain: block counts do not add up: %r' % m.group(0))
    if int(r.group(2)) != int(matched):
        raise SystemExit('--explain: %s matched, expected %s' % (r.group(2), matched))
    if bloom < int(bloom_min):
        raise SystemExit('--explain: %d blocks skipped by bloom, expected at least %s: %r' % (bloom, bloom_min, m.group(0)))
    print('  %d blocks in range, %d skipped by bloom, %d scanned, %d counted from metadata'
          % (inr, bloom, scanned, counted))


def cmd_damage(seg):
    """Flips 4 bytes in the middle of the 'message' chunk of block 1 of the segment SEG (the
    layout of docs/store-format.md); prints that block's record count."""
    import struct

    def varint(b, p):
        r = s = 0
        while True:
            x = b[p]; p += 1; r |= (x & 0x7f) << s; s += 7
            if x < 0x80:
                return r, p

    def string(b, p):
        n, p = varint(b, p)
        return b[p:p + n], p + n

    data = bytearray(open(seg, 'rb').read())
    if data[-8:] != b'LSSEGMNT':
        raise SystemExit('test bug: %s has no segment magic' % seg)
    io, isz = struct.unpack_from('<QQ', data, len(data) - 48)
    version, = struct.unpack_from('<I', data, len(data) - 28)
    b, p = bytes(data[io:io + isz]), 0
    nblocks, p = varint(b, p)
    target = None
    for i in range(nblocks):
        recs, p = varint(b, p)
        _, p = varint(b, p)
        p += 16
        for _ in range(2):
            k, p = varint(b, p)
            for _ in range(k):
                _, p = string(b, p); _, p = varint(b, p)
        k, p = varint(b, p)
        for _ in range(k):
            _, p = string(b, p); p += 16
        k, p = varint(b, p)
        for _ in range(k):
            name, p = string(b, p); off, p = varint(b, p); size, p = varint(b, p); _, p = varint(b, p); p += 5
            if i == 1 and name == b'message':
                target = (recs, off, size)
        if version >= 2:  # source_levels: n x (source, level, count)
            k, p = varint(b, p)
            for _ in range(3 * k):
                _, p = varint(b, p)
    if nblocks < 3 or target is None:
        raise SystemExit('test bug: %s has %d blocks, or block 1 has no message chunk' % (seg, nblocks))
    recs, off, size = target
    mid = off + size // 2
    for j in range(4):
        data[mid + j] ^= 0xa5
    open(seg, 'wb').write(data)
    print(recs)


def cmd_memdata(path, n):
    with open(path, 'w') as f:
        for i in range(int(n)):
            f.write('{"timestamp":"2025-06-01T00:%02d:%02dZ","message":"m","fields":{"request_id":"%s-%08d"}}\n'
                    % (i // 60 % 60, i % 60, 'r' * 100, i))


sys.exit(globals()['cmd_' + sys.argv[1].replace('-', '_')](*sys.argv[2:]))
EOF
h() { "$PY" "$helper" "$@"; }

# ---- 1. The data ----
check "a store of 60,000 generated records over 3 days and 6 hand-written ones"
gen=$work/gen.ndjson
"$GEN_LOGS" --records 60000 --seed 7 --start 2025-05-13T00:00:00Z --days 3 >"$gen" 2>"$work/gen.err" \
  || fail "gen_logs failed: $(cat "$work/gen.err")"
[[ $(wc -l <"$gen") == 60000 ]] || fail "gen_logs wrote $(wc -l <"$gen") lines, expected 60000"
# Nested JSON, numeric strings (code, duration_ms, retries), missing fields and source, unicode,
# level aliases (warning, ERR, 3) and an unknown level, an offset, a literal dotted key, a key
# named message, true and null, a backslash, and the needle word xylophonequartz.
cat >"$work/odd.ndjson" <<'EOF'
{"timestamp":"2025-05-13T12:00:00Z","source":"handmade","level":"warning","message":"needle xylophonequartz in the haystack","fields":{"host":"odd-01","code":"500","http":{"status":503,"tags":["a","b"],"client":{"ip":"10.9.8.7"}},"duration_ms":"12.5"}}
{"timestamp":"2025-05-14T06:30:00.5Z","source":"handmade","level":"ERR","message":"café au lait — naïve résumé ✓ 日本語","fields":{"host":"odd-02","user":"José","code":500.0,"http":{"status":"404"}}}
{"timestamp":"2025-05-14T07:00:00Z","source":"handmade","level":"info","message":"no fields at all"}
{"timestamp":"2025-05-15T08:00:00Z","level":"verbose","message":"unknown level and no source","fields":{"code":"5e2","a.b":"literal dotted","a":{"b":"nested","c":{"d":7}}}}
{"timestamp":"2025-05-15T09:00:00+02:00","source":"handmade","level":"info","message":"Connection REFUSED by db-primary-01, code 42","fields":{"host":"db*","title":"a b","message":"field named message","ok":true,"parent":null,"code":5e2,"path":"C:\\temp\\x"}}
{"timestamp":"2025-05-13T23:59:59.999Z","source":"handmade","level":"3","message":"syslog severity three, numeric code string","fields":{"host":"odd-03","code":"0500","retries":"7"}}
EOF
all=$work/all.ndjson
cat "$gen" "$work/odd.ndjson" >"$all"
canon=$work/all.canon
"$LF" '' "$all" >"$canon" 2>"$work/err" || fail "logfilter '' over the input failed: $(cat "$work/err")"
total=$(wc -l <"$canon")
[[ $total == 60006 ]] || fail "test bug: logfilter '' kept $total of 60006 records"
store=$work/store
"$LS" "$store" <"$all" >"$work/out" 2>"$work/err" || fail "logstore failed: $(cat "$work/err")"
# A slow logstore (a sanitizer build) seals a fast stream more than once a day: merging each
# day's segments makes the layout the same on every build.
"$LS" compact "$store" >"$work/out" 2>"$work/err" || fail "logstore compact failed: $(cat "$work/err")"
nseg=$(find "$store/data" -name '*.lsg' | wc -l)
[[ $nseg == 3 ]] || fail "test bug: expected 3 segments (one per day), got $nseg"

# ---- 2. Queries: the same records as logfilter ----
check "60+ queries over every operator: logquery -j 2 gives logfilter's multiset of lines and status"
# One query per line. Each must match something, except those marked with a leading '!'
# (and nothing else), which must match nothing.
queries=$(cat <<'EOF'

timeout
TIMEOUT
"timed out"
"connection, refused"
10.0.12
db-primary
time*
db-prim*
host:web-01
method:GET
code:500
code:"500"
code:5e2
code:>"4"
status:>=500
status:<300
status:>502
status:<=200
duration_ms:>1000
duration_ms:<=0.5
host:db*
host:*-01
host:web-0?
status:5*
path:/^\/api\/v[0-9]+\//
message:/OUT OF MEMORY/i
message:/took [0-9]{4,}ms/
user:/^Jos/
user:*
request_id:* -source:nginx
NOT level:info
-level:debug
level:error OR level:fatal
(source:api OR source:nginx) status:>=500
source:api AND (status:404 OR status:429)
-(level:info OR level:debug) -source:nginx
level:warn
level:WARNING
level:err
level:3
level:>=warn
level:<info
level:verbose
timestamp:>=2025-05-14T00:00:00Z timestamp:<2025-05-14T06:30:00.5Z
timestamp:<=2025-05-13T01:00:00Z
timestamp:2025-05-13T00:*
timestamp:>=1747267200
timestamp:>="2025-05-15 07:00:00"
http.status:>=500
http.status:404
http.tags.0:a
http.client.ip:10.9.8.7
a.b:"literal dotted"
a.c.d:7
fields.message:*
fields.host:odd-0?
message:*
host:"db*"
title:"a b"
ok:true
parent:null
café
naïve
user:José
source:>=s
source:""
path:"C:\temp\x"
xylophonequartz
retries:>=5
!zzqqxnotaword
!status:>"500"
!a.b:nested
EOF
)
nq=0
while IFS= read -r query; do
  nq=$((nq + 1))
  want_none=0
  if [[ $query == '!'* ]]; then want_none=1; query=${query:1}; fi
  "$LF" -e "$query" "$all" >"$work/lf.out" 2>"$work/lf.err"
  lf_rc=$?
  sort "$work/lf.out" >"$work/lf.sorted"
  n_lf=$(wc -l <"$work/lf.sorted")
  [[ $lf_rc == 0 || $lf_rc == 1 ]] || fail "test bug: logfilter -e '$query': rc $lf_rc: $(cat "$work/lf.err")"
  if ((want_none)); then
    [[ $n_lf == 0 ]] || fail "test bug: '$query' should match nothing, logfilter finds $n_lf"
  else
    [[ $n_lf -gt 0 ]] || fail "test bug: '$query' should match something, logfilter finds nothing"
  fi
  jobs_list="2"
  ((nq % 6 == 1)) && jobs_list="2 1"
  for j in $jobs_list; do
    q -j "$j" -- "$query"
    sort "$work/q.out" >"$work/q.sorted"
    if ! cmp -s "$work/lf.sorted" "$work/q.sorted"; then
      bad "logquery -j $j -- '$query': $(wc -l <"$work/q.sorted") lines, logfilter $n_lf; first differences: $(diff "$work/lf.sorted" "$work/q.sorted" | head -n 4 | cut -c 1-200 | tr '\n' '|')"
    fi
    [[ $rc == "$lf_rc" ]] || bad "logquery -j $j -- '$query': rc $rc, logfilter rc $lf_rc; stderr: $(errtext)"
    [[ ! -s $work/q.err ]] || bad "logquery -j $j -- '$query': unexpected stderr: $(errtext)"
  done
done <<<"$queries"
echo "  $nq queries"
"$LF" -e '-level:debug' "$all" | sort >"$work/lf.sorted"
q -e '-level:debug'
sort "$work/q.out" | cmp -s - "$work/lf.sorted" \
  || bad "logquery -e '-level:debug': $(wc -l <"$work/q.out") lines, expected $(wc -l <"$work/lf.sorted"); rc $rc; $(errtext)"
((nq >= 35)) || fail "test bug: only $nq queries"

# ---- 3. Time range ----
check "--from/--to equal logfilter with timestamp:>=A timestamp:<B; --since 1h on old data is status 1"
range_check() {  # range_check FROM TO QUERY
  local from=$1 to=$2 query=$3
  "$LF" -e "timestamp:>=$from timestamp:<$to${query:+ ($query)}" "$all" 2>/dev/null | sort >"$work/lf.sorted"
  q --from "$from" --to "$to" -- "$query"
  sort "$work/q.out" | cmp -s "$work/lf.sorted" - \
    || bad "logquery --from $from --to $to '$query': $(wc -l <"$work/q.out") lines, logfilter $(wc -l <"$work/lf.sorted"); $(errtext)"
  [[ $rc == 0 ]] || bad "logquery --from $from --to $to '$query': rc $rc, expected 0; $(errtext)"
}
range_check 2025-05-13T18:30:00Z 2025-05-14T06:30:00.5Z ''      # the record at TO is left out
range_check 2025-05-13T18:30:00Z 2025-05-14T06:30:00.6Z ''      # and here taken in
range_check 2025-05-14T06:30:00.5Z 2025-05-15T07:00:00Z 'level:>=error'
range_check 2025-05-15 1747353600 ''                            # a date; epoch seconds
q --from 2025-05-13T18:30:00Z --until 2025-05-14T06:30:00.6Z ''
sort "$work/q.out" | cmp -s - <("$LF" -e 'timestamp:>=2025-05-13T18:30:00Z timestamp:<2025-05-14T06:30:00.6Z' "$all" | sort) \
  || bad "logquery --from A --until B '' differs from logfilter timestamp:>=A timestamp:<B; rc $rc; $(errtext)"
q --since 1h ''
[[ $rc == 1 && ! -s $work/q.out ]] || bad "logquery --since 1h '' on 2025 data: rc $rc and $(wc -l <"$work/q.out") lines, expected 1 and none; $(errtext)"
q --from now-2h --to now ''
[[ $rc == 1 && ! -s $work/q.out ]] || bad "logquery --from now-2h --to now '': rc $rc, $(wc -l <"$work/q.out") lines, expected 1 and none"
q --from 2025-05-14 --to 2025-05-14 ''
[[ $rc == 1 && ! -s $work/q.out ]] || bad "logquery --from T --to T (empty range): rc $rc, $(wc -l <"$work/q.out") lines, expected 1 and none"

# ---- 4. Order and limit ----
check "order: ascending by default, --order desc descending, -n, --order desc -n, --sort FIELD"
q ''
cp "$work/q.out" "$work/asc.all"
[[ $rc == 0 && $(wc -l <"$work/asc.all") == "$total" ]] || bad "logquery '': rc $rc, $(wc -l <"$work/asc.all") lines, expected 0 and $total"
h order asc "$work/asc.all" || bad "logquery '' (not a terminal) is not in timestamp order"
q --order desc ''
[[ $(wc -l <"$work/q.out") == "$total" ]] || bad "logquery --order desc '': $(wc -l <"$work/q.out") lines, expected $total"
h order desc "$work/q.out" || bad "logquery --order desc '' is not in descending timestamp order"
q -n 10 ''
head -n 10 "$work/asc.all" | cmp -s - "$work/q.out" || bad "logquery -n 10 '' is not the first 10 lines of logquery ''"
[[ $rc == 0 ]] || bad "logquery -n 10 '': rc $rc"
q level:error
cp "$work/q.out" "$work/err.asc"
q --order desc -n 100 level:error
[[ $(wc -l <"$work/q.out") == 100 ]] || bad "logquery --order desc -n 100 level:error: $(wc -l <"$work/q.out") lines, expected 100"
h times "$work/q.out" >"$work/t.desc"
tail -n 100 "$work/err.asc" >"$work/err.last"
h times "$work/err.last" | tac >"$work/t.expect"
cmp -s "$work/t.desc" "$work/t.expect" || bad "logquery --order desc -n 100 level:error: timestamps are not those of the last 100 of the ascending output, reversed"
# The desc output's records must be among level:error's (ties may pick other records).
sort "$work/q.out" | comm -23 - <(sort "$work/err.asc") | grep -q . && bad "logquery --order desc -n 100 level:error printed records that level:error does not give"
q --sort status --order desc -n 20 ''
h topn "$canon" - status 20 "$work/q.out" || bad "logquery --sort status --order desc -n 20 '': not the 20 largest statuses in non-increasing order (see above)"
q --sort duration_ms --order desc -n 10 source:api   # logquery(1): "The ten slowest API requests"
h topn "$canon" api duration_ms 10 "$work/q.out" || bad "logquery --sort duration_ms --order desc -n 10 source:api (the example of logquery(1)): not the 10 largest durations"
q --sort status -n 20 ''
h bottomn "$canon" status 20 "$work/q.out" || bad "logquery --sort status -n 20 '': not the 20 smallest statuses"

# ---- 5. Analyses ----
check "analyses equal python3 over the canonical records: count, count by, histogram, top, uniq, stats"
analysis() {  # analysis KIND QUERY
  q -j 2 -- "$2"
  [[ $rc == 0 ]] || { bad "logquery '$2': rc $rc, expected 0; $(errtext)"; return; }
  [[ ! -s $work/q.err ]] || bad "logquery '$2': unexpected stderr: $(errtext)"
  h analysis "$canon" "$1" "$work/q.out" || bad "logquery '$2' differs from python3 (see above)"
}
analysis count '| count'
analysis count-by-source '| count by source'
analysis count-by-source-level '| count by source,level'
analysis error-count-by-host 'level:error | count by host'
analysis histogram-1h '| histogram 1h'
analysis histogram-1d-by-source '| histogram 1d by source'
analysis top-5-host '| top 5 host'
analysis uniq-level '| uniq level'
analysis uniq-status '| uniq status'
analysis stats-by-source '| stats count() avg(duration_ms) min(duration_ms) max(duration_ms) sum(duration_ms) p50(duration_ms) p95(duration_ms) p99(duration_ms) count_distinct(host) by source'
q 'zzqqxnotaword | count'
[[ $rc == 0 && $(cat "$work/q.out") == '{"count":0}' ]] \
  || bad "logquery 'zzqqxnotaword | count': rc $rc, output '$(cat "$work/q.out")', expected 0 and {\"count\":0} (an analysis that ran exits 0)"
q 'zzqqxnotaword | stats count() avg(duration_ms)'
[[ $rc == 0 && $(cat "$work/q.out") == '{"count()":0,"avg(duration_ms)":null}' ]] \
  || bad "logquery 'zzqqxnotaword | stats ...': rc $rc, output '$(cat "$work/q.out")', expected 0 and one row with count() 0 (docs/query-language.md, \"Stages\")"
for stage in 'count by source' 'top 3 host' 'uniq host' 'histogram 1h' 'stats count() by source'; do
  # docs/query-language.md, "Stages": grouped stages have no rows when nothing matched.
  q "zzqqxnotaword | $stage"
  [[ $rc == 0 && ! -s $work/q.out ]] \
    || bad "logquery 'zzqqxnotaword | $stage' (nothing matches): rc $rc, output '$(head -c 200 "$work/q.out")', expected 0 and no rows"
done

# ---- 6. Output formats ----
check "output formats: csv, tsv, --fields with ndjson and csv, logfmt, table"
q -o csv level:error
h csv "$canon" error csv "$work/q.out" || bad "logquery -o csv level:error: see above"
q -o tsv level:error
h csv "$canon" error tsv "$work/q.out" || bad "logquery -o tsv level:error: see above"
q --fields timestamp,host ''
h fields "$canon" "$work/q.out" || bad "logquery --fields timestamp,host '': see above"
q -o csv --fields timestamp,host,status 'status:>=500'
n_lf=$("$LF" -c -e 'status:>=500' "$all")
{ [[ $(head -n 1 "$work/q.out") == timestamp,host,status ]] && [[ $(($(wc -l <"$work/q.out") - 1)) == "$n_lf" ]] \
  && ! tail -n +2 "$work/q.out" | grep -qvE '^[^,]+,[^,]*,[0-9.e+-]+$'; } \
  || bad "logquery -o csv --fields timestamp,host,status 'status:>=500': header '$(head -n 1 "$work/q.out")' and $(($(wc -l <"$work/q.out") - 1)) rows, expected 'timestamp,host,status' and $n_lf rows of 3 cells"
q -o logfmt ''
h logfmt "$canon" "$work/q.out" || bad "logquery -o logfmt '': see above"
q -o table 'level:error | count by source,level'
h table 3 "$work/q.out" || bad "logquery -o table 'level:error | count by source,level' is not aligned (see above)"
q -o table 'source:api OR source:auth | stats count() avg(duration_ms) p99(duration_ms) by host'
h table 4 "$work/q.out" || bad "logquery -o table '... | stats ... by host' is not aligned (see above)"
q -o csv '| count by level'
[[ $(head -n 1 "$work/q.out") == level,count && $(wc -l <"$work/q.out") == 7 ]] \
  || bad "logquery -o csv '| count by level': header '$(head -n 1 "$work/q.out")', $(wc -l <"$work/q.out") lines, expected 'level,count' and 1 + 6"

# ---- 7. A reader that goes away ----
check "| head: logquery stops at once, status 0 or 141, nothing on stderr"
pipe_check() {  # pipe_check HEAD-ARGS LOGQUERY-ARGS...
  local head_args=$1 t0 took st
  shift
  t0=$EPOCHREALTIME
  # shellcheck disable=SC2086  # HEAD-ARGS are words
  "$LQ" --store "$store" "$@" 2>"$work/pipe.err" | head $head_args >"$work/pipe.out"
  st=("${PIPESTATUS[@]}")
  took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  [[ ${st[0]} == 0 || ${st[0]} == 141 ]] || bad "logquery $* | head $head_args: status ${st[0]}, expected 0 or 141; stderr: $(head -c 300 "$work/pipe.err")"
  [[ ! -s $work/pipe.err ]] || bad "logquery $* | head $head_args: stderr: $(head -c 300 "$work/pipe.err")"
  awk -v t="$took" 'BEGIN { exit !(t < 3) }' || bad "logquery $* | head $head_args took $took s"
}
pipe_check -1 ''
[[ $(wc -l <"$work/pipe.out") == 1 ]] && cmp -s "$work/pipe.out" <(head -n 1 "$work/asc.all") \
  || bad "logquery '' | head -1 printed $(wc -l <"$work/pipe.out") lines, expected the first record"
pipe_check "-c 100000" -o text ''
pipe_check "-c 5000" -o logfmt --order desc ''
pipe_check -1 --sort duration_ms ''
pipe_check -1 -o csv '| count by request_id'

# ---- 7b. A terminal ----
check "on a terminal: the newest 100 matches as text, oldest first, and a note that more matched"
if command -v script >/dev/null 2>&1; then
  "$LQ" --store "$store" -o ndjson 'level:error' >"$work/all-errors" 2>/dev/null
  # script(1) gives logquery a terminal for stdout and stderr alike.
  script -qec "'$LQ' --store '$store' --color never level:error" /dev/null >"$work/tty.out" 2>&1
  tr -d '\r' <"$work/tty.out" >"$work/tty.txt"
  records=$(grep -c '^20[0-9][0-9]-' "$work/tty.txt")
  newest=$(tail -n 1 "$work/all-errors" | "$PY" -c 'import json,sys; r=json.loads(sys.stdin.read()); print(r["timestamp"], r["source"])')
  last=$(grep '^20[0-9][0-9]-' "$work/tty.txt" | tail -n 1 | cut -d' ' -f1-2)
  [[ $records == 100 && $last == "$newest" ]] \
    || bad "logquery level:error on a terminal: $records text records, the last '$last', expected 100 ending with the newest '$newest'"
  grep -q "showing the newest 100 matches" "$work/tty.txt" \
    || bad "logquery level:error on a terminal: no note that more matched: $(head -c 300 "$work/tty.txt")"
  script -qec "'$LQ' --store '$store' -o csv 'level:error'" /dev/null 2>&1 | tr -d '\r' >"$work/tty.csv"
  [[ $(head -n 1 "$work/tty.csv") == timestamp,source,level,message && $(grep -c '^20[0-9][0-9]-' "$work/tty.csv") == 100 ]] \
    || bad "logquery -o csv on a terminal: expected a header and 100 rows: $(head -c 300 "$work/tty.csv")"
else
  echo "  skip: script(1) is not installed"
fi

# ---- 8. Errors ----
check "errors: syntax (64, column), unknown analysis (64), no store (66), unknown option (64), config (78), memory limit (70)"
err_check() {  # err_check WANT_RC GREP_PATTERN DESCRIPTION LOGQUERY-ARGS...
  local want=$1 pattern=$2 what=$3
  shift 3
  "$LQ" "$@" >"$work/e.out" 2>"$work/e.err" </dev/null
  rc=$?
  [[ $rc == "$want" ]] || bad "$what: logquery $*: rc $rc, expected $want; stderr: $(head -c 300 "$work/e.err")"
  grep -qE -- "$pattern" "$work/e.err" || bad "$what: logquery $*: stderr lacks /$pattern/: $(head -c 300 "$work/e.err")"
  [[ ! -s $work/e.out ]] || bad "$what: logquery $*: stdout: $(head -c 200 "$work/e.out")"
}
err_check 64 "^logquery: query: unexpected '\\)' at column 14\$" "syntax error" --store "$store" 'level:error a)'
err_check 64 "^logquery: query: .*column 3" "unclosed parenthesis" --store "$store" 'a (b OR c'
err_check 64 "^logquery: query: .*column" "bad regex" --store "$store" 'path:/(abc/'
err_check 64 "frob" "unknown analysis" --store "$store" 'level:error | frob x'
err_check 64 "^logquery: query: unknown function 'median'; .* at column 9\$" "unknown stats function" --store "$store" '| stats median(x)'
err_check 64 "^logquery: query: unknown analysis 'sum'; .* at column 15\$" "unknown analysis" --store "$store" 'level:error | sum'
err_check 64 "^logquery: query: 'top' needs a field at column 3\$" "top without a field" --store "$store" '| top'
err_check 64 "^logquery: query: invalid interval 'x'; .* at column 13\$" "bad histogram interval" --store "$store" '| histogram x'
err_check 64 "^logquery: query: only one analysis may follow the query at column 11\$" "two analyses" --store "$store" 'a | count | top 3 x'
err_check 64 "^logquery: query: .*at column 19\$" "histogram by two fields" --store "$store" '| histogram 1h by a,b'
err_check 64 "analysis" "--fields with an analysis" --store "$store" --fields host '| count'
err_check 66 "is not a LogStream store" "no such store" --store "$work/nonexistent" ''
mkdir -p "$work/empty"
err_check 66 "is not a LogStream store" "not a store" --store "$work/empty" ''
err_check 64 "^Try 'logquery --help' for more information\\.\$" "unknown option" --store "$store" --bogus ''
err_check 64 "no store" "no store given" ''
err_check 64 "--from" "bad --from" --store "$store" --from yesterdayish ''
err_check 64 "table" "-o table for records" --store "$store" -o table ''
printf 'filter:\n  jobs: 3\nquery:\n  store: %s\n  jobs: 2\n  colour: red\n' "$store" >"$work/bad.yaml"
err_check 78 "bad\\.yaml:6: unknown key 'query\\.colour'" "unknown config key" --config "$work/bad.yaml" ''
printf 'query:\n  store: %s\n  jobs: lots\n' "$store" >"$work/bad2.yaml"
err_check 78 "bad2\\.yaml:3:.*lots" "bad config value" --config "$work/bad2.yaml" ''
err_check 66 "nonexistent\\.yaml" "unreadable config" --store "$store" --config "$work/nonexistent.yaml" ''
printf 'store:\n  sync: never\nqeury:\n  jobs: 2\n' >"$work/bad3.yaml"
err_check 78 "bad3\\.yaml:3: unknown section 'qeury'" "misspelt config section" --store "$store" --config "$work/bad3.yaml" ''
printf 'server:\n  port: 1\nquery:\n  store: %s\n  jobs: 2\n  memory_limit: 64M\n' "$store" >"$work/good.yaml"
"$LQ" --config "$work/good.yaml" '| count' >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 && $(cat "$work/out") == "{\"count\":$total}" ]] || bad "logquery --config good.yaml '| count' (store from the file): rc $rc, '$(cat "$work/out")'; $(cat "$work/err")"
LOGSTREAM_STORE=$store "$LQ" 'level:fatal' >"$work/out" 2>"$work/err"
rc=$?
"$LF" level:fatal "$all" | sort >"$work/lf.sorted"
[[ $rc == 0 ]] && sort "$work/out" | cmp -s - "$work/lf.sorted" \
  || bad "LOGSTREAM_STORE=STORE logquery level:fatal: rc $rc, $(wc -l <"$work/out") lines, expected $(wc -l <"$work/lf.sorted"); $(cat "$work/err")"
LOGSTREAM_STORE=$work/nonexistent "$LQ" --store "$store" '| count' >"$work/out" 2>"$work/err"
[[ $(cat "$work/out") == "{\"count\":$total}" ]] || bad "--store does not win over LOGSTREAM_STORE: '$(cat "$work/out")' $(cat "$work/err")"

# The memory limit: 20,000 distinct request ids of 109 bytes are 2.1 MB of key bytes alone,
# twice the 1 MiB limit however the groups are held.
memstore=$work/memstore
h memdata "$work/mem.ndjson" 20000
"$LS" "$memstore" <"$work/mem.ndjson" 2>"$work/err" || fail "logstore (memory data) failed: $(cat "$work/err")"
err_check 70 "memory limit" "memory limit, count by request_id" --store "$memstore" --memory-limit 1M '| count by request_id'
"$LQ" --store "$memstore" --memory-limit 64M '| count by request_id' >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 0 && $(wc -l <"$work/out") == 20000 ]] || bad "logquery --memory-limit 64M '| count by request_id': rc $rc, $(wc -l <"$work/out") rows, expected 0 and 20000; $(cat "$work/err")"
err_check 70 "memory limit" "memory limit, --sort message" --store "$store" --memory-limit 1M --sort message ''
err_check 70 "memory limit" "memory limit, count by request_id on the main store" --store "$store" --memory-limit 1M '| count by request_id'

# ---- 9. --explain ----
check "--explain: the counts on stderr, data only on stdout, bloom skips for a needle word"
q --explain xylophonequartz
grep -F xylophonequartz "$canon" | cmp -s - "$work/q.out" || bad "logquery --explain xylophonequartz: stdout is not exactly the needle record: $(head -c 300 "$work/q.out")"
[[ $rc == 0 ]] || bad "logquery --explain xylophonequartz: rc $rc"
h explain "$work/q.err" 1 1 || bad "logquery --explain xylophonequartz: see above"
q --explain level:error
n_lf=$("$LF" -c level:error "$all")
[[ $(wc -l <"$work/q.out") == "$n_lf" ]] && ! grep -qv '^{' "$work/q.out" \
  || bad "logquery --explain level:error: stdout has $(wc -l <"$work/q.out") lines, or lines that are not records; expected the $n_lf records"
h explain "$work/q.err" "$n_lf" 0 || bad "logquery --explain level:error: see above"
q --explain 'level:error | count'
[[ $(cat "$work/q.out") == "{\"count\":$n_lf}" ]] || bad "logquery --explain 'level:error | count': stdout '$(head -c 200 "$work/q.out")'"
h explain "$work/q.err" "$n_lf" 0 || bad "logquery --explain 'level:error | count': see above"
# Source and level tests only: every block is counted from its metadata, no chunk is read.
grep -q ' counted from metadata$' "$work/q.err" && grep -q 'read        0 chunks' "$work/q.err" \
  || bad "logquery --explain 'level:error | count': expected blocks counted from metadata and 0 chunks read: $(cat "$work/q.err")"

# ---- 10. The write-ahead log ----
check "records in the write-ahead log of a running logstore are found"
walstore=$work/walstore
head -n 1000 "$gen" >"$work/wal.base"
"$LS" "$walstore" <"$work/wal.base" 2>"$work/err" || fail "logstore (wal base) failed: $(cat "$work/err")"
fifo=$work/wal.fifo
mkfifo "$fifo"
"$LS" "$walstore" <"$fifo" >"$work/wal.out" 2>"$work/wal.err" &
ls_pid=$!
bg_pids+=("$ls_pid")
exec {feed}>"$fifo"
cat >"$work/wal.in" <<'EOF'
{"timestamp":"2025-05-16T10:00:00Z","source":"live","level":"error","message":"walneedle one","fields":{"host":"live-1","status":503}}
{"timestamp":"2025-05-13T00:00:00.001Z","source":"live","level":"info","message":"walneedle two, an old day","fields":{"host":"live-2"}}
EOF
(cat "$work/wal.in" >&"$feed") 2>/dev/null || fail "cannot write to the running logstore: $(cat "$work/wal.err")"
sleep 1.2
kill -0 "$ls_pid" 2>/dev/null || fail "the running logstore died: $(cat "$work/wal.err")"
[[ -n $(find "$walstore/wal" -name '*.wal' -size +16c) ]] || bad "test setup: after 1.2 s the running logstore has logged nothing under wal/ (ls: $(ls -l "$walstore/wal"))"
[[ ! -e $walstore/data/2025-05-16 ]] || bad "test setup: the live record was sealed already (data/2025-05-16 exists), not in the log only"
"$LQ" --store "$walstore" walneedle >"$work/out" 2>"$work/err"
rc=$?
"$LF" '' "$work/wal.in" | sort >"$work/wal.expected"
sort "$work/out" | cmp -s - "$work/wal.expected" \
  || bad "logquery walneedle while the records are only in the log: rc $rc, $(wc -l <"$work/out") records, expected 2; $(cat "$work/err")"
"$LQ" --store "$walstore" '' >"$work/out" 2>"$work/err"
cat "$work/wal.base" "$work/wal.in" | "$LF" '' | sort >"$work/wal.all"
sort "$work/out" | cmp -s - "$work/wal.all" \
  || bad "logquery '' over segments and log: $(wc -l <"$work/out") records, expected $(wc -l <"$work/wal.all"); $(cat "$work/err")"
h order asc "$work/out" || bad "logquery '' over segments and log is not in timestamp order"
"$LQ" --store "$walstore" 'source:live | count by host' >"$work/out" 2>&1
[[ $(sort "$work/out" | tr -d '\n') == '{"host":"live-1","count":1}{"host":"live-2","count":1}' ]] \
  || bad "logquery 'source:live | count by host' over the log: $(cat "$work/out")"
exec {feed}>&-
wait_exit "$ls_pid" 10 "logstore after end of input"
[[ $rc == 0 ]] || bad "the running logstore exited $rc at end of input: $(cat "$work/wal.err")"
"$LQ" --store "$walstore" '' 2>"$work/err" | sort | cmp -s - "$work/wal.all" || bad "after the seal logquery '' differs: $(cat "$work/err")"

# ---- 11. A damaged store ----
check "a damaged chunk: status 65, the block reported on stderr, every other block's records printed"
dmg=$work/damaged
cp -r "$store" "$dmg"
seg=$(find "$dmg/data/2025-05-14" -name '*.lsg' | head -n 1)
[[ -n $seg ]] || fail "test bug: no segment under $dmg/data/2025-05-14"
lost=$(h damage "$seg") || fail "test bug: cannot damage $seg: $lost"
"$LQ" --store "$dmg" '' >"$work/d.out" 2>"$work/d.err"
rc=$?
[[ $rc == 65 ]] || bad "logquery '' on a store with a damaged block: rc $rc, expected 65; stderr: $(head -c 300 "$work/d.err")"
grep -qF "logquery: $seg: block 1 skipped: " "$work/d.err" \
  || bad "logquery '' on a damaged store: stderr lacks 'logquery: $seg: block 1 skipped: ...': $(head -c 400 "$work/d.err")"
[[ $(grep -c . "$work/d.err") == 1 ]] || bad "logquery '' on a damaged store: expected one line on stderr, got: $(head -c 400 "$work/d.err")"
sort "$work/d.out" >"$work/d.sorted"
extra=$(comm -13 <(sort "$canon") "$work/d.sorted" | wc -l)
[[ $extra == 0 && $(wc -l <"$work/d.out") == $((total - lost)) ]] \
  || bad "logquery '' on a damaged store printed $(wc -l <"$work/d.out") records ($extra not in the input), expected the $((total - lost)) outside the damaged block of $lost"
h order asc "$work/d.out" || bad "logquery '' on a damaged store: not in timestamp order"
"$LQ" --store "$dmg" 'level:error' >"$work/d.out" 2>"$work/d.err"
rc=$?
[[ $rc == 65 && -s $work/d.out ]] || bad "logquery level:error on a damaged store: rc $rc, $(wc -l <"$work/d.out") records, expected 65 and the others"
"$LQ" --store "$dmg" --from 2025-05-15 '' >"$work/d.out" 2>"$work/d.err"
rc=$?
[[ $rc == 0 && ! -s $work/d.err ]] || bad "logquery --from 2025-05-15 (not the damaged day) on a damaged store: rc $rc, stderr $(head -c 200 "$work/d.err"); expected 0 and nothing"

# ---- 12. Follow mode ----
check "--follow: records stored while following print once each, through the log, seals, merges and a fast stream"
fstore=$work/followstore
{
  printf '{"timestamp":"2025-05-13T00:00:00Z","source":"live","level":"info","message":"base %s"}\n' 1 2
  head -n 500 "$gen"
} >"$work/f.base"
"$LS" "$fstore" <"$work/f.base" 2>"$work/err" || fail "logstore (follow base) failed: $(cat "$work/err")"
ffifo=$work/follow.fifo
mkfifo "$ffifo"
"$LS" "$fstore" <"$ffifo" >/dev/null 2>"$work/f.lserr" &
fls_pid=$!
bg_pids+=("$fls_pid")
exec {ffeed}>"$ffifo"
# {ffeed}>&-: the follower must not hold the fifo open, or logstore never sees its end.
# A poll every 2.5 s sees two or three seals at once, and the writer's merge of a day's
# eight small segments usually before the last of them.
"$LQ" --store "$fstore" --follow --poll-interval 2500ms 'source:live' >"$work/f.out" 2>"$work/f.err" {ffeed}>&- &
flq_pid=$!
bg_pids+=("$flq_pid")
sleep 0.5
# Wave 1, slow: logged, not sealed. Wave 2: the same content twice, and another day.
# Wave 3, fast: enough input to be sealed at once, live records among the others.
printf '{"timestamp":"2025-05-13T01:00:00Z","source":"live","level":"info","message":"wave1 %s"}\n' a b >"$work/f.w1"
printf '{"timestamp":"2025-05-1%sT02:00:00Z","source":"live","level":"warn","message":"wave2 same"}\n' 3 3 4 >"$work/f.w2"
"$PY" - "$gen" >"$work/f.w3" <<'PYEOF'
import json, sys
with open(sys.argv[1]) as f:
    for i, line in enumerate(f):
        if i >= 20000:
            break
        if i % 500 == 0:
            r = json.loads(line)
            r["source"] = "live"
            r["message"] = "wave3 %d" % i
            line = json.dumps(r) + "\n"
        sys.stdout.write(line)
PYEOF
# Waves 4 to 12: nine more seals, each a small segment per day, so that the writer merges
# eight of a day into one, often before the follower has seen the last one.
"$PY" - "$gen" "$work" <<'PYEOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
for wave in range(4, 13):
    with open("%s/f.w%d" % (sys.argv[2], wave), "w") as out:
        for i in range(9000):
            r = json.loads(lines[(wave * 9000 + i) % len(lines)])
            # All on one day, so that the day's small segments pile up and get merged.
            second = wave * 9000 + i
            r["timestamp"] = "2025-05-20T%02d:%02d:%02dZ" % (second // 3600 % 24, second // 60 % 60, second % 60)
            if i % 1000 == 7:
                r["source"] = "live"
                r["message"] = "wave%d %d" % (wave, i)
            out.write(json.dumps(r) + "\n")
PYEOF
for wave in w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12; do
  (cat "$work/f.$wave" >&"$ffeed") 2>/dev/null || fail "cannot write to the running logstore: $(cat "$work/f.lserr")"
  sleep 1.2
done
exec {ffeed}>&-
wait_exit "$fls_pid" 10 "logstore (follow) after end of input"
forget "$fls_pid"
cat "$work/f.base" "$work/f.w"{1..12} | "$LF" 'source:live' | sort >"$work/f.expected"
merged=$(find "$fstore/data/2025-05-20" -name 'seg-*.lsg' | wc -l)
((merged < 9)) || bad "test setup: nine seals of 2025-05-20 left $merged segments: the writer merged none"
want=$(wc -l <"$work/f.expected")
for _ in $(seq 1 100); do
  (($(wc -l <"$work/f.out") >= want)) && break
  sleep 0.1
done
sleep 3  # a duplicate would come in the next poll
kill -0 "$flq_pid" 2>/dev/null || bad "logquery --follow ended by itself: $(cat "$work/f.err")"
kill "$flq_pid" 2>/dev/null
wait "$flq_pid" 2>/dev/null
forget "$flq_pid"
sort "$work/f.out" | cmp -s - "$work/f.expected" \
  || bad "logquery --follow printed $(wc -l <"$work/f.out") records, expected each of the $want once; differences: $(sort "$work/f.out" | diff - "$work/f.expected" | head -c 600)"
[[ ! -s $work/f.err ]] || bad "logquery --follow wrote to stderr: $(head -c 300 "$work/f.err")"
"$LQ" --store "$fstore" --follow '| count' >/dev/null 2>&1
rc=$?
[[ $rc == 64 ]] || bad "logquery --follow with an analysis: rc $rc, expected 64"

# ---- 13. Remote mode ----
check "--server: the same answers through a REST server as from the store"
cat >"$work/server.py" <<'PYEOF'
# A stand-in for logserve's query endpoints, answering with logquery over a local store.
import json, subprocess, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
LQ, STORE, PORTFILE = sys.argv[1], sys.argv[2], sys.argv[3]

def run(query, extra):
    p = subprocess.run([LQ, "--store", STORE, "-o", "ndjson"] + extra + ["-e", query],
                       capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def reply(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        extra = []
        if self.path == "/api/v1/query":
            if "limit" in request: extra += ["-n", str(request["limit"])]
            if "from" in request: extra += ["--from", request["from"]]
            if "to" in request: extra += ["--to", request["to"]]
            extra += ["--sort", request.get("sort_by", "timestamp"), "--order", request.get("sort_order", "asc")]
            rc, out, err = run(request["filter"], extra)
            if rc > 1: return self.reply(400, json.dumps({"error": err.strip()}))
            return self.reply(200, "[" + ",".join(out.splitlines()) + "]")
        if self.path == "/api/v1/query/analyze":
            analysis = request["analysis"]
            times = analysis.get("time_range", {})
            if "from" in times: extra += ["--from", times["from"]]
            if "to" in times: extra += ["--to", times["to"]]
            if analysis["type"] == "frequency":
                rc, out, err = run(request["filter"] + " | count by " + analysis["group_by"], extra)
                if rc > 1: return self.reply(400, json.dumps({"error": err.strip()}))
                rows = [json.loads(l) for l in out.splitlines()]
                freq = {str(r[analysis["group_by"]]): r["count"] for r in rows}
                return self.reply(200, json.dumps({"type": "frequency", "time_range": times,
                                                   "count": sum(freq.values()), "frequency": freq}))
            rc, out, err = run(request["filter"] + " | " + analysis["pipe"], extra)
            if rc > 1: return self.reply(400, json.dumps({"error": err.strip()}))
            rows = [json.loads(l) for l in out.splitlines()]
            columns = list(rows[0].keys()) if rows else []
            return self.reply(200, json.dumps({"type": "pipe", "columns": columns,
                                               "rows": [[r[c] for c in columns] for r in rows]}))
        self.reply(404, json.dumps({"error": "not found"}))

server = HTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os; os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
PYEOF
"$PY" "$work/server.py" "$LQ" "$store" "$work/port" 2>"$work/server.err" &
srv_pid=$!
bg_pids+=("$srv_pid")
for _ in $(seq 1 100); do [[ -s $work/port ]] && break; sleep 0.05; done
[[ -s $work/port ]] || fail "the test REST server did not start: $(cat "$work/server.err")"
url="http://127.0.0.1:$(cat "$work/port")"
remote_same() {  # remote_same ARGS...: --server and --store give the same output and status
  local lrc rrc
  "$LQ" --store "$store" "$@" >"$work/local.out" 2>/dev/null
  lrc=$?
  "$LQ" --server "$url" "$@" >"$work/remote.out" 2>"$work/remote.err"
  rrc=$?
  [[ $lrc == "$rrc" ]] && cmp -s "$work/local.out" "$work/remote.out" \
    || bad "logquery --server $url $*: rc $rrc and $(wc -l <"$work/remote.out") lines, local rc $lrc and $(wc -l <"$work/local.out") lines; $(head -c 200 "$work/remote.err")"
}
remote_same 'level:error host:db*'
remote_same -n 25 --order desc 'status:>=500'
remote_same --from 2025-05-14T00:00:00Z --to 2025-05-14T06:00:00Z -o csv --fields timestamp,host,status 'level:>=warn'
remote_same --sort duration_ms --order desc -n 10 'source:api'
remote_same 'zzqqxnotaword'
remote_same 'level:error | count by source'
remote_same --from 2025-05-14T00:00:00Z --to 2025-05-15T00:00:00Z '| count by level'
remote_same '| top 5 host'
remote_same -o table 'source:api | stats count() avg(duration_ms) p99(duration_ms) by host'
remote_same '| histogram 6h'
"$LQ" --server "$url" 'level:error a)' >/dev/null 2>"$work/remote.err"
rc=$?
[[ $rc == 64 ]] && grep -q "column 14" "$work/remote.err" \
  || bad "logquery --server with a query error: rc $rc, expected 64 and the server's message naming column 14: $(cat "$work/remote.err")"
kill "$srv_pid" 2>/dev/null
wait "$srv_pid" 2>/dev/null
forget "$srv_pid"
"$LQ" --server "$url" 'level:error' >/dev/null 2>"$work/remote.err"
rc=$?
[[ $rc == 69 ]] || bad "logquery --server with no server listening: rc $rc, expected 69: $(cat "$work/remote.err")"

# ---- Summary ----
if ((${#failures[@]})); then
  echo "FAIL: logquery_e2e: ${#failures[@]} failed [${SECONDS}s]:" >&2
  for f in "${failures[@]}"; do echo "  - ${f:0:400}" >&2; done
  exit 1
fi
echo "PASS: logquery_e2e [${SECONDS}s]"
