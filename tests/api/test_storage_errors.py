# SPDX-License-Identifier: MIT
"""Storage faults (issue 14, item 6): a read-only database and a full one make SQLite itself
fail the writes (the test hook VIGIL_TEST_STORE_MODE_FILE sets PRAGMA query_only or
max_page_count on the write connection). Writes then answer 503 SERVICE_UNAVAILABLE with
Retry-After, never 500; reads go on; /health says which fault until a write commits again."""
import os

import pytest
import requests

from conftest import OPENAPI, Api, Server, assert_problem


@pytest.fixture
def faulty(tmp_path):
    mode = tmp_path / "store-mode"
    srv = Server(str(tmp_path), env={"VIGIL_TEST_STORE_MODE_FILE": str(mode)})
    yield srv, mode
    srv.stop()


def assert_refused(resp):
    body = assert_problem(resp, 503, "SERVICE_UNAVAILABLE")
    assert resp.headers["Retry-After"] == "5"
    assert "sqlite" not in body["detail"].lower() and "pragma" not in body["detail"].lower()
    return body


def health(api):
    """GET /health, checked against the OpenAPI document (its 503 body is a Health object, not a
    problem, so Api's error check does not apply)."""
    r = requests.get(api.server.base + "/health", timeout=30)
    OPENAPI.check("GET", r.url, r)
    return r.status_code, r.json()


def test_read_only_database_answers_503_and_health_notices(faulty):
    srv, mode = faulty
    api = Api(srv)
    assert api.post("/api/v1/clients", {"name": "before"}).status_code == 201
    mode.write_text("read_only")
    body = assert_refused(api.post("/api/v1/clients", {"name": "refused"}))
    assert "read-only" in body["detail"]
    assert api.get("/api/v1/clients").status_code == 200  # reads still answer
    code, h = health(api)
    assert (code, h["status"], h["database"]) == (503, "unhealthy", "read_only")
    mode.write_text("normal")
    assert api.post("/api/v1/clients", {"name": "after"}).status_code == 201
    code, h = health(api)
    assert (code, h["status"], h["database"]) == (200, "healthy", "ok")
    names = [c["name"] for c in api.get("/api/v1/clients?limit=100").json()["data"]]
    assert "refused" not in names and "after" in names


@pytest.mark.sqlite_only("a full disk is simulated with SQLite's max_page_count; PostgreSQL has no such switch")
def test_full_database_answers_503_and_health_notices(faulty):
    srv, mode = faulty
    api = Api(srv)
    mode.write_text("full")
    created = 0
    for i in range(500):  # the free space of the last pages runs out within a few dozen rows
        r = api.post("/api/v1/clients", {"name": f"filler-{i}-" + "x" * 150})
        if r.status_code != 201:
            break
        created += 1
    body = assert_refused(r)
    assert "full" in body["detail"]
    code, h = health(api)
    assert (code, h["status"], h["database"]) == (503, "unhealthy", "full")
    # Still full: another write is refused the same way, and health still says so.
    assert_refused(api.post("/api/v1/clients", {"name": "still-" + "x" * 150}))
    assert health(api)[1]["database"] == "full"
    os.unlink(mode)
    # Space again: the next health probe commits, and writes succeed.
    code, h = health(api)
    assert (code, h["database"]) == (200, "ok")
    assert api.post("/api/v1/clients", {"name": "after"}).status_code == 201
    assert created < 500
