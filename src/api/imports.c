/* SPDX-License-Identifier: MIT */
/* The two batch writes of findings: POST /api/v1/findings/bulk (JSON findings) and
 * POST /api/v1/projects/{id}/imports (a scanner report, parsed by import/). Both end in the
 * store's one ingest writer (store_findings_ingest and its batched form), so deduplication,
 * reimport and history rules are the same whichever door a finding came in by. */
#include "api/api_int.h"

#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/id.h"
#include "core/jsonw.h"
#include "import/import.h"
#include "model/finding.h"

/* ---- shared: query flags and the result body --------------------------------------------- */

/* A boolean query parameter: absent = dflt; "true"/"1" or "false"/"0", else VALIDATION_ERROR. */
static int
query_bool(struct req *req, const char *name, bool dflt, bool *out, struct err *err)
{
    const char *v = req_query(req, name);

    if (!v) {
        *out = dflt;
        return 0;
    }
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *out = true;
        return 0;
    }
    if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
        *out = false;
        return 0;
    }
    return err_field(err, name, "must be true or false");
}

/* One listed error of a batch: which item (index, and line or JSON pointer for an import). */
struct batch_error {
    long long index; /* -1 when the item has no index (an import's document-level note) */
    const char *location;
    const char *field;
    const char *code;
    const char *message;
};

struct batch_errors {
    struct batch_error *items;
    size_t n, cap;
    size_t dropped; /* past BATCH_ERRORS_MAX: counted, not listed */
};

#define BATCH_ERRORS_MAX 1000

static void
batch_error_add(struct batch_errors *e, struct arena *a, long long index, const char *location,
                const char *field, const char *code, const char *message)
{
    if (e->n == BATCH_ERRORS_MAX) {
        e->dropped++;
        return;
    }
    if (e->n == e->cap) {
        struct batch_error *grown;

        e->cap = e->cap ? e->cap * 2 : 16;
        grown = arena_calloc(a, e->cap, sizeof(*grown));
        if (e->n)
            memcpy(grown, e->items, e->n * sizeof(*grown));
        e->items = grown;
    }
    e->items[e->n++] = (struct batch_error){.index = index,
                                            .location = location ? arena_strdup(a, location) : NULL,
                                            .field = arena_strdup(a, field ? field : ""),
                                            .code = code,
                                            .message = arena_strdup(a, message ? message : "")};
}

/* {"data": {import_id, format?, created, updated, closed, reopened, skipped, errors,
 * errors_truncated}} */
static int
batch_result_send(struct req *req, const char *format, const struct store_ingest_result *r,
                  size_t extra_skipped, const struct batch_errors *e, bool with_location)
{
    struct jsonw w;

    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "import_id", r->import_id);
    if (format)
        jsonw_kstr(&w, "format", format);
    jsonw_kint(&w, "created", (long long)r->created);
    jsonw_kint(&w, "updated", (long long)r->updated);
    jsonw_kint(&w, "closed", (long long)r->closed);
    jsonw_kint(&w, "reopened", (long long)r->reopened);
    jsonw_kint(&w, "skipped", (long long)r->skipped + (long long)extra_skipped);
    jsonw_key(&w, "errors");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < e->n; i++) {
        jsonw_obj_open(&w);
        if (e->items[i].index >= 0)
            jsonw_kint(&w, "index", e->items[i].index);
        else
            jsonw_knull(&w, "index");
        if (with_location)
            jsonw_kstr(&w, "location", e->items[i].location);
        jsonw_kstr(&w, "field", e->items[i].field);
        jsonw_kstr(&w, "code", e->items[i].code);
        jsonw_kstr(&w, "message", e->items[i].message);
        jsonw_obj_close(&w);
    }
    jsonw_arr_close(&w);
    jsonw_kint(&w, "errors_truncated", (long long)e->dropped);
    jsonw_obj_close(&w);
    jsonw_obj_close(&w);
    api_state(req)->audit_target = r->import_id;
    return resp_json(req, 200);
}

