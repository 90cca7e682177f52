/* SPDX-License-Identifier: MIT */
/* Write decoders and response encoders of model/: every way a body can be wrong is reported
 * on the right field, merge-patch semantics hold, and encoders emit the documented shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/jsonw.h"
#include "model/asset.h"
#include "model/client.h"
#include "model/finding.h"
#include "model/org.h"
#include "model/project.h"
#include "model/scope.h"
#include "model/token.h"

static struct arena *arena;

static int
setup(void **state)
{
    (void)state;
    arena = arena_new();
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    arena_free(arena);
    return 0;
}

static json_t *
parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);

    if (!j)
        fail_msg("bad test JSON %s: %s", text, e.text);
    arena_defer(arena, (void (*)(void *))json_decref, j);
    return j;
}

/* The message on `field`, or NULL if the error has none. */
static const char *
field_msg(const struct err *err, const char *field)
{
    for (int i = 0; i < err->n_fields; i++) {
        if (strcmp(err->fields[i].field, field) == 0)
            return err->fields[i].message;
    }
    return NULL;
}

static void
expect_field(const struct err *err, const char *field, const char *needle)
{
    const char *msg = field_msg(err, field);

    assert_int_equal(err->code, ERR_VALIDATION_ERROR);
    if (!msg)
        fail_msg("no error on field '%s' (first: '%s')", field,
                 err->n_fields ? err->fields[0].field : "-");
    if (needle && !strstr(msg, needle))
        fail_msg("field '%s': message '%s' lacks '%s'", field, msg, needle);
}

/* ---- clients ---------------------------------------------------------------------------- */

static void
client_create_accepts_valid_body_and_marks_every_field(void **state)
{
    struct client c;
    struct err err = {0};
    (void)state;

    assert_int_equal(client_from_json(&c, parse("{\"name\": \"ACME\", \"contact\": \"a@b.c\"}"),
                                      MODEL_CREATE, arena, &err),
                     0);
    assert_string_equal(c.name, "ACME");
    assert_string_equal(c.contact, "a@b.c");
    assert_null(c.notes);
    assert_true(c.present == CLIENT_F_ALL);
    assert_int_equal(err.code, ERR_OK);
}

static void
client_rejects_unknown_read_only_wrong_type_and_empty(void **state)
{
    struct client c;
    struct err err = {0};
    (void)state;

    assert_int_equal(client_from_json(&c,
                                      parse("{\"name\": \"  \", \"id\": \"client_x\", \"admin\":"
                                            " true, \"contact\": 5, \"created_at\": 1}"),
                                      MODEL_CREATE, arena, &err),
                     -1);
    expect_field(&err, "name", "empty");
    expect_field(&err, "id", "read-only");
    expect_field(&err, "created_at", "read-only");
    expect_field(&err, "admin", "not a known field");
    expect_field(&err, "contact", "string");
}

static void
client_requires_name_on_create_and_replace_but_not_patch(void **state)
{
    struct client c;
    struct err err = {0};
    (void)state;

    assert_int_equal(client_from_json(&c, parse("{\"notes\": \"n\"}"), MODEL_CREATE, arena, &err),
                     -1);
    expect_field(&err, "name", "required");
    err_clear(&err);
    assert_int_equal(client_from_json(&c, parse("{\"notes\": \"n\"}"), MODEL_REPLACE, arena, &err),
                     -1);
    expect_field(&err, "name", "required");
    err_clear(&err);
    assert_int_equal(client_from_json(&c, parse("{\"notes\": \"n\"}"), MODEL_PATCH, arena, &err),
                     0);
    assert_true(c.present == CLIENT_F_NOTES);
}

