/* SPDX-License-Identifier: MIT */
/* Project reports (issue 11): POST /projects/{id}/reports queues a report of the project's
 * findings, rendered in the background by the workers (jobs/report_job.c); GET /reports/{id}
 * answers its metadata (an id with the "rpt_" prefix; a "scan_" id is a scan's report, see
 * scans.c), GET /reports/{id}/download the file once ready, GET /projects/{id}/reports the
 * project's reports. */
#include "api/api_int.h"

#include <jansson.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "jobs/jobs.h"
#include "model/finding.h"
#include "model/scope.h"
#include "report/report.h"

#define REPORT_TITLE_MAX 200

/* The formats a project report offers (junit is a scan's CI artefact, not a project report). */
static bool
project_format(const char *name, enum report_format *f)
{
    return name && report_format_parse(name, f) == 0 && *f != REPORT_JUNIT;
}

int
api_require_scope(struct req *req, uint32_t need, struct err *err)
{
    struct api_state *state = api_state(req);
    struct buf names;

    if (scope_allows(state->who.scopes, need))
        return 0;
    buf_init(&names, 256);
    scope_format(need, ' ', &names);
    err_set(err, FORBIDDEN, "This credential lacks the scope this operation needs: %s.",
            buf_str(&names));
    state->missing_scope = arena_strdup(req->arena, buf_str(&names));
    buf_cleanup(&names);
    return -1;
}

/* A filter list: an array of names the parser accepts, written back canonical into out. */
static int
filter_list(json_t *filters, const char *key, bool severity, json_t *out, struct err *err)
{
    json_t *list = json_object_get(filters, key), *v, *canon;
    char field[48];
    size_t i;

    snprintf(field, sizeof(field), "filters.%s", key);
    if (!list)
        return 0;
    if (!json_is_array(list))
        return err_field(err, field, "must be an array of names");
    canon = json_array();
    json_array_foreach(list, i, v)
    {
        enum severity s;
        enum finding_status st;
        const char *name = json_string_value(v);

        if (severity && name && severity_parse(name, &s) == 0) {
            json_array_append_new(canon, json_string(severity_name(s)));
        } else if (!severity && name && finding_status_parse(name, &st) == 0) {
            json_array_append_new(canon, json_string(finding_status_name(st)));
        } else {
            json_decref(canon);
            return err_field(err, field,
                             severity ? "wants critical, high, medium, low or info"
                                      : "wants open, confirmed, remediated, accepted or "
                                        "false_positive");
        }
    }
    json_object_set_new(out, key, canon);
    return 0;
}

static int
decode_create(struct req *req, json_t *body, const char **format, const char **title,
              const char **filters, struct err *err)
{
    static const char *const known[] = {"format", "title", "filters"};
    json_t *f, *canon, *v;
    enum report_format rf;
    const char *k, *name;
    char *text;

    if (!json_is_object(body))
        return err_field(err, "body", "must be an object");
    json_object_foreach(body, k, v)
    {
        bool ok = false;

        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            ok = ok || strcmp(k, known[i]) == 0;
        if (!ok)
            return err_field(err, k, "is not a field of a report");
    }
    name = json_string_value(json_object_get(body, "format"));
    if (!json_object_get(body, "format"))
        return err_field(err, "format", "is required");
    if (name && strcmp(name, "pdf") == 0)
        return err_field(err, "format", "pdf is not offered: use html and print it");
    if (!project_format(name, &rf))
        return err_field(err, "format", "wants html, markdown, json, sarif or csv");
    *format = report_format_name(rf);
    v = json_object_get(body, "title");
    if (v && (!json_is_string(v) || json_string_length(v) < 1 ||
              json_string_length(v) > REPORT_TITLE_MAX))
        return err_field(err, "title", "wants a string of 1..%d bytes", REPORT_TITLE_MAX);
    *title = v ? arena_strdup(req->arena, json_string_value(v)) : NULL;
    f = json_object_get(body, "filters");
    if (f && !json_is_object(f))
        return err_field(err, "filters", "must be an object");
    canon = json_object();
    if (f) {
        json_object_foreach(f, k, v)
        {
            if (strcmp(k, "severity") != 0 && strcmp(k, "status") != 0) {
                char field[96];

                snprintf(field, sizeof(field), "filters.%.60s", k);
                json_decref(canon);
                return err_field(err, field, "is not a filter (severity, status)");
            }
        }
        if (filter_list(f, "severity", true, canon, err) ||
            filter_list(f, "status", false, canon, err)) {
            json_decref(canon);
            return -1;
        }
    }
    text = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS);
    *filters = arena_strdup(req->arena, text);
    free(text);
    json_decref(canon);
    return 0;
}

