/* SPDX-License-Identifier: MIT */
/* An API token as stored: the secret itself is never kept, only its SHA-256 digest (the auth
 * layer makes and hashes the secret; see auth/). `token_prefix` is a short, non-secret start
 * of the secret shown in listings so a user can tell tokens apart. Strings are borrowed. */
#ifndef VIGIL_MODEL_TOKEN_H
#define VIGIL_MODEL_TOKEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "model/model.h"

struct arena;
struct jsonw;

#define API_TOKEN_DIGEST_LEN 32 /* SHA-256 */
#define API_TOKEN_PREFIX_MAX 32 /* token_prefix length limit */

struct api_token {
    const char *id; /* "tok_..." */
    const char *org_id;
    const char *name;         /* 1..MODEL_NAME_MAX */
    uint32_t scopes;          /* SCOPE(...) mask, model/scope.h */
    const char *token_prefix; /* e.g. "vgl_live_AbC1", display only */
    unsigned char digest[API_TOKEN_DIGEST_LEN];
    int64_t created_at;
    int64_t expires_at;     /* 0 = never */
    int64_t last_used_at;   /* 0 = never used */
    int64_t revoked_at;     /* 0 = active */
    const char *created_by; /* actor that created it ("tok_...", "usr_...", "cli"), or NULL */
    /* The owner: a personal token has user_id, a service token service_account_id; neither is
     * an operator token (first start, `vigil org create`), which acts as an organization admin. */
    const char *user_id;            /* "usr_..." or NULL */
    const char *service_account_id; /* "svc_..." or NULL */
};

/* Decodes a token creation body: {"name" (required), "scopes" (required, non-empty array of
 * scope names), and at most one of "expires_in" ("never", "30d", "90d", "1y") or "expires_at"
 * (RFC 3339 date-time or "YYYY-MM-DD", in the future, or null = never)}. Absent both = never.
 * Fills name, scopes and expires_at (computed from `now`); leaves the rest zero.
 * VALIDATION_ERROR per bad member (unknown scope names are listed in the message). */
int api_token_from_json(struct api_token *out /* out */, json_t *body, int64_t now, struct arena *a,
                        struct err *err);

/* {"id", "name", "scopes": [...], "token_prefix", "created_at", "expires_at" (or null),
 * "last_used_at" (or null), "revoked_at" (or null), "created_by", "user_id" (or null),
 * "service_account_id" (or null)}. Never the digest. */
void api_token_to_json(struct jsonw *w, const struct api_token *t);

/* True if the token is neither revoked nor expired at `now`. */
bool api_token_is_active(const struct api_token *t, int64_t now);

#endif
