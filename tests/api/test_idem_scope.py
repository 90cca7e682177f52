# SPDX-License-Identifier: MIT
"""Issue 14 item 1: an Idempotency-Key is scoped to (organization, principal, method, route
template); authorization runs before any replay; an answer holding a once-only secret is never
stored, so its replay is a 409 CONFLICT naming the created resource, never the secret again.

The parametrized test covers every POST route of src/api/routes.def: a new POST route fails it
until it has a request recipe below (or a skip reason)."""
import datetime
import os
import re
import uuid

import pytest

from conftest import SOURCE_DIR, Api, Server, assert_problem
from test_webhooks import Receiver, wait_delivery

SECRET = "idem-scope-test-signing-secret-0123456789abcdef"
PASSWORD = "violet-otter-harbour-42"
SCAN_SPEC = os.path.join(SOURCE_DIR, "tests", "scan", "openapi.yaml")


def post_routes():
    """(pattern, public) for every POST row of the route table."""
    rows = []
    with open(os.path.join(SOURCE_DIR, "src", "api", "routes.def"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r'\s*ROUTE\(HTTP_POST,\s*"([^"]+)",\s*\w+,\s*[^,]+,\s*[^,]+,\s*(.+)\)\s*$',
                         line)
            if m:
                rows.append((m.group(1), "API_PUBLIC" in m.group(2)))
    return rows


# Routes a key cannot apply to, and why. Each is checked to be public in routes.def: a public
# route has no principal to scope a key to, so the server ignores Idempotency-Key there (the
# login routes are throttled instead; refresh and logout are single-use by design).
SKIP = {
    "/api/v1/auth/login": "public login: no principal; answers new tokens each time",
    "/api/v1/auth/token": "public OAuth password grant: no principal",
    "/api/v1/auth/refresh": "public: a refresh token is single-use, a retry must not replay it",
    "/api/v1/auth/logout": "public: no principal; logout is idempotent by itself",
    "/api/v1/auth/password": "public: a password-set token is single-use",
    "/api/v1/auth/session": "public cookie login: no principal",
    "/api/v1/auth/session/refresh": "public: single-use refresh in a cookie",
}

# Answers that hold a secret shown once: a replay is 409 CONFLICT, never the secret.
SECRET_ROUTES = {"/api/v1/tokens", "/api/v1/service-accounts/{id}/tokens",
                 "/api/v1/users/{id}/invite", "/api/v1/webhooks",
                 "/api/v1/webhooks/{id}/rotate-secret"}


def secret_of(data):
    """The once-only secret of an answer: a token's plaintext or a webhook's signing secret."""
    return data.get("token") or data.get("secret")


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()  # webhook deliveries land here (127.0.0.1)
    yield r
    r.close()


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = Server(str(tmp_path_factory.mktemp("idem_scope")),
               env={"VIGIL_JWT_SECRET": SECRET, "VIGIL_SCAN_ALLOW": "127.0.0.1/32"})
    yield s
    s.stop()


@pytest.fixture(scope="module")
def op(srv):
    return Api(srv)


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def created(resp):
    assert resp.status_code == 201, resp.text
    return resp.json()["data"]


def make_user(op, role, password=PASSWORD):
    body = {"username": uniq(role), "role": role}
    if password:
        body["password"] = password
    return created(op.post("/api/v1/users", body))


def jwt_of(srv, user):
    r = Api(srv, token="").post("/api/v1/auth/login",
                                {"username": user["username"], "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def admin_token(op):
    """A second principal of the organization with every scope (an operator token)."""
    return created(op.post("/api/v1/tokens", {"name": uniq("second"), "scopes": ["admin"]}))["token"]


# ---- request recipes: (concrete path, body, another body or None, another path or None) ----


def webhook(op, url):
    return created(op.post("/api/v1/webhooks", {"url": url, "events": ["project.created"]}))


def recipe(op, pattern, receiver):
    if pattern == "/api/v1/tokens":
        return (pattern, {"name": uniq("tok"), "scopes": ["clients:read"]},
                {"name": uniq("tok"), "scopes": ["findings:read"]}, None)
    if pattern == "/api/v1/users":
        return (pattern, {"username": uniq("usr"), "role": "viewer"},
                {"username": uniq("usr"), "role": "member"}, None)
    if pattern == "/api/v1/users/{id}/invite":
        # No body on this route: "another request" is another user under the same key.
        a, b = make_user(op, "member", None), make_user(op, "member", None)
        return (f"/api/v1/users/{a['id']}/invite", None, None, f"/api/v1/users/{b['id']}/invite")
    if pattern == "/api/v1/service-accounts":
        return (pattern, {"name": uniq("svc"), "role": "viewer"},
                {"name": uniq("svc"), "role": "member"}, None)
    if pattern == "/api/v1/service-accounts/{id}/tokens":
        svc = created(op.post("/api/v1/service-accounts", {"name": uniq("svc"), "role": "member"}))
        path = f"/api/v1/service-accounts/{svc['id']}/tokens"
        return (path, {"name": uniq("svctok"), "scopes": ["clients:read"]},
                {"name": uniq("svctok"), "scopes": ["findings:read"]}, None)
    if pattern == "/api/v1/clients":
        return (pattern, {"name": uniq("client")}, {"name": uniq("client")}, None)
    if pattern == "/api/v1/projects":
        return (pattern, {"name": uniq("project")}, {"name": uniq("project")}, None)
    if pattern == "/api/v1/webhooks":
        return (pattern, {"url": receiver.url("/ok"), "events": ["finding.created"]},
                {"url": receiver.url("/ok"), "events": ["project.created"]}, None)
    if pattern in ("/api/v1/webhooks/{id}/rotate-secret", "/api/v1/webhooks/{id}/test"):
        # No body: "another request" is the same call on another webhook.
        a, b = webhook(op, receiver.url("/ok")), webhook(op, receiver.url("/ok"))
        tail = pattern.rsplit("/", 1)[1]
        return (f"/api/v1/webhooks/{a['id']}/{tail}", None, None,
                f"/api/v1/webhooks/{b['id']}/{tail}")
    if pattern == "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver":
        # Two delivered events of one endpoint: each can be sent again by hand.
        hook = webhook(op, receiver.url("/ok"))
        created(op.post("/api/v1/projects", {"name": uniq("hooked")}))
        created(op.post("/api/v1/projects", {"name": uniq("hooked")}))
        done = wait_delivery(op, hook["id"],
                             lambda d: len(d) == 2 and all(x["status"] == "succeeded" for x in d))
        base = f"/api/v1/webhooks/{hook['id']}/deliveries"
        return (f"{base}/{done[0]['id']}/redeliver", None, None,
                f"{base}/{done[1]['id']}/redeliver")
    project = created(op.post("/api/v1/projects", {"name": uniq("p")}))
    if pattern == "/api/v1/assets":
        return (pattern, {"project_id": project["id"], "type": "host", "value": uniq("h") + ".test"},
                {"project_id": project["id"], "type": "host", "value": uniq("h") + ".test"}, None)
    if pattern == "/api/v1/findings":
        return (pattern, {"project_id": project["id"], "title": uniq("f"), "severity": "low"},
                {"project_id": project["id"], "title": uniq("f"), "severity": "high"}, None)
    if pattern == "/api/v1/findings/bulk":
        return (pattern, {"project_id": project["id"], "findings": [{"title": uniq("b"), "severity": "low"}]},
                {"project_id": project["id"], "findings": [{"title": uniq("b"), "severity": "high"}]},
                None)
    if pattern == "/api/v1/projects/{id}/imports":
        def sarif(rule):
            return {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "semgrep"}}, "results": [
                {"ruleId": rule, "level": "error", "message": {"text": "tainted input"},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.py"},
                                                     "region": {"startLine": 3}}}]}]}]}
        return (f"/api/v1/projects/{project['id']}/imports?format=sarif", sarif(uniq("rule")),
                sarif(uniq("rule")), None)
    if pattern == "/api/v1/scans":
        with open(SCAN_SPEC, encoding="utf-8") as f:
            spec = f.read()
        # Port 9 (discard) on loopback: the scan fails fast, only the create matters here.
        return (pattern, {"url": "http://127.0.0.1:9/", "spec": spec, "project_id": project["id"]},
                {"url": "http://127.0.0.1:9/other/", "spec": spec, "project_id": project["id"]},
                None)
    if pattern == "/api/v1/scans/{id}/rerun":
        # No body: "another request" is the rerun of another scan under the same key.
        with open(SCAN_SPEC, encoding="utf-8") as f:
            spec = f.read()
        a, b = (created(op.post("/api/v1/scans", {"url": f"http://127.0.0.1:9/{n}/", "spec": spec}))
                for n in ("a", "b"))
        return (f"/api/v1/scans/{a['scan_id']}/rerun", None, None,
                f"/api/v1/scans/{b['scan_id']}/rerun")
    if pattern == "/api/v1/projects/{id}/reports":  # issue 11
        return (f"/api/v1/projects/{project['id']}/reports", {"format": "html"},
                {"format": "csv"}, None)
    if pattern == "/api/v1/findings/{id}/accept":  # issue 11
        f = created(op.post("/api/v1/findings", {"project_id": project["id"], "title": uniq("f"),
                                                 "severity": "high"}))
        until = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30))
        until = until.strftime("%Y-%m-%dT%H:%M:%SZ")
        return (f"/api/v1/findings/{f['id']}/accept", {"reason": uniq("r"), "expires_at": until},
                {"reason": uniq("r"), "expires_at": until}, None)
    if pattern == "/api/v1/controls/{id}/evidence":  # issue 11
        return ("/api/v1/controls/soc2-cc8.1/evidence", {"note": uniq("note")},
                {"note": uniq("note")}, None)
    return None


