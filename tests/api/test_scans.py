# SPDX-License-Identifier: MIT
"""Scans as a service: POST /scans against the scan fixture on 127.0.0.1 (allowed explicitly by
VIGIL_SCAN_ALLOW), progress to completion, reports in every format, cancel, `vigil worker` as a
second process, the target policy at create, bad inputs, and cross-organization 404s."""

import base64
import importlib.util
import os
import re
import subprocess
import time

import pytest

from conftest import VIGIL_BIN, Api, Server, assert_problem

# tests/scan/conftest.py starts the scan fixture; loaded under another name than ours.
_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scan", "conftest.py")
_spec = importlib.util.spec_from_file_location("scan_conftest", _path)
scan_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scan_conftest)
Fixture, SPEC = scan_conftest.Fixture, scan_conftest.SPEC

ALLOW = {"VIGIL_SCAN_ALLOW": "127.0.0.1/32"}
FORMATS = {"json": "application/json", "sarif": "application/sarif+json",
           "markdown": "text/markdown", "html": "text/html", "junit": "application/xml"}


def spec_text():
    with open(SPEC, encoding="utf-8") as f:
        return f.read()


def scan_body(fixture, **extra):
    body = {"url": fixture.url, "spec": spec_text(),
            "options": {"checks": ["misconfig", "server_error"], "concurrency": 4,
                        "fail_on": "none"}}
    body.update(extra)
    return body


def wait_status(api, scan_id, statuses, limit=120):
    """Polls until the scan reaches one of `statuses` (bounded, not a timing assertion)."""
    deadline = time.time() + limit
    while True:
        s = api.get(f"/api/v1/scans/{scan_id}").json()["data"]
        if s["status"] in statuses:
            return s
        assert time.time() < deadline, f"scan stuck in {s['status']}: {s}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def fixture():
    f = Fixture()
    yield f
    f.stop()


@pytest.fixture(scope="module")
def allowed(tmp_path_factory):
    srv = Server(str(tmp_path_factory.mktemp("scans")), env=ALLOW)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def aapi(allowed):
    return Api(allowed)