static void
patch_null_clears_optional_and_rejects_required(void **state)
{
    struct client c;
    struct err err = {0};
    (void)state;

    assert_int_equal(client_from_json(&c, parse("{\"contact\": null}"), MODEL_PATCH, arena, &err),
                     0);
    assert_true(c.present == CLIENT_F_CONTACT);
    assert_null(c.contact);
    assert_int_equal(client_from_json(&c, parse("{\"name\": null}"), MODEL_PATCH, arena, &err), -1);
    expect_field(&err, "name", "null");
    err_clear(&err);
    assert_int_equal(client_from_json(&c, parse("{}"), MODEL_PATCH, arena, &err), 0);
    assert_true(c.present == 0);
}

static void
over_long_strings_and_non_objects_are_refused(void **state)
{
    struct client c;
    struct err err = {0};
    char big[MODEL_NAME_MAX + 40];
    json_t *body = json_object();
    (void)state;

    memset(big, 'x', MODEL_NAME_MAX + 1);
    big[MODEL_NAME_MAX + 1] = '\0';
    json_object_set_new(body, "name", json_string(big));
    arena_defer(arena, (void (*)(void *))json_decref, body);
    assert_int_equal(client_from_json(&c, body, MODEL_CREATE, arena, &err), -1);
    expect_field(&err, "name", "at most");
    err_clear(&err);

    big[MODEL_NAME_MAX] = '\0'; /* exactly the limit is fine */
    json_object_set_new(body, "name", json_string(big));
    assert_int_equal(client_from_json(&c, body, MODEL_CREATE, arena, &err), 0);

    assert_int_equal(client_from_json(&c, parse("[1, 2]"), MODEL_CREATE, arena, &err), -1);
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    assert_int_equal(err.n_fields, 0);
}

/* ---- projects --------------------------------------------------------------------------- */

static void
project_enums_are_case_insensitive_and_bad_ones_list_allowed(void **state)
{
    struct project p;
    struct err err = {0};
    (void)state;

    assert_int_equal(project_from_json(&p, parse("{\"name\": \"P\", \"status\": \"IN_Progress\"}"),
                                       MODEL_CREATE, arena, &err),
                     0);
    assert_int_equal(p.status, PROJECT_IN_PROGRESS);
    assert_int_equal(project_from_json(&p, parse("{\"name\": \"P\"}"), MODEL_CREATE, arena, &err),
                     0);
    assert_int_equal(p.status, PROJECT_PLANNED);
    assert_int_equal(project_from_json(&p, parse("{\"name\": \"P\", \"status\": \"done\"}"),
                                       MODEL_CREATE, arena, &err),
                     -1);
    expect_field(&err, "status", "planned, in_progress, completed, archived");
    err_clear(&err);
    assert_int_equal(project_from_json(&p, parse("{\"status\": null}"), MODEL_PATCH, arena, &err),
                     -1);
    expect_field(&err, "status", "null");
}

static void
project_dates_and_ids_are_checked(void **state)
{
    struct project p;
    struct err err = {0};
    (void)state;

    assert_int_equal(project_from_json(&p,
                                       parse("{\"name\": \"P\", \"start_date\": \"2026-02-30\","
                                             " \"end_date\": \"2026-1-5\", \"client_id\":"
                                             " \"proj_abc\"}"),
                                       MODEL_CREATE, arena, &err),
                     -1);
    expect_field(&err, "start_date", "YYYY-MM-DD");
    expect_field(&err, "end_date", "YYYY-MM-DD");
    expect_field(&err, "client_id", "client_");
    err_clear(&err);
    assert_int_equal(project_from_json(&p,
                                       parse("{\"name\": \"P\", \"start_date\": \"2026-03-01\","
                                             " \"end_date\": \"2026-02-28\"}"),
                                       MODEL_CREATE, arena, &err),
                     -1);
    expect_field(&err, "end_date", "before");
    err_clear(&err);
    assert_int_equal(project_from_json(&p,
                                       parse("{\"name\": \"P\", \"start_date\": \"2024-02-29\","
                                             " \"end_date\": \"2024-02-29\", \"client_id\":"
                                             " \"client_Ab9\"}"),
                                       MODEL_CREATE, arena, &err),
                     0);
    assert_string_equal(p.client_id, "client_Ab9");
}

