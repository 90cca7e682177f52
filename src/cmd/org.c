/* SPDX-License-Identifier: MIT */
/* `vigil org create NAME`: a new organization and its first admin token, whose secret is
 * printed once on stdout (and nowhere else). The server's first start uses the same path. */
#include "cmd/cmd.h"

#include <stdio.h>
#include <string.h>

#include "auth/issue.h"
#include "cmd/options.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/str.h"
#include "model/scope.h"
#include "store/store.h"

int
cmd_org_create_with_admin(struct store *store, const char *name, struct err *err)
{
    struct arena *a = arena_new();
    struct org org;
    struct api_token t = {0};
    char secret[APIKEY_LEN + 1];
    int rc = -1;

    if (store_org_create(store, name, a, &org, err))
        goto out;
    t.org_id = org.id;
    t.name = "admin";
    t.scopes = SCOPE_ALL;
    t.created_by = "cli";
    if (auth_token_issue(store_bind(store, org.id, a), &t, a, secret, err))
        goto out;
    log_msg(LOG_INFO, "created organization %s (%s) and its admin token %s", org.id, org.name,
            t.id);
    printf("%s\n", secret);
    fflush(stdout);
    str_wipe(secret, sizeof(secret));
    rc = 0;
out:
    arena_free(a);
    return rc;
}

static void
org_usage(FILE *out)
{
    fprintf(out, "usage: vigil org create NAME [--database URL]\n\n"
                 "Creates an organization and prints its first admin token once.\n");
}

int
cmd_org(int argc, char **argv)
{
    const char *name = NULL, *database = NULL;
    struct store *store;
    struct err err = {0};
    bool bad = false;
    int rc;

    if (argc < 2 || strcmp(argv[1], "create") != 0) {
        org_usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
        return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    for (int i = 2; i < argc && !bad; i++) {
        const char *v;

        if ((v = cmd_flag(argc, argv, &i, "--database", &bad)))
            database = v;
        else if (!bad && argv[i][0] != '-' && !name)
            name = argv[i];
        else if (!bad) {
            fprintf(stderr, "vigil org create: unexpected argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    if (bad || !name) {
        org_usage(stderr);
        return 2;
    }
    database = cmd_setting(database, "VIGIL_DATABASE_URL", CMD_DEFAULT_DATABASE);
    if (cmd_prepare_database_dir(database))
        return 1;
    store = store_open(database, &err);
    if (!store) {
        err_print(stderr, "vigil org create", &err);
        return 1;
    }
    rc = cmd_org_create_with_admin(store, name, &err);
    if (rc)
        err_print(stderr, "vigil org create", &err);
    store_close(store);
    return rc ? 1 : 0;
}
