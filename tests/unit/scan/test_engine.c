/* SPDX-License-Identifier: MIT */
/* Engine tests against a real libmicrohttpd server on 127.0.0.1: create-then-use sequences,
 * the limits (concurrency, rate, max_requests, body cap, timeout, budget, cancel, exclusions),
 * identities (bearer, header, basic, OAuth2 client credentials, login) and masking, findings
 * (defaults, dedupe, sort), probe variants and the out-of-band listener. Checks here are small
 * test tables driven through scan_run_checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "core/arena.h"
#include "core/str.h"
#include "scan/scan_int.h"

#include "scan_test_server.h"

static struct test_server server;

/* ---- a hand-built spec ------------------------------------------------------------------------
 */

struct test_spec {
    struct spec spec;
    struct spec_operation ops[8];
    struct spec_param params[8][4];
    json_t *owned[32];
    size_t n_owned;
};

static json_t *
own(struct test_spec *t, json_t *v)
{
    t->owned[t->n_owned++] = v;
    return v;
}

static struct spec_operation *
add_op(struct test_spec *t, const char *method, const char *path)
{
    struct spec_operation *op = &t->ops[t->spec.n_ops];

    memset(op, 0, sizeof(*op));
    op->method = method;
    op->path = path;
    if (strstr(path, "{id}")) {
        struct spec_param *p = &t->params[t->spec.n_ops][0];

        p->name = "id";
        p->in = SPEC_IN_PATH;
        p->required = true;
        p->schema = own(t, json_pack("{s:s}", "type", "integer"));
        op->params = p;
        op->n_params = 1;
    }
    t->spec.n_ops++;
    t->spec.ops = t->ops;
    return op;
}

static void
spec_cleanup(struct test_spec *t)
{
    for (size_t i = 0; i < t->n_owned; i++)
        json_decref(t->owned[i]);
    t->n_owned = 0;
}

static void
users_spec(struct test_spec *t)
{
    struct spec_operation *post;

    memset(t, 0, sizeof(*t));
    t->spec.major = 3;
    t->spec.base_path = "";
    post = add_op(t, "POST", "/users");
    post->body_content_type = "application/json";
    post->body_schema =
        own(t, json_pack("{s:s,s:{s:{s:s},s:{s:s,s:s},s:{s:s,s:b}}}", "type", "object",
                         "properties", "name", "type", "string", "email", "type", "string",
                         "format", "email", "id", "type", "integer", "readOnly", 1));
    add_op(t, "GET", "/users/{id}");
    add_op(t, "DELETE", "/users/{id}");
}

static struct scan_options
options(const struct spec *spec)
{
    struct scan_options o = {0};

    o.target = server.base;
    o.spec = spec;
    o.concurrency = 4;
    o.timeout_ms = 5000;
    return o;
}

/* ---- test checks ----------------------------------------------------------------------------- */

static struct {
    char get_url[512];
    bool get_created;
    long get_status;
    bool delete_seen;
    bool delete_created;
    long delete_status;
    int callbacks;
    int refused;
    int transport_errors;
    long status;
    bool truncated;
    size_t body_len;
    char error[256];
    char body[1024];
    bool oob_hit;
    bool oob_other_hit;
    int n_probes;
    const char *path;
    bool scan_called;
    bool finish_called;
} seen;

static void
record_ops(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    (void)scan;
    (void)check;
    if (str_eq(op->endpoint, "GET /users/{id}")) {
        str_copy(seen.get_url, op->baseline.url, sizeof(seen.get_url));
        seen.get_created = op->created_resource;
        seen.get_status = op->baseline_status;
    } else if (str_eq(op->endpoint, "DELETE /users/{id}")) {
        seen.delete_seen = true;
        seen.delete_created = op->created_resource;
        seen.delete_status = op->baseline_status;
    }
}

static const struct scan_check recorder = {
    .id = "recorder", .title = "Records operations", .on_operation = record_ops};

static void
count_done(struct scan *scan, const struct probe *p, const struct probe_response *r, void *ud)
{
    (void)scan;
    (void)p;
    (void)ud;
    seen.callbacks++;
    seen.status = r->status;
    seen.truncated = r->truncated;
    seen.body_len = r->body_len;
    if (r->status == 0) {
        seen.transport_errors++;
        str_copy(seen.error, r->error ? r->error : "", sizeof(seen.error));
    } else {
        str_copy(seen.body, r->body, sizeof(seen.body));
    }
}

static void
burst(struct scan *scan, const struct scan_check *check)
{
    (void)check;
    for (int i = 0; i < seen.n_probes; i++) {
        struct probe p = {.method = "GET", .url = scan_url(scan, seen.path)};

        if (scan_send(scan, &p, count_done, NULL) != 0)
            seen.refused++;
    }
}

static const struct scan_check burster = {.id = "burst", .title = "Burst", .on_scan = burst};

static int
setup(void **state)
{
    (void)state;
    memset(&seen, 0, sizeof(seen));
    return 0;
}

static int
run_with(const struct scan_options *o, const struct scan_check *check, struct scan_result *res,
         struct err *err)
{
    const struct scan_check *checks[1] = {check};

    return scan_run_checks(o, checks, 1, res, err);
}

/* An empty spec: the engine pings the target, then the burst check runs. */
static void
empty_spec(struct test_spec *t)
{
    memset(t, 0, sizeof(*t));
    t->spec.major = 3;
    t->spec.base_path = "";
}

/* ---- tests --------------------------------------------------------------------------------- */

