/* SPDX-License-Identifier: MIT */
/* The report format table and the helpers every renderer shares. The table is the one place
 * that names a format, its content type, its file extension and its renderer, so the CLI's
 * --format and the API's ?format= accept the same words and answer the same types. Rendering is
 * all-or-nothing: when the output cap is hit, the partial document is cut off again. */
#include "report/report.h"

#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/str.h"
#include "report/report_int.h"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.0.0"
#endif

/* ------------------------------------------------------------------------------------------ */
/* The format table                                                                           */

typedef void (*report_render_fn)(const struct report_input *in, struct buf *out);

struct report_format_row {
    enum report_format format;
    const char *name;
    const char *alias; /* another accepted spelling, or NULL */
    const char *content_type;
    const char *extension;
    report_render_fn render;
};

static const struct report_format_row report_formats[] = {
    {REPORT_JSON, "json", NULL, "application/json; charset=utf-8", "json", report_render_json},
    {REPORT_SARIF, "sarif", NULL, "application/sarif+json", "sarif", report_render_sarif},
    {REPORT_MARKDOWN, "markdown", "md", "text/markdown; charset=utf-8", "md",
     report_render_markdown},
    {REPORT_HTML, "html", NULL, "text/html; charset=utf-8", "html", report_render_html},
    {REPORT_JUNIT, "junit", NULL, "application/xml; charset=utf-8", "xml", report_render_junit},
    {REPORT_CSV, "csv", NULL, "text/csv; charset=utf-8", "csv", report_render_csv},
};

#define REPORT_FORMAT_COUNT (sizeof(report_formats) / sizeof(report_formats[0]))

static const struct report_format_row *
report_format_row(enum report_format f)
{
    for (size_t i = 0; i < REPORT_FORMAT_COUNT; i++) {
        if (report_formats[i].format == f)
            return &report_formats[i];
    }
    return NULL;
}

int
report_format_parse(const char *name, enum report_format *out)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < REPORT_FORMAT_COUNT; i++) {
        const struct report_format_row *row = &report_formats[i];

        if (strcasecmp(name, row->name) == 0 || (row->alias && strcasecmp(name, row->alias) == 0)) {
            *out = row->format;
            return 0;
        }
    }
    return -1;
}

const char *
report_format_name(enum report_format f)
{
    const struct report_format_row *row = report_format_row(f);

    return row ? row->name : NULL;
}

const char *
report_content_type(enum report_format f)
{
    const struct report_format_row *row = report_format_row(f);

    return row ? row->content_type : NULL;
}

const char *
report_file_extension(enum report_format f)
{
    const struct report_format_row *row = report_format_row(f);

    return row ? row->extension : NULL;
}

