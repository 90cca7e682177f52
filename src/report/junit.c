/* SPDX-License-Identifier: MIT */
/* JUnit XML, the test-report format every CI system shows. Layout: one testsuite "vigil"; one
 * testcase per finding (a <failure> for an open or confirmed finding, <skipped> for one already
 * triaged), one passing testcase per check that ran and found nothing, and, when the scan stopped
 * early, a skipped "scan completeness" case. So a CI page lists each finding as a failed test
 * with its message and evidence, and shows which checks passed. All text is escaped with
 * report_html_escape, which also removes characters XML 1.0 forbids. */
#include "report/report_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/str.h"

static void
xml_text(struct buf *out, const char *s)
{
    if (s)
        report_html_escape(out, s, strlen(s));
}

static bool
junit_is_failure(const struct finding *f)
{
    return f->status == FINDING_OPEN || f->status == FINDING_CONFIRMED;
}

static const char *
junit_check(const struct finding *f)
{
    return str_empty(f->check_id) ? "manual" : f->check_id;
}

/* xs:dateTime as the JUnit schema wants it: no zone designator (the value is UTC). */
static const char *
junit_timestamp(int64_t t, char out[21])
{
    if (!report_time(t, out))
        return NULL;
    out[19] = '\0';
    return out;
}

static void
junit_property(struct buf *out, const char *name, const char *value)
{
    if (str_empty(value))
        return;
    buf_printf(out, "      <property name=\"%s\" value=\"", name);
    xml_text(out, value);
    buf_puts(out, "\"/>\n");
}

/* The failure body: everything a developer needs to reproduce the finding. */
static void
junit_details(struct buf *out, const struct finding *f)
{
    buf_printf(out, "Severity: %s\n", severity_name(f->severity));
    buf_puts(out, "Endpoint: ");
    xml_text(out, str_empty(f->endpoint) ? "-" : f->endpoint);
    buf_puts(out, "\nOWASP: ");
    xml_text(out, str_empty(f->owasp) ? "-" : f->owasp);
    buf_puts(out, "\nCWE: ");
    xml_text(out, str_empty(f->cwe) ? "-" : f->cwe);
    buf_printf(out, "\nRisk score: %d\nConfidence: %s\n", f->risk_score,
               confidence_name(f->confidence));
    if (!str_empty(f->fingerprint)) {
        buf_puts(out, "Fingerprint: ");
        xml_text(out, f->fingerprint);
        buf_putc(out, '\n');
    }
    if (!str_empty(f->description)) {
        buf_puts(out, "\n");
        xml_text(out, f->description);
        buf_putc(out, '\n');
    }
    if (!str_empty(f->evidence.request)) {
        buf_puts(out, "\n--- Request ---\n");
        xml_text(out, f->evidence.request);
        buf_putc(out, '\n');
    }
    if (!str_empty(f->evidence.response)) {
        buf_puts(out, "\n--- Response ---\n");
        xml_text(out, f->evidence.response);
        buf_putc(out, '\n');
    }
    if (!str_empty(f->evidence.notes)) {
        buf_puts(out, "\n--- Notes ---\n");
        xml_text(out, f->evidence.notes);
        buf_putc(out, '\n');
    }
    if (!str_empty(f->remediation)) {
        buf_puts(out, "\nRemediation: ");
        xml_text(out, f->remediation);
        buf_putc(out, '\n');
    }
    for (size_t i = 0; i < f->n_references; i++) {
        buf_puts(out, "Reference: ");
        xml_text(out, f->references[i]);
        buf_putc(out, '\n');
    }
}

static void
junit_finding(struct buf *out, const struct finding *f)
{
    const char *title = str_empty(f->title) ? "Untitled finding" : f->title;

    buf_puts(out, "    <testcase classname=\"vigil.");
    xml_text(out, junit_check(f));
    buf_printf(out, "\" name=\"[%s] ", severity_name(f->severity));
    xml_text(out, title);
    if (!str_empty(f->endpoint)) {
        buf_puts(out, " (");
        xml_text(out, f->endpoint);
        buf_putc(out, ')');
    }
    buf_puts(out, "\" time=\"0\">\n");
    if (junit_is_failure(f)) {
        buf_puts(out, "      <failure message=\"");
        xml_text(out, title);
        if (!str_empty(f->endpoint)) {
            buf_puts(out, " at ");
            xml_text(out, f->endpoint);
        }
        buf_printf(out, "\" type=\"%s\">", severity_name(f->severity));
        junit_details(out, f);
        buf_puts(out, "</failure>\n");
    } else {
        buf_printf(out, "      <skipped message=\"finding is %s\"/>\n",
                   finding_status_name(f->status));
    }
    buf_puts(out, "    </testcase>\n");
}

