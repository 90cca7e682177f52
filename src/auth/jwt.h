/* SPDX-License-Identifier: MIT */
/* Access tokens: short-lived HS256 JWTs (libjwt) that carry who is calling (sub, org, role,
 * scope). The algorithm is pinned: a token whose header names anything but HS256 (none, HS512,
 * RS256...) is refused before any key is touched, and libjwt's view of the algorithm is checked
 * again after it verified the signature. The header's kid picks the key from a small key ring,
 * so a new signing key can be rolled out while tokens signed with the previous one stay valid
 * until they expire. jku, x5u, jwk and x5c headers are never read. Function names avoid libjwt's
 * own jwt_* symbols (jwt_new, jwt_decode...): everything here is jwt_keyring_* or jwt_access_*. */
#ifndef VIGIL_AUTH_JWT_H
#define VIGIL_AUTH_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define JWT_KEYRING_MAX 8    /* keys a ring holds: the current one and older ones */
#define JWT_KEY_MIN_LEN 32   /* bytes: an HS256 key shorter than the hash is refused */
#define JWT_KEY_MAX_LEN 128  /* bytes */
#define JWT_KID_MAX     32   /* characters of a key id: [A-Za-z0-9_-] */
#define JWT_TOKEN_MAX   4096 /* longest token accepted or written, including the NUL */
#define JWT_ACCESS_TTL  900  /* seconds (15 min) an access token lives by default */
#define JWT_LEEWAY      30   /* seconds of clock skew tolerated on exp, nbf and iat */
#define JWT_ISSUER      "vigil"
#define JWT_AUDIENCE    "vigil-api"
#define JWT_CLAIM_MAX   64  /* bytes of sub, org, role and jti, including the NUL */
#define JWT_SCOPE_MAX   512 /* bytes of scope, including the NUL */

struct jwt_key {
    char kid[JWT_KID_MAX + 1];
    unsigned char bytes[JWT_KEY_MAX_LEN];
    size_t len;
};

/* Signing and verification keys. Owner: the server (one ring for its lifetime), filled at start
 * and read-only while requests run, so threads share it without a lock. keys[current] signs;
 * every key verifies. Wipe it with jwt_keyring_cleanup(). */
struct jwt_keyring {
    struct jwt_key keys[JWT_KEYRING_MAX];
    size_t count;
    size_t current;
};

/* Issuer, audience and lifetimes. JWT_CONFIG_DEFAULT gives the documented defaults. */
struct jwt_config {
    const char *issuer;
    const char *audience;
    int64_t ttl;    /* seconds an issued token lives */
    int64_t leeway; /* seconds of clock skew tolerated when verifying */
};

#define JWT_CONFIG_DEFAULT                                                                         \
    {                                                                                              \
        JWT_ISSUER, JWT_AUDIENCE, JWT_ACCESS_TTL, JWT_LEEWAY                                       \
    }

/* The claims of an access token. scope is space-separated ("projects:read scans:write"). */
struct jwt_claims {
    char sub[JWT_CLAIM_MAX];  /* user id, "usr_..." */
    char org[JWT_CLAIM_MAX];  /* organization id, "org_..." */
    char role[JWT_CLAIM_MAX]; /* "admin", "member", "viewer" */
    char scope[JWT_SCOPE_MAX];
    char jti[JWT_CLAIM_MAX]; /* unique token id: lets a deny list revoke one token */
    char sid[JWT_CLAIM_MAX]; /* session: the refresh family ("rtf_..."); "" = none (optional) */
    int64_t iat, nbf, exp;   /* unix seconds */
};

/* ---------------------------------------------------------------------------------------- */
/* Key ring                                                                                  */

void jwt_keyring_init(struct jwt_keyring *ring);    /* empty ring */
void jwt_keyring_cleanup(struct jwt_keyring *ring); /* wipes every key; the ring is empty */

/* Adds a key (copied). kid must be 1..JWT_KID_MAX characters of [A-Za-z0-9_-] and not yet in
 * the ring; len JWT_KEY_MIN_LEN..JWT_KEY_MAX_LEN. With make_current it becomes the signing key.
 * Raises VALIDATION_ERROR for a bad kid or length, CONFLICT for a duplicate kid or a full ring. */
int jwt_keyring_add(struct jwt_keyring *ring, const char *kid, const unsigned char *key, size_t len,
                    bool make_current, struct err *err);