static void
created_id_feeds_path_parameter_and_delete_gets_its_own(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};
    char want[128];
    int deletes_before = atomic_load(&server.deletes);

    (void)state;
    users_spec(&t);
    o = options(&t.spec);
    assert_int_equal(run_with(&o, &recorder, &res, &err), 0);
    /* POST /users answered {"data":{"id":N}}: GET /users/{id} uses N, a resource we made. */
    assert_true(seen.get_created);
    assert_int_equal(seen.get_status, 200);
    assert_non_null(strstr(seen.get_url, "/users/1"));
    snprintf(want, sizeof(want), "%s/users/", server.base);
    assert_true(str_has_prefix(seen.get_url, want));
    assert_int_not_equal(strcmp(seen.get_url + strlen(want), "1"), 0); /* not the listed one */
    /* DELETE came last, on a resource created for it, baseline not sent. */
    assert_true(seen.delete_seen);
    assert_true(seen.delete_created);
    assert_int_equal(seen.delete_status, 0);
    assert_int_equal(atomic_load(&server.deletes), deletes_before);
    assert_true(res.n_created_resources >= 2);
    assert_non_null(strstr(res.created_resources[0], "POST /users -> "));
    assert_int_equal(res.progress.endpoints_discovered, 3);
    assert_int_equal(res.progress.endpoints_tested, 3);
    assert_false(res.incomplete);
    scan_result_cleanup(&res);
    spec_cleanup(&t);
}

static void
delete_without_own_resource_is_skipped(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};

    (void)state;
    memset(&t, 0, sizeof(t));
    t.spec.base_path = "";
    add_op(&t, "DELETE", "/users/{id}");
    add_op(&t, "GET", "/users");
    o = options(&t.spec);
    assert_int_equal(run_with(&o, &recorder, &res, &err), 0);
    assert_false(seen.delete_seen);
    scan_result_cleanup(&res);
    memset(&seen, 0, sizeof(seen));
    o.allow_destructive = true;
    assert_int_equal(run_with(&o, &recorder, &res, &err), 0);
    assert_true(seen.delete_seen);
    assert_false(seen.delete_created);
    scan_result_cleanup(&res);
    spec_cleanup(&t);
}

static void
max_requests_is_never_exceeded(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};
    int before = atomic_load(&server.requests);

    (void)state;
    empty_spec(&t);
    o = options(&t.spec);
    o.max_requests = 20;
    seen.n_probes = 100;
    seen.path = "/ok";
    assert_int_equal(run_with(&o, &burster, &res, &err), 0);
    /* one ping + 19 probes */
    assert_int_equal(atomic_load(&server.requests) - before, 20);
    assert_int_equal(seen.callbacks, 19);
    assert_int_equal(seen.refused, 81);
    assert_true(res.incomplete);
    assert_non_null(strstr(res.stop_reason, "max_requests"));
    assert_int_equal(res.progress.requests_sent, 20);
    scan_result_cleanup(&res);
}

static void
concurrency_caps_requests_in_flight(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};

    (void)state;
    empty_spec(&t);
    o = options(&t.spec);
    o.concurrency = 3;
    seen.n_probes = 15;
    seen.path = "/fill";
    atomic_store(&server.max_inflight, 0);
    server.fill_target = 3;
    assert_int_equal(run_with(&o, &burster, &res, &err), 0);
    assert_int_equal(seen.callbacks, 15);
    /* /fill answers nothing until three requests are in flight at once: the cap is reached by
     * construction, and a fourth sent meanwhile would show here. */
    assert_int_equal(atomic_load(&server.max_inflight), 3);
    scan_result_cleanup(&res);
}

static void
rate_limit_paces_requests(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};
    int before = atomic_load(&server.requests);
    int arrived;
    double span;

    (void)state;
    empty_spec(&t);
    o = options(&t.spec);
    o.concurrency = 8;
    o.rate_limit = 20;
    seen.n_probes = 20;
    seen.path = "/ok";
    pthread_mutex_lock(&server.lock);
    server.first_arrival_ns = server.last_arrival_ns = 0;
    pthread_mutex_unlock(&server.lock);
    assert_int_equal(run_with(&o, &burster, &res, &err), 0);
    assert_int_equal(seen.callbacks, 20);
    /* Counted where the requests land: with a burst of 1 at 20/s, N requests cannot arrive
     * within less than (N - 1) / 20 s of each other. A loaded machine only widens the span, so
     * this lower bound holds however slow the host is; nothing bounds it from above. */
    arrived = atomic_load(&server.requests) - before;
    assert_true(arrived >= 20);
    pthread_mutex_lock(&server.lock);
    span = (double)(server.last_arrival_ns - server.first_arrival_ns) / 1e9;
    pthread_mutex_unlock(&server.lock);
    assert_true(span >= (double)(arrived - 1) / 20 * 0.9);
    scan_result_cleanup(&res);
}

static void
large_body_is_truncated_at_the_cap(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};

    (void)state;
    empty_spec(&t);
    o = options(&t.spec);
    o.max_response_bytes = 1000;
    seen.n_probes = 1;
    seen.path = "/big";
    assert_int_equal(run_with(&o, &burster, &res, &err), 0);
    assert_int_equal(seen.callbacks, 1);
    assert_int_equal(seen.status, 200);
    assert_true(seen.truncated);
    assert_int_equal(seen.body_len, 1000);
    scan_result_cleanup(&res);
}

