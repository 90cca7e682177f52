# SPDX-License-Identifier: MIT
"""Project reports (issue 11): POST /projects/{id}/reports queues a report that the workers
render; GET /reports/{rpt_id} its metadata, /download the file (409 until ready); bad inputs
get exact status and code; another organization's ids are 404; HTML and Markdown escape a
hostile finding title."""
import re
import subprocess
import time

import pytest

from conftest import Api, Server, assert_problem, VIGIL_BIN

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def project(api):
    p = api.post("/api/v1/projects", {"name": "report project"}).json()["data"]
    for title, sev, status in [(XSS, "critical", "open"), ("SQL injection in /login", "high", "open"),
                               ("Verbose banner", "low", "open"),
                               ("Fixed XSS", "high", "remediated")]:
        r = api.post("/api/v1/findings", {"project_id": p["id"], "title": title, "severity": sev,
                                          "status": status,
                                          "evidence": {"response": "<img src=x onerror=alert(2)>"}})
        assert r.status_code == 201, r.text
    return p


@pytest.fixture(scope="module")
def other(server):
    out = subprocess.run([VIGIL_BIN, "org", "create", "Report Other Org", "--database",
                          server.url], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    token = re.search(r"vgl_live_[A-Za-z0-9]{38}", out.stdout).group(0)
    return Api(server, token=token)


def wait_ready(api, rid, tries=600):
    """Polls the report's status until the worker has finished it (bounded by tries)."""
    for _ in range(tries):
        d = api.get(f"/api/v1/reports/{rid}").json()["data"]
        if d["status"] in ("ready", "failed"):
            return d
        time.sleep(0.05)
    raise AssertionError(f"report {rid} never finished: {d}")


def create(api, project_id, body):
    r = api.post(f"/api/v1/projects/{project_id}/reports", body)
    assert r.status_code == 202, r.text
    d = r.json()["data"]
    assert d["id"].startswith("rpt_") and d["status"] == "queued"
    assert r.headers["Location"] == f"/api/v1/reports/{d['id']}"
    return d


@pytest.mark.parametrize("fmt,ctype", [("html", "text/html"), ("markdown", "text/markdown"),
                                       ("json", "application/json"),
                                       ("sarif", "application/sarif+json"), ("csv", "text/csv")])
def test_every_format_renders(api, project, fmt, ctype):
    d = create(api, project["id"], {"format": fmt})
    assert d["title"] == "Findings of report project" and d["download_url"] is None
    done = wait_ready(api, d["id"])
    assert done["status"] == "ready", done
    assert done["findings"] == 4
    assert done["counts"] == {"critical": 1, "high": 2, "medium": 0, "low": 1, "info": 0}
    assert done["download_url"] == f"/api/v1/reports/{d['id']}/download"
    r = api.get(done["download_url"])
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(ctype)
    assert "attachment" in r.headers["Content-Disposition"]
    assert len(r.content) == done["size"]


def test_hostile_title_is_escaped(api, project):
    for fmt in ("html", "markdown"):
        d = wait_ready(api, create(api, project["id"], {"format": fmt})["id"])
        body = api.get(d["download_url"]).text
        assert XSS not in body, fmt
        assert "alert(1)" in body, fmt
        if fmt == "html":
            assert "<img src=x" not in body and "&lt;img src=x" in body
        else:  # Markdown keeps evidence verbatim, but only inside a code fence
            assert "```\n<img src=x onerror=alert(2)>\n```" in body


def test_html_is_self_contained_with_svg_chart(api, project):
    d = wait_ready(api, create(api, project["id"], {"format": "html", "title": "Q3 <b>audit</b>"})["id"])
    body = api.get(d["download_url"]).text
    assert "<svg" in body and "&lt;script&gt;" in body
    assert "Q3 &lt;b&gt;audit&lt;/b&gt;" in body
    assert "<script" not in body and "http://" not in body.split("<main")[0].replace(
        "http://www.w3.org/2000/svg", "")


def test_html_groups_findings_by_asset(api):
    p = api.post("/api/v1/projects", {"name": "assets report"}).json()["data"]
    host = api.post("/api/v1/assets", {"project_id": p["id"], "type": "domain",
                                       "value": "api.example.com",
                                       "criticality": "high"}).json()["data"]
    web = api.post("/api/v1/assets", {"project_id": p["id"], "type": "url",
                                      "value": "https://web.example.com/"}).json()["data"]
    for title, sev, asset in [("Critical on the API", "critical", host["id"]),
                              ("Low on the API", "low", host["id"]),
                              ("Medium on the web app", "medium", web["id"]),
                              ("On no asset", "high", None)]:
        body = {"project_id": p["id"], "title": title, "severity": sev}
        if asset:
            body["asset_id"] = asset
        assert api.post("/api/v1/findings", body).status_code == 201
    d = wait_ready(api, create(api, p["id"], {"format": "html", "title": "by asset"})["id"])
    assert d["status"] == "ready", d
    page = api.get(d["download_url"]).text
    by = page.split("<h2>Findings by asset</h2>", 1)[1].split("<h2>", 1)[0]
    # Assets in the order of their most severe finding (critical, then medium), then the
    # findings that name none.
    assert by.index("<code>api.example.com</code>") < \
        by.index("<code>https://web.example.com/</code>") < by.index("<h3>No asset</h3>")
    api_card = by.split("<code>https://web.example.com/</code>")[0]
    assert "Critical on the API" in api_card and "Low on the API" in api_card
    assert "On no asset" not in api_card
    assert "<dt>Asset</dt><dd>api.example.com (domain)</dd>" in page


def test_filters(api, project):
    d = create(api, project["id"], {"format": "json",
                                    "filters": {"severity": ["HIGH", "critical"], "status": ["open"]}})
    assert d["filters"] == {"severity": ["high", "critical"], "status": ["open"]}
    done = wait_ready(api, d["id"])
    assert done["findings"] == 2
    assert done["counts"]["critical"] == 1 and done["counts"]["high"] == 1


def test_list_pages(api):
    p = api.post("/api/v1/projects", {"name": "list project"}).json()["data"]
    ids = [create(api, p["id"], {"format": "csv"})["id"] for _ in range(3)]
    r = api.get(f"/api/v1/projects/{p['id']}/reports", params={"per_page": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["meta"]["total"] == 3 and len(body["data"]) == 2
    r2 = api.get(f"/api/v1/projects/{p['id']}/reports", params={"per_page": 2, "page": 2})
    assert {x["id"] for x in body["data"] + r2.json()["data"]} == set(ids)
    assert_problem(api.get(f"/api/v1/projects/{p['id']}/reports", params={"per_page": 0}),
                   400, "VALIDATION_ERROR")


@pytest.mark.parametrize("body,field", [
    ({"format": "docx"}, "format"),
    ({"format": "pdf"}, "format"),
    ({"format": "junit"}, "format"),
    ({}, "format"),
    ({"format": 3}, "format"),
    ({"format": "html", "title": ""}, "title"),
    ({"format": "html", "title": "x" * 201}, "title"),
    ({"format": "html", "filters": {"severity": ["severe"]}}, "filters.severity"),
    ({"format": "html", "filters": {"status": ["closed"]}}, "filters.status"),
    ({"format": "html", "filters": {"severity": "high"}}, "filters.severity"),
    ({"format": "html", "filters": {"cwe": ["79"]}}, "filters.cwe"),
    ({"format": "html", "filters": []}, "filters"),
    ({"format": "html", "colour": "red"}, "colour"),
])
def test_bad_inputs(api, project, body, field):
    p = assert_problem(api.post(f"/api/v1/projects/{project['id']}/reports", body), 400,
                       "VALIDATION_ERROR")
    assert field in [e["field"] for e in p["errors"]], p


def test_not_found_and_conflict(api, project):
    assert_problem(api.post("/api/v1/projects/proj_ZZZZZZZZZZZZZZZZZZZZ/reports", {"format": "html"}),
                   404, "NOT_FOUND")
    assert_problem(api.get("/api/v1/reports/rpt_ZZZZZZZZZZZZZZZZZZZZ"), 404, "NOT_FOUND")
    assert_problem(api.get("/api/v1/reports/rpt_ZZZZZZZZZZZZZZZZZZZZ/download"), 404, "NOT_FOUND")
    assert_problem(api.get("/api/v1/reports/rpt_bad"), 404, "NOT_FOUND")
    # The scan reports keep answering on the same route.
    assert_problem(api.get("/api/v1/reports/scan_ZZZZZZZZZZZZZZZZZZZZ"), 404, "NOT_FOUND")


def test_download_is_409_until_ready(tmp_path):
    """With no worker, a report stays queued: its download is a 409."""
    srv = Server(str(tmp_path), extra_args=("--scan-workers", "0"))
    try:
        queued_download(Api(srv))
    finally:
        srv.stop()


def queued_download(api):
    p = api.post("/api/v1/projects", {"name": "idle"}).json()["data"]
    d = create(api, p["id"], {"format": "html"})
    assert api.get(f"/api/v1/reports/{d['id']}").json()["data"]["status"] == "queued"
    assert_problem(api.get(f"/api/v1/reports/{d['id']}/download"), 409, "CONFLICT")


def test_cross_org_is_404(api, other, project):
    d = create(api, project["id"], {"format": "csv"})
    assert_problem(other.get(f"/api/v1/reports/{d['id']}"), 404, "NOT_FOUND")
    assert_problem(other.get(f"/api/v1/reports/{d['id']}/download"), 404, "NOT_FOUND")
    assert_problem(other.post(f"/api/v1/projects/{project['id']}/reports", {"format": "html"}),
                   404, "NOT_FOUND")
    assert_problem(other.get(f"/api/v1/projects/{project['id']}/reports"), 404, "NOT_FOUND")


def test_scopes(api, project):
    d = create(api, project["id"], {"format": "csv"})
    ro = api.with_token(api.post("/api/v1/tokens", {"name": "rr", "scopes": ["reports:read"]})
                        .json()["data"]["token"])
    sr = api.with_token(api.post("/api/v1/tokens", {"name": "sr", "scopes": ["scans:read"]})
                        .json()["data"]["token"])
    assert ro.get(f"/api/v1/reports/{d['id']}").status_code == 200
    assert_problem(ro.post(f"/api/v1/projects/{project['id']}/reports", {"format": "html"}),
                   403, "FORBIDDEN")
    assert_problem(sr.get(f"/api/v1/reports/{d['id']}"), 403, "FORBIDDEN")
    assert_problem(ro.get("/api/v1/reports/scan_ZZZZZZZZZZZZZZZZZZZZ"), 403, "FORBIDDEN")
