/* SPDX-License-Identifier: MIT */
/* The keys of `vigil serve` and `vigil worker`: where they come from. Without a
 * key-encryption key, from files in the state directory (cmd_state_dir) or named by flags;
 * with one (--key-encryption-key-file / VIGIL_KEK_FILE), from the database, sealed with it
 * (auth/server_keys.h), so every server on one database shares them. The state directory's
 * files are then only imported, once, into a database that has no keys yet. */
#ifndef VIGIL_CMD_KEYS_H
#define VIGIL_CMD_KEYS_H

#include <stdbool.h>

#include "auth/jwt.h"
#include "auth/secretbox.h"
#include "core/err.h"

struct store;

struct cmd_keys {
    const char *command;      /* "vigil serve": prefixes messages */
    const char *database;     /* the database URL */
    const char *data_dir;     /* --data-dir, or NULL */
    const char *kek_file;     /* --key-encryption-key-file, or NULL: keys in files */
    const char *jwt_key_file; /* --jwt-key-file, or NULL: jwt.keys in the state directory */
    bool wants_jwt;           /* serve signs tokens; a worker does not */
    /* Filled by cmd_keys_prepare: */
    char state_dir[4096]; /* "" when there is none (PostgreSQL with a KEK and no data dir) */
    struct secretbox_key kek;
};

/* Resolves the state directory and reads the KEK, before the database is opened: 0, or the
 * exit status (2) after a message on stderr. */
int cmd_keys_prepare(struct cmd_keys *keys);

/* The JWT signing keys: VIGIL_JWT_SECRET, else the database's (with a KEK), else the key file
 * (created with a fresh ring when missing). */
int cmd_keys_jwt(struct cmd_keys *keys, struct store *store, struct jwt_keyring *ring,
                 struct err *err);

/* The key that seals scan target credentials: the database's (with a KEK), else the key file
 * (VIGIL_SCAN_KEY_FILE, else scan-credentials.key in the state directory; created when
 * missing). */
int cmd_keys_scan(struct cmd_keys *keys, struct store *store, struct secretbox_key *key,
                  struct err *err);

/* Wipes the KEK. */
void cmd_keys_cleanup(struct cmd_keys *keys);

#endif