static int
send_one(struct req *req, const struct store_report *r, int status)
{
    struct jsonw w;

    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    store_report_to_json(&w, r);
    jsonw_obj_close(&w);
    return resp_json(req, status);
}

int
api_project_reports_create(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "proj_", "project", err);
    const char *format = NULL, *title = NULL, *filters = NULL;
    struct store_report out;
    struct project project;
    json_t *body;

    if (!id)
        return -1;
    body = req_json_body(req, err);
    if (!body || decode_create(req, body, &format, &title, &filters, err))
        return -1;
    if (store_project_get(api_db(req), id, &project, err))
        return api_store_failed(err, "project", id);
    if (!title) {
        struct buf t;

        buf_init(&t, 512);
        buf_printf(&t, "Findings of %s", project.name);
        title = arena_strdup(req->arena, buf_str(&t));
        buf_cleanup(&t);
    }
    if (store_report_create(api_db(req), id, format, title, filters, JOBS_MAX_ATTEMPTS, clock_now(),
                            &out, err))
        return api_store_failed(err, "project", id);
    resp_location(req, "/api/v1/reports/%s", out.id);
    return send_one(req, &out, 202);
}

int
api_project_reports_list(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "proj_", "project", err);
    struct store_report *items;
    struct store_list q;
    struct store_page page = {0};
    struct jsonw w;
    size_t n;

    if (!id || api_paging_query(req, NULL, &q, NULL, err))
        return -1;
    if (!q.page)
        q.page = 1;
    if (!q.per_page)
        q.per_page = STORE_PER_PAGE_DEFAULT;
    if (store_report_list(api_db(req), id, q.page, q.per_page, &items, &n, &page.total, err))
        return api_store_failed(err, "project", id);
    page.n = n;
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < n; i++)
        store_report_to_json(&w, &items[i]);
    jsonw_arr_close(&w);
    api_list_meta(req, &w, &q, &page);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

int
api_project_report_get(struct req *req, const char *id, struct err *err)
{
    struct store_report r;

    if (api_require_scope(req, SCOPE(REPORTS_READ), err))
        return -1;
    if (store_report_get(api_db(req), id, &r, err))
        return api_store_failed(err, "report", id);
    return send_one(req, &r, 200);
}

int
api_reports_download(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "rpt_", "report", err);
    enum report_format f;
    struct store_report r;
    const void *data;
    size_t len;
    char disposition[160];

    if (!id)
        return -1;
    if (store_report_get(api_db(req), id, &r, err))
        return api_store_failed(err, "report", id);
    if (strcmp(r.status, "ready") != 0) {
        err_set(err, CONFLICT, "The report is %s: it can be downloaded once it is ready.",
                r.status);
        return -1;
    }
    if (store_report_content(api_db(req), id, &data, &len, err))
        return api_store_failed(err, "report", id);
    if (buf_append(resp_body(req), data, len)) {
        err_set(err, INTERNAL, "The report does not fit in a response.");
        return -1;
    }
    if (report_format_parse(r.format, &f))
        f = REPORT_JSON;
    snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s.%s\"", r.id,
             report_file_extension(f));
    resp_header(req, "Content-Disposition", disposition);
    return resp_send(req, 200, r.content_type ? r.content_type : report_content_type(f));
}
