/* SPDX-License-Identifier: MIT */
/* The compliance controls (issue 11): the built-in catalog (controls/catalog.h) joined with
 * what the organization recorded (store/controls.c) and with its open findings.
 *
 *   GET    /frameworks                                  the catalog's frameworks, with counts
 *   GET    /controls?framework=&status=&project_id=     every control and its status
 *   GET    /controls/{id}?project_id=                   one control, with the open findings
 *   PATCH  /controls/{id}                               a manual status with a reason
 *   POST   /controls/{id}/evidence                      a note, a link or a file
 *   GET    /controls/{id}/evidence                      its evidence, newest first
 *   GET    /controls/{id}/evidence/{evidence_id}/download
 *   DELETE /controls/{id}/evidence/{evidence_id}
 *
 * Statuses are computed on every request from one grouped query over the open findings, so
 * they are never stale: there is nothing to recompute when a finding changes. */
#include "api/api_int.h"

#include <curl/curl.h>
#include <jansson.h>
#include <string.h>

#include "controls/catalog.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/jsonw.h"
#include "core/str.h"
#include "model/finding.h"
#include "model/scope.h"

#define CONTROL_REASON_MAX   2000
#define EVIDENCE_NOTE_MAX    10000
#define EVIDENCE_URL_MAX     2048
#define EVIDENCE_NAME_MAX    255
#define CONTROL_FINDINGS_MAX 100 /* open findings listed by GET /controls/{id} */

/* One control with its per-organization facts. */
struct control_view {
    const struct control *control;
    const struct store_control_state *state; /* NULL: no manual status, no evidence */
    int64_t open_findings;                   /* open or confirmed, any severity */
    int64_t at_risk_findings;                /* of those, high or critical */
    enum control_status derived;             /* from findings and evidence alone */
    enum control_status status;              /* what the control shows */
};

struct control_facts {
    const struct controls_catalog *cat;
    struct store_exposure *exposure;
    size_t n_exposure;
    struct store_control_state *states;
    size_t n_states;
};

static const struct controls_catalog *
catalog_or_fail(struct err *err)
{
    const struct controls_catalog *cat = controls_catalog();

    if (!cat)
        err_internal(err, "the controls catalog did not load");
    return cat;
}

/* ?project_id=, if given, must name a project of the caller's organization. */
static int
project_param(struct req *req, const char *value, struct err *err)
{
    struct project p;

    if (!value)
        return 0;
    if (!id_is_valid(value, "proj_") || store_project_get(api_db(req), value, &p, err)) {
        if (err->code != ERR_OK && err->code != ERR_NOT_FOUND)
            return -1;
        err_clear(err);
        return err_field(err, "project_id", "does not name a project");
    }
    return 0;
}

static int
facts_load(struct req *req, const char *project_id, const char *control_id, struct control_facts *f,
           struct err *err)
{
    memset(f, 0, sizeof(*f));
    if (!(f->cat = catalog_or_fail(err)))
        return -1;
    if (store_control_exposure(api_db(req), project_id, &f->exposure, &f->n_exposure, err) ||
        store_control_states(api_db(req), control_id, &f->states, &f->n_states, err))
        return -1;
    return 0;
}

static void
view_build(const struct control_facts *f, const struct control *c, struct control_view *v)
{
    enum control_status manual;
    bool have_manual = false;

    memset(v, 0, sizeof(*v));
    v->control = c;
    for (size_t i = 0; i < f->n_states; i++) {
        if (strcmp(f->states[i].control_id, c->id) == 0) {
            v->state = &f->states[i];
            break;
        }
    }
    /* Each finding is in exactly one (cwe, owasp, severity) group, so summing the groups a
     * control covers counts every finding once even when both its cwe and owasp match. */
    for (size_t i = 0; i < f->n_exposure; i++) {
        const struct store_exposure *e = &f->exposure[i];

        if (!control_covers(c, e->cwe, e->owasp))
            continue;
        v->open_findings += e->count;
        if (e->severity >= SEVERITY_HIGH)
            v->at_risk_findings += e->count;
    }
    if (v->state && v->state->status && control_status_parse(v->state->status, &manual) == 0)
        have_manual = true;
    v->derived =
        control_status_derive(v->at_risk_findings, v->state ? v->state->evidence_count : 0, NULL);
    v->status = control_status_derive(v->at_risk_findings, v->state ? v->state->evidence_count : 0,
                                      have_manual ? &manual : NULL);
}

