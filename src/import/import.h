/* SPDX-License-Identifier: MIT */
/* Scanner-report import: one parser per format turns a report (SARIF 2.1.0, OWASP ZAP JSON and
 * XML, Nuclei JSONL, Burp Suite XML, Nessus .nessus, Trivy JSON, generic CSV) into findings and
 * hands them one at a time to a sink, so a caller can write them in batches with bounded
 * memory. The module sits above model/ and knows nothing of the store or HTTP. Every parser
 * reads untrusted bytes: XML goes through libxml2's streaming reader with network, DTD loading
 * and entity substitution off; JSON through jansson; a broken document is one IMPORT_MALFORMED
 * naming the line or JSON pointer, a finding that cannot be mapped is a rejected item. */
#ifndef VIGIL_IMPORT_IMPORT_H
#define VIGIL_IMPORT_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "model/finding.h"

struct arena;

enum import_format {
    IMPORT_SARIF,
    IMPORT_ZAP_JSON,
    IMPORT_ZAP_XML,
    IMPORT_NUCLEI,
    IMPORT_BURP,
    IMPORT_NESSUS,
    IMPORT_TRIVY,
    IMPORT_CSV,
    IMPORT_FORMAT_COUNT
};

/* "sarif", "zap-json", "zap-xml", "nuclei", "burp", "nessus", "trivy", "csv". */
const char *import_format_name(enum import_format f);
/* The wire name (case-insensitive) into *out; 0 or -1. */
int import_format_parse(const char *name, enum import_format *out /* out */);

/* Guesses the format from the content (detect.c): the XML root element, the JSON document's
 * top-level members, a JSON object per line, or a CSV header naming a `title` column. 0, or
 * -1 with IMPORT_FORMAT_UNKNOWN when nothing matches. */
int import_detect(const char *data, size_t len, enum import_format *out /* out */, struct err *err);

/* What a parser knows of one finding besides the finding itself. */
struct import_origin {
    const char *where;            /* "line 12" or a JSON pointer, for errors */
    const char *tool;             /* NULL = the run's tool */
    const char *location;         /* the place it was found: file:line, URL, host:port */
    const char *tool_fingerprint; /* the tool's own stable key (SARIF partialFingerprints) */
};

struct import_run;
/* Receives each mapped finding. Its strings live in run->item (and run->doc): the sink may
 * copy the struct, and when it no longer needs the strings of earlier findings it may free
 * run->item and set a fresh arena there. Returns 0, or -1 with err set to stop the parse. */
typedef int (*import_emit_fn)(struct import_run *run, const struct finding *f, struct err *err);
/* Receives a finding the parser had to leave out (no title, a bad value). */
typedef void (*import_reject_fn)(struct import_run *run, const char *where, const char *field,
                                 const char *message);

/* One parse. The caller owns it and both arenas. */
struct import_run {
    struct arena *doc;  /* document-wide state (rule tables, host names); lives for the parse */
    struct arena *item; /* strings of the current findings; the sink may replace it */
    import_emit_fn emit;
    import_reject_fn reject;
    void *ctx;        /* the sink's */
    const char *tool; /* in: a default tool name (may be NULL); out: what the report named */
    size_t emitted, rejected;
};

/* Parses data[0..len) as `format`, calling run->emit per finding. data need not be
 * NUL-terminated. IMPORT_MALFORMED (detail and one error field naming the line/column or the
 * JSON pointer) for a document that is not well-formed, not valid UTF-8, nested too deeply,
 * truncated, or uses XML entities; errors of the sink pass through unchanged. */
int import_parse(enum import_format format, const char *data, size_t len, struct import_run *run,
                 struct err *err);

/* The documented columns of the generic CSV format (csv.c), NULL-terminated. */
extern const char *const import_csv_columns[];

#endif