/* True if some finding came from check. */
static bool
check_has_findings(const struct report_input *in, const char *check)
{
    for (size_t i = 0; i < in->n_findings; i++) {
        if (str_eq(in->findings[i].check_id, check))
            return true;
    }
    return false;
}

void
report_render_junit(const struct report_input *in, struct buf *out)
{
    struct arena *arena = arena_new();
    const struct finding **sorted = report_sorted_findings(in, arena);
    size_t tests = 0, failures = 0, skipped = 0;
    long long seconds = 0;
    char when[21];

    for (size_t i = 0; i < in->n_findings; i++) {
        tests++;
        if (junit_is_failure(sorted[i]))
            failures++;
        else
            skipped++;
    }
    for (size_t i = 0; i < in->n_checks_run; i++) {
        if (in->checks_run[i] && !check_has_findings(in, in->checks_run[i]))
            tests++;
    }
    if (in->incomplete) {
        tests++;
        skipped++;
    }
    if (in->started_at > 0 && in->finished_at >= in->started_at)
        seconds = in->finished_at - in->started_at;

    buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    buf_printf(out,
               "<testsuites name=\"vigil\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
               "skipped=\"%zu\" time=\"%lld\">\n",
               tests, failures, skipped, seconds);
    buf_printf(out,
               "  <testsuite name=\"vigil\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
               "skipped=\"%zu\" time=\"%lld\"",
               tests, failures, skipped, seconds);
    if (junit_timestamp(in->started_at, when))
        buf_printf(out, " timestamp=\"%s\"", when);
    buf_puts(out, ">\n    <properties>\n");
    junit_property(out, "title", in->title);
    junit_property(out, "scan_id", in->scan_id);
    junit_property(out, "target", in->target);
    junit_property(out, "spec_title", in->spec_title);
    junit_property(out, "tool_version", report_tool_version(in));
    junit_property(out, "endpoints_discovered",
                   arena_printf(arena, "%zu", in->endpoints_discovered));
    junit_property(out, "endpoints_tested", arena_printf(arena, "%zu", in->endpoints_tested));
    junit_property(out, "requests_sent", arena_printf(arena, "%zu", in->requests_sent));
    junit_property(out, "incomplete", in->incomplete ? "true" : "false");
    if (in->incomplete)
        junit_property(out, "stop_reason", in->stop_reason);
    buf_puts(out, "    </properties>\n");

    for (size_t i = 0; i < in->n_findings; i++)
        junit_finding(out, sorted[i]);
    for (size_t i = 0; i < in->n_checks_run; i++) {
        const char *check = in->checks_run[i];

        if (!check || check_has_findings(in, check))
            continue;
        buf_puts(out, "    <testcase classname=\"vigil.");
        xml_text(out, check);
        buf_puts(out, "\" name=\"");
        xml_text(out, check);
        buf_puts(out, ": no findings\" time=\"0\"/>\n");
    }
    if (in->incomplete) {
        buf_puts(out, "    <testcase classname=\"vigil.scan\" name=\"scan completeness\" "
                      "time=\"0\">\n      <skipped message=\"the scan stopped early: ");
        xml_text(out, str_empty(in->stop_reason) ? "reason unknown" : in->stop_reason);
        buf_puts(out, "\"/>\n    </testcase>\n");
    }
    buf_printf(out, "    <system-out>%zu finding(s), %zu failing; %zu of %zu endpoints tested",
               in->n_findings, failures, in->endpoints_tested, in->endpoints_discovered);
    buf_puts(out, ".</system-out>\n  </testsuite>\n</testsuites>\n");
    arena_free(arena);
}
