/* SPDX-License-Identifier: MIT */
/* The JSON report parses with jansson and carries the scan metadata, the severity summary and
 * every finding with every field, in report order. */
#include "fixture.h"

#include <jansson.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "model/finding.h"

static json_t *
render_json(const struct report_input *in)
{
    json_error_t jerr;
    char *text = fix_render(REPORT_JSON, in, NULL);
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);

    if (!doc)
        fail_msg("JSON report does not parse: %s at %d:%d", jerr.text, jerr.line, jerr.column);
    free(text);
    return doc;
}

static const char *
str_at(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    assert_true(json_is_string(v));
    return json_string_value(v);
}

static void
json_report_has_scan_metadata_and_summary(void **state)
{
    json_t *doc = render_json(&fix_input);
    json_t *scan = json_object_get(doc, "scan");
    json_t *by = json_object_get(json_object_get(doc, "summary"), "by_severity");
    (void)state;

    assert_string_equal(str_at(doc, "title"), fix_input.title);
    assert_string_equal(str_at(json_object_get(doc, "tool"), "version"), "9.9.9");
    assert_string_equal(str_at(scan, "target"), "http://127.0.0.1:9000/");
    assert_string_equal(str_at(scan, "spec_title"), "Fixture API");
    assert_string_equal(str_at(scan, "started_at"), "2026-01-15T10:30:00Z");
    assert_string_equal(str_at(scan, "finished_at"), "2026-01-15T10:31:30Z");
    assert_int_equal(json_integer_value(json_object_get(scan, "duration_seconds")), 90);
    assert_int_equal(json_integer_value(json_object_get(scan, "endpoints_discovered")), 12);
    assert_int_equal(json_integer_value(json_object_get(scan, "endpoints_tested")), 9);
    assert_int_equal(json_integer_value(json_object_get(scan, "requests_sent")), 321);
    assert_true(json_is_true(json_object_get(scan, "incomplete")));
    assert_string_equal(str_at(scan, "stop_reason"), "max_requests reached");
    assert_int_equal(json_array_size(json_object_get(scan, "checks_run")), 5);
    {
        json_t *per_check = json_object_get(scan, "requests_by_check");

        assert_true(json_is_object(per_check));
        assert_int_equal(json_object_size(per_check), 6);
        assert_int_equal(json_integer_value(json_object_get(per_check, "planning")), 100);
        assert_int_equal(json_integer_value(json_object_get(per_check, "bola")), 20);
        assert_int_equal(json_integer_value(json_object_get(per_check, "rate_limit")), 36);
    }
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"), "total")),
                     6);
    assert_int_equal(json_integer_value(json_object_get(by, "critical")), 1);
    assert_int_equal(json_integer_value(json_object_get(by, "high")), 2);
    assert_int_equal(json_integer_value(json_object_get(by, "medium")), 1);
    assert_int_equal(json_integer_value(json_object_get(by, "low")), 1);
    assert_int_equal(json_integer_value(json_object_get(by, "info")), 1);
    json_decref(doc);
}

static void
json_report_lists_every_finding_field_in_report_order(void **state)
{
    json_t *doc = render_json(&fix_input);
    json_t *findings = json_object_get(doc, "findings");
    json_t *bola, *sqli, *manual, *evidence, *refs;
    char when[21];
    (void)state;

    assert_int_equal(json_array_size(findings), FIX_N_FINDINGS);
    for (size_t i = 0; i < FIX_N_FINDINGS; i++)
        assert_string_equal(str_at(json_array_get(findings, i), "id"), fix_order[i]);

    sqli = json_array_get(findings, 0);
    assert_string_equal(str_at(sqli, "title"), fix_findings[1].title);
    assert_string_equal(str_at(sqli, "severity"), "critical");
    assert_string_equal(str_at(sqli, "status"), "confirmed");
    assert_string_equal(str_at(sqli, "confidence"), "medium");
    assert_true(json_is_null(json_object_get(sqli, "cvss_score")));
    assert_true(json_is_null(json_object_get(sqli, "first_seen")));

    bola = json_array_get(findings, 2);
    assert_string_equal(str_at(bola, "owasp"), "API1:2023");
    assert_string_equal(str_at(bola, "cwe"), "CWE-639");
    assert_string_equal(str_at(bola, "endpoint"), "GET /users/{id}");
    assert_string_equal(str_at(bola, "check_id"), "bola");
    assert_string_equal(str_at(bola, "fingerprint"), "fp-bola-users");
    assert_string_equal(str_at(bola, "remediation"), fix_findings[0].remediation);
    assert_string_equal(str_at(bola, "description"), fix_findings[0].description);
    assert_string_equal(str_at(bola, "cvss_vector"), fix_findings[0].cvss_vector);
    assert_string_equal(str_at(bola, "project_id"), "proj_1");
    assert_string_equal(str_at(bola, "scan_id"), "scan_1");
    assert_true(json_real_value(json_object_get(bola, "cvss_score")) == 6.5);
    assert_int_equal(json_integer_value(json_object_get(bola, "risk_score")), 78);
    assert_string_equal(str_at(bola, "first_seen"),
                        clock_format_rfc3339(fix_findings[0].first_seen, when, sizeof(when)));
    assert_string_equal(str_at(bola, "updated_at"),
                        clock_format_rfc3339(fix_findings[0].updated_at, when, sizeof(when)));
    evidence = json_object_get(bola, "evidence");
    assert_string_equal(str_at(evidence, "request"), fix_findings[0].evidence.request);
    assert_string_equal(str_at(evidence, "notes"), fix_findings[0].evidence.notes);
    /* Invalid bytes come out as U+FFFD; the markup stays text. */
    assert_non_null(strstr(str_at(evidence, "response"), "</pre><script>alert(\"x\")</script>"));
    assert_non_null(strstr(str_at(evidence, "response"), "bad bytes: \xEF\xBF\xBD"));
    refs = json_object_get(bola, "references");
    assert_int_equal(json_array_size(refs), 2);
    assert_string_equal(json_string_value(json_array_get(refs, 1)), "javascript:alert(1)");

    manual = json_array_get(findings, 5);
    assert_true(json_is_null(json_object_get(manual, "check_id")));
    assert_true(json_is_null(json_object_get(manual, "endpoint")));
    assert_string_equal(str_at(manual, "status"), "accepted");
    assert_true(json_is_null(json_object_get(json_object_get(manual, "evidence"), "request")));
    assert_int_equal(json_array_size(json_object_get(manual, "references")), 0);
    json_decref(doc);
}

