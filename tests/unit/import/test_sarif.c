/* SPDX-License-Identifier: MIT */
/* The SARIF 2.1.0 importer: vigil's own SARIF (produced by `vigil scan`) round-trips its
 * severities, CWEs, endpoints and fingerprints; a CodeQL/Semgrep-style log maps
 * security-severity, cwe tags and partialFingerprints; broken logs name the place. */
#include "unit/import/import_fixture.h"

static void
vigil_sarif_round_trips(void **state)
{
    struct collected *c = fix_new();
    size_t by_severity[SEVERITY_COUNT] = {0};
    const char *first_fp;

    (void)state;
    assert_int_equal(fix_parse_file(c, IMPORT_SARIF, "vigil.sarif"), 0);
    assert_int_equal(c->n, 46);
    assert_int_equal(c->n_rejected, 0);
    assert_string_equal(c->run.tool, "vigil");
    for (size_t i = 0; i < c->n; i++) {
        by_severity[c->items[i].severity]++;
        assert_non_null(c->items[i].check_id);
        assert_int_equal(strlen(c->items[i].fingerprint), 64);
    }
    assert_int_equal(by_severity[SEVERITY_CRITICAL], 8);
    assert_int_equal(by_severity[SEVERITY_HIGH], 14);
    assert_int_equal(by_severity[SEVERITY_MEDIUM], 7);
    assert_int_equal(by_severity[SEVERITY_LOW], 17);
    assert_string_equal(c->items[0].check_id, "jwt");
    assert_string_equal(c->items[0].cwe, "CWE-347");
    assert_string_equal(c->items[0].endpoint, "GET /api/me");
    first_fp = c->items[0].fingerprint;
    /* Every result has its own partialFingerprint, so every key differs. */
    for (size_t i = 1; i < c->n; i++)
        assert_string_not_equal(c->items[i].fingerprint, first_fp);
    assert_int_equal(fix_detect_file("vigil.sarif"), IMPORT_SARIF);
    fix_free(c);
}

#define CODEQL_LOG(line, fp)                                                                       \
    "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"CodeQL\",\"rules\":[{"     \
    "\"id\":\"py/sql-injection\",\"shortDescription\":{\"text\":\"SQL query built from "           \
    "user-controlled sources\"},\"helpUri\":\"https://codeql.github.com/sqli\","                   \
    "\"properties\":{\"security-severity\":\"8.8\",\"precision\":\"high\",\"tags\":["              \
    "\"security\",\"external/cwe/cwe-089\"]}}]}},\"results\":[{\"ruleId\":\"py/sql-injection\","   \
    "\"ruleIndex\":0,\"message\":{\"text\":\"This query depends on a user-provided value.\"},"     \
    "\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"app/db.py\"},"          \
    "\"region\":{\"startLine\":" line "}}}],\"partialFingerprints\":{\"primaryLocationLineHash\":" \
    "\"" fp "\"}},{\"ruleId\":\"py/sql-injection\",\"level\":\"note\",\"message\":{\"text\":"      \
    "\"m\"},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"app/x.py\"},"    \
    "\"region\":{\"startLine\":3}}}]}]}]}"

static void
codeql_style_log_maps_severity_cwe_and_fingerprint(void **state)
{
    struct collected *c = fix_new(), *moved = fix_new(), *other = fix_new();

    (void)state;
    assert_int_equal(fix_parse_text(c, IMPORT_SARIF, CODEQL_LOG("12", "abc:1")), 0);
    assert_int_equal(c->n, 2);
    assert_string_equal(c->items[0].title, "SQL query built from user-controlled sources");
    assert_int_equal(c->items[0].severity, SEVERITY_HIGH); /* 8.8 */
    assert_int_equal(c->items[0].confidence, CONFIDENCE_HIGH);
    assert_string_equal(c->items[0].cwe, "CWE-89");
    assert_string_equal(c->items[0].check_id, "py/sql-injection");
    assert_string_equal(c->items[0].endpoint, "app/db.py:12");
    assert_int_equal(c->items[0].n_references, 1);
    /* The rule's security-severity outranks a result's level. */
    assert_int_equal(c->items[1].severity, SEVERITY_HIGH);
    /* The tool's fingerprint is the key: the same hash at another line is the same finding... */
    assert_int_equal(fix_parse_text(moved, IMPORT_SARIF, CODEQL_LOG("40", "abc:1")), 0);
    assert_string_equal(moved->items[0].fingerprint, c->items[0].fingerprint);
    /* ...and another hash is another finding. */
    assert_int_equal(fix_parse_text(other, IMPORT_SARIF, CODEQL_LOG("12", "def:1")), 0);
    assert_string_not_equal(other->items[0].fingerprint, c->items[0].fingerprint);
    fix_free(c);
    fix_free(moved);
    fix_free(other);
}

static void
broken_logs_name_the_place(void **state)
{
    struct collected *c;

    (void)state;
    c = fix_new();
    assert_int_equal(fix_parse_file(c, IMPORT_SARIF, "hostile/invalid-utf8.sarif"), -1);
    fix_assert_malformed(c, "line 3");
    fix_free(c);

    c = fix_new();
    assert_int_equal(fix_parse_file(c, IMPORT_SARIF, "hostile/deep.json"), -1);
    fix_assert_malformed(c, "line 1, column");
    fix_free(c);

    c = fix_new();
    assert_int_equal(fix_parse_text(c, IMPORT_SARIF, "{\"version\":\"2.1.0\",\"runs\":[{\"re"), -1);
    fix_assert_malformed(c, "line 1, column");
    fix_free(c);

    c = fix_new();
    assert_int_equal(fix_parse_text(c, IMPORT_SARIF, "{\"version\":\"2.0.0\",\"runs\":[]}"), -1);
    fix_assert_malformed(c, "/version");
    fix_free(c);

    c = fix_new();
    assert_int_equal(fix_parse_text(c, IMPORT_SARIF, "{\"runs\":[{\"results\":{}}]}"), -1);
    fix_assert_malformed(c, "/runs/0/results");
    fix_free(c);
}

static void
result_without_any_title_is_rejected(void **state)
{
    struct collected *c = fix_new();

    (void)state;
    assert_int_equal(fix_parse_text(c, IMPORT_SARIF, "{\"runs\":[{\"results\":[{\"level\":1}]}]}"),
                     0);
    assert_int_equal(c->n, 0);
    assert_int_equal(c->n_rejected, 1);
    assert_string_equal(c->rejected_where[0], "/runs/0/results/0");
    assert_string_equal(c->rejected_field[0], "title");
    fix_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vigil_sarif_round_trips),
        cmocka_unit_test(codeql_style_log_maps_severity_cwe_and_fingerprint),
        cmocka_unit_test(broken_logs_name_the_place),
        cmocka_unit_test(result_without_any_title_is_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
