# SPDX-License-Identifier: MIT
"""Identity and access: users, login (JSON and OAuth form), JWT access tokens and every way a
forged one is refused, refresh rotation and reuse, roles capping scopes, disabled and deleted
users, service accounts, cross-organization access with every credential type, the audit log."""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import time
import uuid

import pytest
import requests

from conftest import OPENAPI, VIGIL_BIN, Api, Server, assert_problem

SECRET = "identity-test-signing-secret-0123456789abcdef"
PASSWORD = "violet-otter-harbour-42"


# Failed logins on this module's server stay well under the per-address throttle (20): each
# test fails at most a few; the throttling tests start servers of their own.
@pytest.fixture(scope="module")
def idsrv(tmp_path_factory):
    srv = Server(str(tmp_path_factory.mktemp("identity")), env={"VIGIL_JWT_SECRET": SECRET})
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def admin(idsrv):
    return Api(idsrv)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(header, claims, key=SECRET.encode()):
    head = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    mac = hmac.new(key, head.encode(), hashlib.sha256).digest()
    return head + "." + b64(mac)


def parts(token):
    h, p, _ = token.split(".")
    return json.loads(unb64(h)), json.loads(unb64(p))


def uname(prefix="u"):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def make_user(admin, role="member", password=PASSWORD, username=None):
    body = {"username": username or uname(role), "role": role}
    if password:
        body["password"] = password
    r = admin.post("/api/v1/users", body)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"/api/v1/users/{r.json()['data']['id']}"
    return r.json()["data"]


def login(server, username, password=PASSWORD, validate=True):
    r = Api(server, token="").post("/api/v1/auth/login",
                                   {"username": username, "password": password},
                                   validate=validate)
    return r


