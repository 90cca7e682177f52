/* SPDX-License-Identifier: MIT */
/* The Markdown report, for pull-request comments, wikis and job summaries. Text from the target
 * or from users is escaped so it renders as the same text and never as markup (links, HTML,
 * headings, table cells); evidence goes into fenced code blocks whose fence is longer than any
 * run of backticks inside, so no response body can close its block. */
#include "report/report_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/str.h"

/* ------------------------------------------------------------------------------------------ */
/* Escaping                                                                                   */

/* Punctuation that means something anywhere in a CommonMark/GFM line. */
#define MD_ESCAPE_ANYWHERE "\\`*_[]<>|~#&"
/* Punctuation that means something only at the start of a line (lists, quotes, headings). */
#define MD_ESCAPE_LINE_START "-+=>#"

/* Appends text escaped. inline_only: line breaks become spaces (titles, table cells). */
static void
md_put(struct buf *out, const char *s, bool inline_only)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = strlen((const char *)p);
    bool line_start = true;

    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        size_t n;

        if (c == '\n' || c == '\r') {
            buf_putc(out, inline_only ? ' ' : (char)c);
            line_start = !inline_only;
            i++;
            continue;
        }
        if (c == '\t' || c == ' ') {
            buf_putc(out, (char)c);
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            i++; /* other controls carry nothing readable */
            continue;
        }
        if (c < 0x80) {
            if (strchr(MD_ESCAPE_ANYWHERE, c) || (line_start && strchr(MD_ESCAPE_LINE_START, c)))
                buf_putc(out, '\\');
            /* "1. " or "1) " at a line start would open an ordered list. */
            if (line_start && c >= '0' && c <= '9') {
                size_t k = i;

                while (k < len && p[k] >= '0' && p[k] <= '9')
                    k++;
                if (k < len && (p[k] == '.' || p[k] == ')')) {
                    buf_append(out, p + i, k - i);
                    buf_putc(out, '\\');
                    i = k;
                    c = p[i];
                }
            }
            buf_putc(out, (char)c);
            line_start = false;
            i++;
            continue;
        }
        n = str_utf8_seq_len(p + i, len - i);
        if (n == 0) {
            buf_puts(out, REPORT_REPLACEMENT);
            n = 1;
        } else {
            buf_append(out, p + i, n);
        }
        line_start = false;
        i += n;
    }
}

