/* SPDX-License-Identifier: MIT */
/* The SARIF log parses with jansson and has the SARIF 2.1.0 shape code-scanning tools read: one
 * rule per check, levels, security-severity, tags, URIs, fingerprints, the incomplete-scan
 * notification. It also writes report-sample*.sarif into the working directory (or
 * $VIGIL_REPORT_SAMPLE_DIR) for scripts/validate-sarif.sh in CI. */
#include "fixture.h"

#include <jansson.h>

/* Where the samples go: $VIGIL_REPORT_SAMPLE_DIR or the working directory. */
static const char *
sample_path(const char *name, char *path, size_t size)
{
    const char *dir = getenv("VIGIL_REPORT_SAMPLE_DIR");

    snprintf(path, size, "%s/%s", dir && *dir ? dir : ".", name);
    return path;
}

static json_t *
render_sarif(const struct report_input *in, const char *sample_name)
{
    json_error_t jerr;
    char *text = fix_render(REPORT_SARIF, in, NULL);
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    char path[4096];

    if (!doc)
        fail_msg("SARIF does not parse: %s at %d:%d", jerr.text, jerr.line, jerr.column);
    fix_write_file(sample_path(sample_name, path, sizeof(path)), text);
    free(text);
    return doc;
}

static const char *
str_at(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_string(v))
        fail_msg("%s is not a string", key);
    return json_string_value(v);
}

static json_t *
rule_by_id(json_t *rules, const char *id)
{
    size_t i;
    json_t *rule;

    json_array_foreach(rules, i, rule)
    {
        if (strcmp(str_at(rule, "id"), id) == 0)
            return rule;
    }
    fail_msg("no rule %s", id);
    return NULL;
}

static void
sarif_log_has_one_run_with_tool_and_rules(void **state)
{
    json_t *doc = render_sarif(&fix_input, "report-sample.sarif");
    json_t *run, *driver, *rules, *bola, *tags, *props;
    size_t i;
    json_t *rule;
    (void)state;

    assert_string_equal(str_at(doc, "version"), "2.1.0");
    assert_non_null(strstr(str_at(doc, "$schema"), "sarif-schema-2.1.0.json"));
    assert_int_equal(json_array_size(json_object_get(doc, "runs")), 1);
    run = json_array_get(json_object_get(doc, "runs"), 0);
    driver = json_object_get(json_object_get(run, "tool"), "driver");
    assert_string_equal(str_at(driver, "name"), "vigil");
    assert_string_equal(str_at(driver, "version"), "9.9.9");
    assert_string_equal(str_at(driver, "informationUri"), REPORT_TOOL_URI);

    /* One rule per distinct check, most severe first; manual findings share one. */
    rules = json_object_get(driver, "rules");
    assert_int_equal(json_array_size(rules), 5);
    assert_string_equal(str_at(json_array_get(rules, 0), "id"), "sqli");
    assert_string_equal(str_at(json_array_get(rules, 1), "id"), "jwt_alg_none");
    assert_string_equal(str_at(json_array_get(rules, 2), "id"), "bola");
    assert_string_equal(str_at(json_array_get(rules, 3), "id"), "headers");
    assert_string_equal(str_at(json_array_get(rules, 4), "id"), "manual");
    json_array_foreach(rules, i, rule)
    {
        props = json_object_get(rule, "properties");
        assert_true(strlen(str_at(rule, "name")) > 0);
        assert_true(strlen(str_at(json_object_get(rule, "shortDescription"), "text")) > 0);
        assert_true(strlen(str_at(json_object_get(rule, "fullDescription"), "text")) > 0);
        assert_true(strlen(str_at(json_object_get(rule, "help"), "text")) > 0);
        assert_true(strlen(str_at(json_object_get(rule, "help"), "markdown")) > 0);
        assert_string_equal(json_string_value(json_array_get(json_object_get(props, "tags"), 0)),
                            "security");
        assert_non_null(str_at(props, "precision"));
    }
    assert_string_equal(str_at(json_array_get(rules, 1), "name"), "JwtAlgNoneCheck");
    assert_string_equal(
        str_at(json_object_get(rule_by_id(rules, "sqli"), "properties"), "security-severity"),
        "9.5");
    assert_string_equal(str_at(json_object_get(rule_by_id(rules, "jwt_alg_none"), "properties"),
                               "security-severity"),
                        "8.0");
    assert_string_equal(
        str_at(json_object_get(rule_by_id(rules, "headers"), "properties"), "security-severity"),
        "3.0");
    assert_string_equal(
        str_at(json_object_get(rule_by_id(rules, "manual"), "properties"), "security-severity"),
        "0.0");

    /* bola: CVSS 6.5 on the high finding beats the medium one's 5.5; tags are a set. */
    bola = rule_by_id(rules, "bola");
    props = json_object_get(bola, "properties");
    assert_string_equal(str_at(props, "security-severity"), "6.5");
    assert_string_equal(str_at(props, "precision"), "high");
    tags = json_object_get(props, "tags");
    assert_int_equal(json_array_size(tags), 4);
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "OWASP-API1:2023");
    assert_string_equal(json_string_value(json_array_get(tags, 2)), "CWE-639");
    assert_string_equal(json_string_value(json_array_get(tags, 3)), "external/cwe/cwe-639");
    assert_string_equal(str_at(json_object_get(bola, "defaultConfiguration"), "level"), "error");
    assert_string_equal(str_at(bola, "helpUri"), fix_refs_bola[0]);
    assert_non_null(strstr(str_at(json_object_get(bola, "help"), "text"), fix_refs_bola[0]));
    assert_non_null(
        strstr(str_at(json_object_get(bola, "help"), "markdown"), fix_findings[0].remediation));
    json_decref(doc);
}

