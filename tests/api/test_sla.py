# SPDX-License-Identifier: MIT
"""Issue 11: SLAs and risk acceptance. GET/PUT /settings/sla, the sla_due_at, sla_breached and
acceptance members of every finding, the sla_breached list filter, POST /findings/{id}/accept
and the reopening of a finding once its acceptance expires. Time moves only through the test
clock (X-Vigil-Test-Clock-Advance), never by sleeping; the clock is per process, so the module
runs a one-process server of its own and reads the server's time back from its answers."""

import datetime
import os
import re
import subprocess
import uuid

import pytest

from conftest import PG_ADMIN_URL, SOURCE_DIR, VIGIL_BIN, Api, Server, assert_problem

DAY = 86400
SAMPLES = os.path.join(SOURCE_DIR, "tests", "import", "samples")
DEFAULTS = {"critical": 7, "high": 30, "medium": 90, "low": 180}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(str(tmp_path_factory.mktemp("sla")), processes=1)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def api(server):
    return Api(server)


def ts(text):
    return int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def advance(api, seconds):
    """Moves the server's clock forward; returns the server's time after the move."""
    r = api.get("/api/v1/organization", headers={"X-Vigil-Test-Clock-Advance": str(int(seconds))})
    assert r.status_code == 200, r.text
    return server_now(api)


def server_now(api):
    """The server's current time, read from a write it stamps (a throwaway client)."""
    r = api.post("/api/v1/clients", {"name": f"clock {uuid.uuid4().hex[:8]}"})
    assert r.status_code == 201, r.text
    return ts(r.json()["data"]["created_at"])


def project(api):
    r = api.post("/api/v1/projects", {"name": f"sla {uuid.uuid4().hex[:8]}"})
    assert r.status_code == 201, r.text
    return r.json()["data"]["id"]


def finding(api, pid, severity="critical", **extra):
    r = api.post("/api/v1/findings",
                 {"project_id": pid, "title": f"f {uuid.uuid4().hex[:8]}", "severity": severity,
                  **extra})
    assert r.status_code == 201, r.text
    return r.json()["data"]


def get(api, fid):
    r = api.get(f"/api/v1/findings/{fid}")
    assert r.status_code == 200, r.text
    return r.json()["data"]


def patch(api, fid, body):
    r = api.patch(f"/api/v1/findings/{fid}", body,
                  headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.text
    return r.json()["data"]


def accept(api, fid, reason="compensating control in place", expires_in=30 * DAY, clock=None,
           **extra):
    """POST .../accept expiring expires_in seconds from the server's now (read through `clock`,
    an Api allowed to write clients, by default `api`)."""
    body = {"reason": reason, "expires_at": rfc3339(server_now(clock or api) + expires_in)}
    body.update(extra)
    return api.post(f"/api/v1/findings/{fid}/accept", body)


def history(api, fid):
    r = api.get(f"/api/v1/findings/{fid}/history")
    assert r.status_code == 200, r.text
    return r.json()["data"]


def ids(resp):
    assert resp.status_code == 200, resp.text
    return {f["id"] for f in resp.json()["data"]}


def put_sla(api, body):
    return api.put("/api/v1/settings/sla", body)


def fields(problem):
    return [e["field"] for e in problem.get("errors", [])]


def scoped(api, scopes):
    r = api.post("/api/v1/tokens", {"name": f"t{uuid.uuid4().hex[:6]}", "scopes": scopes})
    assert r.status_code == 201, r.text
    return api.with_token(r.json()["data"]["token"])


# ---- the SLA setting ---------------------------------------------------------------------


def test_sla_setting_starts_at_the_defaults_and_is_replaced_whole(api):
    r = api.get("/api/v1/settings/sla")
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {**DEFAULTS, "updated_at": None}
    r = put_sla(api, {"critical": 3, "high": 14, "medium": 60, "low": 365})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert {k: data[k] for k in DEFAULTS} == {"critical": 3, "high": 14, "medium": 60, "low": 365}
    assert data["updated_at"] is not None
    assert api.get("/api/v1/settings/sla").json()["data"] == data
    events = api.get("/api/v1/audit-events", params={"action": "settings.sla.update"}).json()
    assert len(events["data"]) >= 1
    assert put_sla(api, DEFAULTS).status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"high": 30, "medium": 90, "low": 180}, "critical"),
    ({"critical": 7, "medium": 90, "low": 180}, "high"),
    ({"critical": 7, "high": 30, "low": 180}, "medium"),
    ({"critical": 7, "high": 30, "medium": 90}, "low"),
    ({**DEFAULTS, "info": 365}, "info"),
    ({**DEFAULTS, "Critical": 7}, "Critical"),
    ({**DEFAULTS, "critical": 0}, "critical"),
    ({**DEFAULTS, "critical": 3651}, "critical"),
    ({**DEFAULTS, "high": -1}, "high"),
    ({**DEFAULTS, "medium": "90"}, "medium"),
    ({**DEFAULTS, "low": 180.5}, "low"),
    ({**DEFAULTS, "low": None}, "low"),
    ({**DEFAULTS, "critical": True}, "critical"),
])
def test_sla_setting_rejects_each_bad_member_by_name(api, body, field):
    problem = assert_problem(put_sla(api, body), 400, "VALIDATION_ERROR")
    assert field in fields(problem), problem


