# SPDX-License-Identifier: MIT
"""`vigil scan` from the outside: exit codes 0/1/2, the messages for an unreachable target, an
unparsable spec and bad flags, limits honoured end to end, credentials masked, and every
--format writing a file that parses."""
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from conftest import FIXTURE_SPEC, free_port, run_scan

ALICE = 'login:/api/login:{"username":"alice","password":"alice-pass-1"}:/access_token'
BOB = 'login:/api/login:{"username":"bob","password":"bob-pass-2"}:/access_token'


def test_help_documents_flags_and_auth_syntax():
    r = run_scan("--help")
    assert r.returncode == 0
    for text in ["bearer:TOKEN", "header:NAME:VALUE", "basic:USER:PASS",
                 "oauth2:TOKEN_URL:CLIENT_ID:CLIENT_SECRET[:SCOPE]",
                 "login:URL:JSON_BODY:JSON_POINTER", "--fail-on", "--max-requests",
                 "--exclude", "--format", "VIGIL_SCAN_AUTH"]:
        assert text in r.stdout


def test_list_checks_names_every_check():
    r = run_scan("--list-checks")
    assert r.returncode == 0
    assert len(r.stdout.strip().splitlines()) >= 5


@pytest.mark.parametrize("args, message", [
    ([], "missing the target URL"),
    (["http://127.0.0.1:9"], "missing --spec"),
    (["ftp://127.0.0.1", "--spec", "x"], "must be an http:// or https:// URL"),
    (["http://127.0.0.1:9", "--spec", "x", "--bogus"], "unknown or incomplete option '--bogus'"),
    (["http://127.0.0.1:9", "--spec"], "needs a value"),
    (["http://127.0.0.1:9", "--spec", "x", "--concurrency", "0"], "--concurrency"),
    (["http://127.0.0.1:9", "--spec", "x", "--timeout", "abc"], "--timeout"),
    (["http://127.0.0.1:9", "--spec", "x", "--rate-limit", "-1"], "--rate-limit"),
    (["http://127.0.0.1:9", "--spec", "x", "--max-requests", "0"], "--max-requests"),
    (["http://127.0.0.1:9", "--spec", "x", "--fail-on", "severe"], "--fail-on"),
    (["http://127.0.0.1:9", "--spec", "x", "--format", "pdf"], "--format"),
    (["http://127.0.0.1:9", "--spec", "x", "--auth", "token:abc"], "invalid --auth"),
    (["http://127.0.0.1:9", "--spec", "x", "--auth2", "basic:nocolon"], "invalid --auth2"),
    (["http://127.0.0.1:9", "http://127.0.0.1:10", "--spec", "x"], "unexpected argument"),
])
def test_bad_usage_exits_2_with_a_message(args, message):
    r = run_scan(*args)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr
    assert r.stdout == ""


def test_unknown_check_is_a_usage_error(tiny, tiny_spec):
    r = run_scan(tiny.url, "--spec", tiny_spec, "--checks", "nope")
    assert r.returncode == 2
    assert "unknown check 'nope'" in r.stderr


def test_unreachable_target_exits_2_and_says_why(tiny_spec):
    port = free_port()
    r = run_scan("http://127.0.0.1:%d" % port, "--spec", tiny_spec, "--timeout", "5")
    assert r.returncode == 2
    assert "cannot reach http://127.0.0.1:%d" % port in r.stderr
    assert "onnect" in r.stderr  # curl's reason: "Failed to connect ..." / "Couldn't connect"
    assert r.stdout == ""


@pytest.mark.parametrize("content, detail", [
    ("{not json", "invalid JSON"),
    ("just: [a, yaml, doc]\n", ""),
    ('{"openapi": "3.0.0", "paths": 5}', "paths"),
])
def test_unparsable_spec_exits_2_with_the_loader_detail(tiny, tmp_path, content, detail):
    spec = tmp_path / "bad.json"
    spec.write_text(content)
    r = run_scan(tiny.url, "--spec", str(spec))
    assert r.returncode == 2
    assert "cannot load the spec" in r.stderr
    assert detail in r.stderr
    assert tiny.requests == 0


def test_missing_spec_file_exits_2(tiny, tmp_path):
    r = run_scan(tiny.url, "--spec", str(tmp_path / "absent.yaml"))
    assert r.returncode == 2
    assert "absent.yaml" in r.stderr


def test_spec_can_be_fetched_from_a_url(tiny, tmp_path):
    out = tmp_path / "r.json"
    r = run_scan(tiny.url, "--spec", tiny.url + "/openapi.json", "--fail-on", "none", "-o",
                 str(out), "-q")
    assert r.returncode == 0, r.stderr
    report = json.loads(out.read_text())
    assert report  # parsed
    assert r.stderr == ""


