# SPDX-License-Identifier: MIT
"""Target credentials of server scans (issue 8): a scan with identities finds what a scan without
them cannot (BOLA needs two users), and the secrets are never in any GET response, any report
format, the server's log or the database file; they are wiped when the scan ends unless the scan
keeps them for reruns. Also POST /scans/{id}/rerun, GET /scans/{id}/findings and bad auth
inputs."""

import glob
import hashlib
import importlib.util
import json
import os
import sqlite3
import time
import urllib.request

import pytest

from conftest import Api, Server, assert_problem

_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scan", "conftest.py")
_spec = importlib.util.spec_from_file_location("scan_conftest_creds", _path)
scan_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scan_conftest)
Fixture, SPEC = scan_conftest.Fixture, scan_conftest.SPEC

ALLOW = {"VIGIL_SCAN_ALLOW": "127.0.0.1/32"}
FORMATS = ("json", "sarif", "markdown", "html", "junit")
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def api_key(username):
    """The fixture's deterministic API key of a seeded user."""
    return "sk_live_" + hashlib.sha256(("key" + username).encode()).hexdigest()[:32]


BOB_PASSWORD = "bob-pass-2"
ALICE_KEY = api_key("alice")


def spec_text():
    with open(SPEC, encoding="utf-8") as f:
        return f.read()


def login_token(fixture, username, password):
    req = urllib.request.Request(fixture.url + "/api/login", method="POST",
                                 data=json.dumps({"username": username,
                                                  "password": password}).encode(),
                                 headers={"Content-Type": "application/json"})
    with OPENER.open(req, timeout=10) as r:
        return json.loads(r.read())["access_token"]


def identities():
    """Alice by API key header, Bob by the login step (his password in the login body)."""
    return {"auth": {"type": "header", "header_name": "X-API-Key", "header_value": ALICE_KEY},
            "auth_secondary": {"type": "login", "login_url": "/api/login",
                               "login_body": {"username": "bob", "password": BOB_PASSWORD},
                               "login_token_pointer": "/access_token"}}


def scan_body(fixture, **extra):
    body = {"url": fixture.url, "spec": spec_text(),
            "options": {"checks": ["bola"], "concurrency": 2, "fail_on": "none"}}
    body.update(extra)
    return body


def wait_done(api, scan_id, limit=150):
    deadline = time.time() + limit
    while True:
        s = api.get(f"/api/v1/scans/{scan_id}").json()["data"]
        if s["status"] in ("complete", "failed", "cancelled"):
            return s
        assert time.time() < deadline, f"scan stuck in {s['status']}: {s}"
        time.sleep(0.1)


def findings_of(api, scan_id):
    r = api.get(f"/api/v1/scans/{scan_id}/findings", params={"per_page": 100})
    assert r.status_code == 200, r.text
    return r.json()["data"]


def db_bytes(server):
    data = b""
    for path in glob.glob(server.db + "*"):
        with open(path, "rb") as f:
            data += f.read()
    return data


@pytest.fixture(scope="module")
def bola_fixture():
    f = Fixture(vulnerable="bola")
    yield f
    f.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(str(tmp_path_factory.mktemp("scan_creds")), env=ALLOW)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def api(server):
    return Api(server)


