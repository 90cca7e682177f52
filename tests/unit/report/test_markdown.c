/* SPDX-License-Identifier: MIT */
/* The Markdown report: summary table, one section per finding in report order, hostile text
 * escaped outside code blocks, and code fences that no evidence can close early. */
#include "fixture.h"

/* Checks that outside fenced code blocks every '<' is escaped (or opens an http autolink) and
 * that every fence opened is closed. Returns the number of code blocks. */
static size_t
check_markdown_structure(const char *md)
{
    size_t fence = 0, blocks = 0;
    const char *line = md;

    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        size_t ticks = 0;

        while (ticks < len && line[ticks] == '`')
            ticks++;
        if (fence == 0 && ticks >= 3) {
            fence = ticks;
            blocks++;
        } else if (fence > 0 && ticks >= fence && ticks == len) {
            fence = 0;
        } else if (fence == 0) {
            for (size_t i = 0; i < len; i++) {
                if (line[i] == '<' && !(i > 0 && line[i - 1] == '\\') &&
                    strncmp(line + i, "<https://", 9) != 0 && strncmp(line + i, "<http://", 8) != 0)
                    fail_msg("unescaped '<' outside code: %.*s", (int)len, line);
            }
        }
        if (!end)
            break;
        line = end + 1;
    }
    assert_int_equal(fence, 0);
    return blocks;
}

static void
markdown_report_has_summary_and_sections_in_order(void **state)
{
    char *md = fix_render(REPORT_MARKDOWN, &fix_input, NULL);
    const char *prev = md;
    (void)state;

    const char *head = "# vigil scan of http://127.0.0.1:9000 \\<b\\>\"\\&'\n";
    assert_true(strncmp(md, head, strlen(head)) == 0);
    assert_non_null(strstr(md, "| Critical | 1 |\n| High | 2 |\n| Medium | 1 |\n| Low | 1 |\n"
                               "| Info | 1 |\n| **Total** | **6** |"));
    assert_non_null(strstr(md, "> **Warning:** the scan stopped early (max\\_requests reached)"));
    assert_int_equal(fix_count(md, "\n### "), FIX_N_FINDINGS);
    /* Sections follow report order. */
    for (size_t i = 0; i < FIX_N_FINDINGS; i++) {
        char needle[64];
        const char *at;

        snprintf(needle, sizeof(needle), "| Finding id | %s |", fix_order[i]);
        /* ids hold '_', which md escapes */
        for (char *p = needle + 14; *p; p++) {
            if (*p == '_') {
                memmove(p + 1, p, strlen(p) + 1);
                *p++ = '\\';
            }
        }
        at = strstr(md, needle);
        if (!at)
            fail_msg("missing %s", needle);
        assert_true(at > prev);
        prev = at;
    }
    assert_non_null(strstr(md, "### 1. [Critical] SQL injection in \"name\" "
                               "\\<script\\>alert('x')\\</script\\>\n"));
    assert_non_null(strstr(md, "| Endpoint | GET /users/{id} |"));
    assert_non_null(strstr(md, "| OWASP | API1:2023 |"));
    assert_non_null(strstr(md, "| CWE | CWE-639 |"));
    assert_non_null(strstr(md, "| Risk score | 78 / 100 |"));
    /* Line-start markup in a description is escaped, line breaks kept. */
    assert_non_null(strstr(md, "\n1\\. first\n\\- second\n\\> third\n"));
    assert_non_null(strstr(md, "- <https://cwe.mitre.org/data/definitions/89.html>"));
    assert_non_null(strstr(md, "- javascript:alert(1)"));
    assert_null(strstr(md, "<javascript"));
    free(md);
}

static void
markdown_evidence_fences_outlast_backticks_in_content(void **state)
{
    char *md = fix_render(REPORT_MARKDOWN, &fix_input, NULL);
    const char *resp;
    (void)state;

    /* bola1 request + response, sqli request + response, jwt request. */
    assert_int_equal(check_markdown_structure(md), 5);
    /* The hostile body holds ``` so its block is fenced with four. */
    resp = strstr(md, "````\nHTTP/1.1 200 OK");
    assert_non_null(resp);
    assert_non_null(strstr(resp, "\n```\n# not a heading\n"));
    assert_non_null(strstr(resp, "bad bytes: \xEF\xBF\xBD"));
    assert_null(strchr(md, '\x01'));
    assert_null(strchr(md, '\x1b'));
    free(md);
}

static void
markdown_report_of_no_findings_says_so(void **state)
{
    char *md = fix_render(REPORT_MARKDOWN, &fix_empty, NULL);
    (void)state;

    assert_non_null(strstr(md, "| **Total** | **0** |"));
    assert_non_null(strstr(md, "## Findings\n\nNo findings.\n"));
    assert_null(strstr(md, "###"));
    assert_null(strstr(md, "Warning"));
    assert_int_equal(check_markdown_structure(md), 0);
    free(md);
}

static void
markdown_report_has_an_executive_summary_and_the_controls_at_risk(void **state)
{
    static const char *const frameworks[] = {"PCI DSS"};
    static const struct report_control controls[] = {
        {.id = "pci-dss-6.2.4",
         .framework = "PCI DSS",
         .reference = "6.2.4",
         .name = "Attacks | *prevented*",
         .findings = 3},
    };
    struct report_input in = fix_input;
    char *md;
    (void)state;

    in.frameworks = frameworks;
    in.n_frameworks = 1;
    in.controls = controls;
    in.n_controls = 1;
    md = fix_render(REPORT_MARKDOWN, &in, NULL);
    assert_non_null(strstr(md, "## Executive summary\n\n- 6 findings: 1 critical, 2 high, 1 "
                               "medium, 1 low and 1 info.\n"));
    assert_non_null(strstr(md, "## Controls at risk\n\n| Framework | Control | Name | Findings |"));
    assert_non_null(strstr(md, "| PCI DSS | 6\\.2.4 | Attacks \\| \\*prevented\\* | 3 |\n"));
    free(md);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(markdown_report_has_an_executive_summary_and_the_controls_at_risk),
        cmocka_unit_test(markdown_report_has_summary_and_sections_in_order),
        cmocka_unit_test(markdown_evidence_fences_outlast_backticks_in_content),
        cmocka_unit_test(markdown_report_of_no_findings_says_so),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
