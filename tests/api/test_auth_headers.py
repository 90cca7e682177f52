# SPDX-License-Identifier: MIT
"""Issue 14 item 10: RFC 6750 challenges and one 401 text.

A 401 carries `WWW-Authenticate: Bearer` (plain when no credential was sent, with
`error="invalid_token"` when one was), a 403 for a missing route scope carries
`error="insufficient_scope"` and the scope; a malformed, unknown, expired, revoked or disabled
credential gets the same detail, and the audit log keeps the reason."""
import uuid

import pytest

from conftest import Api, Server, assert_problem

SECRET = "auth-headers-test-signing-secret-0123456789abcdef"
PASSWORD = "violet-otter-harbour-42"
REFUSED = ("The credential is not valid: it is malformed, unknown, expired or revoked, or its "
           "owner is disabled.")


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = Server(str(tmp_path_factory.mktemp("auth_headers")), env={"VIGIL_JWT_SECRET": SECRET})
    yield s
    s.stop()


@pytest.fixture(scope="module")
def op(srv):
    return Api(srv)


def make_user(op, role):
    r = op.post("/api/v1/users", {"username": f"{role}{uuid.uuid4().hex[:8]}", "role": role,
                                  "password": PASSWORD})
    assert r.status_code == 201, r.text
    return r.json()["data"]