static void
timeout_answers_with_a_transport_error(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};

    (void)state;
    empty_spec(&t);
    o = options(&t.spec);
    o.timeout_ms = 200;
    seen.n_probes = 2;
    seen.path = "/slow";
    /* /slow answers only when released, which happens after the scan: the 200 ms timeout must
     * be what ends both probes. */
    assert_int_equal(run_with(&o, &burster, &res, &err), 0);
    ts_release_slow(&server);
    assert_int_equal(seen.callbacks, 2);
    assert_int_equal(seen.transport_errors, 2);
    assert_int_equal(seen.status, 0);
    assert_true(strlen(seen.error) > 0);
    scan_result_cleanup(&res);
}

static void
budget_stops_the_scan_and_says_so(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};
    int before = atomic_load(&server.requests);

    (void)state;
    empty_spec(&t);
    o = options(&t.spec);
    o.budget_seconds = 1;
    o.concurrency = 2;
    seen.n_probes = 10;
    seen.path = "/slow";
    assert_int_equal(run_with(&o, &burster, &res, &err), 0);
    ts_release_slow(&server);
    /* Counted work, not elapsed time: /slow answers only when released after the scan, so no
     * slot frees before the 1 s budget ends, and besides the reachability probe (an empty spec has
     * nothing else to send first) only the first two probes (the concurrency) ever reach the
     * server. */
    assert_true(atomic_load(&server.requests) - before <= 1 + 2);
    assert_int_equal(seen.callbacks, 10); /* every accepted probe answered once */
    assert_true(res.incomplete);
    assert_non_null(strstr(res.stop_reason, "budget"));
    scan_result_cleanup(&res);
}

static void
unreachable_target_is_service_unavailable(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};

    (void)state;
    users_spec(&t);
    o = options(&t.spec);
    o.target = "http://127.0.0.1:1";
    assert_int_equal(run_with(&o, &recorder, &res, &err), -1);
    assert_int_equal(err.code, ERR_SERVICE_UNAVAILABLE);
    assert_non_null(strstr(err.detail, "cannot reach http://127.0.0.1:1"));
    assert_null(res.arena);
    spec_cleanup(&t);
}

static void
bad_options_are_validation_errors(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};

    (void)state;
    empty_spec(&t);
    o = options(&t.spec);
    o.target = "ftp://127.0.0.1";
    assert_int_equal(run_with(&o, &recorder, &res, &err), -1);
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    assert_string_equal(err.fields[0].field, "url");
}

static void
excluded_paths_are_neither_planned_nor_sent(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};
    const char *globs[] = {"/users/*"};

    (void)state;
    users_spec(&t);
    o = options(&t.spec);
    o.exclude = globs;
    o.n_exclude = 1;
    assert_int_equal(run_with(&o, &recorder, &res, &err), 0);
    assert_int_equal(res.progress.endpoints_discovered, 1);
    assert_int_equal(seen.get_url[0], '\0');
    scan_result_cleanup(&res);
    spec_cleanup(&t);

    memset(&seen, 0, sizeof(seen));
    empty_spec(&t);
    o = options(&t.spec);
    o.exclude = globs;
    o.n_exclude = 1;
    seen.n_probes = 3;
    seen.path = "/users/5";
    assert_int_equal(run_with(&o, &burster, &res, &err), 0);
    assert_int_equal(seen.refused, 3);
    scan_result_cleanup(&res);
}

/* ---- identities ------------------------------------------------------------------------------ */

static void
echo_as_a(struct scan *scan, const struct scan_check *check)
{
    struct probe p = {.method = "GET", .url = scan_url(scan, "/auth-echo"), .identity = SCAN_ID_A};
    struct finding f = {.title = "Echo", .severity = SEVERITY_LOW};

    (void)check;
    (void)f;
    scan_send(scan, &p, count_done, NULL);
}

static void
report_echo(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    (void)scan;
    (void)check;
    (void)op;
}

static void
echo_finish(struct scan *scan, const struct scan_check *check)
{
    struct probe p = {.method = "GET", .url = scan_url(scan, "/auth-echo"), .identity = SCAN_ID_A};
    struct probe_response r = {.status = 200,
                               .headers =
                                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n",
                               .body = seen.body,
                               .body_len = strlen(seen.body)};
    struct finding f = {.title = "Echo", .severity = SEVERITY_LOW};

    scan_report(scan, check, NULL, &f, &p, &r);
}

static const struct scan_check echo_check = {.id = "echo",
                                             .title = "Echo",
                                             .owasp = "API8:2023",
                                             .cwe = "CWE-200",
                                             .references =
                                                 "https://a.example/1 https://b.example/2",
                                             .on_operation = report_echo,
                                             .on_scan = echo_as_a,
                                             .on_finish = echo_finish};

static void
assert_identity(struct scan_auth auth, const char *want_header, const char *secret)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};

    memset(&seen, 0, sizeof(seen));
    empty_spec(&t);
    o = options(&t.spec);
    o.auth = auth;
    if (run_with(&o, &echo_check, &res, &err) != 0)
        fail_msg("scan failed: %s", err.detail);
    assert_non_null(strstr(seen.body, want_header));
    assert_int_equal(res.n_findings, 1);
    /* The secret went out on the wire but never into the evidence. */
    assert_null(strstr(res.findings[0].evidence.request, secret));
    assert_null(strstr(res.findings[0].evidence.response, secret));
    assert_non_null(strstr(res.findings[0].evidence.request, "GET /auth-echo HTTP/1.1"));
    assert_non_null(strstr(res.findings[0].evidence.request, "****"));
    scan_result_cleanup(&res);
}

