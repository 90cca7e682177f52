/* SPDX-License-Identifier: MIT */
/* Refresh tokens: opaque secrets `vgl_rt_` + 43 random base62 characters (256 bits) + a
 * 6-character base62 CRC32 of everything before it, as API keys have (a typo or a made-up token
 * is refused without a lookup, and secret scanners can recognise one). Only the SHA-256 digest
 * is stored. Each token belongs to a family: the chain of tokens one login produced. A token is
 * exchanged once; presenting it again means two parties hold it, so the whole family is revoked
 * (OAuth 2.0 Security BCP, refresh token rotation). This module holds the format and the rules;
 * the store keeps the rows and applies them in one transaction:
 *
 *   login:   new family (id "rtf_...", family_expires_at = now + REFRESH_FAMILY_TTL) and its first
 *            token (expires_at = refresh_next_expiry()).
 *   refresh: well-formed? (else 401, no lookup) -> find by digest (else 401) -> refresh_judge():
 *            REVOKED or EXPIRED: 401. REUSED: revoke the family (and audit it), 401.
 *            OK: mark this token used (UPDATE ... WHERE used_at IS NULL; no row changed means a
 *            concurrent exchange won: treat as REUSED), insert the next token of the family,
 *            re-read the user's org and role, issue a new access token.
 *   logout:  revoke the family. Password change or user removal: revoke all the user's families.
 */
#ifndef VIGIL_AUTH_REFRESH_H
#define VIGIL_AUTH_REFRESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define REFRESH_PREFIX        "vgl_rt_"
#define REFRESH_PREFIX_LEN    7
#define REFRESH_RANDOM_LEN    43
#define REFRESH_CHECKSUM_LEN  6
#define REFRESH_LEN           (REFRESH_PREFIX_LEN + REFRESH_RANDOM_LEN + REFRESH_CHECKSUM_LEN)
#define REFRESH_DIGEST_LEN    32
#define REFRESH_FAMILY_PREFIX "rtf_"
#define REFRESH_TTL           (30 * 86400LL) /* one token, unused, lives 30 days */
#define REFRESH_FAMILY_TTL    (90 * 86400LL) /* a login lasts at most 90 days, however refreshed */

/* Writes a new token (REFRESH_LEN characters + NUL) into out. */
void refresh_generate(char out[REFRESH_LEN + 1]);

/* True if s[0..len) has the exact shape of a refresh token and its checksum matches. Constant
 * work for any input of the right length. */
bool refresh_well_formed(const char *s, size_t len);

/* SHA-256 of the token, and its lower-case hex (out holds 65 bytes). */
void refresh_digest(const char *token, size_t len, unsigned char out[REFRESH_DIGEST_LEN]);
void refresh_digest_hex(const unsigned char digest[REFRESH_DIGEST_LEN], char out[65]);

/* A new family id: "rtf_" + 20 base62 characters (size >= ID_MAX). */
void refresh_family_id(char *out, size_t size);

/* What the store knows about a presented token and its family (unix seconds; 0 = never). */
struct refresh_record {
    int64_t expires_at;        /* this token */
    int64_t used_at;           /* when it was exchanged for its successor */
    int64_t family_expires_at; /* the login's absolute end */
    int64_t family_revoked_at; /* logout, reuse, password change */
};

enum refresh_verdict {
    REFRESH_OK,      /* exchange it */
    REFRESH_REVOKED, /* family revoked: 401 */
    REFRESH_REUSED,  /* already exchanged: revoke the family, 401 */
    REFRESH_EXPIRED, /* token or family past its end: 401 */
};

/* Judges a token at `now`, in this order: revoked, reused, expired, ok. */
enum refresh_verdict refresh_judge(const struct refresh_record *record, int64_t now);

/* Raises UNAUTHORIZED with a detail for a verdict other than REFRESH_OK ("refresh token
 * revoked", "refresh token reused: the session has been revoked", "refresh token expired");
 * returns 0 for REFRESH_OK. */
int refresh_verdict_err(enum refresh_verdict verdict, struct err *err);

/* Expiry of a family's next token: now + REFRESH_TTL, but never past the family's end. */
int64_t refresh_next_expiry(int64_t family_expires_at, int64_t now);

#endif
