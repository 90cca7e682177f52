/* SPDX-License-Identifier: MIT */
/* Login and sessions: POST /auth/login (JSON), POST /auth/token (OAuth 2.0 password and
 * refresh_token grants, form-encoded, RFC 6749 error bodies), POST /auth/refresh (rotation with
 * reuse detection), POST /auth/logout, and POST /auth/password (consume a one-time set-password
 * token). Every login failure gives the same answer in about the same time: an unknown user
 * still costs one argon2id verification, and failures are throttled per username and per
 * client address before any password is checked. */
#include "api/api_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/apikey.h"
#include "auth/jwt.h"
#include "auth/password.h"
#include "auth/refresh.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/str.h"
#include "core/testhook.h"
#include "model/scope.h"
#include "model/user.h"

/* A login lasts at most this long, however often it is refreshed (issue: 30 days). */
#define API_SESSION_TTL (30 * 86400LL)

#define LOGIN_FAILED "Invalid username or password."

/* ---- Sessions ------------------------------------------------------------------------------- */

/* struct session is in api_int.h (session.c issues cookie sessions from the same pieces). */

void
session_wipe(struct session *s)
{
    str_wipe(s->access, sizeof(s->access));
    str_wipe(s->refresh, sizeof(s->refresh));
}

/* An access token for u carrying the scopes of its role and its session (the refresh family
 * `family`), so ending the session ends the token at once. */
static int
access_issue(struct req *req, const struct user *u, const char *family, struct session *s,
             struct err *err)
{
    struct app *app = api_app(req);
    struct jwt_claims claims = {0};
    struct buf scope;
    int64_t now = clock_now();

    if (!app->keys)
        return err_set(err, SERVICE_UNAVAILABLE, "Logins are not configured on this server.");
    str_copy(claims.sub, u->id, sizeof(claims.sub));
    str_copy(claims.org, u->org_id, sizeof(claims.org));
    str_copy(claims.role, user_role_name(u->role), sizeof(claims.role));
    str_copy(claims.sid, family, sizeof(claims.sid));
    buf_init(&scope, JWT_SCOPE_MAX);
    scope_format(user_role_scopes(u->role), ' ', &scope);
    str_copy(claims.scope, buf_str(&scope), sizeof(claims.scope));
    buf_cleanup(&scope);
    if (jwt_access_issue(app->keys, &app->jwt, &claims, now, s->access, sizeof(s->access), err))
        return -1;
    s->expires_in = claims.exp - now;
    s->jti = arena_strdup(req->arena, claims.jti);
    return 0;
}

/* A new login: an access token and the first refresh token of a new family. */
int
session_start(struct req *req, const struct user *u, struct session *s, struct err *err)
{
    unsigned char digest[REFRESH_DIGEST_LEN];
    char family[ID_MAX];
    int64_t now = clock_now(), family_end = now + API_SESSION_TTL;

    refresh_family_id(family, sizeof(family));
    if (access_issue(req, u, family, s, err))
        return -1;
    refresh_generate(s->refresh);
    refresh_digest(s->refresh, REFRESH_LEN, digest);
    return store_refresh_family_create(api_org_db(req, u->org_id), u->id, family, family_end,
                                       digest, refresh_next_expiry(family_end, now), now, err);
}

/* {"access_token", "token_type": "bearer", "expires_in", "refresh_token"} */
static int
session_answer(struct req *req, struct session *s)
{
    struct jsonw w;

    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "access_token", s->access);
    jsonw_kstr(&w, "token_type", "bearer");
    jsonw_kint(&w, "expires_in", s->expires_in);
    jsonw_kstr(&w, "refresh_token", s->refresh);
    jsonw_obj_close(&w);
    session_wipe(s);
    /* Tokens must not be cached by anything between us and the client (RFC 6749 5.1). */
    resp_header(req, "Cache-Control", "no-store");
    resp_header(req, "Pragma", "no-cache");
    return resp_json(req, 200);
}

/* ---- Password login ------------------------------------------------------------------------ */

/* Checks a username and password. UNAUTHORIZED LOGIN_FAILED for an unknown user, a wrong
 * password, a user without a password yet and a disabled user alike; RATE_LIMIT_EXCEEDED while
 * the username or the address is locked out. Audits success and failure. */
