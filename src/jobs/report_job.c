/* SPDX-License-Identifier: MIT */
/* Report jobs: the scan workers also claim jobs of kind "report" (a scan job first, when one
 * is claimable), load the project's findings through the filters the report was created with,
 * render them with report/ and store the file. Rendering is short (a 10,000-finding HTML file
 * takes well under a second), so a report job needs no lease renewal beyond its first lease. */
#include "jobs/jobs.h"

#include <jansson.h>
#include <string.h>

#include "controls/catalog.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/str.h"
#include "model/asset.h"
#include "model/project.h"
#include "report/report.h"
#include "store/store.h"

#define REPORT_JOB_MAX_BYTES ((size_t)64 << 20) /* HTTP_RESP_MAX_DEFAULT: a larger file fails */

static int
lease_of_report(const struct jobs_config *cfg)
{
    return cfg->lease_seconds > 0 ? cfg->lease_seconds : JOBS_LEASE_SECONDS;
}

/* Filter names -> bit mask; an absent or empty list is every value. */
static unsigned
filter_mask(json_t *filters, const char *key, int (*parse)(const char *, int *), unsigned all)
{
    json_t *list = json_object_get(filters, key), *v;
    unsigned mask = 0;
    size_t i;

    if (!json_is_array(list) || json_array_size(list) == 0)
        return all;
    json_array_foreach(list, i, v)
    {
        int bit;

        if (json_is_string(v) && parse(json_string_value(v), &bit) == 0)
            mask |= 1u << bit;
    }
    return mask;
}

static int
parse_severity(const char *s, int *out)
{
    enum severity v;

    if (severity_parse(s, &v))
        return -1;
    *out = (int)v;
    return 0;
}

static int
parse_status(const char *s, int *out)
{
    enum finding_status v;

    if (finding_status_parse(s, &v))
        return -1;
    *out = (int)v;
    return 0;
}

/* The assets the findings name, once each, for the HTML report's grouping. An asset deleted
 * since is left out (its findings are listed under "No asset"). */
static int
report_assets(struct db *db, struct arena *a, const struct finding *items, size_t n,
              struct report_asset **out, size_t *n_out, struct err *err)
{
    struct report_asset *assets = arena_calloc(a, n ? n : 1, sizeof(*assets));
    size_t count = 0;

    for (size_t i = 0; i < n; i++) {
        const char *id = items[i].asset_id;
        struct asset asset;
        size_t k = 0;

        if (str_empty(id))
            continue;
        while (k < count && strcmp(assets[k].id, id) != 0)
            k++;
        if (k < count)
            continue;
        if (store_asset_get(db, id, &asset, err)) {
            if (err->code != ERR_NOT_FOUND)
                return -1;
            err_clear(err);
            continue;
        }
        assets[count++] = (struct report_asset){
            .id = asset.id,
            .type = asset_type_name(asset.type),
            .value = asset.value,
            .criticality = criticality_name(asset.criticality),
        };
    }
    *out = assets;
    *n_out = count;
    return 0;
}

/* The controls of the project's frameworks that the findings put at risk (an open or
 * confirmed high or critical finding maps to it), most findings first, then catalog order. */
static void
report_controls(const struct project *project, struct arena *a, const struct finding *items,
                size_t n, struct report_input *in)
{
    const struct controls_catalog *cat = controls_catalog();
    const char **names;
    struct report_control *out;
    size_t count = 0;

    if (!cat || project->n_frameworks == 0)
        return;
    names = arena_calloc(a, project->n_frameworks, sizeof(*names));
    for (size_t k = 0; k < project->n_frameworks; k++) {
        const struct control_framework *fw = controls_framework_find(cat, project->frameworks[k]);

        names[k] = fw ? fw->name : project->frameworks[k];
    }
    out = arena_calloc(a, cat->n_controls, sizeof(*out));
    for (size_t i = 0; i < cat->n_controls; i++) {
        const struct control *c = &cat->controls[i];
        const struct control_framework *fw = controls_framework_find(cat, c->framework);
        size_t hits = 0;
        bool wanted = false;

        for (size_t k = 0; k < project->n_frameworks; k++)
            wanted = wanted || strcmp(project->frameworks[k], c->framework) == 0;
        if (!wanted)
            continue;
        for (size_t f = 0; f < n; f++)
            hits += (items[f].status == FINDING_OPEN || items[f].status == FINDING_CONFIRMED) &&
                    items[f].severity >= SEVERITY_HIGH &&
                    control_covers(c, items[f].cwe, items[f].owasp);
        if (hits == 0)
            continue;
        out[count] = (struct report_control){.id = c->id,
                                             .framework = fw ? fw->name : c->framework,
                                             .reference = c->reference,
                                             .name = c->name,
                                             .findings = hits};
        /* Insertion keeps equal counts in catalog order. */
        for (size_t j = count; j > 0 && out[j - 1].findings < out[j].findings; j--) {
            struct report_control t = out[j - 1];

            out[j - 1] = out[j];
            out[j] = t;
        }
        count++;
    }
    in->frameworks = names;
    in->n_frameworks = project->n_frameworks;
    in->controls = out;
    in->n_controls = count;
}