ROUTES = post_routes()


def test_route_table_has_post_routes_and_skips_are_public():
    patterns = {p for p, _ in ROUTES}
    assert "/api/v1/clients" in patterns and "/api/v1/tokens" in patterns
    for pattern, public in ROUTES:
        if pattern in SKIP:
            assert public, f"{pattern} is skipped but not public"
        else:
            assert not public, f"public POST {pattern}: add it to SKIP with a reason"


@pytest.mark.parametrize("pattern", [p for p, public in ROUTES if p not in SKIP])
def test_every_post_route_scopes_its_key(srv, op, receiver, pattern):
    r = recipe(op, pattern, receiver)
    assert r is not None, f"new POST route {pattern}: add a request recipe to this test"
    path, body, other_body, other_path = r
    key = str(uuid.uuid4())
    hk = {"Idempotency-Key": key}

    first = op.post(path, body, headers=hk)
    assert 200 <= first.status_code < 300, first.text
    assert "Idempotent-Replayed" not in first.headers

    # Same principal, key, route and body: the first answer again, or for a once-only secret a
    # 409 naming the created resource and never the secret.
    again = op.post(path, body, headers=hk)
    if pattern in SECRET_ROUTES:
        assert_problem(again, 409, "CONFLICT")
        assert secret_of(first.json()["data"]) not in again.text
        assert again.headers.get("Location") == first.headers.get("Location")
    else:
        assert again.status_code == first.status_code
        assert again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.headers.get("Location") == first.headers.get("Location")

    # Same key, another request on this route: 422.
    if other_body is not None:
        assert_problem(op.post(path, other_body, headers=hk), 422, "IDEMPOTENCY_KEY_REUSED")
    if other_path is not None:
        assert_problem(op.post(other_path, body, headers=hk), 422, "IDEMPOTENCY_KEY_REUSED")

    # Same key and body from another principal: its own request, never the first answer.
    other = op.with_token(admin_token(op))
    theirs = other.post(path, body, headers=hk)
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.text != first.text
    if theirs.status_code == 201:
        assert theirs.json()["data"] != first.json()["data"]
        if pattern in SECRET_ROUTES:
            assert secret_of(theirs.json()["data"]) != secret_of(first.json()["data"])

    # Same key on another route: independent of this one.
    elsewhere = "/api/v1/service-accounts" if pattern == "/api/v1/clients" else "/api/v1/clients"
    r = op.post(elsewhere, {"name": uniq("elsewhere")}, headers=hk)
    assert r.status_code == 201, r.text
    assert "Idempotent-Replayed" not in r.headers


