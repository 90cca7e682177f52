# SPDX-License-Identifier: MIT
"""Black-box harness: starts the real `vigil serve` binary on a free loopback port with a fresh
database and speaks HTTP to it. Every response the tests receive through `Api` is checked
against docs/openapi.yaml (path, method, status, content type and body schema), so the document
and the server cannot drift apart."""
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests
import yaml
from jsonschema import Draft202012Validator, RefResolver

SOURCE_DIR = os.environ.get("VIGIL_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
VIGIL_BIN = os.environ.get("VIGIL_BIN") or os.path.join(SOURCE_DIR, "build", "vigil")
TOKEN_RE = re.compile(r"^(vgl_live_[A-Za-z0-9]{38})$", re.M)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OpenApi:
    """The OpenAPI document, compiled for response checking."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        self.resolver = RefResolver.from_schema(self.doc)
        self.templates = []
        for tpl in self.doc["paths"]:
            rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(tpl)) + "$"
            # Literal segments beat parameters: sort so that fewer parameters match first.
            self.templates.append((tpl.count("{"), tpl, re.compile(rx)))
        self.templates.sort()

    def operation(self, method, path):
        for _, tpl, rx in self.templates:
            if rx.match(path):
                item = self.doc["paths"][tpl]
                return tpl, item.get(method.lower())
        return None, None

    def schema_validate(self, schema, value, where):
        validator = Draft202012Validator(schema, resolver=self.resolver)
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            raise AssertionError(
                f"{where}: response does not match the OpenAPI schema at "
                f"{'/'.join(str(p) for p in e.path)}: {e.message}")

    def check(self, method, url, resp):
        path = requests.utils.urlparse(url).path
        tpl, op = self.operation(method, path)
        where = f"{method} {path} -> {resp.status_code}"
        assert tpl is not None, f"{where}: path not in docs/openapi.yaml"
        if op is None:
            # A path the document knows with a method it does not: the server must say 405.
            assert resp.status_code == 405, f"{where}: undocumented method answered"
            return
        responses = op.get("responses", {})
        spec = responses.get(str(resp.status_code)) or responses.get("default")
        assert spec is not None, f"{where}: status not documented for {method.upper()} {tpl}"
        while "$ref" in spec:
            spec = self.resolver.resolve(spec["$ref"])[1]
        content = spec.get("content")
        if method.upper() == "HEAD" or resp.status_code in (204, 304):
            return
        if not content:
            return
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip()
        assert ctype in content, f"{where}: content type {ctype!r} not in {list(content)}"
        schema = content[ctype].get("schema")
        if schema is not None and ctype.endswith("json"):
            self.schema_validate(schema, resp.json(), where)


OPENAPI = OpenApi(os.path.join(SOURCE_DIR, "docs", "openapi.yaml"))


class Server:
    """One vigil process with its own data directory."""

    def __init__(self, tmpdir, extra_args=(), env=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.tmpdir = tmpdir
        self.db = os.path.join(tmpdir, "vigil.db")
        self.log_path = os.path.join(tmpdir, "server.log")
        full_env = dict(os.environ)
        # The suite sends hundreds of requests quickly from one admin token: start with generous
        # rate limits unless a test asks for small ones (tests/api/test_ratelimit.py).
        full_env.update({"VIGIL_RATE_STANDARD": "1000000/100000",
                         "VIGIL_RATE_ADMIN": "1000000/100000",
                         "VIGIL_RATE_SERVICE": "1000000/100000",
                         "VIGIL_RATE_ANONYMOUS": "1000000/100000",
                         # Test hooks (src/core/testhook.h): counted argon2 verifications and
                         # an advanceable clock, so no test has to time or sleep.
                         "VIGIL_TEST_HOOKS": "1"})
        full_env.update(env or {})
        self.log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [VIGIL_BIN, "serve", "--listen", f"127.0.0.1:{self.port}",
             "--database", f"sqlite:{self.db}", *extra_args],
            stdout=subprocess.PIPE, stderr=self.log, env=full_env, text=True)
        self.token = self._read_token()
        self._wait_ready()

    def _read_token(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = TOKEN_RE.match(line.strip())
            if m:
                return m.group(1)
        raise AssertionError("server printed no admin token; log:\n" + self.read_log())

    def _wait_ready(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if requests.get(self.base + "/health", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("server did not become healthy; log:\n" + self.read_log())

    def read_log(self):
        self.log.flush()
        with open(self.log_path, encoding="utf-8") as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


class Api:
    """HTTP client bound to one server and one credential; checks every answer against the
    OpenAPI document unless told not to."""

    def __init__(self, server, token=None, header="bearer"):
        self.server = server
        self.token = token if token is not None else server.token
        self.header = header
        self.session = requests.Session()

    def with_token(self, token, header="bearer"):
        return Api(self.server, token, header)

    def request(self, method, path, json_body=None, data=None, headers=None, validate=True,
                params=None, **kw):
        url = path if path.startswith("http") else self.server.base + path
        h = {}
        if self.token:
            if self.header == "bearer":
                h["Authorization"] = f"Bearer {self.token}"
            else:
                h["X-API-Key"] = self.token
        if json_body is not None:
            data = json.dumps(json_body)
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        resp = self.session.request(method, url, data=data, headers=h, params=params,
                                    timeout=30, **kw)
        assert "X-Request-Id" in resp.headers, f"{method} {path}: no X-Request-Id"
        if resp.status_code >= 400 and resp.status_code != 405 and method != "HEAD":
            assert resp.headers.get("Content-Type", "").startswith(
                "application/problem+json"), f"{method} {path}: error is not problem+json"
        if validate:
            OPENAPI.check(method, resp.url, resp)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, json_body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, json_body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, json_body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def assert_problem(resp, status, code):
    """The exact status and problem code, and a well-formed RFC 9457 body."""
    assert resp.status_code == status, \
        f"expected {status} {code}, got {resp.status_code}: {resp.text[:500]}"
    body = resp.json()
    assert body["code"] == code, f"expected code {code}, got {body}"
    assert body["status"] == status
    for key in ("type", "title", "detail", "instance", "request_id"):
        assert key in body, f"problem lacks {key}: {body}"
    return body


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = Server(str(tmp_path_factory.mktemp("vigil")))
    yield srv
    srv.stop()


@pytest.fixture
def fresh_server(tmp_path):
    srv = Server(str(tmp_path))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def api(server):
    return Api(server)
