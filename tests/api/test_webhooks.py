# SPDX-License-Identifier: MIT
"""Webhooks (issue 9): endpoints, the event outbox, Standard Webhooks signatures, retries on the
server's test clock, 410 and 5-day deactivation, redelivery, secret rotation, rollback, crash
recovery, tenancy and the target policy. A receiver thread on 127.0.0.1 verifies every
signature and answers per path; tests wait by polling it or the delivery log, never by fixed
sleeps, and move the server's clock forward instead of waiting for a retry."""
import base64
import hashlib
import hmac
import http.server
import os
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import Api, Server, VIGIL_BIN, assert_problem

ALLOW = {"VIGIL_SCAN_ALLOW": "127.0.0.1", "VIGIL_WEBHOOK_TIMEOUT_MS": "1000"}
RETRY_DELAYS = [5, 300, 1800, 7200, 18000, 36000, 36000]


def sign(secret, msg_id, ts, body):
    key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class Receiver:
    """An HTTP receiver on 127.0.0.1. The path picks the answer: /ok 200, /fail 500,
    /gone 410, /moved 301, /hang (answers only when the receiver closes), /close (drops the
    connection), /switch (self.switch_status, changeable by the test)."""

    def __init__(self):
        self.requests = []
        self.cond = threading.Condition()
        self.switch_status = 500
        self.closing = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                path = self.path
                with receiver.cond:
                    receiver.requests.append({"path": path, "headers": dict(self.headers),
                                              "body": body})
                    receiver.cond.notify_all()
                if path.startswith("/close"):
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if path.startswith("/hang"):
                    # No answer until the test is over, so the server's timeout
                    # (VIGIL_WEBHOOK_TIMEOUT_MS, 1 s) ends the delivery however slow the
                    # machine is; the bound only stops a hung handler outliving the run.
                    receiver.closing.wait(timeout=120)
                status = {"/ok": 200, "/fail": 500, "/gone": 410, "/moved": 301,
                          "/hang": 200}.get(path.split("?")[0], None)
                if status is None:
                    status = receiver.switch_status if path.startswith("/switch") else 404
                answer = b"received " + path.encode() + b" " + b"x" * 5000
                self.send_response(status)
                if status == 301:
                    self.send_header("Location", "/ok")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait(self, pred, timeout=20, what="requests"):
        """Waits until pred(requests) is true; returns the requests."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred(self.requests):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"receiver: timed out waiting for {what}; got "
                                         f"{[r['path'] for r in self.requests]}")
                self.cond.wait(left)
            return list(self.requests)

    def on(self, path):
        with self.cond:
            return [r for r in self.requests if r["path"] == path]

    def close(self):
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class Restarted(Server):
    """The server again on an existing database: it prints no token this time."""

    def __init__(self, tmpdir, token, extra_args=(), env=None):
        self.known_token = token
        super().__init__(tmpdir, extra_args=extra_args, env=env)

    def _read_token(self):
        return self.known_token


def verify(req, secret):
    h = {k.lower(): v for k, v in req["headers"].items()}
    want = sign(secret, h["webhook-id"], h["webhook-timestamp"], req["body"])
    return want in h["webhook-signature"].split(" ")


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def hook_server(tmp_path):
    srv = Server(str(tmp_path), env=ALLOW)
    yield srv
    srv.stop()


def wait_delivery(api, hook_id, pred, timeout=20, what="delivery"):
    """Polls the delivery log until pred(deliveries) holds."""
    deadline = time.monotonic() + timeout
    while True:
        r = api.get(f"/api/v1/webhooks/{hook_id}/deliveries", params={"per_page": 100})
        assert r.status_code == 200, r.text
        items = r.json()["data"]
        if pred(items):
            return items
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {items}")
        time.sleep(0.05)


def make_hook(api, url, events=("finding.created",), **extra):
    r = api.post("/api/v1/webhooks", {"url": url, "events": list(events), **extra})
    assert r.status_code == 201, r.text
    return r.json()["data"]


def project(api, name="hooks"):
    r = api.post("/api/v1/projects", {"name": name})
    assert r.status_code == 201, r.text
    return r.json()["data"]


def finding(api, project_id, title="SQL injection"):
    r = api.post("/api/v1/findings", {"project_id": project_id, "title": title,
                                      "severity": "high"})
    assert r.status_code == 201, r.text
    return r.json()["data"]


# ---- endpoints ------------------------------------------------------------------------------


def test_create_shows_a_generated_secret_once(hook_server, receiver):
    api = Api(hook_server)
    hook = make_hook(api, receiver.url("/ok"), ["finding.created", "project.created"],
                     description="CI")
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", hook["secret"])
    assert len(base64.b64decode(hook["secret"][6:])) == 32
    assert hook["active"] is True and hook["id"].startswith("wh_")
    got = api.get(f"/api/v1/webhooks/{hook['id']}").json()["data"]
    assert "secret" not in got and got["description"] == "CI"
    listed = api.get("/api/v1/webhooks").json()
    assert [h["id"] for h in listed["data"]] == [hook["id"]] and "secret" not in listed["data"][0]
    assert listed["meta"]["total"] == 1
    # A secret given by the user is kept (seed 003's plain string works too).
    mine = make_hook(api, receiver.url("/ok"), secret="your-webhook-secret-0123")
    assert mine["secret"] == "your-webhook-secret-0123"
    p = api.patch(f"/api/v1/webhooks/{mine['id']}", {"events": ["*"], "description": None})
    assert p.status_code == 200 and p.json()["data"]["events"] == ["*"]
    assert api.delete(f"/api/v1/webhooks/{mine['id']}").status_code == 204
    assert_problem(api.get(f"/api/v1/webhooks/{mine['id']}"), 404, "NOT_FOUND")


@pytest.mark.parametrize("body,field", [
    ({"events": ["finding.created"]}, "url"),
    ({"url": "ftp://127.0.0.1/x", "events": ["finding.created"]}, "url"),
    ({"url": "not a url", "events": ["finding.created"]}, "url"),
    ({"url": 7, "events": ["finding.created"]}, "url"),
    ({"url": "http://127.0.0.1/x"}, "events"),
    ({"url": "http://127.0.0.1/x", "events": []}, "events"),
    ({"url": "http://127.0.0.1/x", "events": ["finding.created", "finding.exploded"]}, "events[1]"),
    ({"url": "http://127.0.0.1/x", "events": "finding.created"}, "events"),
    ({"url": "http://127.0.0.1/x", "events": ["*"], "secret": "short"}, "secret"),
    ({"url": "http://127.0.0.1/x", "events": ["*"], "secret": "whsec_%%%%"}, "secret"),
    ({"url": "http://127.0.0.1/x", "events": ["*"], "active": "yes"}, "active"),
    ({"url": "http://127.0.0.1/x", "events": ["*"], "colour": "red"}, "colour"),
    ({"url": "http://127.0.0.1/x", "events": ["*"], "id": "wh_x"}, "id"),
])
def test_bad_input_is_400_naming_the_field(hook_server, body, field):
    api = Api(hook_server)
    b = assert_problem(api.post("/api/v1/webhooks", body), 400, "VALIDATION_ERROR")
    assert field in [e["field"] for e in b["errors"]], b


def test_patch_refuses_the_secret_and_bad_events(hook_server, receiver):
    api = Api(hook_server)
    hook = make_hook(api, receiver.url("/ok"))
    b = assert_problem(api.patch(f"/api/v1/webhooks/{hook['id']}", {"secret": "x" * 40}), 400,
                       "VALIDATION_ERROR")
    assert b["errors"][0]["field"] == "secret"
    b = assert_problem(api.patch(f"/api/v1/webhooks/{hook['id']}", {"events": ["nope"]}), 400,
                       "VALIDATION_ERROR")
    assert b["errors"][0]["field"] == "events[0]"
    b = assert_problem(api.patch(f"/api/v1/webhooks/{hook['id']}", {"url": "http://10.1.2.3/"}),
                       422, "TARGET_NOT_ALLOWED")
    assert b["errors"][0]["field"] == "url"


@pytest.mark.parametrize("url", ["http://10.0.0.1/hook", "http://169.254.169.254/latest",
                                 "http://[::1]:9/x", "http://192.168.1.1/"])
def test_denied_networks_are_422_at_create(fresh_server, url):
    # fresh_server has no VIGIL_SCAN_ALLOW: loopback is denied too.
    api = Api(fresh_server)
    b = assert_problem(api.post("/api/v1/webhooks", {"url": url, "events": ["*"]}), 422,
                       "TARGET_NOT_ALLOWED")
    assert b["errors"][0]["field"] == "url"


def test_scopes_are_webhooks_read_and_write(hook_server, receiver):
    api = Api(hook_server)
    hook = make_hook(api, receiver.url("/ok"))
    reader = api.post("/api/v1/tokens", {"name": "r", "scopes": ["webhooks:read"]}).json()["data"]
    other = api.post("/api/v1/tokens", {"name": "o", "scopes": ["findings:read"]}).json()["data"]
    r = api.with_token(reader["token"])
    assert r.get(f"/api/v1/webhooks/{hook['id']}").status_code == 200
    assert r.get(f"/api/v1/webhooks/{hook['id']}/deliveries").status_code == 200
    assert_problem(r.post("/api/v1/webhooks", {"url": receiver.url("/ok"), "events": ["*"]}),
                   403, "FORBIDDEN")
    assert_problem(r.post(f"/api/v1/webhooks/{hook['id']}/test"), 403, "FORBIDDEN")
    assert_problem(r.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret"), 403, "FORBIDDEN")
    assert_problem(api.with_token(other["token"]).get("/api/v1/webhooks"), 403, "FORBIDDEN")


def test_other_organizations_get_404(hook_server, receiver):
    api = Api(hook_server)
    hook = make_hook(api, receiver.url("/ok"), ["*"])
    api.post(f"/api/v1/webhooks/{hook['id']}/test")
    dlv = wait_delivery(api, hook["id"], lambda d: d and d[0]["status"] == "succeeded")[0]
    out = subprocess.run([VIGIL_BIN, "org", "create", "Other", "--database",
                          hook_server.url], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    other = Api(hook_server, token=re.search(r"vgl_live_[A-Za-z0-9]{38}", out.stdout).group(0))
    fake = "wh_" + "Z" * 20
    for wid in (hook["id"], fake):
        assert_problem(other.get(f"/api/v1/webhooks/{wid}"), 404, "NOT_FOUND")
        assert_problem(other.patch(f"/api/v1/webhooks/{wid}", {"active": False}), 404,
                       "NOT_FOUND")
        assert_problem(other.get(f"/api/v1/webhooks/{wid}/deliveries"), 404, "NOT_FOUND")
        assert_problem(other.post(f"/api/v1/webhooks/{wid}/test"), 404, "NOT_FOUND")
        assert_problem(other.post(f"/api/v1/webhooks/{wid}/rotate-secret"), 404, "NOT_FOUND")
        assert_problem(other.post(f"/api/v1/webhooks/{wid}/deliveries/{dlv['id']}/redeliver"),
                       404, "NOT_FOUND")
        assert_problem(other.delete(f"/api/v1/webhooks/{wid}"), 404, "NOT_FOUND")
    assert other.get("/api/v1/webhooks").json()["data"] == []
    # The other organization's own writes never reach this organization's endpoint.
    n = len(receiver.requests)
    p = other.post("/api/v1/projects", {"name": "theirs"}).json()["data"]
    other.post("/api/v1/findings", {"project_id": p["id"], "title": "theirs", "severity": "low"})
    mine = project(api, "mine")
    receiver.wait(lambda rs: any(b'"project.created"' in r["body"] and mine["id"].encode()
                                 in r["body"] for r in rs), what="my project.created")
    assert not any(p["id"].encode() in r["body"] for r in receiver.requests[n:])
    assert api.get(f"/api/v1/webhooks/{hook['id']}").status_code == 200


# ---- deliveries -----------------------------------------------------------------------------


def test_events_are_signed_standard_webhooks(hook_server, receiver):
    api = Api(hook_server)
    hook = make_hook(api, receiver.url("/ok"), ["finding.created", "finding.updated",
                                                "finding.deleted", "project.created"])
    p = project(api)
    f = finding(api, p["id"])
    api.patch(f"/api/v1/findings/{f['id']}", {"status": "confirmed"})
    api.delete(f"/api/v1/findings/{f['id']}")
    reqs = receiver.wait(lambda rs: len(rs) >= 4, what="4 events")
    import json
    by_event = {}
    for r in reqs:
        h = {k.lower(): v for k, v in r["headers"].items()}
        assert verify(r, hook["secret"]), r["headers"]
        assert re.fullmatch(r"v1,[A-Za-z0-9+/]{43}=", h["webhook-signature"])
        assert h["content-type"] == "application/json"
        assert h["user-agent"].startswith("vigil/")
        assert h["webhook-id"].startswith("msg_")
        assert abs(int(h["webhook-timestamp"]) - time.time()) < 300
        body = json.loads(r["body"])
        assert set(body) == {"event", "timestamp", "data"}
        by_event[body["event"]] = body
    assert by_event["project.created"]["data"] == api.get(f"/api/v1/projects/{p['id']}").json()["data"]
    assert by_event["finding.created"]["data"]["id"] == f["id"]
    assert by_event["finding.created"]["data"]["status"] == "open"
    assert by_event["finding.updated"]["data"]["status"] == "confirmed"
    assert by_event["finding.deleted"]["data"] == {"id": f["id"]}
    log = wait_delivery(api, hook["id"], lambda d: len(d) == 4 and
                        all(x["status"] == "succeeded" for x in d))
    for d in log:
        assert d["attempt_count"] == 1 and len(d["attempts"]) == 1
        a = d["attempts"][0]
        assert a["status_code"] == 200 and a["error"] is None
        assert a["response"].startswith("received /ok") and len(a["response"]) == 4096
        assert a["latency_ms"] >= 0 and d["next_attempt_at"] is None
    # Filters and paging, as every list.
    only = api.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                   params={"event": "finding.deleted"}).json()
    assert [d["event"] for d in only["data"]] == ["finding.deleted"] and only["meta"]["total"] == 1
    page = api.get(f"/api/v1/webhooks/{hook['id']}/deliveries", params={"per_page": 3, "page": 2})
    assert len(page.json()["data"]) == 1 and 'rel="prev"' in page.headers["Link"]
    assert api.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                   params={"status": "failed"}).json()["data"] == []
    b = assert_problem(api.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                               params={"status": "lost"}), 400, "VALIDATION_ERROR")
    assert b["errors"][0]["field"] == "status"
    b = assert_problem(api.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                               params={"webhook_id": hook["id"]}), 400, "VALIDATION_ERROR")
    assert b["errors"][0]["field"] == "webhook_id"
    b = assert_problem(api.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                               params={"per_page": 101}), 400, "VALIDATION_ERROR")
    assert b["errors"][0]["field"] == "per_page"


def test_unsubscribed_and_inactive_endpoints_get_nothing(hook_server, receiver):
    api = Api(hook_server)
    quiet = make_hook(api, receiver.url("/ok?quiet"), ["scan.failed"])
    off = make_hook(api, receiver.url("/ok?off"), ["*"], active=False)
    loud = make_hook(api, receiver.url("/ok?loud"), ["project.created"])
    project(api)
    receiver.wait(lambda rs: any(r["path"] == "/ok?loud" for r in rs))
    # The three endpoints were served in one dispatch: nothing else can arrive later.
    assert {r["path"] for r in receiver.requests} == {"/ok?loud"}
    for h in (quiet, off):
        assert api.get(f"/api/v1/webhooks/{h['id']}/deliveries").json()["data"] == []
    assert_problem(api.post(f"/api/v1/webhooks/{off['id']}/test"), 409, "CONFLICT")
    assert api.get(f"/api/v1/webhooks/{loud['id']}/deliveries").json()["meta"]["total"] == 1


def test_a_rolled_back_write_sends_nothing(hook_server, receiver):
    api = Api(hook_server)
    hook = make_hook(api, receiver.url("/ok"), ["finding.created", "project.created"])
    p = project(api)
    r = api.post("/api/v1/findings", {"project_id": p["id"], "title": "rolled back",
                                      "severity": "low"},
                 headers={"X-Vigil-Test-Fail-Commit": "1"})
    assert_problem(r, 500, "INTERNAL")
    assert api.get("/api/v1/findings", params={"project_id": p["id"]}).json()["data"] == []
    # A committed write after it: once its event is in, the rolled-back one would have been too.
    finding(api, p["id"], "kept")
    receiver.wait(lambda rs: any(b"kept" in r["body"] for r in rs))
    assert not any(b"rolled back" in r["body"] for r in receiver.requests)
    log = wait_delivery(api, hook["id"], lambda d: len(d) == 2 and
                        all(x["status"] == "succeeded" for x in d))
    assert sorted(d["event"] for d in log) == ["finding.created", "project.created"]


@pytest.mark.parametrize("path,code,error", [
    ("/fail", 500, "answered 500"),
    ("/moved", 301, "answered 301: redirects are not followed"),
    ("/hang", None, "no answer within 1000 ms"),
    ("/close", None, None),
])
def test_every_failure_is_logged_and_retried(hook_server, receiver, path, code, error):
    api = Api(hook_server)
    hook = make_hook(api, receiver.url(path), ["project.created"])
    project(api)
    d = wait_delivery(api, hook["id"], lambda d: d and d[0]["attempt_count"] == 1)[0]
    a = d["attempts"][0]
    assert d["status"] == "pending"
    assert a["status_code"] == code
    if error:
        assert a["error"] == error
    else:
        assert a["error"]  # the transport's own words for a dropped connection
    if path == "/moved":
        assert receiver.on("/ok") == []  # the redirect was not followed
        assert a["response"].startswith("received /moved")
    # The first retry waits 5 s plus at most 10 % jitter.
    at = time_of(a["at"])
    assert 5 <= time_of(d["next_attempt_at"]) - at <= 5.5 + 1
    # A delivery waiting for its retry is not redelivered by hand.
    assert_problem(api.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{d['id']}/redeliver"),
                   409, "CONFLICT")


def time_of(ts):
    import datetime
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def advance(api, seconds):
    """Moves the server's clock forward (test hook); due retries then run at once."""
    assert api.get("/api/v1/webhooks",
                   headers={"X-Vigil-Test-Clock-Advance": str(int(seconds))}).status_code == 200


