/* SPDX-License-Identifier: MIT */
/* Storage faults (issue 14, item 6): sql_fail maps disk full, read-only and I/O errors to
 * SERVICE_UNAVAILABLE with Retry-After and records them for /health; the health probe clears
 * a fault once a write commits again. The black-box side is tests/api/test_storage_errors.py. */
#include "unit/store/store_fixture.h"

#include <sqlite3.h>
#include <stdatomic.h>

#include "store/store_int.h"

static void
storage_faults_are_service_unavailable_with_retry_after(void **state)
{
    struct fixture *fx = *state;
    static const int codes[] = {SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR_WRITE,
                                SQLITE_IOERR_FSYNC, SQLITE_READONLY_DBMOVED};
    struct conn c = {0};

    SQLITE_ONLY("maps SQLite result codes; test_pg.c covers the SQLSTATE mapping");
    c.store = fx->store;
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        struct err err = {0};

        assert_int_equal(sql_fail(&c, codes[i], "step", &err), -1);
        assert_int_equal(err.code, ERR_SERVICE_UNAVAILABLE);
        assert_int_equal(err.retry_after, 5);
        assert_non_null(strstr(err.cause, "sqlite step"));
        assert_null(strstr(err.detail, "sqlite"));
        assert_int_equal(atomic_load(&fx->store->write_fault), codes[i] & 0xff);
    }
}

static void
other_errors_stay_internal_and_record_nothing(void **state)
{
    struct fixture *fx = *state;
    struct conn c = {0};
    struct err err = {0};

    SQLITE_ONLY("maps SQLite result codes; test_pg.c covers the SQLSTATE mapping");
    c.store = fx->store;
    assert_int_equal(sql_fail(&c, SQLITE_CORRUPT, "step", &err), -1);
    assert_int_equal(err.code, ERR_INTERNAL);
    assert_int_equal(atomic_load(&fx->store->write_fault), 0);
    assert_int_equal(store_write_health(fx->store), STORE_HEALTH_OK);
}

static void
health_probe_clears_a_fault_the_disk_no_longer_has(void **state)
{
    struct fixture *fx = *state;
    struct conn c = {0};
    struct err err = {0};
    int version = 0;

    SQLITE_ONLY("maps SQLite result codes; test_pg.c covers the SQLSTATE mapping");
    c.store = fx->store;
    sql_fail(&c, SQLITE_IOERR_WRITE, "step", &err);
    assert_int_equal(atomic_load(&fx->store->write_fault), SQLITE_IOERR);
    /* This database is fine: the probe's write commits and the fault is gone. */
    assert_int_equal(store_write_health(fx->store), STORE_HEALTH_OK);
    assert_int_equal(atomic_load(&fx->store->write_fault), 0);
    /* The probe's row did not stay. */
    err_clear(&err);
    assert_int_equal(store_schema_version(fx->store, &version, &err), 0);
    assert_true(version > 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(storage_faults_are_service_unavailable_with_retry_after),
        T(other_errors_stay_internal_and_record_nothing),
        T(health_probe_clears_a_fault_the_disk_no_longer_has),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