static void
kts(struct jsonw *w, const char *key, int64_t t)
{
    char ts[32];

    jsonw_kstr(w, key, clock_format_rfc3339(t, ts, sizeof(ts)));
}

/* The control's members; the caller closes the object (GET /controls/{id} adds findings). */
static void
control_json_open(struct jsonw *w, const struct controls_catalog *cat, const struct control_view *v)
{
    const struct control *c = v->control;
    const struct control_framework *fw = controls_framework_find(cat, c->framework);

    jsonw_obj_open(w);
    jsonw_kstr(w, "id", c->id);
    jsonw_kstr(w, "framework", c->framework);
    jsonw_kstr(w, "framework_name", fw ? fw->name : c->framework);
    jsonw_kstr(w, "reference", c->reference);
    jsonw_kstr(w, "name", c->name);
    jsonw_kstr(w, "description", c->description);
    jsonw_key(w, "cwes");
    jsonw_arr_open(w);
    for (size_t i = 0; i < c->n_cwes; i++)
        jsonw_str(w, c->cwes[i]);
    jsonw_arr_close(w);
    jsonw_key(w, "owasp");
    jsonw_arr_open(w);
    for (size_t i = 0; i < c->n_owasp; i++)
        jsonw_str(w, c->owasp[i]);
    jsonw_arr_close(w);
    jsonw_kstr(w, "status", control_status_name(v->status));
    jsonw_kstr(w, "derived_status", control_status_name(v->derived));
    jsonw_key(w, "manual_status");
    if (v->state && v->state->status) {
        jsonw_obj_open(w);
        jsonw_kstr(w, "status", v->state->status);
        jsonw_kstr(w, "reason", v->state->reason);
        jsonw_kstr(w, "set_by", v->state->set_by);
        kts(w, "set_at", v->state->set_at);
        jsonw_obj_close(w);
    } else {
        jsonw_null(w);
    }
    jsonw_kint(w, "evidence_count", v->state ? v->state->evidence_count : 0);
    jsonw_kint(w, "open_findings", v->open_findings);
    jsonw_kint(w, "at_risk_findings", v->at_risk_findings);
}

/* The {id} of a /controls/{id} route as a catalog control, else NOT_FOUND. */
static const struct control *
path_control(struct req *req, struct err *err)
{
    const struct controls_catalog *cat = catalog_or_fail(err);
    const char *id = req_param(req, "id");
    const struct control *c;

    if (!cat)
        return NULL;
    if (!(c = controls_find(cat, id)))
        api_not_found(err, "control", id);
    return c;
}

