# SPDX-License-Identifier: MIT
"""Graceful shutdown: SIGTERM lets the request in flight finish, exits 0, and the database
is left consistent for the next start."""
import os
import signal
import socket
import time

from conftest import Server, Api


def read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_sigterm_finishes_in_flight_request_and_exits_zero(tmp_path):
    """Ordered by what the server shows, never by sleeping: the 100 Continue says the request
    is in flight (its headers were handled); a 503 to a new request says the drain began."""
    srv = Server(str(tmp_path))
    token = srv.token
    body = b'{"name": "slow upload"}'
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    head = (f"POST /api/v1/clients HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Expect: 100-continue\r\n\r\n").encode()
    s.sendall(head)
    assert read_head(s).startswith(b"HTTP/1.1 100"), "the server did not take the request"
    s.sendall(body[:5])
    srv.proc.send_signal(signal.SIGTERM)
    draining = False
    for _ in range(2000):  # bounded: each try is one request the server answers
        probe = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        probe.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status = read_head(probe)[:12]
        probe.close()
        if status == b"HTTP/1.1 503":
            draining = True
            break
        assert status == b"HTTP/1.1 200", status
    assert draining, "SIGTERM did not start a drain"
    s.sendall(body[5:])
    data = read_head(s)
    s.close()
    assert data.startswith(b"HTTP/1.1 201"), data[:200]
    assert srv.proc.wait(timeout=20) == 0
    srv.log.close()
    assert "stopped cleanly" in open(srv.log_path).read()


def test_restart_keeps_data_and_does_not_reissue_admin_token(tmp_path):
    srv = Server(str(tmp_path))
    api = Api(srv)
    cid = api.post("/api/v1/clients", {"name": "durable"}).json()["data"]["id"]
    assert srv.stop() == 0
    # Second start on the same database: no new token is printed, the data is there.
    import subprocess
    from conftest import start_vigil
    proc, port, log = start_vigil(["--database", srv.url, "--data-dir", srv.tmpdir],
                                  dict(os.environ), os.path.join(srv.tmpdir, "restart.log"),
                                  stdout=subprocess.PIPE)
    try:
        import requests
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                r = requests.get(f"http://127.0.0.1:{port}/api/v1/clients/{cid}",
                                 headers={"Authorization": f"Bearer {srv.token}"}, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        assert r.status_code == 200 and r.json()["data"]["name"] == "durable"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        log.close()
    assert proc.returncode == 0
    assert "vgl_live_" not in out
