# SPDX-License-Identifier: MIT
"""Accept on the report routes (issue 14, item 9): ?format= picks the representation, and an
Accept that excludes it is a 406, as on every other route; a matching Accept is served."""
from conftest import assert_problem
from test_scans import aapi, allowed, fixture, scan_body, wait_status  # noqa: F401 (fixtures)


def test_report_refuses_an_accept_that_excludes_its_format(aapi, fixture):  # noqa: F811
    sid = aapi.post("/api/v1/scans", scan_body(fixture)).json()["data"]["scan_id"]
    assert wait_status(aapi, sid, ("complete", "failed"))["status"] == "complete"
    for path in (f"/api/v1/scans/{sid}/report", f"/api/v1/reports/{sid}"):
        r = aapi.get(path, params={"format": "html"}, headers={"Accept": "text/html"})
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
        r = aapi.get(path, params={"format": "sarif"},
                     headers={"Accept": "application/sarif+json"})
        assert r.status_code == 200
        assert_problem(aapi.get(path, headers={"Accept": "text/html"}), 406, "NOT_ACCEPTABLE")
        assert_problem(aapi.get(path, params={"format": "junit"},
                                headers={"Accept": "application/json"}), 406, "NOT_ACCEPTABLE")
