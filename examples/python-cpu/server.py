#!/usr/bin/env python3
"""A CPU-bound web service in Python's standard library only, to be scaled by zonescale.

It knows nothing of zonescale: it listens on 127.0.0.1:$PORT (default 8080; HOST overrides the
interface) and answers
  GET /healthz           200 "ok" (its health check)
  GET /work?ms=50        burns about that much CPU time (1..5000 ms), then 200 with what it did
  GET /                  200, a one-line description
SIGTERM stops it at once (the runtime's stop).
"""

import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def burn(ms: float) -> int:
    """Spins on the CPU for `ms` milliseconds of process CPU time; returns the loop count."""
    end = time.process_time() + ms / 1000.0
    n = 0
    while time.process_time() < end:
        n += 1
    return n


class Handler(BaseHTTPRequestHandler):
    server_version = "python-cpu/1"

    def reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlparse(self.path)
        if url.path == "/healthz":
            self.reply(200, {"status": "ok"})
        elif url.path == "/work":
            try:
                ms = float(parse_qs(url.query).get("ms", ["50"])[0])
            except ValueError:
                self.reply(400, {"error": "ms must be a number"})
                return
            if not 1 <= ms <= 5000:
                self.reply(400, {"error": "ms must be between 1 and 5000"})
                return
            started = time.monotonic()
            loops = burn(ms)
            self.reply(200, {"cpuMs": ms, "loops": loops, "wallMs": round((time.monotonic() - started) * 1000, 1)})
        elif url.path == "/":
            self.reply(200, {"service": "python-cpu", "pid": os.getpid(), "try": "/work?ms=50"})
        else:
            self.reply(404, {"error": "not found"})

    def log_message(self, fmt: str, *args) -> None:
        pass  # one line per request would flood the log under load


def main() -> None:
    port = int(os.environ.get("PORT", "8080"))
    host = os.environ.get("HOST", "127.0.0.1")
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"python-cpu listening on http://{host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
