# SPDX-License-Identifier: MIT
"""Compliance controls (issue 11): the built-in catalog through /frameworks and /controls,
statuses derived from open findings (by CWE and by OWASP category) and from evidence, manual
statuses with a reason that cannot hide a risk, evidence notes, links and files (stored,
listed, downloaded as bytes, deleted), the controls:* scopes, tenancy, and every bad input
with its exact status and problem code. Each test module works in an organization of its own
so findings of other suites do not move its counts."""
import hashlib
import re
import subprocess
import time

import pytest

from conftest import Api, assert_problem, VIGIL_BIN


def new_org(server, name):
    out = subprocess.run([VIGIL_BIN, "org", "create", name, "--database", server.url],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return Api(server, token=re.search(r"vgl_live_[A-Za-z0-9]{38}", out.stdout).group(0))


@pytest.fixture(scope="module")
def org(server):
    return new_org(server, "Controls Org")


@pytest.fixture(scope="module")
def project(org):
    r = org.post("/api/v1/projects", {"name": "controls project", "frameworks": ["pci-dss", "soc2"]})
    assert r.status_code == 201, r.text
    return r.json()["data"]


def finding(api, project_id, **fields):
    body = {"project_id": project_id, "title": fields.pop("title", "a finding"), **fields}
    r = api.post("/api/v1/findings", body)
    assert r.status_code == 201, r.text
    return r.json()["data"]


def control(api, cid, **params):
    r = api.get(f"/api/v1/controls/{cid}", params=params or None)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def token(api, scopes):
    r = api.post("/api/v1/tokens", {"name": "controls " + " ".join(scopes), "scopes": scopes})
    assert r.status_code == 201, r.text
    return api.with_token(r.json()["data"]["token"])


def test_the_catalog_lists_four_frameworks_and_every_control(org):
    r = org.get("/api/v1/frameworks")
    assert r.status_code == 200, r.text
    body = r.json()
    ids = [f["id"] for f in body["data"]]
    assert ids == ["soc2", "iso27001", "pci-dss", "owasp-asvs"]
    assert body["catalog_version"]
    total = sum(f["controls"] for f in body["data"])
    assert total >= 40
    for f in body["data"]:
        assert sum(f["status_counts"].values()) == f["controls"]
    seen, page = [], 1
    while True:
        r = org.get("/api/v1/controls", params={"page": page, "per_page": 100})
        assert r.status_code == 200, r.text
        seen += r.json()["data"]
        if page * 100 >= r.json()["meta"]["total"]:
            break
        page += 1
    assert len(seen) == total == r.json()["meta"]["total"]
    assert len({c["id"] for c in seen}) == total
    pci = org.get("/api/v1/controls", params={"framework": "pci-dss", "per_page": 100}).json()
    assert pci["data"] and all(c["framework"] == "pci-dss" for c in pci["data"])
    assert {"6.2.4", "8.3.1", "11.3.1"} <= {c["reference"] for c in pci["data"]}


def test_a_fresh_organization_has_nothing_assessed(server):
    fresh = new_org(server, "Controls Fresh Org")
    data = fresh.get("/api/v1/controls", params={"per_page": 100}).json()["data"]
    assert {c["status"] for c in data} == {"not_assessed"}
    c = control(fresh, "pci-dss-6.2.4")
    assert c["findings"] == [] and c["open_findings"] == 0 and c["manual_status"] is None


def test_an_open_high_finding_puts_its_controls_at_risk_and_closing_it_clears_them(org, project):
    before = control(org, "pci-dss-6.2.4")
    assert before["status"] == "not_assessed"
    assert "CWE-89" in before["cwes"]
    f = finding(org, project["id"], title="SQL injection in /search", severity="high",
                cwe="CWE-89")
    low = finding(org, project["id"], title="SQL error text", severity="low", cwe="CWE-89")
    c = control(org, "pci-dss-6.2.4")
    assert c["status"] == "at_risk" and c["derived_status"] == "at_risk"
    assert c["open_findings"] == 2 and c["at_risk_findings"] == 1
    assert [x["id"] for x in c["findings"]] == [f["id"], low["id"]]  # most severe first
    assert c["findings"][0]["severity"] == "high" and c["findings_truncated"] is False
    at_risk = org.get("/api/v1/controls", params={"status": "at_risk", "per_page": 100}).json()
    assert "pci-dss-6.2.4" in {x["id"] for x in at_risk["data"]}
    assert all(x["status"] == "at_risk" for x in at_risk["data"])
    # A low finding alone counts as open but puts nothing at risk.
    r = org.patch(f"/api/v1/findings/{f['id']}", {"status": "remediated"})
    assert r.status_code == 200, r.text
    c = control(org, "pci-dss-6.2.4")
    assert c["status"] == "not_assessed" and c["open_findings"] == 1
    assert c["at_risk_findings"] == 0
    org.delete(f"/api/v1/findings/{low['id']}")


def test_a_finding_maps_by_its_owasp_category_even_as_imported_text(org, project):
    cid = "owasp-asvs-v8"
    c = control(org, cid)
    assert "API1:2023" in c["owasp"]
    f = finding(org, project["id"], title="BOLA on /orders/{id}", severity="critical",
                owasp="API1:2023 Broken Object Level Authorization")
    c = control(org, cid)
    assert c["status"] == "at_risk" and [x["id"] for x in c["findings"]] == [f["id"]]
    org.patch(f"/api/v1/findings/{f['id']}", {"status": "false_positive"})
    assert control(org, cid)["status"] == "not_assessed"


def test_project_id_scopes_the_findings_counted(org, project):
    other = org.post("/api/v1/projects", {"name": "other controls project"}).json()["data"]
    f = finding(org, other["id"], title="Command injection", severity="critical", cwe="CWE-78")
    cid = "pci-dss-6.2.4"
    assert control(org, cid)["status"] == "at_risk"
    scoped = control(org, cid, project_id=project["id"])
    assert scoped["status"] == "not_assessed" and scoped["findings"] == []
    assert control(org, cid, project_id=other["id"])["at_risk_findings"] == 1
    fw = org.get("/api/v1/frameworks", params={"project_id": project["id"]}).json()["data"]
    assert all(f_["status_counts"]["at_risk"] == 0 for f_ in fw)
    org.patch(f"/api/v1/findings/{f['id']}", {"status": "remediated"})


def test_evidence_implements_a_control_until_a_risk_appears(org, project):
    cid = "soc2-cc8.1"
    r = org.post(f"/api/v1/controls/{cid}/evidence", {"note": "Change tickets CAB-1..CAB-40"})
    assert r.status_code == 201, r.text
    ev = r.json()["data"]
    assert ev["kind"] == "note" and ev["id"].startswith("evd_") and ev["download_url"] is None
    assert r.headers["Location"] == f"/api/v1/controls/{cid}/evidence/{ev['id']}"
    link = org.post(f"/api/v1/controls/{cid}/evidence",
                    {"url": "https://wiki.example.test/change-policy?v=3&x=<y>",
                     "note": "policy"}).json()["data"]
    assert link["kind"] == "link" and link["url"].startswith("https://wiki.example.test/")
    c = control(org, cid)
    assert c["status"] == "implemented" and c["evidence_count"] == 2
    listed = org.get(f"/api/v1/controls/{cid}/evidence").json()
    assert listed["meta"]["total"] == 2
    assert {e["id"] for e in listed["data"]} == {ev["id"], link["id"]}
    covered = c["cwes"][0] if c["cwes"] else None
    if covered:
        f = finding(org, project["id"], title="Unreviewed change", severity="critical", cwe=covered)
        assert control(org, cid)["status"] == "at_risk"
        org.patch(f"/api/v1/findings/{f['id']}", {"status": "remediated"})
    assert org.delete(f"/api/v1/controls/{cid}/evidence/{ev['id']}").status_code == 204
    assert org.delete(f"/api/v1/controls/{cid}/evidence/{link['id']}").status_code == 204
    assert_problem(org.delete(f"/api/v1/controls/{cid}/evidence/{link['id']}"), 404, "NOT_FOUND")
    assert control(org, cid)["status"] == "not_assessed"


def test_files_are_stored_hashed_and_downloaded_as_bytes(org):
    cid = "iso27001-a.8.29"
    payload = b"<html><script>alert(1)</script></html>\x00\xff binary tail"
    r = org.request("POST", f"/api/v1/controls/{cid}/evidence",
                    files={"file": ("C:\\fakepath\\pentest report \u00e9.html", payload, "text/html"),
                           "note": (None, "2026 pentest")})
    assert r.status_code == 201, r.text
    ev = r.json()["data"]
    assert ev["kind"] == "file" and ev["filename"] == "pentest report \u00e9.html"
    assert ev["size"] == len(payload) and ev["sha256"] == hashlib.sha256(payload).hexdigest()
    assert ev["content_type"] == "text/html" and ev["note"] == "2026 pentest"
    d = org.get(ev["download_url"])
    assert d.status_code == 200 and d.content == payload
    assert d.headers["Content-Type"] == "application/octet-stream"
    assert d.headers["X-Content-Type-Options"] == "nosniff"
    cd = d.headers["Content-Disposition"]
    assert cd.startswith('attachment; filename="pentest report _.html"')
    assert "filename*=UTF-8''pentest%20report%20%C3%A9.html" in cd
    raw = org.request("POST", f"/api/v1/controls/{cid}/evidence", data=b"%PDF-1.7 fake",
                      headers={"Content-Type": "application/pdf"},
                      params={"filename": "soa.pdf", "note": "statement of applicability"})
    assert raw.status_code == 201, raw.text
    rev = raw.json()["data"]
    assert rev["filename"] == "soa.pdf" and rev["content_type"] == "application/pdf"
    assert org.get(rev["download_url"]).content == b"%PDF-1.7 fake"
    note = org.post(f"/api/v1/controls/{cid}/evidence", {"note": "n"}).json()["data"]
    assert_problem(org.get(f"/api/v1/controls/{cid}/evidence/{note['id']}/download"), 409,
                   "CONFLICT")
    # An evidence id only opens under its own control.
    assert_problem(org.get(f"/api/v1/controls/soc2-cc6.1/evidence/{ev['id']}/download"), 404,
                   "NOT_FOUND")


def test_a_manual_status_needs_a_reason_and_cannot_hide_a_risk(org, project):
    cid = "pci-dss-8.3.6"
    r = org.patch(f"/api/v1/controls/{cid}", {"status": "implemented",
                                              "reason": "Password policy enforced by the IdP"})
    assert r.status_code == 200, r.text
    c = r.json()["data"]
    assert c["status"] == "implemented" and c["derived_status"] == "not_assessed"
    assert c["manual_status"]["reason"] == "Password policy enforced by the IdP"
    assert c["manual_status"]["set_by"]
    f = finding(org, project["id"], title="Weak password accepted", severity="high",
                cwe="CWE-521")
    c = control(org, cid)
    assert c["status"] == "at_risk" and c["manual_status"]["status"] == "implemented"
    r = org.patch(f"/api/v1/controls/{cid}", {"status": "not_applicable",
                                              "reason": "No cardholder data environment users"})
    assert r.json()["data"]["status"] == "not_applicable"
    r = org.patch(f"/api/v1/controls/{cid}", {"status": None})
    assert r.status_code == 200 and r.json()["data"]["manual_status"] is None
    assert r.json()["data"]["status"] == "at_risk"
    org.patch(f"/api/v1/findings/{f['id']}", {"status": "remediated"})
    audit = org.get("/api/v1/audit-events", params={"per_page": 100}).json()["data"]
    actions = {e["action"] for e in audit}
    assert {"controls.status.set", "controls.status.clear"} <= actions


@pytest.mark.parametrize("body,field", [
    ({}, "status"),
    ({"status": "done", "reason": "x"}, "status"),
    ({"status": "implemented"}, "reason"),
    ({"status": "implemented", "reason": ""}, "reason"),
    ({"status": "implemented", "reason": "x" * 2001}, "reason"),
    ({"status": None, "reason": "x"}, "reason"),
    ({"status": "implemented", "reason": "x", "owner": "me"}, "owner"),
])
def test_bad_patches_are_refused(org, body, field):
    r = org.patch("/api/v1/controls/soc2-cc6.1", body)
    problem = assert_problem(r, 400, "VALIDATION_ERROR")
    assert field in {e["field"] for e in problem["errors"]}, problem


@pytest.mark.parametrize("body,field", [
    ({}, "note"),
    ({"note": ""}, "note"),
    ({"note": "x" * 10001}, "note"),
    ({"note": 5}, "note"),
    ({"kind": "file", "note": "x"}, "kind"),
    ({"kind": "video"}, "kind"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"url": "ftp://files.example.test/x"}, "url"),
    ({"url": "https://user:pw@wiki.example.test/"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"url": "https://example.test/" + "a" * 2048}, "url"),
    ({"kind": "link"}, "url"),
    ({"kind": "note", "note": "x", "url": "https://example.test/"}, "url"),
    ({"note": "x", "size": 1}, "size"),
])
def test_bad_evidence_is_refused(org, body, field):
    r = org.post("/api/v1/controls/soc2-cc6.1/evidence", body)
    problem = assert_problem(r, 400, "VALIDATION_ERROR")
    assert field in {e["field"] for e in problem["errors"]}, problem


