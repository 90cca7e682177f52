/* SPDX-License-Identifier: MIT */
/* API token secrets: `vgl_live_` + 32 random base62 characters + a 6-character base62 CRC32 of
 * everything before it. The checksum lets us (and secret scanners) reject a mistyped or made-up
 * token without touching the database; only the SHA-256 digest of a secret is ever stored. */
#ifndef VIGIL_AUTH_APIKEY_H
#define VIGIL_AUTH_APIKEY_H

#include <stdbool.h>
#include <stddef.h>

#define APIKEY_PREFIX       "vgl_live_"
#define APIKEY_PREFIX_LEN   9
#define APIKEY_RANDOM_LEN   32
#define APIKEY_CHECKSUM_LEN 6
#define APIKEY_LEN          (APIKEY_PREFIX_LEN + APIKEY_RANDOM_LEN + APIKEY_CHECKSUM_LEN)
#define APIKEY_DIGEST_LEN   32
/* How much of a secret may be shown back (token listings): prefix + 4 characters. */
#define APIKEY_DISPLAY_LEN (APIKEY_PREFIX_LEN + 4)

/* Writes a new secret (APIKEY_LEN chars + NUL) into out, which holds APIKEY_LEN + 1 bytes. */
void apikey_generate(char out[APIKEY_LEN + 1]);

/* True if s has the exact shape of a secret and its checksum matches. Constant work for any
 * input of the right length, so it leaks nothing about near-misses. */
bool apikey_well_formed(const char *s, size_t len);

/* SHA-256 of the secret's bytes. */
void apikey_digest(const char *secret, size_t len, unsigned char out[APIKEY_DIGEST_LEN]);

/* Lower-case hex of a digest (out holds 65 bytes). */
void apikey_digest_hex(const unsigned char digest[APIKEY_DIGEST_LEN], char out[65]);

#endif
