#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Import benchmark (issue 11): generates N-finding SARIF and Nessus reports, imports each into a
fresh `vigil serve` (SQLite) run under /usr/bin/time -v, and prints findings/s and the server's
peak RSS; then the bulk endpoint's rate (10,000 findings a request). Loopback only.

usage: bench.py VIGIL_BIN [N]      (N findings per report, default 100000)
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sarif(n, path):
    rules = [{"id": f"rule-{r}", "shortDescription": {"text": f"Weakness number {r}"},
              "help": {"text": "Fix it."}, "helpUri": f"https://example.test/rules/{r}",
              "properties": {"security-severity": str(1 + r % 9) + ".5",
                             "tags": ["security", f"external/cwe/cwe-{79 + r}"]}}
             for r in range(50)]
    with open(path, "w") as f:
        f.write('{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json",'
                '"runs":[{"tool":{"driver":{"name":"benchtool","rules":')
        f.write(json.dumps(rules))
        f.write('}},"results":[')
        for i in range(n):
            r = i % 50
            if i:
                f.write(",")
            f.write(json.dumps({
                "ruleId": f"rule-{r}", "ruleIndex": r, "level": "warning",
                "message": {"text": f"Tainted data reaches a sink in function f{i}."},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": f"src/module{i // 1000}/file{i % 1000}.c"},
                    "region": {"startLine": 10 + i % 400}}}],
                "partialFingerprints": {"primaryLocationLineHash": f"{i:016x}:1"}}))
        f.write("]}]}\n")


def nessus(n, path, hosts=1000):
    per_host = max(1, n // hosts)
    with open(path, "w") as f:
        f.write('<?xml version="1.0" ?>\n<NessusClientData_v2>\n<Report name="bench">\n')
        i = 0
        h = 0
        while i < n:
            f.write(f'<ReportHost name="10.{h // 65536 % 256}.{h // 256 % 256}.{h % 256}">'
                    '<HostProperties><tag name="host-ip">x</tag></HostProperties>\n')
            for k in range(per_host):
                if i >= n:
                    break
                f.write(f'<ReportItem port="{1 + k}" svc_name="svc" protocol="tcp" '
                        f'severity="{i % 5}" pluginID="{100000 + k}" '
                        f'pluginName="Plugin {k} finding" pluginFamily="General">\n'
                        '<description>The remote service has a weakness that a remote attacker '
                        'could use to read data it should not.</description>\n'
                        '<solution>Upgrade the service.</solution>\n'
                        '<synopsis>A weakness.</synopsis>\n<cwe>200</cwe>\n'
                        '<see_also>https://example.test/a\nhttps://example.test/b</see_also>\n'
                        f'<plugin_output>Version {i} detected.</plugin_output>\n</ReportItem>\n')
                i += 1
            f.write("</ReportHost>\n")
            h += 1
        f.write("</Report>\n</NessusClientData_v2>\n")


class Server:
    def __init__(self, vigil, tmp):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.time_log = os.path.join(tmp, "time.txt")
        env = dict(os.environ, VIGIL_RATE_STANDARD="1000000/100000",
                   VIGIL_RATE_ADMIN="1000000/100000")
        self.proc = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", self.time_log, vigil, "serve", "--listen",
             f"127.0.0.1:{self.port}", "--database", f"sqlite:{tmp}/vigil.db"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        self.token = None
        for line in self.proc.stdout:
            m = re.search(r"(vgl_live_[A-Za-z0-9]{38})", line)
            if m:
                self.token = m.group(1)
                break
        for _ in range(200):
            try:
                OPENER.open(self.base + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)

    def call(self, method, path, body, ctype="application/json"):
        req = urllib.request.Request(self.base + path, data=body, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": ctype})
        with OPENER.open(req, timeout=600) as r:
            return json.loads(r.read())

    def project(self):
        return self.call("POST", "/api/v1/projects", b'{"name":"bench"}')["data"]["id"]

    def stop(self):
        """Stops the server; returns its peak RSS in MiB (as /usr/bin/time -v reports it)."""
        with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
            child = int(f.read().split()[0])
        os.kill(child, signal.SIGTERM)  # time(1) then exits with the child and reports
        self.proc.wait(timeout=60)
        with open(self.time_log) as f:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
        return int(m.group(1)) / 1024 if m else float("nan")


def import_case(vigil, label, path, fmt):
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(vigil, tmp)
        pid = srv.project()
        with open(path, "rb") as f:
            body = f.read()
        size_mb = len(body) / 1e6
        t0 = time.monotonic()
        out = srv.call("POST", f"/api/v1/projects/{pid}/imports?format={fmt}&complete=true", body,
                       "application/octet-stream")["data"]
        first = time.monotonic() - t0
        t0 = time.monotonic()
        again = srv.call("POST", f"/api/v1/projects/{pid}/imports?format={fmt}&complete=true",
                         body, "application/octet-stream")["data"]
        second = time.monotonic() - t0
        del body
        rss = srv.stop()
    n = out["created"]
    print(f"{label:<28} {size_mb:7.1f} MB  {n:>7} findings  first import {first:6.2f} s "
          f"({n / first:8.0f} findings/s)  reimport {second:6.2f} s "
          f"({again['updated'] / second:8.0f} findings/s)  server peak RSS {rss:6.0f} MiB")


def bulk_case(vigil, requests=10):
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(vigil, tmp)
        pid = srv.project()
        total = 0
        t0 = time.monotonic()
        for r in range(requests):
            findings = [{"title": f"Bulk finding {r}-{i}", "severity": "medium",
                         "endpoint": f"GET /r{r}/i{i}", "cwe": "CWE-200",
                         "description": "A finding written through the bulk endpoint."}
                        for i in range(10000)]
            body = json.dumps({"project_id": pid, "scan_type": "bench",
                               "findings": findings}).encode()
            total += srv.call("POST", "/api/v1/findings/bulk", body)["data"]["created"]
        elapsed = time.monotonic() - t0
        rss = srv.stop()
    print(f"{f'bulk ({requests} x 10,000)':<28} {total:>7} findings  {elapsed:6.2f} s "
          f"({total / elapsed:8.0f} findings/s, JSON encoding in the client included)  "
          f"server peak RSS {rss:6.0f} MiB")


def main():
    vigil = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    with tempfile.TemporaryDirectory() as tmp:
        s_path, n_path = os.path.join(tmp, "bench.sarif"), os.path.join(tmp, "bench.nessus")
        sarif(n, s_path)
        nessus(n, n_path)
        import_case(vigil, f"SARIF ({n} results)", s_path, "sarif")
        import_case(vigil, f"Nessus ({n} items)", n_path, "nessus")
        if os.environ.get("BENCH_IMPORT_BIG", "1") == "1":
            big = os.path.join(tmp, "big.nessus")
            nessus(n * 25 // 10, big, hosts=2500)
            import_case(vigil, "Nessus (~100 MB file)", big, "nessus")
    bulk_case(vigil)


if __name__ == "__main__":
    main()
