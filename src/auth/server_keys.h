/* SPDX-License-Identifier: MIT */
/* The keys every server sharing one database must agree on: the JWT signing key ring (a token
 * signed by one server is verified by any other) and the key that seals scan target
 * credentials (a scan queued through one server is run by any worker). Given a key-encryption
 * key (KEK) from configuration, they are kept in the database (store_server_key_*), sealed
 * with it, instead of in files each server would need a copy of.
 *
 * The first server to start on a database without them stores them: the key files it has
 * (an existing jwt.keys or scan-credentials.key, so tokens and stored credentials stay valid
 * across the switch) or fresh keys. A key, once stored, is never replaced; servers starting
 * at once agree on the first one stored. A KEK that does not open what is stored is an error
 * at start, never a silent new key. */
#ifndef VIGIL_AUTH_SERVER_KEYS_H
#define VIGIL_AUTH_SERVER_KEYS_H

#include "auth/jwt.h"
#include "auth/secretbox.h"
#include "core/err.h"

struct store;

#define SERVER_KEYS_KEK_MIN 32   /* bytes of secret a KEK file must hold */
#define SERVER_KEYS_KEK_MAX 4096 /* bytes a KEK file may hold */

/* How a key came to be in use. */
enum server_key_origin {
    SERVER_KEY_STORED,   /* read from the database */
    SERVER_KEY_IMPORTED, /* the database had none: the key file's, now stored */
    SERVER_KEY_CREATED,  /* neither had one: fresh, now stored */
};

/* Reads the KEK file: its bytes, one trailing newline dropped, at least SERVER_KEYS_KEK_MIN
 * of them (e.g. `head -c 32 /dev/urandom | base64 > kek`), hashed (BLAKE2b, keyed for this
 * use) into a secretbox key. INTERNAL naming the path when the file cannot be read, is not a
 * regular file, may be accessed by group or others, or is too short or too long. */
int server_keys_kek_load(struct secretbox_key *kek, const char *path, struct err *err);

/* The JWT key ring stored in the database, or, when there is none yet, the ring of the key
 * file import_path (NULL, or a file that does not exist: a fresh ring) stored there. INTERNAL
 * when the KEK does not open the stored ring, or on a store error. */
int server_keys_jwt(struct store *store, const struct secretbox_key *kek, const char *import_path,
                    struct jwt_keyring *ring /* out */, enum server_key_origin *origin /* out */,
                    struct err *err);

/* The same for the scan credentials key (import_path: a scan-credentials.key file). */
int server_keys_scan(struct store *store, const struct secretbox_key *kek, const char *import_path,
                     struct secretbox_key *key /* out */, enum server_key_origin *origin /* out */,
                     struct err *err);

/* "stored in the database", "imported into the database", "created in the database". */
const char *server_key_origin_name(enum server_key_origin origin);

#endif