static void
identities_are_sent_and_masked(void **state)
{
    (void)state;
    assert_identity((struct scan_auth){.type = SCAN_AUTH_BEARER, .token = "tok-0123456789abcdef"},
                    "Bearer tok-0123456789abcdef", "tok-0123456789abcdef");
    assert_identity(
        (struct scan_auth){.type = SCAN_AUTH_BASIC, .username = "alice", .password = "pw-secret-1"},
        "Basic YWxpY2U6cHctc2VjcmV0LTE=", "YWxpY2U6cHctc2VjcmV0LTE=");
    assert_identity((struct scan_auth){.type = SCAN_AUTH_HEADER,
                                       .header_name = "X-API-Key",
                                       .header_value = "vgl_live_abcdefghijklmnop"},
                    "vgl_live_abcdefghijklmnop", "vgl_live_abcdefghijklmnop");
    assert_identity((struct scan_auth){.type = SCAN_AUTH_LOGIN,
                                       .login_url = "/login",
                                       .login_body = "{\"username\":\"alice\"}",
                                       .login_token_pointer = "/data/token"},
                    "Bearer login-token-abcdefghijklmnop", "login-token-abcdefghijklmnop");
}

static void
oauth2_token_by_post_or_basic(void **state)
{
    char url[128];

    (void)state;
    snprintf(url, sizeof(url), "%s/oauth/token", server.base);
    assert_identity((struct scan_auth){.type = SCAN_AUTH_OAUTH2,
                                       .oauth2_token_url = url,
                                       .oauth2_client_id = "cid",
                                       .oauth2_client_secret = "s&cret"},
                    "Bearer oauth-token-0123456789abcdef", "oauth-token-0123456789abcdef");
    /* A server that only takes HTTP Basic client authentication gets it on the second try. */
    snprintf(url, sizeof(url), "%s/oauth/basic", server.base);
    assert_identity((struct scan_auth){.type = SCAN_AUTH_OAUTH2,
                                       .oauth2_token_url = url,
                                       .oauth2_client_id = "cid",
                                       .oauth2_client_secret = "s&cret"},
                    "Bearer basic-token-0123456789abcdef", "basic-token-0123456789abcdef");
}

static void
rejected_login_fails_the_scan(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};

    (void)state;
    empty_spec(&t);
    o = options(&t.spec);
    o.auth = (struct scan_auth){.type = SCAN_AUTH_LOGIN,
                                .login_url = "/login",
                                .login_body = "{\"username\":\"mallory\"}",
                                .login_token_pointer = "/data/token"};
    assert_int_equal(run_with(&o, &echo_check, &res, &err), -1);
    assert_int_equal(err.code, ERR_UNAUTHORIZED);
    assert_non_null(strstr(err.detail, "HTTP 401"));
}

/* ---- findings ------------------------------------------------------------------------------- */

static void
report_three(struct scan *scan, const struct scan_check *check)
{
    struct finding low = {.title = "Low one", .severity = SEVERITY_LOW, .endpoint = "GET /a"};
    struct finding high = {.title = "High one",
                           .severity = SEVERITY_HIGH,
                           .endpoint = "GET /b",
                           .confidence = CONFIDENCE_HIGH};

    scan_report(scan, check, NULL, &low, NULL, NULL);
    scan_report(scan, check, NULL, &high, NULL, NULL);
    scan_report(scan, check, NULL, &low, NULL, NULL); /* same fingerprint: dropped */
}

static const struct scan_check three = {.id = "three",
                                        .title = "Three",
                                        .owasp = "API1:2023",
                                        .cwe = "CWE-639",
                                        .remediation = "Fix it.",
                                        .on_scan = report_three};

static void
findings_are_completed_deduplicated_and_sorted(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res, again;
    struct err err = {0};

    (void)state;
    empty_spec(&t);
    o = options(&t.spec);
    assert_int_equal(run_with(&o, &three, &res, &err), 0);
    assert_int_equal(res.n_findings, 2);
    assert_string_equal(res.findings[0].title, "High one");
    assert_string_equal(res.findings[1].title, "Low one");
    assert_string_equal(res.findings[0].check_id, "three");
    assert_string_equal(res.findings[0].cwe, "CWE-639");
    assert_string_equal(res.findings[0].owasp, "API1:2023");
    assert_string_equal(res.findings[0].remediation, "Fix it.");
    assert_true(res.findings[0].risk_score > res.findings[1].risk_score);
    assert_true(str_has_prefix(res.findings[0].id, "find_"));
    assert_int_equal(strlen(res.findings[0].fingerprint), 32);
    assert_true(res.findings[0].cvss_score < 0);
    assert_int_equal(res.n_checks_run, 1);
    assert_string_equal(res.checks_run[0], "three");
    /* Fingerprints are stable across runs. */
    assert_int_equal(run_with(&o, &three, &again, &err), 0);
    assert_string_equal(res.findings[0].fingerprint, again.findings[0].fingerprint);
    assert_string_not_equal(res.findings[0].id, again.findings[0].id);
    scan_result_cleanup(&res);
    scan_result_cleanup(&again);
}

/* ---- probe variants and helpers ----------------------------------------------------------- */

static struct {
    char query[512];
    char path[512];
    char body[512];
    char header[512];
    int missing;
    char location[128];
    bool json_ok;
} variants;

