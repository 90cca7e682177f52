/* SPDX-License-Identifier: MIT */
/* The Burp Suite XML importer: the inline DTD Burp writes is accepted (never loaded), base64
 * request/response pairs are decoded into evidence, HTML backgrounds become text, the CWE comes
 * from vulnerabilityClassifications; a billion-laughs document is refused. */
#include "unit/import/import_fixture.h"

static void
sample_maps_issues_and_decodes_evidence(void **state)
{
    struct collected *c = fix_new();
    const struct finding *f;

    (void)state;
    assert_int_equal(fix_parse_file(c, IMPORT_BURP, "burp.xml"), 0);
    assert_int_equal(c->n, 2);
    f = fix_find(c, "Cross-site scripting (reflected)");
    assert_int_equal(f->severity, SEVERITY_HIGH);
    assert_int_equal(f->confidence, CONFIDENCE_HIGH);
    assert_string_equal(f->cwe, "CWE-79");
    assert_string_equal(f->check_id, "burp-2097920");
    assert_string_equal(f->endpoint, "http://127.0.0.1:8080/search");
    assert_string_equal(f->evidence.notes, "/search [q parameter]");
    assert_true(strncmp(f->evidence.request, "GET /search?q=", 14) == 0);
    assert_non_null(strstr(f->evidence.response, "<script>alert(1)</script>"));
    assert_null(strstr(f->description, "<p>"));
    assert_int_equal(f->n_references, 2);
    f = fix_find(c, "Cookie without HttpOnly flag set");
    assert_int_equal(f->severity, SEVERITY_LOW);
    assert_int_equal(f->confidence, CONFIDENCE_MEDIUM);
    assert_string_equal(f->cwe, "CWE-16");
    assert_int_equal(fix_detect_file("burp.xml"), IMPORT_BURP);
    fix_free(c);
}

static void
billion_laughs_is_refused(void **state)
{
    struct collected *c = fix_new();

    (void)state;
    assert_int_equal(fix_parse_file(c, IMPORT_BURP, "hostile/billion-laughs.xml"), -1);
    fix_assert_malformed(c, "line ");
    assert_int_equal(c->n, 0);
    fix_free(c);
}

static void
issue_without_name_is_rejected_with_its_line(void **state)
{
    struct collected *c = fix_new();

    (void)state;
    assert_int_equal(fix_parse_text(c, IMPORT_BURP,
                                    "<issues>\n<issue><severity>High</severity></issue>\n"
                                    "<issue><name>n</name></issue></issues>"),
                     0);
    assert_int_equal(c->n, 1);
    assert_int_equal(c->n_rejected, 1);
    assert_string_equal(c->rejected_where[0], "line 2");
    fix_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_maps_issues_and_decodes_evidence),
        cmocka_unit_test(billion_laughs_is_refused),
        cmocka_unit_test(issue_without_name_is_rejected_with_its_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
