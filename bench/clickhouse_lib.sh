# shellcheck shell=bash
# bench/clickhouse_lib.sh -- Our own ClickHouse 18.16 server for the benchmarks, sourced by
# store.sh and query.sh: never the system service, but a generated config, 127.0.0.1 only, a
# free port, and every path under a directory that the caller owns (and removes). The caller
# defines die CODE MESSAGE... before sourcing this file, and calls stop_server from its EXIT
# trap. CH_PID is the server's pid while it runs, CH_PORT its port.
#
#   CH_PORT=$(free_port)
#   write_config DIR "$CH_PORT" lz4|zstd [query_log]
#   start_server DIR        # waits until the server answers
#   chq 'SELECT 1'          # one query, its result on stdout
#   chq "$CREATE_TABLE"     # the logs table for gen_logs --format clickhouse
#   stop_server             # TERM by pid, KILL after 30 s

CH_PID=
CH_PORT=
# stop_server: stops our server by its pid (TERM, then KILL after 30 s).
stop_server() {
  [[ -n ${CH_PID:-} ]] || return 0
  local i
  kill -TERM "$CH_PID" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 "$CH_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$CH_PID" 2>/dev/null || true
  wait "$CH_PID" 2>/dev/null || true
  CH_PID=
}

free_port() {  # a TCP port on 127.0.0.1 that nothing answers on
  local port i
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die 1 "no free TCP port found on 127.0.0.1"
}

# write_config DIR PORT METHOD [query_log]: config.xml and users.xml for a server that keeps
# everything in DIR. With query_log, every query is logged in system.query_log (flushed every
# 0.5 s), whose query_duration_ms is the server's own time for a query.
write_config() {
  local dir=$1 port=$2 method=$3 compression='' query_log='' profile=''
  if [[ $method == zstd ]]; then
    # A <case> without conditions applies to every part: those written by INSERT and by merges.
    compression="<compression><case><method>zstd</method></case></compression>"
  fi
  if [[ ${4:-} == query_log ]]; then
    query_log="<query_log><database>system</database><table>query_log</table>"
    query_log+="<flush_interval_milliseconds>500</flush_interval_milliseconds></query_log>"
    profile="<log_queries>1</log_queries>"
  fi
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
  cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>information</level>
    <log>$dir/log/server.log</log>
    <errorlog>$dir/log/server.err.log</errorlog>
    <size>100M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>$port</tcp_port>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>8589934592</uncompressed_cache_size>
  <mark_cache_size>5368709120</mark_cache_size>
  $compression$query_log
</yandex>
EOF
  cat >"$dir/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default>$profile</default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default></default></quotas>
</yandex>
EOF
}

chq() { clickhouse-client --host 127.0.0.1 --port "$CH_PORT" --query "$1"; }

# start_server DIR: starts clickhouse-server on DIR/config.xml and waits until it answers.
start_server() {
  local dir=$1 i
  clickhouse-server --config-file="$dir/config.xml" >"$dir/log/stdout" 2>&1 &
  CH_PID=$!
  for ((i = 0; i < 600; i++)); do
    if ! kill -0 "$CH_PID" 2>/dev/null; then
      CH_PID=
      tail -n 20 "$dir/log/server.err.log" "$dir/log/stdout" >&2 2>/dev/null || true
      die 1 "clickhouse-server exited during startup"
    fi
    if chq 'SELECT 1' >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  tail -n 20 "$dir/log/server.err.log" >&2 2>/dev/null || true
  die 1 "clickhouse-server did not answer on 127.0.0.1:$CH_PORT within 60 s"
}

# The flattened records (gen_logs --format clickhouse). The fields become columns; a string
# field that a record lacks is '' (the generator never writes an empty string), a numeric one
# NULL (0 is a real value of partition, bytes and rows). 18.16 has neither DateTime64 nor a
# stable LowCardinality, and its DateTime has whole seconds: the instant is kept as an integer of
# milliseconds, the generator's exact precision, and `timestamp` gives it back as RFC 3339.
# shellcheck disable=SC2034  # used by the scripts that source this file
readonly CREATE_TABLE="CREATE TABLE logs (
  timestamp_ms Int64,
  source String,
  level String,
  message String,
  host String,
  region String,
  db String,
  job String,
  topic String,
  \`partition\` Nullable(UInt16),
  \`key\` String,
  user String,
  ip String,
  method String,
  path String,
  status Nullable(UInt16),
  duration_ms Nullable(Float64),
  bytes Nullable(UInt64),
  rows Nullable(UInt64),
  retries Nullable(UInt8),
  request_id String,
  timestamp String ALIAS concat(
    formatDateTime(toDateTime(intDiv(timestamp_ms, 1000)), '%Y-%m-%dT%H:%M:%S', 'UTC'),
    '.', substring(toString(1000 + timestamp_ms % 1000), 2, 3), 'Z')
) ENGINE = MergeTree ORDER BY (source, timestamp_ms)"
