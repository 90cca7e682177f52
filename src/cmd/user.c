/* SPDX-License-Identifier: MIT */
/* `vigil user create USERNAME --org ORG_ID [--role ROLE]`: an operator creates a user who can
 * log in, without a running server. The password is read from VIGIL_USER_PASSWORD or, when
 * that is unset, from the first line of standard input, so it never appears in argv (which
 * other local users can read through /proc). */
#include "cmd/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "cmd/options.h"
#include "core/arena.h"
#include "core/str.h"
#include "model/user.h"
#include "store/store.h"

static void
user_usage(FILE *out)
{
    fprintf(out, "usage: vigil user create USERNAME --org ORG_ID [--role admin|member|viewer]\n"
                 "                         [--database URL]\n\n"
                 "Creates a user (default role member). The password comes from\n"
                 "VIGIL_USER_PASSWORD or the first line of standard input.\n");
}

/* The password from the environment or one line of stdin (newline removed). */
static int
read_password(char *out, size_t size)
{
    const char *env = getenv("VIGIL_USER_PASSWORD");
    size_t len;

    if (env && *env) {
        if (str_copy(out, env, size) >= size)
            return -1;
        return 0;
    }
    if (!fgets(out, (int)size, stdin))
        return -1;
    len = strcspn(out, "\r\n");
    out[len] = '\0';
    return len ? 0 : -1;
}

static int
user_create(struct store *store, const char *org, const char *username, enum user_role role)
{
    char password[PASSWORD_MAX_BYTES + 2], hash[PASSWORD_ENCODED_MAX];
    struct user in = {0}, out;
    struct arena *a = arena_new();
    struct err err = {0};
    int rc = 1;

    if (read_password(password, sizeof(password))) {
        fprintf(stderr, "vigil user create: no password (set VIGIL_USER_PASSWORD or pipe one)\n");
        goto done;
    }
    if (password_check_policy(password, username, &err) || password_hash(password, hash, &err)) {
        err_print(stderr, "vigil user create", &err);
        goto done;
    }
    in.org_id = org;
    in.username = username;
    in.password_hash = hash;
    in.role = role;
    if (store_user_create(store_bind(store, org, a), &in, &out, &err)) {
        err_print(stderr, "vigil user create", &err);
        goto done;
    }
    printf("%s\n", out.id);
    rc = 0;
done:
    str_wipe(password, sizeof(password));
    str_wipe(hash, sizeof(hash));
    arena_free(a);
    return rc;
}

int
cmd_user(int argc, char **argv)
{
    const char *username = NULL, *org = NULL, *role_s = "member", *database = NULL;
    enum user_role role;
    struct store *store;
    struct err err = {0};
    bool bad = false;
    int rc;

    if (argc < 2 || strcmp(argv[1], "create") != 0) {
        bool help = argc >= 2 && strcmp(argv[1], "--help") == 0;

        user_usage(help ? stdout : stderr);
        return help ? 0 : 2;
    }
    for (int i = 2; i < argc && !bad; i++) {
        const char *v;

        if ((v = cmd_flag(argc, argv, &i, "--database", &bad)))
            database = v;
        else if ((v = cmd_flag(argc, argv, &i, "--org", &bad)))
            org = v;
        else if ((v = cmd_flag(argc, argv, &i, "--role", &bad)))
            role_s = v;
        else if (!bad && argv[i][0] != '-' && !username)
            username = argv[i];
        else if (!bad) {
            fprintf(stderr, "vigil user create: unexpected argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    if (bad || !username || !org || user_role_parse(role_s, &role)) {
        user_usage(stderr);
        return 2;
    }
    database = cmd_setting(database, "VIGIL_DATABASE_URL", CMD_DEFAULT_DATABASE);
    store = store_open(database, &err);
    if (!store) {
        err_print(stderr, "vigil user create", &err);
        return 1;
    }
    rc = user_create(store, org, username, role);
    store_close(store);
    return rc;
}