def session(server, user):
    r = login(server, user["username"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert r.headers["Cache-Control"] == "no-store"
    return body


def personal_token(server, access, scopes):
    r = Api(server, token=access).post("/api/v1/tokens", {"name": "mine", "scopes": scopes})
    assert r.status_code == 201, r.text
    return r.json()["data"]


def post_form(server, data):
    resp = requests.post(server.base + "/api/v1/auth/token", data=data, timeout=30)
    OPENAPI.check("POST", resp.url, resp)
    return resp


# ---- login ---------------------------------------------------------------------------------


def test_login_gives_a_working_jwt_with_the_role_scopes(admin, idsrv):
    user = make_user(admin, "member")
    s = session(idsrv, user)
    header, claims = parts(s["access_token"])
    assert header["alg"] == "HS256" and header["typ"] == "JWT" and header["kid"]
    assert claims["sub"] == user["id"] and claims["role"] == "member"
    assert claims["iss"] == "vigil" and claims["aud"] == "vigil-api"
    assert claims["exp"] - claims["iat"] == 900
    assert "admin" not in claims["scope"].split()
    me = Api(idsrv, token=s["access_token"])
    r = me.get("/api/v1/clients")
    assert r.status_code == 200
    for h in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert h in r.headers
    assert me.post("/api/v1/clients", {"name": "by jwt"}).status_code == 201


def test_unknown_user_and_wrong_password_get_the_same_answer(admin, idsrv):
    user = make_user(admin, "viewer")
    for _ in range(3):
        a = login(idsrv, user["username"], "not-the-password-at-all")
        b = login(idsrv, uname("ghost"), "not-the-password-at-all")
        ba = assert_problem(a, 401, "UNAUTHORIZED")
        bb = assert_problem(b, 401, "UNAUTHORIZED")
        assert (ba["title"], ba["detail"]) == (bb["title"], bb["detail"])
        assert sorted(a.headers) == sorted(b.headers)
        # An unknown user still costs one argon2id verification, as a wrong password does:
        # counted by the server (test hook), not timed.
        assert a.headers["X-Vigil-Test-Password-Verifications"] == "1"
        assert b.headers["X-Vigil-Test-Password-Verifications"] == "1"
    # The right password still works after a few failures.
    ok = login(idsrv, user["username"])
    assert ok.status_code == 200
    assert ok.headers["X-Vigil-Test-Password-Verifications"] == "1"


def test_login_validates_its_body(idsrv):
    anon = Api(idsrv, token="")
    assert_problem(anon.post("/api/v1/auth/login", {"username": "x"}), 400, "VALIDATION_ERROR")
    assert_problem(anon.post("/api/v1/auth/login", {"username": "x", "password": "y", "role": "admin"}),
                   400, "VALIDATION_ERROR")


def test_oauth_password_and_refresh_grants(admin, idsrv):
    user = make_user(admin, "member")
    r = post_form(idsrv, {"grant_type": "password", "username": user["username"], "password": PASSWORD})
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert Api(idsrv, token=tokens["access_token"]).get("/api/v1/clients").status_code == 200
    r = post_form(idsrv, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200, r.text
    assert r.json()["refresh_token"] != tokens["refresh_token"]

    r = post_form(idsrv, {"grant_type": "password", "username": user["username"], "password": "nope-nope-nope"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = post_form(idsrv, {"grant_type": "client_credentials"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = post_form(idsrv, {"username": "a"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


def post_raw_form(server, body):
    resp = requests.post(server.base + "/api/v1/auth/token", data=body, timeout=30,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    OPENAPI.check("POST", resp.url, resp)
    return resp


def test_the_token_form_is_decoded_as_strictly_as_a_query_string(admin, idsrv):
    # One decoder for every form and query: a password with an encoded NUL, invalid UTF-8 or a
    # broken escape is refused as malformed, not cut at the NUL or passed on as bytes.
    user = make_user(admin, "member")
    name = user["username"]
    for password in (PASSWORD[:4] + "%00" + PASSWORD[4:], PASSWORD + "%FF", PASSWORD + "%G1",
                     PASSWORD + "%4"):
        r = post_raw_form(idsrv, f"grant_type=password&username={name}&password={password}")
        assert r.status_code == 400, (password, r.text)
        assert r.json()["error"] == "invalid_request", (password, r.text)
        assert "percent-encoded UTF-8" in r.json()["error_description"]
    # '+' is a space and %XX a byte, as before: an encoded password still logs in.
    spaced = make_user(admin, "member", password="amber heron+lantern 77")
    encoded = "amber+heron%2Blantern%2077"
    r = post_raw_form(idsrv, f"grant_type=password&username={spaced['username']}&password={encoded}")
    assert r.status_code == 200, r.text
    # A repeated parameter is still refused (RFC 6749 3.2).
    r = post_raw_form(idsrv, f"grant_type=password&username={name}&password=a&password=b")
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


# ---- forged and misused access tokens --------------------------------------------------------


def valid_claims(user, org, **over):
    now = int(time.time())
    claims = {"iss": "vigil", "aud": "vigil-api", "sub": user["id"], "org": org, "role": user["role"],
              "scope": "clients:read clients:write", "jti": uuid.uuid4().hex, "iat": now,
              "nbf": now, "exp": now + 600, "token_use": "access"}
    claims.update(over)
    return claims


def test_forged_tokens_are_refused(admin, idsrv):
    user = make_user(admin, "member")
    s = session(idsrv, user)
    header, claims = parts(s["access_token"])
    org = claims["org"]

    # Control: a token made here with the server's key and valid claims is accepted, so each
    # refusal below is caused by the one thing changed.
    # It must name the live session (sid) of a real login, as every token the server mints does.
    good = sign(header, valid_claims(user, org, sid=claims["sid"]))
    assert Api(idsrv, token=good).get("/api/v1/clients").status_code == 200

    now = int(time.time())
    cases = {
        "alg none": b64(json.dumps({"alg": "none", "typ": "JWT", "kid": header["kid"]}).encode())
        + "." + b64(json.dumps(valid_claims(user, org)).encode()) + ".",
        "alg HS512": sign({**header, "alg": "HS512"}, valid_claims(user, org)),
        "tampered payload": s["access_token"].split(".")[0] + "."
        + b64(json.dumps({**claims, "role": "admin", "scope": "admin"}).encode()) + "."
        + s["access_token"].split(".")[2],
        "other key": sign(header, valid_claims(user, org), key=b"another-secret-of-sufficient-length-123456"),
        "expired": sign(header, valid_claims(user, org, iat=now - 7200, nbf=now - 7200, exp=now - 3600)),
        "not yet valid": sign(header, valid_claims(user, org, nbf=now + 3600, exp=now + 7200)),
        "wrong aud": sign(header, valid_claims(user, org, aud="someone-else")),
        "wrong iss": sign(header, valid_claims(user, org, iss="evil")),
        "unknown kid": sign({**header, "kid": "nope"}, valid_claims(user, org)),
        "jku ignored, other key": sign({**header, "jku": "http://127.0.0.1:1/keys"}, valid_claims(user, org),
                                       key=b"another-secret-of-sufficient-length-123456"),
        "refresh token as access token": s["refresh_token"],
    }
    for name, token in cases.items():
        r = Api(idsrv, token=token).get("/api/v1/clients")
        assert r.status_code == 401, f"{name}: {r.status_code} {r.text}"
        assert_problem(r, 401, "UNAUTHORIZED")


def test_jwt_scopes_follow_the_current_role(admin, idsrv):
    user = make_user(admin, "member")
    s = session(idsrv, user)
    header, claims = parts(s["access_token"])
    # A valid signature over a claim of more scope than the role allows gains nothing.
    token = sign(header, valid_claims(user, claims["org"], scope="admin clients:read",
                                      sid=claims["sid"]))
    assert_problem(Api(idsrv, token=token).get("/api/v1/users"), 403, "FORBIDDEN")
    # Demoted to viewer: the same JWT can no longer write.
    me = Api(idsrv, token=s["access_token"])
    assert admin.patch(f"/api/v1/users/{user['id']}", {"role": "viewer"}).status_code == 200
    assert_problem(me.post("/api/v1/clients", {"name": "x"}), 403, "FORBIDDEN")
    assert me.get("/api/v1/clients").status_code == 200


# ---- refresh tokens --------------------------------------------------------------------------


def test_refresh_rotates_and_reuse_revokes_the_family(admin, idsrv):
    user = make_user(admin, "member")
    s = session(idsrv, user)
    anon = Api(idsrv, token="")
    r = anon.post("/api/v1/auth/refresh", {"refresh_token": s["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != s["refresh_token"]
    assert Api(idsrv, token=second["access_token"]).get("/api/v1/clients").status_code == 200

    # The first token again: reuse. Both it and its successor are dead now.
    assert_problem(anon.post("/api/v1/auth/refresh", {"refresh_token": s["refresh_token"]}), 401, "UNAUTHORIZED")
    assert_problem(anon.post("/api/v1/auth/refresh", {"refresh_token": second["refresh_token"]}), 401, "UNAUTHORIZED")
    events = admin.get("/api/v1/audit-events", params={"action": "refresh.reuse", "actor": user["id"]}).json()
    assert events["meta"]["total"] == 1


def test_logout_revokes_the_family(admin, idsrv):
    user = make_user(admin, "member")
    s = session(idsrv, user)
    anon = Api(idsrv, token="")
    assert anon.post("/api/v1/auth/logout", {"refresh_token": s["refresh_token"]}).status_code == 204
    assert_problem(anon.post("/api/v1/auth/refresh", {"refresh_token": s["refresh_token"]}), 401, "UNAUTHORIZED")
    bogus = "vgl_rt_" + "A" * 49
    assert_problem(anon.post("/api/v1/auth/refresh", {"refresh_token": bogus}), 401, "UNAUTHORIZED")


# ---- roles -------------------------------------------------------------------------------------


def test_viewer_cannot_write(admin, idsrv):
    user = make_user(admin, "viewer")
    s = session(idsrv, user)
    me = Api(idsrv, token=s["access_token"])
    assert me.get("/api/v1/clients").status_code == 200
    assert_problem(me.post("/api/v1/clients", {"name": "nope"}), 403, "FORBIDDEN")
    # Nor through a personal token: a viewer cannot even mint a writer.
    assert_problem(me.post("/api/v1/tokens", {"name": "w", "scopes": ["clients:write"]}), 403, "FORBIDDEN")
    tok = personal_token(idsrv, s["access_token"], ["clients:read"])
    assert Api(idsrv, token=tok["token"]).get("/api/v1/clients").status_code == 200


def test_member_cannot_use_admin_routes_or_mint_admin_tokens(admin, idsrv):
    user = make_user(admin, "member")
    s = session(idsrv, user)
    me = Api(idsrv, token=s["access_token"])
    for path in ("/api/v1/users", "/api/v1/service-accounts", "/api/v1/audit-events"):
        assert_problem(me.get(path), 403, "FORBIDDEN")
    assert_problem(me.post("/api/v1/users", {"username": uname()}), 403, "FORBIDDEN")
    assert_problem(me.post("/api/v1/tokens", {"name": "a", "scopes": ["admin"]}), 403, "FORBIDDEN")
    assert_problem(me.post("/api/v1/service-accounts", {"name": "x"}), 403, "FORBIDDEN")
    # A member's personal token cannot reach admin routes either.
    tok = personal_token(idsrv, s["access_token"], ["clients:read", "clients:write"])
    assert_problem(Api(idsrv, token=tok["token"]).get("/api/v1/users"), 403, "FORBIDDEN")


def test_tokens_list_shows_own_tokens_and_admins_see_all(admin, idsrv):
    a, b = make_user(admin, "member"), make_user(admin, "member")
    sa, sb = session(idsrv, a), session(idsrv, b)
    ta = personal_token(idsrv, sa["access_token"], ["clients:read"])
    tb = personal_token(idsrv, sb["access_token"], ["clients:read"])
    assert ta["user_id"] == a["id"]
    mine = Api(idsrv, token=sa["access_token"]).get("/api/v1/tokens").json()["data"]
    assert [t["id"] for t in mine] == [ta["id"]]
    assert_problem(Api(idsrv, token=sa["access_token"]).get(f"/api/v1/tokens/{tb['id']}"), 404, "NOT_FOUND")
    assert_problem(Api(idsrv, token=sa["access_token"]).delete(f"/api/v1/tokens/{tb['id']}"), 404, "NOT_FOUND")
    ids = {t["id"] for t in admin.get("/api/v1/tokens", params={"per_page": 100}).json()["data"]}
    assert {ta["id"], tb["id"]} <= ids


# ---- disabled and deleted users ----------------------------------------------------------------


def test_disabled_user_loses_every_credential_at_once(admin, idsrv):
    user = make_user(admin, "member")
    s = session(idsrv, user)
    tok = personal_token(idsrv, s["access_token"], ["clients:read"])
    creds = {"jwt": s["access_token"], "personal token": tok["token"]}
    for token in creds.values():
        assert Api(idsrv, token=token).get("/api/v1/clients").status_code == 200

    r = admin.patch(f"/api/v1/users/{user['id']}", {"disabled": True})
    assert r.status_code == 200 and r.json()["data"]["disabled"] is True
    for name, token in creds.items():
        assert_problem(Api(idsrv, token=token).get("/api/v1/clients"), 401, "UNAUTHORIZED")
    assert_problem(Api(idsrv, token="").post("/api/v1/auth/refresh", {"refresh_token": s["refresh_token"]}),
                   401, "UNAUTHORIZED")
    assert_problem(login(idsrv, user["username"]), 401, "UNAUTHORIZED")

    # Enabled again: disabling revoked them for good (issue 14 item 11); a new login works.
    assert admin.patch(f"/api/v1/users/{user['id']}", {"disabled": False}).status_code == 200
    for name, token in creds.items():
        assert_problem(Api(idsrv, token=token).get("/api/v1/clients"), 401, "UNAUTHORIZED")
    assert_problem(Api(idsrv, token="").post("/api/v1/auth/refresh", {"refresh_token": s["refresh_token"]}),
                   401, "UNAUTHORIZED")
    assert Api(idsrv, token=session(idsrv, user)["access_token"]).get("/api/v1/clients").status_code == 200


def test_deleted_user_loses_every_credential_but_service_tokens_survive(admin, idsrv):
    boss = make_user(admin, "admin")
    s = session(idsrv, boss)
    me = Api(idsrv, token=s["access_token"])
    svc = me.post("/api/v1/service-accounts", {"name": "ci", "role": "member"})
    assert svc.status_code == 201, svc.text
    svc = svc.json()["data"]
    assert svc["created_by"] == boss["id"]
    r = me.post(f"/api/v1/service-accounts/{svc['id']}/tokens", {"name": "ci", "scopes": ["findings:read", "findings:write"]})
    assert r.status_code == 201, r.text
    service_token = r.json()["data"]
    assert service_token["service_account_id"] == svc["id"]
    tok = personal_token(idsrv, s["access_token"], ["clients:read"])

    assert admin.delete(f"/api/v1/users/{boss['id']}").status_code == 204
    assert_problem(admin.get(f"/api/v1/users/{boss['id']}"), 404, "NOT_FOUND")
    for token in (s["access_token"], tok["token"]):
        assert_problem(Api(idsrv, token=token).get("/api/v1/clients"), 401, "UNAUTHORIZED")
    assert_problem(Api(idsrv, token="").post("/api/v1/auth/refresh", {"refresh_token": s["refresh_token"]}),
                   401, "UNAUTHORIZED")
    assert Api(idsrv, token=service_token["token"]).get("/api/v1/findings").status_code == 200
    assert_problem(Api(idsrv, token=service_token["token"]).get("/api/v1/clients"), 403, "FORBIDDEN")

    # Deleting the account takes its tokens.
    assert admin.delete(f"/api/v1/service-accounts/{svc['id']}").status_code == 204
    assert_problem(Api(idsrv, token=service_token["token"]).get("/api/v1/findings"), 401, "UNAUTHORIZED")


def test_service_token_scopes_are_capped_by_the_account_role(admin):
    svc = admin.post("/api/v1/service-accounts", {"name": "reader", "role": "viewer"}).json()["data"]
    r = admin.post(f"/api/v1/service-accounts/{svc['id']}/tokens", {"name": "w", "scopes": ["clients:write"]})
    assert_problem(r, 403, "FORBIDDEN")
    r = admin.post(f"/api/v1/service-accounts/{svc['id']}/tokens", {"name": "r", "scopes": ["clients:read"]})
    assert r.status_code == 201
    assert_problem(admin.post("/api/v1/service-accounts/svc_doesnotexist/tokens", {"name": "r", "scopes": ["clients:read"]}),
                   404, "NOT_FOUND")


# ---- users API ---------------------------------------------------------------------------------


def test_users_crud_and_rules(admin, idsrv):
    user = make_user(admin, "viewer")
    assert admin.get(f"/api/v1/users/{user['id']}").json()["data"]["username"] == user["username"]
    assert "password" not in json.dumps(admin.get("/api/v1/users").json())
    assert_problem(admin.post("/api/v1/users", {"username": user["username"].upper()}), 409, "CONFLICT")
    assert_problem(admin.post("/api/v1/users", {"username": uname(), "password": "password1234"}), 400, "VALIDATION_ERROR")
    assert_problem(admin.post("/api/v1/users", {"username": uname(), "password": "short"}), 400, "VALIDATION_ERROR")
    assert_problem(admin.post("/api/v1/users", {"username": uname(), "role": "root"}), 400, "VALIDATION_ERROR")
    assert_problem(admin.post("/api/v1/users", {"username": uname(), "password_hash": "x"}), 400, "VALIDATION_ERROR")
    assert_problem(admin.patch(f"/api/v1/users/{user['id']}", {"username": "renamed"}), 400, "VALIDATION_ERROR")
    r = admin.patch(f"/api/v1/users/{user['id']}", {"role": "admin"})
    assert r.status_code == 200 and r.json()["data"]["role"] == "admin"
    assert_problem(admin.get("/api/v1/users/usr_missing"), 404, "NOT_FOUND")
    assert admin.delete(f"/api/v1/users/{user['id']}").status_code == 204
    assert_problem(admin.delete(f"/api/v1/users/{user['id']}"), 404, "NOT_FOUND")


def test_invite_sets_a_password_once(admin, idsrv):
    user = make_user(admin, "member", password=None)
    assert_problem(login(idsrv, user["username"], PASSWORD), 401, "UNAUTHORIZED")
    r = admin.post(f"/api/v1/users/{user['id']}/invite")
    assert r.status_code == 201, r.text
    token = r.json()["data"]["token"]
    anon = Api(idsrv, token="")
    assert_problem(anon.post("/api/v1/auth/password", {"token": token, "password": user["username"] + "xyz123"}),
                   400, "VALIDATION_ERROR")
    assert anon.post("/api/v1/auth/password", {"token": token, "password": PASSWORD}).status_code == 204
    assert login(idsrv, user["username"]).status_code == 200
    assert_problem(anon.post("/api/v1/auth/password", {"token": token, "password": PASSWORD + "x"}),
                   401, "UNAUTHORIZED")


# ---- audit log ----------------------------------------------------------------------------------


def test_audit_log_records_writes_logins_and_tokens_without_secrets(admin, idsrv):
    user = make_user(admin, "member")
    assert login(idsrv, user["username"], "wrong-password-here").status_code == 401
    s = session(idsrv, user)
    tok = personal_token(idsrv, s["access_token"], ["clients:read"])
    client = Api(idsrv, token=s["access_token"]).post("/api/v1/clients", {"name": "audited"}).json()["data"]
    assert Api(idsrv, token=s["access_token"]).delete(f"/api/v1/tokens/{tok['id']}").status_code == 204
    assert admin.patch(f"/api/v1/users/{user['id']}", {"role": "viewer"}).status_code == 200

    r = admin.get("/api/v1/audit-events", params={"per_page": 100})
    assert r.status_code == 200
    text = r.text
    assert PASSWORD not in text and tok["token"] not in text and s["refresh_token"] not in text
    assert s["access_token"] not in text
    mine = admin.get("/api/v1/audit-events", params={"actor": user["id"], "per_page": 100}).json()["data"]
    actions = {e["action"] for e in mine}
    assert {"login.failure", "login.success", "token.create", "clients.create", "token.revoke"} <= actions
    created = [e for e in mine if e["action"] == "clients.create"][0]
    assert created["target"] == client["id"]
    assert created["client_address"] == "127.0.0.1" and created["request_id"].startswith("req_")
    assert admin.get("/api/v1/audit-events", params={"action": "user.role_change", "target": user["id"]}).json()["meta"]["total"] == 1
    future = admin.get("/api/v1/audit-events", params={"created_after": "2999-01-01T00:00:00Z"}).json()
    assert future["meta"]["total"] == 0
    page = admin.get("/api/v1/audit-events", params={"per_page": 1, "page": 2})
    assert len(page.json()["data"]) == 1 and 'rel="next"' in page.headers["Link"]
    assert_problem(admin.get("/api/v1/audit-events", params={"bogus": "1"}), 400, "VALIDATION_ERROR")
    assert_problem(admin.get("/api/v1/audit-events", params={"created_after": "yesterday"}), 400, "VALIDATION_ERROR")


# ---- tenancy ------------------------------------------------------------------------------------


def other_org_admin(server):
    out = subprocess.run([VIGIL_BIN, "org", "create", "other", "--database", server.url],
                         capture_output=True, text=True, timeout=30, check=True)
    return Api(server, token=out.stdout.strip().splitlines()[-1])


def test_cross_organization_access_is_404_with_every_credential_type(admin, idsrv):
    target = admin.post("/api/v1/clients", {"name": "org A only"}).json()["data"]
    a_user = make_user(admin, "viewer")
    other = other_org_admin(idsrv)
    b_user = make_user(other, "admin")
    s = session(idsrv, b_user)
    personal = personal_token(idsrv, s["access_token"], ["admin"])
    svc = other.post("/api/v1/service-accounts", {"name": "b-ci", "role": "admin"}).json()["data"]
    service = other.post(f"/api/v1/service-accounts/{svc['id']}/tokens", {"name": "b", "scopes": ["admin"]}).json()["data"]
    creds = {"operator token": other.token, "jwt": s["access_token"], "personal token": personal["token"],
             "service token": service["token"]}
    for name, token in creds.items():
        b = Api(idsrv, token=token)
        assert_problem(b.get(f"/api/v1/clients/{target['id']}"), 404, "NOT_FOUND")
        assert_problem(b.patch(f"/api/v1/clients/{target['id']}", {"name": "x"}), 404, "NOT_FOUND")
        assert_problem(b.get(f"/api/v1/users/{a_user['id']}"), 404, "NOT_FOUND")
        assert_problem(b.patch(f"/api/v1/users/{a_user['id']}", {"role": "admin"}), 404, "NOT_FOUND")
        assert_problem(b.post(f"/api/v1/users/{a_user['id']}/invite"), 404, "NOT_FOUND")
        ids = {u["id"] for u in b.get("/api/v1/users").json()["data"]}
        assert a_user["id"] not in ids, name
    # The same username may exist in both organizations; login then names the organization.
    twin = make_user(other, "member", username=a_user["username"])
    anon = Api(idsrv, token="")
    assert_problem(anon.post("/api/v1/auth/login", {"username": twin["username"], "password": PASSWORD}),
                   401, "UNAUTHORIZED")
    r = anon.post("/api/v1/auth/login", {"username": twin["username"], "password": PASSWORD,
                                         "organization": parts(s["access_token"])[1]["org"]})
    assert r.status_code == 200 and parts(r.json()["access_token"])[1]["sub"] == twin["id"]


# ---- throttling (own servers: the lockout is per client address) -------------------------------


def test_a_hundred_failed_logins_are_throttled(tmp_path):
    srv = Server(str(tmp_path))
    try:
        admin = Api(srv)
        user = make_user(admin, "member")
        statuses = []
        retry = None
        for _ in range(100):
            r = login(srv, user["username"], "definitely-wrong-password")
            statuses.append(r.status_code)
            if r.status_code == 429:
                assert_problem(r, 429, "RATE_LIMIT_EXCEEDED")
                retry = int(r.headers["Retry-After"])
        assert statuses[0] == 401
        assert statuses.count(429) >= 90, statuses
        assert retry and retry >= 1
        # Locked out: even the right password waits.
        assert_problem(login(srv, user["username"]), 429, "RATE_LIMIT_EXCEEDED")
        # Guessing at many usernames from one address is throttled too (per address).
        spread = [login(srv, uname("other"), "definitely-wrong-password").status_code for _ in range(40)]
        assert spread[0] == 401 and spread[-1] == 429, spread
        assert_problem(login(srv, uname("other")), 429, "RATE_LIMIT_EXCEEDED")
        events = admin.get("/api/v1/audit-events", params={"action": "login.failure", "per_page": 100}).json()
        assert 5 <= events["meta"]["total"] <= 40
    finally:
        srv.stop()


def test_operator_creates_a_user_from_the_command_line(admin, idsrv):
    org = admin.get("/api/v1/organization").json()["data"]["id"]
    name = uname("cli")
    env = dict(os.environ, VIGIL_USER_PASSWORD=PASSWORD)
    out = subprocess.run([VIGIL_BIN, "user", "create", name, "--org", org, "--role", "viewer",
                          "--database", idsrv.url],
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    user_id = out.stdout.strip()
    r = login(idsrv, name)
    assert r.status_code == 200 and parts(r.json()["access_token"])[1]["sub"] == user_id
    assert parts(r.json()["access_token"])[1]["role"] == "viewer"
    # A weak password is refused, and nothing is created.
    env["VIGIL_USER_PASSWORD"] = "password"
    out = subprocess.run([VIGIL_BIN, "user", "create", uname("weak"), "--org", org,
                          "--database", idsrv.url],
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 1 and "password" in out.stderr


def test_first_start_with_admin_password_creates_an_admin_user(tmp_path):
    srv = Server(str(tmp_path), env={"VIGIL_ADMIN_PASSWORD": PASSWORD})
    try:
        r = Api(srv, token="").post("/api/v1/auth/login", {"username": "admin", "password": PASSWORD})
        assert r.status_code == 200, r.text
        me = Api(srv, token=r.json()["access_token"])
        users = me.get("/api/v1/users").json()["data"]
        assert [(u["username"], u["role"]) for u in users] == [("admin", "admin")]
        # The key file was generated next to the database, private to its owner.
        mode = os.stat(os.path.join(str(tmp_path), "jwt.keys")).st_mode & 0o777
        assert mode == 0o600
    finally:
        srv.stop()
