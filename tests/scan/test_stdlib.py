# SPDX-License-Identifier: MIT
"""The scanner against a second target it was not written with: fixtures/stdlib/app.py, a
recipe-sharing API on Python's standard library (http.server): accounts and recipes addressed
by the login and slug the client chose, 200-on-create {"message": ...} answers, the session
token in "token", {"message": ...} failures with a 4xx, and a debug mode that answers
exceptions with tracebacks. Each planted flaw is found with its check, CWE and OWASP category
and is gone when switched off; the all-fixed variant, with its traps (an echo endpoint, a
passphrase change that only changes the caller's own account, a 404 for a foreign recipe, one
message for both login failures, a public recipe list), gets zero findings."""

import json
import os
import sys
import urllib.error
import urllib.request

import pytest

from conftest import HERE, OPENER, describe

APP = os.path.join(HERE, "fixtures", "stdlib", "app.py")

ANN = 'login:/api/session:{"login":"ann","passphrase":"ann-horse-battery-9"}:/token'
BEN = 'login:/api/session:{"login":"ben","passphrase":"ben-staple-correct-7"}:/token'

# flaw -> (check id, endpoint, words of the title, CWE, OWASP, words of the evidence notes)
PLANTED = {
    "bola_read": ("bola", "GET /api/recipes/{slug}", "BOLA", "CWE-639", "API1:2023",
                  "identifies identity A"),
    "bola_password": ("bola", "PUT /api/accounts/{login}/passphrase", "BOLA on write",
                      "CWE-639", "API1:2023",
                      "logging in as A with the new password then succeeded"),
    "bola_email": ("bola", "PATCH /api/accounts/{login}", "BOLA on write", "CWE-639",
                   "API1:2023", "reading A's account back as A then showed the new value"),
    "mass_assignment": ("mass_assignment", "POST /api/accounts", "mass assignment", "CWE-915",
                        "API3:2023",
                        # Two read-backs race (the object by its key, and a login as the new
                        # account); either one that shows the value confirms it.
                        ("logging in as the account it created", "reading the object back")),
    "weak_password": ("password_policy", "POST /api/accounts", "Weak password", "CWE-521",
                      "API2:2023", "logging in with it then granted a token"),
    "default_creds": ("default_credentials", "POST /api/session", "Default credentials",
                      "CWE-1392", "API2:2023", "granted a token"),
    "rate_limit": ("rate_limit", "POST /api/session", "No rate limiting", "CWE-307",
                   "API4:2023", "the right password then still logged in"),
    "user_enum": ("user_enum", "POST /api/session", "account exists", "CWE-204", "API2:2023",
                  "bodies differ"),
    "user_listing": ("user_enum", "GET /api/accounts", "User list readable", "CWE-200",
                     "API2:2023", "without credentials"),
    "user_oracle": ("user_enum", "GET /api/accounts/{login}", "Username oracle", "CWE-204",
                    "API2:2023", "unknown user HTTP 404"),
    "jwt_weak": ("jwt", "GET /api/whoami", "weak HMAC secret", "CWE-521", "API2:2023",
                 "was accepted"),
    "jwt_none": ("jwt", None, 'alg "none"', "CWE-347", "API2:2023", "empty signature"),
    "dangerous_reset": ("dangerous_ops", "POST /api/admin/reset", "Dangerous operation",
                        "CWE-306", "API2:2023", "without any security requirement"),
    "debug_dump": ("dangerous_ops", "GET /api/debug/accounts", "Dangerous operation",
                   "CWE-306", "API2:2023", "called without credentials, it answered HTTP 200"),
    "data_exposure": ("data_exposure", "GET /api/whoami", "Password hashes", "CWE-213",
                      "API3:2023", "passphrase_hash"),
    "verbose_errors": ("misconfig", None, "Stack trace", "CWE-209", "API8:2023",
                       "Traceback (most recent call last)"),
    "server_error": ("server_error", "POST /api/session", "Server error", "CWE-20",
                     "API8:2023", "HTTP 500"),
    "sqli": ("injection", "GET /api/recipes", "SQL injection", "CWE-89", "API8:2023",
             "sqlite3.operationalerror"),
    "banner": ("misconfig", None, "Version banner", "CWE-497", "API8:2023", "RecipeBox/2.3.1"),
    "headers": ("misconfig", None, "nosniff", "CWE-693", "API8:2023", None),
}


def matches(finding, expected):
    check_id, endpoint, words = expected[:3]
    return (finding.get("check_id") == check_id
            and (endpoint is None or finding.get("endpoint") == endpoint)
            and words.lower() in (finding.get("title") or "").lower())


def start(start_fixture, vulnerable="", fixed=""):
    return start_fixture(vulnerable, fixed, command=[sys.executable, APP], health="/health")


def scan(scanner, fx, checks=None, extra=()):
    return scanner.scan(fx.url, checks=checks, extra=extra, auth=ANN, auth2=BEN,
                        spec=fx.url + "/openapi.json")