static void
sarif_results_map_levels_rules_locations_and_fingerprints(void **state)
{
    static const char *const levels[] = {"error", "error", "error", "warning", "note", "note"};
    json_t *doc = render_sarif(&fix_input, "report-sample.sarif");
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    json_t *rules =
        json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
    json_t *results = json_object_get(run, "results");
    json_t *result, *loc, *inv, *note;
    size_t i;
    (void)state;

    assert_int_equal(json_array_size(results), FIX_N_FINDINGS);
    json_array_foreach(results, i, result)
    {
        json_int_t index = json_integer_value(json_object_get(result, "ruleIndex"));
        json_t *props = json_object_get(result, "properties");

        assert_string_equal(str_at(result, "level"), levels[i]);
        assert_string_equal(str_at(json_array_get(rules, (size_t)index), "id"),
                            str_at(result, "ruleId"));
        assert_string_equal(str_at(props, "finding_id"), fix_order[i]);
        assert_true(json_is_integer(json_object_get(props, "risk_score")));
        assert_non_null(str_at(props, "confidence"));
        assert_true(strlen(str_at(json_object_get(result, "message"), "text")) > 0);
    }

    result = json_array_get(results, 2); /* find_bola1 */
    assert_string_equal(str_at(result, "ruleId"), "bola");
    assert_string_equal(str_at(json_object_get(result, "message"), "text"),
                        "Broken object level authorization at GET /users/{id}.");
    loc = json_array_get(json_object_get(result, "locations"), 0);
    assert_string_equal(
        str_at(json_object_get(json_object_get(loc, "physicalLocation"), "artifactLocation"),
               "uri"),
        "http://127.0.0.1:9000/users/%7Bid%7D");
    assert_string_equal(
        str_at(json_array_get(json_object_get(loc, "logicalLocations"), 0), "fullyQualifiedName"),
        "GET /users/{id}");
    assert_string_equal(str_at(json_object_get(result, "partialFingerprints"), "vigil/v1"),
                        "fp-bola-users");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(result, "properties"), "risk_score")),
        78);

    result = json_array_get(results, 5); /* manual, accepted, no endpoint */
    assert_string_equal(str_at(result, "ruleId"), "manual");
    /* Without an endpoint the finding is placed on the target itself. */
    loc = json_array_get(json_object_get(result, "locations"), 0);
    assert_string_equal(
        str_at(json_object_get(json_object_get(loc, "physicalLocation"), "artifactLocation"),
               "uri"),
        "http://127.0.0.1:9000/");
    assert_null(json_object_get(loc, "logicalLocations"));
    assert_null(json_object_get(result, "partialFingerprints"));
    assert_string_equal(str_at(json_array_get(json_object_get(result, "suppressions"), 0), "kind"),
                        "external");

    inv = json_array_get(json_object_get(run, "invocations"), 0);
    assert_true(json_is_boolean(json_object_get(inv, "executionSuccessful")));
    assert_string_equal(str_at(inv, "startTimeUtc"), "2026-01-15T10:30:00Z");
    note = json_array_get(json_object_get(inv, "toolExecutionNotifications"), 0);
    assert_string_equal(str_at(note, "level"), "error");
    assert_non_null(
        strstr(str_at(json_object_get(note, "message"), "text"), "max_requests reached"));
    json_decref(doc);
}

