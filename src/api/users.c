/* SPDX-License-Identifier: MIT */
/* /api/v1/users and /api/v1/service-accounts (admin only, from the route table): users with a
 * role and an optional password (else an invite link token sets it), service accounts with a
 * role and their service tokens. A role caps the scopes of every credential of its holder. */
#include "api/api_int.h"

#include <string.h>

#include "auth/apikey.h"
#include "auth/issue.h"
#include "auth/password.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/jsonw.h"
#include "core/str.h"
#include "model/scope.h"
#include "model/token.h"
#include "model/user.h"

/* A set-password link token: "vgl_pw_" + 43 base62 characters, valid this long. */
#define INVITE_PREFIX    "vgl_pw_"
#define INVITE_RANDOM    43
#define INVITE_TTL       (72 * 3600LL)
#define INVITE_TOKEN_LEN (sizeof(INVITE_PREFIX) - 1 + INVITE_RANDOM)

static int
answer_user(struct req *req, int status, const struct user *u)
{
    struct jsonw w;

    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    user_to_json(&w, u);
    jsonw_obj_close(&w);
    return resp_json(req, status);
}

int
api_users_create(struct req *req, struct err *err)
{
    struct api_state *state = api_state(req);
    json_t *body = req_json_body(req, err);
    char hash[PASSWORD_ENCODED_MAX];
    struct user_write w;
    struct user in = {0}, out;

    if (!body || user_write_from_json(&w, body, false, req->arena, err))
        return -1;
    if (w.password) {
        if (password_check_policy(w.password, w.username, err) ||
            password_hash(w.password, hash, err))
            return -1;
        in.password_hash = hash;
    }
    in.org_id = state->who.org_id;
    in.username = w.username;
    in.role = w.role;
    in.disabled = w.disabled;
    if (store_user_create(api_db(req), &in, &out, err))
        return -1;
    str_wipe(hash, sizeof(hash));
    resp_location(req, "/api/v1/users/%s", out.id);
    return answer_user(req, 201, &out);
}

int
api_users_list(struct req *req, struct err *err)
{
    struct store_list q;
    struct store_page page;
    struct jsonw w;

    if (api_paging_query(req, NULL, &q, NULL, err) || store_user_list(api_db(req), &q, &page, err))
        return -1;
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < page.n; i++)
        user_to_json(&w, &page.users[i]);
    jsonw_arr_close(&w);
    api_list_meta(req, &w, &q, &page);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

int
api_users_get(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "usr_", "user", err);
    struct user u;

    if (!id)
        return -1;
    if (store_user_get(api_db(req), id, &u, err))
        return api_store_failed(err, "user", id);
    return answer_user(req, 200, &u);
}

int
api_users_patch(struct req *req, struct err *err)
{
    struct api_state *state = api_state(req);
    const char *id = api_path_id(req, "usr_", "user", err);
    json_t *body;
    struct user_write w;
    struct user out;
    enum user_role old;

    if (!id)
        return -1;
    body = req_json_body(req, err);
    if (!body || user_write_from_json(&w, body, true, req->arena, err))
        return -1;
    if (store_user_update(api_db(req), id, &w, &out, &old, err))
        return api_store_failed(err, "user", id);
    if (old != out.role) {
        api_audit(req, NULL, NULL, NULL, "user.role_change", id);
        state->audit_done = (w.present & USER_SET_DISABLED) == 0;
    }
    if (w.present & USER_SET_DISABLED)
        state->audit_action = out.disabled ? "user.disable" : "user.enable";
    return answer_user(req, 200, &out);
}

int
api_users_delete(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "usr_", "user", err);

    if (!id)
        return -1;
    if (store_user_delete(api_db(req), id, err))
        return api_store_failed(err, "user", id);
    return resp_empty(req, 204);
}

/* POST /users/{id}/invite: a one-time token that sets the user's password through
 * POST /auth/password. Shown once; only its digest is kept. */
