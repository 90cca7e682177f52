/* SPDX-License-Identifier: MIT */
/* Issuing an API token: a fresh secret, its digest stored, the secret handed back once. The
 * one path every token takes, whether the API, the first start or an operator command made
 * it. */
#ifndef VIGIL_AUTH_ISSUE_H
#define VIGIL_AUTH_ISSUE_H

#include <stdint.h>

#include "auth/apikey.h"
#include "core/err.h"
#include "model/token.h"

struct arena;
struct db;

/* Fills in the id, token_prefix, digest and created_at of *t (the caller sets org_id, name,
 * scopes, expires_at, created_by), stores it, and writes the secret to `secret`. The caller
 * shows the secret once and wipes it (str_wipe). Raises what store_token_insert raises. */
int auth_token_issue(struct db *db, struct api_token *t /* in/out */, struct arena *arena,
                     char secret[APIKEY_LEN + 1] /* out */, struct err *err);

#endif