def other_org(server):
    out = subprocess.run([VIGIL_BIN, "org", "create", "Scan Other", "--database",
                          server.url], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return Api(server, token=re.search(r"vgl_live_[A-Za-z0-9]{38}", out.stdout).group(0))


def test_create_poll_complete_and_reports(aapi, fixture):
    r = aapi.post("/api/v1/scans", scan_body(fixture))
    assert r.status_code == 201, r.text
    d = r.json()["data"]
    assert d["status"] == "queued"
    assert d["scan_id"].startswith("scan_")
    assert isinstance(d["estimated_duration_seconds"], int)
    assert r.headers["Location"] == f"/api/v1/scans/{d['scan_id']}"
    s = wait_status(aapi, d["scan_id"], ("complete", "failed"))
    assert s["status"] == "complete", s
    assert s["progress"]["requests_sent"] > 0
    assert s["progress"]["endpoints_discovered"] > 0
    assert s["started_at"] and s["completed_at"]
    assert s["exit_status"] == 0  # fail_on none
    assert set(s["summary"]) == {"critical", "high", "medium", "low", "info"}
    assert sum(s["summary"].values()) == s["progress"]["findings"]
    for fmt, ctype in FORMATS.items():
        rep = aapi.get(f"/api/v1/scans/{d['scan_id']}/report", params={"format": fmt})
        assert rep.status_code == 200, rep.text
        assert rep.headers["Content-Type"].startswith(ctype)
        same = aapi.get(f"/api/v1/reports/{d['scan_id']}", params={"format": fmt})
        assert same.content == rep.content
    report = aapi.get(f"/api/v1/scans/{d['scan_id']}/report").json()
    assert len(report["findings"]) == s["progress"]["findings"]
    bad = aapi.get(f"/api/v1/scans/{d['scan_id']}/report", params={"format": "pdf"})
    assert_problem(bad, 400, "VALIDATION_ERROR")
    # finished: cancel is a conflict
    assert_problem(aapi.delete(f"/api/v1/scans/{d['scan_id']}"), 409, "CONFLICT")


def test_spec_content_base64_and_fail_on_exit_status(aapi, fixture):
    body = scan_body(fixture, options={"checks": ["misconfig"], "fail_on": "info"})
    del body["spec"]
    body["spec_content"] = base64.b64encode(spec_text().encode()).decode()
    r = aapi.post("/api/v1/scans", body)
    assert r.status_code == 201, r.text
    s = wait_status(aapi, r.json()["data"]["scan_id"], ("complete", "failed"))
    assert s["status"] == "complete", s
    assert s["exit_status"] == (1 if s["progress"]["findings"] else 0)


@pytest.mark.parametrize("url,needle", [
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("http://10.0.0.1/", "private network"),
    ("http://[::1]:9/", "loopback"),
    ("file:///etc/passwd", "file://"),
    ("http://localhost:9/", "loopback"),
    ("http://0.0.0.0:9/", "unspecified"),
])
def test_denied_targets_refused_at_create(api, url, needle):
    # the session server has no allow list: 127.0.0.1 and every name for it are denied too
    r = api.post("/api/v1/scans", {"url": url, "spec": spec_text()})
    body = assert_problem(r, 422, "TARGET_NOT_ALLOWED")
    assert body["errors"][0]["field"] == "url"
    assert needle in body["errors"][0]["message"]


def test_target_alias_and_denied_spec_url(api):
    r = api.post("/api/v1/scans", {"target": "http://127.0.0.1:9/", "spec": spec_text()})
    assert assert_problem(r, 422, "TARGET_NOT_ALLOWED")["errors"][0]["field"] == "target"
    r = api.post("/api/v1/scans", {"url": "http://127.0.0.1:9/",
                                   "spec_url": "http://169.254.169.254/spec"})
    assert_problem(r, 422, "TARGET_NOT_ALLOWED")


def test_allowed_network_does_not_open_others(aapi, fixture):
    r = aapi.post("/api/v1/scans", scan_body(fixture, url="http://[::1]:%d/" % fixture.port))
    assert_problem(r, 422, "TARGET_NOT_ALLOWED")


@pytest.mark.parametrize("patch,field", [
    ({"url": None}, "url"),
    ({"url": "not a url"}, "url"),
    ({"spec": None}, "spec"),
    ({"spec_url": "http://127.0.0.1:9/x"}, "spec"),  # two specs
    ({"spec": "not: [an openapi document"}, "spec"),
    ({"spec": None, "spec_content": "%%%%"}, "spec_content"),
    ({"auth": {"type": "bearer"}}, "auth.token"),
    ({"auth": "bearer"}, "auth"),
    ({"options": {"concurrency": 0}}, "options.concurrency"),
    ({"options": {"timeout": "30"}}, "options.timeout"),
    ({"options": {"fail_on": "severe"}}, "options.fail_on"),
    ({"options": {"checks": ["nope"]}}, "options.checks"),
    ({"options": {"exclude": "/x"}}, "options.exclude"),
    ({"options": {"rate_limit": -1}}, "options.rate_limit"),
    ({"options": {"bogus": 1}}, "options.bogus"),
    ({"options": []}, "options"),
    ({"project_id": "proj_doesnotexist0000000000"}, "project_id"),
    ({"frameworks": "soc2"}, "frameworks"),
])
def test_bad_inputs(aapi, fixture, patch, field):
    body = scan_body(fixture)
    for k, v in patch.items():
        if v is None:
            body.pop(k, None)
        else:
            body[k] = v
    r = aapi.post("/api/v1/scans", body)
    problem = assert_problem(r, 400, "VALIDATION_ERROR")
    assert field in [e["field"] for e in problem["errors"]], problem
    assert "s3cret" not in r.text


def test_cancel_queued_scan(tmp_path, fixture):
    srv = Server(str(tmp_path), extra_args=("--scan-workers", "0"), env=ALLOW)
    try:
        api = Api(srv)
        sid = api.post("/api/v1/scans", scan_body(fixture)).json()["data"]["scan_id"]
        assert api.delete(f"/api/v1/scans/{sid}").status_code == 204
        s = api.get(f"/api/v1/scans/{sid}").json()["data"]
        assert s["status"] == "cancelled"
        assert_problem(api.delete(f"/api/v1/scans/{sid}"), 409, "CONFLICT")
        assert_problem(api.get(f"/api/v1/scans/{sid}/report"), 409, "CONFLICT")
    finally:
        srv.stop()


def test_cancel_running_scan_keeps_partial_results(aapi, fixture):
    body = scan_body(fixture, options={"concurrency": 1, "rate_limit": 20, "fail_on": "none"})
    sid = aapi.post("/api/v1/scans", body).json()["data"]["scan_id"]
    s = wait_status(aapi, sid, ("running", "complete", "failed"))
    assert s["status"] == "running", s
    assert aapi.delete(f"/api/v1/scans/{sid}").status_code == 204
    s = wait_status(aapi, sid, ("cancelled", "complete", "failed"))
    assert s["status"] == "cancelled", s
    rep = aapi.get(f"/api/v1/scans/{sid}/report").json()
    assert rep["scan"]["incomplete"] is True


def test_worker_process_runs_the_queue(tmp_path, fixture):
    srv = Server(str(tmp_path), extra_args=("--scan-workers", "0"), env=ALLOW)
    worker = None
    try:
        api = Api(srv)
        ids = [api.post("/api/v1/scans", scan_body(fixture, options={
            "checks": ["misconfig"], "fail_on": "none"})).json()["data"]["scan_id"]
            for _ in range(3)]
        assert all(api.get(f"/api/v1/scans/{i}").json()["data"]["status"] == "queued"
                   for i in ids)
        before = api.get("/api/v1/scans", params={"status": "complete"}).json()
        assert before["meta"]["total"] == 0
        env = dict(os.environ, **ALLOW)
        worker = subprocess.Popen([VIGIL_BIN, "worker", "--database", srv.url, "--data-dir", srv.tmpdir,
                                   "--workers", "2"], env=env, stderr=subprocess.PIPE, text=True)
        for i in ids:
            assert wait_status(api, i, ("complete", "failed"))["status"] == "complete"
        # the server's list sees the other process's writes (no stale cached totals)
        listed = api.get("/api/v1/scans", params={"status": "complete"}).json()
        assert listed["meta"]["total"] == 3
        assert sorted(s["scan_id"] for s in listed["data"]) == sorted(ids)
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=20)
        srv.stop()


