#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A deliberately vulnerable JSON API: the scanner's test target.

Standard library only. It listens on 127.0.0.1 and models a small shop (users, orders,
products, an admin area, a few tools); every planted flaw has a switch, so the same app runs in a
vulnerable and a fixed variant:

    fixture.py --port 8080 --vulnerable all
    fixture.py --port 8080 --fixed all
    fixture.py --port 8080 --vulnerable bola,sqli      (everything else fixed)
    fixture.py --port 8080 --vulnerable all --fixed sqli

Safety: the SSRF endpoint only ever fetches loopback URLs, even when vulnerable; command injection
is simulated (no shell is ever run); path traversal stays inside a temporary directory tree.
"""

import argparse
import base64
import concurrent.futures
import hashlib
import hmac
import json
import os
import posixpath
import re
import secrets
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FLAWS = [
    "bola",            # any user reads any order / user by id
    "auth_bypass",     # GET /api/orders answers without a token
    "jwt_none",        # tokens with alg "none" are accepted
    "jwt_unverified",  # token signatures are not checked
    "jwt_weak",        # tokens are signed with a dictionary secret
    "mass_assignment", # role / is_admin in a signup body are persisted
    "data_exposure",   # user objects carry password_hash and api_key
    "user_enum",       # login tells unknown users from wrong passwords
    "rate_limit",      # login never throttles failed attempts
    "page_size",       # ?limit= is honoured whatever its size
    "bfla",            # any user reaches the admin user list
    "ssrf",            # POST /api/fetch fetches the URL it is given (loopback only)
    "sqli",            # search concatenates its query into SQL
    "sqli_blind",      # page-view events are inserted by concatenated SQL, errors swallowed
    "sqli_boolean",    # product lookup by name concatenates SQL, errors swallowed: only a
                       # true/false condition pair tells
    "nosqli",          # login accepts {"$ne": null} style operators
    "cmdi",            # ping passes the host to a (simulated) shell
    "cmdi_blind",      # resolve does the same but shows no output (timing only)
    "traversal",       # files?name= walks out of the files folder
    "redos",           # email validation uses a catastrophic regex
    "cors",            # any Origin is reflected, with credentials
    "headers",         # no nosniff, no Cache-Control: no-store
    "verbose_errors",  # errors carry Python tracebacks
    "trace",           # TRACE echoes the request
    "undocumented",    # /debug, /admin, /actuator/env, /.env answer
    "server_error",    # malformed input raises (500) instead of a 400
    "banner",          # the Server header names the app's version
]

WEAK_SECRET = "supersecret"
LOGIN_FAILURE_LIMIT = 5  # fixed variant: failed logins per client per window
LOGIN_WINDOW_S = 60
PAGE_MAX = 50
ALLOWED_ORIGIN = "https://app.example.test"

VULN = set()


def vuln(name):
    assert name in FLAWS, name
    return name in VULN


class HttpError(Exception):
    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# --------------------------------------------------------------------------------------------
# State

LOCK = threading.Lock()
USERS = {}   # id -> dict
ORDERS = {}  # id -> dict
NOTES = {}   # id -> dict; never vulnerable: PUT echoes the subject and a hash derived from it
NEXT = {"user": 4, "order": 3, "note": 3}
FAILED_LOGINS = {}  # client ip -> [timestamps]
JWT_SECRET = b""
DB = None
EVENTS_DB = None
EVENTS_LOCK = threading.Lock()
ROOT = None  # temp directory: a small fake file system for the files endpoint
FILES_DIR = "/srv/app/files"


def fake_bcrypt(seed):
    alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha512(seed.encode()).digest()
    return "$2b$12$" + "".join(alphabet[b % 64] for b in digest[:53])


def add_user(username, email, password, role="user"):
    uid = NEXT["user"]
    NEXT["user"] += 1
    USERS[uid] = {
        "id": uid,
        "username": username,
        "email": email,
        "password": password,
        "role": role,
        "api_key": "sk_live_" + hashlib.sha256(("key" + username).encode()).hexdigest()[:32],
    }
    return USERS[uid]


def seed():
    global DB, EVENTS_DB, ROOT, JWT_SECRET
    USERS[1] = {"id": 1, "username": "alice", "email": "alice@example.com",
                "password": "alice-pass-1", "role": "user"}
    USERS[2] = {"id": 2, "username": "bob", "email": "bob@example.com",
                "password": "bob-pass-2", "role": "user"}
    USERS[3] = {"id": 3, "username": "admin", "email": "admin@example.com",
                "password": "admin-pass-3", "role": "admin"}
    for u in USERS.values():
        u["api_key"] = "sk_live_" + hashlib.sha256(("key" + u["username"]).encode()).hexdigest()[:32]
    ORDERS[1] = {"id": 1, "owner_id": 1, "owner": "alice", "product_id": 3, "quantity": 2,
                 "shipping_address": "12 Rose Lane, Springfield", "status": "shipped"}
    ORDERS[2] = {"id": 2, "owner_id": 2, "owner": "bob", "product_id": 5, "quantity": 1,
                 "shipping_address": "7 Oak Street, Shelbyville", "status": "pending"}
    NOTES[1] = {"id": 1, "owner_id": 1, "subject": "restock", "text": "Order 20 lamps."}
    NOTES[2] = {"id": 2, "owner_id": 2, "subject": "returns", "text": "Mug 4 came back."}
    JWT_SECRET = WEAK_SECRET.encode() if vuln("jwt_weak") else secrets.token_bytes(32)

    DB = sqlite3.connect(":memory:", check_same_thread=False)
    DB.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price REAL)")
    names = ["lamp", "chair", "table", "mug", "kettle", "pen", "notebook", "shelf", "rug", "clock"]
    rows = [(i, "%s %d" % (names[i % len(names)], i), 5.0 + i) for i in range(1, 301)]
    DB.executemany("INSERT INTO products VALUES (?, ?, ?)", rows)
    DB.commit()

    # Its own connection and lock, so a planted delay there never holds up the shop's queries.
    EVENTS_DB = sqlite3.connect(":memory:", check_same_thread=False)
    EVENTS_DB.execute("CREATE TABLE events (page TEXT, at REAL)")

    def db_sleep(seconds):  # what MySQL's SLEEP() and PostgreSQL's pg_sleep() do
        try:
            time.sleep(max(0.0, min(float(seconds), 3.0)))
        except (TypeError, ValueError):
            pass
        return 0

    EVENTS_DB.create_function("SLEEP", 1, db_sleep)
    EVENTS_DB.create_function("pg_sleep", 1, db_sleep)

    ROOT = tempfile.mkdtemp(prefix="vigil-fixture-")
    os.makedirs(ROOT + FILES_DIR)
    os.makedirs(ROOT + "/etc")
    with open(ROOT + FILES_DIR + "/readme.txt", "w") as f:
        f.write("Welcome to the shop. Opening hours: 9-17.\n")
    with open(ROOT + "/etc/passwd", "w") as f:
        f.write("root:x:0:0:root:/root:/bin/bash\n"
                "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n")


def user_public(u):
    out = {"id": u["id"], "username": u["username"], "email": u["email"], "role": u["role"]}
    if vuln("data_exposure"):
        out["password_hash"] = fake_bcrypt(u["password"])
        out["api_key"] = u["api_key"]
    return out


def order_public(o):
    return {k: o[k] for k in ("id", "owner", "product_id", "quantity", "shipping_address",
                              "status")}


# --------------------------------------------------------------------------------------------
# JWT (HS256)

def note_public(n):
    # The fingerprint hashes a normalised topic (the subject's first two words, lower case),
    # the way vigil fingerprints a finding's endpoint: answers to different subjects differ by
    # more than the echo, yet nothing is evaluated as SQL.
    # text_digest changes with every text, so the check must tell it from a real difference.
    topic = " ".join(n["subject"].lower().split()[:2])
    return {"id": n["id"], "subject": n["subject"], "text": n["text"],
            "fingerprint": hashlib.sha256(("note\x1f" + topic).encode()).hexdigest(),
            "text_digest": hashlib.sha256(n["text"].encode()).hexdigest()[:16]}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_issue(user):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    now = int(time.time())
    claims = {"sub": str(user["id"]), "username": user["username"], "role": user["role"],
              "iat": now, "exp": now + 3600}
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = (header + "." + payload).encode()
    sig = hmac.new(JWT_SECRET, signing_input, hashlib.sha256).digest()
    return header + "." + payload + "." + b64url(sig)


def jwt_verify(token):
    """Returns the user the token names, or None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        sig = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    alg = str(header.get("alg", ""))
    if alg.lower() == "none":
        if not vuln("jwt_none"):
            return None
    elif alg != "HS256":
        return None
    elif not vuln("jwt_unverified"):
        want = hmac.new(JWT_SECRET, (parts[0] + "." + parts[1]).encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(want, sig):
            return None
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp < time.time():
        return None
    try:
        uid = int(claims.get("sub", ""))
    except (TypeError, ValueError):
        return None
    return USERS.get(uid)


# --------------------------------------------------------------------------------------------
# Simulated shell for the ping tool: recognises injected commands, never runs anything.

def fake_shell(command):
    command = command.strip()
    if not command:
        return ""
    word = command.split()[0]
    if word == "id":
        return "uid=0(root) gid=0(root) groups=0(root)\n"
    if word == "whoami":
        return "root\n"
    if word == "sleep":
        try:
            seconds = float(command.split()[1])
        except (IndexError, ValueError):
            return "sleep: missing operand\n"
        time.sleep(max(0.0, min(seconds, 5.0)))
        return ""
    if word == "cat" and "/etc/passwd" in command:
        with open(ROOT + "/etc/passwd") as f:
            return f.read()
    if word == "echo":
        return command[5:] + "\n"
    return "sh: 1: %s: not found\n" % word


def simulated_ping(host):
    # Split like sh would on ; | && || and take $(...) / `...` substitutions.
    outputs = []
    for sub in re.findall(r"\$\(([^)]*)\)|`([^`]*)`", host):
        outputs.append(fake_shell(sub[0] or sub[1]))
    host = re.sub(r"\$\([^)]*\)|`[^`]*`", "", host)
    pieces = re.split(r"\|\||&&|;|\||\n", host)
    target = pieces[0].strip()
    for piece in pieces[1:]:
        outputs.append(fake_shell(piece))
    out = ""
    if target:
        out = ("PING %s 56(84) bytes of data.\n64 bytes from %s: icmp_seq=1 ttl=64 time=0.04 ms\n"
               "1 packets transmitted, 1 received, 0%% packet loss\n" % (target, target))
    return out + "".join(outputs)


# --------------------------------------------------------------------------------------------
# Request handling

EMAIL_REDOS = re.compile(r"^([a-zA-Z0-9]+)*@example\.com$")
# The vulnerable match runs in a worker process: Python's re holds the GIL while it backtracks,
# which would stall every other request of this fixture (and the scanner's timing checks).
REGEX_POOL = None


def redos_match(email):
    return EMAIL_REDOS.match(email) is not None
EMAIL_SAFE = re.compile(r"^[a-zA-Z0-9._%+-]{1,64}@[a-zA-Z0-9-]{1,63}(\.[a-zA-Z0-9-]{1,63}){1,8}$")

UNDOCUMENTED = {
    "/debug": ("application/json", json.dumps(
        {"debug": True, "python": sys.version, "db": "sqlite::memory:", "threads": 8})),
    "/admin": ("text/html", "<html><body><h1>Shop admin console</h1>"
                            "<a href='/admin/users'>Users</a></body></html>"),
    "/actuator/env": ("application/json", json.dumps(
        {"activeProfiles": ["prod"], "propertySources": [
            {"name": "systemEnvironment",
             "properties": {"DB_PASSWORD": {"value": "hunter2-db"}}}]})),
    "/.env": ("text/plain", "APP_ENV=production\nDB_PASSWORD=hunter2-db\nJWT_SECRET=%s\n"
              % WEAK_SECRET),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server_version = "shop"  # "shop/1.0" with the banner flaw (set in main)
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet unless FIXTURE_LOG is set
        if os.environ.get("FIXTURE_LOG"):
            sys.stderr.write("%s %s\n" % (fmt % args, self.headers.get("Authorization", "")[:60]))

    # ---- plumbing ------------------------------------------------------------------------

    def send(self, status, obj=None, content_type="application/json", raw=None, headers=None):
        body = raw if raw is not None else (b"" if obj is None else json.dumps(obj).encode())
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if not vuln("headers"):
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Cache-Control", "no-store")
        origin = self.headers.get("Origin")
        if origin:
            if vuln("cors"):
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Access-Control-Allow-Credentials", "true")
            elif origin == ALLOWED_ORIGIN:
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Access-Control-Allow-Credentials", "true")
                self.send_header("Vary", "Origin")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        # The body is read once, up front in handle_any, so that an early error never leaves
        # unread bytes on a kept-alive connection.
        if getattr(self, "_body", None) is not None:
            return self._body
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            n = int(length)
        except ValueError:
            self.close_connection = True
            raise HttpError(400, "bad Content-Length")
        if n < 0 or n > 1 << 20:
            self.close_connection = True
            raise HttpError(413, "body too large")
        self._body = self.rfile.read(n)
        return self._body

    def json_body(self):
        raw = self.read_body()
        if vuln("server_error"):
            obj = json.loads(raw)  # raises on malformed input: a 500
        else:
            try:
                obj = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as e:
                raise self.bad_input("request body is not valid JSON", e)
        if not isinstance(obj, dict):
            if vuln("server_error"):
                raise TypeError("expected a JSON object, got %s" % type(obj).__name__)
            raise HttpError(400, "request body must be a JSON object")
        return obj

    def bad_input(self, message, exc):
        if vuln("verbose_errors"):
            message += "\n" + "".join(traceback.format_exception(exc))
        return HttpError(400, message)

    def field(self, body, name, kind, required=True):
        value = body.get(name)
        if value is None:
            if required:
                raise HttpError(400, "missing field: " + name)
            return None
        if kind is int:
            if vuln("server_error"):
                return int(value)  # "abc" or a list raises: a 500
            if isinstance(value, bool) or not isinstance(value, int):
                raise HttpError(400, "field %s must be an integer" % name)
            return value
        if not isinstance(value, str):
            if vuln("server_error"):
                return value.strip()  # raises AttributeError on numbers/objects
            raise HttpError(400, "field %s must be a string" % name)
        if len(value) > 1000:
            raise HttpError(400, "field %s is too long" % name)
        return value

    def query_int(self, query, name, default):
        values = query.get(name)
        if not values:
            return default
        if vuln("server_error"):
            return int(values[0])
        try:
            return int(values[0])
        except ValueError:
            raise HttpError(400, "%s must be an integer" % name)

    def current_user(self):
        # Scripts may use their API key instead of a token (an opaque credential).
        key = self.headers.get("X-API-Key")
        if key:
            return next((u for u in USERS.values()
                         if hmac.compare_digest(u["api_key"].encode(), key.encode())), None)
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        return jwt_verify(auth[7:].strip())

    def require_user(self):
        user = self.current_user()
        if user is None:
            raise HttpError(401, "authentication required",
                            {"WWW-Authenticate": 'Bearer realm="shop"'})
        return user

    def client_ip(self):
        return self.client_address[0]

    # ---- dispatch ------------------------------------------------------------------------

    def handle_any(self):
        self._body = None
        try:
            self.read_body()
            url = urllib.parse.urlsplit(self.path)
            path = url.path
            query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            self.route(path, query)
        except HttpError as e:
            self.send(e.status, {"error": e.message}, headers=e.headers)
        except Exception as e:  # noqa: BLE001 - a crash is the point of some flaws
            if vuln("verbose_errors"):
                body = {"error": "internal error", "exception": repr(e),
                        "trace": "".join(traceback.format_exception(e))}
            else:
                body = {"error": "internal error"}
            try:
                self.send(500, body)
            except OSError:
                pass

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = handle_any

    def do_OPTIONS(self):
        self._body = None
        self.read_body()
        self.send(204, raw=b"", headers={"Allow": "GET, POST, PATCH, OPTIONS"})

    def do_TRACE(self):
        self._body = None
        self.read_body()
        if vuln("trace"):
            echo = "TRACE %s %s\r\n%s" % (self.path, self.request_version, str(self.headers))
            self.send(200, raw=echo, content_type="message/http")
        else:
            self.send(405, {"error": "method not allowed"}, headers={"Allow": "GET, POST, PATCH"})

    def route(self, path, query):
        m = self.command
        if m == "HEAD":
            m = "GET"
        if path == "/openapi.yaml" and m == "GET":
            with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                   "openapi.yaml"), "rb") as f:
                return self.send(200, raw=f.read(), content_type="application/yaml")
        if path == "/api/health" and m == "GET":
            return self.send(200, {"status": "ok"})
        if path == "/api/login" and m == "POST":
            return self.login()
        if path == "/api/users" and m == "POST":
            return self.signup()
        if path == "/api/me" and m == "GET":
            return self.send(200, user_public(self.require_user()))
        mm = re.fullmatch(r"/api/users/([^/]+)", path)
        if mm and m in ("GET", "PATCH"):
            return self.user_by_id(mm.group(1), m)
        if path == "/api/orders" and m == "GET":
            return self.list_orders(query)
        if path == "/api/orders" and m == "POST":
            return self.create_order()
        mm = re.fullmatch(r"/api/orders/([^/]+)", path)
        if mm and m == "GET":
            return self.get_order(mm.group(1))
        if path == "/api/products" and m == "GET":
            return self.list_products(query)
        if path == "/api/products/search" and m == "GET":
            return self.search_products(query)
        if path == "/api/products/lookup" and m == "GET":
            return self.lookup_product(query)
        if path == "/api/notes" and m == "POST":
            return self.create_note()
        mm = re.fullmatch(r"/api/notes/([^/]+)", path)
        if mm and m == "PUT":
            return self.update_note(mm.group(1))
        if path == "/api/admin/users" and m == "GET":
            return self.admin_users()
        if path == "/api/fetch" and m == "POST":
            return self.fetch()
        if path == "/api/files" and m == "GET":
            return self.files(query)
        if path == "/api/tools/ping" and m == "GET":
            return self.ping(query)
        if path == "/api/events" and m == "POST":
            return self.record_event()
        if path == "/api/tools/resolve" and m == "POST":
            return self.resolve()
        if path == "/api/validate/email" and m == "POST":
            return self.validate_email()
        if vuln("undocumented") and m == "GET" and path in UNDOCUMENTED:
            ctype, text = UNDOCUMENTED[path]
            return self.send(200, raw=text, content_type=ctype)
        raise HttpError(404, "not found")

    # ---- endpoints -----------------------------------------------------------------------

    def login(self):
        ip = self.client_ip()
        now = time.time()
        if not vuln("rate_limit"):
            with LOCK:
                recent = [t for t in FAILED_LOGINS.get(ip, []) if now - t < LOGIN_WINDOW_S]
                FAILED_LOGINS[ip] = recent
            if len(recent) >= LOGIN_FAILURE_LIMIT:
                self.read_body()
                raise HttpError(429, "too many failed logins", {"Retry-After": "60"})
        body = self.json_body()
        username = body.get("username")
        password = body.get("password")
        if vuln("nosqli"):
            # A document-store style matcher: operator objects are honoured.
            def matches(stored, given):
                if isinstance(given, dict):
                    if "$ne" in given:
                        return stored != given["$ne"]
                    if "$gt" in given:
                        return isinstance(given["$gt"], str) and stored > given["$gt"]
                    if "$regex" in given:
                        return re.search(str(given["$regex"]), stored) is not None
                    return False
                return stored == given
        else:
            if not isinstance(username, str) or not isinstance(password, str):
                raise HttpError(400, "username and password must be strings")

            def matches(stored, given):
                return hmac.compare_digest(stored.encode(), given.encode())
        if username is None or password is None:
            raise HttpError(400, "username and password are required")
        user = next((u for u in USERS.values() if matches(u["username"], username)), None)
        ok = user is not None and matches(user["password"], password)
        if not ok:
            with LOCK:
                FAILED_LOGINS.setdefault(ip, []).append(now)
            if vuln("user_enum"):
                if user is None:
                    raise HttpError(404, "no such user")
                raise HttpError(401, "wrong password for " + user["username"])
            raise HttpError(401, "invalid username or password")
        self.send(200, {"access_token": jwt_issue(user), "token_type": "bearer",
                        "expires_in": 3600})

    def signup(self):
        body = self.json_body()
        username = self.field(body, "username", str)
        email = self.field(body, "email", str)
        password = self.field(body, "password", str)
        if not re.fullmatch(r"[A-Za-z0-9_.-]{3,40}", username):
            raise HttpError(400, "username must be 3-40 letters, digits, _ . -")
        if len(password) < 8:
            raise HttpError(400, "password must have at least 8 characters")
        role = "user"
        if vuln("mass_assignment"):
            if body.get("role") in ("user", "admin"):
                role = body["role"]
            if body.get("is_admin") is True or body.get("admin") is True:
                role = "admin"
        with LOCK:
            if any(u["username"] == username for u in USERS.values()):
                raise HttpError(409, "username taken")
            user = add_user(username, email, password, role)
        self.send(201, user_public(user), headers={"Location": "/api/users/%d" % user["id"]})

    def parse_id(self, text):
        if vuln("server_error"):
            return int(text)
        try:
            return int(text)
        except ValueError:
            raise HttpError(400, "id must be an integer")

    def user_by_id(self, text, method):
        me = self.require_user()
        uid = self.parse_id(text)
        target = USERS.get(uid)
        if target is None:
            raise HttpError(404, "user not found")
        if not vuln("bola") and me["id"] != uid and me["role"] != "admin":
            raise HttpError(403, "not your account")
        if method == "PATCH":
            if me["id"] != uid and me["role"] != "admin":
                raise HttpError(403, "not your account")
            body = self.json_body()
            email = self.field(body, "email", str, required=False)
            if email is not None:
                target["email"] = email
            if vuln("mass_assignment") and body.get("role") in ("user", "admin"):
                target["role"] = body["role"]
        self.send(200, user_public(target))

    def list_orders(self, query):
        me = self.current_user()
        if me is None:
            if not vuln("auth_bypass"):
                self.require_user()
            # The flaw: a request without a token is treated as a back-office job.
            return self.send(200, {"orders": [order_public(o) for o in ORDERS.values()]})
        mine = [order_public(o) for o in ORDERS.values() if o["owner_id"] == me["id"]]
        self.send(200, {"orders": mine})

    def create_order(self):
        me = self.require_user()
        body = self.json_body()
        product_id = self.field(body, "product_id", int)
        quantity = self.field(body, "quantity", int)
        address = self.field(body, "shipping_address", str)
        if not 1 <= quantity <= 100:
            raise HttpError(400, "quantity must be 1-100")
        if not 1 <= product_id <= 300:
            raise HttpError(400, "unknown product")
        with LOCK:
            oid = NEXT["order"]
            NEXT["order"] += 1
            ORDERS[oid] = {"id": oid, "owner_id": me["id"], "owner": me["username"],
                           "product_id": product_id, "quantity": quantity,
                           "shipping_address": address, "status": "pending"}
        self.send(201, order_public(ORDERS[oid]), headers={"Location": "/api/orders/%d" % oid})

    def get_order(self, text):
        me = self.require_user()
        oid = self.parse_id(text)
        order = ORDERS.get(oid)
        if order is None or (not vuln("bola") and order["owner_id"] != me["id"]
                             and me["role"] != "admin"):
            raise HttpError(404, "order not found")
        self.send(200, order_public(order))

    def list_products(self, query):
        limit = self.query_int(query, "limit", 20)
        offset = self.query_int(query, "offset", 0)
        if limit < 1 or offset < 0:
            raise HttpError(400, "limit must be positive and offset not negative")
        if not vuln("page_size"):
            limit = min(limit, PAGE_MAX)
        with LOCK:
            rows = DB.execute("SELECT id, name, price FROM products ORDER BY id LIMIT ? OFFSET ?",
                              (limit, offset)).fetchall()
        items = [{"id": r[0], "name": r[1], "price": r[2]} for r in rows]
        self.send(200, {"items": items, "limit": limit, "offset": offset})

    def search_products(self, query):
        q = (query.get("q") or [""])[0]
        if len(q) > 200:
            raise HttpError(400, "q is too long")
        with LOCK:
            if vuln("sqli"):
                sql = ("SELECT id, name, price FROM products WHERE name LIKE '%" + q +
                       "%' ORDER BY id LIMIT 20")
                try:
                    rows = DB.execute(sql).fetchall()
                except sqlite3.Error as e:
                    raise HttpError(500, "database error: sqlite3.OperationalError: %s" % e)
            else:
                rows = DB.execute("SELECT id, name, price FROM products WHERE name LIKE ? "
                                  "ORDER BY id LIMIT 20", ("%" + q + "%",)).fetchall()
        self.send(200, {"results": [{"id": r[0], "name": r[1], "price": r[2]} for r in rows]})

    def lookup_product(self, query):
        name = (query.get("name") or [""])[0]
        if len(name) > 200:
            raise HttpError(400, "name is too long")
        with LOCK:
            if vuln("sqli_boolean"):
                try:
                    rows = DB.execute("SELECT id, name, price FROM products WHERE name = '" +
                                      name + "'").fetchall()
                except sqlite3.Error:
                    rows = []  # a bad name simply matches nothing
            else:
                rows = DB.execute("SELECT id, name, price FROM products WHERE name = ?",
                                  (name,)).fetchall()
        self.send(200, {"items": [{"id": r[0], "name": r[1], "price": r[2]} for r in rows]})

    def create_note(self):
        me = self.require_user()
        body = self.json_body()
        subject = self.field(body, "subject", str)
        note_text = self.field(body, "text", str, required=False)
        with LOCK:
            nid = NEXT["note"]
            NEXT["note"] += 1
            NOTES[nid] = {"id": nid, "owner_id": me["id"], "subject": subject,
                          "text": note_text or ""}
            out = note_public(NOTES[nid])
        self.send(201, out, headers={"Location": "/api/notes/%d" % nid})

    def update_note(self, text):
        me = self.require_user()
        nid = self.parse_id(text)
        body = self.json_body()
        subject = self.field(body, "subject", str)
        note_text = self.field(body, "text", str, required=False)
        with LOCK:
            note = NOTES.get(nid)
            if note is None or note["owner_id"] != me["id"]:
                raise HttpError(404, "note not found")
            note["subject"] = subject
            if note_text is not None:
                note["text"] = note_text
            out = note_public(note)
        self.send(200, out)

    def record_event(self):
        body = self.json_body()
        page = self.field(body, "page", str)
        with EVENTS_LOCK:
            if vuln("sqli_blind"):
                try:
                    EVENTS_DB.execute("INSERT INTO events VALUES ('" + page + "', %f)" % time.time())
                except sqlite3.Error:
                    pass  # analytics must never fail a page: errors are swallowed
            else:
                EVENTS_DB.execute("INSERT INTO events VALUES (?, ?)", (page, time.time()))
        self.send(202, {"accepted": True})

    def admin_users(self):
        me = self.require_user()
        if me["role"] != "admin" and not vuln("bfla"):
            raise HttpError(403, "admins only")
        self.send(200, {"users": [user_public(u) for u in USERS.values()]})

    def fetch(self):
        self.require_user()
        body = self.json_body()
        url = self.field(body, "url", str)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HttpError(400, "url must be an http(s) URL")
        if not vuln("ssrf"):
            if parts.hostname != "images.example.com":
                raise HttpError(400, "host not allowed")
            # The allowed host is never contacted by this fixture.
            return self.send(200, {"status": "queued"})
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            # Safety net of the fixture: it must never reach the network.
            raise HttpError(400, "this fixture only fetches loopback URLs")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(url, timeout=3) as r:
                data = r.read(2048)
                status = r.status
        except OSError as e:
            return self.send(502 if vuln("server_error") else 200,
                             {"fetched": False, "error": str(e)[:200]})
        self.send(200, {"fetched": True, "status": status,
                        "body": data.decode("utf-8", "replace")})

    def files(self, query):
        self.require_user()
        name = (query.get("name") or [""])[0]
        if not name:
            raise HttpError(400, "name is required")
        if vuln("traversal"):
            virtual = posixpath.normpath(posixpath.join(FILES_DIR, name))
        else:
            if "/" in name or "\\" in name or name.startswith("."):
                raise HttpError(400, "invalid file name")
            virtual = posixpath.join(FILES_DIR, name)
        real = ROOT + virtual  # normpath keeps `virtual` absolute, so this stays under ROOT
        if not os.path.isfile(real):
            raise HttpError(404, "no such file")
        with open(real, encoding="utf-8", errors="replace") as f:
            self.send(200, {"name": name, "content": f.read()})

    def ping(self, query):
        self.require_user()
        host = (query.get("host") or [""])[0]
        if not host or len(host) > 200:
            raise HttpError(400, "host is required")
        if not vuln("cmdi") and not re.fullmatch(r"[A-Za-z0-9.:-]{1,100}", host):
            raise HttpError(400, "invalid host")
        self.send(200, {"output": simulated_ping(host)})

    def resolve(self):
        self.require_user()
        body = self.json_body()
        host = self.field(body, "host", str)
        if not vuln("cmdi_blind") and not re.fullmatch(r"[A-Za-z0-9.-]{1,100}", host):
            raise HttpError(400, "invalid host")
        simulated_ping(host)  # the output is thrown away: only timing tells
        self.send(200, {"host": host, "queued": True})

    def validate_email(self):
        body = self.json_body()
        email = self.field(body, "email", str)
        if vuln("redos"):
            valid = REGEX_POOL.submit(redos_match, email).result()
        else:
            valid = EMAIL_SAFE.match(email) is not None
        self.send(200, {"email": email, "valid": valid})


def parse_flaws(text):
    names = set()
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if part == "all":
            names.update(FLAWS)
        elif part in FLAWS:
            names.add(part)
        else:
            raise SystemExit("unknown flaw %r; known: %s" % (part, ", ".join(FLAWS)))
    return names


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--vulnerable", default="", help="comma-separated flaws or 'all'")
    ap.add_argument("--fixed", default="", help="comma-separated flaws or 'all' (wins)")
    ap.add_argument("--list", action="store_true", help="print the flaw names and exit")
    args = ap.parse_args()
    if args.list:
        print("\n".join(FLAWS))
        return
    VULN.update(parse_flaws(args.vulnerable))
    VULN.difference_update(parse_flaws(args.fixed))
    if vuln("banner"):
        Handler.server_version = "shop/1.0"
    seed()
    global REGEX_POOL
    if vuln("redos"):
        REGEX_POOL = concurrent.futures.ProcessPoolExecutor(max_workers=1)
        REGEX_POOL.submit(redos_match, "warm-up@example.com").result()
    server = Server(("127.0.0.1", args.port), Handler)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    print("fixture listening on 127.0.0.1:%d vulnerable=%s" % (args.port, ",".join(sorted(VULN))),
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if REGEX_POOL:
            REGEX_POOL.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