@pytest.mark.sqlite_only("reads the scans table with sqlite3 and the database files as bytes")
def test_credentials_find_what_anonymous_cannot_and_never_leak(api, server, bola_fixture):
    bearer = login_token(bola_fixture, "alice", "alice-pass-1")
    secrets = [ALICE_KEY, BOB_PASSWORD, bearer]

    anonymous = api.post("/api/v1/scans", scan_body(bola_fixture))
    assert anonymous.status_code == 201, anonymous.text
    with_header = api.post("/api/v1/scans", scan_body(bola_fixture, **identities()))
    assert with_header.status_code == 201, with_header.text
    with_bearer = api.post("/api/v1/scans", scan_body(
        bola_fixture, auth={"type": "bearer", "token": bearer},
        auth_secondary=identities()["auth_secondary"]))
    assert with_bearer.status_code == 201, with_bearer.text
    responses = [anonymous.text, with_header.text, with_bearer.text]

    anon_id = anonymous.json()["data"]["scan_id"]
    ids = [with_header.json()["data"]["scan_id"], with_bearer.json()["data"]["scan_id"]]
    assert wait_done(api, anon_id)["status"] == "complete"
    assert not [f for f in findings_of(api, anon_id) if f["check_id"] == "bola"]
    for sid in ids:
        r = api.get(f"/api/v1/scans/{sid}")
        responses.append(r.text)
        s = wait_done(api, sid)
        assert s["status"] == "complete", s
        found = findings_of(api, sid)
        assert [f for f in found if f["check_id"] == "bola"], found
        responses.append(json.dumps(found))
        # What GET shows of the identities: types and non-secret fields only; wiped at the end.
        assert s["auth"]["secret"] == "***" and s["auth_secondary"]["type"] == "login"
        assert s["auth_secondary"]["login_url"] == "/api/login"
        assert "login_body" not in s["auth_secondary"]
        assert s["credentials"] == "wiped" and s["keep_credentials"] is False
        for fmt in FORMATS:
            for path in (f"/api/v1/scans/{sid}/report", f"/api/v1/reports/{sid}"):
                rep = api.get(path, params={"format": fmt})
                assert rep.status_code == 200
                responses.append(rep.text)
    listed = api.get("/api/v1/scans", params={"per_page": 100})
    responses.append(listed.text)
    header_scan = api.get(f"/api/v1/scans/{ids[0]}").json()["data"]
    assert header_scan["auth"] == {"type": "header", "header_name": "X-API-Key", "secret": "***"}
    for secret in secrets:
        for text in responses:
            assert secret not in text
        assert secret not in server.read_log()
        assert secret.encode() not in db_bytes(server)
    # Wiped: the sealed column is empty, not just hidden.
    with sqlite3.connect(server.db) as db:
        rows = db.execute("SELECT credentials, credentials_state FROM scans WHERE id IN (?, ?)",
                          ids).fetchall()
    assert rows == [(None, "wiped"), (None, "wiped")]


@pytest.mark.sqlite_only("reads the sealed column with sqlite3")
def test_sealed_while_stored_and_kept_for_rerun(api, server, bola_fixture):
    body = scan_body(bola_fixture, keep_credentials=True, **identities())
    r = api.post("/api/v1/scans", body)
    assert r.status_code == 201, r.text
    sid = r.json()["data"]["scan_id"]
    s = wait_done(api, sid)
    assert s["status"] == "complete" and s["credentials"] == "stored"
    assert s["keep_credentials"] is True
    with sqlite3.connect(server.db) as db:
        (blob,) = db.execute("SELECT credentials FROM scans WHERE id = ?", (sid,)).fetchone()
    assert blob is not None and len(blob) > 40  # nonce + MAC + the sealed JSON
    assert ALICE_KEY.encode() not in blob and BOB_PASSWORD.encode() not in blob
    assert ALICE_KEY.encode() not in db_bytes(server)
    assert BOB_PASSWORD.encode() not in db_bytes(server)

    again = api.post(f"/api/v1/scans/{sid}/rerun")
    assert again.status_code == 201, again.text
    rid = again.json()["data"]["scan_id"]
    assert again.headers["Location"] == f"/api/v1/scans/{rid}"
    s2 = wait_done(api, rid)
    assert s2["status"] == "complete", s2
    assert s2["rerun_of"] == sid and s2["credentials"] == "stored"
    # The stored identities were used: the rerun finds the BOLA that needs them.
    assert [f for f in findings_of(api, rid) if f["check_id"] == "bola"]