int
api_frameworks_list(struct req *req, struct err *err)
{
    static const char *const params[] = {"project_id", NULL};
    struct control_facts f;
    struct jsonw w;

    if (api_query_only(req, params, err) || project_param(req, req_query(req, "project_id"), err) ||
        facts_load(req, req_query(req, "project_id"), NULL, &f, err))
        return -1;
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "catalog_version", f.cat->version);
    jsonw_key(&w, "data");
    jsonw_arr_open(&w);
    for (size_t k = 0; k < f.cat->n_frameworks; k++) {
        const struct control_framework *fw = &f.cat->frameworks[k];
        int64_t counts[CONTROL_STATUS_COUNT] = {0}, total = 0;

        for (size_t i = 0; i < f.cat->n_controls; i++) {
            struct control_view v;

            if (strcmp(f.cat->controls[i].framework, fw->id) != 0)
                continue;
            view_build(&f, &f.cat->controls[i], &v);
            counts[v.status]++;
            total++;
        }
        jsonw_obj_open(&w);
        jsonw_kstr(&w, "id", fw->id);
        jsonw_kstr(&w, "name", fw->name);
        jsonw_kstr(&w, "edition", fw->edition);
        jsonw_kint(&w, "controls", total);
        jsonw_key(&w, "status_counts");
        jsonw_obj_open(&w);
        for (int s = 0; s < CONTROL_STATUS_COUNT; s++)
            jsonw_kint(&w, control_status_name((enum control_status)s), counts[s]);
        jsonw_obj_close(&w);
        jsonw_obj_close(&w);
    }
    jsonw_arr_close(&w);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

int
api_controls_list(struct req *req, struct err *err)
{
    static const char *const extra[] = {"framework", "status", "project_id", NULL};
    const char *values[3] = {0};
    const struct controls_catalog *cat;
    enum control_status want = CONTROL_NOT_ASSESSED;
    struct control_facts f;
    struct store_list q;
    struct store_page page = {0};
    struct jsonw w;
    int64_t first, matched = 0;

    if (api_paging_query(req, extra, &q, values, err) || !(cat = catalog_or_fail(err)))
        return -1;
    if (values[0] && !controls_framework_find(cat, values[0])) {
        struct buf known;
        int rc;

        buf_init(&known, 256);
        for (size_t k = 0; k < cat->n_frameworks; k++)
            buf_printf(&known, "%s%s", k ? ", " : "", cat->frameworks[k].id);
        rc = err_field(err, "framework", "wants one of %s", buf_str(&known));
        buf_cleanup(&known);
        return rc;
    }
    if (values[1] && control_status_parse(values[1], &want))
        return err_field(err, "status",
                         "wants not_assessed, implemented, at_risk or not_applicable");
    if (project_param(req, values[2], err) || facts_load(req, values[2], NULL, &f, err))
        return -1;
    first = (q.page - 1) * q.per_page;
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < cat->n_controls; i++) {
        const struct control *c = &cat->controls[i];
        struct control_view v;

        if (values[0] && strcmp(c->framework, values[0]) != 0)
            continue;
        view_build(&f, c, &v);
        if (values[1] && v.status != want)
            continue;
        if (matched >= first && matched < first + q.per_page) {
            control_json_open(&w, cat, &v);
            jsonw_obj_close(&w);
            page.n++;
        }
        matched++;
    }
    jsonw_arr_close(&w);
    page.total = matched;
    api_list_meta(req, &w, &q, &page);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

/* The exact stored cwe and owasp values the control covers, from the exposure groups, so the
 * findings query matches what the counts matched (imported owasp text included). */
static void
covered_values(const struct control_facts *f, const struct control *c, struct arena *a,
               const char ***cwes, size_t *n_cwes, const char ***owasp, size_t *n_owasp)
{
    *cwes = arena_calloc(a, f->n_exposure + 1, sizeof(**cwes));
    *owasp = arena_calloc(a, f->n_exposure + 1, sizeof(**owasp));
    *n_cwes = *n_owasp = 0;
    for (size_t i = 0; i < f->n_exposure; i++) {
        const struct store_exposure *e = &f->exposure[i];
        bool seen = false;

        if (!control_covers(c, e->cwe, e->owasp))
            continue;
        /* A group matched through its cwe is fetched by cwe; else through its owasp. */
        if (e->cwe && control_covers(c, e->cwe, NULL)) {
            for (size_t k = 0; k < *n_cwes; k++)
                seen = seen || strcmp((*cwes)[k], e->cwe) == 0;
            if (!seen)
                (*cwes)[(*n_cwes)++] = e->cwe;
        } else {
            for (size_t k = 0; k < *n_owasp; k++)
                seen = seen || strcmp((*owasp)[k], e->owasp) == 0;
            if (!seen)
                (*owasp)[(*n_owasp)++] = e->owasp;
        }
    }
}