int
api_users_invite(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "usr_", "user", err);
    char token[INVITE_TOKEN_LEN + 1];
    unsigned char digest[APIKEY_DIGEST_LEN];
    int64_t now = clock_now(), expires = now + INVITE_TTL;
    struct jsonw w;

    if (!id)
        return -1;
    memcpy(token, INVITE_PREFIX, sizeof(INVITE_PREFIX) - 1);
    random_base62(token + sizeof(INVITE_PREFIX) - 1, INVITE_RANDOM);
    apikey_digest(token, INVITE_TOKEN_LEN, digest);
    if (store_password_token_create(api_db(req), id, digest, expires, now, err))
        return api_store_failed(err, "user", id);
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "user_id", id);
    jsonw_kstr(&w, "token", token);
    jsonw_key(&w, "expires_at");
    {
        char ts[32];

        jsonw_str(&w, clock_format_rfc3339(expires, ts, sizeof(ts)));
    }
    jsonw_obj_close(&w);
    jsonw_obj_close(&w);
    str_wipe(token, sizeof(token));
    api_once_secret(req);
    resp_header(req, "Cache-Control", "no-store");
    return resp_json(req, 201);
}

/* ---- Service accounts ------------------------------------------------------------------------ */

static int
answer_svc(struct req *req, int status, const struct service_account *s)
{
    struct jsonw w;

    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    service_account_to_json(&w, s);
    jsonw_obj_close(&w);
    return resp_json(req, status);
}

int
api_service_accounts_create(struct req *req, struct err *err)
{
    json_t *body = req_json_body(req, err);
    struct service_account in, out;

    if (!body || service_account_from_json(&in, body, req->arena, err))
        return -1;
    in.org_id = api_state(req)->who.org_id;
    in.created_by = api_actor(req);
    if (store_service_account_create(api_db(req), &in, &out, err))
        return -1;
    resp_location(req, "/api/v1/service-accounts/%s", out.id);
    return answer_svc(req, 201, &out);
}

int
api_service_accounts_list(struct req *req, struct err *err)
{
    struct store_list q;
    struct store_page page;
    struct jsonw w;

    if (api_paging_query(req, NULL, &q, NULL, err) ||
        store_service_account_list(api_db(req), &q, &page, err))
        return -1;
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < page.n; i++)
        service_account_to_json(&w, &page.service_accounts[i]);
    jsonw_arr_close(&w);
    api_list_meta(req, &w, &q, &page);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

int
api_service_accounts_get(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "svc_", "service account", err);
    struct service_account s;

    if (!id)
        return -1;
    if (store_service_account_get(api_db(req), id, &s, err))
        return api_store_failed(err, "service account", id);
    return answer_svc(req, 200, &s);
}

int
api_service_accounts_delete(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "svc_", "service account", err);

    if (!id)
        return -1;
    if (store_service_account_delete(api_db(req), id, err))
        return api_store_failed(err, "service account", id);
    return resp_empty(req, 204);
}

/* The service account of POST /service-accounts/{id}/tokens into *s. */
static int
token_account(struct req *req, struct service_account *s, struct err *err)
{
    const char *id = api_path_id(req, "svc_", "service account", err);

    if (!id)
        return -1;
    if (store_service_account_get(api_db(req), id, s, err))
        return api_store_failed(err, "service account", id);
    return 0;
}

int
api_service_accounts_token_authorize(struct req *req, struct err *err)
{
    struct service_account s;

    if (token_account(req, &s, err))
        return -1;
    return api_token_authorize_cap(req, user_role_scopes(s.role), err);
}

/* POST /service-accounts/{id}/tokens: a service token, capped by the account's role. */
int
api_service_accounts_token(struct req *req, struct err *err)
{
    struct service_account s;

    if (token_account(req, &s, err))
        return -1;
    return api_token_mint(req, NULL, s.id, user_role_scopes(s.role), err);
}