def test_retry_schedule_then_failed(hook_server, receiver):
    api = Api(hook_server)
    hook = make_hook(api, receiver.url("/fail"), ["project.created"])
    project(api)
    for n, delay in enumerate(RETRY_DELAYS, start=1):
        d = wait_delivery(api, hook["id"], lambda d: d and d[0]["attempt_count"] == n,
                          what=f"attempt {n}")[0]
        assert d["status"] == "pending"
        gap = time_of(d["next_attempt_at"]) - time_of(d["attempts"][-1]["at"])
        assert delay <= gap <= delay + delay / 10 + 1, (n, gap)
        advance(api, gap + 1)
    d = wait_delivery(api, hook["id"], lambda d: d and d[0]["status"] == "failed")[0]
    assert d["attempt_count"] == 8 and [a["attempt"] for a in d["attempts"]] == list(range(1, 9))
    assert d["next_attempt_at"] is None
    assert all(a["status_code"] == 500 for a in d["attempts"])
    assert len(receiver.on("/fail")) == 8
    ids = {r["headers"]["webhook-id"] for r in receiver.on("/fail")}
    assert ids == {d["message_id"]}  # stable across retries
    assert all(verify(r, hook["secret"]) for r in receiver.on("/fail"))
    # 1.3 days of failing is not 5: the endpoint stays on.
    assert api.get(f"/api/v1/webhooks/{hook['id']}").json()["data"]["active"] is True


