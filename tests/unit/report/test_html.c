/* SPDX-License-Identifier: MIT */
/* The HTML report is one self-contained page with a strict CSP and an SVG chart, and nothing
 * from the input becomes markup: checked on the raw text and by parsing the page with Python's
 * html.parser (the same tokenizer rules a browser follows for these tags). */
#include "fixture.h"

#include <strings.h>

/* Parses the page; exits 0 if no script/style-injection/external resource exists, every link is
 * internal or https, and the hostile body is text inside a <pre>. */
static const char html_checker[] =
    "import sys, html.parser\n"
    "class P(html.parser.HTMLParser):\n"
    "    def __init__(s):\n"
    "        super().__init__(convert_charrefs=True); s.tags=[]; s.pre=[]; s.inpre=0\n"
    "    def handle_starttag(s, tag, attrs):\n"
    "        s.tags.append(tag)\n"
    "        if tag == 'pre': s.inpre += 1; s.pre.append('')\n"
    "        for k, v in attrs:\n"
    "            if k.startswith('on') or k in ('src', 'srcset', 'action', 'formaction'): "
    "sys.exit(3)\n"
    "            if k == 'href' and not (v.startswith('#') or v.startswith('https://')): "
    "sys.exit(4)\n"
    "    def handle_endtag(s, tag):\n"
    "        if tag == 'pre': s.inpre -= 1\n"
    "    def handle_data(s, d):\n"
    "        if s.inpre: s.pre[-1] += d\n"
    "text = open(sys.argv[1], encoding='utf-8', errors='replace').read()\n"
    "p = P(); p.feed(text); p.close()\n"
    "bad = {'script', 'img', 'iframe', 'object', 'embed', 'link', 'form', 'base', 'input'}\n"
    "if bad & set(p.tags): sys.exit(5)\n"
    "if p.tags.count('svg') != text.count('<svg'): sys.exit(6)\n"
    "if 'svg' not in p.tags: sys.exit(7)\n"
    "if not any('</pre><script>alert(\"x\")</script>' in t for t in p.pre): sys.exit(8)\n"
    "if p.inpre: sys.exit(9)\n"
    "sys.exit(0)\n";

