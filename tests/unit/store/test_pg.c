/* SPDX-License-Identifier: MIT */
/* The PostgreSQL engine (src/store/pg.c) through the statement layer: placeholders, every
 * bind and column type, booleans, bytea, affected rows, error mapping by SQLSTATE, a commit
 * after a failed statement, and migrations under the advisory lock. Needs a server:
 * VIGIL_TEST_DATABASE_URL names an admin database (tests/CMakeLists.txt starts a throwaway
 * cluster); each test gets a database of its own. Without it every test is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store_int.h"

struct pg_fixture {
    char db_name[64];
    char url[512];
    struct store *store;
    struct conn *c;
};

static int counter;

/* Runs one statement on the admin database. */
static int
admin_exec(const char *sql)
{
    PGconn *pq = PQconnectdb(getenv("VIGIL_TEST_DATABASE_URL"));
    PGresult *res = PQexec(pq, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

    if (!ok)
        fprintf(stderr, "admin: %s: %s", sql, PQerrorMessage(pq));
    PQclear(res);
    PQfinish(pq);
    return ok ? 0 : -1;
}

/* The admin URL with its database name replaced by `name`. */
static void
url_for(char *out, size_t n, const char *name)
{
    const char *admin = getenv("VIGIL_TEST_DATABASE_URL");
    const char *path = strstr(admin, "://");
    const char *slash = path ? strchr(path + 3, '/') : NULL;
    const char *query = slash ? strchr(slash, '?') : NULL;

    assert_non_null(slash);
    snprintf(out, n, "%.*s/%s%s", (int)(slash - admin), admin, name, query ? query : "");
}

static int
setup(void **state)
{
    struct pg_fixture *fx = calloc(1, sizeof(*fx));
    char sql[128];
    struct err err = {0};

    if (!getenv("VIGIL_TEST_DATABASE_URL")) {
        free(fx);
        *state = NULL;
        return 0;
    }
    snprintf(fx->db_name, sizeof(fx->db_name), "vigil_pg_%d_%d", (int)getpid(), counter++);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", fx->db_name);
    if (admin_exec(sql))
        return -1;
    url_for(fx->url, sizeof(fx->url), fx->db_name);
    fx->store = store_open(fx->url, &err);
    if (!fx->store) {
        fprintf(stderr, "store_open: %s %s\n", err.detail, err.cause);
        return -1;
    }
    fx->c = conn_acquire(fx->store, &err);
    if (!fx->c)
        return -1;
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct pg_fixture *fx = *state;
    char sql[128];

    if (!fx)
        return 0;
    conn_release(fx->store, fx->c);
    store_close(fx->store);
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", fx->db_name);
    admin_exec(sql);
    free(fx);
    return 0;
}

#define NEED_SERVER(fx)                                                                            \
    do {                                                                                           \
        if (!(fx))                                                                                 \
            skip();                                                                                \
    } while (0)

static void
exec_ok(struct conn *c, const char *sql)
{
    struct err err = {0};

    if (exec_simple(c, sql, &err))
        fail_msg("%s: %s %s", sql, err.detail, err.cause);
}

static void
test_placeholders_numbered_and_positional(void **state)
{
    struct pg_fixture *fx = *state;
    struct err err = {0};
    struct stmt *st;

    NEED_SERVER(fx);
    /* ?N may repeat and come out of order; a '?' inside a literal is text, not a parameter. */
    st = stmt_get(fx->c, "SELECT CAST(?2 AS TEXT) || '?' || CAST(?1 AS TEXT) || CAST(?2 AS TEXT)",
                  &err);
    assert_non_null(st);
    bind_text(st, 1, "a");
    bind_text(st, 2, "b");
    assert_int_equal(stmt_step(st), ST_ROW);
    assert_string_equal(col_raw_text(st, 0), "b?ab");
    stmt_reset(st);

    st = stmt_get(fx->c, "SELECT CAST(? AS BIGINT) + CAST(? AS BIGINT) -- a ? in a comment", &err);
    assert_non_null(st);
    bind_int(st, 1, 40);
    bind_int(st, 2, 2);
    assert_int_equal(stmt_step(st), ST_ROW);
    assert_int_equal(col_int(st, 0), 42);
    assert_int_equal(stmt_step(st), ST_DONE);
    stmt_reset(st);
}

static void
test_types_round_trip(void **state)
{
    struct pg_fixture *fx = *state;
    static const unsigned char bytes[] = {0, 1, 2, 0xff, '\\', 'x', 0};
    struct err err = {0};
    struct stmt *st;
    const unsigned char *back;
    size_t len;

    NEED_SERVER(fx);
    exec_ok(fx->c, "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, score DOUBLE PRECISION,"
                   " raw BYTEA, flag INTEGER NOT NULL DEFAULT 0)");
    st = stmt_get(fx->c, "INSERT INTO t (id, name, score, raw) VALUES (?1, ?2, ?3, ?4)", &err);
    assert_non_null(st);
    bind_int(st, 1, INT64_C(9007199254740993)); /* beyond a double's exact range */
    bind_text(st, 2, "Ünïcode ✓");
    bind_double(st, 3, 7.25);
    bind_blob(st, 4, bytes, sizeof(bytes));
    assert_int_equal(stmt_exec(fx->c, st, &err), 0);
    assert_int_equal(stmt_changes(fx->c), 1);

    st = stmt_get(fx->c, "INSERT INTO t (id, name, score, raw) VALUES (?1, ?2, ?3, ?4)", &err);
    bind_int(st, 1, 2);
    bind_null(st, 2);
    bind_null(st, 3);
    bind_null(st, 4);
    assert_int_equal(stmt_exec(fx->c, st, &err), 0);

    st = stmt_get(fx->c, "SELECT id, name, score, raw, id = 2 FROM t ORDER BY id DESC", &err);
    assert_non_null(st);
    assert_int_equal(stmt_step(st), ST_ROW);
    assert_int_equal(col_int(st, 0), INT64_C(9007199254740993));
    assert_string_equal(col_raw_text(st, 1), "Ünïcode ✓");
    assert_int_equal(col_bytes(st, 1), strlen("Ünïcode ✓"));
    assert_true(col_double(st, 2) == 7.25);
    back = col_blob(st, 3, &len);
    assert_int_equal(len, sizeof(bytes));
    assert_memory_equal(back, bytes, sizeof(bytes));
    assert_int_equal(col_bytes(st, 3), sizeof(bytes));
    assert_int_equal(col_int(st, 4), 0); /* boolean false */
    assert_int_equal(stmt_step(st), ST_ROW);
    assert_true(col_is_null(st, 1));
    assert_null(col_raw_text(st, 1));
    assert_null(col_blob(st, 3, &len));
    assert_int_equal(col_int(st, 4), 1); /* boolean true */
    assert_int_equal(stmt_step(st), ST_DONE);
    stmt_reset(st);

    /* The statement is cached: the same text gives the same statement, bindings cleared. */
    assert_ptr_equal(
        stmt_get(fx->c, "SELECT id, name, score, raw, id = 2 FROM t ORDER BY id DESC", &err), st);
    stmt_reset(st);
    exec_ok(fx->c, "UPDATE t SET flag = 1");
    assert_int_equal(stmt_changes(fx->c), 2);
}

static void
test_errors_map_by_sqlstate(void **state)
{
    struct pg_fixture *fx = *state;
    struct err err = {0};
    struct stmt *st;
    int rc;

    NEED_SERVER(fx);
    exec_ok(fx->c, "CREATE TABLE u (name TEXT PRIMARY KEY)");
    exec_ok(fx->c, "INSERT INTO u VALUES ('a')");
    st = stmt_get(fx->c, "INSERT INTO u VALUES (?)", &err);
    bind_text(st, 1, "a");
    rc = stmt_exec(fx->c, st, &err);
    assert_int_equal(rc, -1);
    assert_int_equal(err.code, ERR_CONFLICT);
    assert_non_null(strstr(err.cause, "23505"));

    /* A statement that cannot be prepared (on its first step, once its parameter types are
     * known) is INTERNAL, with the server's message as cause. */
    memset(&err, 0, sizeof(err));
    st = stmt_get(fx->c, "SELECT * FROM no_such_table", &err);
    assert_non_null(st);
    rc = stmt_step(st);
    assert_true(rc != ST_ROW && rc != ST_DONE);
    sql_fail(fx->c, rc, "step", &err);
    stmt_reset(st);
    assert_int_equal(err.code, ERR_INTERNAL);
    assert_non_null(strstr(err.cause, "no_such_table"));
}

static void
test_commit_after_failed_statement_is_not_a_commit(void **state)
{
    struct pg_fixture *fx = *state;
    struct err err = {0};
    struct stmt *st;

    NEED_SERVER(fx);
    exec_ok(fx->c, "CREATE TABLE v (name TEXT PRIMARY KEY)");
    assert_int_equal(tx_begin(fx->c, true, &err), 0);
    exec_ok(fx->c, "INSERT INTO v VALUES ('kept?')");
    assert_int_equal(exec_simple(fx->c, "INSERT INTO v VALUES ('kept?')", &err), -1);
    memset(&err, 0, sizeof(err));
    /* PostgreSQL turns this COMMIT into a ROLLBACK: the engine must say it failed. */
    assert_int_equal(tx_commit(fx->c, &err), -1);
    st = stmt_get(fx->c, "SELECT count(*) FROM v", &err);
    assert_int_equal(stmt_step(st), ST_ROW);
    assert_int_equal(col_int(st, 0), 0);
    stmt_reset(st);

    /* A rolled-back write leaves nothing; a committed one stays. */
    assert_int_equal(tx_begin(fx->c, true, &err), 0);
    exec_ok(fx->c, "INSERT INTO v VALUES ('gone')");
    tx_rollback(fx->c);
    assert_int_equal(tx_begin(fx->c, true, &err), 0);
    exec_ok(fx->c, "INSERT INTO v VALUES ('kept')");
    assert_int_equal(tx_commit(fx->c, &err), 0);
    st = stmt_get(fx->c, "SELECT string_agg(name, ',') FROM v", &err);
    assert_int_equal(stmt_step(st), ST_ROW);
    assert_string_equal(col_raw_text(st, 0), "kept");
    stmt_reset(st);
}

static void *
open_in_thread(void *url)
{
    struct err err = {0};

    return store_open(url, &err);
}

static void
test_migrations_once_under_concurrent_opens(void **state)
{
    struct pg_fixture *fx = *state;
    pthread_t threads[4];
    struct store *opened[4];
    struct err err = {0};
    int version = -1;

    NEED_SERVER(fx);
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, open_in_thread, fx->url);
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], (void **)&opened[i]);
        assert_non_null(opened[i]);
    }
    for (int i = 0; i < 4; i++)
        store_close(opened[i]);
    assert_int_equal(store_schema_version(fx->store, &version, &err), 0);
    assert_int_equal(version, store_n_migrations_pg
                                  ? store_migrations_pg[store_n_migrations_pg - 1].version
                                  : 0);
}

static void
test_unreachable_server_is_service_unavailable(void **state)
{
    struct pg_fixture *fx = *state;
    struct err err = {0};

    NEED_SERVER(fx);
    /* A unix socket directory with no server in it: refused before any query. */
    assert_null(store_open("postgresql://vigil@/x?host=/nonexistent-vigil-dir", &err));
    assert_int_equal(err.code, ERR_SERVICE_UNAVAILABLE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_placeholders_numbered_and_positional, setup, teardown),
        cmocka_unit_test_setup_teardown(test_types_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_map_by_sqlstate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_after_failed_statement_is_not_a_commit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_migrations_once_under_concurrent_opens, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_server_is_service_unavailable, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