def test_a_410_disables_the_endpoint(hook_server, receiver):
    api = Api(hook_server)
    hook = make_hook(api, receiver.url("/gone"), ["project.created"])
    project(api)
    d = wait_delivery(api, hook["id"], lambda d: d and d[0]["status"] == "failed")[0]
    assert d["attempts"][0]["status_code"] == 410 and d["next_attempt_at"] is None
    h = api.get(f"/api/v1/webhooks/{hook['id']}").json()["data"]
    assert h["active"] is False and "410" in h["disabled_reason"]
    project(api, "after")  # not subscribed any more: nothing is queued
    assert api.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["meta"]["total"] == 1
    ev = api.get("/api/v1/audit-events", params={"action": "webhooks.disable"}).json()["data"]
    assert [e["target"] for e in ev] == [hook["id"]]
    # Switched on again by a person: the reason is cleared.
    h = api.patch(f"/api/v1/webhooks/{hook['id']}", {"active": True}).json()["data"]
    assert h["active"] is True and h["disabled_reason"] is None and h["failing_since"] is None


def test_failing_for_five_days_disables_with_an_audit_event(hook_server, receiver):
    api = Api(hook_server)
    hook = make_hook(api, receiver.url("/fail"), ["project.created"])
    project(api)
    wait_delivery(api, hook["id"], lambda d: d and d[0]["attempt_count"] == 1)
    assert api.get(f"/api/v1/webhooks/{hook['id']}").json()["data"]["failing_since"]
    advance(api, 5 * 86400 + 10)
    d = wait_delivery(api, hook["id"], lambda d: d and d[0]["status"] == "failed")[0]
    assert d["attempt_count"] == 2
    h = api.get(f"/api/v1/webhooks/{hook['id']}").json()["data"]
    assert h["active"] is False and "5 days" in h["disabled_reason"]
    ev = api.get("/api/v1/audit-events", params={"action": "webhooks.disable"}).json()["data"]
    assert [e["target"] for e in ev] == [hook["id"]]