static void
variant_op(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    struct probe p;

    (void)check;
    if (str_eq(op->endpoint, "GET /users/{id}")) {
        assert_int_equal(scan_probe_variant(scan, op, SCAN_ID_B, PROBE_IN_PATH, "id", "../x y", &p),
                         0);
        str_copy(variants.path, p.url, sizeof(variants.path));
        assert_int_equal(p.identity, SCAN_ID_B);
        if (scan_probe_variant(scan, op, SCAN_ID_A, PROBE_IN_QUERY, "nope", "1", &p) != 0)
            variants.missing++;
        variants.json_ok = op->baseline_json && json_is_object(op->baseline_json);
    }
    if (str_eq(op->endpoint, "POST /users")) {
        assert_int_equal(
            scan_probe_variant(scan, op, SCAN_ID_A, PROBE_IN_BODY, "role", "\"admin\"", &p), 0);
        str_copy(variants.body, p.body, sizeof(variants.body));
        if (scan_probe_variant(scan, op, SCAN_ID_A, PROBE_IN_PATH, "id", "1", &p) != 0)
            variants.missing++;
    }
}

static const struct scan_check variant_check = {
    .id = "variant", .title = "Variants", .on_operation = variant_op};

static void
probe_variants_replace_one_parameter(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};
    json_t *body;

    (void)state;
    memset(&variants, 0, sizeof(variants));
    users_spec(&t);
    o = options(&t.spec);
    assert_int_equal(run_with(&o, &variant_check, &res, &err), 0);
    assert_non_null(strstr(variants.path, "/users/../x%20y"));
    assert_int_equal(variants.missing, 2);
    assert_true(variants.json_ok);
    body = json_loads(variants.body, 0, NULL);
    assert_non_null(body);
    assert_string_equal(json_string_value(json_object_get(body, "role")), "admin");
    assert_non_null(strstr(json_string_value(json_object_get(body, "email")), "@example.com"));
    assert_null(json_object_get(body, "id")); /* readOnly stays out */
    json_decref(body);
    scan_result_cleanup(&res);
    spec_cleanup(&t);
}

static void
header_lookup_is_case_insensitive(void **state)
{
    struct scan scan = {0};
    struct probe_response r = {.status = 200,
                               .headers = "HTTP/1.1 200 OK\r\nContent-Type:  text/plain \r\n"
                                          "X-Thing: a\r\nx-thing: b\r\n\r\n",
                               .body = "{\"a\":1}",
                               .body_len = 7};
    json_t *j;

    (void)state;
    scan.arena = arena_new();
    assert_string_equal(probe_header_get(&scan, &r, "content-type"), "text/plain");
    assert_string_equal(probe_header_get(&scan, &r, "X-THING"), "a");
    assert_null(probe_header_get(&scan, &r, "Content"));
    j = probe_json(&scan, &r);
    assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
    r.body = "not json";
    r.body_len = 8;
    assert_null(probe_json(&scan, &r));
    for (size_t i = 0; i < scan.n_json_refs; i++)
        json_decref(scan.json_refs[i]);
    free(scan.json_refs);
    arena_free(scan.arena);
}

static void
schema_values_respect_formats_and_bounds(void **state)
{
    struct scan scan = {0};
    json_t *schema =
        json_loads("{\"type\":\"object\",\"properties\":{"
                   "\"u\":{\"type\":\"string\",\"format\":\"uuid\"},"
                   "\"d\":{\"type\":\"string\",\"format\":\"date-time\"},"
                   "\"n\":{\"type\":\"integer\",\"minimum\":10,\"maximum\":20},"
                   "\"x\":{\"type\":\"integer\",\"exclusiveMaximum\":0},"
                   "\"s\":{\"type\":\"string\",\"minLength\":20,\"maxLength\":25},"
                   "\"short\":{\"type\":\"string\",\"maxLength\":3},"
                   "\"p\":{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}-\\\\d{4}$\"},"
                   "\"e\":{\"type\":\"string\",\"enum\":[\"red\",\"blue\"]},"
                   "\"ex\":{\"type\":\"string\",\"example\":\"given\"},"
                   "\"arr\":{\"type\":\"array\",\"minItems\":2,\"items\":{\"type\":\"boolean\"}},"
                   "\"all\":{\"allOf\":[{\"properties\":{\"a\":{\"type\":\"integer\"}}},"
                   "{\"properties\":{\"b\":{\"type\":\"string\",\"format\":\"email\"}}}]}}}",
                   0, NULL);
    json_t *v;
    const char *s;

    (void)state;
    assert_non_null(schema);
    scan.arena = arena_new();
    v = scan_plan_value(&scan, schema, 0);
    s = json_string_value(json_object_get(v, "u"));
    assert_int_equal(strlen(s), 36);
    assert_int_equal(s[14], '4');
    assert_string_equal(json_string_value(json_object_get(v, "d")), "2026-01-15T10:30:00Z");
    assert_int_equal(json_integer_value(json_object_get(v, "n")), 10);
    assert_int_equal(json_integer_value(json_object_get(v, "x")), -1);
    s = json_string_value(json_object_get(v, "s"));
    assert_true(strlen(s) >= 20 && strlen(s) <= 25);
    assert_int_equal(strlen(json_string_value(json_object_get(v, "short"))), 3);
    s = json_string_value(json_object_get(v, "p"));
    assert_int_equal(strlen(s), 8);
    assert_true(s[0] >= 'A' && s[0] <= 'Z' && s[3] == '-' && s[4] >= '0' && s[4] <= '9');
    assert_string_equal(json_string_value(json_object_get(v, "e")), "red");
    assert_string_equal(json_string_value(json_object_get(v, "ex")), "given");
    assert_int_equal(json_array_size(json_object_get(v, "arr")), 2);
    assert_true(json_is_integer(json_object_get(json_object_get(v, "all"), "a")));
    assert_non_null(
        strchr(json_string_value(json_object_get(json_object_get(v, "all"), "b")), '@'));
    json_decref(v);
    json_decref(schema);
    arena_free(scan.arena);
}

