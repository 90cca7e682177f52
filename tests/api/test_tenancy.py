# SPDX-License-Identifier: MIT
"""Organizations never see each other: another organization's real ids answer exactly like
missing ids (404, same body), on every route."""
import re
import subprocess

import pytest

from conftest import Api, assert_problem, VIGIL_BIN


@pytest.fixture(scope="module")
def other(server):
    out = subprocess.run([VIGIL_BIN, "org", "create", "Other Org", "--database", server.url],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    token = re.search(r"vgl_live_[A-Za-z0-9]{38}", out.stdout).group(0)
    return Api(server, token=token)


@pytest.fixture(scope="module")
def mine(api):
    c = api.post("/api/v1/clients", {"name": "private client"}).json()["data"]
    p = api.post("/api/v1/projects", {"name": "private project", "client_id": c["id"]}).json()["data"]
    a = api.post("/api/v1/assets", {"project_id": p["id"], "type": "host", "value": "10.0.0.1"}).json()["data"]
    f = api.post("/api/v1/findings", {"project_id": p["id"], "title": "secret finding",
                                      "severity": "high"}).json()["data"]
    t = api.post("/api/v1/tokens", {"name": "private", "scopes": ["clients:read"]}).json()["data"]
    return {"clients": c["id"], "projects": p["id"], "assets": a["id"], "findings": f["id"],
            "tokens": t["id"]}


def normalise(body):
    return {k: v for k, v in body.items() if k not in ("request_id", "instance")}


@pytest.mark.parametrize("kind", ["clients", "projects", "assets", "findings", "tokens"])
def test_foreign_ids_are_404_like_missing_ones(other, mine, kind):
    real = mine[kind]
    fake = real.split("_")[0] + "_" + "Z" * 20
    put_bodies = {
        "clients": {"name": "x"},
        "projects": {"name": "x"},
        "assets": {"project_id": mine["projects"], "type": "host", "value": "h"},
        "findings": {"project_id": mine["projects"], "title": "x", "severity": "low"},
    }
    patch_bodies = {"clients": {"name": "x"}, "projects": {"name": "x"},
                    "assets": {"value": "h"}, "findings": {"title": "x"}}
    for method, suffix, body in (("GET", "", None), ("PUT", "", put_bodies.get(kind)),
                                 ("PATCH", "", patch_bodies.get(kind)), ("DELETE", "", None)):
        if kind == "tokens" and method in ("PUT", "PATCH"):
            continue
        r_real = other.request(method, f"/api/v1/{kind}/{real}", json_body=body, validate=False)
        r_fake = other.request(method, f"/api/v1/{kind}/{fake}", json_body=body, validate=False)
        # Even a PUT naming the other organization's project answers 404 for the id first.
        b_real = assert_problem(r_real, 404, "NOT_FOUND")
        b_fake = assert_problem(r_fake, 404, "NOT_FOUND")
        assert normalise(b_real) == normalise(b_fake)


def test_foreign_nested_and_history_routes_are_404(other, mine):
    for path in (f"/api/v1/projects/{mine['projects']}/findings",
                 f"/api/v1/projects/{mine['projects']}/assets",
                 f"/api/v1/findings/{mine['findings']}/history"):
        assert_problem(other.get(path), 404, "NOT_FOUND")


def test_foreign_references_in_writes_are_rejected(other, mine):
    r = other.post("/api/v1/findings", {"project_id": mine["projects"], "title": "x", "severity": "low"})
    assert_problem(r, 400, "VALIDATION_ERROR")
    r = other.post("/api/v1/projects", {"name": "x", "client_id": mine["clients"]})
    assert_problem(r, 400, "VALIDATION_ERROR")


def test_lists_show_only_own_rows(other, mine):
    for kind in ("clients", "projects", "assets", "findings"):
        ids = [x["id"] for x in other.get(f"/api/v1/{kind}", params={"per_page": 100}).json()["data"]]
        assert mine[kind] not in ids
    r = other.get("/api/v1/findings", params={"project_id": mine["projects"]})
    assert r.json()["meta"]["total"] == 0
    assert other.get("/api/v1/findings", params={"search": "secret"}).json()["meta"]["total"] == 0


@pytest.mark.parametrize("bad", ["../../etc/passwd", "%00", "find_%00", "find_..%2F..%2Fetc",
                                 "find_' OR 1=1--", "x" * 300])
def test_hostile_ids_are_404(api, bad):
    r = api.get(f"/api/v1/findings/{bad}", validate=False)
    assert r.status_code == 404
