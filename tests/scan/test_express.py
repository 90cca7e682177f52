# SPDX-License-Identifier: MIT
"""The scanner against a target it was not written with: fixtures/express/app.js, a bookshelf
API on Node.js + express (natural keys, 200-on-create {"message": ...} answers, the token in
"auth_token", 200 {"status": "fail"} failures, express's own error pages). Each planted flaw is
found with its check, CWE and OWASP category and is gone when switched off; the all-fixed
variant, whose traps (an echo endpoint, a password change that only ever changes the caller's
own account, a 404 for a foreign book, one message for both login failures, a public book list)
look like flaws to a careless check, gets zero findings. The spec is the one the fixture serves:
the fixed variant documents a credential on its dangerous operations."""

import json
import os
import shutil
import urllib.error
import urllib.request

import pytest

from conftest import HERE, OPENER, describe

APP = os.path.join(HERE, "fixtures", "express", "app.js")
NODE = shutil.which("node")

ALICE = 'login:/users/v1/login:{"username":"alice","password":"Alice-Reads-2024"}:/auth_token'
BOB = 'login:/users/v1/login:{"username":"bob","password":"Bob-Reads-2024"}:/auth_token'

# flaw -> (check id, endpoint, words of the title, CWE, OWASP, words of the evidence notes)
PLANTED = {
    "bola_read": ("bola", "GET /books/v1/{book_title}", "BOLA", "CWE-639", "API1:2023",
                  "identifies identity A"),
    "bola_password": ("bola", "PUT /users/v1/{username}/password", "BOLA on write", "CWE-639",
                      "API1:2023", "logging in as A with the new password then succeeded"),
    "bola_email": ("bola", "PUT /users/v1/{username}/email", "BOLA on write", "CWE-639",
                   "API1:2023", "reading A's account back as A then showed the new value"),
    "mass_assignment": ("mass_assignment", "POST /users/v1/register", "mass assignment",
                        "CWE-915", "API3:2023",
                        # Two read-backs race (the object by its key, and a login as the new
                        # account); either one that shows the value confirms it.
                        ("logging in as the account it created", "reading the object back")),
    "weak_password": ("password_policy", "POST /users/v1/register", "Weak password", "CWE-521",
                      "API2:2023", "logging in with it then granted a token"),
    "default_creds": ("default_credentials", "POST /users/v1/login", "Default credentials",
                      "CWE-1392", "API2:2023", "granted a token"),
    "rate_limit": ("rate_limit", "POST /users/v1/login", "No rate limiting", "CWE-307",
                   "API4:2023", "the right password then still logged in"),
    "user_enum": ("user_enum", "POST /users/v1/login", "account exists", "CWE-204", "API2:2023",
                  "bodies differ"),
    "user_listing": ("user_enum", "GET /users/v1", "User list readable", "CWE-200", "API2:2023",
                     "without credentials"),
    "user_oracle": ("user_enum", "GET /users/v1/{username}", "Username oracle", "CWE-204",
                    "API2:2023", "unknown user HTTP 404"),
    "jwt_weak": ("jwt", "GET /users/v1/me", "weak HMAC secret", "CWE-521", "API2:2023",
                 "was accepted"),
    "dangerous_createdb": ("dangerous_ops", "GET /createdb", "Dangerous operation", "CWE-306",
                           "API2:2023", "without any security requirement"),
    "debug_users": ("dangerous_ops", "GET /users/v1/_debug", "Dangerous operation", "CWE-306",
                    "API2:2023", "called without credentials, it answered HTTP 200"),
    "data_exposure": ("data_exposure", "GET /users/v1/me", "Plaintext passwords", "CWE-213",
                      "API3:2023", "plaintext password"),
    "verbose_errors": ("misconfig", None, "Stack trace", "CWE-209", "API8:2023",
                       "node_modules/"),
    "banner": ("misconfig", None, "Version banner", "CWE-497", "API8:2023", "Express/4.21.2"),
    "cors": ("misconfig", None, "CORS", "CWE-942", "API8:2023", None),
    "headers": ("misconfig", None, "nosniff", "CWE-693", "API8:2023", None),
}

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (scripts/deps.sh)")