/* Generation stays small and safe on hostile schemas: odd patterns, huge bounds, width^depth. */
static void
schema_values_survive_hostile_schemas(void **state)
{
    static const char *const patterns[] = {
        "^[",     "\\",       "[a-", "{",       "a{99999999999}", "(a|b)+", "[^x]",
        "a{3,1}", "[z-a]{2}", "^$",  "\\d{2,}", "x{,5}",          "[\\]]"};
    struct scan scan = {0};
    json_t *wide = json_object();
    json_t *props = json_object();
    json_t *v;
    char *dump;

    (void)state;
    scan.arena = arena_new();
    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        json_t *schema = json_pack("{s:s,s:s}", "type", "string", "pattern", patterns[i]);

        v = scan_plan_value(&scan, schema, 0);
        assert_true(json_is_string(v));
        assert_true(json_string_length(v) <= 256);
        json_decref(v);
        json_decref(schema);
    }
    /* 40 properties, each the same object again, 6 levels: 40^6 nodes if unbounded. */
    for (int i = 0; i < 40; i++) {
        char name[16];

        snprintf(name, sizeof(name), "p%d", i);
        json_object_set(props, name, wide);
    }
    json_object_set_new(wide, "type", json_string("object"));
    json_object_set_new(wide, "properties", props);
    v = scan_plan_value(&scan, wide, 0);
    dump = json_dumps(v, JSON_COMPACT);
    assert_true(strlen(dump) < 200000);
    free(dump);
    json_decref(v);
    json_object_clear(props); /* break the cycle */
    json_decref(wide);
    arena_free(scan.arena);
}

static void
masking_hides_secrets_and_jwt_signatures(void **state)
{
    struct scan scan = {0};
    char *out;

    (void)state;
    scan.arena = arena_new();
    scan_add_secret(&scan, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNlY3JldC14eXo");
    scan_add_secret(&scan, "pw1234");
    scan_add_secret(&scan, "abc"); /* too short to matter: ignored */
    out =
        scan_mask(&scan, "Authorization: Bearer "
                         "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNlY3JldC14eXo\r\n"
                         "forged: eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNlY3JldC14eXo "
                         "password=pw1234&x=abc");
    assert_null(strstr(out, "c2lnbmF0dXJlLXNlY3JldC14eXo"));
    assert_null(strstr(out, "pw1234"));
    assert_non_null(strstr(out, "Bearer eyJh****"));
    assert_non_null(strstr(out, "forged: eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.c2ln****"));
    assert_non_null(strstr(out, "password=****&x=abc"));
    free(scan.secrets);
    arena_free(scan.arena);
}

/* ---- out of band ----------------------------------------------------------------------------- */

static void
oob_scan(struct scan *scan, const struct scan_check *check)
{
    struct probe p = {.method = "GET"};

    (void)check;
    /* Play the vulnerable target: fetch the URL we were handed. */
    p.url = scan_oob_url(scan, "fetched");
    assert_non_null(p.url);
    assert_true(str_has_prefix(p.url, "http://127.0.0.1:"));
    assert_non_null(scan_oob_url(scan, "never"));
    assert_int_equal(scan_send(scan, &p, count_done, NULL), 0);
}

static void
oob_finish(struct scan *scan, const struct scan_check *check)
{
    (void)check;
    seen.oob_hit = scan_oob_hit(scan, "fetched");
    seen.oob_other_hit = scan_oob_hit(scan, "never");
    seen.finish_called = true;
}

static const struct scan_check oob_check = {
    .id = "oob", .title = "OOB", .on_scan = oob_scan, .on_finish = oob_finish};

static void
oob_listener_records_hits_per_tag(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};

    (void)state;
    empty_spec(&t);
    o = options(&t.spec);
    assert_int_equal(run_with(&o, &oob_check, &res, &err), 0);
    assert_true(seen.finish_called);
    assert_true(seen.oob_hit);
    assert_false(seen.oob_other_hit);
    scan_result_cleanup(&res);
}

/* ---- planning: links, names, parameter kinds, forms ------------------------------------ */

static struct {
    char link_url[512];
    bool link_created;
    char name_url[512];
    char params_url[512];
    char header[128];
    char cookie[128];
    char form_body[256];
    char form_type[128];
} plan_seen;

static void
plan_record(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    (void)scan;
    (void)check;
    if (str_eq(op->path, "/accounts/{uid}")) {
        str_copy(plan_seen.link_url, op->baseline.url, sizeof(plan_seen.link_url));
        plan_seen.link_created = op->created_resource;
    } else if (str_eq(op->path, "/things/{userId}")) {
        str_copy(plan_seen.name_url, op->baseline.url, sizeof(plan_seen.name_url));
    } else if (str_eq(op->path, "/params")) {
        str_copy(plan_seen.params_url, op->baseline.url, sizeof(plan_seen.params_url));
        for (size_t i = 0; i < op->baseline.n_headers; i++) {
            if (str_eq(op->baseline.headers[i].name, "X-Trace"))
                str_copy(plan_seen.header, op->baseline.headers[i].value, sizeof(plan_seen.header));
            if (str_eq(op->baseline.headers[i].name, "Cookie"))
                str_copy(plan_seen.cookie, op->baseline.headers[i].value, sizeof(plan_seen.cookie));
        }
    } else if (str_eq(op->path, "/forms")) {
        str_copy(plan_seen.form_body, op->baseline.body, sizeof(plan_seen.form_body));
        for (size_t i = 0; i < op->baseline.n_headers; i++) {
            if (str_eq(op->baseline.headers[i].name, "Content-Type"))
                str_copy(plan_seen.form_type, op->baseline.headers[i].value,
                         sizeof(plan_seen.form_type));
        }
    }
}

