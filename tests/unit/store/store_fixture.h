/* SPDX-License-Identifier: MIT */
/* Shared fixture of the store tests: a fresh SQLite database in a temporary directory, two
 * organizations and a handle bound to each. Included by each test file (static functions). */
#ifndef VIGIL_TESTS_STORE_FIXTURE_H
#define VIGIL_TESTS_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

static int
fixture_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct err err = {0};

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/vigil-store-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/vigil.db", fx->dir);
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
    fixture_remove_files(fx);
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
