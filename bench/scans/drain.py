#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Scans as a service, figures only (no assertions):
1. 100 queued scans of the scan fixture (tests/scan/fixture.py on 127.0.0.1, checks
   misconfig + server_error) drained by `vigil worker --workers N` for N = 1, 2, 4: scans/min.
2. GET /api/v1/scans/{id} rate from one client, idle and while a scan runs (the slowdown).
3. The same with wrk (BENCH_WRK_CONNECTIONS connections, default 8, BENCH_WRK_SECONDS each,
   default 5), if wrk is installed: idle on a finished scan, then on a running scan's live row
   while the in-process worker scans; also the scan's own request rate with and without that
   API load.
Usage: bench/scans/drain.py [path/to/vigil]   (default build/vigil; BENCH_GET_ONLY=1 skips 1.)"""

import importlib.util
import os
import re
import shutil
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


def get_rate(s, url, seconds=3.0):
    """GETs per second over `seconds`."""
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < seconds:
        r = s.get(url)
        assert r.status_code == 200
        n += 1
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
            rate_limit=20, budget=30))
        lid = long.json()["data"]["scan_id"]
        while s.get(f"{base}/api/v1/scans/{lid}").json()["data"]["status"] == "queued":
            time.sleep(0.01)
        busy = get_rate(s, f"{base}/api/v1/scans/{sid}")
        state = s.get(f"{base}/api/v1/scans/{lid}").json()["data"]["status"]
        proc.terminate()
        proc.wait()
        print(f"GET /scans/{{id}} of a finished scan, one client: idle {idle:.0f}/s, while a scan "
              f"runs {busy:.0f}/s ({busy / idle * 100:.0f}% of idle; the scan was {state} at the "
              f"end)")


def wrk(url, token, seconds, connections):
    """req/s and p99 latency (ms) of wrk GETting url."""
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-H", f"Authorization: Bearer {token}", url],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    p99 = re.search(r"99%\s+([0-9.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, float(p99.group(1)) * scale, int(errors.group(1)) if errors else 0


def requests_sent(s, url):
    return s.get(url).json()["data"]["progress"]["requests_sent"]


def count(s, base, status):
    return s.get(base + "/api/v1/scans", params={"status": status, "per_page": 1}).json()[
        "meta"]["total"]


def get_by_id_wrk(fixture):
    """wrk on one finished scan's GET, with no scan running, while a paced scan runs, while the
    worker drains a queue of unpaced scans, and idle again (the machine's noise)."""
    seconds = int(os.environ.get("BENCH_WRK_SECONDS", "5"))
    conns = int(os.environ.get("BENCH_WRK_CONNECTIONS", "8"))
    with tempfile.TemporaryDirectory() as tmp:
        proc, base, s = start_server(tmp, 1)
        token = s.headers["Authorization"].split()[1]
        done = s.post(base + "/api/v1/scans", json=body(fixture, checks=["misconfig"]))
        did = done.json()["data"]["scan_id"]
        target = f"{base}/api/v1/scans/{did}"
        while s.get(target).json()["data"]["status"] != "complete":
            time.sleep(0.05)
        wrk(target, token, 1, conns)  # warm-up
        idle, idle_p99, _ = wrk(target, token, seconds, conns)
        print(f"wrk GET /scans/{{id}} of a finished scan, {conns} connections, {seconds} s each:")
        print(f"  no scan running:            {idle:.0f}/s (p99 {idle_p99:.1f} ms)")

        paced = s.post(base + "/api/v1/scans", json=body(
            fixture, checks=["injection", "server_error", "misconfig"], rate_limit=20,
            budget=seconds + 20))
        purl = f"{base}/api/v1/scans/{paced.json()['data']['scan_id']}"
        while requests_sent(s, purl) == 0:
            time.sleep(0.01)
        rate, p99, _ = wrk(target, token, seconds, conns)
        state = s.get(purl).json()["data"]["status"]
        print(f"  a scan paced at 20 req/s:   {rate:.0f}/s (p99 {p99:.1f} ms), "
              f"{rate / idle * 100:.0f}% of idle (scan {state} at the end)")
        s.delete(purl)
        while count(s, base, "running"):
            time.sleep(0.05)

        queued = 40
        for _ in range(queued):
            s.post(base + "/api/v1/scans", json=body(
                fixture, checks=["injection", "server_error", "misconfig"]))
        while not count(s, base, "running"):
            time.sleep(0.01)
        before = count(s, base, "complete")
        rate, p99, _ = wrk(target, token, seconds, conns)
        ran = count(s, base, "complete") - before
        still = count(s, base, "running") + count(s, base, "queued")
        print(f"  unpaced scans back to back: {rate:.0f}/s (p99 {p99:.1f} ms), "
              f"{rate / idle * 100:.0f}% of idle ({ran} scans finished during it, "
              f"{still} still to run)")
        for sid in [x["scan_id"] for x in s.get(base + "/api/v1/scans", params={
                "status": "queued", "per_page": 100}).json()["data"]]:
            s.delete(f"{base}/api/v1/scans/{sid}")
        while count(s, base, "running"):
            time.sleep(0.05)
        rate, p99, _ = wrk(target, token, seconds, conns)
        print(f"  no scan running, again:     {rate:.0f}/s (p99 {p99:.1f} ms)")
        proc.terminate()
        proc.wait()


def main():
    fixture = scan_conftest.Fixture()
    try:
        if os.environ.get("BENCH_GET_ONLY") != "1":
            for workers in (1, 2, 4):
                drain(fixture, workers)
        get_by_id(fixture)
        if shutil.which("wrk"):
            get_by_id_wrk(fixture)
        else:
            print("wrk not installed (scripts/deps.sh bench): no multi-connection GET figure")
    finally:
        fixture.stop()


if __name__ == "__main__":
    main()
