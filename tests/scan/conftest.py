# SPDX-License-Identifier: MIT
"""Scanner suite: starts the vulnerable fixture API (fixture.py) on a free loopback port and runs
the real `vigil scan` binary ($VIGIL_BIN) against it with `--format json -o FILE`.

Each test gets a fresh fixture process, so state one scan leaves behind (created users, failed
login counters) never leaks into another."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixture.py")
SPEC = os.path.join(HERE, "openapi.yaml")

# Loopback only: no proxy may sit between the tests, the scanner and the fixture.
NO_PROXY_ENV = {k: v for k, v in os.environ.items()
                if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

ALICE = 'login:/api/login:{"username":"alice","password":"alice-pass-1"}:/access_token'
BOB = 'login:/api/login:{"username":"bob","password":"bob-pass-2"}:/access_token'


def vigil_bin():
    path = os.environ.get("VIGIL_BIN")
    if not path:
        build = os.environ.get("VIGIL_BUILD_DIR", os.path.join(HERE, "..", "..", "build"))
        path = os.path.join(build, "vigil")
    assert os.access(path, os.X_OK), "vigil binary not found: set VIGIL_BIN (got %s)" % path
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_inodes(port):
    """The socket inodes listening on a loopback TCP port (/proc/net/tcp and tcp6)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) > 9 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(cols[9])
    return inodes


def owns_port(pid, port):
    """Whether process pid holds a socket listening on port: a health answer on the fixture's
    port may come from another suite's process that took the port first."""
    inodes = listening_inodes(port)
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return False
    for fd in fds:
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:[") and link[8:-1] in inodes:
            return True
    return False


class Fixture:
    """A running fixture API: `command` (default: this python running fixture.py) takes the
    switches --port, --vulnerable and --fixed; `health` is a path answering 200 once it is up."""

    def __init__(self, vulnerable="", fixed="", command=None, health="/api/health"):
        self.command = command or [sys.executable, FIXTURE]
        self.health = health
        # A free port can be taken by someone else before the fixture binds it: try a few.
        for _ in range(5):
            if self._start(vulnerable, fixed):
                return
        raise RuntimeError("fixture could not bind a port")

    def _start(self, vulnerable, fixed):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        args = list(self.command) + ["--port", str(self.port)]
        if vulnerable:
            args += ["--vulnerable", vulnerable]
        if fixed:
            args += ["--fixed", fixed]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env=NO_PROXY_ENV)
        deadline = time.time() + 15
        while True:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode()
                if "Address already in use" in err:
                    return False
                raise RuntimeError("fixture exited: %s" % err)
            try:
                with OPENER.open(self.url + self.health, timeout=1) as r:
                    # Ours only if this process holds the port (else it will exit: in use).
                    if r.status == 200 and owns_port(self.proc.pid, self.port):
                        return True
            except OSError:
                pass
            if time.time() > deadline:
                self.stop()
                raise RuntimeError("fixture did not start on port %d" % self.port)
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Scanner:
    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.count = 0

    def scan(self, target, checks=None, extra=(), auth=ALICE, auth2=BOB, timeout=150, spec=SPEC):
        """Runs one scan; returns (exit code, report dict, stderr)."""
        self.count += 1
        out = os.path.join(str(self.tmp_path), "report-%d.json" % self.count)
        args = [vigil_bin(), "scan", target, "--spec", spec, "--format", "json", "-o", out,
                "--fail-on", "none", "-q"]
        if auth:
            args += ["--auth", auth]
        if auth2:
            args += ["--auth2", auth2]
        if checks:
            args += ["--checks", checks]
        args += list(extra)
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                              env=NO_PROXY_ENV)
        assert proc.returncode in (0, 1), "vigil scan failed (%d): %s" % (proc.returncode,
                                                                        proc.stderr)
        with open(out) as f:
            report = json.load(f)
        return proc.returncode, report, proc.stderr


@pytest.fixture
def start_fixture():
    started = []

    def start(vulnerable="", fixed="", command=None, health="/api/health"):
        fx = Fixture(vulnerable, fixed, command, health)
        started.append(fx)
        return fx

    yield start
    for fx in started:
        fx.stop()


@pytest.fixture
def scanner(tmp_path):
    return Scanner(tmp_path)


def describe(findings):
    return "\n".join("  %s | %s | %s" % (f.get("check_id"), f.get("endpoint"), f.get("title"))
                     for f in findings) or "  (none)"
