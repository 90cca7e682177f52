/* SPDX-License-Identifier: MIT */
/* Server keys sealed in the database with the KEK. What is sealed is a label naming the key
 * ("vigil server key jwt\n") followed by the key material (the JWT ring in its key-file text,
 * or the 32 bytes of the scan credentials key), so a row copied under another name does not
 * open as that key. Plaintext copies are wiped as soon as they are parsed. */
#include "auth/server_keys.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/secret_file.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "store/store.h"

#define KEY_JWT      "jwt"
#define KEY_SCAN     "scan-credentials"
#define KEK_HASH_KEY "vigil key-encryption key v1" /* domain separation of the KEK hash */

const char *
server_key_origin_name(enum server_key_origin origin)
{
    switch (origin) {
    case SERVER_KEY_IMPORTED:
        return "imported into the database";
    case SERVER_KEY_CREATED:
        return "created in the database";
    case SERVER_KEY_STORED:
        break;
    }
    return "stored in the database";
}

int
server_keys_kek_load(struct secretbox_key *kek, const char *path, struct err *err)
{
    char text[SERVER_KEYS_KEK_MAX + 2];
    size_t have = 0;
    int rc;

    memset(kek, 0, sizeof(*kek));
    if (sodium_init() < 0)
        return err_internal(err, "libsodium cannot initialise");
    /* Links followed: mounted secrets (a Kubernetes secret volume) are links. The limit has
     * room for a trailing CRLF. */
    rc =
        secret_file_read(path, "key-encryption key file", true, text, sizeof(text) - 1, &have, err);
    if (rc == 1)
        return err_internal(err, "key-encryption key file %s: %s", path, strerror(ENOENT));
    if (rc != 0)
        return -1;
    if (have > 0 && text[have - 1] == '\n')
        have--;
    if (have > 0 && text[have - 1] == '\r')
        have--;
    if (have > SERVER_KEYS_KEK_MAX)
        rc = err_internal(err, "key-encryption key file %s: longer than %d bytes", path,
                          SERVER_KEYS_KEK_MAX);
    else if (have < SERVER_KEYS_KEK_MIN)
        rc = err_internal(err,
                          "key-encryption key file %s: %zu bytes; it must hold at least %d bytes "
                          "of secret (head -c 32 /dev/urandom | base64 > FILE)",
                          path, have, SERVER_KEYS_KEK_MIN);
    else if (crypto_generichash(kek->bytes, sizeof(kek->bytes), (const unsigned char *)text, have,
                                (const unsigned char *)KEK_HASH_KEY, strlen(KEK_HASH_KEY)) != 0)
        rc = err_internal(err, "crypto_generichash failed");
    kek->loaded = rc == 0;
    sodium_memzero(text, sizeof(text));
    return rc;
}

/* Opens the row stored under name: 1 when there is none, 0 with *plain (malloc'd, wiped and
 * freed by the caller) and *len set, -1 on error. */
static int
stored_open(struct store *store, const struct secretbox_key *kek, const char *name, char **plain,
            size_t *len, struct err *err)
{
    struct arena *arena = arena_new();
    unsigned char *sealed = NULL;
    size_t sealed_len = 0, label_len;
    char label[64];
    bool found = false;
    int rc;

    *plain = NULL;
    *len = 0;
    label_len = (size_t)snprintf(label, sizeof(label), "vigil server key %s\n", name);
    rc = store_server_key_get(store, name, arena, &sealed, &sealed_len, &found, err);
    if (rc == 0 && !found)
        rc = 1;
    if (rc == 0) {
        struct err why = {0};

        if (secretbox_open(kek, sealed, sealed_len, plain, len, &why) != 0)
            rc = err_internal(err,
                              "the key-encryption key does not open the \"%s\" key stored in the "
                              "database: it was sealed with another key-encryption key (or "
                              "altered); start with the key-encryption key the other servers use",
                              name);
        else if (*len < label_len || memcmp(*plain, label, label_len) != 0)
            rc = err_internal(err, "the \"%s\" key stored in the database is not labelled as one",
                              name);
        if (rc == 0) {
            memmove(*plain, *plain + label_len, *len - label_len + 1); /* with the NUL */
            *len -= label_len;
        } else if (*plain) {
            str_wipe(*plain, *len);
            free(*plain);
            *plain = NULL;
        }
    }
    arena_free(arena);
    return rc;
}

/* Seals plain (len bytes) under name unless a key is stored there already; when one was,
 * *origin becomes SERVER_KEY_STORED (another server stored it first). */