static const struct scan_check plan_recorder = {
    .id = "plan", .title = "Plan recorder", .on_operation = plan_record};

static void
set_param(struct test_spec *t, size_t op, size_t k, const char *name, enum spec_param_in in,
          const char *schema)
{
    struct spec_param *p = &t->params[op][k];

    p->name = name;
    p->in = in;
    p->required = true;
    p->schema = own(t, json_loads(schema, 0, NULL));
    t->ops[op].params = t->params[op];
    t->ops[op].n_params = k + 1;
}

static void
planner_follows_links_names_and_parameter_kinds(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};
    struct spec_operation *op;
    const char *id;

    (void)state;
    memset(&plan_seen, 0, sizeof(plan_seen));
    memset(&t, 0, sizeof(t));
    t.spec.base_path = "";
    op = add_op(&t, "POST", "/users");
    op->body_content_type = "application/json";
    op->body_schema = own(&t, json_loads("{\"type\":\"object\"}", 0, NULL));
    op->links = own(&t, json_loads("{\"GetAccount\":{\"operationId\":\"getAccount\","
                                   "\"parameters\":{\"uid\":\"$response.body#/data/id\"}}}",
                                   0, NULL));
    op = add_op(&t, "GET", "/accounts/{uid}");
    op->operation_id = "getAccount";
    set_param(&t, 1, 0, "uid", SPEC_IN_PATH, "{\"type\":\"string\"}");
    add_op(&t, "GET", "/things/{userId}");
    set_param(&t, 2, 0, "userId", SPEC_IN_PATH, "{\"type\":\"integer\"}");
    add_op(&t, "GET", "/params");
    set_param(&t, 3, 0, "q", SPEC_IN_QUERY, "{\"type\":\"string\",\"enum\":[\"a b&c\"]}");
    set_param(&t, 3, 1, "X-Trace", SPEC_IN_HEADER, "{\"type\":\"string\",\"example\":\"t1\"}");
    set_param(&t, 3, 2, "sess", SPEC_IN_COOKIE, "{\"type\":\"string\",\"default\":\"s 1\"}");
    op = add_op(&t, "POST", "/forms");
    op->body_content_type = "application/x-www-form-urlencoded";
    op->body_schema = own(&t, json_loads("{\"type\":\"object\",\"properties\":{\"name\":"
                                         "{\"type\":\"string\",\"example\":\"a&b\"}}}",
                                         0, NULL));
    o = options(&t.spec);
    assert_int_equal(run_with(&o, &plan_recorder, &res, &err), 0);
    /* The link fed the id of the created user into getAccount's {uid}. */
    id = strrchr(plan_seen.link_url, '/') + 1;
    assert_true(strtol(id, NULL, 10) >= 100);
    assert_true(plan_seen.link_created);
    /* {userId} took the id of users by name. */
    assert_string_equal(strrchr(plan_seen.name_url, '/') + 1, id);
    assert_non_null(strstr(plan_seen.params_url, "/params?q=a%20b%26c"));
    assert_string_equal(plan_seen.header, "t1");
    assert_string_equal(plan_seen.cookie, "sess=s%201");
    assert_string_equal(plan_seen.form_body, "name=a%26b");
    assert_string_equal(plan_seen.form_type, "application/x-www-form-urlencoded");
    scan_result_cleanup(&res);
    spec_cleanup(&t);
}

/* ---- creators in dependency order ---------------------------------------------------------- */

static struct {
    long status;
    char body[512];
} project_seen;

static void
project_record(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    (void)scan;
    (void)check;
    if (str_eq(op->endpoint, "POST /projects")) {
        project_seen.status = op->baseline_status;
        str_copy(project_seen.body, op->baseline.body, sizeof(project_seen.body));
    }
}

static const struct scan_check project_recorder = {
    .id = "projects", .title = "Projects", .on_operation = project_record};

static void
creators_run_in_dependency_order_and_fill_references(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};
    struct spec_operation *op;
    json_t *body;

    (void)state;
    memset(&project_seen, 0, sizeof(project_seen));
    memset(&t, 0, sizeof(t));
    t.spec.base_path = "";
    /* Listed first, but it needs a user: it must run after POST /users. */
    op = add_op(&t, "POST", "/projects");
    op->body_content_type = "application/json";
    op->body_schema = own(&t, json_loads("{\"type\":\"object\",\"required\":[\"name\",\"user_id\"],"
                                         "\"properties\":{\"name\":{\"type\":\"string\"},"
                                         "\"user_id\":{\"type\":\"integer\"},"
                                         "\"owner_id\":{\"type\":\"string\"},"
                                         "\"status\":{\"type\":\"string\"},"
                                         "\"priority\":{\"type\":\"integer\",\"minimum\":3}}}",
                                         0, NULL));
    op = add_op(&t, "POST", "/users");
    op->body_content_type = "application/json";
    op->body_schema = own(&t, json_loads("{\"type\":\"object\"}", 0, NULL));
    o = options(&t.spec);
    assert_int_equal(run_with(&o, &project_recorder, &res, &err), 0);
    assert_int_equal(project_seen.status, 201);
    body = json_loads(project_seen.body, 0, NULL);
    assert_non_null(body);
    assert_true(json_integer_value(json_object_get(body, "user_id")) >= 100);
    assert_int_equal(json_integer_value(json_object_get(body, "priority")), 3);
    assert_null(json_object_get(body, "status"));   /* optional free string: left out */
    assert_null(json_object_get(body, "owner_id")); /* optional reference: left out */
    json_decref(body);
    scan_result_cleanup(&res);
    spec_cleanup(&t);
}

