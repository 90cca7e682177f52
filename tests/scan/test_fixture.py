# SPDX-License-Identifier: MIT
"""The fixture itself: each switch really changes the behaviour (so a clean scan of the fixed
variant means something), and its safety nets hold."""

import json
import urllib.error
import urllib.parse
import urllib.request

from conftest import OPENER


def call(url, method="GET", body=None, token=None, headers=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with OPENER.open(req, timeout=10) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def login(base, user, password):
    status, body, _ = call(base + "/api/login", "POST", {"username": user, "password": password})
    assert status == 200, body
    return json.loads(body)["access_token"]


def test_vulnerable_and_fixed_differ(start_fixture):
    vuln = start_fixture(vulnerable="all").url
    fixed = start_fixture(fixed="all").url
    for base, is_vuln in ((vuln, True), (fixed, False)):
        bob = login(base, "bob", "bob-pass-2")
        alice = login(base, "alice", "alice-pass-1")
        status, body, _ = call(base + "/api/orders/1", token=bob)  # alice's order
        assert (status == 200 and "alice" in body) == is_vuln
        status, body, _ = call(base + "/api/products/search?q=%27")
        assert (status == 500) == is_vuln
        status, body, _ = call(base + "/api/tools/ping?host=127.0.0.1%3Bid", token=alice)
        assert ("uid=0(root)" in body) == is_vuln
        status, body, _ = call(base + "/api/files?name=../../../etc/passwd", token=alice)
        assert ("root:x:0:0" in body) == is_vuln
        status, _, _ = call(base + "/api/login", "POST",
                            {"username": "alice", "password": {"$ne": None}})
        assert (status == 200) == is_vuln
        status, body, _ = call(base + "/api/me", token=alice)
        assert ("password_hash" in body) == is_vuln
        status, _, _ = call(base + "/.env")
        assert (status == 200) == is_vuln
        status, _, _ = call(base + "/api/orders", "POST", b"{", token=alice)
        assert (status == 500) == is_vuln
        status, _, headers = call(base + "/api/me", token=alice,
                                  headers={"Origin": "https://evil.example"})
        assert (headers.get("Access-Control-Allow-Origin") == "https://evil.example") == is_vuln
        assert (headers.get("X-Content-Type-Options") != "nosniff") == is_vuln
        assert ("1.0" in headers.get("Server", "")) == is_vuln


def test_fixed_login_is_rate_limited(start_fixture):
    base = start_fixture(fixed="all").url
    statuses = [call(base + "/api/login", "POST", {"username": "alice", "password": "x"})[0]
                for _ in range(8)]
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429


def test_ssrf_never_leaves_loopback(start_fixture):
    base = start_fixture(vulnerable="all").url
    alice = login(base, "alice", "alice-pass-1")
    status, body, _ = call(base + "/api/fetch", "POST", {"url": "http://192.0.2.1/"}, token=alice)
    assert status == 400 and "loopback" in body
    status, body, _ = call(base + "/api/fetch", "POST", {"url": base + "/api/health"},
                           token=alice)
    assert status == 200 and '"fetched": true' in body


def test_boolean_lookup_switch(start_fixture):
    for flaws, is_vuln in (("sqli_boolean", True), ("", False)):
        base = start_fixture(vulnerable=flaws, fixed="" if is_vuln else "all").url
        true_q = urllib.parse.quote("lamp 10' AND 'x'='x' -- ")
        false_q = urllib.parse.quote("lamp 10' AND 'x'='y' -- ")
        _, t, _ = call(base + "/api/products/lookup?name=" + true_q)
        _, f, _ = call(base + "/api/products/lookup?name=" + false_q)
        _, broken, _ = call(base + "/api/products/lookup?name=%27")
        assert ('"lamp 10"' in t) == is_vuln
        assert json.loads(f)["items"] == [] and json.loads(broken)["items"] == []


def test_note_answers_reflect_the_subject(start_fixture):
    """The regression shape of the injection check: SQL-looking subjects answer differently
    (echo and fingerprint) and repeatably, though the note is never queried with them."""
    base = start_fixture(vulnerable="all").url
    alice = login(base, "alice", "alice-pass-1")
    payloads = ["restock' OR '1'='1' -- ", "restock' AND '1'='2' -- ",
                "restock' OR 'a'='a' -- ", "restock' AND 'a'='b' -- "]
    answers = []
    for p in payloads:
        status, body, _ = call(base + "/api/notes/1", "PUT", {"subject": p}, token=alice)
        assert status == 200 and json.loads(body)["subject"] == p
        for q in payloads:
            body = body.replace(json.dumps(q)[1:-1], "")
        answers.append(body)
    assert answers[0] == answers[2] and answers[1] == answers[3] and answers[0] != answers[1]
    bob = login(base, "bob", "bob-pass-2")
    status, _, _ = call(base + "/api/notes/1", "PUT", {"subject": "x"}, token=bob)
    assert status == 404