def test_cross_organization_404_on_every_route(aapi, allowed, fixture):
    sid = aapi.post("/api/v1/scans", scan_body(fixture)).json()["data"]["scan_id"]
    wait_status(aapi, sid, ("complete", "failed"))
    other = other_org(allowed)
    for method, path in [("GET", f"/api/v1/scans/{sid}"), ("DELETE", f"/api/v1/scans/{sid}"),
                         ("GET", f"/api/v1/scans/{sid}/report"),
                         ("GET", f"/api/v1/reports/{sid}")]:
        assert_problem(other.request(method, path), 404, "NOT_FOUND")
    assert aapi.get(f"/api/v1/scans/{sid}").status_code == 200


def test_scopes(aapi, fixture):
    tok = aapi.post("/api/v1/tokens", {"name": "read only", "scopes": ["scans:read"]})
    reader = aapi.with_token(tok.json()["data"]["token"])
    assert_problem(reader.post("/api/v1/scans", scan_body(fixture)), 403, "FORBIDDEN")


def test_connect_time_policy_fails_the_scan(tmp_path, fixture):
    """The server allows 127.0.0.1 at create; a worker without that allowance refuses every
    connect to it (as it would after DNS rebinding): the scan fails with the reason."""
    srv = Server(str(tmp_path), extra_args=("--scan-workers", "0"), env=ALLOW)
    worker = None
    try:
        api = Api(srv)
        sid = api.post("/api/v1/scans", scan_body(fixture)).json()["data"]["scan_id"]
        env = {k: v for k, v in os.environ.items() if k != "VIGIL_SCAN_ALLOW"}
        worker = subprocess.Popen([VIGIL_BIN, "worker", "--database", srv.url, "--data-dir", srv.tmpdir],
                                  env=env, stderr=subprocess.DEVNULL)
        s = wait_status(api, sid, ("complete", "failed"))
        assert s["status"] == "failed", s
        assert "refused by the target policy" in s["error"]
        assert "127.0.0.1" in s["error"] and "loopback" in s["error"]
        assert s["progress"]["requests_sent"] == 0
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=20)
        srv.stop()


class Restarted(Server):
    """The same data directory started again: the first start's token still works."""

    def __init__(self, tmpdir, token, extra_args=(), env=None):
        self._token = token
        super().__init__(tmpdir, extra_args, env)

    def _read_token(self):
        return self._token


def test_kill_9_during_a_scan_reruns_it_after_restart(tmp_path, fixture):
    env = dict(ALLOW, VIGIL_SCAN_LEASE_SECONDS="2")
    srv = Server(str(tmp_path), env=env)
    api = Api(srv)
    body = scan_body(fixture, options={"concurrency": 1, "rate_limit": 50, "fail_on": "none",
                                       "checks": ["misconfig", "server_error", "injection"]})
    sid = api.post("/api/v1/scans", body).json()["data"]["scan_id"]
    deadline = time.time() + 60
    while True:
        s = api.get(f"/api/v1/scans/{sid}").json()["data"]
        if s["progress"]["requests_sent"] > 0:
            break
        assert time.time() < deadline
        time.sleep(0.05)
    assert s["status"] == "running", s
    srv.proc.kill()  # SIGKILL: no chance to put the job back
    srv.proc.wait()
    srv.log.close()
    again = Restarted(str(tmp_path), srv.token, env=env)
    try:
        api = Api(again)
        s = wait_status(api, sid, ("complete", "failed", "cancelled"), limit=180)
        assert s["status"] == "complete", s
        rep = api.get(f"/api/v1/scans/{sid}/report").json()
        assert rep["scan"]["incomplete"] is False  # rerun from the start, to the end
    finally:
        again.stop()