static int
stored_add(struct store *store, const struct secretbox_key *kek, const char *name,
           const void *plain, size_t len, enum server_key_origin *origin, struct err *err)
{
    char label[64];
    size_t label_len = (size_t)snprintf(label, sizeof(label), "vigil server key %s\n", name);
    unsigned char *labelled = xmalloc(label_len + len), *sealed = NULL;
    size_t sealed_len = 0;
    bool added = false;
    int rc;

    memcpy(labelled, label, label_len);
    memcpy(labelled + label_len, plain, len);
    rc = secretbox_seal(kek, labelled, label_len + len, &sealed, &sealed_len, err);
    str_wipe(labelled, label_len + len);
    free(labelled);
    if (rc == 0)
        rc = store_server_key_add(store, name, sealed, sealed_len, &added, err);
    if (rc == 0 && !added)
        *origin = SERVER_KEY_STORED;
    free(sealed);
    return rc;
}

static int
ring_from_text(struct jwt_keyring *ring, char *text, size_t len, struct err *err)
{
    int rc = jwt_keyring_parse(ring, text, len, "the \"jwt\" key stored in the database", err);

    str_wipe(text, len);
    free(text);
    return rc;
}

int
server_keys_jwt(struct store *store, const struct secretbox_key *kek, const char *import_path,
                struct jwt_keyring *ring, enum server_key_origin *origin, struct err *err)
{
    char text[JWT_KEYRING_TEXT_MAX];
    struct jwt_keyring fresh;
    struct err missing = {0};
    char *plain = NULL;
    size_t len = 0, text_len;
    int rc;

    *origin = SERVER_KEY_STORED;
    rc = stored_open(store, kek, KEY_JWT, &plain, &len, err);
    if (rc <= 0)
        return rc < 0 ? -1 : ring_from_text(ring, plain, len, err);

    /* None stored yet: this server's key file, or a fresh ring. */
    jwt_keyring_init(&fresh);
    *origin = SERVER_KEY_IMPORTED;
    if (!import_path || jwt_keyring_load_file(&fresh, import_path, &missing) != 0) {
        if (import_path && missing.code != ERR_NOT_FOUND) {
            if (err)
                *err = missing;
            return -1;
        }
        jwt_keyring_generate(&fresh);
        *origin = SERVER_KEY_CREATED;
    }
    text_len = jwt_keyring_format(&fresh, text, sizeof(text));
    jwt_keyring_cleanup(&fresh);
    rc = text_len ? stored_add(store, kek, KEY_JWT, text, text_len, origin, err)
                  : err_internal(err, "JWT key ring does not fit its buffer");
    str_wipe(text, sizeof(text));
    if (rc != 0)
        return -1;

    /* Read back what is stored: ours, or the ring of a server that stored one first. */
    rc = stored_open(store, kek, KEY_JWT, &plain, &len, err);
    if (rc == 1)
        return err_internal(err, "the \"jwt\" key vanished from the database");
    return rc < 0 ? -1 : ring_from_text(ring, plain, len, err);
}

static int
scan_key_from_plain(struct secretbox_key *key, char *plain, size_t len, struct err *err)
{
    int rc = 0;

    memset(key, 0, sizeof(*key));
    if (len != SECRETBOX_KEY_BYTES)
        rc = err_internal(err, "the \"%s\" key stored in the database is %zu bytes, not %d",
                          KEY_SCAN, len, SECRETBOX_KEY_BYTES);
    else {
        memcpy(key->bytes, plain, len);
        key->loaded = true;
    }
    str_wipe(plain, len);
    free(plain);
    return rc;
}

int
server_keys_scan(struct store *store, const struct secretbox_key *kek, const char *import_path,
                 struct secretbox_key *key, enum server_key_origin *origin, struct err *err)
{
    struct secretbox_key fresh = {0};
    char *plain = NULL;
    size_t len = 0;
    int rc;

    *origin = SERVER_KEY_STORED;
    rc = stored_open(store, kek, KEY_SCAN, &plain, &len, err);
    if (rc <= 0)
        return rc < 0 ? -1 : scan_key_from_plain(key, plain, len, err);

    *origin = SERVER_KEY_IMPORTED;
    rc = import_path ? secretbox_key_read(&fresh, import_path, err) : 1;
    if (rc < 0)
        return -1;
    if (rc == 1) {
        randombytes_buf(fresh.bytes, sizeof(fresh.bytes));
        *origin = SERVER_KEY_CREATED;
    }
    rc = stored_add(store, kek, KEY_SCAN, fresh.bytes, sizeof(fresh.bytes), origin, err);
    secretbox_key_cleanup(&fresh);
    if (rc != 0)
        return -1;
    rc = stored_open(store, kek, KEY_SCAN, &plain, &len, err);
    if (rc == 1)
        return err_internal(err, "the \"%s\" key vanished from the database", KEY_SCAN);
    return rc < 0 ? -1 : scan_key_from_plain(key, plain, len, err);
}
