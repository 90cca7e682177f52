/* SPDX-License-Identifier: MIT */
/* CSV (RFC 4180, UTF-8, CRLF line ends): one row per finding, in input order, so the API's
 * ?format=csv keeps the sort the client asked for. A field is quoted when it holds a comma, a
 * quote, CR or LF, and quotes are doubled. Cells are opened by spreadsheets, which run any cell
 * that starts with = + - @ TAB CR (or LF) as a formula: such a text cell gets a leading
 * apostrophe, so "=cmd|' /C calc'!A0" is shown, never run (OWASP "CSV Injection"). */
#include "report/report_int.h"

#include <stdio.h>
#include <string.h>

#include "core/str.h"

static const char *const csv_columns[] = {
    "id",          "title",      "severity",   "status",     "cwe",        "owasp",
    "endpoint",    "risk_score", "cvss_score", "project_id", "asset_id",   "scan_id",
    "fingerprint", "first_seen", "last_seen",  "created_at", "updated_at",
};

#define CSV_N_COLUMNS (sizeof(csv_columns) / sizeof(csv_columns[0]))

/* True if the cell's first character, once the controls report_put_clean drops are gone,
 * makes a spreadsheet read the cell as a formula. */
static bool
csv_looks_like_formula(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while ((*p && *p < 0x20 && *p != '\t' && *p != '\r' && *p != '\n') || *p == 0x7F)
        p++;
    return *p && strchr("=+-@\t\r\n", *p);
}

/* Appends one text cell (s may be NULL: an empty cell). */
static void
csv_text(struct buf *out, const char *s, bool first)
{
    bool formula, quote;
    size_t len;

    if (!first)
        buf_putc(out, ',');
    if (!s)
        return;
    len = strlen(s);
    formula = csv_looks_like_formula(s);
    quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        buf_putc(out, '"');
    if (formula)
        buf_putc(out, '\'');
    if (!quote) {
        report_put_clean(out, s, len);
        return;
    }
    for (const char *p = s, *q; *p; p = q + 1) {
        q = strchr(p, '"');
        if (!q) {
            report_put_clean(out, p, strlen(p));
            break;
        }
        report_put_clean(out, p, (size_t)(q - p));
        buf_puts(out, "\"\"");
    }
    buf_putc(out, '"');
}

/* A number we printed ourselves: never a formula, never quoted. decimals: 0 or 1. */
static void
csv_number(struct buf *out, double v, int decimals)
{
    buf_printf(out, ",%.*f", decimals, v);
}

static void
csv_time(struct buf *out, int64_t t)
{
    char when[21];

    csv_text(out, report_time(t, when), false);
}

void
report_render_csv(const struct report_input *in, struct buf *out)
{
    for (size_t c = 0; c < CSV_N_COLUMNS; c++)
        buf_printf(out, "%s%s", c ? "," : "", csv_columns[c]);
    buf_puts(out, "\r\n");
    for (size_t i = 0; i < in->n_findings; i++) {
        const struct finding *f = &in->findings[i];

        csv_text(out, f->id, true);
        csv_text(out, f->title, false);
        csv_text(out, severity_name(f->severity), false);
        csv_text(out, finding_status_name(f->status), false);
        csv_text(out, f->cwe, false);
        csv_text(out, f->owasp, false);
        csv_text(out, f->endpoint, false);
        csv_number(out, (double)f->risk_score, 0);
        if (f->cvss_score >= 0)
            csv_number(out, f->cvss_score, 1);
        else
            csv_text(out, NULL, false);
        csv_text(out, f->project_id, false);
        csv_text(out, f->asset_id, false);
        csv_text(out, f->scan_id, false);
        csv_text(out, f->fingerprint, false);
        csv_time(out, f->first_seen);
        csv_time(out, f->last_seen);
        csv_time(out, f->created_at);
        csv_time(out, f->updated_at);
        buf_puts(out, "\r\n");
    }
}
