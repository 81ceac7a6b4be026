#!/usr/bin/env python3
"""bench/serve_load.py -- The batch-ingestion client of bench/serve.sh (standard library only).

  serve_load.py prepare INPUT.ndjson BATCH array|ndjson identity|gzip OUTPUT
      Cuts the NDJSON records into bodies of BATCH records for POST /api/v1/logs/batch: a JSON
      array, or NDJSON lines; gzip-compressed (level 6, gzip's default) or not. OUTPUT holds
      the bodies one after another, each after a line "RECORDS BYTES".
  serve_load.py ingest PORT BODIES array|ndjson identity|gzip CONNECTIONS
      POSTs every body of BODIES once, from CONNECTIONS keep-alive connections that take the
      next body as soon as their previous one is answered, and prints one line of key=value:
      records (acknowledged: the sum of the answers' "count"), requests, errors (answers other
      than 200, or a count that is not the batch's), seconds (wall clock from the first request
      to the last answer), client_cpu_s (this process's user + system CPU during that time),
      and the request latency in milliseconds (p50_ms, p99_ms, max_ms).

Exit status: 0, 1 when a request failed or was refused, 2 on bad arguments.

wrk could send these bodies too, but a duration-bound wrk run leaves requests in flight when it
stops, so the records the server acknowledged could not be compared exactly with what the store
holds. Here every body is sent exactly once and every answer is read. The request rate is low
(a few hundred requests of 0.2 to 1.2 MB per second), so one Python process keeps up: serve.sh
reports this client's CPU beside logserve's.
"""

import gzip
import http.client
import itertools
import json
import resource
import sys
import threading
import time


def usage(message):
    sys.stderr.write(f"serve_load.py: {message}\n")
    sys.exit(2)


def prepare(input_path, batch, form, encoding, output_path):
    with open(input_path, "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    with open(output_path, "wb") as out:
        for at in range(0, len(lines), batch):
            chunk = lines[at:at + batch]
            if form == "array":
                body = b"[" + b",".join(chunk) + b"]"
            else:
                body = b"\n".join(chunk) + b"\n"
            if encoding == "gzip":
                body = gzip.compress(body, compresslevel=6, mtime=0)
            out.write(b"%d %d\n" % (len(chunk), len(body)))
            out.write(body)


def read_bodies(path):
    with open(path, "rb") as f:
        data = f.read()
    bodies = []
    at = 0
    while at < len(data):
        eol = data.index(b"\n", at)
        records, size = (int(v) for v in data[at:eol].split())
        bodies.append((records, data[eol + 1:eol + 1 + size]))
        at = eol + 1 + size
    return bodies


def ingest(port, bodies_path, form, encoding, connections):
    bodies = read_bodies(bodies_path)
    headers = {
        "Content-Type": "application/json" if form == "array" else "application/x-ndjson",
    }
    if encoding == "gzip":
        headers["Content-Encoding"] = "gzip"
    next_body = itertools.count()  # next() on it is atomic under the GIL
    lock = threading.Lock()
    totals = {"records": 0, "requests": 0, "errors": 0}
    latencies = []
    first_error = []
    start = threading.Barrier(connections + 1)
    ends = []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.connect()
        records = requests = errors = 0
        mine = []
        start.wait()
        while True:
            i = next(next_body)
            if i >= len(bodies):
                break
            want, body = bodies[i]
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/logs/batch", body=body, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                status = response.status
                if response.will_close:
                    conn.close()  # the next request reconnects
            except (OSError, http.client.HTTPException) as e:
                status, answer = 0, str(e).encode()
                conn.close()
            mine.append(time.perf_counter() - t0)
            requests += 1
            count = -1
            if status == 200:
                try:
                    count = int(json.loads(answer)["count"])
                except (ValueError, KeyError, TypeError):
                    pass
            if status == 200 and count == want:
                records += count
            else:
                errors += 1
                with lock:
                    if not first_error:
                        first_error.append(f"body {i}: status {status}: {answer[:200]!r}")
        end = time.perf_counter()
        conn.close()
        with lock:
            totals["records"] += records
            totals["requests"] += requests
            totals["errors"] += errors
            latencies.extend(mine)
            ends.append(end)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    start.wait()
    t_start = time.perf_counter()
    for t in threads:
        t.join()
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    seconds = max(ends) - t_start
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    latencies.sort()

    def pct(p):  # nearest rank
        if not latencies:
            return 0.0
        rank = max(1, -(-len(latencies) * p // 100))
        return latencies[int(rank) - 1] * 1000

    print(f"records={totals['records']} requests={totals['requests']} errors={totals['errors']} "
          f"seconds={seconds:.6f} client_cpu_s={cpu:.3f} p50_ms={pct(50):.1f} "
          f"p99_ms={pct(99):.1f} max_ms={(latencies[-1] * 1000 if latencies else 0):.1f}")
    if first_error:
        sys.stderr.write(f"serve_load.py: {totals['errors']} request(s) failed; first: "
                         f"{first_error[0]}\n")
        return 1
    return 0


def main(argv):
    if len(argv) == 6 and argv[0] == "prepare":
        _, input_path, batch, form, encoding, output_path = argv
        if not batch.isdigit() or int(batch) < 1:
            usage(f"BATCH must be a positive integer, not '{batch}'")
        if form not in ("array", "ndjson") or encoding not in ("identity", "gzip"):
            usage("the body form is array or ndjson, the encoding identity or gzip")
        prepare(input_path, int(batch), form, encoding, output_path)
        return 0
    if len(argv) == 6 and argv[0] == "ingest":
        _, port, bodies_path, form, encoding, connections = argv
        if not port.isdigit() or not connections.isdigit() or int(connections) < 1:
            usage("PORT and CONNECTIONS must be positive integers")
        if form not in ("array", "ndjson") or encoding not in ("identity", "gzip"):
            usage("the body form is array or ndjson, the encoding identity or gzip")
        return ingest(int(port), bodies_path, form, encoding, int(connections))
    usage("usage: serve_load.py prepare INPUT BATCH FORM ENCODING OUTPUT | "
          "ingest PORT BODIES FORM ENCODING CONNECTIONS")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