/* ---- assets ----------------------------------------------------------------------------- */

static void
asset_tags_are_deduplicated_and_validated(void **state)
{
    struct asset a;
    struct err err = {0};
    (void)state;

    assert_int_equal(asset_from_json(&a,
                                     parse("{\"project_id\": \"proj_1\", \"type\": \"API\","
                                           " \"value\": \"https://api.example\","
                                           " \"tags\": [\"prod\", \"pci\", \"prod\"]}"),
                                     MODEL_CREATE, arena, &err),
                     0);
    assert_int_equal(a.type, ASSET_API);
    assert_int_equal(a.criticality, CRITICALITY_MEDIUM);
    assert_int_equal(a.n_tags, 2);
    assert_string_equal(a.tags[0], "prod");
    assert_string_equal(a.tags[1], "pci");

    assert_int_equal(
        asset_from_json(
            &a,
            parse("{\"project_id\": \"proj_1\", \"type\": \"toaster\", \"value\": \"v\","
                  " \"tags\": [\"ok\", 7, \"\"], \"criticality\": \"urgent\"}"),
            MODEL_CREATE, arena, &err),
        -1);
    expect_field(&err, "type", "host, domain, url, api, ip_range, repository, device");
    expect_field(&err, "tags[1]", "string");
    expect_field(&err, "tags[2]", "empty");
    expect_field(&err, "criticality", "low, medium, high, critical");
    err_clear(&err);
    assert_int_equal(asset_from_json(&a, parse("{\"tags\": \"prod\"}"), MODEL_PATCH, arena, &err),
                     -1);
    expect_field(&err, "tags", "array");
    err_clear(&err);
    assert_int_equal(asset_from_json(&a, parse("{\"tags\": null}"), MODEL_PATCH, arena, &err), 0);
    assert_true(a.present == ASSET_F_TAGS);
    assert_int_equal(a.n_tags, 0);
}

static void
asset_refuses_too_many_tags(void **state)
{
    struct asset a;
    struct err err = {0};
    json_t *body = json_object(), *tags = json_array();
    (void)state;

    for (int i = 0; i <= MODEL_TAGS_MAX; i++)
        json_array_append_new(tags, json_sprintf("t%d", i));
    json_object_set_new(body, "tags", tags);
    arena_defer(arena, (void (*)(void *))json_decref, body);
    assert_int_equal(asset_from_json(&a, body, MODEL_PATCH, arena, &err), -1);
    expect_field(&err, "tags", "at most");
}

/* ---- findings ---------------------------------------------------------------------------- */

static void
finding_create_applies_defaults_and_normalises(void **state)
{
    struct finding f;
    struct err err = {0};
    (void)state;

    assert_int_equal(
        finding_from_json(&f,
                          parse("{\"project_id\": \"proj_1\", \"title\": \"SQLi\", \"severity\":"
                                " \"HIGH\", \"cwe\": \"cwe-89\", \"cvss_vector\":"
                                " \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\","
                                " \"references\": [\"https://owasp.org\"]}"),
                          MODEL_CREATE, arena, &err),
        0);
    assert_int_equal(f.severity, SEVERITY_HIGH);
    assert_int_equal(f.status, FINDING_OPEN);
    assert_int_equal(f.confidence, CONFIDENCE_MEDIUM);
    assert_string_equal(f.cwe, "CWE-89");
    assert_true(f.cvss_score > 9.79 && f.cvss_score < 9.81);
    assert_int_equal(f.n_references, 1);
    assert_true(f.present == FINDING_F_ALL);

    assert_int_equal(finding_from_json(&f, parse("{\"cwe\": \"79\"}"), MODEL_PATCH, arena, &err),
                     0);
    assert_string_equal(f.cwe, "CWE-79");
    assert_true(f.cvss_score < 0);
}

