# SPDX-License-Identifier: MIT
"""Keys kept in the database, sealed with a key-encryption key (--key-encryption-key-file /
VIGIL_KEK_FILE): every server on one database signs and verifies with the same JWT keys
without sharing a file, the keys outlive the servers' data directories, existing key files are
imported on the first start, and a wrong or badly kept KEK stops the server at start with a
message that says so."""
import os
import subprocess
import uuid

import requests

from conftest import VIGIL_BIN, Server, free_port, start_vigil, write_kek

PASSWORD = "quartz-falcon-meadow-42"


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIGIL_SCAN_KEY_FILE", "VIGIL_JWT_SECRET", "VIGIL_JWT_KEY_FILE",
                        "VIGIL_DATA_DIR", "VIGIL_KEK_FILE")}
    env.update(extra)
    return env


def make_member(srv):
    name = f"kek{uuid.uuid4().hex[:8]}"
    r = requests.post(f"{srv.base}/api/v1/users",
                      json={"username": name, "role": "member", "password": PASSWORD},
                      headers={"Authorization": f"Bearer {srv.token}"}, timeout=30)
    assert r.status_code == 201, r.text
    return name


def login(base, username):
    r = requests.post(f"{base}/api/v1/auth/login",
                      json={"username": username, "password": PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def projects_status(base, access_token):
    return requests.get(f"{base}/api/v1/projects",
                        headers={"Authorization": f"Bearer {access_token}"}, timeout=30).status_code


def files_in(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def test_a_token_signed_by_one_server_is_accepted_by_another(tmp_path):
    srv = Server(str(tmp_path), kek=write_kek(str(tmp_path / "kek")), processes=2)
    try:
        member = make_member(srv)
        first, second = srv.bases
        tokens = login(first, member)
        assert projects_status(second, tokens["access_token"]) == 200
        # The refresh token, too: issued by one, rotated by the other, whose new access token
        # the first accepts.
        r = requests.post(f"{second}/api/v1/auth/refresh",
                          json={"refresh_token": tokens["refresh_token"]}, timeout=30)
        assert r.status_code == 200, r.text
        assert projects_status(first, r.json()["access_token"]) == 200
        # Neither process wrote a key file: they share the keys through the database only.
        for d in srv.data_dirs:
            assert "jwt.keys" not in files_in(d) and "scan-credentials.key" not in files_in(d)
        assert "JWT signing keys created in the database" in srv.read_log()
        assert "JWT signing keys stored in the database" in srv.read_log()
    finally:
        srv.stop()


def test_the_keys_outlive_the_data_directories(tmp_path):
    kek = write_kek(str(tmp_path / "kek"))
    srv = Server(str(tmp_path), kek=kek)
    member = make_member(srv)
    tokens = login(srv.base, member)
    srv.stop()
    for d in srv.data_dirs:
        for name in files_in(d):
            os.unlink(os.path.join(d, name))
    again = Server(str(tmp_path), kek=kek, token=srv.token)
    try:
        assert projects_status(again.base, tokens["access_token"]) == 200
    finally:
        again.stop()


def test_a_different_kek_is_a_clear_error_at_start(tmp_path):
    srv = Server(str(tmp_path), kek=write_kek(str(tmp_path / "kek")))
    srv.stop()
    other = write_kek(str(tmp_path / "other-kek"))
    out = subprocess.run(
        [VIGIL_BIN, "serve", "--listen", f"127.0.0.1:{free_port()}", "--database", srv.url,
         "--key-encryption-key-file", other, "--data-dir", str(tmp_path / "data9")],
        capture_output=True, text=True, timeout=60, env=clean_env())
    assert out.returncode == 1, out.stderr
    assert 'does not open the "jwt" key stored in the database' in out.stderr
    assert "another key-encryption key" in out.stderr
    # Refused, not replaced: the first KEK still opens the keys.
    again = Server(str(tmp_path), kek=str(tmp_path / "kek"), token=srv.token)
    again.stop()


def test_a_badly_kept_kek_file_is_refused_before_the_database_is_opened(tmp_path):
    cases = (("loose", "x" * 44 + "\n", 0o644, "group or others may access it (chmod 600)"),
             ("short", "too-short-secret\n", 0o600, "it must hold at least 32 bytes"),
             ("missing", None, None, "No such file or directory"))
    for name, text, mode, message in cases:
        path = str(tmp_path / name)
        if text is not None:
            write_kek(path, text)
            os.chmod(path, mode)
        db = tmp_path / f"{name}.db"
        out = subprocess.run(
            [VIGIL_BIN, "serve", "--listen", f"127.0.0.1:{free_port()}", "--database",
             f"sqlite:{db}", "--key-encryption-key-file", path],
            capture_output=True, text=True, timeout=60, env=clean_env())
        assert out.returncode == 2, (name, out.stderr)
        assert f"key-encryption key file {path}" in out.stderr and message in out.stderr, \
            (name, out.stderr)
        assert not db.exists(), name
    # The environment variable names the file as the flag does.
    out = subprocess.run(
        [VIGIL_BIN, "serve", "--listen", f"127.0.0.1:{free_port()}", "--database",
         f"sqlite:{tmp_path}/env.db"],
        capture_output=True, text=True, timeout=60,
        env=clean_env(VIGIL_KEK_FILE=str(tmp_path / "short")))
    assert out.returncode == 2 and "at least 32 bytes" in out.stderr, out.stderr


def test_existing_key_files_are_imported_on_the_first_start_with_a_kek(tmp_path):
    # Keys in files first (the default), then the same server given a KEK: its jwt.keys is
    # imported, so the tokens it signed stay valid, on it and on a second server that never
    # saw the file.
    srv = Server(str(tmp_path))
    member = make_member(srv)
    tokens = login(srv.base, member)
    srv.stop()
    kek = write_kek(str(tmp_path / "kek"))
    args = ["--key-encryption-key-file", kek]
    env = clean_env(VIGIL_TEST_HOOKS="1")
    procs = []
    try:
        for data_dir, key_args in ((None, ["--jwt-key-file", srv.jwt_key_file]),
                                   (str(tmp_path / "empty"), [])):
            cmd = ["--database", srv.url, *args, *key_args]
            if data_dir:
                cmd += ["--data-dir", data_dir]
            proc_env = dict(env)
            if not data_dir:
                proc_env["VIGIL_SCAN_KEY_FILE"] = srv.scan_key_file
            procs.append(start_vigil(cmd, proc_env, str(tmp_path / f"import{len(procs)}.log")))
            srv._wait_ready(procs[-1][1])
        assert projects_status(f"http://127.0.0.1:{procs[0][1]}", tokens["access_token"]) == 200
        assert projects_status(f"http://127.0.0.1:{procs[1][1]}", tokens["access_token"]) == 200
    finally:
        for proc, _, log in procs:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
    first_log = (tmp_path / "import0.log").read_text(encoding="utf-8")
    assert f"JWT signing keys imported from {srv.jwt_key_file} into the database" in first_log
    assert f"scan credentials key imported from {srv.scan_key_file}" in first_log
    assert "JWT signing keys stored in the database" in \
        (tmp_path / "import1.log").read_text(encoding="utf-8")
