/* SPDX-License-Identifier: MIT */
/* The Trivy JSON importer: vulnerabilities (package, versions, fix, NVD vector), failed
 * misconfigurations (passed ones are not findings) and secrets; a truncated report names the
 * line and column. */
#include "unit/import/import_fixture.h"

static void
sample_maps_vulnerabilities_misconfigurations_and_secrets(void **state)
{
    struct collected *c = fix_new();
    const struct finding *f;

    (void)state;
    assert_int_equal(fix_parse_file(c, IMPORT_TRIVY, "trivy.json"), 0);
    assert_int_equal(c->n, 4); /* the PASS misconfiguration is left out */
    f = &c->items[0];
    assert_string_equal(f->check_id, "CVE-2023-4911");
    assert_int_equal(f->severity, SEVERITY_HIGH);
    assert_string_equal(f->cwe, "CWE-787");
    assert_string_equal(f->cvss_vector, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H");
    assert_string_equal(f->remediation, "Upgrade libc6 to 2.36-9+deb12u3 or later.");
    assert_string_equal(f->endpoint,
                        "registry.local/shop:1.4.2 (debian 12.2) libc6@2.36-9+deb12u1");
    assert_int_equal(c->items[1].severity, SEVERITY_CRITICAL);
    assert_null(c->items[1].remediation); /* no fixed version */
    assert_string_equal(c->items[2].check_id, "AVD-DS-0002");
    assert_string_equal(c->items[2].endpoint, "Dockerfile:1");
    assert_string_equal(c->items[3].title, "AWS Access Key ID");
    assert_string_equal(c->items[3].cwe, "CWE-798");
    assert_string_equal(c->items[3].endpoint, "app/config.py:3");
    assert_int_equal(fix_detect_file("trivy.json"), IMPORT_TRIVY);
    fix_free(c);
}

static void
truncated_report_names_line_and_column(void **state)
{
    struct collected *c = fix_new();

    (void)state;
    assert_int_equal(fix_parse_file(c, IMPORT_TRIVY, "hostile/truncated.json"), -1);
    fix_assert_malformed(c, "line 36, column");
    assert_int_equal(c->n, 0);
    fix_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_maps_vulnerabilities_misconfigurations_and_secrets),
        cmocka_unit_test(truncated_report_names_line_and_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