static void
finding_rejects_derived_fields_and_bad_values(void **state)
{
    struct finding f;
    struct err err = {0};
    (void)state;

    assert_int_equal(
        finding_from_json(&f,
                          parse("{\"cvss_score\": 9.8, \"fingerprint\": \"x\", \"first_seen\": 1,"
                                " \"last_seen\": 1, \"updated_at\": 1, \"severity\": \"severe\","
                                " \"cvss_vector\": \"CVSS:3.1/AV:N\", \"cwe\": \"XSS\","
                                " \"risk_score\": 101, \"title\": null}"),
                          MODEL_PATCH, arena, &err),
        -1);
    expect_field(&err, "cvss_score", "read-only");
    expect_field(&err, "fingerprint", "read-only");
    expect_field(&err, "first_seen", "read-only");
    expect_field(&err, "last_seen", "read-only");
    expect_field(&err, "updated_at", "read-only");
    expect_field(&err, "severity", "info, low, medium, high, critical");
    expect_field(&err, "cvss_vector", "missing");
    expect_field(&err, "cwe", "CWE");
    expect_field(&err, "risk_score", "between 0 and 100");
    expect_field(&err, "title", "null");
    err_clear(&err);
    assert_int_equal(
        finding_from_json(&f, parse("{\"risk_score\": 5.5}"), MODEL_PATCH, arena, &err), -1);
    expect_field(&err, "risk_score", "integer");
    err_clear(&err);
    assert_int_equal(finding_from_json(&f, parse("{\"title\": \"x\"}"), MODEL_CREATE, arena, &err),
                     -1);
    expect_field(&err, "project_id", "required");
    expect_field(&err, "severity", "required");
}

static void
finding_evidence_is_merge_patched_member_by_member(void **state)
{
    struct finding f;
    struct err err = {0};
    (void)state;

    assert_int_equal(finding_from_json(&f, parse("{\"evidence\": {\"notes\": \"seen twice\"}}"),
                                       MODEL_PATCH, arena, &err),
                     0);
    assert_true(f.present == FINDING_F_EVIDENCE_NOTES);
    assert_string_equal(f.evidence.notes, "seen twice");
    assert_int_equal(finding_from_json(&f, parse("{\"evidence\": null}"), MODEL_PATCH, arena, &err),
                     0);
    assert_true(f.present == (FINDING_F_EVIDENCE_REQUEST | FINDING_F_EVIDENCE_RESPONSE |
                              FINDING_F_EVIDENCE_NOTES));
    assert_int_equal(finding_from_json(&f, parse("{\"evidence\": {\"cookie\": \"x\"}}"),
                                       MODEL_PATCH, arena, &err),
                     -1);
    expect_field(&err, "evidence.cookie", "not a known field");
    err_clear(&err);
    assert_int_equal(
        finding_from_json(&f, parse("{\"evidence\": \"text\"}"), MODEL_PATCH, arena, &err), -1);
    expect_field(&err, "evidence", "object");
}

static json_t *
encode_finding(const struct finding *f)
{
    struct buf b;
    struct jsonw w;
    json_t *j;

    buf_init(&b, 1 << 20);
    jsonw_init(&w, &b);
    finding_to_json(&w, f);
    j = json_loads(buf_str(&b), 0, NULL);
    assert_non_null(j);
    buf_cleanup(&b);
    arena_defer(arena, (void (*)(void *))json_decref, j);
    return j;
}

