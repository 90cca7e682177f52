/* SPDX-License-Identifier: MIT */
/* Standard Webhooks signing (https://www.standardwebhooks.com): a delivery carries
 * `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">`, with one `v1,` entry per live secret, separated by spaces. This module
 * knows only secrets, bytes and signatures: no HTTP, no store. HMAC comes from OpenSSL; every
 * comparison of a signature is constant-time. */
#ifndef VIGIL_WEBHOOK_WEBHOOK_H
#define VIGIL_WEBHOOK_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_SECRET_PREFIX  "whsec_"
#define WEBHOOK_SECRET_BYTES   32  /* random bytes of a generated secret */
#define WEBHOOK_SECRET_MIN     16  /* bytes of key a secret must give */
#define WEBHOOK_SECRET_MAX     256 /* characters of a secret */
#define WEBHOOK_KEY_MAX        256 /* bytes of decoded key */
#define WEBHOOK_SIGNATURE_MAX  48  /* "v1," + 44 base64 characters + NUL */
#define WEBHOOK_SIGNATURES_MAX 8   /* signatures one header value carries at most */

/* The HMAC key of a secret into key (WEBHOOK_KEY_MAX bytes), its length in *key_len.
 * "whsec_<base64>" gives the decoded bytes (what the Standard Webhooks libraries do); any other
 * string gives its own bytes (seed 003's "your-webhook-secret"). -1 if the secret is empty,
 * longer than WEBHOOK_SECRET_MAX, gives fewer than WEBHOOK_SECRET_MIN key bytes, or has the
 * prefix with invalid base64 after it. */
int webhook_secret_key(const char *secret, unsigned char *key /* out */, size_t *key_len /* out */);

/* Writes a new secret, "whsec_" + base64 of WEBHOOK_SECRET_BYTES random bytes (51 characters),
 * into out (size >= 64). */
void webhook_secret_generate(char *out, size_t size);

/* Writes "v1,<base64 HMAC-SHA256(key, msg_id "." timestamp "." body)>" into out (size >=
 * WEBHOOK_SIGNATURE_MAX). -1 if the secret is not usable (see webhook_secret_key). */
int webhook_sign(const char *secret, const char *msg_id, int64_t timestamp, const void *body,
                 size_t len, char *out /* out */, size_t size);

/* True if any `v1,` entry of the space-separated header value is the signature of the message
 * under `secret`. Entries of other versions are ignored; at most WEBHOOK_SIGNATURES_MAX are
 * looked at. Never reads past header's NUL; constant-time per comparison. */
bool webhook_verify(const char *secret, const char *msg_id, int64_t timestamp, const void *body,
                    size_t len, const char *header);

#endif
