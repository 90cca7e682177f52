/* SPDX-License-Identifier: MIT */
/* Cookie sessions for the dashboard: POST /auth/session signs in with a username and password
 * and sets one cookie, `vigil_session`, HttpOnly, SameSite=Strict, Path=/ (and Secure when the
 * request came over TLS, as a proxy's X-Forwarded-Proto: https tells us). Its value is
 * "ACCESS~REFRESH~CSRF": the access JWT that authenticates API calls, the refresh token that
 * POST /auth/session/refresh rotates, and a random CSRF token. Page scripts cannot read the
 * cookie, so no token ever reaches localStorage; the page learns the CSRF token from the
 * sign-in answer (or GET /auth/session) and sends it as X-CSRF-Token on every write, which
 * dispatch compares with the cookie's copy (double submit: a cross-site form cannot know it).
 * DELETE /auth/session revokes the refresh family and clears the cookie. */
#include "api/api_int.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "auth/apikey.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/str.h"

#define SESSION_COOKIE   "vigil_session"
#define SESSION_CSRF_LEN 64 /* hex characters of 32 random bytes */
#define SESSION_MAX_AGE  (30 * 86400LL)

/* The three parts of a session cookie, arena copies. */
struct session_cookie {
    const char *access;
    const char *refresh;
    const char *csrf;
};

/* Splits the request's session cookie; false when absent or malformed. */
static bool
cookie_read(struct req *req, struct session_cookie *c)
{
    const char *v = req_cookie(req, SESSION_COOKIE);
    const char *a, *b;

    if (!v || !(a = strchr(v, '~')) || !(b = strchr(a + 1, '~')))
        return false;
    if ((size_t)(a - v) >= JWT_TOKEN_MAX || (size_t)(b - a - 1) != REFRESH_LEN ||
        strlen(b + 1) != SESSION_CSRF_LEN || a == v)
        return false;
    c->access = arena_strndup(req->arena, v, (size_t)(a - v));
    c->refresh = arena_strndup(req->arena, a + 1, REFRESH_LEN);
    c->csrf = arena_strdup(req->arena, b + 1);
    /* Only an access JWT travels in the cookie: never an API token or a refresh token. */
    return strchr(c->access, '.') && !str_has_prefix(c->access, APIKEY_PREFIX) &&
           !str_has_prefix(c->access, REFRESH_PREFIX);
}

/* The X-CSRF-Token header must equal the cookie's copy (compared in constant time). */
static int
csrf_check(struct req *req, const struct session_cookie *c, struct err *err)
{
    const char *sent = req_header(req, "X-CSRF-Token");

    if (!sent || strlen(sent) != SESSION_CSRF_LEN ||
        CRYPTO_memcmp(sent, c->csrf, SESSION_CSRF_LEN) != 0)
        return err_set(err, CSRF_TOKEN_INVALID,
                       "A write with a session cookie needs the session's X-CSRF-Token header.");
    return 0;
}

int
api_session_credential(struct req *req, const char **secret, struct err *err)
{
    struct session_cookie c;

    if (!req_cookie(req, SESSION_COOKIE))
        return 0;
    if (!cookie_read(req, &c))
        return err_set(err, UNAUTHORIZED, "The session cookie is malformed.");
    if (req->method != HTTP_GET && req->method != HTTP_HEAD && req->method != HTTP_OPTIONS &&
        csrf_check(req, &c, err))
        return -1;
    *secret = c.access;
    return 1;
}

static bool
over_tls(struct req *req)
{
    const char *proto = req_header(req, "X-Forwarded-Proto");

    return proto && strcmp(proto, "https") == 0;
}

