# SPDX-License-Identifier: MIT
"""Issue 11: POST /api/v1/findings/bulk and POST /api/v1/projects/{id}/imports. Exact reimport
counts (created, updated, closed, reopened, skipped), every sample format (detected and named),
multipart uploads, and the exact status and problem code of each bad or hostile input."""
import os

import pytest

from conftest import SOURCE_DIR, Api, Server, assert_problem

SAMPLES = os.path.join(SOURCE_DIR, "tests", "import", "samples")


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """A server of this module's own: the imported findings (thousands, with every word of the
    samples) must not show in other modules' searches of the shared organization."""
    srv = Server(str(tmp_path_factory.mktemp("imports")))
    yield Api(srv)
    srv.stop()


def sample(name):
    with open(os.path.join(SAMPLES, name), "rb") as f:
        return f.read()


def project(api, name="import target"):
    r = api.post("/api/v1/projects", {"name": name})
    assert r.status_code == 201, r.text
    return r.json()["data"]["id"]


def counts(resp):
    assert resp.status_code == 200, resp.text
    d = resp.json()["data"]
    return (d["created"], d["updated"], d["closed"], d["reopened"], d["skipped"])


def findings_of(api, pid):
    r = api.get(f"/api/v1/projects/{pid}/findings", params={"per_page": 100})
    assert r.status_code == 200
    return r.json()["data"]


def upload(api, pid, body, **params):
    return api.request("POST", f"/api/v1/projects/{pid}/imports", data=body, params=params or None,
                       headers={"Content-Type": "application/octet-stream"})


def item(title, severity="high", **kw):
    return dict({"title": title, "severity": severity}, **kw)


# ---- bulk ----------------------------------------------------------------------------------

