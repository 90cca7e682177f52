# SPDX-License-Identifier: MIT
"""Issue 14 items 11 and 12: credentials that end for good, and sessions that end at once.

- Disabling a user revokes its personal tokens and login sessions for good: re-enabling it
  revives none of them (a new login and new tokens are needed).
- An access JWT names its session (the refresh family, claim `sid`); logout and refresh-token
  reuse revoke the family and the JWT stops at once, not when it expires. A second server
  process on the same database sees the revocation within the documented cache time
  (STORE_FAMILY_CACHE_TTL_MS, 1 s), moved past with the test clock, not slept through."""
import base64
import hashlib
import hmac
import json
import os
import time
import uuid

import pytest
import requests

from conftest import Api, Server, assert_problem, start_vigil

SECRET = "revocation-test-signing-secret-0123456789abcdef"
PASSWORD = "violet-otter-harbour-42"
REFUSED = ("The credential is not valid: it is malformed, unknown, expired or revoked, or its "
           "owner is disabled.")


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = Server(str(tmp_path_factory.mktemp("revocation")), env={"VIGIL_JWT_SECRET": SECRET})
    yield s
    s.stop()


@pytest.fixture(scope="module")
def op(srv):
    return Api(srv)


def make_user(op, role="member"):
    r = op.post("/api/v1/users", {"username": f"{role}{uuid.uuid4().hex[:8]}", "role": role,
                                  "password": PASSWORD})
    assert r.status_code == 201, r.text
    return r.json()["data"]