/* ---- many queued probes ------------------------------------------------------------------ */

static size_t most_handles;

static void
handles_done(struct scan *scan, const struct probe *p, const struct probe_response *r, void *ud)
{
    size_t handles = scan->n_easy_live;

    count_done(scan, p, r, ud);
    if (handles > most_handles)
        most_handles = handles;
}

static void
queue_many(struct scan *scan, const struct scan_check *check)
{
    (void)check;
    for (int i = 0; i < 2000; i++) {
        struct probe p = {.method = "GET", .url = scan_url(scan, "/ok")};

        if (scan_send(scan, &p, handles_done, NULL) != 0)
            seen.refused++;
    }
}

static const struct scan_check many = {.id = "many", .title = "Many", .on_scan = queue_many};

static void
queued_probes_do_not_hold_easy_handles(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};

    (void)state;
    empty_spec(&t);
    o = options(&t.spec);
    o.concurrency = 4;
    most_handles = 0;
    assert_int_equal(run_with(&o, &many, &res, &err), 0);
    assert_int_equal(seen.callbacks, 2000);
    assert_int_equal(seen.refused, 0);
    assert_int_equal(seen.transport_errors, 0);
    assert_true(most_handles <= 4 + 4);
    scan_result_cleanup(&res);
}

/* ---- cancel --------------------------------------------------------------------------------- */

static volatile int cancel_flag;

static void
cancel_done(struct scan *scan, const struct probe *p, const struct probe_response *r, void *ud)
{
    count_done(scan, p, r, ud);
    cancel_flag = 1; /* the first answer cancels the scan */
}

static void
cancel_burst(struct scan *scan, const struct scan_check *check)
{
    (void)check;
    for (int i = 0; i < 50; i++) {
        struct probe p = {.method = "GET", .url = scan_url(scan, "/tick")};

        if (scan_send(scan, &p, cancel_done, NULL) != 0)
            seen.refused++;
    }
}

static const struct scan_check canceller = {
    .id = "cancel", .title = "Cancel", .on_scan = cancel_burst};

static void
cancel_stops_soon_and_answers_every_probe(void **state)
{
    struct test_spec t;
    struct scan_options o;
    struct scan_result res;
    struct err err = {0};
    int before = atomic_load(&server.requests);

    (void)state;
    empty_spec(&t);
    o = options(&t.spec);
    o.concurrency = 2;
    cancel_flag = 0;
    o.cancel = &cancel_flag;
    assert_int_equal(run_with(&o, &canceller, &res, &err), 0);
    assert_int_equal(seen.callbacks, 50);
    assert_true(seen.transport_errors >= 45);
    assert_true(atomic_load(&server.requests) - before < 10);
    assert_true(res.incomplete);
    assert_string_equal(res.stop_reason, "cancelled");
    scan_result_cleanup(&res);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(created_id_feeds_path_parameter_and_delete_gets_its_own, setup),
        cmocka_unit_test_setup(delete_without_own_resource_is_skipped, setup),
        cmocka_unit_test_setup(max_requests_is_never_exceeded, setup),
        cmocka_unit_test_setup(concurrency_caps_requests_in_flight, setup),
        cmocka_unit_test_setup(rate_limit_paces_requests, setup),
        cmocka_unit_test_setup(large_body_is_truncated_at_the_cap, setup),
        cmocka_unit_test_setup(timeout_answers_with_a_transport_error, setup),
        cmocka_unit_test_setup(budget_stops_the_scan_and_says_so, setup),
        cmocka_unit_test_setup(unreachable_target_is_service_unavailable, setup),
        cmocka_unit_test_setup(bad_options_are_validation_errors, setup),
        cmocka_unit_test_setup(excluded_paths_are_neither_planned_nor_sent, setup),
        cmocka_unit_test_setup(identities_are_sent_and_masked, setup),
        cmocka_unit_test_setup(oauth2_token_by_post_or_basic, setup),
        cmocka_unit_test_setup(rejected_login_fails_the_scan, setup),
        cmocka_unit_test_setup(findings_are_completed_deduplicated_and_sorted, setup),
        cmocka_unit_test_setup(probe_variants_replace_one_parameter, setup),
        cmocka_unit_test_setup(header_lookup_is_case_insensitive, setup),
        cmocka_unit_test_setup(schema_values_respect_formats_and_bounds, setup),
        cmocka_unit_test_setup(schema_values_survive_hostile_schemas, setup),
        cmocka_unit_test_setup(masking_hides_secrets_and_jwt_signatures, setup),
        cmocka_unit_test_setup(oob_listener_records_hits_per_tag, setup),
        cmocka_unit_test_setup(planner_follows_links_names_and_parameter_kinds, setup),
        cmocka_unit_test_setup(cancel_stops_soon_and_answers_every_probe, setup),
        cmocka_unit_test_setup(queued_probes_do_not_hold_easy_handles, setup),
        cmocka_unit_test_setup(creators_run_in_dependency_order_and_fill_references, setup),
    };
    int rc;

    ts_start(&server);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    ts_stop(&server);
    return rc;
}
