/* SPDX-License-Identifier: MIT */
/* The OWASP ZAP importers (JSON and XML reports): one finding per instance, riskcode to
 * severity, CWE ids, HTML stripped, references pulled out; both forms of one report give the
 * same fingerprints. An XXE entity is refused, never resolved. */
#include "unit/import/import_fixture.h"

static void
check_report(const struct collected *c)
{
    const struct finding *f;

    assert_int_equal(c->n, 3);
    f = &c->items[0];
    assert_string_equal(f->title, "Cross Site Scripting (Reflected)");
    assert_int_equal(f->severity, SEVERITY_HIGH);
    assert_int_equal(f->confidence, CONFIDENCE_MEDIUM);
    assert_string_equal(f->cwe, "CWE-79");
    assert_string_equal(f->check_id, "zap-40012");
    assert_true(strncmp(f->endpoint, "GET http://127.0.0.1:8080/search?q=", 35) == 0);
    assert_string_equal(f->evidence.response, "<script>alert(1)</script>");
    assert_string_equal(f->evidence.notes, "parameter: q");
    assert_null(strstr(f->description, "<p>"));
    assert_int_equal(f->n_references, 2);
    assert_string_equal(f->references[0], "https://owasp.org/www-community/attacks/xss/");
    assert_string_equal(c->items[1].endpoint, "POST http://127.0.0.1:8080/comment");
    assert_int_equal(c->items[2].severity, SEVERITY_MEDIUM);
    assert_int_equal(c->items[2].confidence, CONFIDENCE_HIGH);
    assert_string_equal(c->items[2].cwe, "CWE-693");
}

static void
json_and_xml_reports_map_alike(void **state)
{
    struct collected *j = fix_new(), *x = fix_new();

    (void)state;
    assert_int_equal(fix_parse_file(j, IMPORT_ZAP_JSON, "zap.json"), 0);
    assert_int_equal(fix_parse_file(x, IMPORT_ZAP_XML, "zap.xml"), 0);
    check_report(j);
    check_report(x);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(j->items[i].fingerprint, x->items[i].fingerprint);
    assert_int_equal(fix_detect_file("zap.json"), IMPORT_ZAP_JSON);
    assert_int_equal(fix_detect_file("zap.xml"), IMPORT_ZAP_XML);
    fix_free(j);
    fix_free(x);
}

static void
xxe_is_refused_and_never_resolved(void **state)
{
    struct collected *c = fix_new();

    (void)state;
    assert_int_equal(fix_parse_file(c, IMPORT_ZAP_XML, "hostile/xxe.xml"), -1);
    fix_assert_malformed(c, "line 7");
    assert_non_null(strstr(c->err.fields[0].message, "&xxe;"));
    assert_int_equal(c->n, 0);
    fix_free(c);
}

static void
json_without_sites_is_malformed(void **state)
{
    struct collected *c = fix_new();

    (void)state;
    assert_int_equal(fix_parse_text(c, IMPORT_ZAP_JSON, "{\"@programName\":\"ZAP\"}"), -1);
    fix_assert_malformed(c, "/site");
    fix_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_and_xml_reports_map_alike),
        cmocka_unit_test(xxe_is_refused_and_never_resolved),
        cmocka_unit_test(json_without_sites_is_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
