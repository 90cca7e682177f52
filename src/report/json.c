/* SPDX-License-Identifier: MIT */
/* The full JSON report: scan metadata, a severity summary and every finding with every field,
 * in report order. It is the machine-readable record of a scan, so absent values are written
 * as null rather than left out and the shape does not depend on the data. Written with the
 * streaming writer, which always emits valid UTF-8. */
#include "report/report_int.h"

#include "core/arena.h"
#include "core/clock.h"
#include "core/jsonw.h"

/* Bumped when a field changes meaning or disappears (adding fields does not bump it). */
#define REPORT_JSON_SCHEMA_VERSION 1

static void
json_time(struct jsonw *w, const char *key, int64_t t)
{
    char when[21];

    jsonw_kstr(w, key, report_time(t, when));
}

static void
json_scan(struct jsonw *w, const struct report_input *in)
{
    jsonw_key(w, "scan");
    jsonw_obj_open(w);
    jsonw_kstr(w, "id", in->scan_id);
    jsonw_kstr(w, "target", in->target);
    jsonw_kstr(w, "spec_title", in->spec_title);
    json_time(w, "started_at", in->started_at);
    json_time(w, "finished_at", in->finished_at);
    if (in->started_at > 0 && in->finished_at >= in->started_at)
        jsonw_kint(w, "duration_seconds", in->finished_at - in->started_at);
    else
        jsonw_knull(w, "duration_seconds");
    jsonw_kint(w, "endpoints_discovered", (long long)in->endpoints_discovered);
    jsonw_kint(w, "endpoints_tested", (long long)in->endpoints_tested);
    jsonw_kint(w, "requests_sent", (long long)in->requests_sent);
    jsonw_kbool(w, "incomplete", in->incomplete);
    jsonw_kstr(w, "stop_reason", in->incomplete ? in->stop_reason : NULL);
    jsonw_key(w, "checks_run");
    jsonw_arr_open(w);
    for (size_t i = 0; i < in->n_checks_run; i++)
        jsonw_str(w, in->checks_run[i]);
    jsonw_arr_close(w);
    if (in->check_requests) {
        jsonw_key(w, "requests_by_check");
        jsonw_obj_open(w);
        jsonw_kint(w, "planning", (long long)in->check_requests[in->n_checks_run]);
        for (size_t i = 0; i < in->n_checks_run; i++)
            jsonw_kint(w, in->checks_run[i], (long long)in->check_requests[i]);
        jsonw_obj_close(w);
    }
    jsonw_obj_close(w);
}

static void
json_summary(struct jsonw *w, const struct report_input *in)
{
    size_t counts[SEVERITY_COUNT];

    report_count_severities(in, counts);
    jsonw_key(w, "summary");
    jsonw_obj_open(w);
    jsonw_kint(w, "total", (long long)in->n_findings);
    jsonw_key(w, "by_severity");
    jsonw_obj_open(w);
    for (int s = SEVERITY_CRITICAL; s >= SEVERITY_INFO; s--)
        jsonw_kint(w, severity_name((enum severity)s), (long long)counts[s]);
    jsonw_obj_close(w);
    jsonw_obj_close(w);
}

/* The API's finding object (model/finding_json.c writes it, for both) with the organization. */
static void
json_finding(struct jsonw *w, const struct finding *f)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "org_id", f->org_id);
    finding_json_members(w, f);
    finding_json_tracking(w, f, clock_now());
    jsonw_obj_close(w);
}

/* Project reports of a project with frameworks: the controls at risk (absent otherwise). */
static void
json_controls(struct jsonw *w, const struct report_input *in)
{
    if (in->n_frameworks == 0)
        return;
    jsonw_key(w, "controls_at_risk");
    jsonw_obj_open(w);
    jsonw_key(w, "frameworks");
    jsonw_arr_open(w);
    for (size_t i = 0; i < in->n_frameworks; i++)
        jsonw_str(w, in->frameworks[i]);
    jsonw_arr_close(w);
    jsonw_key(w, "controls");
    jsonw_arr_open(w);
    for (size_t i = 0; i < in->n_controls; i++) {
        const struct report_control *c = &in->controls[i];

        jsonw_obj_open(w);
        jsonw_kstr(w, "id", c->id);
        jsonw_kstr(w, "framework", c->framework);
        jsonw_kstr(w, "reference", c->reference);
        jsonw_kstr(w, "name", c->name);
        jsonw_kint(w, "findings", (long long)c->findings);
        jsonw_obj_close(w);
    }
    jsonw_arr_close(w);
    jsonw_obj_close(w);
}

void
report_render_json(const struct report_input *in, struct buf *out)
{
    struct arena *arena = arena_new();
    const struct finding **sorted = report_sorted_findings(in, arena);
    struct jsonw w;

    jsonw_init(&w, out);
    jsonw_obj_open(&w);
    jsonw_kint(&w, "schema_version", REPORT_JSON_SCHEMA_VERSION);
    jsonw_kstr(&w, "title", in->title);
    jsonw_key(&w, "tool");
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "name", "vigil");
    jsonw_kstr(&w, "version", report_tool_version(in));
    jsonw_obj_close(&w);
    json_scan(&w, in);
    json_summary(&w, in);
    json_controls(&w, in);
    jsonw_key(&w, "findings");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < in->n_findings; i++)
        json_finding(&w, sorted[i]);
    jsonw_arr_close(&w);
    jsonw_obj_close(&w);
    buf_putc(out, '\n');
    arena_free(arena);
}
