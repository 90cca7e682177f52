# SPDX-License-Identifier: MIT
"""POST /scans options and frameworks: every bad value is a 400 naming its field, and the good
ones reach the engine (checks run, excluded paths, max_requests, budget, rate_limit, fail_on).
Effects are judged by counts in the scan's report, never by timing."""

import importlib.util
import json
import os
import sqlite3
import time

import pytest

from conftest import Api, Server, assert_problem

_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scan", "conftest.py")
_spec = importlib.util.spec_from_file_location("scan_conftest_options", _path)
scan_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scan_conftest)
Fixture, SPEC = scan_conftest.Fixture, scan_conftest.SPEC


def spec_text():
    with open(SPEC, encoding="utf-8") as f:
        return f.read()


def scan_body(fixture, options, **extra):
    body = {"url": fixture.url, "spec": spec_text(), "options": options}
    body.update(extra)
    return body


def run(api, body, limit=150):
    r = api.post("/api/v1/scans", body)
    assert r.status_code == 201, r.text
    sid = r.json()["data"]["scan_id"]
    deadline = time.time() + limit
    while True:
        s = api.get(f"/api/v1/scans/{sid}").json()["data"]
        if s["status"] in ("complete", "failed", "cancelled"):
            break
        assert time.time() < deadline, s
        time.sleep(0.1)
    assert s["status"] == "complete", s
    return s, api.get(f"/api/v1/scans/{sid}/report").json()


@pytest.fixture(scope="module")
def fixture():
    f = Fixture(vulnerable="all")
    yield f
    f.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(str(tmp_path_factory.mktemp("scan_options")),
                 env={"VIGIL_SCAN_ALLOW": "127.0.0.1/32"})
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def api(server):
    return Api(server)


BAD = [
    ({"concurrency": 0}, "options.concurrency"),
    ({"concurrency": 1025}, "options.concurrency"),
    ({"concurrency": "5"}, "options.concurrency"),
    ({"concurrency": 2.5}, "options.concurrency"),
    ({"timeout": 0}, "options.timeout"),
    ({"timeout": 3601}, "options.timeout"),
    ({"timeout": "30"}, "options.timeout"),
    ({"fail_on": "severe"}, "options.fail_on"),
    ({"fail_on": 3}, "options.fail_on"),
    ({"exclude": "/x"}, "options.exclude"),
    ({"exclude": [1]}, "options.exclude"),
    ({"max_requests": 0}, "options.max_requests"),
    ({"max_requests": 100001}, "options.max_requests"),
    ({"max_requests": "10"}, "options.max_requests"),
    ({"rate_limit": -1}, "options.rate_limit"),
    ({"rate_limit": 100001}, "options.rate_limit"),
    ({"rate_limit": "fast"}, "options.rate_limit"),
    ({"checks": ["nope"]}, "options.checks"),
    ({"checks": "bola"}, "options.checks"),
    ({"checks": [1]}, "options.checks"),
    ({"budget": -1}, "options.budget"),
    ({"budget": 86401}, "options.budget"),
    ({"budget": "60"}, "options.budget"),
    ({"bogus": 1}, "options.bogus"),
]


@pytest.mark.parametrize("options,field", BAD)
def test_bad_option_names_its_field(api, fixture, options, field):
    problem = assert_problem(api.post("/api/v1/scans", scan_body(fixture, options)), 400,
                             "VALIDATION_ERROR")
    assert [e["field"] for e in problem["errors"]] == [field], problem


@pytest.mark.parametrize("frameworks", ["soc2", [1], [""], ["x" * 65],
                                        ["f%d" % i for i in range(33)]])
def test_bad_frameworks(api, fixture, frameworks):
    r = api.post("/api/v1/scans", scan_body(fixture, {}, frameworks=frameworks))
    problem = assert_problem(r, 400, "VALIDATION_ERROR")
    assert [e["field"] for e in problem["errors"]] == ["frameworks"], problem


def test_options_not_an_object(api, fixture):
    problem = assert_problem(api.post("/api/v1/scans", scan_body(fixture, [])), 400,
                             "VALIDATION_ERROR")
    assert [e["field"] for e in problem["errors"]] == ["options"]


@pytest.mark.sqlite_only("reads the stored request with sqlite3")
def test_checks_and_fail_on_reach_the_engine(api, server, fixture):
    s, rep = run(api, scan_body(fixture, {"checks": ["misconfig"], "fail_on": "critical"},
                                frameworks=["owasp-api-top10", "soc2"]))
    assert rep["scan"]["checks_run"] == ["misconfig"]
    assert {f["check_id"] for f in rep["findings"]} <= {"misconfig"}
    assert rep["findings"]
    assert not [f for f in rep["findings"] if f["severity"] == "critical"]
    assert s["exit_status"] == 0  # findings, but none at or above critical
    # frameworks are kept on the scan for the controls a later issue maps findings to
    with sqlite3.connect(server.db) as db:
        (request,) = db.execute("SELECT request FROM scans WHERE id = ?",
                                (s["scan_id"],)).fetchone()
    assert json.loads(request)["frameworks"] == ["owasp-api-top10", "soc2"]


def test_exclude_keeps_the_engine_off_those_paths(api, fixture):
    _, full = run(api, scan_body(fixture, {"checks": ["misconfig"], "fail_on": "none"}))
    _, narrow = run(api, scan_body(fixture, {"checks": ["misconfig"], "fail_on": "none",
                                             "exclude": ["/api/users*", "/api/orders*"]}))
    assert narrow["scan"]["endpoints_tested"] < full["scan"]["endpoints_tested"]
    seen = {f["endpoint"] for f in narrow["findings"] if f.get("endpoint")}
    assert not [e for e in seen if " /api/users" in e or " /api/orders" in e], seen


def test_max_requests_stops_the_scan_there(api, fixture):
    s, rep = run(api, scan_body(fixture, {"checks": ["misconfig", "injection"],
                                          "max_requests": 7, "fail_on": "none"}))
    assert rep["scan"]["requests_sent"] <= 7
    assert rep["scan"]["incomplete"] is True
    assert "max_requests" in rep["scan"]["stop_reason"]


def test_budget_and_rate_limit_bound_the_work(api, fixture):
    """Two requests a second for at most one second: a handful of requests, then the budget
    stops the scan (without the rate limit the same scan sends hundreds)."""
    s, rep = run(api, scan_body(fixture, {"checks": ["injection", "misconfig"], "budget": 1,
                                          "rate_limit": 2, "concurrency": 1, "fail_on": "none"}))
    assert rep["scan"]["incomplete"] is True
    assert "budget" in rep["scan"]["stop_reason"]
    assert rep["scan"]["requests_sent"] <= 6, rep["scan"]
