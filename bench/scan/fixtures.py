#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Scanner quality and cost per vulnerable fixture: recall (planted flaws found), false positives
(findings on the all-fixed variant), requests and seconds of a default-options scan (brute-force
and JWT checks included), and the requests each check sent (scan.requests_by_check).

Prints figures; asserts nothing (timing belongs here, not in tests). Loopback only.
Usage: bench/scan/fixtures.py [BUILD_DIR]   (default: build)

Fixtures: tests/scan/fixture.py (flaws and their expected findings from tests/scan/
test_checks.py's PLANTED table). A fixture added under tests/scan/ with the same
`--port/--vulnerable/--fixed` switches and a PLANTED table joins by an entry in FIXTURES."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "scan"))

import conftest  # noqa: E402  (Fixture, credentials, proxy-free environment)
import test_checks  # noqa: E402  (PLANTED, matches)

FIXTURES = [
    ("fixture.py (stdlib, shop)", conftest.FIXTURE, conftest.SPEC, test_checks.PLANTED,
     conftest.ALICE, conftest.BOB),
]


def scan(binary, url, spec, auth, auth2, out):
    args = [binary, "scan", url, "--spec", spec, "--format", "json", "-o", out, "--fail-on",
            "none", "-q", "--auth", auth, "--auth2", auth2]
    start = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600,
                          env=conftest.NO_PROXY_ENV)
    seconds = time.monotonic() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError("vigil scan failed: %s" % proc.stderr)
    with open(out) as f:
        return json.load(f), seconds


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    binary = os.path.join(os.path.abspath(build), "vigil")
    tmp = tempfile.mkdtemp(prefix="vigil-bench-fixtures.")
    for name, _script, spec, planted, auth, auth2 in FIXTURES:
        vuln = conftest.Fixture(vulnerable="all")
        try:
            report, seconds = scan(binary, vuln.url, spec, auth, auth2,
                                   os.path.join(tmp, "vuln.json"))
        finally:
            vuln.stop()
        fixed = conftest.Fixture(fixed="all")
        try:
            clean, clean_seconds = scan(binary, fixed.url, spec, auth, auth2,
                                        os.path.join(tmp, "fixed.json"))
        finally:
            fixed.stop()
        found = [flaw for flaw, exp in planted.items()
                 if any(test_checks.matches(f, exp) for f in report["findings"])]
        ops = report["scan"]["endpoints_discovered"]
        print("%s: %d operations" % (name, ops))
        print("  recall           %d/%d planted flaws" % (len(found), len(planted)))
        missed = sorted(set(planted) - set(found))
        if missed:
            print("  missed           %s" % ", ".join(missed))
        print("  false positives  %d (findings on the all-fixed variant)" % len(clean["findings"]))
        for f in clean["findings"]:
            print("    %s | %s | %s" % (f["check_id"], f["endpoint"], f["title"]))
        print("  vulnerable scan  %d requests, %.1f s, %d findings"
              % (report["scan"]["requests_sent"], seconds, len(report["findings"])))
        print("  fixed scan       %d requests, %.1f s"
              % (clean["scan"]["requests_sent"], clean_seconds))
        per = report["scan"].get("requests_by_check", {})
        if per:
            print("  requests by check (vulnerable): " +
                  ", ".join("%s %d" % kv for kv in sorted(per.items(), key=lambda kv: -kv[1])))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
