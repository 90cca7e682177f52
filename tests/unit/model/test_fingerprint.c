/* SPDX-License-Identifier: MIT */
/* Fingerprints: a fixed input hashes to a fixed value (stable across runs and builds), the
 * normalisation folds what should not matter and keeps what should. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "model/fingerprint.h"

static const char *
fp(const struct finding *f)
{
    static char out[4][FINGERPRINT_HEX_LEN + 1];
    static int slot;
    char *o = out[slot++ % 4];

    assert_int_equal(finding_fingerprint(f, o), 0);
    assert_int_equal(strlen(o), FINGERPRINT_HEX_LEN);
    return o;
}

static void
fingerprint_of_a_fixed_finding_never_changes(void **state)
{
    struct finding f = {.project_id = "proj_1",
                        .check_id = "bola",
                        .endpoint = "GET /users/{id}",
                        .title = "Broken object level authorization"};
    (void)state;

    /* sha256("vigil-fp-1\x1fproj_1\x1f" "bola\x1fGET /users/{}\x1f"
     *        "broken object level authorization"), computed independently with Python's hashlib. */
    assert_string_equal(fp(&f), "c4117de53b186690497fbb8aef46ece9ccc525aed3d2fdf6fd3dd6e27b13f826");
}

static void
normalisation_folds_case_spacing_ids_and_parameter_names(void **state)
{
    struct finding a = {.project_id = "proj_1",
                        .check_id = "BOLA",
                        .endpoint = "get /users/42/",
                        .title = "  Broken   object level\tAuthorization "};
    struct finding b = {.project_id = "proj_1",
                        .check_id = "bola",
                        .endpoint = "GET /users/{user_id}?expand=1",
                        .title = "broken object level authorization"};
    struct finding c = {.project_id = "proj_1",
                        .check_id = "bola",
                        .endpoint = "GET https://api.example.com//users/"
                                    "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                        .title = "Broken object level authorization",
                        .severity = SEVERITY_CRITICAL,
                        .description = "different words",
                        .scan_id = "scan_2"};
    char first[FINGERPRINT_HEX_LEN + 1];
    (void)state;

    memcpy(first, fp(&a), sizeof(first));
    assert_string_equal(first, fp(&b));
    assert_string_equal(first, fp(&c));
}

static void
fingerprint_separates_scope_kind_endpoint_and_title(void **state)
{
    struct finding base = {.project_id = "proj_1",
                           .cwe = "CWE-89",
                           .endpoint = "POST /orders",
                           .title = "SQL injection"};
    struct finding other;
    char first[FINGERPRINT_HEX_LEN + 1];
    (void)state;

    memcpy(first, fp(&base), sizeof(first));
    other = base;
    other.project_id = "proj_2";
    assert_string_not_equal(first, fp(&other));
    other = base;
    other.asset_id = "asset_1"; /* the asset is a narrower scope than the project */
    assert_string_not_equal(first, fp(&other));
    other = base;
    other.cwe = "CWE-79";
    assert_string_not_equal(first, fp(&other));
    other = base;
    other.check_id = "sqli"; /* check_id wins over cwe */
    assert_string_not_equal(first, fp(&other));
    other = base;
    other.endpoint = "GET /orders";
    assert_string_not_equal(first, fp(&other));
    other = base;
    other.endpoint = "POST /orders/items";
    assert_string_not_equal(first, fp(&other));
    other = base;
    other.title = "SQL injection (blind)";
    assert_string_not_equal(first, fp(&other));
    other = base;
    other.severity = SEVERITY_LOW;
    other.status = FINDING_REMEDIATED;
    assert_string_equal(first, fp(&other));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fingerprint_of_a_fixed_finding_never_changes),
        cmocka_unit_test(normalisation_folds_case_spacing_ids_and_parameter_names),
        cmocka_unit_test(fingerprint_separates_scope_kind_endpoint_and_title),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
