/* SPDX-License-Identifier: MIT */
/* Report renderers: a scan's (or a project's) findings as JSON, SARIF 2.1.0, Markdown,
 * self-contained HTML, JUnit XML or CSV. One table maps each format to its renderer and
 * content type, so the CLI and the API offer the same formats. Renderers only read their
 * input and append to a capped buf. */
#ifndef VIGIL_REPORT_H
#define VIGIL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "model/finding.h"

enum report_format {
    REPORT_JSON,
    REPORT_SARIF,
    REPORT_MARKDOWN,
    REPORT_HTML,
    REPORT_JUNIT,
    REPORT_CSV,
};

/* What a report is about. For a project report the scan fields may be zero/NULL. */
/* An asset findings are grouped under (report_input.assets): names, not ids, for readers. */
struct report_asset {
    const char *id;          /* "asset_..." as findings' asset_id names it */
    const char *type;        /* "url", "host", ... */
    const char *value;       /* "https://api.example.com" */
    const char *criticality; /* "high", ... */
};

/* A compliance control the report's findings put at risk (project reports of a project
 * assessed against frameworks): an open or confirmed high or critical finding maps to it. */
struct report_control {
    const char *id;        /* "pci-dss-6.2.4" */
    const char *framework; /* "PCI DSS" */
    const char *reference; /* "6.2.4" */
    const char *name;
    size_t findings; /* the report's findings that put it at risk */
};

struct report_input {
    const char *title;        /* "vigil scan of http://127.0.0.1:9000" */
    const char *scan_id;      /* may be NULL */
    const char *target;       /* base URL scanned, may be NULL */
    const char *spec_title;   /* may be NULL */
    const char *tool_version; /* VIGIL_VERSION */
    int64_t started_at;       /* unix seconds, 0 if unknown */
    int64_t finished_at;
    size_t endpoints_discovered;
    size_t endpoints_tested;
    size_t requests_sent;
    bool incomplete;               /* the scan stopped early (budget, max_requests, cancel) */
    const char *stop_reason;       /* why, when incomplete */
    const char *const *checks_run; /* check ids, may be NULL */
    size_t n_checks_run;
    /* Probes each check sent, [i] for checks_run[i], [n_checks_run] for planning; may be NULL
     * (a stored scan does not keep them). */
    const size_t *check_requests;
    const struct finding *findings;
    size_t n_findings;
    /* Project reports: the assets the findings name. With any, the HTML report groups its
     * findings by asset and each finding names its asset. */
    const struct report_asset *assets;
    size_t n_assets;
    /* Project reports of a project with frameworks: their names ("SOC 2"), and the controls
     * at risk, most findings first. With frameworks, the HTML and Markdown reports have a
     * "Controls at risk" section (which says so when there are none). */
    const char *const *frameworks;
    size_t n_frameworks;
    const struct report_control *controls;
    size_t n_controls;
};

/* "json", "sarif", "markdown" (or "md"), "html", "junit", "csv" -> format. 0 or -1. */
int report_format_parse(const char *name, enum report_format *out);
const char *report_format_name(enum report_format f);
const char *report_content_type(enum report_format f);   /* "application/sarif+json" ... */
const char *report_file_extension(enum report_format f); /* "sarif" */

/* Appends the rendered report to out. Raises PAYLOAD_TOO_LARGE if out's cap is hit. */
int report_render(enum report_format f, const struct report_input *in, struct buf *out,
                  struct err *err);

/* Appends the len bytes at s to out as HTML/XML 1.0 text that is safe both between tags and
 * inside a quoted attribute value: & < > " ' become &amp; &lt; &gt; &quot; &#39;; every invalid
 * UTF-8 byte, and every code point XML 1.0 forbids (C0 controls except TAB/LF/CR, DEL,
 * U+FFFE, U+FFFF), becomes U+FFFD. So the output holds no markup and never ends a tag, a comment
 * or an attribute, whatever the input. Returns 0, or -1 if out's cap was hit (out->overflow). */
int report_html_escape(struct buf *out, const char *s, size_t len);

/* Where users learn about the tool (SARIF tool.driver.informationUri). */
#define REPORT_TOOL_URI "https://vigil.dev"

#endif