def test_list_filters_and_paging(tmp_path, fixture):
    srv = Server(str(tmp_path), extra_args=("--scan-workers", "0"), env=ALLOW)
    try:
        api = Api(srv)
        ids = [api.post("/api/v1/scans", scan_body(fixture)).json()["data"]["scan_id"]
               for _ in range(3)]
        assert api.delete(f"/api/v1/scans/{ids[0]}").status_code == 204
        r = api.get("/api/v1/scans", params={"per_page": 2})
        assert r.status_code == 200
        body = r.json()
        assert body["meta"]["total"] == 3 and len(body["data"]) == 2
        assert {s["scan_id"] for s in body["data"]} <= set(ids)
        queued = api.get("/api/v1/scans", params={"status": "queued"}).json()
        assert sorted(s["scan_id"] for s in queued["data"]) == sorted(ids[1:])
        cancelled = api.get("/api/v1/scans", params={"status": "cancelled"}).json()
        assert [s["scan_id"] for s in cancelled["data"]] == [ids[0]]
        assert_problem(api.get("/api/v1/scans", params={"status": "sleeping"}), 400,
                       "VALIDATION_ERROR")
        assert_problem(api.get("/api/v1/scans", params={"per_page": 0}), 400,
                       "VALIDATION_ERROR")
        assert other_org(srv).get("/api/v1/scans").json()["meta"]["total"] == 0
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def leaky_fixture():
    """The fixture with its misconfiguration and data-exposure flaws switched on."""
    f = Fixture(vulnerable="all")
    yield f
    f.stop()


def test_findings_land_in_the_project_once_per_fingerprint(aapi, leaky_fixture):
    """A scan with project_id writes its findings into the project; a rescan of the same target
    updates the ones it finds again (same id, new scan_id) instead of duplicating them, and
    closes as remediated the ones it no longer sees."""
    proj = aapi.post("/api/v1/projects", {"name": "scanned"}).json()["data"]["id"]
    runs = []
    for _ in range(2):
        r = aapi.post("/api/v1/scans", scan_body(
            leaky_fixture, project_id=proj,
            options={"checks": ["data_exposure", "undocumented", "misconfig"], "fail_on": "none"}))
        assert r.status_code == 201, r.text
        scan_id = r.json()["data"]["scan_id"]
        s = wait_status(aapi, scan_id, ("complete", "failed"))
        assert s["status"] == "complete", s
        assert s["progress"]["findings"] > 0
        page = aapi.get(f"/api/v1/projects/{proj}/findings", params={"per_page": 100}).json()
        runs.append((scan_id, s["progress"]["findings"], page))
    (first, n1, page1), (second, n2, page2) = runs
    assert page1["meta"]["total"] == n1
    assert {(f["scan_id"], f["status"]) for f in page1["data"]} == {(first, "open")}
    open2 = [f for f in page2["data"] if f["status"] == "open"]
    gone = [f for f in page2["data"] if f["status"] != "open"]
    assert len(open2) == n2 and {f["scan_id"] for f in open2} == {second}
    assert {(f["scan_id"], f["status"]) for f in gone} <= {(first, "remediated")}
    # Found again: the same finding, updated; never a second copy of it.
    again = {f["id"] for f in page1["data"]} & {f["id"] for f in open2}
    assert again
    assert page2["meta"]["total"] == n1 + n2 - len(again)


def test_cancel_while_the_target_hangs_is_a_cancel_not_a_failure(aapi):
    """A scan cancelled while its first requests to the target are still waiting for an answer
    ends as cancelled (no error, no report), not as a failure to reach the target."""
    import http.server
    import json
    import threading

    release = threading.Event()

    class Hang(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            release.wait(60)  # answers only once the test is over

        def log_message(self, *args):
            pass

    target = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hang)
    threading.Thread(target=target.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{target.server_address[1]}/"
        spec = json.dumps({"openapi": "3.0.3", "info": {"title": "hang", "version": "1"},
                           "paths": {"/items": {"get": {"responses": {"200": {"description": "ok"}}}}}})
        sid = aapi.post("/api/v1/scans", {"url": url, "spec": spec}).json()["data"]["scan_id"]
        s = wait_status(aapi, sid, ("running", "complete", "failed"))
        assert s["status"] == "running", s
        assert aapi.delete(f"/api/v1/scans/{sid}").status_code == 204
        s = wait_status(aapi, sid, ("cancelled", "complete", "failed"))
        assert s["status"] == "cancelled" and s["error"] is None, s
    finally:
        release.set()
        target.shutdown()