def test_bad_file_uploads_are_refused(org):
    url = "/api/v1/controls/soc2-cc6.1/evidence"
    cases = [
        (dict(files={"note": (None, "no file")}), "file"),
        (dict(files={"file": ("a.txt", b"x"), "extra": (None, "y")}), "extra"),
        (dict(data=b"x", headers={"Content-Type": "text/plain"}, params={"filename": 'a"b.txt'}),
         "filename"),
        (dict(data=b"x", headers={"Content-Type": "text/plain"}, params={"filename": "a\x01b"}),
         "filename"),
        (dict(files={"file": ("..", b"x")}), "filename"),
        (dict(files={"file": ("empty.txt", b"")}), "file"),
        (dict(data=b"x", headers={"Content-Type": "application/pdf"}), "filename"),
        (dict(data=b"x", headers={"Content-Type": "application/pdf"},
              params={"filename": "a.pdf", "other": "1"}), "other"),
    ]
    for kw, field in cases:
        problem = assert_problem(org.request("POST", url, **kw), 400, "VALIDATION_ERROR")
        assert field in {e["field"] for e in problem["errors"]}, (kw, problem)
    big = b"x" * (16 * 1024 * 1024 + 1)
    assert_problem(org.request("POST", url, data=big, headers={"Content-Type": "application/pdf"},
                               params={"filename": "big.pdf"}), 413, "PAYLOAD_TOO_LARGE")