def test_sla_setting_bounds_are_inclusive(api):
    assert put_sla(api, {"critical": 1, "high": 3650, "medium": 1, "low": 3650}).status_code == 200
    assert put_sla(api, DEFAULTS).status_code == 200


def test_sla_setting_body_must_be_an_object(api):
    assert_problem(api.request("PUT", "/api/v1/settings/sla", data="[7, 30]",
                               headers={"Content-Type": "application/json"}), 400,
                   "VALIDATION_ERROR")
    assert_problem(api.request("PUT", "/api/v1/settings/sla", data="{",
                               headers={"Content-Type": "application/json"}), 400,
                   "VALIDATION_ERROR")


def test_sla_setting_is_for_admins(api):
    member = scoped(api, ["findings:read", "findings:write"])
    assert_problem(member.get("/api/v1/settings/sla"), 403, "FORBIDDEN")
    assert_problem(member.put("/api/v1/settings/sla", DEFAULTS), 403, "FORBIDDEN")


def test_sla_setting_is_per_organization(api, server):
    out = subprocess.run([VIGIL_BIN, "org", "create", f"other {uuid.uuid4().hex[:6]}",
                          "--database", server.url], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    other = Api(server, token=re.search(r"vgl_live_[A-Za-z0-9]{38}", out.stdout).group(0))
    assert put_sla(api, {"critical": 2, "high": 30, "medium": 90, "low": 180}).status_code == 200
    assert other.get("/api/v1/settings/sla").json()["data"] == {**DEFAULTS, "updated_at": None}
    assert put_sla(api, DEFAULTS).status_code == 200


# ---- sla_due_at and sla_breached ---------------------------------------------------------


def test_due_time_is_first_seen_plus_the_days_of_the_severity(api):
    pid = project(api)
    for severity, days in DEFAULTS.items():
        f = finding(api, pid, severity)
        assert ts(f["sla_due_at"]) == ts(f["first_seen"]) + days * DAY, severity
        assert f["sla_breached"] is False and f["acceptance"] is None
        assert get(api, f["id"])["sla_due_at"] == f["sla_due_at"]
    info = finding(api, pid, "info")
    assert info["sla_due_at"] is None and info["sla_breached"] is False


def test_a_new_setting_and_a_new_severity_move_the_due_time(api):
    pid = project(api)
    f = finding(api, pid, "high")
    first = ts(f["first_seen"])
    assert put_sla(api, {"critical": 7, "high": 10, "medium": 90, "low": 180}).status_code == 200
    assert ts(get(api, f["id"])["sla_due_at"]) == first + 10 * DAY
    assert ts(patch(api, f["id"], {"severity": "low"})["sla_due_at"]) == first + 180 * DAY
    assert patch(api, f["id"], {"severity": "info"})["sla_due_at"] is None
    assert put_sla(api, DEFAULTS).status_code == 200


def test_breach_follows_the_clock_and_the_status(api):
    pid = project(api)
    crit = finding(api, pid, "critical")
    confirmed = finding(api, pid, "critical", status="confirmed")
    fixed = finding(api, pid, "critical", status="remediated")
    low = finding(api, pid, "low")
    info = finding(api, pid, "info")
    every = {crit["id"], confirmed["id"], fixed["id"], low["id"], info["id"]}
    params = {"sla_breached": "true", "per_page": 100}
    assert ids(api.get(f"/api/v1/projects/{pid}/findings", params=params)) == set()

    advance(api, 8 * DAY)
    assert get(api, crit["id"])["sla_breached"] is True
    assert get(api, confirmed["id"])["sla_breached"] is True
    assert get(api, fixed["id"])["sla_breached"] is False
    assert get(api, low["id"])["sla_breached"] is False
    assert get(api, info["id"])["sla_breached"] is False
    breached = {crit["id"], confirmed["id"]}
    assert ids(api.get(f"/api/v1/projects/{pid}/findings", params=params)) == breached
    r = api.get("/api/v1/findings", params={"project_id": pid, **params})
    assert ids(r) == breached and r.json()["meta"]["total"] == 2
    r = api.get(f"/api/v1/projects/{pid}/findings", params={"sla_breached": "FALSE",
                                                             "per_page": 100})
    assert ids(r) == every - breached and r.json()["meta"]["total"] == 3
    # Other filters combine with it.
    r = api.get(f"/api/v1/projects/{pid}/findings",
                params={"sla_breached": "true", "status": "confirmed"})
    assert ids(r) == {confirmed["id"]}
    # Every listed finding says what the filter said.
    for f in api.get(f"/api/v1/projects/{pid}/findings", params={"per_page": 100}).json()["data"]:
        assert f["sla_breached"] is (f["id"] in breached)
    # A longer SLA ends the breach at once.
    assert put_sla(api, {"critical": 30, "high": 30, "medium": 90, "low": 180}).status_code == 200
    assert ids(api.get(f"/api/v1/projects/{pid}/findings", params=params)) == set()
    assert put_sla(api, DEFAULTS).status_code == 200
    assert ids(api.get(f"/api/v1/projects/{pid}/findings", params=params)) == breached


@pytest.mark.parametrize("value", ["yes", "1", "", "true,false", "null"])
def test_bad_sla_breached_filter_is_400(api, value):
    for path in ("/api/v1/findings", f"/api/v1/projects/{project(api)}/findings"):
        problem = assert_problem(api.get(path, params={"sla_breached": value}), 400,
                                 "VALIDATION_ERROR")
        assert "sla_breached" in fields(problem), problem


def test_repeated_sla_breached_filter_is_400(api):
    problem = assert_problem(api.get("/api/v1/findings?sla_breached=true&sla_breached=false"),
                             400, "VALIDATION_ERROR")
    assert "sla_breached" in fields(problem)


@pytest.mark.sqlite_only("data-version ETags are per process: off where servers share a PostgreSQL database")
def test_etag_of_a_finding_list_changes_when_a_breach_begins(api):
    pid = project(api)
    f = finding(api, pid, "critical")
    r1 = api.get(f"/api/v1/projects/{pid}/findings")
    etag = r1.headers["ETag"]
    assert api.get(f"/api/v1/projects/{pid}/findings",
                   headers={"If-None-Match": etag}).status_code == 304
    single = api.get(f"/api/v1/findings/{f['id']}")
    single_etag = single.headers["ETag"]
    advance(api, 8 * DAY)
    r2 = api.get(f"/api/v1/projects/{pid}/findings", headers={"If-None-Match": etag})
    assert r2.status_code == 200 and r2.json()["data"][0]["sla_breached"] is True
    r3 = api.get(f"/api/v1/findings/{f['id']}", headers={"If-None-Match": single_etag})
    assert r3.status_code == 200 and r3.json()["data"]["sla_breached"] is True


def test_finding_members_are_read_only(api):
    pid = project(api)
    f = finding(api, pid)
    for member, value in (("sla_due_at", None), ("sla_breached", True), ("acceptance", None)):
        r = api.patch(f"/api/v1/findings/{f['id']}", {member: value},
                      headers={"Content-Type": "application/merge-patch+json"})
        assert member in fields(assert_problem(r, 400, "VALIDATION_ERROR"))


# ---- risk acceptance ---------------------------------------------------------------------


def test_accept_sets_status_acceptance_and_history(api):
    pid = project(api)
    f = finding(api, pid, "high")
    before = server_now(api)
    r = accept(api, f["id"], reason="WAF rule 942100 blocks it", expires_in=90 * DAY)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["id"] == f["id"] and data["status"] == "accepted"
    acc = data["acceptance"]
    assert acc["reason"] == "WAF rule 942100 blocks it"
    assert abs(ts(acc["expires_at"]) - (before + 90 * DAY)) <= 5
    assert acc["accepted_by"].startswith("tok_")
    assert ts(acc["accepted_at"]) >= before
    assert data["sla_breached"] is False
    assert get(api, f["id"]) == data
    last = history(api, f["id"])[-1]
    assert (last["from"], last["to"], last["actor"], last["note"]) == \
        ("open", "accepted", acc["accepted_by"], "risk accepted")
    assert history(api, f["id"])[0]["note"] is None
    events = api.get("/api/v1/audit-events", params={"action": "findings.accept"}).json()["data"]
    assert any(e["target"] == f["id"] for e in events)
    listed = api.get(f"/api/v1/projects/{pid}/findings", params={"status": "accepted"})
    assert listed.json()["data"][0]["acceptance"] == acc


def test_accept_again_renews_and_confirmed_can_be_accepted(api):
    pid = project(api)
    f = finding(api, pid, "medium", status="confirmed")
    assert accept(api, f["id"], reason="first").status_code == 200
    r = accept(api, f["id"], reason="renewed", expires_in=60 * DAY)
    assert r.status_code == 200
    assert r.json()["data"]["acceptance"]["reason"] == "renewed"
    h = history(api, f["id"])
    assert [(e["from"], e["to"]) for e in h[-2:]] == [("confirmed", "accepted"),
                                                       ("accepted", "accepted")]


def test_accept_unknown_finding_is_404(api):
    assert_problem(accept(api, "find_" + "x" * 20), 404, "NOT_FOUND")
    assert_problem(accept(api, "not-an-id"), 404, "NOT_FOUND")


@pytest.mark.parametrize("status", ["remediated", "false_positive"])
def test_accept_refuses_closed_findings_with_409(api, status):
    pid = project(api)
    f = finding(api, pid, status=status)
    assert_problem(accept(api, f["id"]), 409, "CONFLICT")
    assert get(api, f["id"])["status"] == status and get(api, f["id"])["acceptance"] is None


@pytest.mark.parametrize("body, field", [
    ({"expires_at": "2099-01-01T00:00:00Z"}, "reason"),
    ({"reason": None, "expires_at": "2099-01-01T00:00:00Z"}, "reason"),
    ({"reason": "", "expires_at": "2099-01-01T00:00:00Z"}, "reason"),
    ({"reason": "   \t ", "expires_at": "2099-01-01T00:00:00Z"}, "reason"),
    ({"reason": 42, "expires_at": "2099-01-01T00:00:00Z"}, "reason"),
    ({"reason": "x" * 2001, "expires_at": "2099-01-01T00:00:00Z"}, "reason"),
    ({"reason": "ok"}, "expires_at"),
    ({"reason": "ok", "expires_at": None}, "expires_at"),
    ({"reason": "ok", "expires_at": "tomorrow"}, "expires_at"),
    ({"reason": "ok", "expires_at": "2030-01-01"}, "expires_at"),
    ({"reason": "ok", "expires_at": 1900000000}, "expires_at"),
    ({"reason": "ok", "expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
    ({"reason": "ok", "expires_at": "2099-01-01T00:00:00Z", "status": "accepted"}, "status"),
])
def test_accept_rejects_each_bad_member_by_name(api, body, field):
    pid = project(api)
    f = finding(api, pid)
    problem = assert_problem(api.post(f"/api/v1/findings/{f['id']}/accept", body), 400,
                             "VALIDATION_ERROR")
    assert field in fields(problem), problem
    assert get(api, f["id"])["status"] == "open"


def test_accept_expiry_window(api):
    pid = project(api)
    f = finding(api, pid)
    # More than three years ahead is refused, three years is not (1096 days: one leap day).
    problem = assert_problem(accept(api, f["id"], expires_in=1096 * DAY + 3600), 400,
                             "VALIDATION_ERROR")
    assert fields(problem) == ["expires_at"]
    assert accept(api, f["id"], expires_in=1095 * DAY).status_code == 200
    assert_problem(accept(api, f["id"], expires_in=-60), 400, "VALIDATION_ERROR")


def test_accept_reason_counts_characters(api):
    pid = project(api)
    f = finding(api, pid)
    r = accept(api, f["id"], reason="é" * 2000)  # 4000 bytes, 2000 characters
    assert r.status_code == 200, r.text
    assert r.json()["data"]["acceptance"]["reason"] == "é" * 2000


def test_accept_body_must_be_an_object(api):
    pid = project(api)
    f = finding(api, pid)
    assert_problem(api.request("POST", f"/api/v1/findings/{f['id']}/accept", data='"yes"',
                               headers={"Content-Type": "application/json"}), 400,
                   "VALIDATION_ERROR")


def test_accept_needs_findings_write(api):
    pid = project(api)
    f = finding(api, pid)
    reader = scoped(api, ["findings:read"])
    assert_problem(accept(reader, f["id"], clock=api), 403, "FORBIDDEN")
    writer = scoped(api, ["findings:read", "findings:write"])
    r = accept(writer, f["id"], clock=api)
    assert r.status_code == 200, r.text


def test_leaving_accepted_clears_the_acceptance(api):
    pid = project(api)
    f = finding(api, pid)
    assert accept(api, f["id"]).status_code == 200
    kept = patch(api, f["id"], {"title": "still accepted"})
    assert kept["status"] == "accepted" and kept["acceptance"] is not None
    reopened = patch(api, f["id"], {"status": "confirmed"})
    assert reopened["acceptance"] is None
    assert get(api, f["id"])["acceptance"] is None
    # Accepted again by PATCH alone: the status without an acceptance.
    assert patch(api, f["id"], {"status": "accepted"})["acceptance"] is None


def test_expired_acceptance_reopens_on_read(api):
    pid = project(api)
    single = finding(api, pid, "low")
    listed = finding(api, pid, "low")
    hist = finding(api, pid, "low")
    for f in (single, listed, hist):
        assert accept(api, f["id"], expires_in=3600).status_code == 200
    advance(api, 2 * 3600)
    data = get(api, single["id"])
    assert data["status"] == "open" and data["acceptance"] is None
    last = history(api, single["id"])[-1]
    assert (last["from"], last["to"], last["actor"], last["note"]) == \
        ("accepted", "open", "system", "acceptance expired")
    rows = {f["id"]: f for f in
            api.get(f"/api/v1/projects/{pid}/findings", params={"per_page": 100}).json()["data"]}
    assert rows[listed["id"]]["status"] == "open" and rows[listed["id"]]["acceptance"] is None
    last = history(api, hist["id"])[-1]
    assert (last["to"], last["note"]) == ("open", "acceptance expired")
    # Once reopened, the history says so once.
    assert [e["note"] for e in history(api, single["id"])].count("acceptance expired") == 1


def test_reimport_keeps_an_accepted_finding_accepted(api):
    pid = project(api)
    with open(os.path.join(SAMPLES, "trivy.json"), "rb") as fh:
        body = fh.read()

    def upload():
        r = api.request("POST", f"/api/v1/projects/{pid}/imports", data=body,
                        params={"complete": "true"},
                        headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 200, r.text
        return r.json()["data"]

    assert upload()["created"] == 4
    first = api.get(f"/api/v1/projects/{pid}/findings").json()["data"][0]
    r = accept(api, first["id"])
    assert r.status_code == 200
    acc = r.json()["data"]["acceptance"]
    assert upload()["updated"] == 4
    again = get(api, first["id"])
    assert again["status"] == "accepted" and again["acceptance"] == acc


def test_acceptance_is_not_visible_to_another_organization(api, server):
    out = subprocess.run([VIGIL_BIN, "org", "create", f"third {uuid.uuid4().hex[:6]}",
                          "--database", server.url], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    other = Api(server, token=re.search(r"vgl_live_[A-Za-z0-9]{38}", out.stdout).group(0))
    f = finding(api, project(api))
    assert_problem(accept(other, f["id"], clock=api), 404, "NOT_FOUND")
    assert get(api, f["id"])["status"] == "open"
