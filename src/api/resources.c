/* SPDX-License-Identifier: MIT */
/* CRUD handlers for clients, projects, assets and findings. The four resources behave the
 * same way (the model decodes and validates, the store applies, the model encodes), so one
 * macro writes their handlers from the shared naming convention: <type>_from_json,
 * <type>_to_json and store_<type>_{create,get,update,delete,list}. What differs per resource
 * (CSV export, history, nested lists) is written out by hand below the macro. */
#include "api/api_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "model/asset.h"
#include "model/client.h"
#include "model/finding.h"
#include "model/project.h"
#include "report/report.h"

/* Starts {"data": and leaves the writer where the value goes. */
static struct jsonw *
envelope_open(struct req *req)
{
    struct jsonw *w = arena_alloc(req->arena, sizeof(*w));

    jsonw_init(w, resp_body(req));
    jsonw_obj_open(w);
    jsonw_key(w, "data");
    return w;
}

static int
envelope_send(struct req *req, struct jsonw *w, int status)
{
    jsonw_obj_close(w);
    return resp_json(req, status);
}

/* `not_modified` answers a conditional GET (api_not_modified, or findings_not_modified). */
#define API_CRUD(type, plural, prefix, label, kind, not_modified)                                  \
    static int plural##_write(struct req *req, const struct type *item, int status)                \
    {                                                                                              \
        struct jsonw *w = envelope_open(req);                                                      \
                                                                                                   \
        type##_to_json(w, item);                                                                   \
        return envelope_send(req, w, status);                                                      \
    }                                                                                              \
                                                                                                   \
    int api_##plural##_create(struct req *req, struct err *err)                                    \
    {                                                                                              \
        struct type in, out;                                                                       \
        json_t *body = req_json_body(req, err);                                                    \
                                                                                                   \
        if (!body || type##_from_json(&in, body, MODEL_CREATE, req->arena, err) ||                 \
            store_##type##_create(api_db(req), &in, &out, err))                                    \
            return -1;                                                                             \
        resp_location(req, "/api/v1/" #plural "/%s", out.id);                                      \
        return plural##_write(req, &out, 201);                                                     \
    }                                                                                              \
                                                                                                   \
    int api_##plural##_get(struct req *req, struct err *err)                                       \
    {                                                                                              \
        struct type out;                                                                           \
        const char *id = api_path_id(req, prefix, label, err);                                     \
                                                                                                   \
        if (!id)                                                                                   \
            return -1;                                                                             \
        if (not_modified(req, 'j'))                                                                \
            return 0;                                                                              \
        if (store_##type##_get(api_db(req), id, &out, err))                                        \
            return api_store_failed(err, label, id);                                               \
        return plural##_write(req, &out, 200);                                                     \
    }                                                                                              \
                                                                                                   \
    static int plural##_update(struct req *req, enum model_write mode, struct err *err)            \
    {                                                                                              \
        struct type in, out;                                                                       \
        const char *id = api_path_id(req, prefix, label, err);                                     \
        json_t *body;                                                                              \
                                                                                                   \
        if (!id)                                                                                   \
            return -1;                                                                             \
        body = req_json_body(req, err);                                                            \
        if (!body || type##_from_json(&in, body, mode, req->arena, err))                           \
            return -1;                                                                             \
        if (store_##type##_update(api_db(req), id, &in, &out, err))                                \
            return api_store_failed(err, label, id);                                               \
        return plural##_write(req, &out, 200);                                                     \
    }                                                                                              \
                                                                                                   \
    int api_##plural##_replace(struct req *req, struct err *err)                                   \
    {                                                                                              \
        return plural##_update(req, MODEL_REPLACE, err);                                           \
    }                                                                                              \
                                                                                                   \
    int api_##plural##_patch(struct req *req, struct err *err)                                     \
    {                                                                                              \
        return plural##_update(req, MODEL_PATCH, err);                                             \
    }                                                                                              \
                                                                                                   \
    int api_##plural##_delete(struct req *req, struct err *err)                                    \
    {                                                                                              \
        const char *id = api_path_id(req, prefix, label, err);                                     \
                                                                                                   \
        if (!id)                                                                                   \
            return -1;                                                                             \
        if (store_##type##_delete(api_db(req), id, err))                                           \
            return api_store_failed(err, label, id);                                               \
        return resp_empty(req, 204);                                                               \
    }                                                                                              \
                                                                                                   \
    static int plural##_list_json(struct req *req, const struct store_list *q, struct err *err)    \
    {                                                                                              \
        struct store_page page;                                                                    \
        struct jsonw *w;                                                                           \
                                                                                                   \
        if (not_modified(req, 'j'))                                                                \
            return 0;                                                                              \
        if (store_##type##_list(api_db(req), q, &page, err))                                       \
            return -1;                                                                             \
        w = envelope_open(req);                                                                    \
        jsonw_arr_open(w);                                                                         \
        for (size_t i = 0; i < page.n; i++)                                                        \
            type##_to_json(w, &page.plural[i]);                                                    \
        jsonw_arr_close(w);                                                                        \
        api_list_meta(req, w, q, &page);                                                           \
        return envelope_send(req, w, 200);                                                         \
    }

/* The data-version ETag alone would go stale for findings: sla_breached turns true as time
 * passes and an expired acceptance reopens its finding (by the sweep, or on read), and neither
 * is an API write that bumps the version. So their ETags also carry the next moment an answer
 * of the organization changes by time alone (store_finding_next_change): until then, with no
 * write, every finding answer is what it was; once it passes, the ETag differs. */
static bool
findings_not_modified(struct req *req, char variant)
{
    struct err ignored = {0};
    int64_t next;

    if (store_is_shared(api_app(req)->store))
        return false; /* no ETags there (api_not_modified); save the query */
    if (store_finding_next_change(api_db(req), clock_now(), &next, &ignored))
        return false; /* no ETag: the handler answers (or fails) as usual */
    return api_not_modified_at(req, variant, (uint64_t)next);
}

API_CRUD(client, clients, "client_", "client", STORE_CLIENTS, api_not_modified)
API_CRUD(project, projects, "proj_", "project", STORE_PROJECTS, api_not_modified)
API_CRUD(asset, assets, "asset_", "asset", STORE_ASSETS, api_not_modified)
API_CRUD(finding, findings, "find_", "finding", STORE_FINDINGS, findings_not_modified)

int
api_clients_list(struct req *req, struct err *err)
{
    struct store_list q;

    if (api_list_query(req, STORE_CLIENTS, 0, NULL, &q, err))
        return -1;
    return clients_list_json(req, &q, err);
}

int
api_projects_list(struct req *req, struct err *err)
{
    struct store_list q;

    if (api_list_query(req, STORE_PROJECTS, 0, NULL, &q, err))
        return -1;
    return projects_list_json(req, &q, err);
}

int
api_assets_list(struct req *req, struct err *err)
{
    struct store_list q;

    if (api_list_query(req, STORE_ASSETS, 0, NULL, &q, err))
        return -1;
    return assets_list_json(req, &q, err);
}

/* ---- findings: CSV export, history ----------------------------------------------------- */

/* Rows in one CSV export. A larger export should page (the Link header says how). */
#define API_CSV_MAX_ROWS 50000

/* ?format= decides; else Accept: CSV when it weighs text/csv above application/json (or
 * equally, named more precisely: "text/csv, * / *"). NOT_ACCEPTABLE when Accept admits neither
 * (req_accepts_json). The route is HTTP_ROUTE_NEGOTIATES. */
static int
wants_csv(struct req *req, bool *csv, struct err *err)
{
    const char *format = req_query(req, "format");
    int json_spec, csv_spec;
    int json_q = req_accept_quality(req, "application/json", &json_spec);
    int csv_q = req_accept_quality(req, "text/csv", &csv_spec);

    if (format) {
        *csv = strcmp(format, "csv") == 0;
        return 0;
    }
    *csv = csv_q > json_q || (csv_q > 0 && csv_q == json_q && csv_spec > json_spec);
    if (!*csv && !req_accepts_json(req))
        return err_set(err, NOT_ACCEPTABLE,
                       "Findings are available as application/json or text/csv (Accept "
                       "excludes both).");
    return 0;
}

/* Exports every matching finding (all pages unless the query named one) as CSV. */
static int
findings_list_csv(struct req *req, struct store_list *q, struct err *err)
{
    struct finding *rows = NULL;
    size_t n = 0, cap = 0;
    bool all_pages = req_query(req, "page") == NULL;
    struct report_input in = {0};
    struct store_page page;

    if (findings_not_modified(req, 'c'))
        return 0;
    if (all_pages) {
        q->page = 1;
        q->per_page = STORE_PER_PAGE_MAX;
    }
    for (;;) {
        if (store_finding_list(api_db(req), q, &page, err))
            return -1;
        if (n + page.n > cap) {
            size_t new_cap = cap ? cap * 2 : 256;
            struct finding *grown;

            while (new_cap < n + page.n)
                new_cap *= 2;
            grown = arena_calloc(req->arena, new_cap, sizeof(*grown));
            if (n)
                memcpy(grown, rows, n * sizeof(*rows));
            rows = grown;
            cap = new_cap;
        }
        if (page.n)
            memcpy(rows + n, page.findings, page.n * sizeof(*rows));
        n += page.n;
        if (!all_pages || page.n < (size_t)q->per_page || n >= API_CSV_MAX_ROWS)
            break;
        q->page++;
    }
    in.title = "vigil findings";
    in.findings = rows;
    in.n_findings = n;
    if (report_render(REPORT_CSV, &in, resp_body(req), err))
        return -1;
    resp_header(req, "Content-Disposition", "attachment; filename=\"findings.csv\"");
    return resp_send(req, 200, report_content_type(REPORT_CSV));
}

static int
findings_list(struct req *req, const struct store_filter *fixed, struct err *err)
{
    struct store_list q;
    bool csv;

    if (api_list_query(req, STORE_FINDINGS, API_LIST_FORMAT, fixed, &q, err) ||
        wants_csv(req, &csv, err))
        return -1;
    if (csv)
        return findings_list_csv(req, &q, err);
    return findings_list_json(req, &q, err);
}

int
api_findings_list(struct req *req, struct err *err)
{
    return findings_list(req, NULL, err);
}

int
api_findings_history(struct req *req, struct err *err)
{
    struct finding_status_change *items;
    size_t n;
    struct jsonw *w;
    const char *id = api_path_id(req, "find_", "finding", err);

    if (!id)
        return -1;
    if (findings_not_modified(req, 'h'))
        return 0;
    if (store_finding_history(api_db(req), id, &items, &n, err))
        return api_store_failed(err, "finding", id);
    w = envelope_open(req);
    jsonw_arr_open(w);
    for (size_t i = 0; i < n; i++)
        finding_status_change_to_json(w, &items[i]);
    jsonw_arr_close(w);
    return envelope_send(req, w, 200);
}

/* ---- nested lists: /projects/{id}/findings, /projects/{id}/assets ----------------------- */

/* The project must exist in the caller's organization: an empty list for a foreign project
 * would confirm nothing, but a 404 is what every other route answers for it. */
static const char *
visible_project(struct req *req, struct err *err)
{
    struct project p;
    const char *id = api_path_id(req, "proj_", "project", err);

    if (!id)
        return NULL;
    if (store_project_get(api_db(req), id, &p, err)) {
        api_store_failed(err, "project", id);
        return NULL;
    }
    return id;
}

static struct store_filter *
project_filter(struct req *req, const char *project_id)
{
    struct store_filter *f = arena_alloc(req->arena, sizeof(*f));
    const char **values = arena_alloc(req->arena, sizeof(*values));

    values[0] = project_id;
    f->field = "project_id";
    f->values = values;
    f->n_values = 1;
    return f;
}

int
api_project_findings(struct req *req, struct err *err)
{
    const char *id = visible_project(req, err);

    if (!id)
        return -1;
    return findings_list(req, project_filter(req, id), err);
}

int
api_project_assets(struct req *req, struct err *err)
{
    struct store_list q;
    const char *id = visible_project(req, err);

    if (!id || api_list_query(req, STORE_ASSETS, 0, project_filter(req, id), &q, err))
        return -1;
    return assets_list_json(req, &q, err);
}