def test_bad_list_parameters_and_unknown_ids(org):
    for params, field in [({"framework": "hipaa"}, "framework"), ({"status": "green"}, "status"),
                          ({"project_id": "proj_nope"}, "project_id"), ({"color": "x"}, "color"),
                          ({"per_page": "0"}, "per_page")]:
        problem = assert_problem(org.get("/api/v1/controls", params=params), 400,
                                 "VALIDATION_ERROR")
        assert field in {e["field"] for e in problem["errors"]}, problem
    assert_problem(org.get("/api/v1/frameworks", params={"project_id": "x"}), 400,
                   "VALIDATION_ERROR")
    assert_problem(org.get("/api/v1/controls/soc2-cc6.1", params={"page": "2"}), 400,
                   "VALIDATION_ERROR")
    for path in ["/api/v1/controls/soc2-cc99", "/api/v1/controls/..%2f..%2fetc",
                 "/api/v1/controls/nope/evidence"]:
        assert_problem(org.get(path), 404, "NOT_FOUND")
    assert_problem(org.patch("/api/v1/controls/soc2-cc99", {"status": None}), 404, "NOT_FOUND")
    assert_problem(org.post("/api/v1/controls/soc2-cc99/evidence", {"note": "x"}), 404,
                   "NOT_FOUND")
    assert_problem(org.delete("/api/v1/controls/soc2-cc6.1/evidence/evd_nope"), 404, "NOT_FOUND")
    assert_problem(org.delete("/api/v1/controls/soc2-cc6.1/evidence/find_x"), 404, "NOT_FOUND")


