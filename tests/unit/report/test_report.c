/* SPDX-License-Identifier: MIT */
/* Unit tests for report/report.c and html_escape.c: the format table, the report order, the
 * output cap, and the HTML/XML escaping every markup renderer relies on. */
#include "fixture.h"

#include "core/arena.h"
#include "report/report_int.h"

static void
format_table_parses_names_and_aliases(void **state)
{
    static const struct {
        const char *name;
        enum report_format format;
        const char *content_type;
        const char *extension;
    } rows[] = {
        {"json", REPORT_JSON, "application/json; charset=utf-8", "json"},
        {"sarif", REPORT_SARIF, "application/sarif+json", "sarif"},
        {"markdown", REPORT_MARKDOWN, "text/markdown; charset=utf-8", "md"},
        {"html", REPORT_HTML, "text/html; charset=utf-8", "html"},
        {"junit", REPORT_JUNIT, "application/xml; charset=utf-8", "xml"},
        {"csv", REPORT_CSV, "text/csv; charset=utf-8", "csv"},
    };
    enum report_format f = REPORT_JSON;
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(report_format_parse(rows[i].name, &f), 0);
        assert_int_equal(f, rows[i].format);
        assert_string_equal(report_format_name(f), rows[i].name);
        assert_string_equal(report_content_type(f), rows[i].content_type);
        assert_string_equal(report_file_extension(f), rows[i].extension);
    }
    assert_int_equal(report_format_parse("md", &f), 0);
    assert_int_equal(f, REPORT_MARKDOWN);
    assert_int_equal(report_format_parse("SARIF", &f), 0);
    assert_int_equal(f, REPORT_SARIF);
    assert_int_equal(report_format_parse("pdf", &f), -1);
    assert_int_equal(report_format_parse("", &f), -1);
    assert_int_equal(report_format_parse(NULL, &f), -1);
    assert_null(report_format_name((enum report_format)99));
}

static void
render_rejects_unknown_format(void **state)
{
    struct err err = {0};
    struct buf out;
    (void)state;

    buf_init(&out, 1024);
    assert_int_equal(report_render((enum report_format)99, &fix_input, &out, &err), -1);
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    assert_int_equal(out.len, 0);
    buf_cleanup(&out);
}

static void
render_over_cap_is_payload_too_large_and_keeps_prior_content(void **state)
{
    (void)state;

    for (int f = REPORT_JSON; f <= REPORT_CSV; f++) {
        struct err err = {0};
        struct buf out;
        size_t full_len;
        char *full = fix_render((enum report_format)f, &fix_input, &full_len);

        /* One byte short of the whole report, after some earlier content. */
        buf_init(&out, full_len + 6 - 1);
        assert_int_equal(buf_puts(&out, "prior:"), 0);
        assert_int_equal(report_render((enum report_format)f, &fix_input, &out, &err), -1);
        assert_int_equal(err.code, ERR_PAYLOAD_TOO_LARGE);
        assert_string_equal(buf_str(&out), "prior:");
        assert_true(out.overflow);
        buf_cleanup(&out);

        /* Exactly enough room succeeds. */
        err_clear(&err);
        buf_init(&out, full_len + 6);
        assert_int_equal(buf_puts(&out, "prior:"), 0);
        assert_int_equal(report_render((enum report_format)f, &fix_input, &out, &err), 0);
        assert_int_equal(out.len, full_len + 6);
        assert_memory_equal(out.data + 6, full, full_len);
        buf_cleanup(&out);
        free(full);
    }
}

static void
findings_sort_by_severity_then_risk_then_endpoint(void **state)
{
    struct arena *arena = arena_new();
    const struct finding **sorted = report_sorted_findings(&fix_input, arena);
    (void)state;

    for (size_t i = 0; i < FIX_N_FINDINGS; i++)
        assert_string_equal(sorted[i]->id, fix_order[i]);
    arena_free(arena);
}

