# SPDX-License-Identifier: MIT
"""Harness for the `vigil scan` command-line tests: runs the real binary against loopback
targets only. `tiny` is a small in-process API (counts requests, records credentials, serves its
own OpenAPI document); `fixture` starts the scanner's vulnerable shop API (tests/scan/fixture.py)
in its vulnerable or fixed variant."""
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SOURCE_DIR = os.environ.get("VIGIL_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
VIGIL_BIN = os.environ.get("VIGIL_BIN") or os.path.join(SOURCE_DIR, "build", "vigil")
FIXTURE = os.path.join(SOURCE_DIR, "tests", "scan", "fixture.py")
FIXTURE_SPEC = os.path.join(SOURCE_DIR, "tests", "scan", "openapi.yaml")

TINY_SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Tiny", "version": "1"},
    "paths": {
        "/items": {
            "get": {"responses": {"200": {"description": "list"}}},
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string", "maxLength": 30}}}}}},
                "responses": {"201": {"description": "created"}},
            },
        },
        "/items/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "get": {"responses": {"200": {"description": "one"}}},
        },
    },
}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tiny:
    """A tidy little API: items, its own spec at /openapi.json, a request counter."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.auth_seen = set()
        self.paths = []
        self.token_requests = []
        self.items = {1: {"id": 1, "name": "first"}}
        tiny = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, obj):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Content-Type-Options", "nosniff")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with tiny.lock:
                    tiny.requests += 1
                    if self.headers.get("Authorization"):
                        tiny.auth_seen.add(self.headers["Authorization"])
                path = self.path.split("?")[0]
                with tiny.lock:
                    tiny.paths.append(path)
                if path == "/oauth/token" and self.command == "POST":
                    form = dict(p.split("=", 1) for p in body.decode().split("&") if "=" in p)
                    with tiny.lock:
                        tiny.token_requests.append(form)
                    if form.get("grant_type") == "client_credentials" and \
                            form.get("client_id") == "cid":
                        return self.reply(200, {"access_token": "oauth-abcdefghijklmnop",
                                                "token_type": "bearer"})
                    return self.reply(401, {"error": "invalid_client"})
                if path == "/auth/login" and self.command == "POST":
                    doc = json.loads(body or b"{}")
                    if doc.get("user") == "a:b" and doc.get("pass") == "p:w:d":
                        return self.reply(200, {"data": {"jwt": "login-abcdefghijklmnop"}})
                    return self.reply(401, {"error": "bad credentials"})
                if path == "/openapi.json" and self.command == "GET":
                    return self.reply(200, TINY_SPEC)
                if path == "/items" and self.command == "GET":
                    return self.reply(200, list(tiny.items.values()))
                if path == "/items" and self.command == "POST":
                    try:
                        name = json.loads(body)["name"]
                        assert isinstance(name, str)
                    except Exception:
                        return self.reply(400, {"error": "bad input"})
                    with tiny.lock:
                        new = {"id": max(tiny.items) + 1, "name": name[:30]}
                        tiny.items[new["id"]] = new
                    return self.reply(201, new)
                if path.startswith("/items/") and self.command == "GET":
                    try:
                        item = tiny.items[int(path[7:])]
                    except (ValueError, KeyError):
                        return self.reply(404, {"error": "not found"})
                    return self.reply(200, item)
                return self.reply(404, {"error": "not found"})

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

            def do_HEAD(self):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tiny():
    t = Tiny()
    yield t
    t.stop()


@pytest.fixture
def tiny_spec(tmp_path):
    p = tmp_path / "tiny.json"
    p.write_text(json.dumps(TINY_SPEC))
    return str(p)


def start_fixture(*args):
    port = free_port()
    proc = subprocess.Popen([sys.executable, FIXTURE, "--port", str(port), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, "http://127.0.0.1:%d" % port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("fixture did not start")


@pytest.fixture
def fixture_api(request):
    proc, url = start_fixture(*request.param)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def run_scan(*args, env=None, timeout=600):
    full_env = dict(os.environ)
    for k in list(full_env):
        if k.startswith("VIGIL_SCAN_"):
            del full_env[k]
    full_env.update(env or {})
    return subprocess.run([VIGIL_BIN, "scan", *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, stdin=subprocess.DEVNULL)
