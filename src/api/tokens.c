/* SPDX-License-Identifier: MIT */
/* /api/v1/tokens: create (the secret is in the answer once), list, get, revoke. A token can
 * only hand out scopes it holds itself, so a leaked read-only token cannot mint a writer. */
#include "api/api_int.h"

#include <string.h>

#include "auth/apikey.h"
#include "auth/issue.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "core/str.h"
#include "model/scope.h"
#include "model/token.h"
#include "model/user.h"

/* Scopes in `excess` as a FORBIDDEN problem with `why`. Returns -1. */
static int
forbid_scopes(uint32_t excess, const char *why, struct err *err)
{
    struct buf names;

    buf_init(&names, 512);
    scope_format(excess, ' ', &names);
    err_set(err, FORBIDDEN, "%s: %s.", why, buf_str(&names));
    buf_cleanup(&names);
    return -1;
}

/* Decodes a token creation body into *t and checks its scopes: FORBIDDEN for one the caller
 * lacks (unless it is an admin) or one outside `cap`. */
static int
token_request(struct req *req, uint32_t cap, struct api_token *t, struct err *err)
{
    const struct principal *who = &api_state(req)->who;
    json_t *body = req_json_body(req, err);
    uint32_t excess;

    if (!body || api_token_from_json(t, body, clock_now(), req->arena, err))
        return -1;
    excess = t->scopes & ~who->scopes;
    if (excess && !(who->scopes & SCOPE(ADMIN)))
        return forbid_scopes(excess, "A token cannot grant scopes its creator lacks", err);
    /* admin implies every scope, so a cap without admin refuses it and nothing else. */
    excess = (cap & SCOPE(ADMIN)) ? 0 : t->scopes & ~cap;
    if (excess)
        return forbid_scopes(excess, "The owner's role does not allow these scopes", err);
    return 0;
}

int
api_token_mint(struct req *req, const char *user_id, const char *service_account_id, uint32_t cap,
               struct err *err)
{
    struct api_state *state = api_state(req);
    struct api_token t;
    char secret[APIKEY_LEN + 1];
    struct buf *out = resp_body(req);
    struct jsonw w;
    struct buf one;

    if (token_request(req, cap, &t, err))
        return -1;
    t.org_id = state->who.org_id;
    t.created_by = api_actor(req);
    t.user_id = user_id;
    t.service_account_id = service_account_id;
    if (auth_token_issue(api_db(req), &t, req->arena, secret, err))
        return -1;

    /* The token object plus its secret: the encoder writes a closed object, so it goes to a
     * side buffer and the secret is added before the closing brace. */
    buf_init(&one, 64 * 1024);
    jsonw_init(&w, &one);
    api_token_to_json(&w, &t);
    buf_puts(out, "{\"data\":");
    buf_append(out, one.data, one.len - 1);
    buf_puts(out, ",\"token\":");
    json_escape_into(out, secret, APIKEY_LEN);
    buf_puts(out, "}}");
    buf_cleanup(&one);
    str_wipe(secret, sizeof(secret));

    api_once_secret(req);
    state->audit_action = "token.create";
    state->audit_target = t.id;
    resp_location(req, "/api/v1/tokens/%s", t.id);
    return resp_json(req, 201);
}

/* The scopes the caller's own tokens may hold: its role's, or all for an operator token. */
static uint32_t
caller_cap(const struct principal *who)
{
    return who->role >= 0 ? user_role_scopes((enum user_role)who->role) : SCOPE_ALL;
}

int
api_token_authorize_cap(struct req *req, uint32_t cap, struct err *err)
{
    struct api_token t;

    return token_request(req, cap, &t, err);
}

int
api_tokens_authorize(struct req *req, struct err *err)
{
    return api_token_authorize_cap(req, caller_cap(&api_state(req)->who), err);
}

/* POST /tokens: a personal token for a user, a service token for a service account's own
 * token, an operator token (no owner) for an operator token. */
int
api_tokens_create(struct req *req, struct err *err)
{
    const struct principal *who = &api_state(req)->who;

    return api_token_mint(req, who->user_id, who->service_account_id, caller_cap(who), err);
}

/* Non-admins see and revoke only their own tokens; an operator token without admin owns
 * none. */
static bool
caller_owns(const struct principal *who, const struct api_token *t)
{
    if (who->scopes & SCOPE(ADMIN))
        return true;
    return (who->user_id && str_eq(who->user_id, t->user_id)) ||
           (who->service_account_id && str_eq(who->service_account_id, t->service_account_id));
}

int
api_tokens_list(struct req *req, struct err *err)
{
    struct store_list q;
    struct store_page page;
    struct jsonw w;

    const struct principal *who = &api_state(req)->who;

    if (api_list_query(req, STORE_TOKENS, 0, NULL, &q, err))
        return -1;
    if (who->scopes & SCOPE(ADMIN)) {
        if (store_token_list(api_db(req), &q, &page, err))
            return -1;
    } else if (who->user_id || who->service_account_id) {
        if (store_token_list_owned(api_db(req), who->user_id, who->service_account_id, &q, &page,
                                   err))
            return -1;
    } else {
        return err_set(err, FORBIDDEN,
                       "This credential lacks the scope this operation needs: admin.");
    }
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < page.n; i++)
        api_token_to_json(&w, &page.tokens[i]);
    jsonw_arr_close(&w);
    api_list_meta(req, &w, &q, &page);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

int
api_tokens_get(struct req *req, struct err *err)
{
    struct api_token t;
    struct jsonw w;
    const char *id = api_path_id(req, "tok_", "token", err);

    if (!id)
        return -1;
    if (store_token_get(api_db(req), id, &t, err))
        return api_store_failed(err, "token", id);
    if (!caller_owns(&api_state(req)->who, &t))
        return api_not_found(err, "token", id);
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    api_token_to_json(&w, &t);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

int
api_tokens_revoke(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "tok_", "token", err);
    struct api_token t;

    if (!id)
        return -1;
    if (store_token_get(api_db(req), id, &t, err))
        return api_store_failed(err, "token", id);
    if (!caller_owns(&api_state(req)->who, &t))
        return api_not_found(err, "token", id);
    api_state(req)->audit_action = "token.revoke";
    if (store_token_revoke(api_db(req), id, clock_now(), err))
        return api_store_failed(err, "token", id);
    return resp_empty(req, 204);
}