int
login_check(struct req *req, const char *organization, const char *username, const char *password,
            struct user *u, struct err *err)
{
    struct app *app = api_app(req);
    struct err lookup = {0}, verify = {0};
    bool known, ok = false;

    /* A refused attempt is not audited: it costs nothing, so a client hammering a locked
     * account cannot turn its requests into database writes. */
    if (app->throttle &&
        ratelimit_throttle_check(app->throttle, username, req->client_addr, clock_now(), err))
        return -1;
    (void)password_verifications_take();
    known = store_user_find_login(app->store, organization, username, req->arena, u, &lookup) == 0;
    if (!known && lookup.code != ERR_NOT_FOUND) {
        *err = lookup;
        return -1;
    }
    if (known && u->password_hash) {
        if (password_verify(u->password_hash, password, &verify) == 0)
            ok = !u->disabled;
        else if (verify.code == ERR_INTERNAL)
            log_msg(LOG_WARN, "user %s: stored password hash unusable: %s", u->id, verify.cause);
    } else {
        password_verify_dummy(password);
    }
    if (testhook_enabled()) {
        char n[16];

        snprintf(n, sizeof(n), "%u", password_verifications_take());
        resp_header(req, "X-Vigil-Test-Password-Verifications", n);
    }
    if (!ok) {
        if (app->throttle)
            ratelimit_throttle_failure(app->throttle, username, req->client_addr, clock_now());
        api_audit(req, known ? u->org_id : NULL, known ? u->id : NULL, NULL, "login.failure",
                  username);
        return err_set(err, UNAUTHORIZED, LOGIN_FAILED);
    }
    if (app->throttle)
        ratelimit_throttle_success(app->throttle, username);
    if (password_needs_rehash(u->password_hash)) {
        char hash[PASSWORD_ENCODED_MAX];
        struct err rehash = {0};

        if (password_hash(password, hash, &rehash) == 0)
            store_user_set_password(api_org_db(req, u->org_id), u->id, hash, &rehash);
    }
    return 0;
}

static const char *
json_str_member(json_t *body, const char *name, bool required, struct err *err)
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

static int
only_members(json_t *body, const char *const *allowed, struct err *err)
{
    const char *key;
    json_t *v;
    int rc = 0;

    json_object_foreach(body, key, v)
    {
        bool ok = false;

        (void)v;
        for (size_t i = 0; allowed[i]; i++)
            ok = ok || strcmp(key, allowed[i]) == 0;
        if (!ok)
            rc = err_field(err, key, "is not a known field");
    }
    return rc;
}

int
api_auth_login(struct req *req, struct err *err)
{
    static const char *const allowed[] = {"username", "password", "organization", NULL};
    json_t *body = req_json_body(req, err);
    const char *username, *password, *organization;
    struct session s;
    struct user u;

    if (!body)
        return -1;
    username = json_str_member(body, "username", true, err);
    password = json_str_member(body, "password", true, err);
    organization = json_str_member(body, "organization", false, err);
    if (only_members(body, allowed, err) || err_is_set(err))
        return -1;
    if (login_check(req, organization, username, password, &u, err) ||
        session_start(req, &u, &s, err))
        return -1;
    api_audit(req, u.org_id, u.id, s.jti, "login.success", u.id);
    return session_answer(req, &s);
}

/* ---- Refresh and logout -------------------------------------------------------------------- */

/* Exchanges a refresh token: 401 for anything but a live, unused token of an enabled user;
 * a reused token revokes its whole family and is audited. */
