/* SPDX-License-Identifier: MIT */
/* `vigil token create --name N --scopes a,b [--expires 30d|90d|1y|never|DATE] [--org ORG]`:
 * issues a token offline, straight into the database, and prints the secret once. The request
 * is validated by the same decoder as POST /api/v1/tokens, so both accept exactly the same
 * names, scopes and expiries. */
#include "cmd/cmd.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "auth/issue.h"
#include "cmd/options.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/str.h"
#include "store/store.h"

static void
token_usage(FILE *out)
{
    fprintf(out, "usage: vigil token create --name NAME --scopes SCOPE[,SCOPE...]\n"
                 "                          [--expires never|30d|90d|1y|YYYY-MM-DD|RFC3339]\n"
                 "                          [--org ORG_ID] [--database URL]\n\n"
                 "Scopes: projects:read|write findings:read|write assets:read|write\n"
                 "        clients:read|write scans:read|write reports:read|write\n"
                 "        webhooks:read|write controls:read|write admin\n"
                 "--org may be left out while the database holds one organization.\n");
}

/* The request as the API would receive it. */
static json_t *
token_request(const char *name, const char *scopes, const char *expires, struct arena *a)
{
    json_t *body = json_object();
    json_t *list = json_array();
    size_t n;
    char **items = str_split(a, scopes, ',', &n);

    json_object_set_new(body, "name", json_string(name));
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(items[i]));
    json_object_set_new(body, "scopes", list);
    if (expires) {
        bool preset = strcmp(expires, "never") == 0 || strcmp(expires, "30d") == 0 ||
                      strcmp(expires, "90d") == 0 || strcmp(expires, "1y") == 0;

        json_object_set_new(body, preset ? "expires_in" : "expires_at", json_string(expires));
    }
    return body;
}

int
cmd_token(int argc, char **argv)
{
    const char *name = NULL, *scopes = NULL, *expires = NULL, *org = NULL, *database = NULL;
    char secret[APIKEY_LEN + 1];
    struct api_token t;
    struct store *store = NULL;
    struct arena *a;
    struct err err = {0};
    json_t *body = NULL;
    bool bad = false;
    int rc = 1;

    if (argc < 2 || strcmp(argv[1], "create") != 0) {
        bool help = argc >= 2 && strcmp(argv[1], "--help") == 0;

        token_usage(help ? stdout : stderr);
        return help ? 0 : 2;
    }
    for (int i = 2; i < argc && !bad; i++) {
        const char *v;

        if ((v = cmd_flag(argc, argv, &i, "--name", &bad)))
            name = v;
        else if ((v = cmd_flag(argc, argv, &i, "--scopes", &bad)))
            scopes = v;
        else if ((v = cmd_flag(argc, argv, &i, "--expires", &bad)))
            expires = v;
        else if ((v = cmd_flag(argc, argv, &i, "--org", &bad)))
            org = v;
        else if ((v = cmd_flag(argc, argv, &i, "--database", &bad)))
            database = v;
        else if (!bad) {
            fprintf(stderr, "vigil token create: unexpected argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    if (bad || !name || !scopes) {
        if (!bad)
            fprintf(stderr, "vigil token create: --name and --scopes are required\n");
        token_usage(stderr);
        return 2;
    }
    database = cmd_setting(database, "VIGIL_DATABASE_URL", CMD_DEFAULT_DATABASE);

    a = arena_new();
    body = token_request(name, scopes, expires, a);
    if (api_token_from_json(&t, body, clock_now(), a, &err)) {
        err_print(stderr, "vigil token create", &err);
        rc = 2;
        goto out;
    }
    store = store_open(database, &err);
    if (!store) {
        err_print(stderr, "vigil token create", &err);
        goto out;
    }
    if (!org) {
        struct org *orgs;
        size_t n;

        if (store_org_list(store, a, 2, &orgs, &n, &err)) {
            err_print(stderr, "vigil token create", &err);
            goto out;
        }
        if (n != 1) {
            fprintf(stderr,
                    "vigil token create: the database holds %s organization; "
                    "name one with --org\n",
                    n ? "more than one" : "no");
            rc = 2;
            goto out;
        }
        org = orgs[0].id;
    }
    t.org_id = org;
    t.created_by = "cli";
    if (auth_token_issue(store_bind(store, org, a), &t, a, secret, &err)) {
        err_print(stderr, "vigil token create", &err);
        goto out;
    }
    printf("%s\n", secret);
    fflush(stdout);
    str_wipe(secret, sizeof(secret));
    rc = 0;
out:
    json_decref(body);
    arena_free(a); /* first: it gives the bound connection back */
    store_close(store);
    return rc;
}
