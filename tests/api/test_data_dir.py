# SPDX-License-Identifier: MIT
"""The server's state files (jwt.keys, scan-credentials.key) live in a data directory of their
own: --data-dir / VIGIL_DATA_DIR, by default the SQLite file's directory. With a PostgreSQL URL
there is no such default, and the server says so before it connects anywhere."""
import os
import subprocess

from conftest import VIGIL_BIN, TOKEN_RE, free_port


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIGIL_SCAN_KEY_FILE", "VIGIL_JWT_SECRET", "VIGIL_JWT_KEY_FILE",
                        "VIGIL_DATA_DIR")}
    env.update(extra)
    return env


def test_a_postgresql_url_needs_a_data_directory():
    # No server behind this socket directory: the refusal must come before any connect.
    out = subprocess.run(
        [VIGIL_BIN, "serve", "--listen", f"127.0.0.1:{free_port()}", "--database",
         "postgresql://vigil@/vigil?host=/nonexistent-vigil-socket-dir"],
        capture_output=True, text=True, timeout=30, env=clean_env())
    assert out.returncode == 2, out.stderr
    assert "--data-dir" in out.stderr and "VIGIL_DATA_DIR" in out.stderr


def test_a_bad_pool_size_is_refused_before_anything_starts(tmp_path):
    for value, env in (("0", {}), ("1025", {}), ("ten", {}), (None, {"VIGIL_DB_POOL": "-3"})):
        args = [VIGIL_BIN, "serve", "--listen", f"127.0.0.1:{free_port()}", "--database",
                f"sqlite:{tmp_path}/vigil.db"]
        if value is not None:
            args += ["--db-pool", value]
        out = subprocess.run(args, capture_output=True, text=True, timeout=30,
                             env=clean_env(**env))
        assert out.returncode == 2, (value, env, out.stderr)
        assert "--db-pool wants 1..1024" in out.stderr
    assert not (tmp_path / "vigil.db").exists()  # refused before the database is opened


def test_state_files_go_to_the_data_directory(tmp_path):
    data, db_dir = tmp_path / "state", tmp_path / "db"
    proc = subprocess.Popen(
        [VIGIL_BIN, "serve", "--listen", f"127.0.0.1:{free_port()}", "--database",
         f"sqlite:{db_dir}/vigil.db", "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())
    try:
        line = proc.stdout.readline()  # the first start's admin token: keys exist by then
        assert TOKEN_RE.match(line.strip()), proc.stderr.read() if proc.poll() is not None else line
        assert (data / "jwt.keys").is_file() and (data / "scan-credentials.key").is_file()
        assert oct((data / "scan-credentials.key").stat().st_mode & 0o777) == "0o600"
        assert not (db_dir / "jwt.keys").exists() and not (db_dir / "scan-credentials.key").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