static int
refresh_exchange_checked(struct req *req, const char *token, struct session *s, struct err *err)
{
    struct app *app = api_app(req);
    unsigned char digest[REFRESH_DIGEST_LEN], next[REFRESH_DIGEST_LEN];
    struct store_refresh_row row;
    struct refresh_record record;
    struct err lookup = {0};
    enum refresh_verdict verdict;
    int64_t now = clock_now();
    struct user u;

    if (!token || !refresh_well_formed(token, strlen(token)))
        return err_set(err, UNAUTHORIZED, "The refresh token is malformed.");
    refresh_digest(token, REFRESH_LEN, digest);
    if (store_refresh_find(app->store, digest, req->arena, &row, &lookup)) {
        if (lookup.code != ERR_NOT_FOUND) {
            *err = lookup;
            return -1;
        }
        return err_set(err, UNAUTHORIZED, "The refresh token is not valid.");
    }
    record.expires_at = row.expires_at;
    record.used_at = row.used_at;
    record.family_expires_at = row.family_expires_at;
    record.family_revoked_at = row.family_revoked_at;
    verdict = refresh_judge(&record, now);
    if (verdict == REFRESH_OK) {
        if (store_user_get(api_org_db(req, row.org_id), row.user_id, &u, &lookup) || u.disabled) {
            store_refresh_family_revoke(app->store, row.family_id, now, &lookup);
            return err_set(err, UNAUTHORIZED, "The refresh token's user is disabled or gone.");
        }
        refresh_generate(s->refresh);
        refresh_digest(s->refresh, REFRESH_LEN, next);
        if (store_refresh_rotate(app->store, digest, next,
                                 refresh_next_expiry(row.family_expires_at, now), now, &lookup)) {
            if (lookup.code != ERR_CONFLICT) {
                *err = lookup;
                return -1;
            }
            verdict = REFRESH_REUSED; /* a concurrent exchange of the same token won */
        }
    }
    if (verdict == REFRESH_REUSED) {
        store_refresh_family_revoke(app->store, row.family_id, now, &lookup);
        api_audit(req, row.org_id, row.user_id, NULL, "refresh.reuse", row.family_id);
    }
    if (verdict != REFRESH_OK)
        return refresh_verdict_err(verdict, err);
    if (access_issue(req, &u, row.family_id, s, err))
        return -1;
    api_audit(req, row.org_id, row.user_id, s->jti, "refresh.success", row.family_id);
    return 0;
}

/* A refused refresh token gets one text whatever the reason (malformed, unknown, expired,
 * used, revoked, its user disabled), as a refused access credential does (issue 14 item 10):
 * whoever holds a stolen one learns nothing, in particular not that its reuse was detected. */
static int
refresh_refused(struct err *err)
{
    if (err->code != ERR_UNAUTHORIZED)
        return -1;
    memset(err, 0, sizeof(*err));
    return err_set(err, UNAUTHORIZED, API_REFRESH_REFUSED);
}

int
refresh_exchange(struct req *req, const char *token, struct session *s, struct err *err)
{
    if (refresh_exchange_checked(req, token, s, err))
        return refresh_refused(err);
    return 0;
}

int
api_auth_refresh(struct req *req, struct err *err)
{
    static const char *const allowed[] = {"refresh_token", NULL};
    json_t *body = req_json_body(req, err);
    const char *token;
    struct session s;

    if (!body)
        return -1;
    token = json_str_member(body, "refresh_token", true, err);
    if (only_members(body, allowed, err) || err_is_set(err))
        return -1;
    if (refresh_exchange(req, token, &s, err))
        return -1;
    return session_answer(req, &s);
}

int
api_auth_logout(struct req *req, struct err *err)
{
    static const char *const allowed[] = {"refresh_token", NULL};
    json_t *body = req_json_body(req, err);
    unsigned char digest[REFRESH_DIGEST_LEN];
    struct store_refresh_row row;
    struct err lookup = {0};
    const char *token;

    if (!body)
        return -1;
    token = json_str_member(body, "refresh_token", true, err);
    if (only_members(body, allowed, err) || err_is_set(err))
        return -1;
    if (!refresh_well_formed(token, strlen(token)))
        return err_set(err, UNAUTHORIZED, API_REFRESH_REFUSED);
    refresh_digest(token, REFRESH_LEN, digest);
    if (store_refresh_find(api_app(req)->store, digest, req->arena, &row, &lookup)) {
        if (lookup.code != ERR_NOT_FOUND) {
            *err = lookup;
            return -1;
        }
        return err_set(err, UNAUTHORIZED, API_REFRESH_REFUSED);
    }
    if (store_refresh_family_revoke(api_app(req)->store, row.family_id, clock_now(), err))
        return -1;
    api_audit(req, row.org_id, row.user_id, NULL, "logout", row.family_id);
    return resp_empty(req, 204);
}

/* ---- OAuth 2.0 token endpoint ---------------------------------------------------------------- */

/* RFC 6749 section 5.2: {"error", "error_description"} with 400 (401 is for client
 * authentication, which this endpoint does not use). */
static int
oauth_error(struct req *req, const char *code, const char *description)
{
    struct jsonw w;

    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "error", code);
    jsonw_kstr(&w, "error_description", description);
    jsonw_obj_close(&w);
    resp_header(req, "Cache-Control", "no-store");
    return resp_json(req, 400);
}