def test_redelivery_and_ping(hook_server, receiver):
    api = Api(hook_server)
    hook = make_hook(api, receiver.url("/switch"), ["project.created"])
    receiver.switch_status = 410
    project(api)
    d = wait_delivery(api, hook["id"], lambda d: d and d[0]["status"] == "failed")[0]
    assert_problem(api.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{d['id']}/redeliver"),
                   409, "CONFLICT")  # the 410 switched the endpoint off
    api.patch(f"/api/v1/webhooks/{hook['id']}", {"active": True})
    receiver.switch_status = 204
    r = api.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{d['id']}/redeliver")
    assert r.status_code == 202 and r.json()["data"]["status"] == "pending"
    d2 = wait_delivery(api, hook["id"], lambda d: d and d[0]["status"] == "succeeded")[0]
    assert d2["id"] == d["id"] and d2["attempt_count"] == 2
    assert [a["status_code"] for a in d2["attempts"]] == [410, 204]
    sent = receiver.on("/switch")
    assert len(sent) == 2 and sent[0]["headers"]["webhook-id"] == sent[1]["headers"]["webhook-id"]
    assert sent[0]["body"] == sent[1]["body"]
    for bad in ("dlv_" + "Z" * 20, "nope"):
        assert_problem(api.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{bad}/redeliver"),
                       404, "NOT_FOUND")
    # A ping goes to this endpoint whatever it subscribes to.
    r = api.post(f"/api/v1/webhooks/{hook['id']}/test")
    assert r.status_code == 202 and r.json()["data"]["event"] == "ping"
    got = receiver.wait(lambda rs: any(b'"ping"' in x["body"] for x in rs))
    ping = [x for x in got if b'"ping"' in x["body"]][0]
    assert verify(ping, hook["secret"]) and hook["id"].encode() in ping["body"]
    other = make_hook(api, receiver.url("/ok"))
    dlv_other = api.post(f"/api/v1/webhooks/{other['id']}/test").json()["data"]
    # A delivery of another endpoint is not found under this one.
    assert_problem(api.post(
        f"/api/v1/webhooks/{hook['id']}/deliveries/{dlv_other['id']}/redeliver"), 404, "NOT_FOUND")


