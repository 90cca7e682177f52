# SPDX-License-Identifier: MIT
"""Request accounting: the JSON report's scan object says how many probes each check sent, and
`--verbose` prints the same figures at the end of the scan."""

import json
import os
import subprocess

from conftest import ALICE, BOB, NO_PROXY_ENV, SPEC, vigil_bin


def test_requests_by_check_in_report_and_verbose(start_fixture, tmp_path):
    fx = start_fixture(vulnerable="all")
    out = os.path.join(str(tmp_path), "report.json")
    proc = subprocess.run([vigil_bin(), "scan", fx.url, "--spec", SPEC, "--format", "json",
                           "-o", out, "--fail-on", "none", "--auth", ALICE, "--auth2", BOB,
                           "--checks", "bola,rate_limit,misconfig", "--verbose"],
                          capture_output=True, text=True, timeout=150, env=NO_PROXY_ENV)
    assert proc.returncode == 0, proc.stderr
    with open(out) as f:
        scan = json.load(f)["scan"]
    per_check = scan["requests_by_check"]
    assert set(per_check) == {"planning", "bola", "rate_limit", "misconfig"}
    assert all(isinstance(n, int) and n > 0 for n in per_check.values()), per_check
    # Every accepted probe is counted once; retries of a transfer are sent but not re-counted.
    assert sum(per_check.values()) <= scan["requests_sent"]
    # The login brute force is the rate-limit check's, not planning's.
    assert per_check["rate_limit"] >= 10
    line = [l for l in proc.stderr.splitlines() if "requests by check" in l]
    assert len(line) == 1, proc.stderr
    for name, n in per_check.items():
        assert "%s %d" % (name, n) in line[0], line[0]


def test_quiet_scan_prints_no_request_counts(start_fixture, tmp_path):
    fx = start_fixture(fixed="all")
    out = os.path.join(str(tmp_path), "report.json")
    proc = subprocess.run([vigil_bin(), "scan", fx.url, "--spec", SPEC, "--format", "json",
                           "-o", out, "--fail-on", "none", "--auth", ALICE, "--checks", "misconfig",
                           "--verbose", "-q"],
                          capture_output=True, text=True, timeout=150, env=NO_PROXY_ENV)
    assert proc.returncode == 0, proc.stderr
    assert "requests by check" not in proc.stderr
