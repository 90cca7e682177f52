# SPDX-License-Identifier: MIT
"""The per-organization scan target policy (PUT/GET /settings/scan-policy, admin only), combined
with the server's VIGIL_SCAN_ALLOW at create and at every connect; and Idempotency-Key on POST
/scans (same key and body: the same scan, not two)."""

import importlib.util
import os
import re
import subprocess
import time
import uuid

import pytest

from conftest import PG_ADMIN_URL, VIGIL_BIN, Api, Server, assert_problem

_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scan", "conftest.py")
_spec = importlib.util.spec_from_file_location("scan_conftest_policy", _path)
scan_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scan_conftest)
Fixture, SPEC = scan_conftest.Fixture, scan_conftest.SPEC


def spec_text():
    with open(SPEC, encoding="utf-8") as f:
        return f.read()


def scan_body(fixture, **extra):
    body = {"url": fixture.url, "spec": spec_text(),
            "options": {"checks": ["misconfig"], "fail_on": "none"}}
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


def other_org(server, name):
    out = subprocess.run([VIGIL_BIN, "org", "create", name, "--database",
                          server.url], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return Api(server, token=re.search(r"vgl_live_[A-Za-z0-9]{38}", out.stdout).group(0))


@pytest.fixture(scope="module")
def fixture():
    f = Fixture()
    yield f
    f.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """No VIGIL_SCAN_ALLOW: 127.0.0.1 is denied unless an organization allows it."""
    srv = Server(str(tmp_path_factory.mktemp("scan_policy")),
                 env={"VIGIL_SCAN_ALLOW": "192.0.2.0/24"})
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def admin(server):
    return Api(server)


def test_org_allow_list_opens_a_network_for_that_org_only(admin, server, fixture):
    start = admin.get("/api/v1/settings/scan-policy")
    assert start.status_code == 200, start.text
    assert start.json()["data"] == {"allow": [], "server_allow": ["192.0.2.0/24"],
                                    "updated_at": None}
    assert_problem(admin.post("/api/v1/scans", scan_body(fixture)), 422, "TARGET_NOT_ALLOWED")

    r = admin.put("/api/v1/settings/scan-policy", {"allow": ["127.0.0.1", "198.51.100.0/24"]})
    assert r.status_code == 200, r.text
    d = r.json()["data"]
    assert d["allow"] == ["127.0.0.1/32", "198.51.100.0/24"] and d["updated_at"]
    assert admin.get("/api/v1/settings/scan-policy").json()["data"]["allow"] == d["allow"]

    created = admin.post("/api/v1/scans", scan_body(fixture))
    assert created.status_code == 201, created.text
    s = wait_done(admin, created.json()["data"]["scan_id"])
    # The worker applied the organization's list at connect time too.
    assert s["status"] == "complete", s
    assert s["progress"]["requests_sent"] > 0

    other = other_org(server, "Policy Other")
    assert other.get("/api/v1/settings/scan-policy").json()["data"]["allow"] == []
    assert_problem(other.post("/api/v1/scans", scan_body(fixture)), 422, "TARGET_NOT_ALLOWED")

    # Cleared: denied again.
    assert admin.put("/api/v1/settings/scan-policy", {"allow": []}).json()["data"]["allow"] == []
    assert_problem(admin.post("/api/v1/scans", scan_body(fixture)), 422, "TARGET_NOT_ALLOWED")


def test_narrowed_policy_refuses_the_connect_of_a_queued_scan(tmp_path, fixture):
    """Allowed at create, the allowance withdrawn before a worker runs it: every connect is
    refused and the scan fails with the reason."""
    srv = Server(str(tmp_path), extra_args=("--scan-workers", "0"))
    worker = None
    try:
        api = Api(srv)
        assert api.put("/api/v1/settings/scan-policy",
                       {"allow": ["127.0.0.1/32"]}).status_code == 200
        sid = api.post("/api/v1/scans", scan_body(fixture)).json()["data"]["scan_id"]
        assert api.put("/api/v1/settings/scan-policy", {"allow": []}).status_code == 200
        env = {k: v for k, v in os.environ.items() if k != "VIGIL_SCAN_ALLOW"}
        worker = subprocess.Popen([VIGIL_BIN, "worker", "--database", srv.url, "--data-dir", srv.tmpdir],
                                  env=env, stderr=subprocess.DEVNULL)
        s = wait_done(api, sid)
        assert s["status"] == "failed", s
        assert "refused by the target policy" in s["error"]
        assert s["progress"]["requests_sent"] == 0
        # and a rerun is refused at once
        assert_problem(api.post(f"/api/v1/scans/{sid}/rerun"), 422, "TARGET_NOT_ALLOWED")
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=20)
        srv.stop()


@pytest.mark.parametrize("body,field", [
    ({"allow": ["not-a-network"]}, "allow"),
    ({"allow": ["10.0.0.0/33"]}, "allow"),
    ({"allow": "127.0.0.1/32"}, "allow"),
    ({"allow": [42]}, "allow"),
    ({"allow": ["127.0.0.1/32,10.0.0.0/8"]}, "allow"),
    ({"allow": ["10.%d.0.0/16" % i for i in range(64)]}, "allow"),  # 64 + the server's 1
    ({}, "allow"),
    ({"allow": [], "deny": []}, "deny"),
])
def test_bad_policy_bodies(admin, body, field):
    r = admin.put("/api/v1/settings/scan-policy", body)
    problem = assert_problem(r, 400, "VALIDATION_ERROR")
    assert field in [e["field"] for e in problem["errors"]], problem


def test_policy_is_admin_only(admin):
    tok = admin.post("/api/v1/tokens", {"name": "scanner", "scopes": ["scans:read",
                                                                      "scans:write"]})
    assert tok.status_code == 201, tok.text
    scanner = admin.with_token(tok.json()["data"]["token"])
    assert_problem(scanner.get("/api/v1/settings/scan-policy"), 403, "FORBIDDEN")
    assert_problem(scanner.put("/api/v1/settings/scan-policy", {"allow": ["127.0.0.1/32"]}),
                   403, "FORBIDDEN")
    assert admin.get("/api/v1/settings/scan-policy").json()["data"]["allow"] == []


def test_idempotency_key_on_create_makes_one_scan(tmp_path, fixture):
    srv = Server(str(tmp_path), extra_args=("--scan-workers", "0"),
                 env={"VIGIL_SCAN_ALLOW": "127.0.0.1/32"})
    try:
        api = Api(srv)
        key = str(uuid.uuid4())
        body = scan_body(fixture, auth={"type": "bearer", "token": "idem-secret-token"})
        r1 = api.post("/api/v1/scans", body, headers={"Idempotency-Key": key})
        r2 = api.post("/api/v1/scans", body, headers={"Idempotency-Key": key})
        assert r1.status_code == r2.status_code == 201, (r1.text, r2.text)
        assert r1.json()["data"]["scan_id"] == r2.json()["data"]["scan_id"]
        assert r2.headers.get("Idempotent-Replayed") == "true"
        assert api.get("/api/v1/scans").json()["meta"]["total"] == 1
        r3 = api.post("/api/v1/scans", body, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert r3.status_code == 201
        assert r3.json()["data"]["scan_id"] != r1.json()["data"]["scan_id"]
        assert api.get("/api/v1/scans").json()["meta"]["total"] == 2
        if not PG_ADMIN_URL:  # the SQLite file, read as bytes
            with open(srv.db, "rb") as f:
                assert b"idem-secret-token" not in f.read()
    finally:
        srv.stop()