static int
control_send(struct req *req, const struct control *c, const char *project_id, int status,
             struct err *err)
{
    struct control_facts f;
    struct control_view v;
    struct jsonw w;

    if (facts_load(req, project_id, c->id, &f, err))
        return -1;
    view_build(&f, c, &v);
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    control_json_open(&w, f.cat, &v);
    jsonw_key(&w, "findings");
    /* Finding titles are finding data: a credential with controls:read alone sees the
     * counts, not the findings. */
    if (scope_allows(api_state(req)->who.scopes, SCOPE(FINDINGS_READ))) {
        struct store_finding_ref *items;
        const char **cwes, **owasp;
        size_t n_cwes, n_owasp, n;

        covered_values(&f, c, req->arena, &cwes, &n_cwes, &owasp, &n_owasp);
        if (store_control_findings(api_db(req), cwes, n_cwes, owasp, n_owasp, project_id,
                                   CONTROL_FINDINGS_MAX, &items, &n, err))
            return -1;
        jsonw_arr_open(&w);
        for (size_t i = 0; i < n; i++) {
            char ts[32];

            jsonw_obj_open(&w);
            jsonw_kstr(&w, "id", items[i].id);
            jsonw_kstr(&w, "project_id", items[i].project_id);
            jsonw_kstr(&w, "asset_id", items[i].asset_id);
            jsonw_kstr(&w, "title", items[i].title);
            jsonw_kstr(&w, "severity", severity_name((enum severity)items[i].severity));
            jsonw_kstr(&w, "status", items[i].status);
            jsonw_kstr(&w, "cwe", items[i].cwe);
            jsonw_kstr(&w, "owasp", items[i].owasp);
            jsonw_kstr(&w, "endpoint", items[i].endpoint);
            jsonw_kstr(&w, "first_seen", clock_format_rfc3339(items[i].first_seen, ts, sizeof(ts)));
            jsonw_obj_close(&w);
        }
        jsonw_arr_close(&w);
        jsonw_kbool(&w, "findings_truncated", v.open_findings > (int64_t)n);
    } else {
        jsonw_null(&w);
        jsonw_kbool(&w, "findings_truncated", false);
    }
    jsonw_obj_close(&w);
    jsonw_obj_close(&w);
    return resp_json(req, status);
}

int
api_controls_get(struct req *req, struct err *err)
{
    static const char *const params[] = {"project_id", NULL};
    const struct control *c;
    const char *project_id = req_query(req, "project_id");

    if (api_query_only(req, params, err) || !(c = path_control(req, err)) ||
        project_param(req, project_id, err))
        return -1;
    return control_send(req, c, project_id, 200, err);
}

int
api_controls_patch(struct req *req, struct err *err)
{
    const struct control *c = path_control(req, err);
    const char *k, *status = NULL, *reason = NULL;
    enum control_status s;
    json_t *body, *v, *sv;

    if (!c || !(body = req_json_body(req, err)))
        return -1;
    json_object_foreach(body, k, v)
    {
        if (strcmp(k, "status") != 0 && strcmp(k, "reason") != 0)
            return err_field(err, k, "is not a field of a control (status, reason)");
    }
    if (!(sv = json_object_get(body, "status")))
        return err_field(err, "status", "is required (null clears the manual status)");
    if (!json_is_null(sv)) {
        if (!json_is_string(sv) || control_status_parse(json_string_value(sv), &s))
            return err_field(err, "status",
                             "wants implemented, not_assessed, at_risk, not_applicable or null");
        status = control_status_name(s);
        v = json_object_get(body, "reason");
        if (!json_is_string(v) || json_string_length(v) < 1 ||
            json_string_length(v) > CONTROL_REASON_MAX)
            return err_field(err, "reason", "is required with a status: 1..%d bytes",
                             CONTROL_REASON_MAX);
        reason = json_string_value(v);
    } else if (json_object_get(body, "reason")) {
        return err_field(err, "reason", "goes with a status, not with null");
    }
    if (store_control_status_set(api_db(req), c->id, status, reason, api_actor(req), clock_now(),
                                 err))
        return -1;
    api_state(req)->audit_action = status ? "controls.status.set" : "controls.status.clear";
    return control_send(req, c, NULL, 200, err);
}

