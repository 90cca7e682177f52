/* SPDX-License-Identifier: MIT */
/* `vigil migrate`: applies pending migrations (opening the store does that) and prints the
 * schema version, so an operator can migrate before starting new servers. */
#include "cmd/cmd.h"

#include <stdio.h>
#include <string.h>

#include "cmd/options.h"
#include "store/store.h"

int
cmd_migrate(int argc, char **argv)
{
    const char *database = NULL;
    struct store *store;
    struct err err = {0};
    bool bad = false;
    int version = 0;

    for (int i = 1; i < argc && !bad; i++) {
        const char *v;

        if (strcmp(argv[i], "--help") == 0) {
            printf("usage: vigil migrate [--database URL]\n");
            return 0;
        }
        if ((v = cmd_flag(argc, argv, &i, "--database", &bad)))
            database = v;
        else if (!bad) {
            fprintf(stderr, "vigil migrate: unexpected argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    if (bad)
        return 2;
    database = cmd_setting(database, "VIGIL_DATABASE_URL", CMD_DEFAULT_DATABASE);
    if (cmd_prepare_database_dir(database))
        return 1;
    store = store_open(database, &err);
    if (!store || store_schema_version(store, &version, &err)) {
        err_print(stderr, "vigil migrate", &err);
        store_close(store);
        return 1;
    }
    printf("schema version %d\n", version);
    store_close(store);
    return 0;
}
