# SPDX-License-Identifier: MIT
"""Clients, projects, assets and findings: CRUD, PUT vs PATCH, nested lists, history, CSV,
CVSS, fingerprints, and the seed 000 curl example."""
import csv
import io
import json
import subprocess

from conftest import Api, assert_problem, VIGIL_BIN


def create(api, path, body):
    r = api.post(path, body)
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert r.headers["Location"] == f"{path}/{data['id']}"
    return data


def test_client_crud(api):
    c = create(api, "/api/v1/clients", {"name": "Acme", "contact": "sec@acme.test"})
    assert c["id"].startswith("client_") and c["notes"] is None
    assert api.get(f"/api/v1/clients/{c['id']}").json()["data"]["name"] == "Acme"
    # PUT replaces every writable field: contact not given becomes null.
    r = api.put(f"/api/v1/clients/{c['id']}", {"name": "Acme Corp"})
    assert r.status_code == 200 and r.json()["data"]["contact"] is None
    # PATCH changes only what it names.
    r = api.patch(f"/api/v1/clients/{c['id']}", {"notes": "key account"},
                  headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200
    d = r.json()["data"]
    assert d["name"] == "Acme Corp" and d["notes"] == "key account"
    assert_problem(api.patch(f"/api/v1/clients/{c['id']}", {"name": None}), 400, "VALIDATION_ERROR")
    assert api.delete(f"/api/v1/clients/{c['id']}").status_code == 204
    assert_problem(api.get(f"/api/v1/clients/{c['id']}"), 404, "NOT_FOUND")
    assert_problem(api.delete(f"/api/v1/clients/{c['id']}"), 404, "NOT_FOUND")


def test_project_asset_finding_flow(api):
    c = create(api, "/api/v1/clients", {"name": "Globex"})
    p = create(api, "/api/v1/projects", {"name": "Q1 Pentest", "client_id": c["id"],
                                         "status": "In_Progress", "start_date": "2026-01-05"})
    assert p["status"] == "in_progress"
    a = create(api, "/api/v1/assets", {"project_id": p["id"], "type": "api",
                                       "value": "https://api.globex.test", "tags": ["prod", "ext"]})
    f = create(api, "/api/v1/findings", {
        "project_id": p["id"], "asset_id": a["id"], "title": "SQL Injection in Login",
        "severity": "High", "description": "SQL injection vulnerability found...",
        "remediation": "Use parameterized queries...", "cwe": "CWE-89",
        "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "endpoint": "POST /login", "evidence": {"request": "POST /login", "response": "500"}})
    assert f["severity"] == "high" and f["status"] == "open"
    assert f["cvss_score"] == 9.8
    assert f["fingerprint"] and f["first_seen"] == f["last_seen"]

    nested = api.get(f"/api/v1/projects/{p['id']}/findings").json()
    assert [x["id"] for x in nested["data"]] == [f["id"]]
    assets = api.get(f"/api/v1/projects/{p['id']}/assets").json()
    assert [x["id"] for x in assets["data"]] == [a["id"]]

    # Status history: creation, then each change.
    api.patch(f"/api/v1/findings/{f['id']}", {"status": "CONFIRMED"})
    api.patch(f"/api/v1/findings/{f['id']}", {"status": "remediated"})
    hist = api.get(f"/api/v1/findings/{f['id']}/history").json()["data"]
    assert [(h["from"], h["to"]) for h in hist] == [(None, "open"), ("open", "confirmed"),
                                                   ("confirmed", "remediated")]
    # A project with findings is not deleted behind the user's back.
    assert_problem(api.delete(f"/api/v1/projects/{p['id']}"), 409, "CONFLICT")


def test_finding_validation(api):
    p = create(api, "/api/v1/projects", {"name": "validation"})
    base = {"project_id": p["id"], "title": "t", "severity": "low"}
    for bad in ({"severity": "urgent"}, {"status": "done"}, {"risk_score": 101},
                {"cvss_vector": "CVSS:3.1/AV:N"}, {"title": ""}, {"project_id": "proj_nope"},
                {"references": "not-a-list"}, {"cvss_score": 5.0}, {"fingerprint": "x"}):
        r = api.post("/api/v1/findings", {**base, **bad})
        assert_problem(r, 400, "VALIDATION_ERROR")


def test_fingerprint_is_stable(api):
    p = create(api, "/api/v1/projects", {"name": "fp"})
    body = {"project_id": p["id"], "title": "Reflected XSS", "severity": "medium",
            "cwe": "CWE-79", "endpoint": "GET /search"}
    f1 = create(api, "/api/v1/findings", body)
    f2 = create(api, "/api/v1/findings", body)
    assert f1["fingerprint"] == f2["fingerprint"] and f1["id"] != f2["id"]
    f3 = create(api, "/api/v1/findings", {**body, "endpoint": "GET /other"})
    assert f3["fingerprint"] != f1["fingerprint"]


def test_csv_export(api):
    p = create(api, "/api/v1/projects", {"name": "csv"})
    create(api, "/api/v1/findings", {"project_id": p["id"], "title": '=HYPERLINK("x"), "quoted"',
                                     "severity": "critical"})
    create(api, "/api/v1/findings", {"project_id": p["id"], "title": "second", "severity": "low"})
    for kw in ({"params": {"format": "csv", "project_id": p["id"]}},
               {"params": {"project_id": p["id"]}, "headers": {"Accept": "text/csv"}}):
        r = api.get("/api/v1/findings", **kw)
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert len(rows) == 2
        titles = {row["title"] for row in rows}
        assert "second" in titles
        # Formula injection is neutralised.
        assert any(t.startswith("'=") for t in titles)


def test_seed_000_curl_examples(server, api):
    """The seed's curl examples, pointed at our server, work as written."""
    p = create(api, "/api/v1/projects", {"name": "seed"})
    base = f"{server.base}/api/v1"
    out = subprocess.run(["curl", "-s", "-X", "GET", f"{base}/projects",
                          "-H", f"Authorization: Bearer {server.token}"],
                         capture_output=True, text=True, check=True).stdout
    assert any(x["id"] == p["id"] for x in json.loads(out)["data"])
    body = json.dumps({"project_id": p["id"], "title": "SQL Injection in Login",
                       "severity": "High",
                       "description": "SQL injection vulnerability found...",
                       "remediation": "Use parameterized queries..."})
    out = subprocess.run(["curl", "-s", "-X", "POST", f"{base}/findings",
                          "-H", f"Authorization: Bearer {server.token}",
                          "-H", "Content-Type: application/json", "-d", body],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["data"]["severity"] == "high"
    out = subprocess.run(["curl", "-s", f"{base}/findings?page=1&limit=50",
                          "-H", f"Authorization: Bearer {server.token}"],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["meta"]["per_page"] == 50
    out = subprocess.run(["curl", "-s", f"{base}/findings?severity=High&status=Open",
                          "-H", f"Authorization: Bearer {server.token}"],
                         capture_output=True, text=True, check=True).stdout
    assert all(f["severity"] == "high" for f in json.loads(out)["data"])
