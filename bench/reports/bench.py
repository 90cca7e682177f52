#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Project reports, figures only (no assertions). A server with no workers on 127.0.0.1 gets a
project of N findings (BENCH_FINDINGS, default 10,000) through POST /api/v1/findings; then, per
format, a report is queued and one `vigil worker --workers 1` process renders it under
one process. Printed: render_ms (the report's own measure of loading the findings and
rendering, written by the worker), the file size, and the worker process's peak RSS (VmHWM from
/proc/PID/status once the report is ready; it includes the worker's start-up, a few MB).
Usage: bench/reports/bench.py [path/to/vigil]"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import requests

VIGIL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "vigil")
N = int(os.environ.get("BENCH_FINDINGS", "10000"))
ENV = dict(os.environ, VIGIL_RATE_ADMIN="100000000/1000000")
SEVERITIES = ["critical", "high", "medium", "low", "info"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        db = f"sqlite:{tmp}/vigil.db"
        proc = subprocess.Popen([VIGIL, "serve", "--listen", f"127.0.0.1:{port}", "--database", db,
                                 "--scan-workers", "0"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=ENV)
        token = None
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
        project = s.post(base + "/api/v1/projects", json={"name": "bench"}).json()["data"]["id"]
        t0 = time.monotonic()

        def seed(i):
            r = s.post(base + "/api/v1/findings", json={
                "project_id": project, "title": f"Finding {i} <b>bold</b>",
                "severity": SEVERITIES[i % 5], "cwe": "CWE-89", "owasp": "API8:2023",
                "endpoint": f"GET /api/items/{i}", "description": "d" * 200,
                "evidence": {"request": f"GET /api/items/{i}' OR 1=1--", "response": "x" * 300}})
            assert r.status_code == 201, r.text

        with ThreadPoolExecutor(4) as ex:
            list(ex.map(seed, range(N)))
        print(f"seeded {N} findings through POST /api/v1/findings in "
              f"{time.monotonic() - t0:.1f} s")
        print(f"{'format':<10} {'render_ms':>10} {'bytes':>12} {'worker peak RSS':>16}")
        for fmt in ("html", "markdown", "json", "sarif", "csv"):
            rid = s.post(f"{base}/api/v1/projects/{project}/reports",
                         json={"format": fmt}).json()["data"]["id"]
            w = subprocess.Popen([VIGIL, "worker", "--database", db, "--workers", "1"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
            while True:
                d = s.get(f"{base}/api/v1/reports/{rid}").json()["data"]
                if d["status"] in ("ready", "failed"):
                    break
                time.sleep(0.05)
            with open(f"/proc/{w.pid}/status", encoding="ascii") as f:
                rss = re.search(r"VmHWM:\s+(\d+) kB", f.read())
            w.terminate()
            w.wait()
            print(f"{fmt:<10} {d['render_ms']:>10} {d['size']:>12} "
                  f"{(int(rss.group(1)) / 1024 if rss else 0):>13.1f} MB  {d['status']}")
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