/* ---- POST /api/v1/findings/bulk ----------------------------------------------------------- */

static const char *
opt_string(json_t *body, const char *name, size_t max, struct err *err)
{
    json_t *v = json_object_get(body, name);

    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max) {
        err_field(err, name, "must be a string of 1 to %zu bytes", max);
        return NULL;
    }
    return json_string_value(v);
}

/* The envelope of a bulk write: which project and source the findings belong to. Unknown
 * members are a VALIDATION_ERROR, as elsewhere in the API. */
static int
bulk_envelope(json_t *body, struct store_ingest *in, json_t **items, struct err *err)
{
    static const char *const known[] = {"project_id", "asset_id", "scan_type",
                                        "complete",   "findings", NULL};
    const char *key;
    json_t *value, *complete;

    json_object_foreach(body, key, value)
    {
        bool ok = false;

        for (size_t k = 0; known[k]; k++)
            ok = ok || strcmp(key, known[k]) == 0;
        if (!ok)
            err_field(err, key, "is not a member of a bulk write");
    }
    in->project_id = opt_string(body, "project_id", MODEL_SHORT_MAX, err);
    if (!in->project_id && !err_is_set(err))
        err_field(err, "project_id", "is required");
    in->asset_id = opt_string(body, "asset_id", MODEL_SHORT_MAX, err);
    in->source = opt_string(body, "scan_type", MODEL_SHORT_MAX, err);
    complete = json_object_get(body, "complete");
    if (complete && !json_is_boolean(complete))
        err_field(err, "complete", "must be a boolean");
    in->complete = complete && json_is_true(complete);
    *items = json_object_get(body, "findings");
    if (!*items || !json_is_array(*items))
        err_field(err, "findings", "must be an array of findings");
    return err_is_set(err) ? -1 : 0;
}

/* Decodes item i. The envelope's project_id and asset_id apply to every item, so an item may
 * leave them out or repeat them, but not name others. */
static int
bulk_item(json_t *item, const struct store_ingest *in, struct finding *out, struct arena *a,
          struct err *err)
{
    json_t *pid, *aid;

    if (!json_is_object(item))
        return err_field(err, "", "must be an object");
    pid = json_object_get(item, "project_id");
    aid = json_object_get(item, "asset_id");
    if (pid && !(json_is_string(pid) && strcmp(json_string_value(pid), in->project_id) == 0))
        return err_field(err, "project_id", "must be absent or the request's project_id");
    if (aid && !json_is_null(aid) &&
        !(json_is_string(aid) && in->asset_id && strcmp(json_string_value(aid), in->asset_id) == 0))
        return err_field(err, "asset_id", "must be absent or the request's asset_id");
    if (!pid)
        json_object_set_new(item, "project_id", json_string(in->project_id));
    return finding_from_json(out, item, MODEL_CREATE, a, err);
}

