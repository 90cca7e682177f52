#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Scans as a service, figures only (no assertions):
1. 100 queued scans of the scan fixture (tests/scan/fixture.py on 127.0.0.1, checks
   misconfig + server_error) drained by `vigil worker --workers N` for N = 1, 2, 4: scans/min.
2. GET /api/v1/scans/{id} rate from one client, idle and while a scan runs (the slowdown).
Usage: bench/scans/drain.py [path/to/vigil]   (default build/vigil; BENCH_GET_ONLY=1 skips 1.)"""

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
VIGIL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "vigil")
_spec = importlib.util.spec_from_file_location(
    "scan_conftest", os.path.join(ROOT, "tests", "scan", "conftest.py"))
scan_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scan_conftest)

N_SCANS = 100
ENV = dict(os.environ, VIGIL_SCAN_ALLOW="127.0.0.1/32", VIGIL_SCAN_MAX_PER_ORG="0",
           VIGIL_RATE_ADMIN="100000000/1000000")
with open(scan_conftest.SPEC, encoding="utf-8") as f:
    SPEC = f.read()


def start_server(tmp, workers):
    port = scan_conftest.free_port()
    proc = subprocess.Popen([VIGIL, "serve", "--listen", f"127.0.0.1:{port}", "--database",
                             f"sqlite:{tmp}/vigil.db", "--scan-workers", str(workers)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV)
    token = None
    while token is None:
        line = proc.stdout.readline()
        m = re.match(r"^(vgl_live_[A-Za-z0-9]{38})$", line.strip())
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
    return proc, base, s


def body(fixture, checks=("misconfig", "server_error"), **opts):
    return {"url": fixture.url, "spec": SPEC,
            "options": dict({"checks": list(checks), "fail_on": "none"}, **opts)}


def drain(fixture, workers):
    with tempfile.TemporaryDirectory() as tmp:
        proc, base, s = start_server(tmp, 0)
        ids = [s.post(base + "/api/v1/scans", json=body(fixture)).json()["data"]["scan_id"]
               for _ in range(N_SCANS)]
        t0 = time.monotonic()
        w = subprocess.Popen([VIGIL, "worker", "--database", f"sqlite:{tmp}/vigil.db",
                              "--workers", str(workers)], env=ENV, stderr=subprocess.DEVNULL)
        while True:
            page = s.get(base + "/api/v1/scans", params={"status": "complete", "per_page": 1})
            if page.json()["meta"]["total"] >= N_SCANS:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - t0
        w.terminate()
        w.wait()
        proc.terminate()
        proc.wait()
        assert len(ids) == N_SCANS
        print(f"drain: {N_SCANS} scans, {workers} worker(s): {elapsed:.1f} s, "
              f"{N_SCANS / elapsed * 60:.0f} scans/min")


def get_rate(s, url, seconds=3.0, while_running=False):
    """GETs per second over `seconds` (or until the scan stops running)."""
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < seconds:
        r = s.get(url)
        assert r.status_code == 200
        n += 1
        if while_running and r.json()["data"]["status"] != "running":
            break
    return n / (time.monotonic() - t0)


def get_by_id(fixture):
    with tempfile.TemporaryDirectory() as tmp:
        proc, base, s = start_server(tmp, 1)
        done = s.post(base + "/api/v1/scans", json=body(fixture, checks=["misconfig"]))
        sid = done.json()["data"]["scan_id"]
        while s.get(f"{base}/api/v1/scans/{sid}").json()["data"]["status"] != "complete":
            time.sleep(0.05)
        get_rate(s, f"{base}/api/v1/scans/{sid}", 1.0)  # warm-up
        idle = get_rate(s, f"{base}/api/v1/scans/{sid}")
        long = s.post(base + "/api/v1/scans", json=body(
            fixture, checks=["injection", "server_error", "misconfig"], concurrency=4,
            rate_limit=200))
        lid = long.json()["data"]["scan_id"]
        while s.get(f"{base}/api/v1/scans/{lid}").json()["data"]["status"] == "queued":
            time.sleep(0.01)
        busy = get_rate(s, f"{base}/api/v1/scans/{lid}", while_running=True)
        state = s.get(f"{base}/api/v1/scans/{lid}").json()["data"]["status"]
        proc.terminate()
        proc.wait()
        print(f"GET /scans/{{id}}, one client: idle {idle:.0f}/s, while a scan runs "
              f"{busy:.0f}/s ({(1 - busy / idle) * 100:.0f}% slower; measured until the scan was {state})")


def main():
    fixture = scan_conftest.Fixture()
    try:
        if os.environ.get("BENCH_GET_ONLY") != "1":
            for workers in (1, 2, 4):
                drain(fixture, workers)
        get_by_id(fixture)
    finally:
        fixture.stop()


if __name__ == "__main__":
    main()