def test_rerun_after_wipe_is_a_conflict_without_credentials_is_fine(api, bola_fixture):
    r = api.post("/api/v1/scans", scan_body(bola_fixture, **identities()))
    sid = r.json()["data"]["scan_id"]
    assert wait_done(api, sid)["credentials"] == "wiped"
    assert_problem(api.post(f"/api/v1/scans/{sid}/rerun"), 409, "CONFLICT")

    plain = api.post("/api/v1/scans", scan_body(bola_fixture)).json()["data"]["scan_id"]
    wait_done(api, plain)
    again = api.post(f"/api/v1/scans/{plain}/rerun")
    assert again.status_code == 201, again.text
    assert wait_done(api, again.json()["data"]["scan_id"])["rerun_of"] == plain
    assert_problem(api.post("/api/v1/scans/scan_doesnotexist00000000/rerun"), 404, "NOT_FOUND")


def test_failed_login_fails_the_scan_without_naming_the_password(api, server, bola_fixture):
    wrong = "wrong-pass-7f3a9c"
    r = api.post("/api/v1/scans", scan_body(bola_fixture, auth={
        "type": "login", "login_url": "/api/login",
        "login_body": {"username": "alice", "password": wrong}}))
    s = wait_done(api, r.json()["data"]["scan_id"])
    assert s["status"] == "failed", s
    assert "login" in s["error"] and "401" in s["error"]
    assert s["credentials"] == "wiped"
    assert wrong not in json.dumps(s) and wrong not in server.read_log()
    assert wrong.encode() not in db_bytes(server)


@pytest.mark.sqlite_only("reads the scans table with sqlite3")
def test_cancelled_queued_scan_wipes_its_credentials(tmp_path, bola_fixture):
    srv = Server(str(tmp_path), extra_args=("--scan-workers", "0"), env=ALLOW)
    try:
        api = Api(srv)
        sid = api.post("/api/v1/scans", scan_body(bola_fixture, **identities())).json()[
            "data"]["scan_id"]
        assert api.get(f"/api/v1/scans/{sid}").json()["data"]["credentials"] == "stored"
        assert api.delete(f"/api/v1/scans/{sid}").status_code == 204
        assert api.get(f"/api/v1/scans/{sid}").json()["data"]["credentials"] == "wiped"
        with sqlite3.connect(srv.db) as db:
            assert db.execute("SELECT credentials FROM scans WHERE id = ?",
                              (sid,)).fetchone() == (None,)
        # The key file sits beside jwt.keys, private to the server's user.
        key = os.path.join(str(tmp_path), "scan-credentials.key")
        assert os.stat(key).st_mode & 0o777 == 0o600
    finally:
        srv.stop()


def test_scan_findings_filters_and_paging(api, bola_fixture):
    r = api.post("/api/v1/scans", scan_body(bola_fixture, **identities(), options={
        "checks": ["bola", "misconfig"], "fail_on": "none"}))
    sid = r.json()["data"]["scan_id"]
    s = wait_done(api, sid)
    everything = findings_of(api, sid)
    assert len(everything) == s["progress"]["findings"] > 0
    assert {f["scan_id"] for f in everything} == {sid}
    assert {f["project_id"] for f in everything} == {None}
    for sev in {f["severity"] for f in everything}:
        page = api.get(f"/api/v1/scans/{sid}/findings", params={"severity": sev}).json()
        assert page["meta"]["total"] == len([f for f in everything if f["severity"] == sev])
        assert {f["severity"] for f in page["data"]} == {sev}
    assert api.get(f"/api/v1/scans/{sid}/findings",
                   params={"status": "accepted"}).json()["meta"]["total"] == 0
    one = api.get(f"/api/v1/scans/{sid}/findings", params={"per_page": 1}).json()
    assert len(one["data"]) == 1 and one["meta"]["total"] == len(everything)
    assert_problem(api.get(f"/api/v1/scans/{sid}/findings", params={"severity": "huge"}), 400,
                   "VALIDATION_ERROR")
    assert_problem(api.get(f"/api/v1/scans/{sid}/findings", params={"scan_id": sid}), 400,
                   "VALIDATION_ERROR")
    assert_problem(api.get(f"/api/v1/scans/{sid}/findings", params={"per_page": 0}), 400,
                   "VALIDATION_ERROR")
    assert_problem(api.get("/api/v1/scans/scan_doesnotexist00000000/findings"), 404,
                   "NOT_FOUND")


