/* SPDX-License-Identifier: MIT */
/* The hooks around every handler: authenticate the credential, check the route's scope, bind
 * the store to the caller's organization, and make POSTs with an Idempotency-Key safe to
 * retry. Handlers can rely on all of it: req->auth and req->db are set on every authenticated
 * route before they run. */
#include "api/api_int.h"

#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/apikey.h"
#include "auth/jwt.h"
#include "auth/refresh.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/str.h"
#include "core/testhook.h"
#include "model/scope.h"
#include "model/user.h"

/* Query parameters that look like credentials. A secret in a URL ends up in proxy logs and
 * browser history, so such a request is refused outright rather than ignored. */
static const char *const credential_query_names[] = {"api_key", "apikey", "access_token",
                                                     "token",   "key",    "auth"};

static int
refuse_query_credentials(struct req *req, struct err *err)
{
    for (size_t i = 0; i < req_query_count(req); i++) {
        const struct http_kv *kv = req_query_at(req, i);

        for (size_t k = 0; k < sizeof(credential_query_names) / sizeof(*credential_query_names);
             k++) {
            if (strcmp(kv->name, credential_query_names[k]) == 0)
                return err_set(err, UNAUTHORIZED,
                               "Credentials are not accepted in the query string; send "
                               "'Authorization: Bearer <token>' or 'X-API-Key: <token>'.");
        }
    }
    return 0;
}

/* A personal token's user or a service token's account must still exist (and the user be
 * enabled): removing an owner takes its tokens away at once. The owner's role caps the
 * token's scopes, so a demoted user's tokens lose what the new role does not allow. */
static int
resolve_token_owner(struct req *req, struct principal *who, struct err *err)
{
    struct store *store = api_app(req)->store;
    struct err lookup = {0};

    if (who->user_id) {
        struct user u;

        if (store_user_get(store, who->org_id, who->user_id, req->arena, &u, &lookup)) {
            if (lookup.code != ERR_NOT_FOUND) {
                *err = lookup;
                return -1;
            }
            return err_set(err, UNAUTHORIZED, "The token's user no longer exists.");
        }
        if (u.disabled)
            return err_set(err, UNAUTHORIZED, "The token's user is disabled.");
        who->role = (int)u.role;
        who->scopes &= user_role_scopes(u.role);
    } else if (who->service_account_id) {
        struct service_account s;

        if (store_service_account_get(store, who->org_id, who->service_account_id, req->arena, &s,
                                      &lookup)) {
            if (lookup.code != ERR_NOT_FOUND) {
                *err = lookup;
                return -1;
            }
            return err_set(err, UNAUTHORIZED, "The token's service account no longer exists.");
        }
        who->role = (int)s.role;
        who->scopes &= user_role_scopes(s.role);
    }
    return 0;
}

/* An access token (JWT): verified by auth/jwt.c, then its user is read again, so a disabled
 * or deleted user's tokens stop at once and a role change applies at once. */
static int
authenticate_jwt(struct req *req, const char *token, struct principal *who, struct err *err)
{
    struct app *app = api_app(req);
    struct jwt_claims claims;
    struct err lookup = {0};
    struct user u;
    uint32_t claimed = 0;

    if (!app->keys)
        return err_set(err, UNAUTHORIZED, "The token is malformed.");
    if (jwt_access_verify(app->keys, &app->jwt, token, clock_now(), &claims, err))
        return -1;
    if (store_user_get(app->store, claims.org, claims.sub, req->arena, &u, &lookup)) {
        if (lookup.code != ERR_NOT_FOUND) {
            *err = lookup;
            return -1;
        }
        return err_set(err, UNAUTHORIZED, "The access token's user no longer exists.");
    }
    if (u.disabled)
        return err_set(err, UNAUTHORIZED, "The access token's user is disabled.");
    if (scope_parse_list(claims.scope, &claimed))
        claimed = 0;
    who->org_id = u.org_id;
    who->token_id = arena_strdup(req->arena, claims.jti);
    who->name = u.username;
    who->user_id = u.id;
    who->service_account_id = NULL;
    who->role = (int)u.role;
    who->jwt = true;
    who->scopes = claimed & user_role_scopes(u.role);
    return 0;
}