# ---- the reproduction from the issue ----------------------------------------------------------


def test_viewer_replaying_an_admins_token_key_gets_no_token_and_cannot_escalate(srv, op):
    boss = make_user(op, "admin")
    viewer = make_user(op, "viewer")
    admin_api = Api(srv, token=jwt_of(srv, boss))
    viewer_api = Api(srv, token=jwt_of(srv, viewer))
    key = str(uuid.uuid4())
    body = {"name": "admin-by-admin", "scopes": ["admin"]}

    first = admin_api.post("/api/v1/tokens", body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    plaintext = first.json()["data"]["token"]

    # The viewer, same body and key: its own request, authorized first, so 403, and never the
    # admin's token.
    r = viewer_api.post("/api/v1/tokens", body, headers={"Idempotency-Key": key})
    assert_problem(r, 403, "FORBIDDEN")
    assert plaintext not in r.text
    assert "Idempotent-Replayed" not in r.headers
    # Nor with a personal token of its own.
    vtok = created(viewer_api.post("/api/v1/tokens", {"name": "v", "scopes": ["clients:read"]}))
    r = Api(srv, token=vtok["token"]).post("/api/v1/tokens", body, headers={"Idempotency-Key": key})
    assert_problem(r, 403, "FORBIDDEN")
    assert plaintext not in r.text
    # And the viewer cannot escalate.
    assert_problem(viewer_api.post("/api/v1/users", {"username": uniq("evil"), "role": "admin"}),
                   403, "FORBIDDEN")

    # The admin itself retrying: the secret is not stored, so 409 with the token's Location.
    r = admin_api.post("/api/v1/tokens", body, headers={"Idempotency-Key": key})
    assert_problem(r, 409, "CONFLICT")
    assert plaintext not in r.text
    assert r.headers["Location"] == first.headers["Location"]
    listed = admin_api.get(r.headers["Location"])
    assert listed.status_code == 200 and "token" not in listed.json()["data"]


def test_authorization_runs_before_a_replay(srv, op):
    """A caller demoted since its first request is refused, not answered from the key."""
    boss = make_user(op, "admin")
    me = Api(srv, token=jwt_of(srv, boss))
    key_token, key_client = str(uuid.uuid4()), str(uuid.uuid4())
    body = {"name": "before-demotion", "scopes": ["admin"]}
    assert me.post("/api/v1/tokens", body, headers={"Idempotency-Key": key_token}).status_code == 201
    client_body = {"name": uniq("before-demotion")}
    assert me.post("/api/v1/clients", client_body,
                   headers={"Idempotency-Key": key_client}).status_code == 201

    assert op.patch(f"/api/v1/users/{boss['id']}", {"role": "viewer"}).status_code == 200
    # Creator caps (a viewer cannot grant admin): 403, not the 409 of a stored success.
    assert_problem(me.post("/api/v1/tokens", body, headers={"Idempotency-Key": key_token}),
                   403, "FORBIDDEN")
    # The route's scope (clients:write): 403, not the stored 201.
    r = me.post("/api/v1/clients", client_body, headers={"Idempotency-Key": key_client})
    assert_problem(r, 403, "FORBIDDEN")
    assert "Idempotent-Replayed" not in r.headers


def test_invite_token_is_not_replayed(srv, op):
    user = make_user(op, "member", None)
    key = str(uuid.uuid4())
    first = op.post(f"/api/v1/users/{user['id']}/invite", headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    r = op.post(f"/api/v1/users/{user['id']}/invite", headers={"Idempotency-Key": key})
    assert_problem(r, 409, "CONFLICT")
    assert first.json()["data"]["token"] not in r.text


@pytest.mark.sqlite_only("reads the SQLite file and its WAL as bytes")
def test_secret_is_not_in_the_database(srv, op):
    key = str(uuid.uuid4())
    first = op.post("/api/v1/tokens", {"name": uniq("ondisk"), "scopes": ["clients:read"]},
                    headers={"Idempotency-Key": key})
    assert first.status_code == 201
    secret = first.json()["data"]["token"].encode()
    # The database and its WAL are read as bytes: the plaintext is nowhere.
    for suffix in ("", "-wal"):
        path = srv.db + suffix
        if os.path.exists(path):
            with open(path, "rb") as f:
                assert secret not in f.read(), f"token plaintext found in {path}"
