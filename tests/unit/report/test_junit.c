/* SPDX-License-Identifier: MIT */
/* The JUnit report is well-formed XML 1.0 (parsed with Python's expat-based ElementTree), with
 * one failing testcase per open finding, a skipped one per triaged finding, a passing one per
 * check without findings, and the evidence escaped into the failure text. */
#include "fixture.h"

/* Exit 0 if the file parses and its counts match argv-free expectations baked in below. */
static const char junit_checker[] =
    "import sys, xml.etree.ElementTree as ET\n"
    "root = ET.parse(sys.argv[1]).getroot()\n"
    "if root.tag != 'testsuites': sys.exit(2)\n"
    "suites = root.findall('testsuite')\n"
    "if len(suites) != 1 or suites[0].get('name') != 'vigil': sys.exit(3)\n"
    "s = suites[0]; cases = s.findall('testcase')\n"
    "fails = [c for c in cases if c.find('failure') is not None]\n"
    "skips = [c for c in cases if c.find('skipped') is not None]\n"
    "if int(s.get('tests')) != len(cases) or int(s.get('failures')) != len(fails): sys.exit(4)\n"
    "if int(s.get('skipped')) != len(skips): sys.exit(5)\n"
    "print(len(cases), len(fails), len(skips))\n"
    "body = ''.join(f.find('failure').text or '' for f in fails)\n"
    "msgs = [f.find('failure').get('message') for f in fails]\n"
    "if len(cases) > 3:\n"
    "    if (len(cases), len(fails), len(skips)) != (8, 5, 2): sys.exit(6)\n"
    "    if '</pre><script>alert(\"x\")</script>' not in body: sys.exit(7)\n"
    "    if 'SQL injection in \"name\" <script>alert(\\'x\\')</script> at POST /search' not in "
    "msgs:"
    " sys.exit(8)\n"
    "    names = [c.get('name') for c in cases]\n"
    "    if 'rate_limit: no findings' not in names: sys.exit(9)\n"
    "else:\n"
    "    if (len(cases), len(fails), len(skips)) != (2, 0, 0): sys.exit(10)\n"
    "sys.exit(0)\n";

static int
check_junit(const char *xml)
{
    int rc;

    fix_write_file("report-test.xml", xml);
    rc = fix_python(junit_checker, "report-test.xml");
    unlink("report-test.xml");
    return rc;
}

static void
junit_report_is_well_formed_with_a_failure_per_finding(void **state)
{
    char *xml = fix_render(REPORT_JUNIT, &fix_input, NULL);
    int rc;
    (void)state;

    assert_true(strncmp(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);
    assert_int_equal(fix_count(xml, "<testsuite "), 1);
    assert_non_null(strstr(xml, "<testsuite name=\"vigil\" tests=\"8\" failures=\"5\" errors=\"0\" "
                                "skipped=\"2\" time=\"90\" timestamp=\"2026-01-15T10:30:00\">"));
    assert_int_equal(fix_count(xml, "<testcase "), 8);
    assert_int_equal(fix_count(xml, "<failure "), 5);
    assert_non_null(strstr(xml, "classname=\"vigil.bola\""));
    assert_non_null(strstr(xml, "<skipped message=\"finding is accepted\"/>"));
    assert_non_null(strstr(xml, "<skipped message=\"the scan stopped early: max_requests "
                                "reached\"/>"));
    assert_non_null(strstr(xml, "&lt;/pre&gt;&lt;script&gt;"));
    assert_null(strstr(xml, "<script"));
    /* Characters XML 1.0 forbids never reach the document. */
    assert_null(strchr(xml, '\x01'));
    assert_null(strchr(xml, '\x1b'));
    rc = check_junit(xml);
    if (rc < 0)
        fix_checker_missing(FIX_PYTHON);
    assert_int_equal(rc, 0);
    free(xml);
}

static void
junit_checker_rejects_malformed_xml(void **state)
{
    int rc;
    (void)state;

    /* Proves the parser check can fail: a raw control character and a raw '<' in text. */
    rc = check_junit("<?xml version=\"1.0\"?><testsuites><testsuite name=\"vigil\" tests=\"1\" "
                     "failures=\"1\" skipped=\"0\"><testcase name=\"x\"><failure message=\"m\">"
                     "\x01 a < b</failure></testcase></testsuite></testsuites>");
    if (rc < 0)
        fix_checker_missing(FIX_PYTHON);
    assert_int_not_equal(rc, 0);
}

static void
junit_report_of_no_findings_passes_each_check(void **state)
{
    char *xml = fix_render(REPORT_JUNIT, &fix_empty, NULL);
    int rc;
    (void)state;

    assert_non_null(strstr(xml, "tests=\"2\" failures=\"0\""));
    assert_non_null(strstr(xml, "name=\"bola: no findings\""));
    assert_null(strstr(xml, "<failure"));
    rc = check_junit(xml);
    if (rc < 0)
        fix_checker_missing(FIX_PYTHON);
    assert_int_equal(rc, 0);
    free(xml);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(junit_report_is_well_formed_with_a_failure_per_finding),
        cmocka_unit_test(junit_checker_rejects_malformed_xml),
        cmocka_unit_test(junit_report_of_no_findings_passes_each_check),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