def test_rotation_signs_with_both_secrets_for_24_hours(hook_server, receiver):
    api = Api(hook_server)
    hook = make_hook(api, receiver.url("/ok"), ["project.created"])
    r = api.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret")
    assert r.status_code == 200
    rotated = r.json()["data"]
    new = rotated["secret"]
    assert new != hook["secret"] and new.startswith("whsec_")
    # Measured on the server's own clock (the rotation's updated_at), not this machine's: the
    # old secret stays valid for a day from the rotation, give or take the second it took.
    overlap = time_of(rotated["previous_secret_expires_at"]) - time_of(rotated["updated_at"])
    assert 24 * 3600 - 5 <= overlap <= 24 * 3600
    assert "secret" not in api.get(f"/api/v1/webhooks/{hook['id']}").json()["data"]
    project(api, "during")
    req = receiver.wait(lambda rs: len(rs) >= 1)[0]
    sigs = req["headers"]["webhook-signature"].split(" ")
    assert len(sigs) == 2 and all(s.startswith("v1,") for s in sigs)
    h = {k.lower(): v for k, v in req["headers"].items()}
    assert sigs[0] == sign(new, h["webhook-id"], h["webhook-timestamp"], req["body"])
    assert sigs[1] == sign(hook["secret"], h["webhook-id"], h["webhook-timestamp"], req["body"])
    advance(api, 24 * 3600 + 5)
    project(api, "after")
    req = receiver.wait(lambda rs: len(rs) >= 2)[1]
    sigs = req["headers"]["webhook-signature"].split(" ")
    assert len(sigs) == 1 and verify(req, new) and not verify(req, hook["secret"])