static void
sort_keeps_input_order_for_full_ties(void **state)
{
    struct finding same[4] = {0};
    struct report_input in = {.findings = same, .n_findings = 4};
    struct arena *arena = arena_new();
    const struct finding **sorted;
    (void)state;

    for (int i = 0; i < 4; i++) {
        same[i].severity = SEVERITY_HIGH;
        same[i].risk_score = 10;
        same[i].endpoint = i == 3 ? NULL : "GET /x";
    }
    sorted = report_sorted_findings(&in, arena);
    assert_ptr_equal(sorted[0], &same[0]);
    assert_ptr_equal(sorted[1], &same[1]);
    assert_ptr_equal(sorted[2], &same[2]);
    assert_ptr_equal(sorted[3], &same[3]); /* absent endpoint last */
    arena_free(arena);
}

static char *
escaped(const char *s, size_t len)
{
    struct buf out;

    buf_init(&out, BUF_UNLIMITED);
    assert_int_equal(report_html_escape(&out, s, len), 0);
    return buf_take(&out, NULL);
}

static void
html_escape_neutralises_markup(void **state)
{
    const char in[] = "</pre><script>alert(\"x\" + 'y') && 1</script>";
    char *got = escaped(in, strlen(in));
    (void)state;

    assert_string_equal(got, "&lt;/pre&gt;&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;) "
                             "&amp;&amp; 1&lt;/script&gt;");
    free(got);
}

static void
html_escape_replaces_invalid_utf8_and_xml_illegal_characters(void **state)
{
    /* valid: e-acute, euro, emoji; invalid: lone 0xff, truncated 0xc3, overlong "/" (0xc0 0xaf),
     * a surrogate (0xed 0xa0 0x80); XML-illegal: NUL, ESC, DEL, U+FFFE. TAB/LF/CR stay. */
    const char in[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xff|\xc0\xaf|\xed\xa0\x80|"
                      "\x00|\x1b|\x7f|\xef\xbf\xbe|\t\n\r|\xc3";
    char *got = escaped(in, sizeof(in) - 1);
    (void)state;

    assert_string_equal(got, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|" REPORT_REPLACEMENT
                             "|" REPORT_REPLACEMENT REPORT_REPLACEMENT
                             "|" REPORT_REPLACEMENT REPORT_REPLACEMENT REPORT_REPLACEMENT
                             "|" REPORT_REPLACEMENT "|" REPORT_REPLACEMENT "|" REPORT_REPLACEMENT
                             "|" REPORT_REPLACEMENT "|\t\n\r|" REPORT_REPLACEMENT);
    free(got);
}

static void
html_escape_reports_overflow(void **state)
{
    struct buf out;
    (void)state;

    buf_init(&out, 8);
    assert_int_equal(report_html_escape(&out, "<<<", 3), -1);
    assert_true(out.overflow);
    buf_cleanup(&out);
}

static void
url_is_safe_accepts_only_clean_http_urls(void **state)
{
    (void)state;

    assert_true(report_url_is_safe("https://owasp.org/API-Security/?a=1&b=2#x"));
    assert_true(report_url_is_safe("http://127.0.0.1:9000/x"));
    assert_false(report_url_is_safe("javascript:alert(1)"));
    assert_false(report_url_is_safe("https://"));
    assert_false(report_url_is_safe("https:///path"));
    assert_false(report_url_is_safe("https://a/\"onmouseover=\"x"));
    assert_false(report_url_is_safe("https://a/<b>"));
    assert_false(report_url_is_safe("https://a/ b"));
    assert_false(report_url_is_safe("https://a/\xc3\xa9"));
    assert_false(report_url_is_safe(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_table_parses_names_and_aliases),
        cmocka_unit_test(render_rejects_unknown_format),
        cmocka_unit_test(render_over_cap_is_payload_too_large_and_keeps_prior_content),
        cmocka_unit_test(findings_sort_by_severity_then_risk_then_endpoint),
        cmocka_unit_test(sort_keeps_input_order_for_full_ties),
        cmocka_unit_test(html_escape_neutralises_markup),
        cmocka_unit_test(html_escape_replaces_invalid_utf8_and_xml_illegal_characters),
        cmocka_unit_test(html_escape_reports_overflow),
        cmocka_unit_test(url_is_safe_accepts_only_clean_http_urls),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
