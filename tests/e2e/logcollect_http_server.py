#!/usr/bin/env python3
# tests/e2e/logcollect_http_server.py -- The HTTP(S) endpoint logcollect_http.sh polls: records
# added by the test (POST /add, NDJSON), served from GET /logs (a JSON array) and GET /ndjson
# (NDJSON, gzip-encoded when asked) with an inclusive `since` on their timestamp, as many real
# APIs have it. POST /fail?n=N answers the next N polls with 503. GET /auth wants
# "Authorization: Bearer secret". Every poll is logged to the request log, one JSON per line.
#   logcollect_http_server.py PORT_FILE REQUEST_LOG [CERT KEY]
import gzip
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

port_file, request_log = sys.argv[1], sys.argv[2]
records = []
fail_next = [0]
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            if url.path == "/add":
                records.extend(json.loads(line) for line in body.decode().splitlines() if line)
            elif url.path == "/fail":
                fail_next[0] = int(parse_qs(url.query)["n"][0])
        self.send(200, b"{}")

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        since = query.get("since", [None])[0]
        gzip_asked = "gzip" in self.headers.get("Accept-Encoding", "")
        with lock:
            entry = {"time": time.time(), "path": url.path, "since": since,
                     "auth": self.headers.get("Authorization"), "gzip": gzip_asked}
            failing = fail_next[0] > 0
            if failing and url.path != "/state":
                fail_next[0] -= 1
            selected = [r for r in records if since is None or r["timestamp"] >= since]
            with open(request_log, "a") as log:
                entry["status"] = 503 if failing else 200
                entry["ids"] = [] if failing else [r["id"] for r in selected]
                log.write(json.dumps(entry) + "\n")
        if failing:
            self.send(503, b"<html>busy</html>", "text/html")
            return
        if url.path == "/auth" and self.headers.get("Authorization") != "Bearer secret":
            self.send(401, b'{"error":"unauthorized"}')
            return
        if url.path == "/ndjson":
            body = "".join(json.dumps(r) + "\n" for r in selected).encode()
            if gzip_asked:
                self.send(200, gzip.compress(body), "application/x-ndjson",
                          [("Content-Encoding", "gzip")])
            else:
                self.send(200, body, "application/x-ndjson")
            return
        self.send(200, json.dumps(selected, indent=1).encode())


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if len(sys.argv) > 4:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
# The rename makes the port file appear whole.
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
