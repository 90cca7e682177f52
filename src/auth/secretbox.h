/* SPDX-License-Identifier: MIT */
/* Secrets at rest: one 32-byte key, kept in a key file created like jwt.keys (0600, refused if
 * group or others may read it), seals small secrets with libsodium's crypto_secretbox_easy
 * (XSalsa20-Poly1305, a fresh random nonce each time). A sealed value is the nonce followed by
 * the ciphertext; opening it fails on any change to either. Server scans keep their target
 * credentials this way, so the database alone never holds them in the clear. */
#ifndef VIGIL_AUTH_SECRETBOX_H
#define VIGIL_AUTH_SECRETBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define SECRETBOX_KEY_BYTES 32
#define SECRETBOX_OVERHEAD  (24 + 16) /* nonce + MAC added to every sealed value */

struct secretbox_key {
    unsigned char bytes[SECRETBOX_KEY_BYTES];
    bool loaded;
};

/* Reads the key from path, or creates the file with a fresh random key when it does not exist
 * (two processes starting at once agree: the file is linked into place only if absent, and the
 * loser reads the winner's). INTERNAL naming the path when the file cannot be read or written,
 * is not a regular file, is readable by group or others, or does not hold one base64 key. */
int secretbox_key_load_or_create(struct secretbox_key *key, const char *path, struct err *err);

/* Reads the key from an existing key file (checked as above): 0 when read, 1 when the file
 * does not exist (nothing is created), -1 on any other problem. */
int secretbox_key_read(struct secretbox_key *key, const char *path, struct err *err);

/* Wipes the key. */
void secretbox_key_cleanup(struct secretbox_key *key);

/* Seals n bytes: *out (malloc'd, SECRETBOX_OVERHEAD + n bytes, *out_len) is the nonce then the
 * ciphertext. INTERNAL when the key is not loaded. */
int secretbox_seal(const struct secretbox_key *key, const void *plain, size_t n,
                   unsigned char **out /* out */, size_t *out_len /* out */, struct err *err);

/* Opens a sealed value: *out (malloc'd, NUL-terminated after *out_len bytes) is the plaintext;
 * the caller wipes (str_wipe) and frees it. INTERNAL when the value was not sealed with this
 * key or was altered. */
int secretbox_open(const struct secretbox_key *key, const unsigned char *sealed, size_t n,
                   char **out /* out */, size_t *out_len /* out */, struct err *err);

#endif