def test_scopes_and_tenancy(server, org, project):
    reader = token(org, ["controls:read"])
    assert reader.get("/api/v1/controls").status_code == 200
    c = reader.get("/api/v1/controls/pci-dss-6.2.4").json()["data"]
    assert c["findings"] is None  # finding titles need findings:read
    assert_problem(reader.patch("/api/v1/controls/soc2-cc6.1", {"status": None}), 403,
                   "FORBIDDEN")
    assert_problem(reader.post("/api/v1/controls/soc2-cc6.1/evidence", {"note": "x"}), 403,
                   "FORBIDDEN")
    findings_only = token(org, ["findings:read"])
    assert_problem(findings_only.get("/api/v1/controls"), 403, "FORBIDDEN")
    assert_problem(findings_only.get("/api/v1/frameworks"), 403, "FORBIDDEN")
    ev = org.post("/api/v1/controls/soc2-cc7.4/evidence", {"note": "IR plan v2"}).json()["data"]
    org.patch("/api/v1/controls/soc2-cc7.4", {"status": "implemented", "reason": "IR drill"})
    stranger = new_org(server, "Controls Stranger Org")
    c = control(stranger, "soc2-cc7.4")
    assert c["evidence_count"] == 0 and c["manual_status"] is None
    assert c["status"] == "not_assessed"
    assert stranger.get("/api/v1/controls/soc2-cc7.4/evidence").json()["meta"]["total"] == 0
    assert_problem(stranger.delete(f"/api/v1/controls/soc2-cc7.4/evidence/{ev['id']}"), 404,
                   "NOT_FOUND")
    assert_problem(stranger.get("/api/v1/controls", params={"project_id": project["id"]}), 400,
                   "VALIDATION_ERROR")


