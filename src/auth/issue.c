/* SPDX-License-Identifier: MIT */
/* Token issuing. */
#include "auth/issue.h"

#include "core/arena.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/str.h"
#include "store/store.h"

int
auth_token_issue(struct db *db, struct api_token *t, struct arena *arena,
                 char secret[APIKEY_LEN + 1], struct err *err)
{
    apikey_generate(secret);
    t->id = id_new(arena, "tok_");
    t->token_prefix = arena_strndup(arena, secret, APIKEY_DISPLAY_LEN);
    apikey_digest(secret, APIKEY_LEN, t->digest);
    t->created_at = clock_now();
    if (store_token_insert(db, t, err)) {
        str_wipe(secret, APIKEY_LEN + 1);
        return -1;
    }
    return 0;
}