int
api_findings_bulk(struct req *req, struct err *err)
{
    static const char *const params[] = {"partial", NULL};
    struct store_ingest in = {0};
    struct store_ingest_result r = {0};
    struct batch_errors errors = {0};
    struct finding *items;
    size_t n = 0, n_items, rejected = 0, *origin;
    json_t *body, *array, *item;
    size_t i;

    if (api_query_only(req, params, err) || query_bool(req, "partial", false, &in.partial, err))
        return -1;
    if (!(body = req_json_body(req, err)) || bulk_envelope(body, &in, &array, err))
        return -1;
    n_items = json_array_size(array);
    if (n_items > STORE_INGEST_MAX)
        return err_set(err, PAYLOAD_TOO_LARGE,
                       "A bulk write holds at most %d findings; this one has %zu.",
                       STORE_INGEST_MAX, n_items);
    items = arena_calloc(req->arena, n_items ? n_items : 1, sizeof(*items));
    origin = arena_calloc(req->arena, n_items ? n_items : 1, sizeof(*origin));
    json_array_foreach(array, i, item)
    {
        struct err item_err = {0};

        if (bulk_item(item, &in, &items[n], req->arena, &item_err) == 0) {
            origin[n++] = i;
            continue;
        }
        const char *field = item_err.n_fields ? item_err.fields[0].field : "";
        const char *message = item_err.n_fields ? item_err.fields[0].message : item_err.detail;

        if (!in.partial) {
            err_field(err,
                      arena_printf(req->arena, "findings/%zu%s%s", i, *field ? "/" : "", field),
                      "%s", message);
            return -1;
        }
        batch_error_add(&errors, req->arena, (long long)i, NULL, field,
                        err_code_name(item_err.code), message);
        rejected++;
    }
    in.items = items;
    in.n_items = n;
    if (store_findings_ingest(api_db(req), &in, &r, err)) {
        /* The store names items by their position among the decoded ones. */
        if (err->code == ERR_NOT_FOUND) {
            err_clear(err);
            return api_not_found(err, "project", in.project_id);
        }
        return -1;
    }
    for (size_t k = 0; k < r.n_errors; k++)
        batch_error_add(&errors, req->arena, (long long)origin[r.errors[k].index], NULL,
                        r.errors[k].field, "VALIDATION_ERROR", r.errors[k].message);
    return batch_result_send(req, NULL, &r, rejected, &errors, false);
}

/* ---- POST /api/v1/projects/{id}/imports ---------------------------------------------------- */

#define IMPORT_BATCH 1000 /* findings written per store call */

/* The sink: findings are copied into a batch and written when it is full. The store run
 * starts at the first finding, once the parser knows the tool's name (the source key). */
struct import_sink {
    struct req *req;
    struct store_ingest in;
    enum import_format format;
    struct store_ingest_run *run;
    struct finding batch[IMPORT_BATCH];
    size_t n;
    struct batch_errors errors;
};

static int
sink_start(struct import_sink *s, struct import_run *run, struct err *err)
{
    if (s->run)
        return 0;
    if (!s->in.source)
        s->in.source = run->tool ? run->tool : import_format_name(s->format);
    if (store_ingest_begin(api_db(s->req), &s->in, &s->run, err))
        return -1;
    return 0;
}

static int
sink_flush(struct import_sink *s, struct import_run *run, struct err *err)
{
    if (s->n && store_ingest_add(s->run, s->batch, s->n, err))
        return -1;
    s->n = 0;
    /* The batch is written: its strings may go. */
    arena_free(run->item);
    run->item = arena_new();
    return 0;
}

static int
sink_emit(struct import_run *run, const struct finding *f, struct err *err)
{
    struct import_sink *s = run->ctx;

    if (sink_start(s, run, err))
        return -1;
    s->batch[s->n++] = *f;
    return s->n == IMPORT_BATCH ? sink_flush(s, run, err) : 0;
}

static void
sink_reject(struct import_run *run, const char *where, const char *field, const char *message)
{
    struct import_sink *s = run->ctx;

    batch_error_add(&s->errors, s->req->arena, (long long)(run->emitted + run->rejected - 1), where,
                    field, "VALIDATION_ERROR", message);
}

/* The options of an import, from the query or from multipart fields (not both for one name). */
struct import_options {
    const char *format, *scan_type, *asset_id, *complete;
    const char *data;
    size_t len;
};

static int
option_set(const char **slot, const char *name, const char *value, struct err *err)
{
    if (*slot)
        return err_field(err, name, "is given twice (query and form)");
    *slot = value;
    return 0;
}

