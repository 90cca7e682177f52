/* SPDX-License-Identifier: MIT */
/* Shared fixture of the store tests: a fresh database, two organizations and a handle bound
 * to each. Included by each test file (static functions). The database is SQLite in a temporary
 * directory, or, when VIGIL_TEST_DATABASE_URL names a PostgreSQL admin database (the -pg pass of
 * tests/CMakeLists.txt), a database of its own created on that server and dropped afterwards. */
#ifndef VIGIL_TESTS_STORE_FIXTURE_H
#define VIGIL_TESTS_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

struct fixture {
    char dir[64];
    char path[512];   /* the SQLite file or the PostgreSQL URL */
    char pg_name[64]; /* the PostgreSQL database, "" on SQLite */
    struct store *store;
    struct arena *arena;
    struct org org_a, org_b;
    struct db *a, *b;
};

static void
fixture_remove_files(struct fixture *fx)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[600];

    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(p, sizeof(p), "%s%s", fx->path, suffixes[i]);
        unlink(p);
    }
    rmdir(fx->dir);
}

/* Runs one statement on the PostgreSQL admin database. */
static int
fixture_pg_admin(const char *sql)
{
    PGconn *pq = PQconnectdb(getenv("VIGIL_TEST_DATABASE_URL"));
    PGresult *res = PQexec(pq, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

    if (!ok)
        fprintf(stderr, "fixture: %s: %s", sql, PQerrorMessage(pq));
    PQclear(res);
    PQfinish(pq);
    return ok ? 0 : -1;
}

/* A fresh database on the server: its URL is the admin URL with the database name replaced. */
static int
fixture_pg_create(struct fixture *fx)
{
    static int serial;
    const char *admin = getenv("VIGIL_TEST_DATABASE_URL");
    const char *scheme = strstr(admin, "://");
    const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
    const char *query = slash ? strchr(slash, '?') : NULL;
    char sql[128];

    if (!slash)
        return -1;
    snprintf(fx->pg_name, sizeof(fx->pg_name), "vigil_t_%d_%d", (int)getpid(), serial++);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", fx->pg_name);
    if (fixture_pg_admin(sql))
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%.*s/%s%s", (int)(slash - admin), admin, fx->pg_name,
             query ? query : "");
    return 0;
}

/* True on the PostgreSQL pass: a test of SQLite's own behaviour skips there. */
static inline bool
fixture_on_postgres(void)
{
    const char *url = getenv("VIGIL_TEST_DATABASE_URL");

    return url && *url;
}

static int
fixture_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct err err = {0};

    if (fixture_on_postgres()) {
        if (fixture_pg_create(fx))
            return -1;
    } else {
        snprintf(fx->dir, sizeof(fx->dir), "/tmp/vigil-store-XXXXXX");
        if (!mkdtemp(fx->dir))
            return -1;
        snprintf(fx->path, sizeof(fx->path), "%s/vigil.db", fx->dir);
    }
    fx->store = store_open(fx->path, &err);
    if (!fx->store) {
        fprintf(stderr, "store_open: %s %s\n", err.detail, err.cause);
        return -1;
    }
    fx->arena = arena_new();
    if (store_org_create(fx->store, "Org A", fx->arena, &fx->org_a, &err) ||
        store_org_create(fx->store, "Org B", fx->arena, &fx->org_b, &err))
        return -1;
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
    if (fx->pg_name[0]) {
        char sql[128];

        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", fx->pg_name);
        fixture_pg_admin(sql);
    } else {
        fixture_remove_files(fx);
    }
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
