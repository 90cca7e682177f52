#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compliance controls, figures only (no assertions). A server on 127.0.0.1 (SQLite, or
BENCH_DATABASE for another URL) gets N findings (BENCH_FINDINGS, default 100,000) through
POST /api/v1/findings/bulk, spread over 60 CWEs, the OWASP API categories and every severity,
80% of them open. Then each route is asked BENCH_REQUESTS times (default 50) in turn by one
client, and the median and 95th percentile latency are printed. Every status is computed on
the request (one grouped query over the open findings), so this is the cost a dashboard pays.
Usage: bench/controls/bench.py [path/to/vigil]"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import requests

VIGIL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "vigil")
N = int(os.environ.get("BENCH_FINDINGS", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "50"))
ENV = dict(os.environ, VIGIL_RATE_ADMIN="100000000/1000000")
SEVERITIES = ["critical", "high", "medium", "low", "info"]
CWES = [79, 89, 78, 22, 200, 209, 285, 287, 306, 307, 319, 327, 347, 352, 434, 502, 521, 532,
        601, 611, 639, 770, 798, 862, 863, 915, 918, 942, 1333, 1392] + list(range(100, 130))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        db = os.environ.get("BENCH_DATABASE", f"sqlite:{tmp}/vigil.db")
        log = open(f"{tmp}/serve.log", "w", encoding="utf-8")
        proc = subprocess.Popen([VIGIL, "serve", "--listen", "127.0.0.1:0", "--database", db,
                                 "--data-dir", tmp, "--scan-workers", "0"],
                                stdout=subprocess.PIPE, stderr=log, text=True, env=ENV)
        token = None
        while token is None:
            m = re.match(r"^(vgl_live_[A-Za-z0-9]{38})$", proc.stdout.readline().strip())
            token = m.group(1) if m else None
        port = None
        while port is None:
            with open(f"{tmp}/serve.log", encoding="utf-8") as f:
                m = re.search(r"listening on 127\.0\.0\.1:(\d+)", f.read())
            port = m.group(1) if m else time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {token}"
        project = s.post(base + "/api/v1/projects",
                         json={"name": "bench", "frameworks": ["pci-dss"]}).json()["data"]["id"]
        t0 = time.monotonic()
        for start in range(0, N, 10000):
            items = [{"title": f"Finding {i}", "severity": SEVERITIES[i % 5],
                      "status": "remediated" if i % 5 == 4 else "open",
                      "cwe": f"CWE-{CWES[i % len(CWES)]}", "owasp": f"API{i % 10 + 1}:2023",
                      "endpoint": f"GET /api/items/{i}"}
                     for i in range(start, min(N, start + 10000))]
            r = s.post(base + "/api/v1/findings/bulk",
                       json={"project_id": project, "findings": items}, timeout=600)
            assert r.status_code in (200, 201), r.text[:300]
        print(f"seeded {N} findings through POST /api/v1/findings/bulk in "
              f"{time.monotonic() - t0:.1f} s ({db.split(':')[0]})")
        print(f"{'route':<52} {'median ms':>10} {'p95 ms':>8}")
        for path in ("/api/v1/frameworks", "/api/v1/controls?per_page=100",
                     "/api/v1/controls?framework=pci-dss&status=at_risk",
                     f"/api/v1/controls?project_id={project}",
                     "/api/v1/controls/pci-dss-6.2.4", "/api/v1/controls/soc2-cc7.1"):
            times = []
            for _ in range(REQUESTS):
                t = time.monotonic()
                r = s.get(base + path, timeout=60)
                times.append((time.monotonic() - t) * 1000)
                assert r.status_code == 200, r.text[:300]
            times.sort()
            print(f"{path[:52]:<52} {statistics.median(times):>10.1f} "
                  f"{times[int(len(times) * 0.95) - 1]:>8.1f}")
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
