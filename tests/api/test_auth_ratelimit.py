# SPDX-License-Identifier: MIT
"""Issue 14 item 14: requests that fail authentication are rate-limited per client address.

The tier is VIGIL_RATE_ANONYMOUS (default 60/min, burst 30); here 1/min with a burst of 3, so
no refill can happen while a test runs, and time is moved with the test clock
(X-Vigil-Test-Clock-Advance), never slept."""
import uuid

import pytest

from conftest import Api, Server, assert_problem

SECRET = "auth-ratelimit-test-signing-secret-0123456789abcdef"
PASSWORD = "violet-otter-harbour-42"


@pytest.fixture
def srv(tmp_path):
    s = Server(str(tmp_path), env={"VIGIL_JWT_SECRET": SECRET, "VIGIL_RATE_ANONYMOUS": "1/3"})
    yield s
    s.stop()


def limited(resp):
    assert_problem(resp, 429, "RATE_LIMIT_EXCEEDED")
    assert int(resp.headers["Retry-After"]) >= 1
    assert resp.headers["X-RateLimit-Limit"] == "3"
    assert resp.headers["X-RateLimit-Remaining"] == "0"
    assert "WWW-Authenticate" not in resp.headers


def test_bad_credentials_are_limited_per_address_and_good_ones_are_not(srv):
    op = Api(srv)
    bad = Api(srv, token="vgl_live_not-a-real-token")
    for remaining in ("2", "1", "0"):
        r = bad.get("/api/v1/clients")
        assert_problem(r, 401, "UNAUTHORIZED")
        assert r.headers["X-RateLimit-Limit"] == "3"
        assert r.headers["X-RateLimit-Remaining"] == remaining
    limited(bad.get("/api/v1/clients"))
    # The address's budget is one for every way of failing: no credential, a bad JWT, X-API-Key.
    limited(Api(srv, token="").get("/api/v1/clients"))
    limited(Api(srv, token="a.b.c").get("/api/v1/projects"))
    limited(Api(srv, token="vgl_live_x", header="x-api-key").post("/api/v1/clients", {"name": "x"}))
    # A valid credential from the same address is not held back.
    assert op.get("/api/v1/clients").status_code == 200
    # A minute later one more attempt is allowed (1/min), then the limit holds again.
    r = bad.get("/api/v1/clients", headers={"X-Vigil-Test-Clock-Advance": "60"})
    assert_problem(r, 401, "UNAUTHORIZED")
    limited(bad.get("/api/v1/clients"))


def test_secret_taking_public_routes_share_the_address_budget(srv):
    anon = Api(srv, token="")
    body = {"refresh_token": "vgl_rt_" + "a" * 49}
    for _ in range(3):
        assert_problem(anon.post("/api/v1/auth/refresh", body), 401, "UNAUTHORIZED")
    limited(anon.post("/api/v1/auth/refresh", body))
    limited(anon.post("/api/v1/auth/logout", body))
    limited(anon.post("/api/v1/auth/password", {"token": "vgl_pw_x", "password": "x" * 12}))
    # Public reads are not limited.
    assert anon.get("/health").status_code == 200


def test_a_limited_flood_writes_no_audit_rows(srv):
    op = Api(srv)
    r = op.post("/api/v1/tokens", {"name": f"t{uuid.uuid4().hex[:6]}", "scopes": ["clients:read"]})
    assert r.status_code == 201
    tok = r.json()["data"]
    assert op.delete(f"/api/v1/tokens/{tok['id']}").status_code == 204
    dead = Api(srv, token=tok["token"])
    statuses = [dead.get("/api/v1/clients").status_code for _ in range(8)]
    assert statuses == [401] * 3 + [429] * 5
    events = op.get("/api/v1/audit-events",
                    params={"action": "auth.failure", "target": "revoked"}).json()
    assert events["meta"]["total"] == 3
