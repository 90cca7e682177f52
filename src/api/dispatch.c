/* SPDX-License-Identifier: MIT */
/* The hooks around every handler: authenticate the credential, check the route's scope, bind
 * the store to the caller's organization, and make POSTs with an Idempotency-Key safe to
 * retry. Handlers can rely on all of it: req->auth and req->db are set on every authenticated
 * route before they run. */
#include "api/api_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

struct db *
api_org_db(struct req *req, const char *org_id)
{
    struct api_state *state = api_state(req);
    struct db *db;

    if (req->db && state && state->who.org_id && strcmp(state->who.org_id, org_id) == 0)
        return api_db(req);
    if (state && state->org_db && strcmp(state->org_db_id, org_id) == 0)
        return state->org_db;
    db = store_bind(api_app(req)->store, org_id, req->arena);
    if (state) {
        state->org_db = db;
        state->org_db_id = arena_strdup(req->arena, org_id);
    }
    return db;
}

/* A personal token's user or a service token's account must still exist (and the user be
 * enabled): removing an owner takes its tokens away at once. The owner's role caps the
 * token's scopes, so a demoted user's tokens lose what the new role does not allow. */
static int
resolve_token_owner(struct req *req, struct principal *who, struct err *err)
{
    struct db *db = api_org_db(req, who->org_id);
    struct err lookup = {0};

    if (who->user_id) {
        struct user u;

        if (store_user_get(db, who->user_id, &u, &lookup)) {
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

        if (store_service_account_get(db, who->service_account_id, &s, &lookup)) {
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
    bool live = false;

    if (!app->keys)
        return err_set(err, UNAUTHORIZED, "The token is malformed.");
    if (jwt_access_verify(app->keys, &app->jwt, token, clock_now(), &claims, err))
        return -1;
    if (store_user_get(api_org_db(req, claims.org), claims.sub, &u, &lookup)) {
        if (lookup.code != ERR_NOT_FOUND) {
            *err = lookup;
            return -1;
        }
        return err_set(err, UNAUTHORIZED, "The access token's user no longer exists.");
    }
    if (u.disabled) {
        who->org_id = u.org_id;
        who->user_id = u.id;
        who->token_id = arena_strdup(req->arena, claims.jti);
        return err_set(err, UNAUTHORIZED, "The access token's user is disabled.");
    }
    /* The session: logout, refresh reuse, disabling and a new password revoke the family, and
     * the token ends with it (issue 14 item 12). Every token we mint names one. */
    if (!claims.sid[0])
        return err_set(err, UNAUTHORIZED, "The access token names no session.");
    if (store_refresh_family_live(app->store, claims.sid, u.id, &live, err))
        return -1;
    if (!live) {
        who->org_id = u.org_id;
        who->user_id = u.id;
        who->token_id = arena_strdup(req->arena, claims.jti);
        return err_set(err, UNAUTHORIZED, "The access token's session was revoked.");
    }
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

/* ---- Failed authentication, per client address (issue 14 item 14) ----------------------- */

/* The bucket of the client's address: the address, or for IPv6 its /64 (a host usually holds
 * a whole /64 and could otherwise rotate through it; IPv4-mapped addresses stay whole). */
static void
address_key(const char *addr, char *key, size_t size)
{
    struct in6_addr a6;
    char text[INET6_ADDRSTRLEN];

    if (strchr(addr, ':') && inet_pton(AF_INET6, addr, &a6) == 1 && !IN6_IS_ADDR_V4MAPPED(&a6)) {
        memset(a6.s6_addr + 8, 0, 8);
        if (inet_ntop(AF_INET6, &a6, text, sizeof(text))) {
            snprintf(key, size, "addr:%s/64", text);
            return;
        }
    }
    snprintf(key, size, "addr:%s", addr);
}

/* Takes one request from the client address's bucket (tier_anonymous), for a request that
 * failed authentication or a public route that takes a secret in its body. Raises
 * RATE_LIMIT_EXCEEDED with retry_after when it is empty. The X-RateLimit-* headers then
 * describe this bucket. */
static int
take_address(struct req *req, struct api_state *state, struct err *err)
{
    struct app *app = api_app(req);
    char key[RATELIMIT_KEY_MAX];

    if (!app->limiter)
        return 0;
    address_key(req->client_addr, key, sizeof(key));
    ratelimit_take(app->limiter, key, app->tier_anonymous, clock_now_ms(), &state->rate);
    state->limited = true;
    if (!state->rate.allowed) {
        err_set(err, RATE_LIMIT_EXCEEDED,
                "Too many requests without a valid credential from this address: %u a minute "
                "(burst %u).",
                state->rate.per_minute, state->rate.limit);
        err->retry_after = (int)state->rate.retry_after;
        return -1;
    }
    return 0;
}

/* A request that did not authenticate: counted against its address, and a 429 instead of the
 * 401 once the address is over its limit (then nothing else is done for it, so a flood of bad
 * credentials costs one bucket lookup a request). */
static int
refuse_unauthenticated(struct req *req, struct api_state *state, struct err *err)
{
    struct err limited = {0};

    if (err->code == ERR_UNAUTHORIZED && take_address(req, state, &limited))
        *err = limited;
    return -1;
}

/* Public routes that take a secret in the body and answer 401 for a wrong one: each request
 * takes from its address's bucket, so they cannot be used to guess either. The login routes
 * have their own throttle (per username and address, auth/ratelimit.c). */
static bool
secret_taking_public_route(const struct req *req)
{
    static const http_handler_fn handlers[] = {api_auth_refresh, api_auth_logout, api_auth_password,
                                               api_session_refresh};

    for (size_t i = 0; i < sizeof(handlers) / sizeof(*handlers); i++) {
        if (req->route->handler == handlers[i])
            return true;
    }
    return false;
}

/* Why a credential was refused, in a word, from the detail the verifier raised. */
static const char *
refusal_reason(const char *detail)
{
    static const struct {
        const char *needle, *reason;
    } reasons[] = {
        {"revoked", "revoked"},         {"expired", "expired"},
        {"disabled", "disabled"},       {"no longer exists", "owner_deleted"},
        {"not valid", "unknown"},       {"refresh token", "refresh_token"},
        {"signature", "bad_signature"},
    };

    for (size_t i = 0; i < sizeof(reasons) / sizeof(*reasons); i++) {
        if (strstr(detail, reasons[i].needle))
            return reasons[i].reason;
    }
    return "malformed";
}

/* A credential that was sent but did not authenticate (issue 14 item 10): the client gets one
 * text whatever the reason, so a stolen token's state (expired? revoked? its owner disabled?)
 * is not told to whoever holds it; the audit log keeps the reason (action "auth.failure",
 * target the reason word), in the token's organization when it is known. A store failure
 * passes unchanged. */
static int
refuse_credential(struct req *req, struct api_state *state, struct err *err)
{
    struct err limited = {0};
    const char *reason;

    if (err->code != ERR_UNAUTHORIZED)
        return -1;
    if (take_address(req, state, &limited)) {
        memset(&state->who, 0, sizeof(state->who));
        *err = limited;
        return -1;
    }
    reason = refusal_reason(err->detail);
    api_audit(req, state->who.org_id, NULL, state->who.token_id, "auth.failure", reason);
    memset(&state->who, 0, sizeof(state->who));
    memset(err, 0, sizeof(*err));
    return err_set(err, UNAUTHORIZED, API_CREDENTIAL_REFUSED);
}

static int
api_before(struct req *req, struct err *err)
{
    struct api_state *state = arena_calloc(req->arena, 1, sizeof(*state));
    const char *secret;
    struct db *db;
    int from_cookie = 0;

    req->auth = state;
    if (testhook_enabled() && req_header(req, "X-Vigil-Test-Clock-Advance"))
        clock_test_advance(strtoll(req_header(req, "X-Vigil-Test-Clock-Advance"), NULL, 10));
    if (req->route->flags & API_PUBLIC)
        return secret_taking_public_route(req) ? take_address(req, state, err) : 0;
    /* ---- issue 12: the dashboard's cookie session (session.c), CSRF-checked on writes ---- */
    if (!req_header(req, "Authorization") && !req_header(req, "X-API-Key"))
        from_cookie = api_session_credential(req, &secret, err);
    if (from_cookie < 0)
        return refuse_unauthenticated(req, state, err);
    /* ---- end issue 12 ---- */
    state->credential_sent =
        from_cookie || req_header(req, "Authorization") || req_header(req, "X-API-Key");
    if (refuse_query_credentials(req, err) ||
        (!from_cookie && authn_credential(req_header(req, "Authorization"),
                                          req_header(req, "X-API-Key"), &secret, err)))
        return refuse_unauthenticated(req, state, err);
    if (authenticate(req, secret, &state->who, err))
        return refuse_credential(req, state, err);
    req->log_actor = api_actor(req);
    if (take_rate(req, state, err))
        return -1;
    if (!scope_allows(state->who.scopes, req->route->scope)) {
        struct buf need;

        buf_init(&need, 512);
        scope_format(req->route->scope, ' ', &need);
        err_set(err, FORBIDDEN, "This credential lacks the scope this operation needs: %s.",
                buf_str(&need));
        state->missing_scope = arena_strdup(req->arena, buf_str(&need));
        buf_cleanup(&need);
        return -1;
    }
    db = api_org_db(req, state->who.org_id);
    store_db_set_actor(db, api_actor(req));
    req->db = db;
    /* issue 9: the test that a rolled-back write sends no webhook event fails this request's
     * write at its commit (core/testhook.h). */
    if (testhook_enabled() && req_header(req, "X-Vigil-Test-Fail-Commit"))
        store_fault_fail_next_commit();
    return 0;
}

/* ---- Idempotency ---------------------------------------------------------------------- */

/* Handlers whose authorization goes beyond the route's scope (creator caps, the owner's role).
 * Their check runs before an idempotent replay, so a key never answers what the caller could
 * not do now: a demoted user's retry is refused, not replayed. A new POST handler with checks
 * of its own belongs here (docs/internals/api.md). */
static const struct {
    http_handler_fn handler;
    api_authorize_fn authorize;
} authorizers[] = {
    {api_tokens_create, api_tokens_authorize},
    {api_service_accounts_token, api_service_accounts_token_authorize},
};

static int
authorize_route(struct req *req, struct err *err)
{
    for (size_t i = 0; i < sizeof(authorizers) / sizeof(*authorizers); i++) {
        if (req->route->handler == authorizers[i].handler)
            return authorizers[i].authorize(req, err);
    }
    return 0;
}

/* The principal a key belongs to: the user for its JWTs and cookie sessions (all of them one
 * caller), else the API token. */
static const char *
idem_principal(const struct principal *who)
{
    return who->jwt && who->user_id ? who->user_id : who->token_id;
}

/* The request within its key's scope (principal, method, route template): a SHA-256 of the
 * concrete path and the body, so the same key with another {id} or body is a 422. */
static const char *
request_hash(struct req *req)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    const char *body;
    char *out;
    size_t len;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    body = req_body(req, &len);
    if (!ctx)
        abort();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, req->path, strlen(req->path));
    EVP_DigestUpdate(ctx, "\n", 1);
    EVP_DigestUpdate(ctx, body, len);
    EVP_DigestFinal_ex(ctx, digest, &digest_len);
    EVP_MD_CTX_free(ctx);
    out = arena_alloc(req->arena, 2 * (size_t)digest_len + 1);
    str_hex(digest, digest_len, out);
    return out;
}

static int
api_before_handler(struct req *req, struct err *err)
{
    struct api_state *api = api_state(req);
    const char *key = req_header(req, "Idempotency-Key");
    struct store_idem_scope scope;
    enum store_idem_state state;
    struct store_idem_reply reply;

    if (req->method != HTTP_POST || !key || !req->db)
        return 0;
    if (authorize_route(req, err))
        return -1;
    scope.principal = idem_principal(&api->who);
    scope.method = http_method_name(req->method);
    scope.route = req->route->pattern;
    scope.key = key;
    if (store_idem_begin(api_db(req), &scope, request_hash(req), clock_now(), &state, &reply, err))
        return -1;
    switch (state) {
    case STORE_IDEM_NEW:
        scope.key = arena_strdup(req->arena, key);
        api->idem_scope = scope;
        return 0;
    case STORE_IDEM_REPLAY:
        buf_append(resp_body(req), reply.body, reply.len);
        if (reply.location)
            resp_header(req, "Location", reply.location);
        resp_header(req, "Idempotent-Replayed", "true");
        resp_send(req, reply.status, reply.content_type);
        return 1;
    case STORE_IDEM_SECRET:
        if (reply.location) {
            resp_header(req, "Location", reply.location);
            return err_set(err, CONFLICT,
                           "A request with this Idempotency-Key already succeeded; its answer "
                           "held a secret shown only once and is not replayed. The created "
                           "resource is at the Location header.");
        }
        return err_set(err, CONFLICT,
                       "A request with this Idempotency-Key already succeeded; its answer held a "
                       "secret shown only once and is not replayed.");
    case STORE_IDEM_MISMATCH:
        return err_set(err, IDEMPOTENCY_KEY_REUSED,
                       "This Idempotency-Key was used with a different request.");
    case STORE_IDEM_IN_FLIGHT:
        return err_set(err, CONFLICT,
                       "A request with this Idempotency-Key is still being processed.");
    }
    return err_internal(err, "unknown idempotency state %d", (int)state);
}

/* The Location header the handler set, or NULL. */
static const char *
response_location(const struct req *req)
{
    const char *name, *value;

    for (size_t i = 0; resp_header_at(req, i, &name, &value); i++) {
        if (strcasecmp(name, "Location") == 0)
            return value;
    }
    return NULL;
}

/* Saves (2xx) or forgets (anything else) the answer of a request that took a key. */
static void
idem_settle(struct req *req, struct api_state *state, int status)
{
    struct err err = {0};

    /* Only a success is worth replaying: after a 4xx or 5xx, forget the key so the corrected
     * retry runs. */
    if (status < 200 || status >= 300) {
        store_idem_abort(api_db(req), &state->idem_scope, &err);
    } else {
        struct store_idem_reply answer = {0};

        answer.status = status;
        answer.content_type = resp_content_type(req);
        answer.location = response_location(req);
        answer.body = resp_data(req, &answer.len);
        store_idem_finish(api_db(req), &state->idem_scope, &answer, state->once_secret, &err);
    }
    if (err_is_set(&err))
        log_msg(LOG_WARN, "idempotency key not saved: %s %s", err.detail, err.cause);
}

static void
api_after(struct req *req)
{
    struct api_state *state = api_state(req);
    int status = resp_status(req);

    /* Any write that may have changed data invalidates every data-version ETag. Bumping on a
     * failed write too is harmless (one needless full answer) and keeps the rule simple. */
    if (req->method != HTTP_GET && req->method != HTTP_HEAD && req->method != HTTP_OPTIONS &&
        req_handler_ran(req))
        atomic_fetch_add(&api_app(req)->data_version, 1);

    /* RFC 6750 section 3: which scheme to use, and why a credential was not enough. */
    if (state && status == 401) {
        resp_header(req, "WWW-Authenticate",
                    state->credential_sent ? "Bearer error=\"invalid_token\"" : "Bearer");
    } else if (state && status == 403 && state->missing_scope) {
        char challenge[600];

        snprintf(challenge, sizeof(challenge), "Bearer error=\"insufficient_scope\", scope=\"%s\"",
                 state->missing_scope);
        resp_header(req, "WWW-Authenticate", challenge);
    }
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

    if (state && state->idem_scope.key)
        idem_settle(req, state, status);
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