/* A fenced code block holding s verbatim (invalid UTF-8 and controls cleaned). */
static void
md_code_block(struct buf *out, const char *s)
{
    size_t longest = 0, run = 0, len = strlen(s);

    for (size_t i = 0; i < len; i++) {
        run = s[i] == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    /* A closing fence needs at least as many backticks as the opening one. */
    size_t fence = longest >= 3 ? longest + 1 : 3;

    for (size_t i = 0; i < fence; i++)
        buf_putc(out, '`');
    buf_putc(out, '\n');
    report_put_clean(out, s, len);
    if (len == 0 || (s[len - 1] != '\n'))
        buf_putc(out, '\n');
    for (size_t i = 0; i < fence; i++)
        buf_putc(out, '`');
    buf_puts(out, "\n\n");
}

/* One "| Name | value |" row of a two-column table; skipped when value is empty. */
static void
md_row(struct buf *out, const char *name, const char *value)
{
    if (str_empty(value))
        return;
    buf_printf(out, "| %s | ", name);
    md_put(out, value, true);
    buf_puts(out, " |\n");
}

/* A paragraph of text with its line breaks kept. */
static void
md_paragraph(struct buf *out, const char *s)
{
    md_put(out, s, false);
    buf_puts(out, "\n\n");
}

/* ------------------------------------------------------------------------------------------ */
/* Sections                                                                                   */

static void
md_scan(struct buf *out, const struct report_input *in, struct arena *arena)
{
    char started[21], finished[21];
    const char *checks = NULL;

    if (in->n_checks_run > 0) {
        struct buf list;

        buf_init(&list, out->max);
        for (size_t i = 0; i < in->n_checks_run; i++)
            buf_printf(&list, "%s%s", i ? ", " : "", in->checks_run[i] ? in->checks_run[i] : "");
        checks = arena_strdup(arena, buf_str(&list));
        if (list.overflow)
            out->overflow = true;
        buf_cleanup(&list);
    }

    buf_puts(out, "## Scan\n\n| | |\n| --- | --- |\n");
    md_row(out, "Scan", in->scan_id);
    md_row(out, "Target", in->target);
    md_row(out, "API", in->spec_title);
    md_row(out, "Started", report_time(in->started_at, started));
    md_row(out, "Finished", report_time(in->finished_at, finished));
    if (in->started_at > 0 && in->finished_at >= in->started_at)
        md_row(out, "Duration",
               arena_printf(arena, "%lld s", (long long)(in->finished_at - in->started_at)));
    if (in->endpoints_discovered || in->endpoints_tested)
        md_row(out, "Endpoints tested",
               arena_printf(arena, "%zu of %zu", in->endpoints_tested, in->endpoints_discovered));
    if (in->requests_sent)
        md_row(out, "Requests sent", arena_printf(arena, "%zu", in->requests_sent));
    md_row(out, "Checks run", checks);
    md_row(out, "Tool", arena_printf(arena, "vigil %s", report_tool_version(in)));
    if (in->incomplete)
        md_row(out, "Status",
               arena_printf(arena, "Incomplete (%s)",
                            str_empty(in->stop_reason) ? "reason unknown" : in->stop_reason));
    else
        md_row(out, "Status", "Complete");
    buf_putc(out, '\n');
    if (in->incomplete) {
        buf_puts(out, "> **Warning:** the scan stopped early (");
        md_put(out, str_empty(in->stop_reason) ? "reason unknown" : in->stop_reason, true);
        buf_puts(out, "). Endpoints it did not reach were not tested, so an absent finding "
                      "proves nothing about them.\n\n");
    }
}

static void
md_summary(struct buf *out, const struct report_input *in)
{
    size_t counts[SEVERITY_COUNT];

    report_count_severities(in, counts);
    buf_puts(out, "## Summary\n\n| Severity | Findings |\n| --- | ---: |\n");
    for (int s = SEVERITY_CRITICAL; s >= SEVERITY_INFO; s--)
        buf_printf(out, "| %s | %zu |\n", report_severity_title((enum severity)s), counts[s]);
    buf_printf(out, "| **Total** | **%zu** |\n\n", in->n_findings);
}

static void
md_executive_summary(struct buf *out, const struct report_input *in, struct arena *arena)
{
    size_t n;
    const char **lines = report_summary_sentences(in, arena, &n);

    buf_puts(out, "## Executive summary\n\n");
    for (size_t i = 0; i < n; i++) {
        buf_puts(out, "- ");
        md_put(out, lines[i], true);
        buf_putc(out, '\n');
    }
    buf_putc(out, '\n');
}

static void
md_controls(struct buf *out, const struct report_input *in)
{
    if (in->n_frameworks == 0)
        return;
    buf_puts(out, "## Controls at risk\n\n");
    if (in->n_controls == 0) {
        buf_puts(out, "No control of the project's frameworks is at risk: no open high or "
                      "critical finding maps to one.\n\n");
        return;
    }
    buf_puts(out, "| Framework | Control | Name | Findings |\n| --- | --- | --- | ---: |\n");
    for (size_t i = 0; i < in->n_controls; i++) {
        const struct report_control *c = &in->controls[i];

        buf_puts(out, "| ");
        md_put(out, c->framework, true);
        buf_puts(out, " | ");
        md_put(out, c->reference, true);
        buf_puts(out, " | ");
        md_put(out, c->name, true);
        buf_printf(out, " | %zu |\n", c->findings);
    }
    buf_putc(out, '\n');
}

static void
md_finding(struct buf *out, const struct finding *f, size_t number, struct arena *arena)
{
    buf_printf(out, "### %zu. [%s] ", number, report_severity_title(f->severity));
    md_put(out, str_empty(f->title) ? "Untitled finding" : f->title, true);
    buf_puts(out, "\n\n| | |\n| --- | --- |\n");
    md_row(out, "Severity", report_severity_title(f->severity));
    md_row(out, "Endpoint", f->endpoint);
    md_row(out, "OWASP", f->owasp);
    md_row(out, "CWE", f->cwe);
    md_row(out, "Risk score", arena_printf(arena, "%d / 100", f->risk_score));
    if (f->cvss_score >= 0)
        md_row(out, "CVSS",
               arena_printf(arena, "%.1f%s%s", f->cvss_score, f->cvss_vector ? " " : "",
                            f->cvss_vector ? f->cvss_vector : ""));
    md_row(out, "Confidence", confidence_name(f->confidence));
    md_row(out, "Status", finding_status_name(f->status));
    md_row(out, "Check", f->check_id);
    md_row(out, "Finding id", f->id);
    md_row(out, "Fingerprint", f->fingerprint);
    buf_putc(out, '\n');

    if (!str_empty(f->description)) {
        buf_puts(out, "#### Description\n\n");
        md_paragraph(out, f->description);
    }
    if (!str_empty(f->evidence.request) || !str_empty(f->evidence.response) ||
        !str_empty(f->evidence.notes)) {
        buf_puts(out, "#### Evidence\n\n");
        if (!str_empty(f->evidence.request)) {
            buf_puts(out, "**Request**\n\n");
            md_code_block(out, f->evidence.request);
        }
        if (!str_empty(f->evidence.response)) {
            buf_puts(out, "**Response**\n\n");
            md_code_block(out, f->evidence.response);
        }
        if (!str_empty(f->evidence.notes)) {
            buf_puts(out, "**Notes**\n\n");
            md_paragraph(out, f->evidence.notes);
        }
    }
    if (!str_empty(f->remediation)) {
        buf_puts(out, "#### Remediation\n\n");
        md_paragraph(out, f->remediation);
    }
    if (f->n_references > 0) {
        buf_puts(out, "#### References\n\n");
        for (size_t i = 0; i < f->n_references; i++) {
            const char *ref = f->references[i];

            if (report_url_is_safe(ref)) {
                buf_printf(out, "- <%s>\n", ref); /* an autolink: no < > or space inside */
            } else {
                buf_puts(out, "- ");
                md_put(out, ref, true);
                buf_putc(out, '\n');
            }
        }
        buf_putc(out, '\n');
    }
}

void
report_render_markdown(const struct report_input *in, struct buf *out)
{
    struct arena *arena = arena_new();
    const struct finding **sorted = report_sorted_findings(in, arena);

    buf_puts(out, "# ");
    md_put(out, str_empty(in->title) ? "vigil report" : in->title, true);
    buf_puts(out, "\n\n");
    md_executive_summary(out, in, arena);
    md_scan(out, in, arena);
    md_summary(out, in);
    md_controls(out, in);
    buf_puts(out, "## Findings\n\n");
    if (in->n_findings == 0)
        buf_puts(out, "No findings.\n");
    for (size_t i = 0; i < in->n_findings; i++)
        md_finding(out, sorted[i], i + 1, arena);
    arena_free(arena);
}