static void
sarif_uris_are_percent_encoded(void **state)
{
    struct finding f = {.id = "find_uri",
                        .title = "Odd path",
                        .severity = SEVERITY_LOW,
                        .cvss_score = -1,
                        .endpoint = "GET /a b/{id}/%41/%zz/[1]?q=\"<x>\"#frag",
                        .check_id = "odd path!",
                        .fingerprint = "fp"};
    struct report_input in = {
        .target = "http://[::1]:9000/base path/", .findings = &f, .n_findings = 1};
    json_t *doc = render_sarif(&in, "report-sample-uris.sarif");
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    json_t *result = json_array_get(json_object_get(run, "results"), 0);
    json_t *loc = json_array_get(json_object_get(result, "locations"), 0);
    json_t *rule = json_array_get(
        json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules"), 0);
    (void)state;

    assert_string_equal(
        str_at(json_object_get(json_object_get(loc, "physicalLocation"), "artifactLocation"),
               "uri"),
        "http://[::1]:9000/base%20path/a%20b/%7Bid%7D/%2541/%25zz/"
        "%5B1%5D%3Fq=%22%3Cx%3E%22%23frag");
    assert_string_equal(str_at(rule, "id"), "odd path!");
    json_decref(doc);

    /* Non-ASCII in the path: only the logical location is kept. */
    f.endpoint = "GET /caf\xc3\xa9/{id}";
    doc = render_sarif(&in, "report-sample-nonascii.sarif");
    run = json_array_get(json_object_get(doc, "runs"), 0);
    result = json_array_get(json_object_get(run, "results"), 0);
    loc = json_array_get(json_object_get(result, "locations"), 0);
    assert_null(json_object_get(loc, "physicalLocation"));
    assert_string_equal(
        str_at(json_array_get(json_object_get(loc, "logicalLocations"), 0), "fullyQualifiedName"),
        "GET /caf\xc3\xa9/{id}");
    rule = json_array_get(
        json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules"), 0);
    assert_string_equal(str_at(rule, "name"), "OddPathCheck");
    json_decref(doc);
}

static void
sarif_log_of_no_findings_has_empty_rules_and_results(void **state)
{
    json_t *doc = render_sarif(&fix_empty, "report-sample-empty.sarif");
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    json_t *inv = json_array_get(json_object_get(run, "invocations"), 0);
    (void)state;

    assert_int_equal(json_array_size(json_object_get(
                         json_object_get(json_object_get(run, "tool"), "driver"), "rules")),
                     0);
    assert_true(json_is_array(json_object_get(run, "results")));
    assert_int_equal(json_array_size(json_object_get(run, "results")), 0);
    assert_true(json_is_true(json_object_get(inv, "executionSuccessful")));
    assert_null(json_object_get(inv, "toolExecutionNotifications"));
    json_decref(doc);
}

/* Runs scripts/validate-sarif.sh on the given files; returns its exit status. */
static int
run_validator(const char *const *files, size_t n)
{
    const char *src = getenv("VIGIL_SOURCE_DIR");
    char script[4096];
    const char *argv[8];
    pid_t pid;
    int status;

    assert_true(n + 2 <= sizeof(argv) / sizeof(argv[0]));
    snprintf(script, sizeof(script), "%s/scripts/validate-sarif.sh", src && *src ? src : ".");
    argv[0] = script;
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = files[i];
    argv[n + 1] = NULL;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execv(script, (char *const *)argv);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Only with VIGIL_SARIF_VALIDATE=1: the multitool comes from the npm registry via npx. */
static void
sarif_samples_pass_the_multitool(void **state)
{
    static const char *const names[] = {"report-sample.sarif", "report-sample-empty.sarif",
                                        "report-sample-uris.sarif", "report-sample-nonascii.sarif"};
    char paths[4][4096], broken_path[4096];
    const char *samples[4], *broken[1];
    const char *want = getenv("VIGIL_SARIF_VALIDATE");
    (void)state;

    if (!want || strcmp(want, "1") != 0)
        fix_checker_missing("the SARIF validator (VIGIL_SARIF_VALIDATE=1)");
    for (size_t i = 0; i < 4; i++)
        samples[i] = sample_path(names[i], paths[i], sizeof(paths[i]));
    broken[0] = sample_path("report-sample-broken.sarif", broken_path, sizeof(broken_path));
    assert_int_equal(run_validator(samples, 4), 0);
    /* The validator can fail: a level the schema does not know (the multitool alone misses
     * this one), then a URI with a space (only the multitool's SARIF1002 sees that). */
    fix_write_file(broken[0],
                   "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"x\"}},"
                   "\"results\":[{\"ruleId\":\"r\",\"message\":{\"text\":\"m.\"},"
                   "\"level\":\"fatal\"}]}]}");
    assert_int_equal(run_validator(broken, 1), 1);
    fix_write_file(broken[0],
                   "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"x\"}},"
                   "\"results\":[{\"ruleId\":\"r\",\"message\":{\"text\":\"m.\"},"
                   "\"locations\":[{\"physicalLocation\":{\"artifactLocation\":"
                   "{\"uri\":\"http://127.0.0.1/a b\"}}}]}]}]}");
    assert_int_equal(run_validator(broken, 1), 1);
    unlink(broken[0]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sarif_log_has_one_run_with_tool_and_rules),
        cmocka_unit_test(sarif_results_map_levels_rules_locations_and_fingerprints),
        cmocka_unit_test(sarif_uris_are_percent_encoded),
        cmocka_unit_test(sarif_log_of_no_findings_has_empty_rules_and_results),
        /* last: it reads the samples the tests above wrote */
        cmocka_unit_test(sarif_samples_pass_the_multitool),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
