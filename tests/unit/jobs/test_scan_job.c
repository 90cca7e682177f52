/* SPDX-License-Identifier: MIT */
/* The job runner's mappings from a stored scan onto the engine: every option of the create body
 * lands in scan_options, the opened credentials become the engine's identities, and an
 * organization's allow list is added to the server's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "jobs/scan_job.c"

static void
every_option_reaches_the_engine(void **state)
{
    struct arena *a = arena_new();
    json_t *req = json_loads("{\"options\": {\"concurrency\": 3, \"timeout\": 7, \"fail_on\": "
                             "\"medium\", \"exclude\": [\"/admin/*\", \"/x\"], "
                             "\"max_requests\": 42, \"rate_limit\": 2.5, \"checks\": "
                             "[\"bola\"], \"budget\": 9}}",
                             0, NULL);
    struct scan_options o = {0};
    enum severity fail_on;
    bool never_fail;
    (void)state;

    apply_options(req, &o, &fail_on, &never_fail, a);
    assert_int_equal(o.concurrency, 3);
    assert_int_equal(o.timeout_ms, 7000);
    assert_int_equal(o.max_requests, 42);
    assert_true(o.rate_limit > 2.49 && o.rate_limit < 2.51);
    assert_int_equal(o.budget_seconds, 9);
    assert_int_equal(o.n_exclude, 2);
    assert_string_equal(o.exclude[0], "/admin/*");
    assert_int_equal(o.n_checks, 1);
    assert_string_equal(o.checks[0], "bola");
    assert_int_equal(fail_on, SEVERITY_MEDIUM);
    assert_false(never_fail);
    json_decref(req);
    arena_free(a);
}

static void
absent_options_keep_the_engine_defaults_and_fail_on_high(void **state)
{
    struct arena *a = arena_new();
    json_t *req = json_loads("{\"options\": {\"fail_on\": \"none\"}}", 0, NULL);
    struct scan_options o = {0};
    enum severity fail_on;
    bool never_fail;
    (void)state;

    apply_options(req, &o, &fail_on, &never_fail, a);
    assert_int_equal(o.concurrency, 0); /* the engine's SCAN_DEFAULT_CONCURRENCY */
    assert_int_equal(o.timeout_ms, 0);
    assert_null(o.checks);
    assert_true(never_fail);
    json_decref(req);
    req = json_loads("{}", 0, NULL);
    apply_options(req, &o, &fail_on, &never_fail, a);
    assert_int_equal(fail_on, SEVERITY_HIGH);
    assert_false(never_fail);
    json_decref(req);
    arena_free(a);
}

static void
credentials_map_onto_the_engines_identities(void **state)
{
    json_t *doc = json_loads(
        "{\"auth\": {\"type\": \"oauth2\", \"oauth2_token_url\": \"http://t/token\", "
        "\"oauth2_client_id\": \"c\", \"oauth2_client_secret\": \"s\", \"oauth2_scope\": "
        "\"read\"}, \"auth_secondary\": {\"type\": \"login\", \"login_url\": \"/login\", "
        "\"login_body\": \"{}\", \"login_token_pointer\": \"/token\"}}",
        0, NULL);
    struct scan_auth a, b, c;
    json_t *basic =
        json_loads("{\"type\": \"basic\", \"username\": \"u\", \"password\": \"p\"}", 0, NULL);
    (void)state;

    auth_from_json(json_object_get(doc, "auth"), &a);
    auth_from_json(json_object_get(doc, "auth_secondary"), &b);
    auth_from_json(basic, &c);
    assert_int_equal(a.type, SCAN_AUTH_OAUTH2);
    assert_string_equal(a.oauth2_token_url, "http://t/token");
    assert_string_equal(a.oauth2_client_secret, "s");
    assert_string_equal(a.oauth2_scope, "read");
    assert_int_equal(b.type, SCAN_AUTH_LOGIN);
    assert_string_equal(b.login_url, "/login");
    assert_string_equal(b.login_token_pointer, "/token");
    assert_int_equal(c.type, SCAN_AUTH_BASIC);
    assert_string_equal(c.password, "p");
    wipe_json(doc);
    assert_int_equal(
        json_string_value(json_object_get(json_object_get(doc, "auth"), "oauth2_client_secret"))[0],
        '\0');
    json_decref(doc);
    json_decref(basic);
}

static void
org_allow_list_adds_to_the_servers(void **state)
{
    struct scan_policy server = {0}, out;
    struct err err = {0};
    char text[256];
    (void)state;

    assert_int_equal(scan_policy_parse(&server, "192.0.2.0/24", "VIGIL_SCAN_ALLOW", &err), 0);
    assert_int_equal(jobs_org_policy(&server, "127.0.0.1/32,10.0.0.0/8", &out, &err), 0);
    scan_policy_format(&out, text, sizeof(text));
    assert_string_equal(text, "192.0.2.0/24,127.0.0.1/32,10.0.0.0/8");
    assert_int_equal(jobs_org_policy(&server, "", &out, &err), 0);
    assert_int_equal(out.n_allow, 1);
    assert_int_equal(jobs_org_policy(NULL, "nope", &out, &err), -1);
    assert_string_equal(err.fields[0].field, "allow");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_option_reaches_the_engine),
        cmocka_unit_test(absent_options_keep_the_engine_defaults_and_fail_on_high),
        cmocka_unit_test(credentials_map_onto_the_engines_identities),
        cmocka_unit_test(org_allow_list_adds_to_the_servers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
