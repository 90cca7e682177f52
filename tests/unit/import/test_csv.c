/* SPDX-License-Identifier: MIT */
/* The generic CSV importer: RFC 4180 quoting (commas, doubled quotes, line breaks inside
 * quotes), columns in any order, rows that cannot be mapped rejected with their line, unknown
 * columns and unterminated quotes refused. */
#include "unit/import/import_fixture.h"

static void
sample_maps_rows_and_rejects_bad_ones(void **state)
{
    struct collected *c = fix_new();
    const struct finding *f;

    (void)state;
    assert_int_equal(fix_parse_file(c, IMPORT_CSV, "findings.csv"), 0);
    assert_int_equal(c->n, 2);
    f = fix_find(c, "SQL injection in login");
    assert_int_equal(f->severity, SEVERITY_HIGH);
    assert_string_equal(f->cwe, "CWE-89");
    assert_string_equal(f->endpoint, "POST /login");
    assert_string_equal(f->description,
                        "The \"username\" field is concatenated into SQL, unescaped.");
    assert_string_equal(f->check_id, "sqli-login");
    assert_string_equal(f->evidence.notes, "payload: ' OR 1=1 --");
    assert_int_equal(f->n_references, 1);
    f = fix_find(c, "Verbose error pages");
    assert_string_equal(f->cwe, "CWE-209");
    assert_string_equal(f->description, "Stack traces are returned\non errors (two lines).");
    /* The quoted line break makes the third record start on line 5. */
    assert_int_equal(c->n_rejected, 2);
    assert_string_equal(c->rejected_where[0], "line 5");
    assert_string_equal(c->rejected_field[0], "title");
    assert_string_equal(c->rejected_where[1], "line 6");
    assert_string_equal(c->rejected_field[1], "severity");
    assert_int_equal(fix_detect_file("findings.csv"), IMPORT_CSV);
    fix_free(c);
}

static void
structural_errors(void **state)
{
    struct collected *c;

    (void)state;
    c = fix_new();
    assert_int_equal(fix_parse_text(c, IMPORT_CSV, "title,sevrity\nA,high\n"), -1);
    fix_assert_malformed(c, "line 1");
    fix_free(c);
    c = fix_new();
    assert_int_equal(fix_parse_text(c, IMPORT_CSV, "severity\nhigh\n"), -1);
    fix_assert_malformed(c, "line 1");
    fix_free(c);
    c = fix_new();
    assert_int_equal(fix_parse_text(c, IMPORT_CSV, "title,severity\nA,high\n\"B,low\n"), -1);
    fix_assert_malformed(c, "line 3");
    fix_free(c);
    c = fix_new();
    assert_int_equal(fix_parse_text(c, IMPORT_CSV, "title,severity\nA,high,extra\nB,low"), 0);
    assert_int_equal(c->n, 1);
    assert_string_equal(c->rejected_where[0], "line 2");
    fix_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_maps_rows_and_rejects_bad_ones),
        cmocka_unit_test(structural_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
