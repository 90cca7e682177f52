/* SPDX-License-Identifier: MIT */
/* The CSV export: RFC 4180 quoting, CRLF rows in input order, the spreadsheet formula guard,
 * and a round trip through Python's csv module. */
#include "fixture.h"

#define CSV_HEADER                                                                                 \
    "id,title,severity,status,cwe,owasp,endpoint,risk_score,cvss_score,project_id,asset_id,"       \
    "scan_id,fingerprint,first_seen,last_seen,created_at,updated_at\r\n"

/* Exit 0 if the file reads back as 7 rows of 17 cells with the guarded values. */
static const char csv_checker[] =
    "import sys, csv\n"
    "rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))\n"
    "if len(rows) != 7 or any(len(r) != 17 for r in rows): sys.exit(2)\n"
    "if rows[2][1] != 'SQL injection in \"name\" <script>alert(\\'x\\')</script>': sys.exit(3)\n"
    "if rows[4][1] != \"'=cmd|' /C calc'!A0\" or rows[4][5] != \"'@API8:2023\": sys.exit(4)\n"
    "if rows[4][12] != \"'=HYPERLINK(\\\"http://127.0.0.1/\\\")\": sys.exit(5)\n"
    "if rows[5][1] != \"'+SUM(1,2)\": sys.exit(6)\n"
    "if rows[1][7] != '78' or rows[1][8] != '6.5' or rows[2][8] != '': sys.exit(7)\n"
    "sys.exit(0)\n";

static void
csv_rows_are_quoted_and_formula_guarded(void **state)
{
    char *text = fix_render(REPORT_CSV, &fix_input, NULL);
    int rc;
    (void)state;

    assert_true(strncmp(text, CSV_HEADER, strlen(CSV_HEADER)) == 0);
    assert_int_equal(fix_count(text, "\r\n"), 1 + FIX_N_FINDINGS);
    /* Input order, not report order: the first row is the first finding. */
    assert_true(strncmp(text + strlen(CSV_HEADER), "find_bola1,", 11) == 0);
    assert_non_null(strstr(text, "\r\nfind_bola1,Broken object level authorization,high,open,"
                                 "CWE-639,API1:2023,GET /users/{id},78,6.5,proj_1,,scan_1,"
                                 "fp-bola-users,2026-01-15T10:30:00Z,2026-01-15T10:31:00Z,"
                                 "2026-01-15T10:30:00Z,2026-01-15T10:31:00Z\r\n"));
    assert_non_null(
        strstr(text, ",\"SQL injection in \"\"name\"\" <script>alert('x')</script>\","));
    assert_non_null(strstr(text, "\r\nfind_hdr,'=cmd|' /C calc'!A0,low,open,CWE-693,'@API8:2023,"));
    assert_non_null(strstr(text, ",\"'=HYPERLINK(\"\"http://127.0.0.1/\"\")\","));
    assert_non_null(strstr(text, "\r\nfind_manual,\"'+SUM(1,2)\",info,accepted,,,,5,,"));
    /* Risk and CVSS numbers are ours: no guard even though a score could look like "-1". */
    assert_null(strstr(text, ",'6.5"));
    rc = (fix_write_file("report-test.csv", text), fix_python(csv_checker, "report-test.csv"));
    unlink("report-test.csv");
    if (rc < 0)
        fix_checker_missing(FIX_PYTHON);
    assert_int_equal(rc, 0);
    free(text);
}

static void
csv_cells_with_line_breaks_are_quoted(void **state)
{
    struct finding f = {.id = "find_x",
                        .title = "two\r\nlines, \"quoted\"",
                        .endpoint = "-1",
                        .cvss_score = -1,
                        .description = "not exported"};
    struct report_input in = {.findings = &f, .n_findings = 1};
    char *text = fix_render(REPORT_CSV, &in, NULL);
    (void)state;

    assert_string_equal(text, CSV_HEADER "find_x,\"two\r\nlines, \"\"quoted\"\"\",info,open,,,'-1,"
                                         "0,,,,,,,,,\r\n");
    free(text);
}

static void
csv_of_no_findings_is_the_header(void **state)
{
    char *text = fix_render(REPORT_CSV, &fix_empty, NULL);
    (void)state;

    assert_string_equal(text, CSV_HEADER);
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_rows_are_quoted_and_formula_guarded),
        cmocka_unit_test(csv_cells_with_line_breaks_are_quoted),
        cmocka_unit_test(csv_of_no_findings_is_the_header),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