/* Renders report `id` of db's organization. Fills done (status ready or failed); returns -1
 * only for a store failure. */
static int
render(struct db *db, struct arena *a, const struct store_report *r, struct store_report *done,
       struct buf *out, struct err *err)
{
    json_t *filters = json_loads(r->filters ? r->filters : "{}", 0, NULL);
    int64_t t0 = clock_mono_ns();
    struct report_input in = {0};
    size_t counts[SEVERITY_COUNT] = {0};
    enum report_format format;
    struct finding *items;
    struct report_asset *assets = NULL;
    size_t n_assets = 0;
    struct project project;
    struct buf cj;
    size_t n;
    int rc = -1;

    if (store_project_get(db, r->project_id, &project, err) ||
        store_report_findings(
            db, r->project_id,
            filter_mask(filters, "severity", parse_severity, (1u << SEVERITY_COUNT) - 1),
            filter_mask(filters, "status", parse_status, (1u << FINDING_STATUS_COUNT) - 1), &items,
            &n, err) ||
        report_assets(db, a, items, n, &assets, &n_assets, err))
        goto done;
    if (report_format_parse(r->format, &format)) {
        done->status = "failed";
        done->error = "unknown format";
        rc = 0;
        goto done;
    }
    in.title = r->title;
    in.target = project.name;
    in.findings = items;
    in.n_findings = n;
    in.assets = assets;
    in.n_assets = n_assets;
    report_controls(&project, a, items, n, &in);
    if (report_render(format, &in, out, err)) {
        done->status = "failed";
        done->error =
            err->detail[0] ? arena_strdup(a, err->detail) : "the report could not be rendered";
        err_clear(err);
        rc = 0;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        counts[items[i].severity]++;
    buf_init(&cj, 512);
    buf_putc(&cj, '{');
    for (int s = SEVERITY_COUNT - 1; s >= 0; s--)
        buf_printf(&cj, "\"%s\":%zu%s", severity_name((enum severity)s), counts[s], s ? "," : "");
    buf_putc(&cj, '}');
    done->status = "ready";
    done->findings = (int64_t)n;
    done->counts = arena_strdup(a, buf_str(&cj));
    done->content_type = report_content_type(format);
    buf_cleanup(&cj);
    rc = 0;
done:
    done->render_ms = (clock_mono_ns() - t0) / 1000000;
    json_decref(filters);
    return rc;
}

int
jobs_run_report(const struct jobs_config *cfg, const char *owner, bool *ran, struct err *err)
{
    struct arena *a = arena_new();
    struct store_report r, done = {0};
    struct store_job job;
    const char *report_id;
    json_t *payload = NULL;
    struct db *db;
    struct buf out;
    int rc;

    *ran = false;
    rc = store_job_claim(cfg->store, STORE_REPORT_JOB_KIND, owner, clock_now(),
                         lease_of_report(cfg), 0, a, &job, ran, err);
    if (rc || !*ran) {
        arena_free(a);
        return rc;
    }
    payload = json_loads(job.payload, 0, NULL);
    report_id = json_string_value(json_object_get(payload, "report_id"));
    db = store_bind(cfg->store, job.org_id, a);
    buf_init(&out, REPORT_JOB_MAX_BYTES);
    if (!report_id || store_report_get(db, report_id, &r, err)) {
        log_msg(LOG_WARN, "report job %s: no report (%s)", job.id, err->detail);
        err_clear(err);
        rc = store_job_finish(cfg->store, job.id, owner, STORE_JOB_FAILED, "no such report",
                              clock_now(), err);
        goto end;
    }
    if (store_report_start(db, r.id, clock_now(), err) || render(db, a, &r, &done, &out, err)) {
        bool requeued = false;

        log_msg(LOG_WARN, "report %s: %s %s", r.id, err->detail, err->cause);
        err_clear(err);
        rc = store_job_retry(cfg->store, job.id, owner, clock_now() + 1, "store failure",
                             clock_now(), &requeued, err);
        if (rc == 0 && !requeued) {
            done.status = "failed";
            done.error = "the findings could not be read";
            rc = store_report_finish(db, r.id, &done, NULL, 0, clock_now(), err);
        }
        goto end;
    }
    if (strcmp(done.status, "ready") == 0)
        rc = store_report_finish(db, r.id, &done, out.data, out.len, clock_now(), err);
    else
        rc = store_report_finish(db, r.id, &done, NULL, 0, clock_now(), err);
    if (rc == 0)
        rc = store_job_finish(cfg->store, job.id, owner,
                              strcmp(done.status, "ready") == 0 ? STORE_JOB_DONE : STORE_JOB_FAILED,
                              done.error, clock_now(), err);
    log_msg(LOG_INFO, "report %s: %s, %s, %lld findings, %zu bytes, rendered in %lld ms", r.id,
            done.status, r.format, (long long)done.findings, out.len, (long long)done.render_ms);
end:
    buf_cleanup(&out);
    json_decref(payload);
    arena_free(a);
    return rc;
}