static int
authenticate(struct req *req, const char *secret, struct principal *who, struct err *err)
{
    struct app *app = api_app(req);

    if (str_has_prefix(secret, REFRESH_PREFIX))
        return err_set(err, UNAUTHORIZED,
                       "A refresh token is not an access token: exchange it at POST "
                       "/api/v1/auth/refresh.");
    if (str_has_prefix(secret, APIKEY_PREFIX))
        return authn_verify(app->store, secret, clock_now(), req->arena, who, err) ||
               resolve_token_owner(req, who, err);
    if (strchr(secret, '.'))
        return authenticate_jwt(req, secret, who, err);
    return err_set(err, UNAUTHORIZED, "The token is malformed.");
}

/* One bucket per credential: a user's JWTs share one, each API token has its own. */
static int
take_rate(struct req *req, struct api_state *state, struct err *err)
{
    struct app *app = api_app(req);
    const struct principal *who = &state->who;
    struct ratelimit_tier tier = app->tier_standard;
    char key[RATELIMIT_KEY_MAX];

    if (!app->limiter)
        return 0;
    if (who->service_account_id)
        tier = app->tier_service;
    else if (who->role < 0 || who->role == (int)USER_ROLE_ADMIN)
        tier = app->tier_admin;
    snprintf(key, sizeof(key), "%s", who->jwt ? who->user_id : who->token_id);
    ratelimit_take(app->limiter, key, tier, clock_now_ms(), &state->rate);
    state->limited = true;
    if (!state->rate.allowed) {
        err_set(err, RATE_LIMIT_EXCEEDED,
                "Rate limit of %u requests a minute (burst %u) exceeded for this credential.",
                state->rate.per_minute, state->rate.limit);
        err->retry_after = (int)state->rate.retry_after;
        return -1;
    }
    return 0;
}

static int
api_before(struct req *req, struct err *err)
{
    struct app *app = api_app(req);
    struct api_state *state = arena_calloc(req->arena, 1, sizeof(*state));
    const char *secret;
    struct db *db;
    int from_cookie = 0;

    req->auth = state;
    if (testhook_enabled() && req_header(req, "X-Vigil-Test-Clock-Advance"))
        clock_test_advance(strtoll(req_header(req, "X-Vigil-Test-Clock-Advance"), NULL, 10));
    if (req->route->flags & API_PUBLIC)
        return 0;
    /* ---- issue 12: the dashboard's cookie session (session.c), CSRF-checked on writes ---- */
    if (!req_header(req, "Authorization") && !req_header(req, "X-API-Key"))
        from_cookie = api_session_credential(req, &secret, err);
    if (from_cookie < 0)
        return -1;
    /* ---- end issue 12 ---- */
    if (refuse_query_credentials(req, err) ||
        (!from_cookie && authn_credential(req_header(req, "Authorization"),
                                          req_header(req, "X-API-Key"), &secret, err)) ||
        authenticate(req, secret, &state->who, err))
        return -1;
    req->log_actor = api_actor(req);
    if (take_rate(req, state, err))
        return -1;
    if (!scope_allows(state->who.scopes, req->route->scope)) {
        struct buf need;

        buf_init(&need, 512);
        scope_format(req->route->scope, ' ', &need);
        err_set(err, FORBIDDEN, "This credential lacks the scope this operation needs: %s.",
                buf_str(&need));
        buf_cleanup(&need);
        return -1;
    }
    db = store_bind(app->store, state->who.org_id, req->arena);
    store_db_set_actor(db, api_actor(req));
    req->db = db;
    /* issue 9: the test that a rolled-back write sends no webhook event fails this request's
     * write at its commit (core/testhook.h). */
    if (testhook_enabled() && req_header(req, "X-Vigil-Test-Fail-Commit"))
        store_fault_fail_next_commit();
    return 0;
}

/* The request's identity for idempotency: principal, method, path and body, hashed. The
 * principal is part of it so that a key one caller used can never replay that caller's answer
 * to another (issue 14: a viewer replaying an admin's token creation); the other caller gets
 * 422 IDEMPOTENCY_KEY_REUSED instead. */
