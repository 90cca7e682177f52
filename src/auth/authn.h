/* SPDX-License-Identifier: MIT */
/* Authentication of API requests by token. The caller hands over the credential exactly as it
 * arrived (Authorization or X-API-Key); this module decides whether it names a live token and
 * which organization and scopes it carries. A credential check is a checksum, a SHA-256 and one
 * indexed lookup: nothing here is slow enough to need caching. */
#ifndef VIGIL_AUTH_AUTHN_H
#define VIGIL_AUTH_AUTHN_H

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
};

/* Extracts the credential from the two header values (either may be NULL). A Bearer scheme is
 * matched case-insensitively. Raises UNAUTHORIZED when there is none, when the Authorization
 * header uses another scheme, or when both headers are present and differ. */
int authn_credential(const char *authorization, const char *api_key, const char **secret /* out */,
                     struct err *err);

/* Verifies a secret: well-formed with a valid checksum (checked before any lookup), known,
 * not revoked, not expired at `now`. Every failure is UNAUTHORIZED with a detail that says
 * which (malformed / unknown / revoked / expired) but never echoes the secret. On success fills
 * *who and records the use (at most one write a minute per token). */
int authn_verify(struct store *store, const char *secret, int64_t now, struct arena *arena,
                 struct principal *who /* out */, struct err *err);

#endif