def test_project_scan_findings_show_the_platform_status(api, bola_fixture):
    proj = api.post("/api/v1/projects", {"name": "creds"}).json()["data"]["id"]
    r = api.post("/api/v1/scans", scan_body(bola_fixture, project_id=proj, **identities()))
    sid = r.json()["data"]["scan_id"]
    wait_done(api, sid)
    found = findings_of(api, sid)
    assert found and {f["project_id"] for f in found} == {proj}
    platform = api.get(f"/api/v1/findings/{found[0]['id']}").json()["data"]
    assert platform["fingerprint"] == found[0]["fingerprint"]
    assert api.patch(f"/api/v1/findings/{found[0]['id']}",
                     {"status": "accepted"}).status_code == 200
    accepted = api.get(f"/api/v1/scans/{sid}/findings", params={"status": "accepted"}).json()
    assert [f["id"] for f in accepted["data"]] == [found[0]["id"]]


SECRET = "s3cret-value-never-echoed"


@pytest.mark.parametrize("patch,field", [
    ({"auth": {"type": "bearer"}}, "auth.token"),
    ({"auth": {"type": "bearer", "token": ""}}, "auth.token"),
    ({"auth": {"type": "bearer", "token": SECRET, "password": SECRET}}, "auth.password"),
    ({"auth": {"type": "magic", "token": SECRET}}, "auth.type"),
    ({"auth": {"token": SECRET}}, "auth"),
    ({"auth": "bearer"}, "auth"),
    ({"auth": {"type": "bearer", "token": 42}}, "auth.token"),
    ({"auth": {"type": "bearer", "token": SECRET + "\r\nX: y"}}, "auth.token"),
    ({"auth": {"type": "header", "header_name": "X-Key: a", "header_value": SECRET}},
     "auth.header_name"),
    ({"auth": {"type": "header", "header_name": "X-Key"}}, "auth.header_value"),
    ({"auth": {"type": "header", "header_name": "X-Key", "header_value": SECRET + "\n"}},
     "auth.header_value"),
    ({"auth": {"type": "basic", "password": SECRET}}, "auth.username"),
    ({"auth": {"type": "basic", "username": "a:b", "password": SECRET}}, "auth.username"),
    ({"auth": {"type": "oauth2", "oauth2_token_url": "http://127.0.0.1:9/token",
               "oauth2_client_secret": SECRET}}, "auth.oauth2_client_id"),
    ({"auth": {"type": "oauth2", "oauth2_client_id": "c", "oauth2_client_secret": SECRET}},
     "auth.oauth2_token_url"),
    ({"auth": {"type": "oauth2", "oauth2_token_url": "http://127.0.0.1:9/token",
               "oauth2_client_id": "c"}}, "auth.oauth2_client_secret"),
    ({"auth": {"type": "oauth2", "oauth2_token_url": "not a url", "oauth2_client_id": "c",
               "oauth2_client_secret": SECRET}}, "auth.oauth2_token_url"),
    ({"auth": {"type": "login", "login_url": "/api/login"}}, "auth.login_body"),
    ({"auth": {"type": "login", "login_url": "/api/login", "login_body": "{" + SECRET}},
     "auth.login_body"),
    ({"auth": {"type": "login", "login_url": "/api/login", "login_body": {"p": SECRET},
               "login_token_pointer": "access_token"}}, "auth.login_token_pointer"),
    ({"auth_secondary": {"type": "basic"}}, "auth_secondary.username"),
    ({"auth_secondary": {"type": "none", "token": SECRET}}, "auth_secondary.token"),
    ({"keep_credentials": "yes"}, "keep_credentials"),
    ({"url": "http://alice:" + SECRET + "@127.0.0.1:9/"}, "url"),
    ({"url": "http://" + SECRET + "@127.0.0.1:9/"}, "url"),  # a user alone is userinfo too
    ({"spec": None, "spec_url": "http://u:" + SECRET + "@127.0.0.1:9/openapi.yaml"},
     "spec_url"),
    ({"auth": {"type": "oauth2", "oauth2_token_url": "http://c:" + SECRET + "@127.0.0.1:9/t",
               "oauth2_client_id": "c", "oauth2_client_secret": "x"}}, "auth.oauth2_token_url"),
])
def test_bad_auth_inputs(api, bola_fixture, patch, field):
    body = scan_body(bola_fixture, **patch)
    for k in [k for k, v in body.items() if v is None]:
        del body[k]
    r = api.post("/api/v1/scans", body)
    problem = assert_problem(r, 400, "VALIDATION_ERROR")
    assert field in [e["field"] for e in problem["errors"]], problem
    assert SECRET not in r.text


