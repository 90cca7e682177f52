/* SPDX-License-Identifier: MIT */
/* Internals shared by the report renderers: the per-format entry points that report.c's table
 * dispatches to, and the helpers every format needs (the canonical finding order, severity
 * counts, timestamps, UTF-8 clean-up). Renderers only append to their buf; report_render checks
 * the cap once at the end, so a renderer may ignore the return codes of single appends. */
#ifndef VIGIL_REPORT_INT_H
#define VIGIL_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "report/report.h"

struct arena;

/* Each renderer appends one whole document to out. They never fail for reasons other than the
 * buf's cap; that is detected by report_render through out->overflow. */
void report_render_json(const struct report_input *in, struct buf *out);
void report_render_sarif(const struct report_input *in, struct buf *out);
void report_render_markdown(const struct report_input *in, struct buf *out);
void report_render_html(const struct report_input *in, struct buf *out);
void report_render_junit(const struct report_input *in, struct buf *out);
void report_render_csv(const struct report_input *in, struct buf *out);

/* The findings in report order: severity descending, then risk_score descending, then
 * endpoint ascending (absent endpoints last), ties kept in input order. The array comes from
 * arena and borrows the findings. */
const struct finding **report_sorted_findings(const struct report_input *in, struct arena *arena);

/* counts[s] = number of findings of severity s. */
void report_count_severities(const struct report_input *in, size_t counts[SEVERITY_COUNT]);

/* The tool version to print: in->tool_version, or the build's VIGIL_VERSION. */
const char *report_tool_version(const struct report_input *in);

/* The executive summary as plain-text sentences (finding titles and asset values included
 * verbatim: each renderer escapes them): how many findings of each severity, how many are
 * still open, the most severe open ones, the most affected asset, the controls at risk. */
const char **report_summary_sentences(const struct report_input *in, struct arena *arena,
                                      size_t *n /* out */);

/* "2026-01-15T10:30:00Z" into out (21 bytes), or NULL when t is 0 (unknown). */
const char *report_time(int64_t t, char out[21]);

/* Appends s (len bytes) with every invalid UTF-8 byte replaced by U+FFFD and every C0 control
 * character except TAB, LF and CR dropped, so the text is safe in any UTF-8 document. */
void report_put_clean(struct buf *out, const char *s, size_t len);

/* Empties a scratch buf for reuse, first passing a refused append on to out: a scratch text that
 * did not fit would not have fitted in the report either. */
void report_scratch_reset(struct buf *scratch, struct buf *out);

/* True if s is an absolute http(s) URL with a host, made only of the characters RFC 3986 allows
 * in a URI (so no quotes, angle brackets, spaces or controls): safe to print as a link. */
bool report_url_is_safe(const char *s);

/* The UTF-8 encoding of U+FFFD REPLACEMENT CHARACTER. */
#define REPORT_REPLACEMENT "\xEF\xBF\xBD"

/* Severity display names ("Critical") and the SARIF-style level for a severity. */
const char *report_severity_title(enum severity s);

#endif