def test_bulk_reimport_counts_are_exact(api):
    pid = project(api)
    url = "/api/v1/findings/bulk"
    body = {"project_id": pid, "scan_type": "pentest", "complete": True}
    run1 = [item("A", endpoint="GET /a"), item("B", endpoint="GET /b"),
            item("C", endpoint="GET /c"), item("A", endpoint="GET /a")]
    assert counts(api.post(url, dict(body, findings=run1))) == (3, 0, 0, 0, 1)
    run2 = [item("A", endpoint="GET /a"), item("D", endpoint="GET /d")]
    r = api.post(url, dict(body, findings=run2))
    assert counts(r) == (1, 1, 2, 0, 0)
    run2_id = r.json()["data"]["import_id"]
    by_title = {f["title"]: f for f in findings_of(api, pid)}
    assert by_title["B"]["status"] == "remediated" and by_title["C"]["status"] == "remediated"
    history = api.get(f"/api/v1/findings/{by_title['B']['id']}/history").json()["data"]
    assert history[-1]["to"] == "remediated" and history[-1]["actor"] == run2_id
    # C is a false positive now: a complete run without it keeps it so.
    r = api.patch(f"/api/v1/findings/{by_title['C']['id']}", {"status": "false_positive"},
                  headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200
    run3 = [item("A", endpoint="GET /a"), item("B", endpoint="GET /b"), item("D", endpoint="GET /d")]
    assert counts(api.post(url, dict(body, findings=run3))) == (0, 2, 0, 1, 0)
    by_title = {f["title"]: f for f in findings_of(api, pid)}
    assert by_title["B"]["status"] == "open"
    assert by_title["C"]["status"] == "false_positive"
    # Another source never closes these.
    assert counts(api.post(url, {"project_id": pid, "scan_type": "other", "complete": True,
                                 "findings": []})) == (0, 0, 0, 0, 0)


def test_bulk_all_or_nothing_and_partial(api):
    pid = project(api)
    url = "/api/v1/findings/bulk"
    bad = [item("ok"), item("wrong", severity="severe"), item("")]
    body = assert_problem(api.post(url, {"project_id": pid, "findings": bad}), 400,
                          "VALIDATION_ERROR")
    assert body["errors"][0]["field"] == "findings/1/severity"
    assert findings_of(api, pid) == []
    r = api.post(url, {"project_id": pid, "findings": bad}, params={"partial": "true"})
    assert counts(r) == (1, 0, 0, 0, 2)
    errors = r.json()["data"]["errors"]
    assert [(e["index"], e["field"], e["code"]) for e in errors] == [
        (1, "severity", "VALIDATION_ERROR"), (2, "title", "VALIDATION_ERROR")]


def test_bulk_bad_requests(api):
    pid = project(api)
    url = "/api/v1/findings/bulk"
    too_many = [item(f"t{i}") for i in range(10001)]
    assert_problem(api.post(url, {"project_id": pid, "findings": too_many}), 413,
                   "PAYLOAD_TOO_LARGE")
    assert_problem(api.post(url, {"project_id": pid, "findings": [], "extra": 1}), 400,
                   "VALIDATION_ERROR")
    assert_problem(api.post(url, {"findings": []}), 400, "VALIDATION_ERROR")
    assert_problem(api.post(url, {"project_id": pid, "findings": {}}), 400, "VALIDATION_ERROR")
    assert_problem(api.post(url, {"project_id": pid, "findings": []}, params={"partial": "x"}),
                   400, "VALIDATION_ERROR")
    body = assert_problem(api.post(url, {"project_id": pid, "findings": [
        item("x", project_id="proj_someoneelse000000")]}), 400, "VALIDATION_ERROR")
    assert body["errors"][0]["field"] == "findings/0/project_id"
    assert_problem(api.post(url, {"project_id": "proj_doesnotexist00000", "findings": []}), 404,
                   "NOT_FOUND")


def test_bulk_ten_thousand_in_one_request(api):
    pid = project(api)
    many = [item(f"finding {i}", endpoint=f"GET /r/{i}x") for i in range(10000)]
    r = api.post("/api/v1/findings/bulk", {"project_id": pid, "scan_type": "load",
                                          "findings": many})
    assert counts(r) == (10000, 0, 0, 0, 0)
    r = api.get(f"/api/v1/projects/{pid}/findings", params={"per_page": 1})
    assert r.json()["meta"]["total"] == 10000


# ---- imports: every format -------------------------------------------------------------------

EXPECTED = {
    # file: (detected format, created, skipped)
    "vigil.sarif": ("sarif", 46, 0),
    "zap.json": ("zap-json", 3, 0),
    "zap.xml": ("zap-xml", 3, 0),
    "nuclei.jsonl": ("nuclei", 3, 0),
    "burp.xml": ("burp", 2, 0),
    "scan.nessus": ("nessus", 4, 0),
    "trivy.json": ("trivy", 4, 0),
    "findings.csv": ("csv", 2, 2),
}


def test_each_sample_is_detected_and_imported(api):
    for name, (fmt, created, skipped) in EXPECTED.items():
        pid = project(api, name)
        r = upload(api, pid, sample(name))
        assert counts(r) == (created, 0, 0, 0, skipped), name
        assert r.json()["data"]["format"] == fmt
        # Naming the format gives the same; a second run only updates.
        r = upload(api, pid, sample(name), format=fmt)
        assert counts(r) == (0, created, 0, 0, skipped), name
        assert len(findings_of(api, pid)) == created


def test_csv_rejects_are_listed_with_their_line(api):
    pid = project(api)
    r = upload(api, pid, sample("findings.csv"))
    errors = r.json()["data"]["errors"]
    assert [(e["location"], e["field"]) for e in errors] == [("line 5", "title"),
                                                            ("line 6", "severity")]


def test_nessus_reimport_closes_and_reopens(api):
    pid = project(api)
    full = sample("scan.nessus")
    start = full.index(b'<ReportItem port="443"')
    end = full.index(b"</ReportItem>", start) + len(b"</ReportItem>")
    without_tls = full[:start] + full[end:]
    assert counts(upload(api, pid, full, complete="true")) == (4, 0, 0, 0, 0)
    r = upload(api, pid, without_tls, complete="true")
    assert counts(r) == (0, 3, 1, 0, 0)
    closed_by = r.json()["data"]["import_id"]
    tls = [f for f in findings_of(api, pid) if f["title"] == "SSL Certificate Cannot Be Trusted"][0]
    assert tls["status"] == "remediated"
    history = api.get(f"/api/v1/findings/{tls['id']}/history").json()["data"]
    assert history[-1]["actor"] == closed_by
    # Not complete: nothing is closed.
    assert counts(upload(api, pid, without_tls)) == (0, 3, 0, 0, 0)
    assert counts(upload(api, pid, full, complete="true")) == (0, 3, 0, 1, 0)
    # An accepted finding stays accepted when it goes missing from a complete run.
    r = api.patch(f"/api/v1/findings/{tls['id']}", {"status": "accepted"},
                  headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200
    assert counts(upload(api, pid, without_tls, complete="true")) == (0, 3, 0, 0, 0)


def test_scan_type_and_asset_separate_sources(api):
    pid = project(api)
    r = api.post("/api/v1/assets", {"project_id": pid, "type": "api", "value": "https://a.test"})
    assert r.status_code == 201
    asset = r.json()["data"]["id"]
    body = sample("trivy.json")
    assert counts(upload(api, pid, body)) == (4, 0, 0, 0, 0)
    assert counts(upload(api, pid, body, scan_type="nightly")) == (4, 0, 0, 0, 0)
    assert counts(upload(api, pid, body, scan_type="nightly", asset_id=asset)) == (4, 0, 0, 0, 0)
    assert counts(upload(api, pid, body, scan_type="nightly", asset_id=asset)) == (0, 4, 0, 0, 0)
    assert_problem(upload(api, pid, body, asset_id="asset_notofthisproject0"), 400,
                   "VALIDATION_ERROR")


def test_multipart_upload(api):
    pid = project(api)
    files = {"file": ("scan.nessus", sample("scan.nessus"), "application/xml")}
    r = api.request("POST", f"/api/v1/projects/{pid}/imports", files=files,
                    data={"complete": "true", "scan_type": "weekly", "format": "nessus"})
    assert counts(r) == (4, 0, 0, 0, 0)
    r = api.request("POST", f"/api/v1/projects/{pid}/imports", files=files,
                    data={"scan_type": "weekly"})
    assert counts(r) == (0, 4, 0, 0, 0)
    # No file part, an unknown field, an option twice, a broken body.
    assert_problem(api.request("POST", f"/api/v1/projects/{pid}/imports",
                               files={"format": (None, "nessus")}), 400, "VALIDATION_ERROR")
    assert_problem(api.request("POST", f"/api/v1/projects/{pid}/imports", files=files,
                               data={"colour": "red"}), 400, "VALIDATION_ERROR")
    assert_problem(api.request("POST", f"/api/v1/projects/{pid}/imports", files=files,
                               data={"format": "nessus"}, params={"format": "nessus"}), 400,
                   "VALIDATION_ERROR")
    assert_problem(api.request("POST", f"/api/v1/projects/{pid}/imports", data=b"--x\r\nnope",
                               headers={"Content-Type": "multipart/form-data; boundary=x"}),
                   400, "VALIDATION_ERROR")
    assert_problem(api.request("POST", f"/api/v1/projects/{pid}/imports", data=b"x",
                               headers={"Content-Type": "multipart/form-data"}),
                   400, "VALIDATION_ERROR")


# ---- imports: bad and hostile input ----------------------------------------------------------

MALFORMED = {
    # file: (format to name or None, errors[0].field prefix)
    "hostile/xxe.xml": (None, "line 7"),
    "hostile/xxe-attr.nessus": (None, "line 4"),
    "hostile/billion-laughs.xml": (None, "line "),
    "hostile/deep.json": ("sarif", "line 1, column"),
    "hostile/deep.xml": (None, "line 2"),
    "hostile/deep.jsonl": (None, "line 2"),
    "hostile/invalid-utf8.sarif": (None, "line 3"),
    "hostile/truncated.nessus": ("nessus", "line "),
    "hostile/truncated.json": ("trivy", "line 36, column"),
}


def test_hostile_files_are_422_naming_the_place(api):
    pid = project(api)
    for name, (fmt, where) in MALFORMED.items():
        params = {"format": fmt} if fmt else {}
        body = assert_problem(upload(api, pid, sample(name), **params), 422, "IMPORT_MALFORMED")
        assert body["errors"][0]["field"].startswith(where), (name, body)
    # Nothing was written, and nothing of /etc/passwd ever reached the store.
    assert findings_of(api, pid) == []


def test_bad_requests(api):
    pid = project(api)
    nessus = sample("scan.nessus")
    assert_problem(upload(api, pid, b"just some text\nwith no format\n"), 400,
                   "IMPORT_FORMAT_UNKNOWN")
    assert_problem(upload(api, pid, b'{"hello": "world"}'), 400, "IMPORT_FORMAT_UNKNOWN")
    assert_problem(upload(api, pid, b""), 400, "VALIDATION_ERROR")
    assert_problem(upload(api, pid, nessus, format="pdf"), 400, "VALIDATION_ERROR")
    assert_problem(upload(api, pid, nessus, complete="maybe"), 400, "VALIDATION_ERROR")
    assert_problem(upload(api, pid, nessus, colour="red"), 400, "VALIDATION_ERROR")
    assert_problem(upload(api, pid, nessus, scan_type=""), 400, "VALIDATION_ERROR")
    # The wrong format named: the root element says so.
    body = assert_problem(upload(api, pid, nessus, format="burp"), 422, "IMPORT_MALFORMED")
    assert body["errors"][0]["field"] == "line 1"
    assert_problem(upload(api, "proj_doesnotexist00000", nessus), 404, "NOT_FOUND")
    assert_problem(upload(api, "not-an-id", nessus), 404, "NOT_FOUND")
    assert findings_of(api, pid) == []