/* ---- evidence ---- */

static void
evidence_json(struct jsonw *w, const struct store_evidence *e)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "id", e->id);
    jsonw_kstr(w, "control_id", e->control_id);
    jsonw_kstr(w, "kind", e->kind);
    jsonw_kstr(w, "note", e->note);
    jsonw_kstr(w, "url", e->url);
    jsonw_kstr(w, "filename", e->filename);
    jsonw_kstr(w, "content_type", e->content_type);
    jsonw_kint(w, "size", e->size);
    jsonw_kstr(w, "sha256", e->sha256);
    jsonw_kstr(w, "created_by", e->created_by);
    kts(w, "created_at", e->created_at);
    if (strcmp(e->kind, "file") == 0) {
        char link[256];

        snprintf(link, sizeof(link), "/api/v1/controls/%s/evidence/%s/download", e->control_id,
                 e->id);
        jsonw_kstr(w, "download_url", link);
    } else {
        jsonw_knull(w, "download_url");
    }
    jsonw_obj_close(w);
}

static int
evidence_send(struct req *req, const struct store_evidence *e, int status)
{
    struct jsonw w;

    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    evidence_json(&w, e);
    jsonw_obj_close(&w);
    return resp_json(req, status);
}

static int
text_check(const char *s, size_t len, size_t max, const char *field, struct err *err)
{
    if (len < 1 || len > max)
        return err_field(err, field, "wants 1..%zu bytes", max);
    if (!str_utf8_valid(s, len) || memchr(s, '\0', len))
        return err_field(err, field, "must be UTF-8 text");
    return 0;
}

/* An http(s) URL with a host and no user:password (a link is shown to every reader). */
static int
link_check(const char *url, struct err *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL;
    int rc = -1;

    if (!u)
        return err_internal(err, "curl_url failed");
    if (strlen(url) > EVIDENCE_URL_MAX)
        err_field(err, "url", "wants at most %d bytes", EVIDENCE_URL_MAX);
    else if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
        err_field(err, "url", "is not an absolute URL");
    else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
             (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        err_field(err, "url", "wants an http or https URL");
    else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
        err_field(err, "url", "has no host");
    else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
        err_field(err, "url", "must not carry a user name or password");
    else
        rc = 0;
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_url_cleanup(u);
    return rc;
}

/* The last path segment of an uploaded name (browsers may send C:\fakepath\x.pdf), checked:
 * printable UTF-8 without quotes, so it can go in a Content-Disposition header. */
static const char *
file_name(struct req *req, const char *name, struct err *err)
{
    const char *base = name;

    if (!name) {
        err_field(err, "filename", "is required for a file");
        return NULL;
    }
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    if (text_check(base, strlen(base), EVIDENCE_NAME_MAX, "filename", err))
        return NULL;
    for (const unsigned char *p = (const unsigned char *)base; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '"') {
            err_field(err, "filename", "must not contain control characters or quotes");
            return NULL;
        }
    }
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        err_field(err, "filename", "is not a file name");
        return NULL;
    }
    return arena_strdup(req->arena, base);
}

