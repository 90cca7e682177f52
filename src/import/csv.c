/* SPDX-License-Identifier: MIT */
/* Generic CSV (RFC 4180: comma-separated, double quotes around fields that hold commas, quotes
 * or line breaks, "" for a quote). The first row names the columns, in any order, from the
 * documented set below; `title` is required, an unknown column is an error (a misspelt one
 * would otherwise be dropped without a word). Records are read one at a time. A row that
 * cannot be mapped (no title, an unknown severity, the wrong number of fields) is rejected and
 * listed; an unterminated quote is a malformed file. */
#include "import/import_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/buf.h"

enum column {
    COL_TITLE,
    COL_SEVERITY,
    COL_DESCRIPTION,
    COL_REMEDIATION,
    COL_CWE,
    COL_OWASP,
    COL_ENDPOINT,
    COL_CVSS_VECTOR,
    COL_RULE_ID,
    COL_TOOL,
    COL_FINGERPRINT,
    COL_CONFIDENCE,
    COL_EVIDENCE_REQUEST,
    COL_EVIDENCE_RESPONSE,
    COL_EVIDENCE_NOTES,
    COL_REFERENCES,
    COL_COUNT
};

const char *const import_csv_columns[] = {
    "title",       "severity",   "description",      "remediation",       "cwe",
    "owasp",       "endpoint",   "cvss_vector",      "rule_id",           "tool",
    "fingerprint", "confidence", "evidence_request", "evidence_response", "evidence_notes",
    "references",  NULL};

#define CSV_FIELDS_MAX 64

struct record {
    const char *fields[CSV_FIELDS_MAX];
    size_t n;
    size_t line; /* where the record starts */
};

/* Reads one record from data[*pos..len) into r (fields copied into a). 1 read, 0 at the end,
 * -1 with IMPORT_MALFORMED for an unterminated quote. */
static int
record_read(const char *data, size_t len, size_t *pos, size_t *line, struct record *r,
            struct arena *a, struct err *err)
{
    size_t i = *pos;
    struct buf field;
    bool more = true;