def test_spec_url_that_fails_exits_2(tiny):
    r = run_scan(tiny.url, "--spec", tiny.url + "/missing.json")
    assert r.returncode == 2
    assert "HTTP 404" in r.stderr


def test_max_requests_is_honoured_end_to_end(tiny, tiny_spec, tmp_path):
    out = tmp_path / "r.json"
    r = run_scan(tiny.url, "--spec", tiny_spec, "--max-requests", "12", "--fail-on", "none",
                 "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert 0 < tiny.requests <= 12
    assert "incomplete" in r.stderr
    assert "max_requests" in out.read_text()


def test_excluded_paths_are_not_requested(tiny, tiny_spec, tmp_path):
    r = run_scan(tiny.url, "--spec", tiny_spec, "--exclude", "/items*", "--fail-on", "none",
                 "-o", str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stderr
    assert tiny.paths  # the target was reached (at least the reachability probe)
    assert [p for p in tiny.paths if p.startswith("/items")] == []


def test_exclusions_from_the_environment(tiny, tiny_spec, tmp_path):
    r = run_scan(tiny.url, "--spec", tiny_spec, "--fail-on", "none", "-o",
                 str(tmp_path / "r.json"), env={"VIGIL_SCAN_EXCLUDE": "/nothing,/items*"})
    assert r.returncode == 0, r.stderr
    assert tiny.paths
    assert [p for p in tiny.paths if p.startswith("/items")] == []


def test_bearer_token_is_sent_but_never_reported(tiny, tiny_spec, tmp_path):
    token = "tok-very-secret-0123456789"
    for fmt in ["json", "markdown"]:
        out = tmp_path / ("r." + fmt)
        r = run_scan(tiny.url, "--spec", tiny_spec, "--auth", "bearer:" + token, "--fail-on",
                     "none", "--format", fmt, "-o", str(out))
        assert r.returncode == 0, r.stderr
        assert token not in out.read_text()
        assert token not in r.stderr
    assert "Bearer " + token in tiny.auth_seen


def test_auth_from_the_environment(tiny, tiny_spec, tmp_path):
    r = run_scan(tiny.url, "--spec", tiny_spec, "--fail-on", "none", "-o",
                 str(tmp_path / "r.json"), env={"VIGIL_SCAN_AUTH": "header:Authorization:Key k-123"})
    assert r.returncode == 0, r.stderr
    assert "Key k-123" in tiny.auth_seen


def test_oauth2_client_credentials_with_a_port_and_scope(tiny, tiny_spec, tmp_path):
    out = tmp_path / "r.json"
    auth = "oauth2:%s/oauth/token:cid:sec%%3Aret:read" % tiny.url
    r = run_scan(tiny.url, "--spec", tiny_spec, "--auth", auth, "--fail-on", "none", "-o",
                 str(out))
    assert r.returncode == 0, r.stderr
    assert tiny.token_requests[0] == {"grant_type": "client_credentials", "client_id": "cid",
                                      "client_secret": "sec%253Aret", "scope": "read"}
    assert "Bearer oauth-abcdefghijklmnop" in tiny.auth_seen
    assert "oauth-abcdefghijklmnop" not in out.read_text()


def test_login_step_with_colons_in_the_body(tiny, tiny_spec, tmp_path):
    out = tmp_path / "r.json"
    auth = 'login:/auth/login:{"user":"a:b","pass":"p:w:d"}:/data/jwt'
    r = run_scan(tiny.url, "--spec", tiny_spec, "--auth", auth, "--fail-on", "none", "-o",
                 str(out))
    assert r.returncode == 0, r.stderr
    assert "Bearer login-abcdefghijklmnop" in tiny.auth_seen
    assert "p:w:d" not in out.read_text()


def test_failed_login_exits_2(tiny, tiny_spec):
    r = run_scan(tiny.url, "--spec", tiny_spec, "--auth",
                 'login:%s/auth/login:{"user":"x"}:/data/jwt' % tiny.url)
    assert r.returncode == 2
    assert "login at %s/auth/login failed: HTTP 401" % tiny.url in r.stderr


class _Html(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)


def _parses(fmt, text):
    if fmt in ("json", "sarif"):
        doc = json.loads(text)
        if fmt == "sarif":
            assert doc["version"] == "2.1.0"
            assert doc["runs"][0]["tool"]["driver"]["name"]
    elif fmt == "junit":
        root = ET.fromstring(text)
        assert root.tag in ("testsuites", "testsuite")
    elif fmt == "html":
        p = _Html()
        p.feed(text)
        assert {"html", "body"} <= p.tags
    else:
        assert text.lstrip().startswith("#")


@pytest.mark.parametrize("fmt", ["json", "sarif", "markdown", "html", "junit"])
def test_every_format_writes_a_file_that_parses(tiny, tiny_spec, tmp_path, fmt):
    out = tmp_path / ("report." + fmt)
    r = run_scan(tiny.url, "--spec", tiny_spec, "--format", fmt, "-o", str(out), "--fail-on",
                 "none")
    assert r.returncode == 0, r.stderr
    _parses(fmt, out.read_text())
    assert "report written to" in r.stderr


@pytest.mark.parametrize("name, fmt", [("r.sarif", "sarif"), ("r.xml", "junit"),
                                       ("r.html", "html"), ("r.md", "markdown"),
                                       ("r.out", "json")])
def test_format_defaults_to_the_output_extension(tiny, tiny_spec, tmp_path, name, fmt):
    out = tmp_path / name
    r = run_scan(tiny.url, "--spec", tiny_spec, "-o", str(out), "--fail-on", "none", "-q")
    assert r.returncode == 0, r.stderr
    _parses(fmt, out.read_text())


def test_summary_lists_what_the_scan_created(tiny, tiny_spec, tmp_path):
    r = run_scan(tiny.url, "--spec", tiny_spec, "--fail-on", "none", "-o",
                 str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stderr
    assert "created" in r.stderr and "POST /items -> " in r.stderr
    assert len(tiny.items) >= 2


def test_report_goes_to_stdout_as_json_when_piped(tiny, tiny_spec):
    r = run_scan(tiny.url, "--spec", tiny_spec, "--fail-on", "none", "-q")
    assert r.returncode == 0, r.stderr
    json.loads(r.stdout)
    assert r.stderr == ""


@pytest.mark.parametrize("fixture_api", [["--fixed", "all"]], indirect=True)
def test_fixed_fixture_exits_0(fixture_api, tmp_path):
    out = tmp_path / "fixed.json"
    r = run_scan(fixture_api, "--spec", FIXTURE_SPEC, "--auth", ALICE, "--auth2", BOB,
                 "--fail-on", "low", "-o", str(out))
    assert r.returncode == 0, r.stderr + out.read_text()[:3000]


@pytest.mark.parametrize("fixture_api", [["--vulnerable", "all"]], indirect=True)
def test_vulnerable_fixture_exits_1_unless_fail_on_none(fixture_api, tmp_path):
    out = tmp_path / "vuln.sarif"
    r = run_scan(fixture_api, "--spec", FIXTURE_SPEC, "--auth", ALICE, "--auth2", BOB,
                 "--checks", "bola,data_exposure", "-o", str(out))
    assert r.returncode == 1, r.stderr
    doc = json.loads(out.read_text())
    assert doc["runs"][0]["results"]
    # Both passwords went out in login bodies; neither may appear in the report.
    assert "alice-pass-1" not in out.read_text()
    assert "bob-pass-2" not in out.read_text()
    r = run_scan(fixture_api, "--spec", FIXTURE_SPEC, "--auth", ALICE, "--auth2", BOB,
                 "--checks", "bola,data_exposure", "--fail-on", "none", "-o", str(out))
    assert r.returncode == 0, r.stderr


def _run_on_pty(args, stream):
    """Runs vigil scan with `stream` ("stdout" or "stderr") on a pseudo-terminal; returns
    (exit code, what the terminal showed, the other stream)."""
    import os
    import pty
    import subprocess

    from conftest import VIGIL_BIN

    master, slave = pty.openpty()
    kwargs = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "stdin": subprocess.DEVNULL}
    kwargs[stream] = slave
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_SCAN_")}
    proc = subprocess.Popen([VIGIL_BIN, "scan", *args], env=env, **kwargs)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    other = (proc.stderr if stream == "stdout" else proc.stdout).read()
    proc.wait(timeout=120)
    os.close(master)
    return proc.returncode, shown.decode(errors="replace"), other.decode(errors="replace")


def test_progress_line_only_on_a_terminal_and_not_when_quiet(tiny, tiny_spec, tmp_path):
    out = str(tmp_path / "r.json")
    rc, shown, _ = _run_on_pty([tiny.url, "--spec", tiny_spec, "--fail-on", "none", "-o", out],
                               "stderr")
    assert rc == 0
    assert "scanning:" in shown and "endpoints" in shown
    assert "report written to" in shown
    rc, shown, _ = _run_on_pty([tiny.url, "--spec", tiny_spec, "--fail-on", "none", "-o", out,
                                "-q"], "stderr")
    assert rc == 0
    assert shown == ""


def test_markdown_is_the_default_on_a_terminal(tiny, tiny_spec):
    rc, shown, err = _run_on_pty([tiny.url, "--spec", tiny_spec, "--fail-on", "none"], "stdout")
    assert rc == 0, err
    assert shown.lstrip().startswith("#")
