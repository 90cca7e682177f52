# SPDX-License-Identifier: MIT
"""Black-box harness: starts the real `vigil serve` binary on a free loopback port with a fresh
database and speaks HTTP to it. Every response the tests receive through `Api` is checked
against docs/openapi.yaml (path, method, status, content type and body schema), so the document
and the server cannot drift apart.

With VIGIL_TEST_DATABASE_URL (a PostgreSQL admin URL, see scripts/pg-cluster.sh) every Server
gets a database of its own on that server instead of a SQLite file; tests about the SQLite file
are marked sqlite_only and skipped. With VIGIL_TEST_SERVERS=2 as well, the shared `server` and
`fresh_server` run two `vigil serve` processes on one database and `Api` alternates its requests
between them; a test that needs one process is marked single_process (servers a test starts
itself are one process unless it asks for more)."""
import base64
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
PG_ADMIN_URL = os.environ.get("VIGIL_TEST_DATABASE_URL") or None
SERVERS = int(os.environ.get("VIGIL_TEST_SERVERS") or "1")
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


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): opens the SQLite database file or "
                            "its directory; skipped when VIGIL_TEST_DATABASE_URL is set")
    config.addinivalue_line("markers", "single_process: needs one server process (signals, "
                            "logs, shutdown, per-process limits) even with VIGIL_TEST_SERVERS=2")


def pytest_runtest_setup(item):
    marker = item.get_closest_marker("sqlite_only")
    if marker and PG_ADMIN_URL:
        pytest.skip("SQLite only: " + (marker.args[0] if marker.args else "opens the SQLite file"))


# tmpdir -> (name, URL): a server started again on the same data directory (the Restarted
# classes) finds the same database, as it finds the same SQLite file.
_pg_databases = {}


def pg_database_for(tmpdir):
    """The database of a data directory on the PostgreSQL server of VIGIL_TEST_DATABASE_URL,
    created on first use; returns (name, URL): the admin URL with the database name replaced,
    its ?host=... kept."""
    if tmpdir in _pg_databases:
        return _pg_databases[tmpdir]
    name = f"vigil_api_{os.getpid()}_{len(_pg_databases) + 1}"
    subprocess.run(["/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", PG_ADMIN_URL,
                    "-c", f"CREATE DATABASE {name}"], check=True, timeout=60)
    head, sep, query = PG_ADMIN_URL.partition("?")
    scheme, _, rest = head.partition("://")
    authority = rest.split("/", 1)[0]
    _pg_databases[tmpdir] = (name, f"{scheme}://{authority}/{name}{sep}{query}")
    return _pg_databases[tmpdir]