static void
finding_encoder_writes_the_documented_shape(void **state)
{
    const char *refs[] = {"https://cwe.mitre.org/data/definitions/89.html"};
    struct finding f = {
        .id = "find_1",
        .project_id = "proj_1",
        .title = "SQL injection \"quoted\"",
        .severity = SEVERITY_CRITICAL,
        .status = FINDING_FALSE_POSITIVE,
        .cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        .cvss_score = 9.8,
        .risk_score = 90,
        .evidence = {.request = "GET /x"},
        .references = refs,
        .n_references = 1,
        .fingerprint = "ab",
        .first_seen = 1768473000,
        .last_seen = 1768473000,
        .created_at = 1768473000,
        .updated_at = 1768473000,
    };
    json_t *j = encode_finding(&f), *ev;
    struct buf b;
    struct jsonw w;
    (void)state;

    assert_string_equal(json_string_value(json_object_get(j, "severity")), "critical");
    assert_string_equal(json_string_value(json_object_get(j, "status")), "false_positive");
    assert_true(json_real_value(json_object_get(j, "cvss_score")) == 9.8);
    assert_true(json_is_null(json_object_get(j, "asset_id")));
    assert_true(json_is_null(json_object_get(j, "description")));
    assert_string_equal(json_string_value(json_object_get(j, "created_at")),
                        "2026-01-15T10:30:00Z");
    ev = json_object_get(j, "evidence");
    assert_string_equal(json_string_value(json_object_get(ev, "request")), "GET /x");
    assert_true(json_is_null(json_object_get(ev, "response")));
    assert_int_equal(json_array_size(json_object_get(j, "references")), 1);
    assert_null(json_object_get(j, "org_id"));
    assert_null(json_object_get(j, "present"));

    /* cvss_score is written with one decimal: no binary noise reaches the client. */
    buf_init(&b, 1 << 16);
    jsonw_init(&w, &b);
    finding_to_json(&w, &f);
    assert_non_null(strstr(buf_str(&b), "\"cvss_score\":9.8,"));
    buf_cleanup(&b);

    f.cvss_score = -1;
    j = encode_finding(&f);
    assert_true(json_is_null(json_object_get(j, "cvss_score")));
}

static void
decoded_finding_round_trips_through_the_encoder(void **state)
{
    struct finding f;
    struct err err = {0};
    json_t *j;
    (void)state;

    assert_int_equal(
        finding_from_json(&f,
                          parse("{\"project_id\": \"proj_1\", \"title\": \"T\", \"severity\":"
                                " \"low\", \"owasp\": \"API1:2023\", \"endpoint\":"
                                " \"GET /users/{id}\", \"evidence\": {\"response\": \"200\"}}"),
                          MODEL_CREATE, arena, &err),
        0);
    f.id = "find_x";
    j = encode_finding(&f);
    assert_string_equal(json_string_value(json_object_get(j, "owasp")), "API1:2023");
    assert_string_equal(json_string_value(json_object_get(j, "endpoint")), "GET /users/{id}");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "evidence"), "response")), "200");
    assert_string_equal(json_string_value(json_object_get(j, "confidence")), "medium");
}

/* ---- tokens, orgs, other encoders -------------------------------------------------------- */

static void
token_body_is_validated_and_expiry_computed(void **state)
{
    struct api_token t;
    struct err err = {0};
    int64_t now = 1768473000;
    (void)state;

    assert_int_equal(api_token_from_json(&t,
                                         parse("{\"name\": \"ci\", \"scopes\": [\"findings:read\","
                                               " \"scans:write\"], \"expires_in\": \"30d\"}"),
                                         now, arena, &err),
                     0);
    assert_true(t.scopes == (SCOPE(FINDINGS_READ) | SCOPE(SCANS_WRITE)));
    assert_true(t.expires_at == now + 30 * 86400);

    assert_int_equal(api_token_from_json(&t,
                                         parse("{\"name\": \"ci\", \"scopes\": [\"root\"],"
                                               " \"expires_in\": \"2d\", \"id\": \"tok_1\"}"),
                                         now, arena, &err),
                     -1);
    expect_field(&err, "scopes", "root");
    expect_field(&err, "expires_in", "never, 30d, 90d, 1y");
    expect_field(&err, "id", "read-only");
    err_clear(&err);
    assert_int_equal(api_token_from_json(&t,
                                         parse("{\"name\": \"ci\", \"scopes\": [\"admin\"],"
                                               " \"expires_at\": \"2020-01-01\"}"),
                                         now, arena, &err),
                     -1);
    expect_field(&err, "expires_at", "future");
    err_clear(&err);
    assert_int_equal(api_token_from_json(&t, parse("{}"), now, arena, &err), -1);
    expect_field(&err, "name", "required");
    expect_field(&err, "scopes", "required");
}

