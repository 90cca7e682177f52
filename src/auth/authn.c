/* SPDX-License-Identifier: MIT */
/* Token authentication. The digest lookup finds at most one row through a unique index; the
 * digests are then compared again in constant time so that the decision itself does not depend
 * on how many leading bytes matched. */
#include "auth/authn.h"

#include <string.h>
#include <strings.h>

#include "auth/apikey.h"
#include "core/log.h"
#include "core/str.h"
#include "store/store.h"

int
authn_credential(const char *authorization, const char *api_key, const char **secret,
                 struct err *err)
{
    const char *bearer = NULL;

    if (authorization) {
        if (strncasecmp(authorization, "Bearer ", 7) != 0)
            return err_set(err, UNAUTHORIZED,
                           "The Authorization header must use the Bearer scheme.");
        bearer = authorization + 7;
        while (*bearer == ' ')
            bearer++;
    }
    if (bearer && api_key && strcmp(bearer, api_key) != 0)
        return err_set(err, UNAUTHORIZED,
                       "Authorization and X-API-Key carry different credentials.");
    *secret = bearer ? bearer : api_key;
    if (str_empty(*secret))
        return err_set(err, UNAUTHORIZED,
                       "Authentication required: send 'Authorization: Bearer <token>' or "
                       "'X-API-Key: <token>'.");
    return 0;
}

int
authn_verify(struct store *store, const char *secret, int64_t now, struct arena *arena,
             struct principal *who, struct err *err)
{
    unsigned char digest[APIKEY_DIGEST_LEN];
    struct api_token token;
    struct err lookup = {0};
    size_t len = strlen(secret);

    if (!apikey_well_formed(secret, len))
        return err_set(err, UNAUTHORIZED, "The token is malformed.");
    apikey_digest(secret, len, digest);
    if (store_token_find_by_digest(store, digest, arena, &token, &lookup)) {
        if (lookup.code == ERR_NOT_FOUND)
            return err_set(err, UNAUTHORIZED, "The token is not valid.");
        *err = lookup;
        return -1;
    }
    if (!str_ct_equal(token.digest, digest, sizeof(digest)))
        return err_set(err, UNAUTHORIZED, "The token is not valid.");
    if (token.revoked_at || (token.expires_at && token.expires_at <= now)) {
        who->org_id = token.org_id;
        who->token_id = token.id;
        if (token.revoked_at)
            return err_set(err, UNAUTHORIZED, "The token has been revoked.");
        return err_set(err, UNAUTHORIZED, "The token has expired.");
    }

    who->org_id = token.org_id;
    who->token_id = token.id;
    who->name = token.name;
    who->scopes = token.scopes;
    who->user_id = token.user_id;
    who->service_account_id = token.service_account_id;
    who->role = -1;
    who->jwt = false;

    /* last_used_at is kept to the minute: only a stale value costs a write. */
    if (now - token.last_used_at >= STORE_TOKEN_TOUCH_INTERVAL) {
        struct err touch = {0};

        if (store_token_touch(store, token.id, now, &touch))
            log_msg(LOG_WARN, "token %s: last_used_at not recorded: %s", token.id, touch.cause);
    }
    return 0;
}
