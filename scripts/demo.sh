#!/usr/bin/env bash
# scripts/demo.sh -- Starts a demonstration logserve on 127.0.0.1:8000 over a store of
# generated records in ./var/, and says how to try it and stop it ("make demo").
#
#   scripts/demo.sh [BUILD_DIR]        build if needed, fill var/store once, start logserve
#   scripts/demo.sh stop [BUILD_DIR]   stop the logserve that var/logserve.pid names
#
# Everything it creates is under var/ (gitignored): var/store, var/logserve.log,
# var/logserve.pid. A second run reuses the filled store. Exits 0 when logserve answers
# /api/v1/health; 1 when something is in the way (port 8000 taken, a demo logserve still
# running) or fails.
set -euo pipefail

cd "$(dirname "$0")/.."

action=start
if [[ ${1:-} == stop ]]; then
  action=stop
  shift
fi
build=${1:-build}

host=127.0.0.1
port=8000
var=var
store=$var/store
pid_file=$var/logserve.pid
log_file=$var/logserve.log
filled_mark=$var/store.filled   # written once the store holds the sample records
records=100000

logserve=$build/tools/logserve/logserve
logstore=$build/tools/logstore/logstore
logquery=$build/tools/logquery/logquery
gen_logs=$build/bench/gen_logs

say() { printf 'demo: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# The pid in var/logserve.pid when that process is alive and is a logserve; else nothing.
running_pid() {
  [[ -f $pid_file ]] || return 0
  local pid
  pid=$(<"$pid_file")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  if [[ -r /proc/$pid/comm && $(<"/proc/$pid/comm") == logserve ]]; then
    echo "$pid"
  fi
}

stop() {
  local pid
  pid=$(running_pid)
  if [[ -z $pid ]]; then
    rm -f "$pid_file"
    say "no demo logserve is running"
    return 0
  fi
  kill -TERM "$pid"
  # SIGTERM finishes the requests in flight and seals the store; give it 30 seconds.
  for _ in $(seq 300); do
    [[ -d /proc/$pid ]] || break
    sleep 0.1
  done
  if [[ -d /proc/$pid ]]; then
    die "logserve (pid $pid) is still running 30 s after SIGTERM; see $log_file"
  fi
  rm -f "$pid_file"
  say "stopped logserve (pid $pid); the store stays in $store (rm -rf $var to start afresh)"
}

if [[ $action == stop ]]; then
  stop
  exit 0
fi

# --- 1. Nothing in the way ----------------------------------------------------------------
pid=$(running_pid)
if [[ -n $pid ]]; then
  die "a demo logserve is still running (pid $pid, from $pid_file); stop it first with
  make demo-stop      (or: kill $pid)"
fi
rm -f "$pid_file"   # stale: its process is gone

command -v curl >/dev/null || die "curl is needed to check the server: sudo apt-get install -y curl"

port_taken() {
  if command -v ss >/dev/null; then
    [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]]
  else
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
  fi
}
if port_taken; then
  die "port $port is already in use, so logserve cannot listen on $host:$port:
$(ss -ltnp "sport = :$port" 2>/dev/null | sed 's/^/  /' || true)
  stop whatever listens there (if it is an earlier demo: make demo-stop), then run make demo again"
fi

# --- 2. The programs ----------------------------------------------------------------------
if [[ ! -x $logserve || ! -x $logstore || ! -x $logquery || ! -x $gen_logs ]]; then
  say "building ($build/ is missing programs): make BUILD=$build"
  make BUILD="$build"
fi
for program in "$logserve" "$logstore" "$logquery" "$gen_logs"; do
  [[ -x $program ]] || die "$program was not built"
done

# --- 3. The store, filled once ------------------------------------------------------------
mkdir -p "$var"
if [[ -f $filled_mark && -f $store/FORMAT ]]; then
  say "$store already holds the sample records; not refilled (rm -rf $var to start afresh)"
else
  # No mark: a first run, or a fill that was interrupted. Start from an empty store.
  rm -rf "$store" "$filled_mark"
  start=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
  say "filling $store with $records generated records from $start to now"
  "$gen_logs" --records "$records" --start "$start" --days 1 2>/dev/null \
    | "$logstore" "$store" \
    || die "filling $store failed (logstore exit status $?)"
  date -u +%Y-%m-%dT%H:%M:%SZ > "$filled_mark"
fi

# --- 4. logserve ---------------------------------------------------------------------------
# setsid: the server outlives this script and make, and a Ctrl-C in this terminal later does
# not reach it.
setsid "$logserve" --store "$store" --host "$host" --port "$port" \
  </dev/null >/dev/null 2>"$log_file" &
pid=$!
echo "$pid" > "$pid_file"

health=
for _ in $(seq 150); do
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" && rc=0 || rc=$?
    rm -f "$pid_file"
    die "logserve exited with status $rc before it answered; $log_file says:
$(sed 's/^/  /' "$log_file")"
  fi
  if health=$(curl -sf --max-time 2 "http://$host:$port/api/v1/health"); then
    break
  fi
  health=
  sleep 0.2
done
if [[ -z $health ]]; then
  die "logserve (pid $pid) did not answer http://$host:$port/api/v1/health within 30 s;
  see $log_file, and stop it with make demo-stop"
fi

# --- 5. What was started, and what to try -------------------------------------------------
entries=$(curl -sf --max-time 5 "http://$host:$port/api/v1/logs/stats" \
  | sed -n 's/.*"TotalEntries":\([0-9]*\).*/\1/p' || true)
cat <<EOF

Started logserve (pid $pid) on http://$host:$port, serving the store $store (${entries:-?} records):
  $logserve --store $store --host $host --port $port
  health:  $health
  stderr:  $log_file      pid: $pid_file

Try:
  curl -s '$host:$port/api/v1/logs?limit=5'
  curl -s '$host:$port/api/v1/logs?level=error&q=source:api&limit=3'
  curl -s $host:$port/api/v1/logs/stats
  curl -s -H 'Content-Type: application/json' \\
    -d '{"analysis":{"type":"frequency","group_by":"level"}}' $host:$port/api/v1/query/analyze
  curl -s -H 'Content-Type: application/json' \\
    -d '{"source":"demo","level":"warn","message":"hello from curl"}' $host:$port/api/v1/logs
  curl -sN '$host:$port/api/v1/tail?level=error'     # live; Ctrl-C to leave
  $logquery -s $store 'level:error' -n 5
  $logquery --server http://$host:$port 'source:api | top 5 host'

Stop it:
  kill \$(cat $pid_file)      or      make demo-stop
EOF
