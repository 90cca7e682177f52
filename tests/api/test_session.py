# SPDX-License-Identifier: MIT
"""The dashboard's cookie session (POST/GET/DELETE /api/v1/auth/session, POST .../refresh): the
cookie's attributes, bad credentials, the CSRF double-submit check on cookie-authenticated
writes, refresh rotation and logout; and the web pages' headers."""
import uuid

import pytest

from conftest import Api, Server, assert_problem

PASSWORD = "amber-heron-lantern-77"


@pytest.fixture(scope="module")
def websrv(tmp_path_factory):
    srv = Server(str(tmp_path_factory.mktemp("session")))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def member(websrv):
    name = f"web{uuid.uuid4().hex[:8]}"
    r = Api(websrv).post("/api/v1/users", {"username": name, "role": "member", "password": PASSWORD})
    assert r.status_code == 201, r.text
    return name


def sign_in(websrv, username, password=PASSWORD):
    anon = Api(websrv, token="")
    return anon, anon.post("/api/v1/auth/session", {"username": username, "password": password})


def test_sign_in_sets_an_httponly_strict_cookie_and_no_token_in_the_body(websrv, member):
    anon, r = sign_in(websrv, member)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"csrf_token", "expires_in"}
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("vigil_session=")
    for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
        assert attr in cookie
    assert "Secure" not in cookie  # plain HTTP here
    assert r.headers["Cache-Control"] == "no-store"
    # The cookie alone authenticates reads.
    assert anon.get("/api/v1/projects").status_code == 200
    assert anon.get("/api/v1/auth/session").json()["csrf_token"] == body["csrf_token"]


def test_secure_attribute_behind_tls(websrv, member):
    anon = Api(websrv, token="")
    r = anon.post("/api/v1/auth/session", {"username": member, "password": PASSWORD},
                  headers={"X-Forwarded-Proto": "https"})
    assert r.status_code == 200
    assert "; Secure" in r.headers["Set-Cookie"]


def test_bad_credentials(websrv, member):
    anon, r = sign_in(websrv, member, "not-the-password-at-all")
    assert_problem(r, 401, "UNAUTHORIZED")
    assert "Set-Cookie" not in r.headers
    _, r = sign_in(websrv, f"ghost{uuid.uuid4().hex[:6]}", "not-the-password-at-all")
    assert_problem(r, 401, "UNAUTHORIZED")
    assert_problem(anon.post("/api/v1/auth/session", {"username": member}), 400, "VALIDATION_ERROR")
    assert_problem(anon.post("/api/v1/auth/session",
                             {"username": member, "password": PASSWORD, "role": "admin"}),
                   400, "VALIDATION_ERROR")


def test_cookie_write_needs_the_csrf_header(websrv, member):
    anon, r = sign_in(websrv, member)
    csrf = r.json()["csrf_token"]
    project = {"name": f"p{uuid.uuid4().hex[:6]}"}
    assert_problem(anon.post("/api/v1/projects", project), 403, "CSRF_TOKEN_INVALID")
    assert_problem(anon.post("/api/v1/projects", project, headers={"X-CSRF-Token": "0" * 64}),
                   403, "CSRF_TOKEN_INVALID")
    assert_problem(anon.post("/api/v1/projects", project, headers={"X-CSRF-Token": csrf[:-1]}),
                   403, "CSRF_TOKEN_INVALID")
    r = anon.post("/api/v1/projects", project, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    # A bearer credential is not a cookie session: no CSRF header needed.
    assert Api(websrv).post("/api/v1/projects", {"name": f"q{uuid.uuid4().hex[:6]}"}).status_code == 201


def test_refresh_rotates_and_logout_ends_the_session(websrv, member):
    anon, r = sign_in(websrv, member)
    csrf = r.json()["csrf_token"]
    old_cookie = anon.session.cookies.get("vigil_session")
    assert_problem(anon.post("/api/v1/auth/session/refresh"), 403, "CSRF_TOKEN_INVALID")
    r = anon.post("/api/v1/auth/session/refresh", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    new_csrf = r.json()["csrf_token"]
    assert new_csrf != csrf
    assert anon.session.cookies.get("vigil_session") != old_cookie
    # The old cookie's refresh token was used: presenting it again revokes the whole login.
    thief = Api(websrv, token="")
    thief.session.cookies.set("vigil_session", old_cookie)
    assert_problem(thief.post("/api/v1/auth/session/refresh", headers={"X-CSRF-Token": csrf}),
                   401, "UNAUTHORIZED")
    assert_problem(anon.post("/api/v1/auth/session/refresh", headers={"X-CSRF-Token": new_csrf}),
                   401, "UNAUTHORIZED")

    anon, r = sign_in(websrv, member)
    csrf = r.json()["csrf_token"]
    assert_problem(anon.delete("/api/v1/auth/session"), 403, "CSRF_TOKEN_INVALID")
    r = anon.delete("/api/v1/auth/session", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 204
    assert "Max-Age=0" in r.headers["Set-Cookie"]
    assert "vigil_session" not in anon.session.cookies
    assert_problem(anon.get("/api/v1/auth/session"), 401, "UNAUTHORIZED")
    assert_problem(anon.get("/api/v1/projects"), 401, "UNAUTHORIZED")


def test_malformed_cookie_is_refused(websrv):
    anon = Api(websrv, token="")
    anon.session.cookies.set("vigil_session", "vgl_live_notajwt~x~y")
    assert_problem(anon.get("/api/v1/projects"), 401, "UNAUTHORIZED")


def test_pages_are_served_with_a_strict_csp(websrv):
    anon = Api(websrv, token="")
    for path in ("/", "/docs", "/redoc"):
        r = anon.get(path)
        assert r.status_code == 200, path
        assert r.headers["Content-Type"].startswith("text/html")
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    r = anon.get("/docs/swagger-ui-bundle.js", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    assert_problem(anon.get("/docs/..%2fapp%2findex.html"), 404, "NOT_FOUND")
    assert_problem(anon.get("/assets/.hidden"), 404, "NOT_FOUND")


def test_hashed_assets_are_cached_for_a_year(websrv):
    anon = Api(websrv, token="")
    html = anon.get("/").text
    import re
    js = re.search(r'src="(/assets/[^"]+\.js)"', html).group(1)
    r = anon.get(js, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert r.headers["Content-Encoding"] == "gzip"
    assert r.headers["Vary"] == "Accept-Encoding"
