-- bench/serve_wrk.lua -- The wrk script of bench/serve.sh: one request, sent again and again by
-- every connection, and a machine-readable summary at the end.
-- Environment: WRK_METHOD (GET, the default, or POST), WRK_BODY (the body of a POST) and
-- WRK_TYPE (its Content-Type, application/json by default).
-- The summary is one line, "RESULT key=value ...": requests answered, duration_us (of the
-- run), the latency percentiles and maximum in microseconds, and wrk's error counts (status
-- counts answers other than 2xx and 3xx).

wrk.method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY") or ""
if body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = os.getenv("WRK_TYPE") or "application/json"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d bytes=%d mean_us=%.0f p50_us=%d p90_us=%d p99_us=%d " ..
    "max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes, latency.mean,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
