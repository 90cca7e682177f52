/* SPDX-License-Identifier: MIT */
/* Where the keys of serve and worker come from (see keys.h). */
#include "cmd/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/server_keys.h"
#include "cmd/options.h"
#include "core/log.h"
#include "core/str.h"

/* Whether the URL names a SQLite file (whose directory can hold the state files). */
static bool
database_is_file(const char *database)
{
    return strncmp(database, "sqlite:", 7) == 0 || !strstr(database, "://");
}

int
cmd_keys_prepare(struct cmd_keys *keys)
{
    bool named = !str_empty(getenv("VIGIL_SCAN_KEY_FILE")) &&
                 (!keys->wants_jwt || keys->jwt_key_file || !str_empty(getenv("VIGIL_JWT_SECRET")));
    bool needs_dir;
    struct err err = {0};

    keys->state_dir[0] = '\0';
    memset(&keys->kek, 0, sizeof(keys->kek));
    if (keys->kek_file)
        /* With a KEK the files are only imported: a database server without a data directory
         * has none to import. */
        needs_dir = keys->data_dir || database_is_file(keys->database);
    else
        needs_dir = keys->data_dir || !named;
    if (needs_dir && cmd_state_dir(keys->command, keys->data_dir, keys->database, keys->state_dir,
                                   sizeof(keys->state_dir)))
        return 2;
    if (keys->kek_file && server_keys_kek_load(&keys->kek, keys->kek_file, &err)) {
        err_print(stderr, keys->command, &err);
        return 2;
    }
    return 0;
}

/* path (size bytes) := the state directory's file `name`, or "" when there is no directory. */
static const char *
state_file(const struct cmd_keys *keys, const char *name, char *path, size_t size)
{
    if (!keys->state_dir[0])
        return NULL;
    snprintf(path, size, "%s/%s", keys->state_dir, name);
    return path;
}

int
cmd_keys_jwt(struct cmd_keys *keys, struct store *store, struct jwt_keyring *ring, struct err *err)
{
    const char *secret = getenv("VIGIL_JWT_SECRET");
    const char *file = keys->jwt_key_file;
    enum server_key_origin origin;
    char path[4200];

    if (!str_empty(secret))
        return jwt_keyring_from_secret(ring, secret, err);
    if (!file)
        file = state_file(keys, "jwt.keys", path, sizeof(path));
    if (!keys->kek.loaded)
        return jwt_keyring_load_or_create(ring, file, err);
    if (server_keys_jwt(store, &keys->kek, file, ring, &origin, err))
        return -1;
    if (origin == SERVER_KEY_IMPORTED)
        log_msg(LOG_INFO, "JWT signing keys imported from %s into the database", file);
    else
        log_msg(LOG_INFO, "JWT signing keys %s", server_key_origin_name(origin));
    return 0;
}

int
cmd_keys_scan(struct cmd_keys *keys, struct store *store, struct secretbox_key *key,
              struct err *err)
{
    const char *env = getenv("VIGIL_SCAN_KEY_FILE");
    const char *file = !str_empty(env) ? env : NULL;
    enum server_key_origin origin;
    char path[4200];

    if (!file)
        file = state_file(keys, "scan-credentials.key", path, sizeof(path));
    if (!keys->kek.loaded)
        return secretbox_key_load_or_create(key, file, err);
    if (server_keys_scan(store, &keys->kek, file, key, &origin, err))
        return -1;
    if (origin == SERVER_KEY_IMPORTED)
        log_msg(LOG_INFO, "scan credentials key imported from %s into the database", file);
    else
        log_msg(LOG_INFO, "scan credentials key %s", server_key_origin_name(origin));
    return 0;
}

void
cmd_keys_cleanup(struct cmd_keys *keys)
{
    secretbox_key_cleanup(&keys->kek);
}
