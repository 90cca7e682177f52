/* SPDX-License-Identifier: MIT */
/* Shared fixture of the store tests: a fresh database, two organizations and a handle bound to
 * each. Included by each test file (static functions). The database is a SQLite file in a
 * temporary directory, or, when VIGIL_TEST_DATABASE_URL names a PostgreSQL admin database (as
 * scripts/pg-cluster.sh prints it), a database of its own created on that server and dropped
 * at teardown. */
#ifndef VIGIL_TESTS_STORE_FIXTURE_H
#define VIGIL_TESTS_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

struct fixture {
    char dir[64];
    char path[128];
    char pg_name[64]; /* the PostgreSQL database, or "" on SQLite */
    char pg_url[512];
    struct store *store;
    struct arena *arena;
    struct org org_a, org_b;
    struct db *a, *b;
};

static void
fixture_remove_files(struct fixture *fx)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[160];

    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(p, sizeof(p), "%s%s", fx->path, suffixes[i]);
        unlink(p);
    }
    rmdir(fx->dir);
}

/* The admin URL of the PostgreSQL server the tests run against, or NULL for SQLite. */
static inline const char *
fixture_pg_admin(void)
{
    const char *url = getenv("VIGIL_TEST_DATABASE_URL");

    return url && *url ? url : NULL;
}

/* Skips the calling test on PostgreSQL, saying why (only for tests about SQLite itself). */
#define SQLITE_ONLY(why)                                                                           \
    do {                                                                                           \
        if (fixture_pg_admin()) {                                                                  \
            fprintf(stderr, "skipped on PostgreSQL: %s\n", why);                                   \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* Runs one statement on the admin database; CREATE/DROP DATABASE cannot run in a transaction,
 * which is why this is plain libpq and not the store. */
static inline int
fixture_pg_admin_exec(const char *sql)
{
    PGconn *pq = PQconnectdb(fixture_pg_admin());
    PGresult *res = PQstatus(pq) == CONNECTION_OK ? PQexec(pq, sql) : NULL;
    int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;

    if (!ok)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(pq));
    PQclear(res);
    PQfinish(pq);
    return ok ? 0 : -1;
}

/* Creates a database unique to this process and fixture and sets fx->pg_url to it: the admin
 * URL with its database name replaced, keeping its query (host=...). */
static inline int
fixture_pg_create(struct fixture *fx)
{
    static int counter;
    const char *admin = fixture_pg_admin();
    const char *scheme = strstr(admin, "://");
    const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
    const char *query = slash ? strchr(slash, '?') : NULL;
    char sql[128];

    if (!slash) {
        fprintf(stderr, "VIGIL_TEST_DATABASE_URL has no /database: %s\n", admin);
        return -1;
    }
    snprintf(fx->pg_name, sizeof(fx->pg_name), "vigil_store_%d_%d", (int)getpid(), counter++);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", fx->pg_name);
    if (fixture_pg_admin_exec(sql))
        return -1;
    snprintf(fx->pg_url, sizeof(fx->pg_url), "%.*s/%s%s", (int)(slash - admin), admin, fx->pg_name,
             query ? query : "");
    return 0;
}

static inline void
fixture_pg_drop(struct fixture *fx)
{
    char sql[160];

    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", fx->pg_name);
    fixture_pg_admin_exec(sql);
}

/* Opens the store on a fresh database of the engine under test. */
static inline struct store *
fixture_open(struct fixture *fx, struct err *err)
{
    if (fixture_pg_admin())
        return fixture_pg_create(fx) ? NULL : store_open(fx->pg_url, err);
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/vigil-store-XXXXXX");
    if (!mkdtemp(fx->dir))
        return NULL;
    snprintf(fx->path, sizeof(fx->path), "%s/vigil.db", fx->dir);
    return store_open(fx->path, err);
}

/* Removes the fixture's database: drops it on PostgreSQL, deletes the files on SQLite. */
static inline void
fixture_remove_database(struct fixture *fx)
{
    if (fx->pg_name[0])
        fixture_pg_drop(fx);
    else if (fx->dir[0])
        fixture_remove_files(fx);
}

/* Says why setup failed and leaves nothing behind (cmocka runs no teardown then). */
static inline int
fixture_setup_failed(struct fixture *fx, const char *what, const struct err *err)
{
    fprintf(stderr, "fixture setup: %s: %s: %s (%s)\n", what, err_code_name(err->code), err->detail,
            err->cause);
    arena_free(fx->arena);
    store_close(fx->store);
    fixture_remove_database(fx);
    free(fx);
    return -1;
}

static int
fixture_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct err err = {0};

    fx->store = fixture_open(fx, &err);
    if (!fx->store)
        return fixture_setup_failed(fx, "store_open", &err);
    fx->arena = arena_new();
    if (store_org_create(fx->store, "Org A", fx->arena, &fx->org_a, &err) ||
        store_org_create(fx->store, "Org B", fx->arena, &fx->org_b, &err))
        return fixture_setup_failed(fx, "store_org_create", &err);
    fx->a = store_bind(fx->store, fx->org_a.id, fx->arena);
    fx->b = store_bind(fx->store, fx->org_b.id, fx->arena);
    *state = fx;
    return 0;
}

/* The fixture's handle for org_id: a or b, else one bound in the fixture's arena. */
static inline struct db *
db_for(struct fixture *fx, const char *org_id)
{
    if (org_id && strcmp(org_id, fx->org_a.id) == 0)
        return fx->a;
    if (org_id && strcmp(org_id, fx->org_b.id) == 0)
        return fx->b;
    return store_bind(fx->store, org_id ? org_id : "", fx->arena);
}

static int
fixture_teardown(void **state)
{
    struct fixture *fx = *state;

    arena_free(fx->arena); /* gives the bound connections back first */
    store_close(fx->store);
    fixture_remove_database(fx);
    free(fx);
    return 0;
}

/* Fails the test with the error's details when rc is not 0. */
#define OK(call)                                                                                   \
    do {                                                                                           \
        struct err ok_err_ = {0};                                                                  \
        struct err *err = &ok_err_;                                                                \
        if ((call) != 0)                                                                           \
            fail_msg("%s failed: %s: %s [%s] (%s)", #call, err_code_name(ok_err_.code),            \
                     ok_err_.detail, ok_err_.n_fields ? ok_err_.fields[0].field : "",              \
                     ok_err_.cause);                                                               \
    } while (0)

/* Expects the call to fail with code (and, if field is not NULL, an error on field). */
#define FAILS(call, code_, field_)                                                                 \
    do {                                                                                           \
        struct err fails_err_ = {0};                                                               \
        struct err *err = &fails_err_;                                                             \
        const char *want_field_ = (field_);                                                        \
        if ((call) == 0)                                                                           \
            fail_msg("%s succeeded, expected %s", #call, #code_);                                  \
        if (fails_err_.code != ERR_##code_)                                                        \
            fail_msg("%s: got %s (%s; %s), expected %s", #call, err_code_name(fails_err_.code),    \
                     fails_err_.detail, fails_err_.cause, #code_);                                 \
        if (want_field_) {                                                                         \
            bool seen_ = false;                                                                    \
            for (int i_ = 0; i_ < fails_err_.n_fields; i_++)                                       \
                seen_ = seen_ || strcmp(fails_err_.fields[i_].field, want_field_) == 0;            \
            if (!seen_)                                                                            \
                fail_msg("%s: no error on field %s", #call, want_field_);                          \
        }                                                                                          \
    } while (0)

#endif
