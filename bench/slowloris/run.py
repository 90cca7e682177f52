#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Slow clients against `vigil serve`, figures only (no assertions; issue 14, item 4).
One normal keep-alive client sends GET /api/v1/clients?limit=1 back to back for SECONDS and
its latency is measured: idle, then while SLOW sockets stay open dripping a header byte (mode
"headers") or a body byte (mode "body") every DRIP seconds. A socket the server cuts (408 or close) is reopened at
once, so SLOW stay open the whole time, as an attacker would keep them. The server runs with
its default deadlines (10 s headers, 1 KiB/s body) and --per-ip-connections raised above SLOW,
since every socket comes from 127.0.0.1.
Usage: bench/slowloris/run.py [path/to/vigil]
Environment: SLOW (500), SECONDS (25 per phase: the 10 s deadlines fire twice), DRIP (1.0 s),
MODES ("headers body")."""

import os
import re
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import http.client

HERE = os.path.dirname(os.path.abspath(__file__))
VIGIL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "build", "vigil")
SLOW = int(os.environ.get("SLOW", "500"))
SECONDS = float(os.environ.get("SECONDS", "25"))
DRIP = float(os.environ.get("DRIP", "1.0"))
MODES = os.environ.get("MODES", "headers body").split()
ENV = dict(os.environ, VIGIL_RATE_ADMIN="100000000/1000000",
           VIGIL_RATE_STANDARD="100000000/1000000")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(tmp):
    port = free_port()
    proc = subprocess.Popen([VIGIL, "serve", "--listen", f"127.0.0.1:{port}", "--database",
                             f"sqlite:{tmp}/vigil.db", "--per-ip-connections", str(SLOW + 64)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV)
    token = None
    while token is None:
        line = proc.stdout.readline()
        if not line:
            sys.exit("vigil serve exited before printing its admin token")
        m = re.match(r"^(vgl_live_[A-Za-z0-9]{38})$", line.strip())
        token = m.group(1) if m else None
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port, token
        except OSError:
            time.sleep(0.05)


def measure(port, token, seconds):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": "Bearer " + token}
    lat = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.perf_counter()
        conn.request("GET", "/api/v1/clients?limit=1", headers=headers)
        resp = conn.getresponse()
        resp.read()
        lat.append((time.perf_counter() - t0) * 1000.0)
        if resp.status != 200:
            raise SystemExit(f"normal client got {resp.status}")
    conn.close()
    lat.sort()
    return statistics.median(lat), lat[int(len(lat) * 0.99) - 1], len(lat)


class Dripper(threading.Thread):
    """Keeps SLOW sockets open, each sending one byte every DRIP seconds."""

    def __init__(self, port, token, mode):
        super().__init__(daemon=True)
        self.port, self.mode, self.token = port, mode, token
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.cuts = 0
        self.answered_408 = 0
        self.sel = selectors.DefaultSelector()

    def open_one(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        if self.mode == "headers":
            s.sendall(b"GET /api/v1/clients HTTP/1.1\r\nHost: x\r\n")
        else:
            s.sendall(b"POST /api/v1/clients HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                      + self.token.encode() + b"\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100000\r\n\r\n{")
        s.setblocking(False)
        self.sel.register(s, selectors.EVENT_READ)
        return s

    def cut(self, s):
        try:
            if s.recv(4096).startswith(b"HTTP/1.1 408"):
                self.answered_408 += 1
        except OSError:
            pass
        self.sel.unregister(s)
        s.close()
        self.cuts += 1

    def run(self):
        socks = [self.open_one() for _ in range(SLOW)]
        self.ready.set()
        while not self.stop.is_set():
            start = time.monotonic()
            for i, s in enumerate(socks):
                try:
                    s.send(b"a" if self.mode == "headers" else b" ")
                except OSError:
                    self.cut(s)
                    socks[i] = self.open_one()
            while time.monotonic() - start < DRIP:
                for key, _ in self.sel.select(timeout=max(0.0, DRIP - (time.monotonic() - start))):
                    s = key.fileobj
                    self.cut(s)
                    socks[socks.index(s)] = self.open_one()
        for s in socks:
            s.close()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        proc, port, token = start(tmp)
        try:
            measure(port, token, 1)  # warm up
            idle = measure(port, token, SECONDS)
            print(f"idle:                       p50 {idle[0]:.3f} ms  p99 {idle[1]:.3f} ms"
                  f"  ({idle[2]} requests in {SECONDS:.0f} s)")
            for mode in MODES:
                d = Dripper(port, token, mode)
                d.start()
                d.ready.wait()
                loaded = measure(port, token, SECONDS)
                d.stop.set()
                d.join()
                print(f"{SLOW} slow sockets ({mode:7}): p50 {loaded[0]:.3f} ms  p99 "
                      f"{loaded[1]:.3f} ms  ({loaded[2]} requests; p99 {loaded[1] / idle[1]:.2f}x"
                      f" idle); sockets cut {d.cuts}, {d.answered_408} of them with a 408")
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