def test_projects_keep_their_frameworks(org, project):
    assert project["frameworks"] == ["pci-dss", "soc2"]
    r = org.patch(f"/api/v1/projects/{project['id']}", {"frameworks": ["iso27001"]})
    assert r.status_code == 200 and r.json()["data"]["frameworks"] == ["iso27001"]
    assert org.get(f"/api/v1/projects/{project['id']}").json()["data"]["frameworks"] == ["iso27001"]
    for bad in (["hipaa"], "soc2", [1], ["soc2"] * 17):
        problem = assert_problem(org.patch(f"/api/v1/projects/{project['id']}",
                                           {"frameworks": bad}), 400, "VALIDATION_ERROR")
        assert any(e["field"].startswith("frameworks") for e in problem["errors"]), problem
    r = org.patch(f"/api/v1/projects/{project['id']}", {"frameworks": ["pci-dss", "soc2", "soc2"]})
    assert r.status_code == 200 and r.json()["data"]["frameworks"] == ["pci-dss", "soc2"]
    plain = org.post("/api/v1/projects", {"name": "no frameworks"}).json()["data"]
    assert plain["frameworks"] == []


def test_a_project_report_lists_the_controls_its_findings_put_at_risk(org):
    p = org.post("/api/v1/projects", {"name": "report frameworks", "frameworks": ["pci-dss"]})
    p = p.json()["data"]
    finding(org, p["id"], title="SQL injection <b>x</b>", severity="critical", cwe="CWE-89")
    finding(org, p["id"], title="Verbose header", severity="low", cwe="CWE-200")
    for fmt, marker in (("html", "<h2>Controls at risk</h2>"), ("markdown", "## Controls at risk")):
        r = org.post(f"/api/v1/projects/{p['id']}/reports", {"format": fmt})
        assert r.status_code == 202, r.text
        rid = r.json()["data"]["id"]
        for _ in range(600):
            d = org.get(f"/api/v1/reports/{rid}").json()["data"]
            if d["status"] in ("ready", "failed"):
                break
            time.sleep(0.05)
        assert d["status"] == "ready", d
        body = org.get(d["download_url"]).text
        section = body[body.index(marker):]
        assert "6.2.4" in section or "6\\.2.4" in section
        assert "SOC 2" not in section  # only the project's frameworks
        assert "Executive summary" in body
        assert "<b>x</b>" not in body


def test_a_project_json_report_carries_the_controls_at_risk(org):
    p = org.post("/api/v1/projects", {"name": "json frameworks", "frameworks": ["soc2"]}).json()["data"]
    finding(org, p["id"], title="Missing authentication", severity="high", cwe="CWE-306")
    rid = org.post(f"/api/v1/projects/{p['id']}/reports", {"format": "json"}).json()["data"]["id"]
    for _ in range(600):
        d = org.get(f"/api/v1/reports/{rid}").json()["data"]
        if d["status"] in ("ready", "failed"):
            break
        time.sleep(0.05)
    assert d["status"] == "ready", d
    doc = org.get(d["download_url"]).json()
    car = doc["controls_at_risk"]
    assert car["frameworks"] == ["SOC 2"]
    assert car["controls"] and all(c["id"].startswith("soc2-") for c in car["controls"])
    assert all(c["findings"] == 1 for c in car["controls"])
