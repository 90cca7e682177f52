# SPDX-License-Identifier: MIT
"""Every check against the fixture: with one flaw switched on, the scan (scoped to that check)
reports it at the expected endpoint; with everything on except that flaw, the same finding is
absent. A full scan of the fixed variant reports nothing at all, and a full scan of the
vulnerable variant reports every planted flaw."""

import hashlib

import pytest

from conftest import describe

# flaw -> (check id, endpoint or None for any, words the title must contain)
PLANTED = {
    "bola": ("bola", "GET /api/orders/{id}", "BOLA"),
    "auth_bypass": ("auth_bypass", "GET /api/orders", "without credentials"),
    "jwt_none": ("jwt", "GET /api/me", 'alg "none"'),
    "jwt_unverified": ("jwt", "GET /api/me", "signature not verified"),
    "jwt_weak": ("jwt", None, "weak HMAC secret"),
    "mass_assignment": ("mass_assignment", "POST /api/users", "mass assignment"),
    "data_exposure": ("data_exposure", "GET /api/me", "Password hashes"),
    "user_enum": ("user_enum", "POST /api/login", "account exists"),
    "rate_limit": ("rate_limit", "POST /api/login", "rate limiting on authentication"),
    "page_size": ("rate_limit", "GET /api/products", "page size"),
    "bfla": ("bfla", "GET /api/admin/users", "Administrative operation"),
    "ssrf": ("ssrf", "POST /api/fetch", "request forgery"),
    "sqli": ("injection", "GET /api/products/search", "SQL injection"),
    "sqli_blind": ("injection", "POST /api/events", "SQL injection"),
    "sqli_boolean": ("injection", "GET /api/products/lookup", "SQL injection"),
    "nosqli": ("injection", "POST /api/login", "NoSQL"),
    "cmdi": ("injection", "GET /api/tools/ping", "command injection"),
    "cmdi_blind": ("injection", "POST /api/tools/resolve", "command injection"),
    "traversal": ("injection", "GET /api/files", "Path traversal"),
    "redos": ("redos", "POST /api/validate/email", "ReDoS"),
    "cors": ("misconfig", None, "CORS"),
    "headers": ("misconfig", None, "nosniff"),
    "verbose_errors": ("misconfig", None, "Stack trace"),
    "trace": ("misconfig", "TRACE /api/health", "TRACE"),
    "undocumented": ("undocumented", "GET /.env", "/.env"),
    "server_error": ("server_error", "POST /api/orders", "Server error"),
    "banner": ("misconfig", None, "Version banner"),
}

# Flaws whose finding needs another flaw's help to be reachable at all.
HELPERS = {}


def matches(finding, expected):
    check_id, endpoint, words = expected
    return (finding.get("check_id") == check_id
            and (endpoint is None or finding.get("endpoint") == endpoint)
            and words.lower() in (finding.get("title") or "").lower())


@pytest.mark.parametrize("flaw", sorted(PLANTED))
def test_check_finds_planted_flaw(flaw, start_fixture, scanner):
    expected = PLANTED[flaw]
    fx = start_fixture(vulnerable=",".join([flaw] + HELPERS.get(flaw, [])))
    _, report, _ = scanner.scan(fx.url, checks=expected[0])
    findings = report["findings"]
    hit = [f for f in findings if matches(f, expected)]
    assert hit, "no %s finding for flaw %s; got:\n%s" % (expected, flaw, describe(findings))
    f = hit[0]
    assert f["owasp"].startswith("API") and f["cwe"].startswith("CWE-")
    assert 0 <= f["risk_score"] <= 100
    assert f["severity"] in ("critical", "high", "medium", "low", "info")
    assert f["remediation"] and f["references"]
    assert f["evidence"]["request"] or f["evidence"]["notes"]


