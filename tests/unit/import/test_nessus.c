/* SPDX-License-Identifier: MIT */
/* The Nessus (.nessus v2) importer: hosts, ports, plugin severities 0-4, CVSS 3 vectors, CWE,
 * see_also links and plugin output; XXE, billion laughs, 10,000-deep nesting and a truncated
 * file are refused with the line, and nothing of /etc/passwd is ever read. */
#include "unit/import/import_fixture.h"

static void
sample_maps_hosts_ports_and_severities(void **state)
{
    struct collected *c = fix_new();
    const struct finding *f;

    (void)state;
    assert_int_equal(fix_parse_file(c, IMPORT_NESSUS, "scan.nessus"), 0);
    assert_int_equal(c->n, 4);
    assert_string_equal(c->run.tool, "nessus");
    f = fix_find(c, "SSL Certificate Cannot Be Trusted");
    assert_int_equal(f->severity, SEVERITY_MEDIUM);
    assert_string_equal(f->endpoint, "10.0.0.5:443/tcp www");
    assert_string_equal(f->check_id, "nessus-51192");
    assert_string_equal(f->cwe, "CWE-295");
    assert_string_equal(f->cvss_vector, "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:N");
    assert_int_equal(f->n_references, 2);
    assert_string_equal(f->references[1], "https://en.wikipedia.org/wiki/X.509");
    assert_non_null(strstr(f->description, "The server's X.509 certificate cannot be trusted."));
    f = fix_find(c, "SSH Terrapin Prefix Truncation Weakness (CVE-2023-48795)");
    assert_int_equal(f->severity, SEVERITY_CRITICAL);
    f = fix_find(c, "HTTP TRACE / TRACK Methods Allowed");
    assert_int_equal(f->severity, SEVERITY_HIGH);
    assert_string_equal(f->endpoint, "10.0.0.6:80/tcp www");
    assert_int_equal(fix_find(c, "Nessus Scan Information")->severity, SEVERITY_INFO);
    assert_int_equal(fix_detect_file("scan.nessus"), IMPORT_NESSUS);
    fix_free(c);
}

static void
hostile_xml_is_refused_with_its_line(void **state)
{
    static const struct {
        const char *file;
        const char *where;
    } cases[] = {
        {"hostile/xxe-attr.nessus", "line 4"},
        {"hostile/deep.xml", "line 2"},
        {"hostile/truncated.nessus", "line "},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct collected *c = fix_new();

        assert_int_equal(fix_parse_file(c, IMPORT_NESSUS, cases[i].file), -1);
        fix_assert_malformed(c, cases[i].where);
        for (size_t k = 0; k < c->n; k++)
            assert_null(strstr(c->items[k].title, "root:"));
        fix_free(c);
    }
}

static void
other_root_element_is_malformed(void **state)
{
    struct collected *c = fix_new();

    (void)state;
    assert_int_equal(fix_parse_file(c, IMPORT_NESSUS, "zap.xml"), -1);
    fix_assert_malformed(c, "line 1");
    assert_non_null(strstr(c->err.fields[0].message, "OWASPZAPReport"));
    fix_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_maps_hosts_ports_and_severities),
        cmocka_unit_test(hostile_xml_is_refused_with_its_line),
        cmocka_unit_test(other_root_element_is_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