static const char *
request_hash(struct req *req)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    static const char hex[] = "0123456789abcdef";
    const char *method = http_method_name(req->method);
    const char *body;
    char *out;
    size_t len;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    body = req_body(req, &len);
    if (!ctx)
        abort();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    {
        const struct principal *who = &api_state(req)->who;
        const char *principal = who->jwt && who->user_id ? who->user_id : who->token_id;

        EVP_DigestUpdate(ctx, principal ? principal : "", principal ? strlen(principal) : 0);
        EVP_DigestUpdate(ctx, "\n", 1);
    }
    EVP_DigestUpdate(ctx, method, strlen(method));
    EVP_DigestUpdate(ctx, "\n", 1);
    EVP_DigestUpdate(ctx, req->path, strlen(req->path));
    EVP_DigestUpdate(ctx, "\n", 1);
    EVP_DigestUpdate(ctx, body, len);
    EVP_DigestFinal_ex(ctx, digest, &digest_len);
    EVP_MD_CTX_free(ctx);
    out = arena_alloc(req->arena, 2 * (size_t)digest_len + 1);
    for (unsigned int i = 0; i < digest_len; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    return out;
}

static int
api_before_handler(struct req *req, struct err *err)
{
    const char *key = req_header(req, "Idempotency-Key");
    enum store_idem_state state;
    struct store_idem_reply reply;

    if (req->method != HTTP_POST || !key || !req->db)
        return 0;
    if (store_idem_begin(api_db(req), key, request_hash(req), clock_now(), &state, &reply, err))
        return -1;
    switch (state) {
    case STORE_IDEM_NEW:
        api_state(req)->idem_key = arena_strdup(req->arena, key);
        return 0;
    case STORE_IDEM_REPLAY:
        buf_append(resp_body(req), reply.body, reply.len);
        resp_header(req, "Idempotent-Replayed", "true");
        resp_send(req, reply.status, reply.content_type);
        return 1;
    case STORE_IDEM_MISMATCH:
        return err_set(err, IDEMPOTENCY_KEY_REUSED,
                       "This Idempotency-Key was used with a different request.");
    case STORE_IDEM_IN_FLIGHT:
        return err_set(err, CONFLICT,
                       "A request with this Idempotency-Key is still being processed.");
    }
    return err_internal(err, "unknown idempotency state %d", (int)state);
}

static void
api_after(struct req *req)
{
    struct api_state *state = api_state(req);
    struct err err = {0};
    const char *data;
    size_t len;
    int status = resp_status(req);

    /* Any write that may have changed data invalidates every data-version ETag. Bumping on a
     * failed write too is harmless (one needless full answer) and keeps the rule simple. */
    if (req->method != HTTP_GET && req->method != HTTP_HEAD && req->method != HTTP_OPTIONS &&
        req_handler_ran(req))
        atomic_fetch_add(&api_app(req)->data_version, 1);

    if (state && state->limited) {
        char v[32];

        snprintf(v, sizeof(v), "%u", state->rate.limit);
        resp_header(req, "X-RateLimit-Limit", v);
        snprintf(v, sizeof(v), "%u", state->rate.remaining);
        resp_header(req, "X-RateLimit-Remaining", v);
        snprintf(v, sizeof(v), "%lld", (long long)state->rate.reset);
        resp_header(req, "X-RateLimit-Reset", v);
    }
    if (state && req->db && req_handler_ran(req) && status < 400 && !state->audit_done &&
        req->method != HTTP_GET && req->method != HTTP_HEAD && req->method != HTTP_OPTIONS)
        api_audit_write(req);

    if (!state || !state->idem_key)
        return;
    /* Only a success is worth replaying: after a 4xx or 5xx, forget the key so the corrected
     * retry runs. */
    if (status < 200 || status >= 300) {
        store_idem_abort(api_db(req), state->idem_key, &err);
    } else {
        data = resp_data(req, &len);
        store_idem_finish(api_db(req), state->idem_key, status, resp_content_type(req), data, len,
                          &err);
    }
    if (err_is_set(&err))
        log_msg(LOG_WARN, "idempotency key not saved: %s %s", err.detail, err.cause);
}

struct http_hooks
api_hooks(void)
{
    struct http_hooks hooks = {
        .before = api_before,
        .before_handler = api_before_handler,
        .after = api_after,
    };
    return hooks;
}
