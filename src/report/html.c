/* SPDX-License-Identifier: MIT */
/* The HTML report: one self-contained file (inline CSS, an inline SVG chart, no script, no
 * external resource) that can be mailed or archived. The target is hostile: its response bodies
 * end up here, so every string from the input goes through report_html_escape, links are made
 * only from clean http(s) URLs, and a Content-Security-Policy forbids scripts, fetches and forms
 * should anything ever slip through. */
#include "report/report_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/str.h"

#define HTML_CSP                                                                                   \
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

/* Severity colours, index = enum severity. */
static const char *const html_colors[SEVERITY_COUNT] = {"#64748b", "#2563eb", "#d97706", "#ea580c",
                                                        "#b91c1c"};

static const char html_style[] =
    ":root{color-scheme:light;--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:var(--bg);color:var(--fg);"
    "font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}"
    "main{max-width:1100px;margin:0 auto;padding:32px 24px}"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 12px}"
    "h3{font-size:17px;margin:0 0 12px}h4{font-size:14px;margin:18px 0 6px;color:var(--muted);"
    "text-transform:uppercase;letter-spacing:.04em}"
    ".sub{color:var(--muted);margin:0 0 24px}"
    ".card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:20px;"
    "margin:0 0 16px}"
    ".grid{display:grid;grid-template-columns:minmax(260px,1fr) minmax(300px,1.3fr);gap:16px}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:0}"
    "dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}"
    "table{width:100%;border-collapse:collapse;background:#fff}"
    "th,td{text-align:left;padding:8px 10px;border-bottom:1px solid var(--line);"
    "vertical-align:top;overflow-wrap:anywhere}"
    "th{font-size:13px;color:var(--muted);font-weight:600}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".badge{display:inline-block;min-width:64px;text-align:center;color:#fff;border-radius:999px;"
    "padding:1px 10px;font-size:12px;font-weight:600;text-transform:uppercase}"
    ".warn{background:#fff7ed;border:1px solid #fdba74;border-radius:10px;padding:12px 16px;"
    "margin:0 0 16px}"
    "pre{background:#0f172a;color:#e2e8f0;padding:12px;border-radius:8px;overflow:auto;"
    "max-height:480px;white-space:pre-wrap;overflow-wrap:anywhere;"
    "font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}"
    "code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}"
    ".text{white-space:pre-wrap;overflow-wrap:anywhere}"
    "a{color:#1d4ed8}footer{color:var(--muted);font-size:13px;margin-top:32px}"
    "@media print{pre{max-height:none}body{background:#fff}}";

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

static void
html_text(struct buf *out, const char *s)
{
    if (s)
        report_html_escape(out, s, strlen(s));
}

static void
html_badge(struct buf *out, enum severity s)
{
    unsigned i = (unsigned)s < SEVERITY_COUNT ? (unsigned)s : SEVERITY_INFO;

    buf_printf(out, "<span class=\"badge\" style=\"background:%s\">%s</span>", html_colors[i],
               severity_name((enum severity)i));
}

/* <dt>name</dt><dd>value</dd>, skipped when value is empty. */
static void
html_dl_row(struct buf *out, const char *name, const char *value)
{
    if (str_empty(value))
        return;
    buf_printf(out, "<dt>%s</dt><dd>", name);
    html_text(out, value);
    buf_puts(out, "</dd>");
}

static void
html_pre(struct buf *out, const char *label, const char *s)
{
    if (str_empty(s))
        return;
    buf_printf(out, "<h4>%s</h4><pre>", label);
    html_text(out, s);
    buf_puts(out, "</pre>");
}

/* ------------------------------------------------------------------------------------------ */
/* Sections                                                                                   */

/* A horizontal bar per severity, scaled to the largest count. Pure SVG: no script, no font. */
static void
html_chart(struct buf *out, const size_t counts[SEVERITY_COUNT])
{
    const int row = 30, label_w = 80, bar_w = 300, top = 8;
    size_t max = 0;

    for (int s = 0; s < SEVERITY_COUNT; s++)
        max = counts[s] > max ? counts[s] : max;
    buf_printf(out,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 %d %d\" "
               "width=\"100%%\" style=\"max-width:460px\" aria-labelledby=\"chart-title\">"
               "<title id=\"chart-title\">Findings by severity</title>",
               label_w + bar_w + 60, top * 2 + row * SEVERITY_COUNT);
    for (int s = SEVERITY_CRITICAL, i = 0; s >= SEVERITY_INFO; s--, i++) {
        int y = top + i * row;
        int w = max ? (int)((double)counts[s] / (double)max * bar_w + 0.5) : 0;

        if (counts[s] > 0 && w < 3)
            w = 3;
        buf_printf(out,
                   "<text x=\"0\" y=\"%d\" font-size=\"13\" fill=\"#374151\" "
                   "font-family=\"sans-serif\">%s</text>"
                   "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" rx=\"4\" fill=\"#eef2f7\"/>"
                   "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" rx=\"4\" fill=\"%s\"/>"
                   "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#111827\" "
                   "font-family=\"sans-serif\" font-weight=\"600\">%zu</text>",
                   y + 14, report_severity_title((enum severity)s), label_w, y, bar_w, label_w, y,
                   w, html_colors[s], label_w + bar_w + 8, y + 14, counts[s]);
    }
    buf_puts(out, "</svg>");
}

static void
html_overview(struct buf *out, const struct report_input *in, struct arena *arena)
{
    size_t counts[SEVERITY_COUNT];
    char started[21], finished[21];

    report_count_severities(in, counts);
    if (in->incomplete) {
        buf_puts(out, "<div class=\"warn\"><strong>Incomplete scan.</strong> The scan stopped "
                      "early (");
        html_text(out, str_empty(in->stop_reason) ? "reason unknown" : in->stop_reason);
        buf_puts(out, "); endpoints it did not reach were not tested.</div>");
    }
    buf_puts(out, "<div class=\"grid\"><section class=\"card\"><h3>Scan</h3><dl>");
    html_dl_row(out, "Scan", in->scan_id);
    html_dl_row(out, "Target", in->target);
    html_dl_row(out, "API", in->spec_title);
    html_dl_row(out, "Started", report_time(in->started_at, started));
    html_dl_row(out, "Finished", report_time(in->finished_at, finished));
    if (in->started_at > 0 && in->finished_at >= in->started_at)
        html_dl_row(out, "Duration",
                    arena_printf(arena, "%lld s", (long long)(in->finished_at - in->started_at)));
    if (in->endpoints_discovered || in->endpoints_tested)
        html_dl_row(
            out, "Endpoints tested",
            arena_printf(arena, "%zu of %zu", in->endpoints_tested, in->endpoints_discovered));
    if (in->requests_sent)
        html_dl_row(out, "Requests sent", arena_printf(arena, "%zu", in->requests_sent));
    if (in->n_checks_run > 0) {
        buf_puts(out, "<dt>Checks run</dt><dd>");
        for (size_t i = 0; i < in->n_checks_run; i++) {
            if (i)
                buf_puts(out, ", ");
            html_text(out, in->checks_run[i]);
        }
        buf_puts(out, "</dd>");
    }
    html_dl_row(out, "Status", in->incomplete ? "Incomplete" : "Complete");
    buf_puts(out, "</dl></section><section class=\"card\"><h3>Findings by severity</h3>");
    html_chart(out, counts);
    buf_printf(out, "<p>Total: <strong>%zu</strong></p></section></div>", in->n_findings);
}

static void
html_summary(struct buf *out, const struct report_input *in, struct arena *arena)
{
    size_t n;
    const char **lines = report_summary_sentences(in, arena, &n);

    buf_puts(out, "<section class=\"card\"><h2>Executive summary</h2><ul>");
    for (size_t i = 0; i < n; i++) {
        buf_puts(out, "<li>");
        html_text(out, lines[i]);
        buf_puts(out, "</li>");
    }
    buf_puts(out, "</ul></section>");
}

/* The controls of the project's frameworks that open high or critical findings put at risk. */
static void
html_controls(struct buf *out, const struct report_input *in)
{
    if (in->n_frameworks == 0)
        return;
    buf_puts(out, "<h2>Controls at risk</h2>");
    if (in->n_controls == 0) {
        buf_puts(out, "<p class=\"card\">No control of the project's frameworks is at risk: no "
                      "open high or critical finding maps to one.</p>");
        return;
    }
    buf_puts(out, "<table><thead><tr><th>Framework</th><th>Control</th><th>Name</th>"
                  "<th>Findings</th></tr></thead><tbody>");
    for (size_t i = 0; i < in->n_controls; i++) {
        const struct report_control *c = &in->controls[i];

        buf_puts(out, "<tr><td>");
        html_text(out, c->framework);
        buf_puts(out, "</td><td><code>");
        html_text(out, c->reference);
        buf_puts(out, "</code></td><td>");
        html_text(out, c->name);
        buf_printf(out, "</td><td class=\"num\">%zu</td></tr>", c->findings);
    }
    buf_puts(out, "</tbody></table>");
}

static void
html_table(struct buf *out, const struct finding **sorted, size_t n)
{
    buf_puts(out, "<h2>Findings</h2>");
    if (n == 0) {
        buf_puts(out, "<p class=\"card\">No findings.</p>");
        return;
    }
    buf_puts(out, "<table><thead><tr><th>#</th><th>Severity</th><th>Finding</th>"
                  "<th>Endpoint</th><th>OWASP</th><th>CWE</th><th>Risk</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = sorted[i];

        buf_printf(out, "<tr><td class=\"num\">%zu</td><td>", i + 1);
        html_badge(out, f->severity);
        buf_printf(out, "</td><td><a href=\"#finding-%zu\">", i + 1);
        html_text(out, str_empty(f->title) ? "Untitled finding" : f->title);
        buf_puts(out, "</a></td><td><code>");
        html_text(out, f->endpoint);
        buf_puts(out, "</code></td><td>");
        html_text(out, f->owasp);
        buf_puts(out, "</td><td>");
        html_text(out, f->cwe);
        buf_printf(out, "</td><td class=\"num\">%d</td></tr>", f->risk_score);
    }
    buf_puts(out, "</tbody></table>");
}

/* The asset finding f names, or NULL (none, or not among the input's assets). */
static const struct report_asset *
asset_of(const struct report_input *in, const struct finding *f)
{
    for (size_t i = 0; f->asset_id && i < in->n_assets; i++) {
        if (in->assets[i].id && strcmp(in->assets[i].id, f->asset_id) == 0)
            return &in->assets[i];
    }
    return NULL;
}

/* One card per asset, in the order of each asset's most severe finding (sorted is by severity
 * first), then the findings that name no known asset: each lists its findings as links to
 * their details, which keep the numbers of the main table. */
static void
html_by_asset(struct buf *out, const struct report_input *in, const struct finding **sorted,
              struct arena *arena)
{
    size_t n = in->n_findings, n_groups = 0;
    const struct report_asset **group_of = arena_calloc(arena, n ? n : 1, sizeof(*group_of));
    const struct report_asset **groups = arena_calloc(arena, n + 1, sizeof(*groups));
    bool unassigned = false;

    if (in->n_assets == 0 || n == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        size_t g = 0;

        group_of[i] = asset_of(in, sorted[i]);
        if (!group_of[i]) {
            unassigned = true;
            continue;
        }
        while (g < n_groups && groups[g] != group_of[i])
            g++;
        if (g == n_groups)
            groups[n_groups++] = group_of[i];
    }
    buf_puts(out, "<h2>Findings by asset</h2>");
    for (size_t g = 0; g <= n_groups; g++) {
        const struct report_asset *a = g < n_groups ? groups[g] : NULL;

        if (!a && !unassigned)
            break;
        buf_puts(out, "<section class=\"card\"><h3>");
        if (a) {
            buf_puts(out, "<code>");
            html_text(out, a->value);
            buf_puts(out, "</code> <span class=\"sub\">");
            html_text(out, a->type);
            buf_puts(out, ", criticality ");
            html_text(out, a->criticality);
            buf_puts(out, "</span>");
        } else {
            buf_puts(out, "No asset");
        }
        buf_puts(out, "</h3><ul>");
        for (size_t i = 0; i < n; i++) {
            if (group_of[i] != a)
                continue;
            buf_puts(out, "<li>");
            html_badge(out, sorted[i]->severity);
            buf_printf(out, " <a href=\"#finding-%zu\">%zu. ", i + 1, i + 1);
            html_text(out, str_empty(sorted[i]->title) ? "Untitled finding" : sorted[i]->title);
            buf_puts(out, "</a></li>");
        }
        buf_puts(out, "</ul></section>");
    }
}

static void
html_finding(struct buf *out, const struct report_input *in, const struct finding *f, size_t number,
             struct arena *arena)
{
    const struct report_asset *asset = asset_of(in, f);

    buf_printf(out, "<article class=\"card\" id=\"finding-%zu\"><h3>%zu. ", number, number);
    html_badge(out, f->severity);
    buf_putc(out, ' ');
    html_text(out, str_empty(f->title) ? "Untitled finding" : f->title);
    buf_puts(out, "</h3><dl>");
    if (asset)
        html_dl_row(out, "Asset", arena_printf(arena, "%s (%s)", asset->value, asset->type));
    html_dl_row(out, "Endpoint", f->endpoint);
    html_dl_row(out, "OWASP", f->owasp);
    html_dl_row(out, "CWE", f->cwe);
    html_dl_row(out, "Risk score", arena_printf(arena, "%d / 100", f->risk_score));
    if (f->cvss_score >= 0)
        html_dl_row(out, "CVSS",
                    arena_printf(arena, "%.1f%s%s", f->cvss_score, f->cvss_vector ? " " : "",
                                 f->cvss_vector ? f->cvss_vector : ""));
    html_dl_row(out, "Confidence", confidence_name(f->confidence));
    html_dl_row(out, "Status", finding_status_name(f->status));
    html_dl_row(out, "Check", f->check_id);
    html_dl_row(out, "Finding id", f->id);
    html_dl_row(out, "Fingerprint", f->fingerprint);
    buf_puts(out, "</dl>");
    if (!str_empty(f->description)) {
        buf_puts(out, "<h4>Description</h4><p class=\"text\">");
        html_text(out, f->description);
        buf_puts(out, "</p>");
    }
    html_pre(out, "Request", f->evidence.request);
    html_pre(out, "Response", f->evidence.response);
    if (!str_empty(f->evidence.notes)) {
        buf_puts(out, "<h4>Notes</h4><p class=\"text\">");
        html_text(out, f->evidence.notes);
        buf_puts(out, "</p>");
    }
    if (!str_empty(f->remediation)) {
        buf_puts(out, "<h4>Remediation</h4><p class=\"text\">");
        html_text(out, f->remediation);
        buf_puts(out, "</p>");
    }
    if (f->n_references > 0) {
        buf_puts(out, "<h4>References</h4><ul>");
        for (size_t i = 0; i < f->n_references; i++) {
            const char *ref = f->references[i];

            buf_puts(out, "<li>");
            if (report_url_is_safe(ref)) {
                /* Escaped too: & in a query must be &amp; inside an attribute. */
                buf_puts(out, "<a rel=\"noopener noreferrer\" href=\"");
                html_text(out, ref);
                buf_puts(out, "\">");
                html_text(out, ref);
                buf_puts(out, "</a>");
            } else {
                html_text(out, ref);
            }
            buf_puts(out, "</li>");
        }
        buf_puts(out, "</ul>");
    }
    buf_puts(out, "</article>");
}

void
report_render_html(const struct report_input *in, struct buf *out)
{
    struct arena *arena = arena_new();
    const struct finding **sorted = report_sorted_findings(in, arena);
    const char *title = str_empty(in->title) ? "vigil report" : in->title;

    buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta http-equiv=\"Content-Security-Policy\" content=\"" HTML_CSP "\">"
                  "<meta name=\"referrer\" content=\"no-referrer\">"
                  "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                  "<title>");
    html_text(out, title);
    buf_printf(out, "</title><style>%s</style></head>\n<body><main><header><h1>", html_style);
    html_text(out, title);
    buf_puts(out, "</h1><p class=\"sub\">Generated by vigil ");
    html_text(out, report_tool_version(in));
    buf_puts(out, "</p></header>\n");
    html_summary(out, in, arena);
    html_overview(out, in, arena);
    html_controls(out, in);
    html_table(out, sorted, in->n_findings);
    html_by_asset(out, in, sorted, arena);
    if (in->n_findings > 0)
        buf_puts(out, "<h2>Details</h2>");
    for (size_t i = 0; i < in->n_findings; i++) {
        buf_putc(out, '\n');
        html_finding(out, in, sorted[i], i + 1, arena);
    }
    buf_puts(out, "\n<footer>vigil API security report. Evidence is shown as the target sent it "
                  "(truncated, secrets masked).</footer></main></body></html>\n");
    arena_free(arena);
}
