/* SPDX-License-Identifier: MIT */
/* Authentication of API requests by token. The caller hands over the credential exactly as it
 * arrived (Authorization or X-API-Key); this module decides whether it names a live token and
 * which organization and scopes it carries. A credential check is a checksum, a SHA-256 and one
 * indexed lookup: nothing here is slow enough to need caching. */
#ifndef VIGIL_AUTH_AUTHN_H
#define VIGIL_AUTH_AUTHN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "model/token.h"

struct arena;
struct store;

/* Who is calling. Strings live in the request's arena. */
struct principal {
    const char *org_id;
    const char *token_id; /* "tok_..." */
    const char *name;     /* the token's name, for logs */
    uint32_t scopes;      /* model/scope.h mask */
    /* Added for users and service accounts (filled by the api's dispatch, which resolves the
     * owner of a token or the user of a JWT). */
    const char *user_id;            /* the user: a JWT's subject or a personal token's owner */
    const char *service_account_id; /* a service token's owner */
    int role;                       /* enum user_role of the owner; -1 for an operator token */
    bool jwt;                       /* authenticated by an access token (token_id is its jti) */
};

/* Extracts the credential from the two header values (either may be NULL). A Bearer scheme is
 * matched case-insensitively. Raises UNAUTHORIZED when there is none, when the Authorization
 * header uses another scheme, or when both headers are present and differ. */
int authn_credential(const char *authorization, const char *api_key, const char **secret /* out */,
                     struct err *err);

/* Verifies a secret: well-formed with a valid checksum (checked before any lookup), known,
 * not revoked, not expired at `now`. Every failure is UNAUTHORIZED with a detail that says
 * which (malformed / unknown / revoked / expired) but never echoes the secret. On success fills
 * *who and records the use (at most one write a minute per token). For a revoked or expired
 * token, who->org_id and who->token_id name it (for the audit log) and nothing else is set. */
int authn_verify(struct store *store, const char *secret, int64_t now, struct arena *arena,
                 struct principal *who /* out */, struct err *err);

#endif
