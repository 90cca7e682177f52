/* SPDX-License-Identifier: MIT */
/* CRUD handlers for clients, projects, assets and findings. Each reads the same way: the
 * model decodes and validates (<type>_from_json), one store call applies
 * (store_<type>_{create,get,update,delete,list}), the model encodes (<type>_to_json) inside
 * the {"data": ...} envelope. They are written out per resource, so every handler can be
 * found by name; what differs per resource (CSV export, history, nested lists) follows. */
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

/* ---- clients ---- */

static int
clients_send(struct req *req, const struct client *item, int status)
{
    struct jsonw *w = envelope_open(req);

    client_to_json(w, item);
    return envelope_send(req, w, status);
}

int
api_clients_create(struct req *req, struct err *err)
{
    json_t *body = req_json_body(req, err);
    struct client in, out;

    if (!body || client_from_json(&in, body, MODEL_CREATE, req->arena, err) ||
        store_client_create(api_db(req), &in, &out, err))
        return -1;
    resp_location(req, "/api/v1/clients/%s", out.id);
    return clients_send(req, &out, 201);
}

int
api_clients_get(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "client_", "client", err);
    struct client out;

    if (!id)
        return -1;
    if (api_not_modified(req, 'j'))
        return 0;
    if (store_client_get(api_db(req), id, &out, err))
        return api_store_failed(err, "client", id);
    return clients_send(req, &out, 200);
}

/* PUT (MODEL_REPLACE: absent members are cleared) and PATCH (MODEL_PATCH: they are kept). */
static int
clients_update(struct req *req, enum model_write mode, struct err *err)
{
    const char *id = api_path_id(req, "client_", "client", err);
    struct client in, out;
    json_t *body;

    if (!id || !(body = req_json_body(req, err)) ||
        client_from_json(&in, body, mode, req->arena, err))
        return -1;
    if (store_client_update(api_db(req), id, &in, &out, err))
        return api_store_failed(err, "client", id);
    return clients_send(req, &out, 200);
}

int
api_clients_replace(struct req *req, struct err *err)
{
    return clients_update(req, MODEL_REPLACE, err);
}

int
api_clients_patch(struct req *req, struct err *err)
{
    return clients_update(req, MODEL_PATCH, err);
}

int
api_clients_delete(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "client_", "client", err);

    if (!id)
        return -1;
    if (store_client_delete(api_db(req), id, err))
        return api_store_failed(err, "client", id);
    return resp_empty(req, 204);
}

/* One page of q as {"data": [...], "meta": ...}, or 304 for a client that holds it. */
static int
clients_list_json(struct req *req, const struct store_list *q, struct err *err)
{
    struct store_page page;
    struct jsonw *w;

    if (api_not_modified(req, 'j'))
        return 0;
    if (store_client_list(api_db(req), q, &page, err))
        return -1;
    w = envelope_open(req);
    jsonw_arr_open(w);
    for (size_t i = 0; i < page.n; i++)
        client_to_json(w, &page.clients[i]);
    jsonw_arr_close(w);
    api_list_meta(req, w, q, &page);
    return envelope_send(req, w, 200);
}

/* ---- projects ---- */

static int
projects_send(struct req *req, const struct project *item, int status)
{
    struct jsonw *w = envelope_open(req);

    project_to_json(w, item);
    return envelope_send(req, w, status);
}

int
api_projects_create(struct req *req, struct err *err)
{
    json_t *body = req_json_body(req, err);
    struct project in, out;

    if (!body || project_from_json(&in, body, MODEL_CREATE, req->arena, err) ||
        store_project_create(api_db(req), &in, &out, err))
        return -1;
    resp_location(req, "/api/v1/projects/%s", out.id);
    return projects_send(req, &out, 201);
}

int
api_projects_get(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "proj_", "project", err);
    struct project out;

    if (!id)
        return -1;
    if (api_not_modified(req, 'j'))
        return 0;
    if (store_project_get(api_db(req), id, &out, err))
        return api_store_failed(err, "project", id);
    return projects_send(req, &out, 200);
}

/* PUT (MODEL_REPLACE: absent members are cleared) and PATCH (MODEL_PATCH: they are kept). */
static int
projects_update(struct req *req, enum model_write mode, struct err *err)
{
    const char *id = api_path_id(req, "proj_", "project", err);
    struct project in, out;
    json_t *body;

    if (!id || !(body = req_json_body(req, err)) ||
        project_from_json(&in, body, mode, req->arena, err))
        return -1;
    if (store_project_update(api_db(req), id, &in, &out, err))
        return api_store_failed(err, "project", id);
    return projects_send(req, &out, 200);
}

int
api_projects_replace(struct req *req, struct err *err)
{
    return projects_update(req, MODEL_REPLACE, err);
}

int
api_projects_patch(struct req *req, struct err *err)
{
    return projects_update(req, MODEL_PATCH, err);
}

int
api_projects_delete(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "proj_", "project", err);

    if (!id)
        return -1;
    if (store_project_delete(api_db(req), id, err))
        return api_store_failed(err, "project", id);
    return resp_empty(req, 204);
}

/* One page of q as {"data": [...], "meta": ...}, or 304 for a client that holds it. */
static int
projects_list_json(struct req *req, const struct store_list *q, struct err *err)
{
    struct store_page page;
    struct jsonw *w;

    if (api_not_modified(req, 'j'))
        return 0;
    if (store_project_list(api_db(req), q, &page, err))
        return -1;
    w = envelope_open(req);
    jsonw_arr_open(w);
    for (size_t i = 0; i < page.n; i++)
        project_to_json(w, &page.projects[i]);
    jsonw_arr_close(w);
    api_list_meta(req, w, q, &page);
    return envelope_send(req, w, 200);
}