    if (i >= len)
        return 0;
    r->n = 0;
    r->line = *line;
    buf_init(&field, len - i + 1);
    while (more) {
        bool quoted = i < len && data[i] == '"';

        buf_reset(&field);
        if (quoted) {
            i++;
            for (;;) {
                if (i >= len) {
                    char where[32];

                    buf_cleanup(&field);
                    snprintf(where, sizeof(where), "line %zu", r->line);
                    return import_malformed(err, where, "a quoted field is never closed");
                }
                if (data[i] == '"') {
                    if (i + 1 < len && data[i + 1] == '"') {
                        buf_putc(&field, '"');
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (data[i] == '\n')
                    (*line)++;
                buf_putc(&field, data[i++]);
            }
        }
        while (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
            buf_putc(&field, data[i++]);
        if (r->n < CSV_FIELDS_MAX)
            r->fields[r->n] = arena_strndup(a, field.data ? field.data : "", field.len);
        r->n++;
        if (i < len && data[i] == ',') {
            i++;
            continue;
        }
        if (i < len && data[i] == '\r')
            i++;
        if (i < len && data[i] == '\n')
            i++;
        (*line)++;
        more = false;
    }
    buf_cleanup(&field);
    *pos = i;
    return 1;
}

static bool
record_blank(const struct record *r)
{
    return r->n == 1 && r->fields[0][0] == '\0';
}

static int
header_map(const struct record *r, int *col_of, struct err *err)
{
    bool has_title = false;

    for (size_t i = 0; i < r->n && i < CSV_FIELDS_MAX; i++) {
        int c = -1;

        for (int k = 0; k < COL_COUNT; k++) {
            if (strcasecmp(r->fields[i], import_csv_columns[k]) == 0)
                c = k;
        }
        if (c < 0)
            return import_malformed(err, "line 1",
                                    "unknown column \"%.60s\" (the columns are "
                                    "documented in docs/internals/import.md)",
                                    r->fields[i]);
        for (size_t j = 0; j < i; j++) {
            if (col_of[j] == c)
                return import_malformed(err, "line 1", "column \"%s\" appears twice",
                                        import_csv_columns[c]);
        }
        col_of[i] = c;
        has_title = has_title || c == COL_TITLE;
    }
    if (r->n > CSV_FIELDS_MAX)
        return import_malformed(err, "line 1", "more than %d columns", CSV_FIELDS_MAX);
    if (!has_title)
        return import_malformed(err, "line 1", "the header has no \"title\" column");
    return 0;
}

static int
row(struct import_run *run, const struct record *r, const int *col_of, size_t n_cols,
    struct err *err)
{
    struct arena *a = run->item;
    const char *v[COL_COUNT] = {0};
    const char *where = arena_printf(a, "line %zu", r->line);
    struct finding f = {.confidence = CONFIDENCE_MEDIUM};
    struct import_origin o = {.where = where};

    if (r->n != n_cols) {
        import_reject(run, where, "", "has %zu fields; the header has %zu", r->n, n_cols);
        return 0;
    }
    for (size_t i = 0; i < n_cols; i++)
        v[col_of[i]] = *r->fields[i] ? r->fields[i] : NULL;
    f.title = v[COL_TITLE];
    f.severity = SEVERITY_INFO;
    if (v[COL_SEVERITY] && import_severity_word(v[COL_SEVERITY], &f.severity) != 0) {
        import_reject(run, where, "severity",
                      "\"%.40s\" is not critical, high, medium, low or info", v[COL_SEVERITY]);
        return 0;
    }
    f.confidence = CONFIDENCE_MEDIUM;
    if (v[COL_CONFIDENCE] && confidence_parse(v[COL_CONFIDENCE], &f.confidence) != 0) {
        import_reject(run, where, "confidence", "must be low, medium or high");
        return 0;
    }
    if (v[COL_CWE] && !import_cwe(a, v[COL_CWE])) {
        import_reject(run, where, "cwe", "must be a CWE id such as CWE-79");
        return 0;
    }
    f.description = v[COL_DESCRIPTION];
    f.remediation = v[COL_REMEDIATION];
    f.cwe = v[COL_CWE];
    f.owasp = v[COL_OWASP];
    f.endpoint = v[COL_ENDPOINT];
    f.cvss_vector = v[COL_CVSS_VECTOR];
    f.check_id = v[COL_RULE_ID];
    f.evidence.request = v[COL_EVIDENCE_REQUEST];
    f.evidence.response = v[COL_EVIDENCE_RESPONSE];
    f.evidence.notes = v[COL_EVIDENCE_NOTES];
    if (v[COL_REFERENCES])
        f.n_references = import_urls(a, v[COL_REFERENCES], &f.references);
    o.tool = v[COL_TOOL];
    o.tool_fingerprint = v[COL_FINGERPRINT];
    o.location = f.endpoint;
    return import_emit(run, &f, &o, err);
}

int
import_csv(const char *data, size_t len, struct import_run *run, struct err *err)
{
    size_t pos = 0, line = 1, n_cols;
    struct record header, r;
    int col_of[CSV_FIELDS_MAX];
    int rc;

    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    rc = record_read(data, len, &pos, &line, &header, run->doc, err);
    if (rc <= 0)
        return rc < 0 ? -1 : import_malformed(err, "line 1", "the file has no header row");
    if (header_map(&header, col_of, err))
        return -1;
    n_cols = header.n;
    if (!run->tool)
        run->tool = "csv";
    while ((rc = record_read(data, len, &pos, &line, &r, run->item, err)) == 1) {
        if (record_blank(&r))
            continue;
        if (row(run, &r, col_of, n_cols, err))
            return -1;
    }
    return rc;
}