static int
evidence_from_json(struct req *req, struct store_evidence *e, struct err *err)
{
    json_t *body = req_json_body(req, err), *v;
    const char *k, *kind;

    if (!body)
        return -1;
    json_object_foreach(body, k, v)
    {
        if (strcmp(k, "kind") != 0 && strcmp(k, "note") != 0 && strcmp(k, "url") != 0)
            return err_field(err, k,
                             "is not a field of evidence (kind, note, url; send a file as "
                             "multipart/form-data)");
    }
    v = json_object_get(body, "kind");
    if (v && !json_is_string(v))
        return err_field(err, "kind", "wants note or link");
    kind = v ? json_string_value(v) : json_object_get(body, "url") ? "link" : "note";
    if (strcmp(kind, "note") != 0 && strcmp(kind, "link") != 0)
        return err_field(err, "kind",
                         strcmp(kind, "file") == 0
                             ? "a file is sent as multipart/form-data or as a raw body"
                             : "wants note or link");
    e->kind = kind;
    if ((v = json_object_get(body, "note"))) {
        if (!json_is_string(v) ||
            text_check(json_string_value(v), json_string_length(v), EVIDENCE_NOTE_MAX, "note", err))
            return json_is_string(v) ? -1 : err_field(err, "note", "must be a string");
        e->note = arena_strdup(req->arena, json_string_value(v));
    }
    v = json_object_get(body, "url");
    if (strcmp(kind, "note") == 0) {
        if (v)
            return err_field(err, "url", "belongs to a link");
        if (!e->note)
            return err_field(err, "note", "is required");
        return 0;
    }
    if (!json_is_string(v))
        return err_field(err, "url", "is required for a link");
    if (link_check(json_string_value(v), err))
        return -1;
    e->url = arena_strdup(req->arena, json_string_value(v));
    return 0;
}

int
api_controls_evidence_create(struct req *req, struct err *err)
{
    const struct control *c = path_control(req, err);
    const char *ctype = req_header(req, "Content-Type");
    static const char *const raw_params[] = {"filename", "note", NULL};
    struct store_evidence in = {0}, out;
    const void *content = NULL;
    size_t len = 0;

    if (!c)
        return -1;
    in.control_id = c->id;
    in.created_by = api_actor(req);
    in.created_at = clock_now();
    if (ctype && strncasecmp(ctype, "application/json", 16) == 0) {
        if (api_query_only(req, (const char *const[]){NULL}, err) ||
            evidence_from_json(req, &in, err))
            return -1;
    } else if (ctype && strncasecmp(ctype, "multipart/form-data", 19) == 0) {
        struct http_part *parts;
        size_t n;
        bool have_file = false;

        if (api_query_only(req, (const char *const[]){NULL}, err) ||
            req_multipart(req, &parts, &n, err))
            return -1;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(parts[i].name, "file") == 0 && !have_file) {
                have_file = true;
                if (!(in.filename = file_name(req, parts[i].filename, err)))
                    return -1;
                in.content_type = parts[i].content_type
                                      ? arena_strdup(req->arena, parts[i].content_type)
                                      : "application/octet-stream";
                content = parts[i].data;
                len = parts[i].len;
            } else if (strcmp(parts[i].name, "note") == 0 && !in.note) {
                if (text_check(parts[i].data, parts[i].len, EVIDENCE_NOTE_MAX, "note", err))
                    return -1;
                in.note = arena_strndup(req->arena, parts[i].data, parts[i].len);
            } else {
                return err_field(err, parts[i].name,
                                 "is not a part of an evidence upload (file, note), or is "
                                 "given twice");
            }
        }
        if (!have_file)
            return err_field(err, "file", "is required (a multipart part named \"file\")");
        in.kind = "file";
    } else {
        const char *note = req_query(req, "note");

        if (api_query_only(req, raw_params, err) ||
            !(in.filename = file_name(req, req_query(req, "filename"), err)))
            return -1;
        if (note && text_check(note, strlen(note), EVIDENCE_NOTE_MAX, "note", err))
            return -1;
        in.note = note;
        in.content_type = ctype ? ctype : "application/octet-stream";
        content = req_body(req, &len);
        in.kind = "file";
    }
    if (in.content_type && strlen(in.content_type) > 255)
        return err_field(err, "content_type", "wants at most 255 bytes");
    if (content && len == 0)
        return err_field(err, "file", "is empty");
    if (store_evidence_add(api_db(req), &in, content, len, &out, err))
        return -1;
    resp_location(req, "/api/v1/controls/%s/evidence/%s", c->id, out.id);
    api_state(req)->audit_action = "controls.evidence.create";
    api_state(req)->audit_target = out.id;
    return evidence_send(req, &out, 201);
}