/* Sets the cookie (value NULL clears it) and answers {csrf_token, expires_in} or 204. */
static int
cookie_answer(struct req *req, struct session *s)
{
    char csrf[SESSION_CSRF_LEN + 1];
    unsigned char raw[SESSION_CSRF_LEN / 2];
    struct buf cookie;
    struct jsonw w;

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        abort();
    str_hex(raw, sizeof(raw), csrf);
    buf_init(&cookie, 8192);
    buf_printf(&cookie,
               SESSION_COOKIE "=%s~%s~%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
               s->access, s->refresh, csrf, SESSION_MAX_AGE, over_tls(req) ? "; Secure" : "");
    resp_header(req, "Set-Cookie", buf_str(&cookie));
    str_wipe(cookie.data, cookie.len);
    buf_cleanup(&cookie);
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "csrf_token", csrf);
    jsonw_kint(&w, "expires_in", s->expires_in);
    jsonw_obj_close(&w);
    session_wipe(s);
    resp_header(req, "Cache-Control", "no-store");
    return resp_json(req, 200);
}

static void
cookie_clear(struct req *req)
{
    resp_header(req, "Set-Cookie",
                over_tls(req) ? SESSION_COOKIE
                    "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure"
                              : SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}

static const char *
str_member(json_t *body, const char *name, bool required, struct err *err)
{
    json_t *v = json_object_get(body, name);
    const char *s = json_string_value(v);

    if (!v && !required)
        return NULL;
    if (!s || json_string_length(v) != strlen(s) || !*s) {
        err_field(err, name, required ? "is required: a non-empty string" : "must be a string");
        return NULL;
    }
    return s;
}

int
api_session_create(struct req *req, struct err *err)
{
    json_t *body = req_json_body(req, err);
    const char *username, *password, *organization, *key;
    struct session s;
    struct user u;
    json_t *v;

    if (!body)
        return -1;
    username = str_member(body, "username", true, err);
    password = str_member(body, "password", true, err);
    organization = str_member(body, "organization", false, err);
    json_object_foreach(body, key, v)
    {
        (void)v;
        if (strcmp(key, "username") != 0 && strcmp(key, "password") != 0 &&
            strcmp(key, "organization") != 0)
            err_field(err, key, "is not a known field");
    }
    if (err_is_set(err))
        return -1;
    if (login_check(req, organization, username, password, &u, err) ||
        session_start(req, &u, &s, err))
        return -1;
    api_audit(req, u.org_id, u.id, s.jti, "login.success", u.id);
    return cookie_answer(req, &s);
}

int
api_session_get(struct req *req, struct err *err)
{
    struct session_cookie c;
    struct jsonw w;

    if (!cookie_read(req, &c))
        return err_set(err, UNAUTHORIZED, "No session: sign in at POST /api/v1/auth/session.");
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "csrf_token", c.csrf);
    jsonw_obj_close(&w);
    resp_header(req, "Cache-Control", "no-store");
    return resp_json(req, 200);
}

int
api_session_refresh(struct req *req, struct err *err)
{
    struct session_cookie c;
    struct session s;

    if (!cookie_read(req, &c))
        return err_set(err, UNAUTHORIZED, "No session: sign in at POST /api/v1/auth/session.");
    if (csrf_check(req, &c, err))
        return -1;
    if (refresh_exchange(req, c.refresh, &s, err)) {
        if (err->code == ERR_UNAUTHORIZED)
            cookie_clear(req);
        return -1;
    }
    return cookie_answer(req, &s);
}

int
api_session_delete(struct req *req, struct err *err)
{
    unsigned char digest[REFRESH_DIGEST_LEN];
    struct store_refresh_row row;
    struct session_cookie c;
    struct err lookup = {0};

    if (!cookie_read(req, &c))
        return err_set(err, UNAUTHORIZED, "No session: sign in at POST /api/v1/auth/session.");
    if (csrf_check(req, &c, err))
        return -1;
    refresh_digest(c.refresh, REFRESH_LEN, digest);
    if (store_refresh_find(api_app(req)->store, digest, req->arena, &row, &lookup) == 0) {
        if (store_refresh_family_revoke(api_app(req)->store, row.family_id, clock_now(), err))
            return -1;
        api_audit(req, row.org_id, row.user_id, NULL, "logout", row.family_id);
    } else if (lookup.code != ERR_NOT_FOUND) {
        *err = lookup;
        return -1;
    }
    cookie_clear(req);
    return resp_empty(req, 204);
}
