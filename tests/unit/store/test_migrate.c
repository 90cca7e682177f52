/* SPDX-License-Identifier: MIT */
/* Opening the store: migrations apply once and survive reopening, the compiled-in SQL matches
 * src/store/sql/, each connection has the required pragmas, the schema itself refuses
 * cross-organization links, and the pool serves several threads at once. */
#include "unit/store/store_fixture.h"

#include <pthread.h>

#include "core/id.h"

#include "store/store_int.h"

static char *
read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n;
    char *text;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = calloc(1, (size_t)n + 1);
    if (fread(text, 1, (size_t)n, f) != (size_t)n) {
        free(text);
        text = NULL;
    }
    fclose(f);
    return text;
}

static void
check_embedded(const struct store_migration *m, size_t n, const char *folder)
{
    const char *src = getenv("VIGIL_SOURCE_DIR");
    char path[512];

    for (size_t i = 0; i < n; i++) {
        char *text;

        if (i > 0)
            assert_true(m[i].version > m[i - 1].version);
        snprintf(path, sizeof(path), "%s/src/store/sql/%s%03d_%s.sql", src ? src : ".", folder,
                 m[i].version, m[i].name);
        text = read_file(path);
        if (!text)
            fail_msg("cannot read %s (set VIGIL_SOURCE_DIR)", path);
        if (strcmp(text, m[i].sql) != 0)
            fail_msg("%s differs from migrations.c: run python3 src/store/sql/embed.py", path);
        free(text);
    }
}

static void
compiled_migrations_match_the_sql_files(void **state)
{
    (void)state;

    assert_true(store_n_migrations >= 1);
    check_embedded(store_migrations, store_n_migrations, "");
    check_embedded(store_migrations_pg, store_n_migrations_pg, "pg/");
}

static void
reopening_applies_nothing_and_keeps_data(void **state)
{
    struct fixture *fx = *state;
    struct client in = {.name = "kept", .present = CLIENT_F_ALL}, out;
    struct conn *c;
    struct stmt *st;
    int version = 0;
    const struct store_migration *migrations = store_migrations;
    size_t n_migrations = store_n_migrations;
    const char *url = fx->pg_name[0] ? fx->pg_url : fx->path;
    char org_id[ID_MAX], client_id[ID_MAX];

    if (fx->pg_name[0]) {
        migrations = store_migrations_pg;
        n_migrations = store_n_migrations_pg;
    }

    OK(store_client_create(fx->a, &in, &out, err));
    snprintf(org_id, sizeof(org_id), "%s", fx->org_a.id); /* the old arena is about to go */
    snprintf(client_id, sizeof(client_id), "%s", out.id);
    arena_free(fx->arena);
    store_close(fx->store);
    for (int round = 0; round < 2; round++) {
        fx->store = store_open(url, NULL);
        assert_non_null(fx->store);
        store_close(fx->store);
    }
    fx->store = store_open(url, NULL);
    assert_non_null(fx->store);
    fx->arena = arena_new();
    fx->org_a.id = arena_strdup(fx->arena, org_id);
    fx->org_b.id = NULL;
    fx->a = store_bind(fx->store, fx->org_a.id, fx->arena);
    fx->b = NULL;
    OK(store_client_get(fx->a, client_id, &out, err));
    assert_string_equal(out.name, "kept");
    OK(store_schema_version(fx->store, &version, err));
    assert_int_equal(version, migrations[n_migrations - 1].version);

    c = conn_acquire(fx->store, NULL);
    assert_non_null(c);
    st = stmt_get(c, "SELECT count(*) FROM schema_migrations", NULL);
    assert_int_equal(stmt_step(st), ST_ROW);
    assert_int_equal((int)col_int(st, 0), (int)n_migrations);
    stmt_reset(st);
    conn_release(fx->store, c);
}

static int
pragma_int(struct conn *c, const char *sql)
{
    struct stmt *st = stmt_get(c, sql, NULL);
    int v;

    assert_non_null(st);
    assert_int_equal(stmt_step(st), ST_ROW);
    v = (int)col_int(st, 0);
    stmt_reset(st);
    return v;
}

static void
connections_are_durable_wal_with_foreign_keys(void **state)
{
    struct fixture *fx = *state;
    struct conn *c;
    struct stmt *st;

    SQLITE_ONLY("SQLite pragmas"); /* first: a skip leaves the test at once */
    c = conn_acquire(fx->store, NULL);
    assert_non_null(c);
    assert_int_equal(pragma_int(c, "PRAGMA foreign_keys"), 1);
    /* NORMAL: commits are made durable by the store's own group fsync of the WAL. */
    assert_int_equal(pragma_int(c, "PRAGMA synchronous"), 1);
    assert_true(pragma_int(c, "PRAGMA busy_timeout") > 0);
    st = stmt_get(c, "PRAGMA journal_mode", NULL);
    assert_int_equal(stmt_step(st), ST_ROW);
    assert_string_equal(col_raw_text(st, 0), "wal");
    stmt_reset(st);
    conn_release(fx->store, c);
}

/* Every write commit is synced before the store call returns. */
static void
write_commits_are_synced_before_returning(void **state)
{
    struct fixture *fx = *state;
    struct arena *a;
    struct org org;
    struct err err = {0};
    uint64_t before = fx->store->commits;

    SQLITE_ONLY("the store's own group fsync of the SQLite WAL; PostgreSQL syncs its commits");
    a = arena_new(); /* after the skip, which leaves the test at once */
    assert_int_equal(store_org_create(fx->store, "durable", a, &org, &err), 0);
    assert_true(fx->store->commits > before);
    assert_true(fx->store->durable >= fx->store->commits);
    assert_false(fx->store->syncing);
    arena_free(a);
}

