# SPDX-License-Identifier: MIT
"""Operator commands against a live server's database: `vigil token create` and
`vigil org create` issue working credentials offline, with the API's validation."""
import re
import subprocess

from conftest import Api, Server, VIGIL_BIN, assert_problem

TOKEN_RE = re.compile(r"^vgl_live_[A-Za-z0-9]{38}$", re.M)


def vigil(*args):
    return subprocess.run([VIGIL_BIN, *args], capture_output=True, text=True, timeout=30)


def test_token_create_offline_issues_a_scoped_token(tmp_path):
    srv = Server(str(tmp_path))
    try:
        out = vigil("token", "create", "--name", "ci", "--scopes", "findings:read,projects:read",
                    "--expires", "30d", "--database", srv.url)
        assert out.returncode == 0, out.stderr
        token = TOKEN_RE.search(out.stdout).group(0)
        t = Api(srv, token=token)
        assert t.get("/api/v1/findings").status_code == 200
        assert_problem(t.post("/api/v1/clients", {"name": "x"}), 403, "FORBIDDEN")
        listed = Api(srv).get("/api/v1/tokens", params={"per_page": 100}).json()["data"]
        mine = [x for x in listed if x["name"] == "ci"]
        assert mine and mine[0]["expires_at"] is not None and mine[0]["created_by"] == "cli"

        # The same validation as POST /api/v1/tokens.
        bad = vigil("token", "create", "--name", "x", "--scopes", "findings:delete",
                    "--database", srv.url)
        assert bad.returncode == 2 and "scopes" in bad.stderr
        assert vigil("token", "create", "--name", "x", "--database",
                     srv.url).returncode == 2

        # With two organizations the command must be told which one.
        assert vigil("org", "create", "Second", "--database", srv.url).returncode == 0
        ambiguous = vigil("token", "create", "--name", "x", "--scopes", "findings:read",
                          "--database", srv.url)
        assert ambiguous.returncode == 2 and "--org" in ambiguous.stderr
        org = Api(srv).get("/api/v1/organization").json()["data"]["id"]
        named = vigil("token", "create", "--name", "y", "--scopes", "findings:read",
                      "--org", org, "--database", srv.url)
        assert named.returncode == 0, named.stderr
    finally:
        srv.stop()