static void
json_report_of_no_findings_is_complete_and_empty(void **state)
{
    json_t *doc = render_json(&fix_empty);
    json_t *scan = json_object_get(doc, "scan");
    (void)state;

    assert_int_equal(json_array_size(json_object_get(doc, "findings")), 0);
    assert_true(json_is_array(json_object_get(doc, "findings")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"), "total")),
                     0);
    assert_true(json_is_false(json_object_get(scan, "incomplete")));
    assert_true(json_is_null(json_object_get(scan, "stop_reason")));
    assert_true(json_is_null(json_object_get(scan, "started_at")));
    assert_true(json_is_null(json_object_get(scan, "id")));
    /* A report without per-check counts (a stored scan) leaves the key out. */
    assert_null(json_object_get(scan, "requests_by_check"));
    json_decref(doc);
}

/* A finding in the report is the API's finding object plus org_id: the same writer makes both
 * (model/finding_json.c), so a score outside CVSS's 0..10 is null in both, never 12.3. */
static void
json_report_finding_is_the_api_object_plus_org_id(void **state)
{
    struct finding f = fix_findings[0];
    struct report_input in = fix_empty;
    struct buf api;
    struct jsonw w;
    json_t *doc, *ours, *theirs;
    (void)state;

    f.cvss_score = 12.3;
    f.org_id = "org_report";
    in.findings = &f;
    in.n_findings = 1;
    doc = render_json(&in);
    ours = json_array_get(json_object_get(doc, "findings"), 0);
    buf_init(&api, BUF_UNLIMITED);
    jsonw_init(&w, &api);
    finding_to_json(&w, &f);
    theirs = json_loads(buf_str(&api), 0, NULL);
    assert_non_null(theirs);
    assert_string_equal(str_at(ours, "org_id"), f.org_id);
    json_object_del(ours, "org_id");
    assert_true(json_equal(ours, theirs));
    assert_true(json_is_null(json_object_get(ours, "cvss_score")));
    json_decref(theirs);
    buf_cleanup(&api);
    json_decref(doc);
}

static void
json_report_carries_the_controls_at_risk_only_with_frameworks(void **state)
{
    static const char *const frameworks[] = {"PCI DSS"};
    static const struct report_control controls[] = {
        {.id = "pci-dss-6.2.4",
         .framework = "PCI DSS",
         .reference = "6.2.4",
         .name = "Attacks \"prevented\"",
         .findings = 2},
    };
    struct report_input in = fix_input;
    json_t *doc = render_json(&fix_input), *c, *first;
    (void)state;

    assert_null(json_object_get(doc, "controls_at_risk"));
    json_decref(doc);
    in.frameworks = frameworks;
    in.n_frameworks = 1;
    in.controls = controls;
    in.n_controls = 1;
    doc = render_json(&in);
    c = json_object_get(doc, "controls_at_risk");
    assert_non_null(c);
    assert_string_equal(json_string_value(json_array_get(json_object_get(c, "frameworks"), 0)),
                        "PCI DSS");
    first = json_array_get(json_object_get(c, "controls"), 0);
    assert_string_equal(str_at(first, "id"), "pci-dss-6.2.4");
    assert_string_equal(str_at(first, "name"), "Attacks \"prevented\"");
    assert_int_equal(json_integer_value(json_object_get(first, "findings")), 2);
    json_decref(doc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_report_has_scan_metadata_and_summary),
        cmocka_unit_test(json_report_lists_every_finding_field_in_report_order),
        cmocka_unit_test(json_report_of_no_findings_is_complete_and_empty),
        cmocka_unit_test(json_report_finding_is_the_api_object_plus_org_id),
        cmocka_unit_test(json_report_carries_the_controls_at_risk_only_with_frameworks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