def call(url, method="GET", body=None, token=None):
    data = None if body is None else (body if isinstance(body, bytes) else
                                      json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with OPENER.open(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def login(base, user, password):
    status, body = call(base + "/api/session", "POST", {"login": user, "passphrase": password})
    assert status == 200, body
    return json.loads(body).get("token")


@pytest.mark.parametrize("flaw", sorted(PLANTED))
def test_check_finds_planted_flaw(flaw, start_fixture, scanner):
    expected = PLANTED[flaw]
    fx = start(start_fixture, vulnerable=flaw)
    _, report, _ = scan(scanner, fx, checks=expected[0])
    hit = [f for f in report["findings"] if matches(f, expected)]
    assert hit, "no %s finding for flaw %s; got:\n%s" % (expected[:3], flaw,
                                                        describe(report["findings"]))
    f = hit[0]
    assert f["cwe"] == expected[3] and f["owasp"] == expected[4], f
    assert f["remediation"] and f["references"]
    if expected[5]:
        ways = expected[5] if isinstance(expected[5], tuple) else (expected[5],)
        assert any(w in (f["evidence"]["notes"] or "") for w in ways), f["evidence"]


@pytest.mark.parametrize("flaw", sorted(PLANTED))
def test_check_silent_when_flaw_fixed(flaw, start_fixture, scanner):
    expected = PLANTED[flaw]
    fx = start(start_fixture, vulnerable="all", fixed=flaw)
    _, report, _ = scan(scanner, fx, checks=expected[0])
    hit = [f for f in report["findings"] if matches(f, expected)]
    assert not hit, "flaw %s is fixed but was reported:\n%s" % (flaw, describe(hit))


def test_fixed_variant_has_zero_findings(start_fixture, scanner):
    fx = start(start_fixture, fixed="all")
    code, report, _ = scan(scanner, fx)
    assert report["findings"] == [], describe(report["findings"])
    assert code == 0 and not report["scan"]["incomplete"]
    # The passphrase change there changes the caller's (B's) own account; the scan set it back.
    # (A is locked out: the rate-limit check's burst met the fixed lockout.)
    assert login(fx.url, "ben", "ben-staple-correct-7")


def test_vulnerable_variant_has_every_flaw_and_no_trap(start_fixture, scanner):
    fx = start(start_fixture, vulnerable="all")
    _, report, _ = scan(scanner, fx)
    findings = report["findings"]
    missing = [flaw for flaw, exp in PLANTED.items() if not any(matches(f, exp) for f in findings)]
    assert not missing, "flaws not found: %s; got:\n%s" % (missing, describe(findings))
    ids = {f["check_id"] for f in findings}
    assert len(ids) >= 9, ids
    # The traps stay silent even here: the echo, the public book list.
    for f in findings:
        assert f["endpoint"] != "POST /api/echo" or f["check_id"] in ("misconfig",
                                                                     "server_error"), \
            describe([f])
        assert not (f["endpoint"] == "GET /api/recipes" and f["check_id"] != "injection"), \
            describe([f])
    text = json.dumps(report)
    assert "ann-horse-battery-9" not in text and "ben-staple-correct-7" not in text
    # A's passphrase was changed by B and then set back.
    assert login(fx.url, "ann", "ann-horse-battery-9")
    assert report["scan"]["requests_sent"] < 1500


def test_destructive_operation_called_only_when_allowed(start_fixture, scanner):
    """POST /api/admin/reset wipes the data: without --allow-destructive the scan reports it from
    the spec alone and never calls it; with it, the call without credentials confirms it."""
    fx = start(start_fixture, vulnerable="dangerous_reset")
    token = login(fx.url, "ann", "ann-horse-battery-9")
    status, _ = call(fx.url + "/api/recipes", "POST", {"slug": "canary", "title": "Canary"},
                     token=token)
    assert status == 200
    _, report, _ = scan(scanner, fx, checks="dangerous_ops")
    hit = [f for f in report["findings"] if matches(f, PLANTED["dangerous_reset"])]
    assert hit and hit[0]["confidence"] == "medium", describe(report["findings"])
    assert "canary" in call(fx.url + "/api/recipes")[1]  # never called
    _, report, _ = scan(scanner, fx, checks="dangerous_ops", extra=["--allow-destructive"])
    hit = [f for f in report["findings"] if matches(f, PLANTED["dangerous_reset"])]
    assert hit and hit[0]["confidence"] == "high", describe(report["findings"])
    assert "answered HTTP 200" in hit[0]["evidence"]["notes"]
    assert "canary" not in call(fx.url + "/api/recipes")[1]  # called: the data was reset


def test_fixture_switches_change_behaviour(start_fixture):
    """Each trap is real: the fixed passphrase change answers like the flawed one but changes
    the caller's own account, a foreign recipe is a 404, and debug mode prints tracebacks."""
    for variant in ("vulnerable", "fixed"):
        fx = start(start_fixture, **{variant: "all"})
        ben = login(fx.url, "ben", "ben-staple-correct-7")
        status, body = call(fx.url + "/api/accounts/ann/passphrase", "PUT",
                            {"passphrase": "changed-by-ben-1"}, token=ben)
        assert status == 200 and "changed" in body
        status, _ = call(fx.url + "/api/session", "POST",
                         {"login": "ann", "passphrase": "changed-by-ben-1"})
        assert (status == 200) == (variant == "vulnerable")
        status, _ = call(fx.url + "/api/recipes/ann-pancakes", token=ben)
        assert status == (200 if variant == "vulnerable" else 404)
        fails = [call(fx.url + "/api/session", "POST", {"login": u, "passphrase": "wrong-one"})
                 for u in ("ben", "nobody-here")]
        assert fails[0][0] == fails[1][0] == 401
        assert (fails[0][1] != fails[1][1]) == (variant == "vulnerable")
        status, body = call(fx.url + "/api/session", "POST", b"{")
        assert ("Traceback" in body) == (variant == "vulnerable")