static int
import_options_read(struct req *req, struct import_options *o, struct err *err)
{
    static const char *const params[] = {"format", "scan_type", "asset_id", "complete", NULL};
    const char *ctype = req_header(req, "Content-Type");

    if (api_query_only(req, params, err))
        return -1;
    o->format = req_query(req, "format");
    o->scan_type = req_query(req, "scan_type");
    o->asset_id = req_query(req, "asset_id");
    o->complete = req_query(req, "complete");
    if (ctype && strncasecmp(ctype, "multipart/form-data", 19) == 0) {
        struct http_part *parts;
        size_t n;
        bool have_file = false;

        if (req_multipart(req, &parts, &n, err))
            return -1;
        for (size_t i = 0; i < n; i++) {
            const char *name = parts[i].name;
            const char *value = arena_strndup(req->arena, parts[i].data, parts[i].len);

            if (strcmp(name, "file") == 0) {
                if (have_file)
                    return err_field(err, "file", "is given twice");
                have_file = true;
                o->data = parts[i].data;
                o->len = parts[i].len;
            } else if (strcmp(name, "format") == 0 || strcmp(name, "scan_type") == 0 ||
                       strcmp(name, "asset_id") == 0 || strcmp(name, "complete") == 0) {
                const char **slot = name[0] == 'f'   ? &o->format
                                    : name[0] == 's' ? &o->scan_type
                                    : name[0] == 'a' ? &o->asset_id
                                                     : &o->complete;

                if (option_set(slot, name, value, err))
                    return -1;
            } else {
                return err_field(err, name, "is not a field of an import");
            }
        }
        if (!have_file)
            return err_field(err, "file", "is required (a multipart part named \"file\")");
    } else {
        o->data = req_body(req, &o->len);
    }
    return 0;
}

int
api_project_imports(struct req *req, struct err *err)
{
    struct import_sink *s = arena_alloc(req->arena, sizeof(*s));
    struct import_options o = {0};
    struct import_run run = {0};
    struct store_ingest_result r = {0};
    const char *project_id = api_path_id(req, "proj_", "project", err);
    int rc;

    if (!project_id || import_options_read(req, &o, err))
        return -1;
    s->req = req;
    s->in.project_id = project_id;
    s->in.partial = true;
    s->in.source = o.scan_type;
    if (o.scan_type && (!*o.scan_type || strlen(o.scan_type) > MODEL_SHORT_MAX))
        return err_field(err, "scan_type", "must be 1 to %d bytes", MODEL_SHORT_MAX);
    if (o.asset_id && !id_is_valid(o.asset_id, "asset_"))
        return err_field(err, "asset_id", "does not name an asset of the project");
    s->in.asset_id = o.asset_id;
    if (o.complete && strcmp(o.complete, "true") != 0 && strcmp(o.complete, "false") != 0 &&
        strcmp(o.complete, "1") != 0 && strcmp(o.complete, "0") != 0)
        return err_field(err, "complete", "must be true or false");
    s->in.complete = o.complete && (o.complete[0] == 't' || o.complete[0] == '1');
    if (o.format) {
        if (import_format_parse(o.format, &s->format))
            return err_field(err, "format",
                             "must be one of sarif, zap-json, zap-xml, nuclei, burp, nessus, "
                             "trivy, csv");
    } else if (o.len == 0) {
        return err_field(err, "file", "is empty");
    } else if (import_detect(o.data, o.len, &s->format, err)) {
        return -1;
    }
    run.doc = arena_new();
    run.item = arena_new();
    run.emit = sink_emit;
    run.reject = sink_reject;
    run.ctx = s;
    rc = import_parse(s->format, o.data, o.len, &run, err);
    if (rc == 0)
        rc = sink_start(s, &run, err);
    if (rc == 0)
        rc = sink_flush(s, &run, err);
    if (rc == 0)
        rc = store_ingest_finish(s->run, &r, err);
    else
        store_ingest_abort(s->run);
    arena_free(run.item);
    arena_free(run.doc);
    if (rc) {
        if (err->code == ERR_NOT_FOUND)
            return api_store_failed(err, "project", project_id);
        return -1;
    }
    for (size_t k = 0; k < r.n_errors; k++)
        batch_error_add(&s->errors, req->arena, (long long)r.errors[k].index, NULL,
                        r.errors[k].field, "VALIDATION_ERROR", r.errors[k].message);
    return batch_result_send(req, import_format_name(s->format), &r, run.rejected, &s->errors,
                             true);
}