/* The value of `name` among the form's pairs, NULL if absent; *dup is set when the name is
 * repeated (RFC 6749 3.2: parameters must not be included more than once). */
static const char *
form_value(const struct http_kv *pairs, size_t n, const char *name, bool *dup)
{
    const char *value = NULL;

    for (size_t i = 0; i < n; i++) {
        if (strcmp(pairs[i].name, name) != 0)
            continue;
        if (value)
            *dup = true;
        value = pairs[i].value;
    }
    return value;
}

int
api_auth_token(struct req *req, struct err *err)
{
    const char *ctype = req_header(req, "Content-Type");
    struct http_kv *pairs;
    size_t n_pairs;
    const char *grant, *username, *password, *organization, *refresh;
    bool dup = false;
    struct session s;
    struct user u;
    struct err why = {0};

    if (!ctype || strncasecmp(ctype, "application/x-www-form-urlencoded", 33) != 0)
        return err_set(err, UNSUPPORTED_MEDIA_TYPE,
                       "The token endpoint takes application/x-www-form-urlencoded.");
    /* The one decoder of query strings (fuzzed): an encoded NUL or invalid UTF-8 in a password
     * is refused here as anywhere else, never cut short or passed on. */
    if (req_form(req, &pairs, &n_pairs, NULL))
        return oauth_error(req, "invalid_request",
                           "The form body is not valid percent-encoded UTF-8 name=value pairs.");
    grant = form_value(pairs, n_pairs, "grant_type", &dup);
    username = form_value(pairs, n_pairs, "username", &dup);
    password = form_value(pairs, n_pairs, "password", &dup);
    organization = form_value(pairs, n_pairs, "organization", &dup);
    refresh = form_value(pairs, n_pairs, "refresh_token", &dup);
    if (dup)
        return oauth_error(req, "invalid_request", "A parameter is repeated.");
    if (!grant)
        return oauth_error(req, "invalid_request", "grant_type is required.");
    if (strcmp(grant, "password") == 0) {
        if (str_empty(username) || str_empty(password))
            return oauth_error(req, "invalid_request", "username and password are required.");
        if (login_check(req, str_empty(organization) ? NULL : organization, username, password, &u,
                        &why)) {
            if (why.code == ERR_UNAUTHORIZED)
                return oauth_error(req, "invalid_grant", LOGIN_FAILED);
            *err = why;
            return -1;
        }
        if (session_start(req, &u, &s, err))
            return -1;
        api_audit(req, u.org_id, u.id, s.jti, "login.success", u.id);
        return session_answer(req, &s);
    }
    if (strcmp(grant, "refresh_token") == 0) {
        if (str_empty(refresh))
            return oauth_error(req, "invalid_request", "refresh_token is required.");
        if (refresh_exchange(req, refresh, &s, &why)) {
            if (why.code == ERR_UNAUTHORIZED)
                return oauth_error(req, "invalid_grant", why.detail);
            *err = why;
            return -1;
        }
        return session_answer(req, &s);
    }
    return oauth_error(req, "unsupported_grant_type",
                       "grant_type must be password or refresh_token.");
}

/* ---- Setting a password with a one-time token ---------------------------------------------- */

int
api_auth_password(struct req *req, struct err *err)
{
    static const char *const allowed[] = {"token", "password", NULL};
    json_t *body = req_json_body(req, err);
    unsigned char digest[APIKEY_DIGEST_LEN];
    char hash[PASSWORD_ENCODED_MAX];
    const char *token, *password;
    struct user u;

    if (!body)
        return -1;
    token = json_str_member(body, "token", true, err);
    password = json_str_member(body, "password", true, err);
    if (only_members(body, allowed, err) || err_is_set(err))
        return -1;
    apikey_digest(token, strlen(token), digest);
    if (store_password_token_user(api_app(req)->store, digest, clock_now(), req->arena, &u, err) ||
        password_check_policy(password, u.username, err) || password_hash(password, hash, err) ||
        store_password_token_consume(api_app(req)->store, digest, hash, clock_now(), req->arena, &u,
                                     err))
        return -1;
    str_wipe(hash, sizeof(hash));
    api_audit(req, u.org_id, u.id, NULL, "user.password_set", u.id);
    return resp_empty(req, 204);
}