static void
html_report_is_self_contained_with_csp_and_chart(void **state)
{
    char *page = fix_render(REPORT_HTML, &fix_input, NULL);
    (void)state;

    assert_true(strncmp(page, "<!DOCTYPE html>", 15) == 0);
    assert_non_null(strstr(page, "<meta http-equiv=\"Content-Security-Policy\" content=\""
                                 "default-src 'none'; style-src 'unsafe-inline'"));
    /* The CSP comes before anything from the input. */
    assert_true(strstr(page, "Content-Security-Policy") < strstr(page, "<title>"));
    assert_non_null(strstr(page, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(page, "</svg>"));
    assert_null(strcasestr(page, "<script"));
    assert_null(strcasestr(page, "<link"));
    assert_null(strcasestr(page, "<img"));
    assert_null(strcasestr(page, "@import"));
    assert_null(strcasestr(page, "url("));
    assert_true(strstr(page, "</html>") != NULL);
    free(page);
}

static void
html_report_escapes_every_input_string(void **state)
{
    char *page = fix_render(REPORT_HTML, &fix_input, NULL);
    (void)state;

    assert_non_null(strstr(page, "<title>vigil scan of http://127.0.0.1:9000 "
                                 "&lt;b&gt;&quot;&amp;&#39;</title>"));
    assert_non_null(strstr(page, "&lt;/pre&gt;&lt;script&gt;alert(&quot;x&quot;)"
                                 "&lt;/script&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;"));
    assert_non_null(strstr(page, "SQL injection in &quot;name&quot; &lt;script&gt;"));
    assert_non_null(strstr(page, "bad bytes: \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end "
                                 "&amp;amp; &amp;lt;\xEF\xBF\xBD\xEF\xBF\xBD[31m"));
    assert_null(strstr(page, "href=\"javascript"));
    assert_non_null(strstr(page, "<li>javascript:alert(1)</li>"));
    assert_non_null(strstr(page, "href=\"https://cwe.mitre.org/data/definitions/89.html\""));
    /* One <pre> per evidence request/response, all closed. */
    assert_int_equal(fix_count(page, "<pre>"), 5);
    assert_int_equal(fix_count(page, "</pre>"), 5);
    assert_int_equal(fix_count(page, "<article "), FIX_N_FINDINGS);
    assert_null(strchr(page, '\x01'));
    assert_null(strchr(page, '\x1b'));
    free(page);
}

static void
html_report_parses_without_injected_markup(void **state)
{
    char *page = fix_render(REPORT_HTML, &fix_input, NULL);
    int rc;
    (void)state;

    fix_write_file("report-test.html", page);
    rc = fix_python(html_checker, "report-test.html");
    if (rc < 0)
        fix_checker_missing(FIX_PYTHON);
    assert_int_equal(rc, 0);
    free(page);
    unlink("report-test.html");
}

static void
html_checker_catches_injected_script(void **state)
{
    int rc;
    (void)state;

    /* Proves the checker can fail: a page with the body pasted raw. */
    fix_write_file("report-bad.html", "<!DOCTYPE html><svg></svg><pre>" FIX_HOSTILE_BODY "</pre>");
    rc = fix_python(html_checker, "report-bad.html");
    if (rc < 0)
        fix_checker_missing(FIX_PYTHON);
    assert_int_not_equal(rc, 0);
    unlink("report-bad.html");
}

static void
html_report_of_no_findings_has_chart_and_message(void **state)
{
    char *page = fix_render(REPORT_HTML, &fix_empty, NULL);
    (void)state;

    assert_non_null(strstr(page, "<svg"));
    assert_non_null(strstr(page, "No findings."));
    assert_null(strstr(page, "<article"));
    assert_null(strstr(page, "<table"));
    assert_null(strstr(page, "Incomplete scan"));
    free(page);
}

/* A project report's findings grouped by asset: one card per asset in the order of its most
 * severe finding, then "No asset" for the rest (no asset_id, or an asset not given); each
 * entry links to the finding's details, and every asset string is escaped. */
static void
html_report_groups_findings_by_asset(void **state)
{
    struct finding findings[FIX_N_FINDINGS];
    static const struct report_asset assets[] = {
        {.id = "asset_web", .type = "url", .value = "https://web.example", .criticality = "low"},
        {.id = "asset_api", .type = "host", .value = "<script>x</script>", .criticality = "high"},
    };
    struct report_input in = fix_input;
    char *page, *by, *api, *web, *none;
    (void)state;

    memcpy(findings, fix_findings, sizeof(findings));
    for (size_t i = 0; i < FIX_N_FINDINGS; i++) {
        if (strcmp(findings[i].id, "find_sqli") == 0 || strcmp(findings[i].id, "find_bola2") == 0)
            findings[i].asset_id = "asset_api";
        else if (strcmp(findings[i].id, "find_bola1") == 0)
            findings[i].asset_id = "asset_web";
        else if (strcmp(findings[i].id, "find_hdr") == 0)
            findings[i].asset_id = "asset_deleted";
        else
            findings[i].asset_id = NULL;
    }
    in.findings = findings;
    in.assets = assets;
    in.n_assets = 2;
    page = fix_render(REPORT_HTML, &in, NULL);
    by = strstr(page, "<h2>Findings by asset</h2>");
    assert_non_null(by);
    api = strstr(by, "<code>&lt;script&gt;x&lt;/script&gt;</code>");
    web = strstr(by, "<code>https://web.example</code>");
    none = strstr(by, "<h3>No asset</h3>");
    assert_non_null(api);
    assert_non_null(web);
    assert_non_null(none);
    /* sqli (#1, critical) puts the API host first, bola1 (#3) the web app second. */
    assert_true(api < web && web < none);
    assert_non_null(strstr(api, "<a href=\"#finding-1\">1. "));
    assert_true(strstr(api, "href=\"#finding-4\"") < web); /* bola2 */
    assert_true(strstr(web, "href=\"#finding-3\"") < none);
    assert_non_null(strstr(none, "href=\"#finding-5\"")); /* the deleted asset's finding */
    /* Details name the asset. */
    assert_non_null(strstr(page, "<dt>Asset</dt><dd>https://web.example (url)</dd>"));
    assert_null(strstr(page, "<script>x"));
    free(page);

    /* A scan report names no assets: no grouping. */
    page = fix_render(REPORT_HTML, &fix_input, NULL);
    assert_null(strstr(page, "Findings by asset"));
    free(page);
}

static const char *const fix_frameworks[] = {"PCI DSS", "SOC 2"};
static const struct report_control fix_controls[] = {
    {.id = "pci-dss-6.2.4",
     .framework = "PCI DSS",
     .reference = "6.2.4",
     .name = "Attacks <b>prevented</b>",
     .findings = 2},
    {.id = "soc2-cc6.1",
     .framework = "SOC 2",
     .reference = "CC6.1",
     .name = "Logical access",
     .findings = 1},
};

static void
html_report_opens_with_an_executive_summary(void **state)
{
    char *page = fix_render(REPORT_HTML, &fix_input, NULL), *summary, *overview;
    (void)state;

    summary = strstr(page, "<h2>Executive summary</h2>");
    overview = strstr(page, "<h3>Scan</h3>");
    assert_non_null(summary);
    assert_true(summary < overview);
    assert_non_null(strstr(summary, "<li>6 findings: 1 critical, 2 high, 1 medium, 1 low and 1 "
                                    "info.</li>"));
    assert_non_null(strstr(summary, "<li>5 are open or confirmed; 1 is remediated, accepted or "
                                    "marked false positive.</li>"));
    /* The most severe open findings, escaped (the SQL injection title holds a script tag). */
    assert_non_null(strstr(summary, "<li>Most severe open: SQL injection in &quot;name&quot; "
                                    "&lt;script&gt;"));
    assert_null(strstr(page, "Controls at risk")); /* no frameworks */
    assert_null(strstr(page, "SLA due date"));     /* the fixture's findings have no SLA */
    free(page);
}

static void
html_summary_counts_open_findings_past_their_sla(void **state)
{
    struct finding findings[FIX_N_FINDINGS];
    struct report_input in = fix_input;
    char *page;
    (void)state;

    memcpy(findings, fix_findings, sizeof(findings));
    for (size_t i = 0; i < FIX_N_FINDINGS; i++)
        findings[i].sla_due_at = 1; /* 1970: long past */
    in.findings = findings;
    page = fix_render(REPORT_HTML, &in, NULL);
    /* Five are open or confirmed; the accepted one is not late. */
    assert_non_null(strstr(page, "<li>5 open findings are past their SLA due date.</li>"));
    free(page);
}

static void
html_report_lists_the_controls_at_risk_when_the_project_has_frameworks(void **state)
{
    struct report_input in = fix_input;
    char *page, *section;
    (void)state;

    in.frameworks = fix_frameworks;
    in.n_frameworks = 2;
    in.controls = fix_controls;
    in.n_controls = 2;
    page = fix_render(REPORT_HTML, &in, NULL);
    section = strstr(page, "<h2>Controls at risk</h2>");
    assert_non_null(section);
    assert_non_null(strstr(section, "<tr><td>PCI DSS</td><td><code>6.2.4</code></td><td>Attacks "
                                    "&lt;b&gt;prevented&lt;/b&gt;</td><td class=\"num\">2</td>"));
    assert_true(strstr(section, "CC6.1") > strstr(section, "6.2.4"));
    assert_non_null(strstr(page, "<li>2 controls of PCI DSS and SOC 2 are at risk; the most "
                                 "exposed is PCI DSS 6.2.4, Attacks &lt;b&gt;prevented&lt;/b&gt; "
                                 "(2 findings).</li>"));
    assert_null(strstr(page, "<b>prevented"));
    free(page);

    in.n_controls = 0;
    page = fix_render(REPORT_HTML, &in, NULL);
    assert_non_null(strstr(page, "<h2>Controls at risk</h2><p class=\"card\">No control"));
    assert_non_null(strstr(page, "<li>No control of PCI DSS and SOC 2 is at risk from these "
                                 "findings.</li>"));
    free(page);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(html_report_is_self_contained_with_csp_and_chart),
        cmocka_unit_test(html_report_escapes_every_input_string),
        cmocka_unit_test(html_report_parses_without_injected_markup),
        cmocka_unit_test(html_checker_catches_injected_script),
        cmocka_unit_test(html_report_of_no_findings_has_chart_and_message),
        cmocka_unit_test(html_report_groups_findings_by_asset),
        cmocka_unit_test(html_report_opens_with_an_executive_summary),
        cmocka_unit_test(html_summary_counts_open_findings_past_their_sla),
        cmocka_unit_test(html_report_lists_the_controls_at_risk_when_the_project_has_frameworks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