def matches(finding, expected):
    check_id, endpoint, words = expected[:3]
    return (finding.get("check_id") == check_id
            and (endpoint is None or finding.get("endpoint") == endpoint)
            and words.lower() in (finding.get("title") or "").lower())


def start(start_fixture, vulnerable="", fixed=""):
    assert os.path.exists(os.path.join(HERE, "fixtures", "express", "node_modules", "express")), \
        "express is not installed: the build runs npm ci in tests/scan/fixtures/express"
    return start_fixture(vulnerable, fixed, command=[NODE, APP], health="/health")


def scan(scanner, fx, checks=None, extra=()):
    return scanner.scan(fx.url, checks=checks, extra=extra, auth=ALICE, auth2=BOB,
                        spec=fx.url + "/openapi.json")


def call(url, method="GET", body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
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
    status, body = call(base + "/users/v1/login", "POST", {"username": user, "password": password})
    assert status == 200, body
    return json.loads(body).get("auth_token")


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
    # The password change there changes the caller's (B's) own account; the scan set it back.
    # (A is locked out for a minute: the rate-limit check's burst met the fixed lockout.)
    assert login(fx.url, "bob", "Bob-Reads-2024")


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
        assert f["endpoint"] not in ("POST /echo", "GET /books/v1") or f["check_id"] == \
            "misconfig", describe([f])
    text = json.dumps(report)
    assert "Alice-Reads-2024" not in text and "Bob-Reads-2024" not in text
    # A's password was changed by B and then set back.
    assert login(fx.url, "alice", "Alice-Reads-2024")
    assert report["scan"]["requests_sent"] < 1500


def test_destructive_operation_called_only_when_allowed(start_fixture, scanner):
    """GET /createdb re-seeds the database: without --allow-destructive the scan reports it from
    the spec alone and never calls it; with it, the call without credentials confirms it."""
    fx = start(start_fixture, vulnerable="dangerous_createdb")
    token = login(fx.url, "alice", "Alice-Reads-2024")
    status, _ = call(fx.url + "/books/v1", "POST", {"book_title": "canary", "secret": "s"},
                     token=token)
    assert status == 200
    _, report, _ = scan(scanner, fx, checks="dangerous_ops")
    hit = [f for f in report["findings"] if matches(f, PLANTED["dangerous_createdb"])]
    assert hit and hit[0]["confidence"] == "medium", describe(report["findings"])
    assert "canary" in call(fx.url + "/books/v1")[1]  # never called: the book is still there
    _, report, _ = scan(scanner, fx, checks="dangerous_ops", extra=["--allow-destructive"])
    hit = [f for f in report["findings"] if matches(f, PLANTED["dangerous_createdb"])]
    assert hit and hit[0]["confidence"] == "high", describe(report["findings"])
    assert "answered HTTP 200" in hit[0]["evidence"]["notes"]
    assert "canary" not in call(fx.url + "/books/v1")[1]  # called: the database was re-seeded


def test_fixture_switches_change_behaviour(start_fixture):
    """Each trap is real: the fixed password change answers like the flawed one but changes the
    caller's own account, and a foreign book is a 404."""
    for variant in ("vulnerable", "fixed"):
        fx = start(start_fixture, **{variant: "all"})
        bob = login(fx.url, "bob", "Bob-Reads-2024")
        status, body = call(fx.url + "/users/v1/alice/password", "PUT",
                            {"password": "Changed-By-Bob-1"}, token=bob)
        assert status == 200 and "updated" in body
        alice_changed = call(fx.url + "/users/v1/login", "POST",
                             {"username": "alice", "password": "Changed-By-Bob-1"})[1]
        assert ("auth_token" in alice_changed) == (variant == "vulnerable")
        status, _ = call(fx.url + "/books/v1/Dune", token=bob)
        assert status == (200 if variant == "vulnerable" else 404)
        fails = [json.loads(call(fx.url + "/users/v1/login", "POST",
                                 {"username": u, "password": "wrong-one"})[1])["message"]
                 for u in ("alice", "nobody-here")]
        assert (fails[0] != fails[1]) == (variant == "vulnerable")