int
report_render(enum report_format f, const struct report_input *in, struct buf *out, struct err *err)
{
    const struct report_format_row *row = report_format_row(f);
    bool overflow_before = out->overflow;
    size_t start = out->len;
    bool failed;

    assert(in);
    if (!row)
        return err_set(err, VALIDATION_ERROR, "unknown report format");
    /* The renderer's own appends decide; an overflow from an earlier user of out does not. */
    out->overflow = false;
    row->render(in, out);
    failed = out->overflow;
    out->overflow = overflow_before || failed;
    if (failed) {
        /* A truncated report would look valid to a careless reader: drop it whole. */
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return err_set(err, PAYLOAD_TOO_LARGE, "the %s report is larger than %zu bytes", row->name,
                       out->max);
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Shared helpers                                                                             */

static int
compare_findings(const void *pa, const void *pb)
{
    const struct finding *a = *(const struct finding *const *)pa;
    const struct finding *b = *(const struct finding *const *)pb;

    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    if (a->risk_score != b->risk_score)
        return a->risk_score > b->risk_score ? -1 : 1;
    if (!a->endpoint || !b->endpoint) {
        if (a->endpoint != b->endpoint)
            return a->endpoint ? -1 : 1;
    } else {
        int c = strcmp(a->endpoint, b->endpoint);

        if (c)
            return c;
    }
    /* qsort is not stable: the input position breaks the remaining ties. */
    return a < b ? -1 : a > b ? 1 : 0;
}

const struct finding **
report_sorted_findings(const struct report_input *in, struct arena *arena)
{
    const struct finding **sorted = arena_calloc(arena, in->n_findings + 1, sizeof(*sorted));

    for (size_t i = 0; i < in->n_findings; i++)
        sorted[i] = &in->findings[i];
    if (in->n_findings > 1)
        qsort(sorted, in->n_findings, sizeof(*sorted), compare_findings);
    return sorted;
}

void
report_count_severities(const struct report_input *in, size_t counts[SEVERITY_COUNT])
{
    for (int s = 0; s < SEVERITY_COUNT; s++)
        counts[s] = 0;
    for (size_t i = 0; i < in->n_findings; i++) {
        unsigned s = (unsigned)in->findings[i].severity;

        counts[s < SEVERITY_COUNT ? s : SEVERITY_INFO]++;
    }
}

static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a", "a and b", "a, b and c". */
static const char *
join_names(const char *const *names, size_t n, struct arena *arena)
{
    const char *out = "";

    for (size_t i = 0; i < n; i++)
        out = arena_printf(arena, "%s%s%s", out,
                           i == 0       ? ""
                           : i + 1 == n ? " and "
                                        : ", ",
                           names[i]);
    return out;
}

static const char *
summary_counts(const struct report_input *in, struct arena *arena)
{
    size_t counts[SEVERITY_COUNT];
    const char *parts[SEVERITY_COUNT];
    size_t n = 0;

    report_count_severities(in, counts);
    for (int s = SEVERITY_CRITICAL; s >= SEVERITY_INFO; s--)
        if (counts[s])
            parts[n++] = arena_printf(arena, "%zu %s", counts[s], severity_name((enum severity)s));
    return arena_printf(arena, "%zu finding%s: %s.", in->n_findings, in->n_findings == 1 ? "" : "s",
                        join_names(parts, n, arena));
}

const char **
report_summary_sentences(const struct report_input *in, struct arena *arena, size_t *n)
{
    const char **out = arena_calloc(arena, 7, sizeof(*out));
    const struct finding **sorted = report_sorted_findings(in, arena);
    const char *worst[3];
    size_t open = 0, n_worst = 0;

    *n = 0;
    if (in->n_findings == 0) {
        out[(*n)++] = "No findings.";
        return out;
    }
    out[(*n)++] = summary_counts(in, arena);
    for (size_t i = 0; i < in->n_findings; i++) {
        const struct finding *f = sorted[i];

        if (f->status != FINDING_OPEN && f->status != FINDING_CONFIRMED)
            continue;
        open++;
        if (f->severity >= SEVERITY_HIGH && n_worst < 3)
            worst[n_worst++] =
                arena_printf(arena, "%s (%s%s%s)", str_empty(f->title) ? "Untitled" : f->title,
                             severity_name(f->severity), str_empty(f->endpoint) ? "" : ", ",
                             str_empty(f->endpoint) ? "" : f->endpoint);
    }
    out[(*n)++] = open == in->n_findings
                      ? (open == 1 ? "It is open." : "All are open or confirmed.")
                      : arena_printf(arena,
                                     "%zu %s open or confirmed; %zu %s remediated, accepted or "
                                     "marked false positive.",
                                     open, open == 1 ? "is" : "are", in->n_findings - open,
                                     in->n_findings - open == 1 ? "is" : "are");
    out[(*n)++] =
        n_worst ? arena_printf(arena, "Most severe open: %s.", join_names(worst, n_worst, arena))
                : "No open finding is of high or critical severity.";
    {
        int64_t now = clock_now();
        size_t late = 0;

        for (size_t i = 0; i < in->n_findings; i++)
            late += finding_sla_breached(&in->findings[i], now);
        if (late)
            out[(*n)++] = arena_printf(arena, "%zu open finding%s past %s SLA due date.", late,
                                       late == 1 ? " is" : "s are", late == 1 ? "its" : "their");
    }
    if (in->n_assets > 0) {
        /* The most frequent asset_id among the findings, by sorting their ids: O(n log n),
         * so a report of 10,000 findings on as many assets stays fast. */
        const char **ids = arena_calloc(arena, in->n_findings, sizeof(*ids));
        const char *best = NULL, *value = "unnamed";
        size_t m = 0, best_hits = 0;

        for (size_t i = 0; i < in->n_findings; i++)
            if (!str_empty(in->findings[i].asset_id))
                ids[m++] = in->findings[i].asset_id;
        qsort(ids, m, sizeof(*ids), compare_strings);
        for (size_t i = 0, run; i < m; i += run) {
            for (run = 1; i + run < m && strcmp(ids[i], ids[i + run]) == 0; run++)
                ;
            if (run > best_hits) {
                best = ids[i];
                best_hits = run;
            }
        }
        for (size_t k = 0; best && k < in->n_assets; k++)
            if (in->assets[k].id && strcmp(in->assets[k].id, best) == 0 && in->assets[k].value)
                value = in->assets[k].value;
        if (best)
            out[(*n)++] = arena_printf(arena,
                                       "The findings concern %zu asset%s; the most affected is "
                                       "%s (%zu finding%s).",
                                       in->n_assets, in->n_assets == 1 ? "" : "s", value, best_hits,
                                       best_hits == 1 ? "" : "s");
    }
    if (in->n_frameworks > 0) {
        const char *fws = join_names(in->frameworks, in->n_frameworks, arena);

        out[(*n)++] =
            in->n_controls == 0
                ? arena_printf(arena, "No control of %s is at risk from these findings.", fws)
                : arena_printf(arena,
                               "%zu control%s of %s %s at risk; the most exposed is %s %s, %s "
                               "(%zu finding%s).",
                               in->n_controls, in->n_controls == 1 ? "" : "s", fws,
                               in->n_controls == 1 ? "is" : "are", in->controls[0].framework,
                               in->controls[0].reference, in->controls[0].name,
                               in->controls[0].findings, in->controls[0].findings == 1 ? "" : "s");
    }
    return out;
}

const char *
report_tool_version(const struct report_input *in)
{
    return str_empty(in->tool_version) ? VIGIL_VERSION : in->tool_version;
}

const char *
report_time(int64_t t, char out[21])
{
    if (t <= 0)
        return NULL;
    return clock_format_rfc3339(t, out, 21);
}

void
report_put_clean(struct buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;

    while (i < len) {
        unsigned char c = p[i];
        size_t n;

        if ((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n' || c == '\r') {
            i++;
            run++;
            continue;
        }
        n = c >= 0x80 ? str_utf8_seq_len(p + i, len - i) : 0;
        if (n > 0) {
            i += n;
            run += n;
            continue;
        }
        buf_append(out, p + i - run, run);
        run = 0;
        if (c >= 0x80)
            buf_puts(out, REPORT_REPLACEMENT);
        i++;
    }
    buf_append(out, p + i - run, run);
}

bool
report_url_is_safe(const char *s)
{
    size_t skip;

    if (!s)
        return false;
    if (strncasecmp(s, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(s, "https://", 8) == 0)
        skip = 8;
    else
        return false;
    if (s[skip] == '\0' || s[skip] == '/')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (!(*p < 0x80 && isalnum(*p)) && !strchr("-._~:/?#[]@!$&'()*+,;=%", *p))
            return false;
    }
    return true;
}

void
report_scratch_reset(struct buf *scratch, struct buf *out)
{
    if (scratch->overflow)
        out->overflow = true;
    buf_reset(scratch);
}

const char *
report_severity_title(enum severity s)
{
    static const char *const titles[SEVERITY_COUNT] = {"Info", "Low", "Medium", "High", "Critical"};

    return (unsigned)s < SEVERITY_COUNT ? titles[s] : "Info";
}
