/* SPDX-License-Identifier: MIT */
/* The Nuclei JSONL importer: one object a line (blank lines skipped), info.severity,
 * classification CWE and CVSS, matched-at as the endpoint; a broken line is malformed and
 * named, also when a line is nested 10,000 deep. */
#include "unit/import/import_fixture.h"

static void
sample_maps_each_line(void **state)
{
    struct collected *c = fix_new();
    const struct finding *f;

    (void)state;
    assert_int_equal(fix_parse_file(c, IMPORT_NUCLEI, "nuclei.jsonl"), 0);
    assert_int_equal(c->n, 3);
    f = fix_find(c, "Git Configuration - Detect");
    assert_int_equal(f->severity, SEVERITY_MEDIUM);
    assert_string_equal(f->cwe, "CWE-200");
    assert_string_equal(f->check_id, "git-config");
    assert_string_equal(f->endpoint, "http://127.0.0.1:8080/.git/config");
    assert_string_equal(f->cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N");
    assert_string_equal(f->remediation, "Block access to the .git directory.");
    assert_true(strncmp(f->evidence.request, "GET /.git/config", 16) == 0);
    f = fix_find(c, "Apache 2.4.49 - Path Traversal and Remote Code Execution");
    assert_int_equal(f->severity, SEVERITY_CRITICAL);
    assert_int_equal(f->n_references, 1);
    assert_int_equal(fix_find(c, "Wappalyzer Technology Detection")->severity, SEVERITY_INFO);
    assert_int_equal(fix_detect_file("nuclei.jsonl"), IMPORT_NUCLEI);
    fix_free(c);
}

static void
broken_line_is_named(void **state)
{
    struct collected *c = fix_new();

    (void)state;
    assert_int_equal(fix_parse_text(c, IMPORT_NUCLEI,
                                    "{\"template-id\":\"a\",\"info\":{\"name\":\"A\"}}\n\n"
                                    "{\"template-id\":\"b\",\"info\":{\"name\""),
                     -1);
    fix_assert_malformed(c, "line 3");
    fix_free(c);
    c = fix_new();
    assert_int_equal(fix_parse_file(c, IMPORT_NUCLEI, "hostile/deep.jsonl"), -1);
    fix_assert_malformed(c, "line 2");
    fix_free(c);
}

static void
json_array_export_is_read(void **state)
{
    struct collected *c = fix_new();

    (void)state;
    assert_int_equal(fix_parse_text(c, IMPORT_NUCLEI,
                                    "[{\"template-id\":\"a\",\"info\":{\"name\":\"A\","
                                    "\"severity\":\"high\"},\"matched-at\":\"http://h/\"}]"),
                     0);
    assert_int_equal(c->n, 1);
    assert_int_equal(c->items[0].severity, SEVERITY_HIGH);
    fix_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_maps_each_line),
        cmocka_unit_test(broken_line_is_named),
        cmocka_unit_test(json_array_export_is_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
