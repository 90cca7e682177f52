# SPDX-License-Identifier: MIT
"""The HTTP layer's limits and framing, each with its exact status and problem code."""
import json
import re
import socket

import requests

from conftest import Api, assert_problem


def test_health_needs_no_credential(server):
    anon = Api(server, token="")
    for path in ("/health", "/api/health"):
        r = anon.get(path)
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "healthy" and body["database"] == "ok"
        assert body["version"]


def test_openapi_document_is_served_as_json(server):
    anon = Api(server, token="")
    for path in ("/openapi.json", "/api/v1/openapi.json"):
        r = anon.get(path)
        assert r.status_code == 200
        doc = r.json()
        assert doc["openapi"].startswith("3.1")
        assert "/api/v1/findings" in doc["paths"]


def test_unknown_route_is_404(api):
    assert_problem(api.get("/api/v1/nothing-here", validate=False), 404, "NOT_FOUND")


def test_wrong_method_is_405_with_allow(api):
    r = api.request("PATCH", "/api/v1/findings", json_body={})
    assert_problem(r, 405, "METHOD_NOT_ALLOWED")
    allow = {m.strip() for m in r.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allow


def test_body_over_limit_is_413_before_reading(api):
    big = b'{"name": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    r = api.request("POST", "/api/v1/clients", data=big,
                    headers={"Content-Type": "application/json"})
    assert_problem(r, 413, "PAYLOAD_TOO_LARGE")


def test_chunked_body_over_limit_is_413(api):
    def chunks():
        yield b'{"name": "'
        for _ in range(130):
            yield b"x" * 8192
        yield b'"}'
    r = api.request("POST", "/api/v1/clients", data=chunks(),
                    headers={"Content-Type": "application/json"})
    assert_problem(r, 413, "PAYLOAD_TOO_LARGE")


def test_non_json_content_type_is_415(api):
    r = api.request("POST", "/api/v1/clients", data="name=x",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    r = api.request("POST", "/api/v1/clients", data='{"name": "x"}')
    assert_problem(r, 415, "UNSUPPORTED_MEDIA_TYPE")


def raw_post(api, body):
    return api.request("POST", "/api/v1/clients", data=body,
                       headers={"Content-Type": "application/json"})


def test_malformed_json_is_400(api):
    assert_problem(raw_post(api, b'{"name": '), 400, "VALIDATION_ERROR")


def test_invalid_utf8_is_400(api):
    assert_problem(raw_post(api, b'{"name": "\xff\xfe"}'), 400, "VALIDATION_ERROR")


def test_duplicate_keys_are_400(api):
    assert_problem(raw_post(api, b'{"name": "a", "name": "b"}'), 400, "VALIDATION_ERROR")


def test_nesting_deeper_than_32_is_400(api):
    deep = '{"name": "x", "notes": ' + "[" * 40 + "]" * 40 + "}"
    assert_problem(raw_post(api, deep.encode()), 400, "VALIDATION_ERROR")


def test_top_level_array_and_empty_body_are_400(api):
    assert_problem(raw_post(api, b'[{"name": "x"}]'), 400, "VALIDATION_ERROR")
    assert_problem(raw_post(api, b""), 400, "VALIDATION_ERROR")


def test_unknown_and_read_only_fields_are_400(api):
    r = api.post("/api/v1/clients", {"name": "x", "is_admin": True})
    body = assert_problem(r, 400, "VALIDATION_ERROR")
    assert any(e["field"] == "is_admin" for e in body["errors"])
    r = api.post("/api/v1/clients", {"name": "x", "id": "client_abc"})
    body = assert_problem(r, 400, "VALIDATION_ERROR")
    assert any(e["field"] == "id" for e in body["errors"])
    r = api.post("/api/v1/clients", {"name": "x", "created_at": "2026-01-01T00:00:00Z"})
    assert_problem(r, 400, "VALIDATION_ERROR")


def test_request_id_is_echoed_or_generated(api):
    r = api.get("/api/v1/clients", headers={"X-Request-Id": "ci-run-42.a"})
    assert r.headers["X-Request-Id"] == "ci-run-42.a"
    r = api.get("/api/v1/clients", headers={"X-Request-Id": "bad id\twith spaces"})
    assert r.headers["X-Request-Id"] != "bad id\twith spaces"
    # Generated: "req_" and 20 hex digits (80 random bits), a fresh one every time.
    ids = {api.get("/api/v1/clients").headers["X-Request-Id"] for _ in range(20)}
    ids.add(r.headers["X-Request-Id"])
    assert len(ids) == 21 and all(re.fullmatch(r"req_[0-9a-f]{20}", i) for i in ids), ids
    r = api.get("/api/v1/clients/client_missing", validate=False)
    assert r.json()["request_id"] == r.headers["X-Request-Id"]


def test_problem_has_all_rfc9457_members(api):
    r = api.get("/api/v1/findings/find_doesnotexist")
    body = assert_problem(r, 404, "NOT_FOUND")
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert body["instance"] == "/api/v1/findings/find_doesnotexist"
    assert body["type"].startswith("https://")


def test_keep_alive_connection_is_reused(server):
    # Two requests on one raw socket: the second must be answered on the same connection.
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        req = (f"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").encode()
        for _ in range(2):
            s.sendall(req)
            data = b""
            while b"\r\n\r\n" not in data:
                data += s.recv(4096)
            head, _, rest = data.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200")
            length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
            while len(rest) < length:
                rest += s.recv(4096)
            assert json.loads(rest[:length])["status"] == "healthy"


def test_security_headers_on_every_response(api):
    r = api.get("/api/v1/clients")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in r.headers["Cache-Control"]