def login(srv, user):
    r = Api(srv, token="").post("/api/v1/auth/login",
                                {"username": user["username"], "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()


def claims_of(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def resign(jwt, **changes):
    """The same token with claims changed (None removes one), signed with the server's key."""
    head = jwt.split(".")[0]
    claims = {**claims_of(jwt), **changes}
    claims = {k: v for k, v in claims.items() if v is not None}
    body = head + "." + b64(json.dumps(claims).encode())
    return body + "." + b64(hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).digest())


def works(srv, secret):
    return Api(srv, token=secret).get("/api/v1/clients").status_code == 200


def refused(resp):
    body = assert_problem(resp, 401, "UNAUTHORIZED")
    assert body["detail"] == REFUSED
    assert resp.headers.get("WWW-Authenticate") == 'Bearer error="invalid_token"'


# ---- item 12: the session in the JWT ----------------------------------------------------------


def test_access_token_names_its_session(srv, op):
    s = login(srv, make_user(op))
    assert claims_of(s["access_token"])["sid"].startswith("rtf_")
    r = Api(srv, token="").post("/api/v1/auth/refresh", {"refresh_token": s["refresh_token"]})
    assert r.status_code == 200, r.text
    assert claims_of(r.json()["access_token"])["sid"] == claims_of(s["access_token"])["sid"]


def test_logout_ends_the_access_token_at_once(srv, op):
    s = login(srv, make_user(op))
    assert works(srv, s["access_token"])
    r = Api(srv, token="").post("/api/v1/auth/logout", {"refresh_token": s["refresh_token"]})
    assert r.status_code == 204, r.text
    refused(Api(srv, token=s["access_token"]).get("/api/v1/clients"))


def test_refresh_reuse_ends_every_access_token_of_the_session(srv, op):
    user = make_user(op)
    first = login(srv, user)
    other_login = login(srv, user)
    anon = Api(srv, token="")
    r = anon.post("/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    assert works(srv, first["access_token"]) and works(srv, second["access_token"])
    # The first refresh token again: reuse. The family is revoked, and with it both JWTs.
    assert_problem(anon.post("/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]}),
                   401, "UNAUTHORIZED")
    refused(Api(srv, token=first["access_token"]).get("/api/v1/clients"))
    refused(Api(srv, token=second["access_token"]).get("/api/v1/clients"))
    # Another login of the same user is another session: untouched.
    assert works(srv, other_login["access_token"])


def test_a_token_without_a_live_session_of_its_user_is_refused(srv, op):
    user, other = make_user(op), make_user(op)
    s, t = login(srv, user), login(srv, other)
    # Control: re-signing without a change is accepted, so each refusal is caused by the change.
    assert works(srv, resign(s["access_token"]))
    for name, token in {
        "no sid": resign(s["access_token"], sid=None),
        "unknown sid": resign(s["access_token"], sid="rtf_" + "x" * 22),
        "another user's session": resign(s["access_token"], sid=claims_of(t["access_token"])["sid"]),
        "sid not a string": resign(s["access_token"], sid=7),
    }.items():
        r = Api(srv, token=token).get("/api/v1/clients")
        assert r.status_code == 401, f"{name}: {r.status_code}"
        refused(r)


def test_a_new_password_ends_the_sessions(srv, op):
    user = make_user(op)
    s = login(srv, user)
    invite = op.post(f"/api/v1/users/{user['id']}/invite")
    assert invite.status_code == 201, invite.text
    r = Api(srv, token="").post("/api/v1/auth/password",
                                {"token": invite.json()["data"]["token"],
                                 "password": "a-brand-new-passphrase-77"})
    assert r.status_code in (200, 204), r.text
    refused(Api(srv, token=s["access_token"]).get("/api/v1/clients"))


# ---- item 11: disabling is for good -----------------------------------------------------------


def test_disabling_revokes_for_good_and_re_enabling_revives_nothing(srv, op):
    user = make_user(op)
    s = login(srv, user)
    me = Api(srv, token=s["access_token"])
    r = me.post("/api/v1/tokens", {"name": "mine", "scopes": ["clients:read"]})
    assert r.status_code == 201, r.text
    personal = r.json()["data"]
    assert works(srv, personal["token"]) and works(srv, s["access_token"])

    assert op.patch(f"/api/v1/users/{user['id']}", {"disabled": True}).status_code == 200
    assert op.patch(f"/api/v1/users/{user['id']}", {"disabled": False}).status_code == 200

    refused(Api(srv, token=s["access_token"]).get("/api/v1/clients"))
    refused(Api(srv, token=personal["token"]).get("/api/v1/clients"))
    assert_problem(Api(srv, token="").post("/api/v1/auth/refresh",
                                           {"refresh_token": s["refresh_token"]}),
                   401, "UNAUTHORIZED")
    # The token is listed as revoked, not deleted.
    listed = op.get(f"/api/v1/tokens/{personal['id']}").json()["data"]
    assert listed.get("revoked_at"), listed
    # A new login and new tokens work.
    fresh = login(srv, user)
    assert works(srv, fresh["access_token"])


# ---- several server processes on one database ----------------------------------------------


class Second:
    """Another `vigil serve` on the same database (the organization exists: no token line)."""

    def __init__(self, first):
        env = dict(os.environ, VIGIL_JWT_SECRET=SECRET, VIGIL_TEST_HOOKS="1",
                   VIGIL_SCAN_KEY_FILE=first.scan_key_file,
                   VIGIL_RATE_STANDARD="1000000/100000", VIGIL_RATE_ADMIN="1000000/100000")
        self.proc, self.port, self.log = start_vigil(
            ["--database", first.url], env, os.path.join(first.tmpdir, "second.log"))
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 20
        while True:
            try:
                if requests.get(self.base + "/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert self.proc.poll() is None and time.time() < deadline, "second server failed"
            time.sleep(0.05)

    def get(self, token, path="/api/v1/clients", headers=None):
        return requests.get(self.base + path, timeout=30,
                            headers={"Authorization": f"Bearer {token}", **(headers or {})})

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.log.close()


def test_another_process_sees_a_logout_within_the_cache_time(srv, op):
    second = Second(srv)
    try:
        s = login(srv, make_user(op))
        assert second.get(s["access_token"]).status_code == 200  # now cached as live there
        r = Api(srv, token="").post("/api/v1/auth/logout", {"refresh_token": s["refresh_token"]})
        assert r.status_code == 204
        # The first process knows at once; the second after its cache time (1 s), here moved
        # past with its test clock instead of a sleep.
        refused(Api(srv, token=s["access_token"]).get("/api/v1/clients"))
        r = second.get(s["access_token"], headers={"X-Vigil-Test-Clock-Advance": "2"})
        assert r.status_code == 401, r.text
        assert r.json()["detail"] == REFUSED
    finally:
        second.stop()