static void
token_encoder_never_writes_the_digest(void **state)
{
    struct api_token t = {.id = "tok_1",
                          .name = "ci",
                          .scopes = SCOPE(ADMIN) | SCOPE(PROJECTS_READ),
                          .token_prefix = "vgl_live_ab",
                          .created_at = 1768473000};
    struct buf b;
    struct jsonw w;
    json_t *j;
    (void)state;

    memset(t.digest, 0xAA, sizeof(t.digest));
    buf_init(&b, 4096);
    jsonw_init(&w, &b);
    api_token_to_json(&w, &t);
    assert_null(strstr(buf_str(&b), "digest"));
    assert_null(strstr(buf_str(&b), "qq")); /* base64 of 0xAA... */
    j = json_loads(buf_str(&b), 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_array_size(json_object_get(j, "scopes")), 2);
    assert_true(json_is_null(json_object_get(j, "expires_at")));
    assert_true(json_is_null(json_object_get(j, "revoked_at")));
    json_decref(j);
    buf_cleanup(&b);
    assert_true(api_token_is_active(&t, 1768473001));
    t.expires_at = 1768473001;
    assert_false(api_token_is_active(&t, 1768473001));
    t.expires_at = 0;
    t.revoked_at = 5;
    assert_false(api_token_is_active(&t, 1768473001));
}

static void
client_project_asset_org_encoders_write_nulls_for_absent(void **state)
{
    struct client c = {.id = "client_1", .name = "ACME", .created_at = 1, .updated_at = 1};
    struct project p = {.id = "proj_1", .name = "P", .status = PROJECT_ARCHIVED};
    struct asset a = {.id = "asset_1", .type = ASSET_IP_RANGE, .criticality = CRITICALITY_HIGH};
    struct org o = {.id = "org_1", .name = "O", .created_at = 1768473000};
    struct buf b;
    struct jsonw w;
    json_t *j;
    (void)state;

    buf_init(&b, 4096);
    jsonw_init(&w, &b);
    jsonw_arr_open(&w);
    client_to_json(&w, &c);
    project_to_json(&w, &p);
    asset_to_json(&w, &a);
    org_to_json(&w, &o);
    jsonw_arr_close(&w);
    j = json_loads(buf_str(&b), 0, NULL);
    assert_non_null(j);
    assert_true(json_is_null(json_object_get(json_array_get(j, 0), "contact")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "created_at")),
                        "1970-01-01T00:00:01Z");
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 1), "status")),
                        "archived");
    assert_true(json_is_null(json_object_get(json_array_get(j, 1), "client_id")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 2), "type")),
                        "ip_range");
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 2), "criticality")),
                        "high");
    assert_int_equal(json_array_size(json_object_get(json_array_get(j, 2), "tags")), 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 3), "name")), "O");
    json_decref(j);
    buf_cleanup(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(client_create_accepts_valid_body_and_marks_every_field,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(client_rejects_unknown_read_only_wrong_type_and_empty,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(client_requires_name_on_create_and_replace_but_not_patch,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(patch_null_clears_optional_and_rejects_required, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(over_long_strings_and_non_objects_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            project_enums_are_case_insensitive_and_bad_ones_list_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(project_dates_and_ids_are_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(asset_tags_are_deduplicated_and_validated, setup, teardown),
        cmocka_unit_test_setup_teardown(asset_refuses_too_many_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(finding_create_applies_defaults_and_normalises, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(finding_rejects_derived_fields_and_bad_values, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(finding_evidence_is_merge_patched_member_by_member, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(finding_encoder_writes_the_documented_shape, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(decoded_finding_round_trips_through_the_encoder, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(token_body_is_validated_and_expiry_computed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(token_encoder_never_writes_the_digest, setup, teardown),
        cmocka_unit_test_setup_teardown(client_project_asset_org_encoders_write_nulls_for_absent,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
