#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Scanner quality and cost per vulnerable fixture: recall (planted flaws found), false positives
(findings on the all-fixed variant), requests and seconds of a default-options scan (brute-force
and JWT checks included), and the requests each check sent (scan.requests_by_check).

Prints figures; asserts nothing (timing belongs here, not in tests). Loopback only.
Usage: bench/scan/fixtures.py [BUILD_DIR [BASELINE_BUILD_DIR]]   (default: build)
With a baseline (a build of another commit, e.g. main), each figure is printed for both.

Fixtures: tests/scan/fixture.py (PLANTED of tests/scan/test_checks.py), the express fixture
(tests/scan/fixtures/express, PLANTED of test_express.py; needs node and its npm ci) and the
standard-library one (tests/scan/fixtures/stdlib, PLANTED of test_stdlib.py). A fixture with
the same `--port/--vulnerable/--fixed` switches and a PLANTED table joins by an entry in
FIXTURES."""

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
import test_express  # noqa: E402
import test_stdlib  # noqa: E402

# name, command (None: fixture.py), health path, spec (None: served at /openapi.json),
# PLANTED, matches, identity A, identity B
FIXTURES = [
    ("fixture.py (stdlib, shop, ids)", None, "/api/health", conftest.SPEC, test_checks.PLANTED,
     test_checks.matches, conftest.ALICE, conftest.BOB),
    ("fixtures/express (node + express, bookshelf)",
     [test_express.NODE or "node", test_express.APP], "/health", None, test_express.PLANTED,
     test_express.matches, test_express.ALICE, test_express.BOB),
    ("fixtures/stdlib (http.server, recipes)", [sys.executable, test_stdlib.APP], "/health",
     None, test_stdlib.PLANTED, test_stdlib.matches, test_stdlib.ANN, test_stdlib.BEN),
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


def measure(binary, fixture, tmp):
    name, command, health, spec, planted, matches, auth, auth2 = fixture
    out = {}
    for variant in ("vulnerable", "fixed"):
        fx = conftest.Fixture(**{variant: "all"}, command=command, health=health)
        try:
            report, seconds = scan(binary, fx.url, spec or fx.url + "/openapi.json", auth, auth2,
                                   os.path.join(tmp, variant + ".json"))
        finally:
            fx.stop()
        out[variant] = (report, seconds)
    return out


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    builds = [("after", os.path.join(os.path.abspath(build), "vigil"))]
    if len(sys.argv) > 2:
        builds.insert(0, ("before", os.path.join(os.path.abspath(sys.argv[2]), "vigil")))
    tmp = tempfile.mkdtemp(prefix="vigil-bench-fixtures.")
    for fixture in FIXTURES:
        name, planted, matches = fixture[0], fixture[4], fixture[5]
        print("%s" % name)
        for label, binary in builds:
            runs = measure(binary, fixture, tmp)
            report, seconds = runs["vulnerable"]
            clean, clean_seconds = runs["fixed"]
            found = [flaw for flaw, exp in planted.items()
                     if any(matches(f, exp) for f in report["findings"])]
            print("  [%s] %d operations" % (label, report["scan"]["endpoints_discovered"]))
            print("    recall           %d/%d planted flaws" % (len(found), len(planted)))
            missed = sorted(set(planted) - set(found))
            if missed:
                print("    missed           %s" % ", ".join(missed))
            print("    false positives  %d (findings on the all-fixed variant)"
                  % len(clean["findings"]))
            for f in clean["findings"]:
                print("      %s | %s | %s" % (f["check_id"], f["endpoint"], f["title"]))
            print("    vulnerable scan  %d requests, %.1f s, %d findings"
                  % (report["scan"]["requests_sent"], seconds, len(report["findings"])))
            print("    fixed scan       %d requests, %.1f s"
                  % (clean["scan"]["requests_sent"], clean_seconds))
            per = report["scan"].get("requests_by_check", {})
            if per:
                print("    requests by check (vulnerable): " +
                      ", ".join("%s %d" % kv for kv in sorted(per.items(), key=lambda kv: -kv[1])))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