def pytest_sessionfinish(session):
    """Drops the session's databases (pg/stop removes the whole cluster later anyway)."""
    for name, _ in _pg_databases.values():
        subprocess.run(["/usr/bin/psql", "-X", "-q", PG_ADMIN_URL,
                        "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], timeout=60)


LISTENING_RE = re.compile(r"listening on 127\.0\.0\.1:(\d+) ")


def start_vigil(args, env, log_path, stdout=subprocess.DEVNULL):
    """Starts `vigil serve ARGS` listening on a port it picks itself (--listen 127.0.0.1:0) and
    returns (proc, port, log) once its log names the port. A port picked by the test instead
    (free_port) can be taken by another suite's server before this one binds it; that server
    then answers this one's health check and refuses its tokens."""
    log = open(log_path, "w", encoding="utf-8")
    proc = subprocess.Popen([VIGIL_BIN, "serve", "--listen", "127.0.0.1:0", *args],
                            stdout=stdout, stderr=log, env=env, text=True)
    deadline = time.time() + 30
    while True:
        with open(log_path, encoding="utf-8") as f:
            m = LISTENING_RE.search(f.read())
        if m:
            return proc, int(m.group(1)), log
        if proc.poll() is not None or time.time() > deadline:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            log.close()
            with open(log_path, encoding="utf-8") as f:
                raise AssertionError(f"vigil serve did not start (exit {proc.returncode}); "
                                     f"log:\n{f.read()}")
        time.sleep(0.02)


def write_kek(path, secret=None):
    """A key-encryption key file: 32 random bytes in base64, mode 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret if secret is not None else base64.b64encode(os.urandom(32)).decode() + "\n")
    os.chmod(path, 0o600)
    return path


class Server:
    """A vigil server with its own data directory and database: one process, or `processes`
    of them on the same database (each on its own port; `base`, `port`, `proc` and `log` are
    the first's).

    With `kek` (a key-encryption key file's path, created when missing) the processes keep
    their keys in the database (--key-encryption-key-file) and each gets a data directory of
    its own (`data_dirs`), so they can share keys only through the database. Several processes
    always run that way unless a test names a key file.

    `token`: the admin token of an earlier start on the same tmpdir (a restart prints none)."""

    def __init__(self, tmpdir, extra_args=(), env=None, processes=1, kek=None, token=None):
        self.tmpdir = tmpdir
        if kek is None and processes > 1 and "--jwt-key-file" not in extra_args:
            kek = os.path.join(tmpdir, "kek")
        self.kek = kek
        if kek and not os.path.exists(kek):
            write_kek(kek)
        self.data_dirs = []
        self.db = os.path.join(tmpdir, "vigil.db")
        if PG_ADMIN_URL:
            _, self.url = pg_database_for(tmpdir)
        else:
            self.url = f"sqlite:{self.db}"
        # Named explicitly: by default they sit next to a SQLite file, and the processes of
        # one server must share them (tokens signed by one are verified by the other).
        self.jwt_key_file = os.path.join(tmpdir, "jwt.keys")
        self.scan_key_file = os.path.join(tmpdir, "scan-credentials.key")
        self.extra_args = tuple(extra_args)
        self.env = self._environment(env)
        self.procs, self.logs, self.log_paths, self.ports = [], [], [], []
        self._start_process()
        self.proc, self.port, self.log, self.log_path = (
            self.procs[0], self.ports[0], self.logs[0], self.log_paths[0])
        self.base = f"http://127.0.0.1:{self.port}"
        self.token = token or self._read_token()
        self._wait_ready(self.port)
        for _ in range(processes - 1):
            self._start_process()
            self._wait_ready(self.ports[-1])
        self.bases = [f"http://127.0.0.1:{p}" for p in self.ports]

    def _environment(self, env):
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
        if not self.kek:
            full_env.setdefault("VIGIL_SCAN_KEY_FILE", self.scan_key_file)
        full_env.update(env or {})
        return full_env

    def _start_process(self):
        n = len(self.procs)
        log_path = os.path.join(self.tmpdir, "server.log" if n == 0 else f"server{n + 1}.log")
        args = ["--database", self.url]
        if self.kek:
            data_dir = os.path.join(self.tmpdir, f"data{n + 1}")
            self.data_dirs.append(data_dir)
            args += ["--key-encryption-key-file", self.kek, "--data-dir", data_dir]
        elif "--jwt-key-file" not in self.extra_args:
            args += ["--jwt-key-file", self.jwt_key_file]
        # Only the first start prints the admin token; later processes' stdout is not read.
        proc, port, log = start_vigil([*args, *self.extra_args], self.env, log_path,
                                      stdout=subprocess.PIPE if n == 0 else subprocess.DEVNULL)
        self.procs.append(proc)
        self.ports.append(port)
        self.logs.append(log)
        self.log_paths.append(log_path)

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

    def _wait_ready(self, port):
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("server did not become healthy; log:\n" + self.read_log())

    def read_log(self):
        """Every process's log, the first's first."""
        text = ""
        for log, path in zip(self.logs, self.log_paths):
            log.flush()
            with open(path, encoding="utf-8") as f:
                text += f.read()
        return text

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Stops every process; returns the first's exit status."""
        for proc, log in zip(self.procs, self.logs):
            if proc.poll() is None:
                proc.send_signal(sig)
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.close()
        return self.proc.returncode


class Api:
    """HTTP client bound to one server and one credential; checks every answer against the
    OpenAPI document unless told not to."""

    def __init__(self, server, token=None, header="bearer"):
        self.server = server
        self.token = token if token is not None else server.token
        self.header = header
        self.session = requests.Session()
        self._next = 0

    def with_token(self, token, header="bearer"):
        return Api(self.server, token, header)

    def request(self, method, path, json_body=None, data=None, headers=None, validate=True,
                params=None, **kw):
        url = path if path.startswith("http") else self._next_base() + path
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

    def _next_base(self):
        """The server's processes in turn, so consecutive requests reach different ones."""
        bases = getattr(self.server, "bases", [self.server.base])
        self._next += 1
        return bases[(self._next - 1) % len(bases)]

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
    srv = Server(str(tmp_path_factory.mktemp("vigil")), processes=SERVERS)
    yield srv
    srv.stop()


@pytest.fixture
def fresh_server(request, tmp_path):
    single = request.node.get_closest_marker("single_process")
    srv = Server(str(tmp_path), processes=1 if single else SERVERS)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def api(server):
    return Api(server)