@pytest.mark.parametrize("flaw", sorted(PLANTED))
def test_check_silent_when_flaw_fixed(flaw, start_fixture, scanner):
    expected = PLANTED[flaw]
    fx = start_fixture(vulnerable="all", fixed=flaw)
    _, report, _ = scanner.scan(fx.url, checks=expected[0])
    hit = [f for f in report["findings"] if matches(f, expected)]
    assert not hit, "flaw %s is fixed but was reported:\n%s" % (flaw, describe(hit))


def test_fixed_variant_has_zero_findings(start_fixture, scanner):
    fx = start_fixture(fixed="all")
    code, report, _ = scanner.scan(fx.url)
    assert report["findings"] == [], "findings on the fixed variant:\n%s" % describe(
        report["findings"])
    assert code == 0
    assert not report["scan"]["incomplete"]
    assert len(report["scan"]["checks_run"]) >= 14


def test_vulnerable_variant_has_every_flaw(start_fixture, scanner):
    fx = start_fixture(vulnerable="all")
    code, report, _ = scanner.scan(fx.url, extra=["--fail-on", "high"])
    findings = report["findings"]
    assert code == 1  # findings at or above --fail-on
    missing = [flaw for flaw, expected in PLANTED.items()
               if not any(matches(f, expected) for f in findings)]
    assert not missing, "flaws not found: %s; got:\n%s" % (missing, describe(findings))
    ids = {f["check_id"] for f in findings}
    assert len(ids) == 14
    # Credentials never appear in the evidence.
    text = str(report)
    assert "alice-pass-1" not in text and "bob-pass-2" not in text


def api_key(username):
    """The fixture's deterministic API key of a seeded user."""
    return "sk_live_" + hashlib.sha256(("key" + username).encode()).hexdigest()[:32]


@pytest.mark.parametrize("vulnerable", [True, False])
def test_bola_with_opaque_credentials(vulnerable, start_fixture, scanner):
    """With API keys instead of JWTs, BOLA learns who A is from the "who am I" operation."""
    fx = start_fixture(vulnerable="bola" if vulnerable else "", fixed="" if vulnerable else "all")
    _, report, _ = scanner.scan(fx.url, checks="bola",
                                auth="header:X-API-Key:" + api_key("alice"),
                                auth2="header:X-API-Key:" + api_key("bob"))
    hit = [f for f in report["findings"] if matches(f, PLANTED["bola"])]
    assert bool(hit) == vulnerable, describe(report["findings"])


def test_boolean_sql_found_by_its_differential(start_fixture, scanner):
    """The lookup's flaw shows neither an error nor a delay: only the true/false pair finds it."""
    fx = start_fixture(vulnerable="sqli_boolean")
    _, report, _ = scanner.scan(fx.url, checks="injection")
    hit = [f for f in report["findings"] if matches(f, PLANTED["sqli_boolean"])]
    assert hit, describe(report["findings"])
    assert "true conditions" in hit[0]["evidence"]["notes"]


@pytest.mark.parametrize("variant", ["vulnerable", "fixed"])
def test_no_injection_on_echoed_write(variant, start_fixture, scanner):
    """Regression: PUT /api/notes/{id} stores the subject and answers it back with a hash of
    its first two words, so the answers to `' OR '1'='1' -- ` and `' AND '1'='2' -- ` differ
    (and each repeats) without any SQL; its text comes back with a digest of the whole text.
    Reflection must not read as a boolean injection."""
    fx = start_fixture(vulnerable="all") if variant == "vulnerable" else start_fixture(fixed="all")
    _, report, _ = scanner.scan(fx.url, checks="injection")
    hit = [f for f in report["findings"]
           if f.get("check_id") == "injection" and f.get("endpoint") == "PUT /api/notes/{id}"]
    assert not hit, describe(hit)
    if variant == "vulnerable":  # the check was active: it found the planted flaws
        assert any(matches(f, PLANTED["sqli_boolean"]) for f in report["findings"]), describe(
            report["findings"])