/* Replaces the ring's contents with one key: the bytes of secret (e.g. VIGIL_JWT_SECRET), whose
 * kid is derived from the secret ("s" + 16 hex digits of a SHA-256) so every server given the
 * same secret names it alike. Raises VALIDATION_ERROR if secret is shorter than 32 bytes or
 * longer than JWT_KEY_MAX_LEN. */
int jwt_keyring_from_secret(struct jwt_keyring *ring, const char *secret, struct err *err);

/* Replaces the ring's contents with one fresh random 32-byte key under a random kid. */
void jwt_keyring_generate(struct jwt_keyring *ring);

/* Adds a fresh random key and makes it current; the previous keys keep verifying. A full ring
 * first drops its oldest key that is not current. */
void jwt_keyring_rotate(struct jwt_keyring *ring);

/* The ring as text in the key file's format (below), current key first, NUL-terminated:
 * returns its length, or 0 for an empty ring or when it does not fit size bytes
 * (JWT_KEYRING_TEXT_MAX always suffices). */
#define JWT_KEYRING_TEXT_MAX (JWT_KEYRING_MAX * (JWT_KID_MAX + JWT_KEY_MAX_LEN * 2 + 8))
size_t jwt_keyring_format(const struct jwt_keyring *ring, char *out, size_t size);

/* Parses len bytes of that text (modified in place: the caller wipes it) into the ring,
 * replacing its contents only on success. INTERNAL naming origin ("JWT key file PATH") and
 * the line for a malformed line, a bad key, or no key at all. */
int jwt_keyring_parse(struct jwt_keyring *ring, char *text, size_t len, const char *origin,
                      struct err *err);

/* Reads a key file: one "kid:base64(key)" a line, the first line the current key; blank lines
 * and lines starting with '#' are skipped. The file must be a regular file that group and
 * others cannot access (mode 0600 or stricter), at most 64 KiB. Replaces the ring's contents
 * only on success. Raises NOT_FOUND if the file does not exist, INTERNAL (cause names the
 * problem and line) for anything else. */
int jwt_keyring_load_file(struct jwt_keyring *ring, const char *path, struct err *err);

/* Writes the ring in the format above, current key first, atomically: a temporary file created
 * with mode 0600 next to path, fsync, rename. Raises INTERNAL on I/O failure or an empty ring. */
int jwt_keyring_save_file(const struct jwt_keyring *ring, const char *path, struct err *err);

/* For `vigil serve`: loads path, or if it does not exist generates a ring and saves it there. */
int jwt_keyring_load_or_create(struct jwt_keyring *ring, const char *path, struct err *err);

/* ---------------------------------------------------------------------------------------- */
/* Access tokens                                                                             */

/* Signs an access token with the ring's current key. The caller fills claims->sub, org, role
 * and scope (and sid, written when not empty); this sets jti (random), iat = nbf = now and exp =
 * now + config->ttl in *claims and writes the token (NUL-terminated) to out. Header:
 * {"alg":"HS256","typ":"JWT","kid":...}; claims: iss, aud, sub, org, role, scope, jti, iat, nbf,
 * exp and token_use "access". Raises VALIDATION_ERROR if sub, org or role is empty, INTERNAL if the
 * ring is empty, size is too small or libjwt fails. */
int jwt_access_issue(const struct jwt_keyring *ring, const struct jwt_config *config,
                     struct jwt_claims *claims /* in and out */, int64_t now, char *out,
                     size_t size, struct err *err);

/* Verifies an access token at time `now` and fills *claims. Checks, in order: shape (three
 * base64url parts, at most JWT_TOKEN_MAX bytes); header JSON with alg exactly "HS256", typ
 * exactly "JWT", no crit, and a kid found in the ring; the signature (libjwt, with that key);
 * token_use "access"; iss; aud (a string or an array holding config->audience); exp, nbf and iat
 * with config->leeway; sub, org, role and jti non-empty strings, scope a string, sid absent
 * (claims->sid "") or a non-empty string. Any failure
 * raises UNAUTHORIZED with a detail naming the reason (for example "access token expired",
 * "access token algorithm not allowed", "access token signature invalid"); nothing from the
 * token is echoed. *claims is only meaningful on success. */
int jwt_access_verify(const struct jwt_keyring *ring, const struct jwt_config *config,
                      const char *token, int64_t now, struct jwt_claims *claims /* out */,
                      struct err *err);

#endif
