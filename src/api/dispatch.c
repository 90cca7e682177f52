/* SPDX-License-Identifier: MIT */
/* The hooks around every handler: authenticate the credential, check the route's scope, bind
 * the store to the caller's organization, and make POSTs with an Idempotency-Key safe to
 * retry. Handlers can rely on all of it: req->auth and req->db are set on every authenticated
 * route before they run. */
#include "api/api_int.h"

#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/str.h"
#include "model/scope.h"

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

static int
api_before(struct req *req, struct err *err)
{
    struct app *app = api_app(req);
    struct api_state *state = arena_alloc(req->arena, sizeof(*state));
    const char *secret;
    struct db *db;

    req->auth = state;
    if (req->route->flags & API_PUBLIC)
        return 0;
    if (refuse_query_credentials(req, err) ||
        authn_credential(req_header(req, "Authorization"), req_header(req, "X-API-Key"), &secret,
                         err) ||
        authn_verify(app->store, secret, clock_now(), req->arena, &state->who, err))
        return -1;
    req->log_actor = state->who.token_id;
    if (!scope_allows(state->who.scopes, req->route->scope)) {
        struct buf need;

        buf_init(&need, 512);
        scope_format(req->route->scope, ' ', &need);
        err_set(err, FORBIDDEN, "This token lacks the scope this operation needs: %s.",
                buf_str(&need));
        buf_cleanup(&need);
        return -1;
    }
    db = store_bind(app->store, state->who.org_id, req->arena);
    store_db_set_actor(db, state->who.token_id);
    req->db = db;
    return 0;
}

/* The request's identity for idempotency: method, path and body, hashed. */
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

    if (!state || !state->idem_key)
        return;
    /* A server failure is not an answer worth replaying: forget the key so a retry runs. */
    if (status >= 500) {
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