int
api_controls_evidence_list(struct req *req, struct err *err)
{
    const struct control *c = path_control(req, err);
    struct store_evidence *items;
    struct store_list q;
    struct store_page page = {0};
    struct jsonw w;
    size_t n;

    if (!c || api_paging_query(req, NULL, &q, NULL, err) ||
        store_evidence_list(api_db(req), c->id, q.page, q.per_page, &items, &n, &page.total, err))
        return -1;
    page.n = n;
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < n; i++)
        evidence_json(&w, &items[i]);
    jsonw_arr_close(&w);
    api_list_meta(req, &w, &q, &page);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

/* The {evidence_id} of the path, checked for shape (a malformed id is a plain 404). */
static const char *
path_evidence(struct req *req, struct err *err)
{
    const char *id = req_param(req, "evidence_id");

    if (!id || !id_is_valid(id, "evd_")) {
        api_not_found(err, "evidence", id);
        return NULL;
    }
    return id;
}

/* Content-Disposition for a stored name: an ASCII fallback and the RFC 8187 UTF-8 form. */
static const char *
disposition(struct req *req, const char *name)
{
    struct buf b;
    const char *out;

    buf_init(&b, 4096);
    buf_puts(&b, "attachment; filename=\"");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p >= 0x80 && *p < 0xc0)
            continue; /* a continuation byte: its code point is already one '_' */
        buf_putc(&b, *p < 0x80 && *p != '\\' ? (char)*p : '_');
    }
    buf_puts(&b, "\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("!#$&+-.^_`|~", *p))
            buf_putc(&b, (char)*p);
        else
            buf_printf(&b, "%%%02X", *p);
    }
    out = arena_strdup(req->arena, buf_str(&b));
    buf_cleanup(&b);
    return out;
}

int
api_controls_evidence_download(struct req *req, struct err *err)
{
    const struct control *c = path_control(req, err);
    const char *id = c ? path_evidence(req, err) : NULL;
    struct store_evidence e;
    const void *content;
    size_t len;

    if (!id || api_query_only(req, (const char *const[]){NULL}, err))
        return -1;
    if (store_evidence_get(api_db(req), c->id, id, &e, &content, &len, err))
        return api_store_failed(err, "evidence", id);
    if (!content) {
        err_set(err, CONFLICT, "This evidence is a %s: it has no file to download.", e.kind);
        return -1;
    }
    if (buf_append(resp_body(req), content, len)) {
        err_set(err, INTERNAL, "The file does not fit in a response.");
        return -1;
    }
    /* Served as bytes, never as the type the uploader declared: an HTML or SVG file must not
     * run as a page of this origin (where the session cookie lives). The server adds
     * X-Content-Type-Options: nosniff to every answer. */
    resp_header(req, "Content-Disposition", disposition(req, e.filename ? e.filename : e.id));
    return resp_send(req, 200, "application/octet-stream");
}

int
api_controls_evidence_delete(struct req *req, struct err *err)
{
    const struct control *c = path_control(req, err);
    const char *id = c ? path_evidence(req, err) : NULL;

    if (!id || api_query_only(req, (const char *const[]){NULL}, err))
        return -1;
    if (store_evidence_delete(api_db(req), c->id, id, err))
        return api_store_failed(err, "evidence", id);
    api_state(req)->audit_action = "controls.evidence.delete";
    api_state(req)->audit_target = id;
    return resp_empty(req, 204);
}
