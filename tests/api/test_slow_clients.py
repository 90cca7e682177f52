# SPDX-License-Identifier: MIT
"""Slow clients (issue 14, item 4), against a server started with a 1 s header deadline and a
1 KiB/s minimum body rate: raw sockets drip bytes, and the test counts how many were sent
before the server answered 408 REQUEST_TIMEOUT and closed. A client that never finishes its
headers or body would otherwise send every byte; a normal client keeps being served."""
import http.client
import json
import select
import socket

import pytest

from conftest import Server

DRIP_S = 0.2  # one byte per 200 ms: 5 B/s, far below any sane client


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    srv = Server(str(tmp_path_factory.mktemp("slowclients")),
                 extra_args=("--header-timeout", "1", "--body-min-rate", "1024"))
    yield srv
    srv.stop()


def read_until_closed(sock, limit=10.0):
    """Everything the server sends until it closes (a reset counts as closed)."""
    data = b""
    sock.setblocking(True)
    sock.settimeout(limit)
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data, True
        except socket.timeout:
            return data, False
        if not chunk:
            return data, True
        data += chunk


def drip(sock, data, each=None):
    """Sends data one byte per DRIP_S until the server speaks or closes. Returns (bytes sent,
    what the server sent, closed). `each` runs between drips (a normal client's request)."""
    sent = 0
    for i in range(len(data)):
        try:
            sock.sendall(data[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += 1
        if each:
            each()
        readable, _, _ = select.select([sock], [], [], DRIP_S)
        if readable:
            break
    got, closed = read_until_closed(sock)
    return sent, got, closed


def parse(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip()
               for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split(" ")[1]), headers, body


def assert_408(got, closed):
    status, headers, body = parse(got)
    assert status == 408, got[:300]
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"].lower() == "close"
    problem = json.loads(body)
    assert problem["code"] == "REQUEST_TIMEOUT" and problem["status"] == 408
    assert closed, "the connection must be closed after the 408"


def test_header_drip_is_cut_with_408_while_a_normal_client_is_served(slow):
    raw = (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 200 + b"\r\n\r\n")
    normal = http.client.HTTPConnection("127.0.0.1", slow.port, timeout=10)
    served = []

    def normal_request():
        normal.request("GET", "/health")
        resp = normal.getresponse()
        resp.read()
        served.append(resp.status)

    sock = socket.create_connection(("127.0.0.1", slow.port), timeout=10)
    try:
        sent, got, closed = drip(sock, raw, each=normal_request)
    finally:
        sock.close()
        normal.close()
    assert sent < len(raw) // 2, f"the dripping client sent {sent} of {len(raw)} bytes"
    assert_408(got, closed)
    assert served and all(s == 200 for s in served), served


def test_request_line_drip_is_cut_with_408(slow):
    raw = b"GET /api/v1/clients?" + b"a" * 200 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    sock = socket.create_connection(("127.0.0.1", slow.port), timeout=10)
    try:
        sent, got, closed = drip(sock, raw)
    finally:
        sock.close()
    assert sent < len(raw) // 2
    assert_408(got, closed)


def test_body_below_min_rate_is_cut_with_408(slow):
    body = b'{"name":"slow"' + b" " * 300 + b"}"
    head = (b"POST /api/v1/clients HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + slow.token.encode() + b"\r\nContent-Type: application/json\r\n"
            + b"Content-Length: %d\r\n\r\n" % len(body))
    sock = socket.create_connection(("127.0.0.1", slow.port), timeout=10)
    try:
        sock.sendall(head)
        sent, got, closed = drip(sock, body)
    finally:
        sock.close()
    assert sent < len(body) // 2, f"the dripping client sent {sent} of {len(body)} bytes"
    assert_408(got, closed)


def test_large_body_sent_promptly_is_served(slow):
    """A 400 KiB body (JSON whitespace) in 4 KiB writes is far above the minimum rate."""
    body = b'{"name":"prompt"' + b" " * (400 << 10) + b"}"
    conn = http.client.HTTPConnection("127.0.0.1", slow.port, timeout=30)
    conn.putrequest("POST", "/api/v1/clients")
    conn.putheader("Authorization", "Bearer " + slow.token)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    for i in range(0, len(body), 4096):
        conn.send(body[i:i + 4096])
    resp = conn.getresponse()
    assert resp.status == 201, resp.read()[:300]
    conn.close()


def test_kept_alive_connection_gets_a_fresh_deadline_per_request(slow):
    """Many quick requests on one connection: each one's deadline starts after the previous
    answer, so none is cut however long the connection lives."""
    conn = http.client.HTTPConnection("127.0.0.1", slow.port, timeout=10)
    for _ in range(200):
        conn.request("GET", "/health")
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200
    conn.close()


def test_idle_kept_alive_connection_is_closed_without_an_answer(slow):
    """No byte of a next request: closing says nothing, so a client sending at that moment
    cannot mistake a 408 for the answer to its request."""
    sock = socket.create_connection(("127.0.0.1", slow.port), timeout=10)
    try:
        answered_once(sock)
        got, closed = read_until_closed(sock)
    finally:
        sock.close()
    assert closed and got == b"", got[:200]


def answered_once(sock):
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    first = b""
    while b'"database"' not in first:
        chunk = sock.recv(65536)
        assert chunk, "closed before the first answer"
        first += chunk
    assert parse(first)[0] == 200


def test_next_request_headers_dripped_on_kept_alive_connection_get_408(slow):
    """Once the next request line is in, a kept-alive connection is cut with a 408."""
    sock = socket.create_connection(("127.0.0.1", slow.port), timeout=10)
    try:
        answered_once(sock)
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        raw = b"Host: x\r\nX-Pad: " + b"a" * 200 + b"\r\n\r\n"
        sent, got, closed = drip(sock, raw)
    finally:
        sock.close()
    assert sent < len(raw) // 2
    assert_408(got, closed)


def test_next_request_line_dripped_on_kept_alive_connection_is_closed(slow):
    """Before its request line is complete a next request looks like an idle connection to
    libmicrohttpd 0.9.75's callbacks: it is closed at the deadline, without an answer."""
    sock = socket.create_connection(("127.0.0.1", slow.port), timeout=10)
    try:
        answered_once(sock)
        raw = b"GET /health?" + b"a" * 200 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        sent, got, closed = drip(sock, raw)
    finally:
        sock.close()
    assert sent < len(raw) // 2
    assert closed and got == b"", got[:200]