static void
schema_refuses_links_across_organizations(void **state)
{
    struct fixture *fx = *state;
    struct client in = {.name = "A's", .present = CLIENT_F_ALL}, ca;
    struct conn *c;
    struct stmt *st;
    struct err fk_err = {0};
    int rc;

    OK(store_client_create(fx->a, &in, &ca, err));
    c = conn_acquire(fx->store, NULL);
    /* Bypass the store's checks: the composite foreign key alone must refuse this. */
    st = stmt_get(c,
                  "INSERT INTO projects (id, org_id, client_id, name, status, created_at,"
                  " updated_at) VALUES ('proj_x', ?, ?, 'x', 'planned', 1, 1)",
                  NULL);
    bind_text(st, 1, fx->org_b.id);
    bind_text(st, 2, ca.id);
    rc = stmt_step(st);
    assert_true(rc != ST_DONE && rc != ST_ROW);
    /* Each engine's foreign key violation is a constraint error: CONFLICT. */
    sql_fail(c, rc, "insert", &fk_err);
    stmt_reset(st);
    assert_int_equal(fk_err.code, ERR_CONFLICT);
    conn_release(fx->store, c);
}

static void
bad_urls_are_refused(void **state)
{
    struct err e = {0};
    (void)state;

    /* A PostgreSQL URL whose server is not there: unreachable, before any query. */
    assert_null(store_open("postgres://u@/vigil?host=/nonexistent-vigil-dir", &e));
    assert_int_equal(e.code, ERR_SERVICE_UNAVAILABLE);
    err_clear(&e);
    assert_null(store_open("sqlite::memory:", &e));
    assert_int_equal(e.code, ERR_VALIDATION_ERROR);
    err_clear(&e);
    assert_null(store_open("", &e));
    assert_int_equal(e.code, ERR_VALIDATION_ERROR);
    err_clear(&e);
    assert_null(store_open("/nonexistent-dir/deeper/vigil.db", &e));
    assert_int_equal(e.code, ERR_INTERNAL);
}

struct worker {
    struct store *store;
    const char *org_id;
    int failures;
    int refused; /* writes meant to fail that did fail */
    bool with_bad_writes;
};

static void *
worker_run(void *p)
{
    struct worker *w = p;
    struct arena *a = arena_new();
    struct db *db = store_bind(w->store, w->org_id, a);

    for (int i = 0; i < 20; i++) {
        struct client in = {.name = "concurrent", .present = CLIENT_F_ALL}, out;
        struct err e = {0};

        if (store_client_create(db, &in, &out, &e) != 0)
            w->failures++;
        if (w->with_bad_writes) {
            /* A write that fails inside a shared batch must roll back alone. */
            struct project bad = {
                .name = "orphan", .client_id = "client_doesnotexist0000", .present = PROJECT_F_ALL};
            struct project bad_out;

            err_clear(&e);
            if (store_project_create(db, &bad, &bad_out, &e) != 0 && e.code == ERR_VALIDATION_ERROR)
                w->refused++;
        }
    }
    arena_free(a);
    return NULL;
}

static void
pool_serves_several_threads(void **state)
{
    struct fixture *fx = *state;
    pthread_t threads[4];
    struct worker workers[4];
    struct store_list q = {0};
    struct store_page page;

    for (int i = 0; i < 4; i++) {
        workers[i] = (struct worker){.store = fx->store, .org_id = fx->org_a.id};
        pthread_create(&threads[i], NULL, worker_run, &workers[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(workers[i].failures, 0);
    }
    OK(store_client_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 80);
}

/* Concurrent writers share batches: every successful write is there and durable, every failing
 * one left nothing behind, and fewer commits than writes were needed. */
static void
concurrent_writes_share_batches_and_fail_alone(void **state)
{
    struct fixture *fx = *state;
    pthread_t threads[8];
    struct worker workers[8];
    struct store_list q = {0};
    struct store_page page;
    uint64_t commits_before = fx->store->commits;

    for (int i = 0; i < 8; i++) {
        workers[i] =
            (struct worker){.store = fx->store, .org_id = fx->org_a.id, .with_bad_writes = true};
        pthread_create(&threads[i], NULL, worker_run, &workers[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(workers[i].failures, 0);
        assert_int_equal(workers[i].refused, 20);
    }
    OK(store_client_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 160);
    OK(store_project_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 0);
    if (fx->pg_name[0])
        return; /* batches are the SQLite engine's group commit */
    /* Commits of batches whose every member failed are never synced (nobody waits for them),
     * so durable may trail commits; every successful write did wait for a sync. */
    assert_true(fx->store->durable > commits_before);
    assert_true(fx->store->commits - commits_before <= 320);
    assert_false(fx->store->batch_open);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compiled_migrations_match_the_sql_files),
        T(reopening_applies_nothing_and_keeps_data),
        T(connections_are_durable_wal_with_foreign_keys),
        T(write_commits_are_synced_before_returning),
        T(schema_refuses_links_across_organizations),
        cmocka_unit_test(bad_urls_are_refused),
        T(pool_serves_several_threads),
        T(concurrent_writes_share_batches_and_fail_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