def test_connect_time_policy_refuses_a_denied_address(tmp_path, receiver):
    # Created while 127.0.0.1 was allowed; the server restarts without the allowance, so the
    # delivery's connection is refused by the per-socket check before anything is sent.
    srv = Server(str(tmp_path), env=ALLOW, extra_args=("--webhook-workers", "0"))
    api = Api(srv)
    hook = make_hook(api, receiver.url("/ok"), ["project.created"])
    project(api)
    srv.stop()
    srv2 = Restarted(str(tmp_path), srv.token, env={"VIGIL_WEBHOOK_TIMEOUT_MS": "1000"})
    try:
        api2 = Api(srv2, token=srv.token)
        d = wait_delivery(api2, hook["id"], lambda d: d and d[0]["attempt_count"] == 1)[0]
        a = d["attempts"][0]
        assert a["status_code"] is None and "refused by the target policy" in a["error"]
        assert "loopback" in a["error"]
        assert receiver.requests == []
    finally:
        srv2.stop()


def test_kill_9_with_pending_deliveries_loses_none(tmp_path, receiver):
    srv = Server(str(tmp_path), env=ALLOW, extra_args=("--webhook-workers", "0"))
    api = Api(srv)
    hook = make_hook(api, receiver.url("/ok"), ["finding.created", "project.created"])
    p = project(api)
    ids = [finding(api, p["id"], f"pending {i}")["id"] for i in range(20)]
    # No webhook worker ran: the 21 events wait in the outbox when the server is killed.
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait()
    srv.log.close()
    srv2 = Restarted(str(tmp_path), srv.token, env=ALLOW)
    try:
        got = receiver.wait(lambda rs: all(any(i.encode() in r["body"] for r in rs) for i in ids),
                            what="all 20 findings after restart")
        assert all(verify(r, hook["secret"]) for r in got)
        api2 = Api(srv2, token=srv.token)
        log = wait_delivery(api2, hook["id"], lambda d: len(d) == 21 and
                            all(x["status"] == "succeeded" for x in d))
        assert len({d["message_id"] for d in log}) == 21
    finally:
        srv2.stop()


