#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Webhooks, figures only (no assertions):
1. Deliveries per second: N finding.created events wait in the outbox of a server started with
   --webhook-workers 0; the server is restarted with W delivery threads (W = 1, 2) and the
   time until a local receiver (127.0.0.1, Python ThreadingHTTPServer, HTTP/1.1 keep-alive,
   answers 204) has all N is measured.
2. POST /api/v1/findings rate (wrk, bench/api/post_finding.lua) on a fresh server with no
   webhook, then on one with one active webhook subscribed to finding.created whose deliveries
   run during the measurement.
Usage: bench/webhooks/bench.py [path/to/vigil]   (BENCH_EVENTS, BENCH_SECONDS to change N, d)"""

import http.server
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
VIGIL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "vigil")
N_EVENTS = int(os.environ.get("BENCH_EVENTS", "3000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ENV = dict(os.environ, VIGIL_SCAN_ALLOW="127.0.0.1/32", VIGIL_RATE_ADMIN="100000000/1000000")


class Receiver:
    def __init__(self):
        self.count = 0
        self.cond = threading.Condition()
        me = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with me.cond:
                    me.count += 1
                    me.cond.notify_all()

        class Quiet(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # the server closing its kept-alive connections at stop

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def wait_for(self, n, limit=600):
        deadline = time.monotonic() + limit
        with self.cond:
            while self.count < n and time.monotonic() < deadline:
                self.cond.wait(1)
            return self.count


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(tmp, hook_workers, token=None):
    port = free_port()
    proc = subprocess.Popen([VIGIL, "serve", "--listen", f"127.0.0.1:{port}", "--database",
                             f"sqlite:{tmp}/vigil.db", "--scan-workers", "0",
                             "--webhook-workers", str(hook_workers)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV)
    while token is None:
        m = re.match(r"^(vgl_live_[A-Za-z0-9]{38})$", proc.stdout.readline().strip())
        token = m.group(1) if m else None
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            if requests.get(base + "/health", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.05)
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    return proc, base, s, token


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)


def deliveries_per_second(workers):
    recv = Receiver()
    with tempfile.TemporaryDirectory() as tmp:
        proc, base, s, token = start(tmp, 0)
        s.post(base + "/api/v1/webhooks", json={"url": recv.url, "events": ["finding.created"]})
        p = s.post(base + "/api/v1/projects", json={"name": "bench"}).json()["data"]["id"]
        for i in range(N_EVENTS):
            s.post(base + "/api/v1/findings",
                   json={"project_id": p, "title": f"finding {i}", "severity": "low"})
        stop(proc)
        proc, base, s, _ = start(tmp, workers, token)
        t0 = time.monotonic()  # from the server answering /health
        got = recv.wait_for(N_EVENTS)
        dt = time.monotonic() - t0
        stop(proc)
    recv.httpd.shutdown()
    print(f"deliveries: {got}/{N_EVENTS} events delivered by {workers} webhook worker(s) in "
          f"{dt:.2f} s (from the restarted server's first /health): {got / dt:.0f} deliveries/s")


def post_rate(with_hook):
    recv = Receiver()
    with tempfile.TemporaryDirectory() as tmp:
        proc, base, s, token = start(tmp, 1)
        if with_hook:
            s.post(base + "/api/v1/webhooks", json={"url": recv.url,
                                                    "events": ["finding.created"]})
        p = s.post(base + "/api/v1/projects", json={"name": "bench"}).json()["data"]["id"]
        env = dict(os.environ, VIGIL_TOKEN=token, VIGIL_PROJECT=p)
        out = subprocess.run(["wrk", "-t2", "-c16", f"-d{SECONDS}s", "-s",
                              os.path.join(ROOT, "bench", "api", "post_finding.lua"), base],
                             capture_output=True, text=True, env=env).stdout
        rate = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
        lat = re.search(r"Latency\s+(\S+)", out).group(1)
        created = s.get(base + "/api/v1/findings", params={"per_page": 1}).json()["meta"]["total"]
        if with_hook:
            got = recv.wait_for(created, limit=120)
            extra = f"; receiver got {got}/{created} deliveries"
        else:
            extra = ""
        stop(proc)
    recv.httpd.shutdown()
    label = "with one webhook on finding.created" if with_hook else "without webhooks"
    print(f"POST /api/v1/findings {label}: {rate} req/s (mean latency {lat}, "
          f"wrk -t2 -c16 -d{SECONDS}s){extra}")


if __name__ == "__main__":
    for w in (1, 2):
        deliveries_per_second(w)
    post_rate(False)
    post_rate(True)
    post_rate(False)
    post_rate(True)