def login(srv, user):
    r = Api(srv, token="").post("/api/v1/auth/login",
                                {"username": user["username"], "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()


def token(api, scopes, **extra):
    r = api.post("/api/v1/tokens", {"name": f"t{uuid.uuid4().hex[:6]}", "scopes": scopes, **extra})
    assert r.status_code == 201, r.text
    return r.json()["data"]


def refused(resp):
    body = assert_problem(resp, 401, "UNAUTHORIZED")
    assert resp.headers.get("WWW-Authenticate") == 'Bearer error="invalid_token"'
    assert body["detail"] == REFUSED
    return body


def test_no_credential_is_a_plain_bearer_challenge(srv):
    r = Api(srv, token="").get("/api/v1/clients")
    assert_problem(r, 401, "UNAUTHORIZED")
    assert r.headers.get("WWW-Authenticate") == "Bearer"


def test_a_failed_login_is_a_plain_bearer_challenge(srv):
    r = Api(srv, token="").post("/api/v1/auth/login", {"username": "nobody", "password": "x" * 12})
    assert_problem(r, 401, "UNAUTHORIZED")
    assert r.headers.get("WWW-Authenticate") == "Bearer"


def test_missing_scope_is_insufficient_scope(srv, op):
    reader = Api(srv, token=token(op, ["clients:read"])["token"])
    r = reader.post("/api/v1/clients", {"name": "nope"})
    assert_problem(r, 403, "FORBIDDEN")
    assert r.headers.get("WWW-Authenticate") == \
        'Bearer error="insufficient_scope", scope="clients:write"'
    # A 200 carries no challenge.
    ok = reader.get("/api/v1/clients")
    assert ok.status_code == 200 and "WWW-Authenticate" not in ok.headers


def test_every_refused_credential_gets_one_text_and_the_audit_keeps_why(srv, op):
    revoked = token(op, ["clients:read"])
    assert op.delete(f"/api/v1/tokens/{revoked['id']}").status_code == 204
    member = make_user(op, "member")
    s = login(srv, member)
    personal = token(Api(srv, token=s["access_token"]), ["clients:read"])
    assert op.patch(f"/api/v1/users/{member['id']}", {"disabled": True}).status_code == 200
    head, _, sig = s["access_token"].rpartition(".")

    cases = {
        "malformed API token": "vgl_live_short",
        "malformed JWT": "a.b.c",
        "JWT with a bad signature": head + "." + ("A" if sig[0] != "A" else "B") + sig[1:],
        "refresh token as access token": s["refresh_token"],
        "revoked token": revoked["token"],
        "disabled user's JWT": s["access_token"],
        "disabled user's personal token": personal["token"],
    }
    for name, secret in cases.items():
        for header in ("bearer", "x-api-key"):
            r = Api(srv, token=secret, header=header).get("/api/v1/clients")
            assert r.status_code == 401, f"{name}: {r.status_code}"
            refused(r)

    events = op.get("/api/v1/audit-events",
                    params={"action": "auth.failure", "per_page": 100}).json()["data"]
    reasons = {(e["credential_id"], e["target"]) for e in events}
    assert (revoked["id"], "revoked") in reasons
    # Disabling revoked the personal token (item 11); the JWT meets the disabled user first.
    assert (personal["id"], "revoked") in reasons
    assert any(t == "disabled" and e["actor"] == member["id"]
               for e in events for t in [e["target"]])
    # The secrets themselves are never recorded.
    text = op.get("/api/v1/audit-events", params={"per_page": 100}).text
    assert revoked["token"] not in text and s["access_token"] not in text


def test_expired_credentials_get_the_same_text(tmp_path):
    """Expiry through the test clock (X-Vigil-Test-Clock-Advance), on a server of its own since
    the clock moves for the whole process."""
    srv = Server(str(tmp_path), env={"VIGIL_JWT_SECRET": SECRET})
    try:
        op = Api(srv)
        short = token(op, ["clients:read"], expires_in="30d")
        s = login(srv, make_user(op, "member"))
        assert Api(srv, token=short["token"]).get("/api/v1/clients").status_code == 200
        # 16 minutes: the access token (15 min + 30 s leeway) is past its end.
        r = Api(srv, token=s["access_token"]).get(
            "/api/v1/clients", headers={"X-Vigil-Test-Clock-Advance": str(16 * 60)})
        refused(r)
        # 31 days: the 30-day API token too.
        r = Api(srv, token=short["token"]).get(
            "/api/v1/clients", headers={"X-Vigil-Test-Clock-Advance": str(31 * 86400)})
        refused(r)
        events = op.get("/api/v1/audit-events", params={"action": "auth.failure"}).json()["data"]
        assert (short["id"], "expired") in {(e["credential_id"], e["target"]) for e in events}
    finally:
        srv.stop()


REFRESH_REFUSED = ("The refresh token is not valid: it is malformed, unknown, expired, used or "
                   "revoked, or its user is disabled.")


def test_every_refused_refresh_token_gets_one_text(srv, op):
    anon = Api(srv, token="")
    reused = login(srv, make_user(op, "member"))
    assert anon.post("/api/v1/auth/refresh",
                     {"refresh_token": reused["refresh_token"]}).status_code == 200
    logged_out = login(srv, make_user(op, "member"))
    assert anon.post("/api/v1/auth/logout",
                     {"refresh_token": logged_out["refresh_token"]}).status_code == 204
    disabled_user = make_user(op, "member")
    disabled = login(srv, disabled_user)
    assert op.patch(f"/api/v1/users/{disabled_user['id']}", {"disabled": True}).status_code == 200
    cases = {
        "malformed": "vgl_rt_short",
        "bad checksum": "vgl_rt_" + "a" * 49,
        "reused (the session is revoked)": reused["refresh_token"],
        "after logout": logged_out["refresh_token"],
        "disabled user": disabled["refresh_token"],
    }
    for name, secret in cases.items():
        r = anon.post("/api/v1/auth/refresh", {"refresh_token": secret})
        body = assert_problem(r, 401, "UNAUTHORIZED")
        assert body["detail"] == REFRESH_REFUSED, name
    for secret in ("vgl_rt_short", "vgl_rt_" + "a" * 49):
        body = assert_problem(anon.post("/api/v1/auth/logout", {"refresh_token": secret}),
                              401, "UNAUTHORIZED")
        assert body["detail"] == REFRESH_REFUSED
