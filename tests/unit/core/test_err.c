/* SPDX-License-Identifier: MIT */
/* err_print: the one way a command renders a struct err for a terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* What err_print writes, as a string (freed by the caller). */
static char *
printed(const struct err *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    assert_non_null(out);
    err_print(out, "vigil test", err);
    fclose(out);
    return text;
}

static void
detail_and_cause_share_one_line(void **state)
{
    struct err err = {0};
    char *text;
    (void)state;

    err_set(&err, SERVICE_UNAVAILABLE, "Cannot open the database.");
    err_cause(&err, "unable to open database file");
    text = printed(&err);
    assert_string_equal(text,
                        "vigil test: Cannot open the database: unable to open database file\n");
    free(text);
}

static void
an_internal_error_shows_the_operator_its_cause(void **state)
{
    struct err err = {0};
    char *text;
    (void)state;

    err_internal(&err, "sqlite3_prepare: no such table: users");
    text = printed(&err);
    assert_string_equal(text, "vigil test: sqlite3_prepare: no such table: users\n");
    free(text);
}

static void
every_invalid_field_gets_a_line(void **state)
{
    struct err err = {0};
    char *text;
    (void)state;

    err_field(&err, "VIGIL_SCAN_ALLOW", "'10.0.0.0/33' is not a network");
    err_field(&err, "password", "must be at least 12 characters");
    text = printed(&err);
    assert_string_equal(text, "vigil test: VIGIL_SCAN_ALLOW: '10.0.0.0/33' is not a network\n"
                              "vigil test: password: must be at least 12 characters\n");
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(detail_and_cause_share_one_line),
        cmocka_unit_test(an_internal_error_shows_the_operator_its_cause),
        cmocka_unit_test(every_invalid_field_gets_a_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