@pytest.mark.parametrize("auth,field", [
    ({"type": "oauth2", "oauth2_token_url": "http://169.254.169.254/token",
      "oauth2_client_id": "c", "oauth2_client_secret": SECRET}, "auth.oauth2_token_url"),
    ({"type": "oauth2", "oauth2_token_url": "file:///etc/passwd", "oauth2_client_id": "c",
      "oauth2_client_secret": SECRET}, "auth.oauth2_token_url"),
    ({"type": "login", "login_url": "http://10.0.0.1/login", "login_body": {"p": SECRET}},
     "auth.login_url"),
])
def test_denied_credential_urls(api, bola_fixture, auth, field):
    r = api.post("/api/v1/scans", scan_body(bola_fixture, auth=auth))
    problem = assert_problem(r, 422, "TARGET_NOT_ALLOWED")
    assert problem["errors"][0]["field"] == field
    assert SECRET not in r.text


def test_cross_organization_404_on_findings_and_rerun(api, server, bola_fixture):
    import re
    import subprocess
    from conftest import VIGIL_BIN
    sid = api.post("/api/v1/scans", scan_body(bola_fixture)).json()["data"]["scan_id"]
    wait_done(api, sid)
    out = subprocess.run([VIGIL_BIN, "org", "create", "Creds Other", "--database",
                          server.url], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    other = Api(server, token=re.search(r"vgl_live_[A-Za-z0-9]{38}", out.stdout).group(0))
    assert_problem(other.get(f"/api/v1/scans/{sid}/findings"), 404, "NOT_FOUND")
    assert_problem(other.post(f"/api/v1/scans/{sid}/rerun"), 404, "NOT_FOUND")


def test_a_worker_opens_credentials_sealed_by_another_server_through_the_kek(tmp_path,
                                                                           bola_fixture):
    """With a key-encryption key the scan credentials key is kept in the database: a worker
    that shares no file with the server (its own empty data directory, no key file named)
    opens the credentials the server sealed, and its scan finds what only they reveal."""
    import subprocess

    from conftest import VIGIL_BIN, write_kek

    kek = write_kek(str(tmp_path / "kek"))
    srv = Server(str(tmp_path), extra_args=("--scan-workers", "0"), env=ALLOW, kek=kek)
    worker = None
    try:
        api = Api(srv)
        r = api.post("/api/v1/scans", scan_body(bola_fixture, **identities()))
        assert r.status_code == 201, r.text
        sid = r.json()["data"]["scan_id"]
        env = {k: v for k, v in os.environ.items()
               if k not in ("VIGIL_SCAN_KEY_FILE", "VIGIL_DATA_DIR", "VIGIL_KEK_FILE")}
        env.update(ALLOW)
        worker_dir = tmp_path / "worker-data"
        worker = subprocess.Popen(
            [VIGIL_BIN, "worker", "--database", srv.url, "--data-dir", str(worker_dir),
             "--key-encryption-key-file", kek], env=env, stderr=subprocess.PIPE, text=True)
        s = wait_done(api, sid)
        assert s["status"] == "complete", s
        assert [f for f in findings_of(api, sid) if f["check_id"] == "bola"]
        assert "scan-credentials.key" not in os.listdir(worker_dir)
    finally:
        if worker:
            worker.terminate()
            _, err = worker.communicate(timeout=20)
            assert "scan credentials key stored in the database" in err, err
        srv.stop()