/* ---- assets ---- */

static int
assets_send(struct req *req, const struct asset *item, int status)
{
    struct jsonw *w = envelope_open(req);

    asset_to_json(w, item);
    return envelope_send(req, w, status);
}

int
api_assets_create(struct req *req, struct err *err)
{
    json_t *body = req_json_body(req, err);
    struct asset in, out;

    if (!body || asset_from_json(&in, body, MODEL_CREATE, req->arena, err) ||
        store_asset_create(api_db(req), &in, &out, err))
        return -1;
    resp_location(req, "/api/v1/assets/%s", out.id);
    return assets_send(req, &out, 201);
}

int
api_assets_get(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "asset_", "asset", err);
    struct asset out;

    if (!id)
        return -1;
    if (api_not_modified(req, 'j'))
        return 0;
    if (store_asset_get(api_db(req), id, &out, err))
        return api_store_failed(err, "asset", id);
    return assets_send(req, &out, 200);
}

/* PUT (MODEL_REPLACE: absent members are cleared) and PATCH (MODEL_PATCH: they are kept). */
static int
assets_update(struct req *req, enum model_write mode, struct err *err)
{
    const char *id = api_path_id(req, "asset_", "asset", err);
    struct asset in, out;
    json_t *body;

    if (!id || !(body = req_json_body(req, err)) ||
        asset_from_json(&in, body, mode, req->arena, err))
        return -1;
    if (store_asset_update(api_db(req), id, &in, &out, err))
        return api_store_failed(err, "asset", id);
    return assets_send(req, &out, 200);
}

int
api_assets_replace(struct req *req, struct err *err)
{
    return assets_update(req, MODEL_REPLACE, err);
}

int
api_assets_patch(struct req *req, struct err *err)
{
    return assets_update(req, MODEL_PATCH, err);
}

int
api_assets_delete(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "asset_", "asset", err);

    if (!id)
        return -1;
    if (store_asset_delete(api_db(req), id, err))
        return api_store_failed(err, "asset", id);
    return resp_empty(req, 204);
}

/* One page of q as {"data": [...], "meta": ...}, or 304 for a client that holds it. */
static int
assets_list_json(struct req *req, const struct store_list *q, struct err *err)
{
    struct store_page page;
    struct jsonw *w;

    if (api_not_modified(req, 'j'))
        return 0;
    if (store_asset_list(api_db(req), q, &page, err))
        return -1;
    w = envelope_open(req);
    jsonw_arr_open(w);
    for (size_t i = 0; i < page.n; i++)
        asset_to_json(w, &page.assets[i]);
    jsonw_arr_close(w);
    api_list_meta(req, w, q, &page);
    return envelope_send(req, w, 200);
}

/* ---- findings ---- */

static int
findings_send(struct req *req, const struct finding *item, int status)
{
    struct jsonw *w = envelope_open(req);

    finding_to_json(w, item);
    return envelope_send(req, w, status);
}

int
api_findings_create(struct req *req, struct err *err)
{
    json_t *body = req_json_body(req, err);
    struct finding in, out;

    if (!body || finding_from_json(&in, body, MODEL_CREATE, req->arena, err) ||
        store_finding_create(api_db(req), &in, &out, err))
        return -1;
    resp_location(req, "/api/v1/findings/%s", out.id);
    return findings_send(req, &out, 201);
}

int
api_findings_get(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "find_", "finding", err);
    struct finding out;

    if (!id)
        return -1;
    if (findings_not_modified(req, 'j'))
        return 0;
    if (store_finding_get(api_db(req), id, &out, err))
        return api_store_failed(err, "finding", id);
    return findings_send(req, &out, 200);
}

/* PUT (MODEL_REPLACE: absent members are cleared) and PATCH (MODEL_PATCH: they are kept). */
static int
findings_update(struct req *req, enum model_write mode, struct err *err)
{
    const char *id = api_path_id(req, "find_", "finding", err);
    struct finding in, out;
    json_t *body;

    if (!id || !(body = req_json_body(req, err)) ||
        finding_from_json(&in, body, mode, req->arena, err))
        return -1;
    if (store_finding_update(api_db(req), id, &in, &out, err))
        return api_store_failed(err, "finding", id);
    return findings_send(req, &out, 200);
}

int
api_findings_replace(struct req *req, struct err *err)
{
    return findings_update(req, MODEL_REPLACE, err);
}

int
api_findings_patch(struct req *req, struct err *err)
{
    return findings_update(req, MODEL_PATCH, err);
}

int
api_findings_delete(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "find_", "finding", err);

    if (!id)
        return -1;
    if (store_finding_delete(api_db(req), id, err))
        return api_store_failed(err, "finding", id);
    return resp_empty(req, 204);
}

/* One page of q as {"data": [...], "meta": ...}, or 304 for a client that holds it. */
static int
findings_list_json(struct req *req, const struct store_list *q, struct err *err)
{
    struct store_page page;
    struct jsonw *w;

    if (findings_not_modified(req, 'j'))
        return 0;
    if (store_finding_list(api_db(req), q, &page, err))
        return -1;
    w = envelope_open(req);
    jsonw_arr_open(w);
    for (size_t i = 0; i < page.n; i++)
        finding_to_json(w, &page.findings[i]);
    jsonw_arr_close(w);
    api_list_meta(req, w, q, &page);
    return envelope_send(req, w, 200);
}

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