def test_vigil_worker_delivers_from_the_shared_database(tmp_path, receiver):
    srv = Server(str(tmp_path), env=ALLOW, extra_args=("--webhook-workers", "0"))
    try:
        api = Api(srv)
        make_hook(api, receiver.url("/ok"), ["project.created"])
        p = project(api, "via worker")
        env = dict(os.environ, **ALLOW)
        worker = subprocess.Popen([VIGIL_BIN, "worker", "--database", srv.url, "--data-dir", srv.tmpdir,
                                   "--workers", "1", "--webhook-workers", "1"],
                                  env=env, stderr=subprocess.DEVNULL)
        try:
            receiver.wait(lambda rs: any(p["id"].encode() in r["body"] for r in rs))
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=20) == 0
    finally:
        srv.stop()


def test_scan_completed_and_failed_events(hook_server, receiver):
    import importlib.util
    import json
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scan", "conftest.py")
    spec = importlib.util.spec_from_file_location("scan_conftest_hooks", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fixture = mod.Fixture()
    try:
        api = Api(hook_server)
        hook = make_hook(api, receiver.url("/ok"), ["scan.completed", "scan.failed"])
        with open(mod.SPEC, encoding="utf-8") as f:
            text = f.read()
        ok = api.post("/api/v1/scans", {"url": fixture.url, "spec": text,
                                        "options": {"checks": ["misconfig"], "fail_on": "none"}})
        assert ok.status_code == 201, ok.text
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        closed.close()  # nothing listens there: the spec cannot be fetched
        bad = api.post("/api/v1/scans", {"url": fixture.url,
                                         "spec_url": f"http://127.0.0.1:{port}/openapi.yaml"})
        assert bad.status_code == 201, bad.text
        ok_id, bad_id = ok.json()["data"]["scan_id"], bad.json()["data"]["scan_id"]
        got = receiver.wait(lambda rs: len(rs) >= 2, timeout=120, what="two scan events")
        bodies = {json.loads(r["body"])["data"]["scan_id"]: json.loads(r["body"]) for r in got}
        assert all(verify(r, hook["secret"]) for r in got)
        assert bodies[ok_id]["event"] == "scan.completed"
        assert bodies[ok_id]["data"] == api.get(f"/api/v1/scans/{ok_id}").json()["data"]
        assert bodies[bad_id]["event"] == "scan.failed"
        assert bodies[bad_id]["data"]["status"] == "failed" and bodies[bad_id]["data"]["error"]
    finally:
        fixture.stop()


def test_vulnerability_found_fires_for_what_a_scan_brings_in(hook_server, receiver):
    """vulnerability.found: each finding a completed scan adds to its project (or reopens), as
    the finding's GET shows it; a finding written by hand does not fire it."""
    import importlib.util
    import json
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scan", "conftest.py")
    spec = importlib.util.spec_from_file_location("scan_conftest_vuln", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fixture = mod.Fixture(vulnerable="all")  # its misconfiguration flaws switched on
    try:
        api = Api(hook_server)
        hook = make_hook(api, receiver.url("/ok?vuln"), ["vulnerability.found"])
        proj = project(api, "vuln-found")
        by_hand = api.post("/api/v1/findings", {"project_id": proj["id"], "title": "typed in",
                                                "severity": "high"})
        assert by_hand.status_code == 201, by_hand.text
        with open(mod.SPEC, encoding="utf-8") as f:
            text = f.read()
        r = api.post("/api/v1/scans", {"url": fixture.url, "spec": text, "project_id": proj["id"],
                                       "options": {"checks": ["misconfig"], "fail_on": "none"}})
        assert r.status_code == 201, r.text
        scan_id = r.json()["data"]["scan_id"]
        deadline = time.monotonic() + 120
        while api.get(f"/api/v1/scans/{scan_id}").json()["data"]["status"] != "complete":
            assert time.monotonic() < deadline, "scan did not complete"
            time.sleep(0.1)
        landed = api.get(f"/api/v1/projects/{proj['id']}/findings",
                         params={"per_page": 100}).json()["data"]
        from_scan = {f["id"] for f in landed if f["id"] != by_hand.json()["data"]["id"]}
        assert from_scan, "the misconfig check finds something in the fixture"
        got = receiver.wait(lambda rs: len([x for x in rs if x["path"] == "/ok?vuln"]) >= len(from_scan),
                            timeout=60, what="vulnerability.found events")
        events = [json.loads(x["body"]) for x in got if x["path"] == "/ok?vuln"]
        assert all(verify(x, hook["secret"]) for x in got if x["path"] == "/ok?vuln")
        assert {e["event"] for e in events} == {"vulnerability.found"}
        assert {e["data"]["id"] for e in events} == from_scan
        for e in events:  # the finding as its GET shows it
            now = api.get(f"/api/v1/findings/{e['data']['id']}").json()["data"]
            assert {k: e["data"][k] for k in ("title", "severity", "project_id", "fingerprint")} == \
                {k: now[k] for k in ("title", "severity", "project_id", "fingerprint")}
    finally:
        fixture.stop()


def test_report_generated_carries_the_report_as_its_get_shows_it(hook_server, receiver):
    import json
    api = Api(hook_server)
    hook = make_hook(api, receiver.url("/ok?report"), ["report.generated"])
    proj = project(api, "reported")
    r = api.post(f"/api/v1/projects/{proj['id']}/reports", {"format": "markdown"})
    assert r.status_code == 202, r.text
    rid = r.json()["data"]["id"]
    got = receiver.wait(lambda rs: any(x["path"] == "/ok?report" for x in rs), timeout=60,
                        what="report.generated")
    sent = [x for x in got if x["path"] == "/ok?report"]
    assert len(sent) == 1 and verify(sent[0], hook["secret"])
    body = json.loads(sent[0]["body"])
    assert body["event"] == "report.generated"
    assert body["data"] == api.get(f"/api/v1/reports/{rid}").json()["data"]
    assert body["data"]["status"] == "ready"
