/* SPDX-License-Identifier: MIT */
/* Server-launched scans: create (validated, target policy checked, queued as a job), read with
 * live progress, cancel, and the stored reports. The scan itself runs in jobs/. */
#include "api/api_int.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "jobs/jobs.h"
#include "model/finding.h"
#include "report/report.h"
#include "scan/policy.h"
#include "scan/scan.h"
#include "spec/spec.h"

#define SCAN_SPEC_MAX (8u * 1024 * 1024)

static void
time_or_null(struct jsonw *w, const char *key, int64_t t)
{
    char ts[32];

    if (t)
        jsonw_kstr(w, key, clock_format_rfc3339(t, ts, sizeof(ts)));
    else
        jsonw_knull(w, key);
}

static void
scan_to_json(struct jsonw *w, const struct store_scan *s)
{
    json_t *summary;

    jsonw_obj_open(w);
    jsonw_kstr(w, "scan_id", s->id);
    jsonw_kstr(w, "status", store_scan_status_name(s->status));
    jsonw_kstr(w, "target", s->target);
    if (s->project_id)
        jsonw_kstr(w, "project_id", s->project_id);
    else
        jsonw_knull(w, "project_id");
    jsonw_key(w, "progress");
    jsonw_obj_open(w);
    jsonw_kint(w, "endpoints_discovered", s->endpoints_discovered);
    jsonw_kint(w, "endpoints_tested", s->endpoints_tested);
    jsonw_kint(w, "requests_sent", s->requests_sent);
    jsonw_kint(w, "findings", s->findings);
    jsonw_obj_close(w);
    time_or_null(w, "created_at", s->created_at);
    time_or_null(w, "started_at", s->started_at);
    time_or_null(w, "completed_at", s->finished_at);
    summary = s->summary ? json_loads(s->summary, 0, NULL) : NULL;
    jsonw_key(w, "summary");
    if (summary) {
        const char *k;
        json_t *v;

        jsonw_obj_open(w);
        json_object_foreach(summary, k, v)
        {
            jsonw_kint(w, k, (long long)json_integer_value(v));
        }
        jsonw_obj_close(w);
        json_decref(summary);
    } else {
        jsonw_null(w);
    }
    if (s->exit_status >= 0)
        jsonw_kint(w, "exit_status", s->exit_status);
    else
        jsonw_knull(w, "exit_status");
    if (s->error)
        jsonw_kstr(w, "error", s->error);
    else
        jsonw_knull(w, "error");
    jsonw_obj_close(w);
}

static int
send_scan(struct req *req, const struct store_scan *s, int status, bool created)
{
    struct jsonw w;
    char ts[32];

    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    if (created) {
        jsonw_obj_open(&w);
        jsonw_kstr(&w, "scan_id", s->id);
        jsonw_kstr(&w, "status", store_scan_status_name(s->status));
        jsonw_kstr(&w, "created_at", clock_format_rfc3339(s->created_at, ts, sizeof(ts)));
        jsonw_kint(&w, "estimated_duration_seconds", 60);
        jsonw_obj_close(&w);
    } else {
        scan_to_json(&w, s);
    }
    jsonw_obj_close(&w);
    return resp_json(req, status);
}

static bool
is_check_id(const char *id)
{
    for (size_t i = 0; i < scan_check_count(); i++)
        if (strcmp(scan_check_id(i), id) == 0)
            return true;
    return false;
}

static int
string_list(json_t *opts, const char *key, bool checks, struct err *err)
{
    json_t *v = json_object_get(opts, key), *item;
    char field[48];
    size_t i;

    snprintf(field, sizeof(field), "options.%s", key);
    if (!v)
        return 0;
    if (!json_is_array(v))
        return err_field(err, field, "must be an array of strings");
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item))
            return err_field(err, field, "must be an array of strings");
        if (checks && !is_check_id(json_string_value(item)))
            return err_field(err, field, "%s is not a check", json_string_value(item));
    }
    return 0;
}

static int
int_option(json_t *opts, const char *key, long long lo, long long hi, struct err *err)
{
    json_t *v = json_object_get(opts, key);
    char field[48];

    snprintf(field, sizeof(field), "options.%s", key);
    if (v && (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi))
        return err_field(err, field, "must be an integer from %lld to %lld", lo, hi);
    return 0;
}

static int
check_options(json_t *opts, struct err *err)
{
    static const char *const known[] = {"concurrency",  "timeout",    "fail_on", "exclude",
                                        "max_requests", "rate_limit", "checks",  "budget"};
    const char *k, *fail_on;
    json_t *v;
    enum severity sev;

    if (!opts)
        return 0;
    if (!json_is_object(opts))
        return err_field(err, "options", "must be an object");
    json_object_foreach(opts, k, v)
    {
        bool ok = false;
        char field[96];

        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            ok = ok || strcmp(k, known[i]) == 0;
        snprintf(field, sizeof(field), "options.%.60s", k);
        if (!ok)
            return err_field(err, field, "is not an option");
    }
    if (int_option(opts, "concurrency", 1, 1024, err) ||
        int_option(opts, "timeout", 1, 3600, err) ||
        int_option(opts, "max_requests", 1, SCAN_DEFAULT_MAX_REQUESTS, err) ||
        int_option(opts, "budget", 0, 86400, err) || string_list(opts, "exclude", false, err) ||
        string_list(opts, "checks", true, err))
        return -1;
    v = json_object_get(opts, "rate_limit");
    if (v && (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 100000))
        return err_field(err, "options.rate_limit", "must be a number from 0 to 100000");
    v = json_object_get(opts, "fail_on");
    if (v) {
        fail_on = json_string_value(v);
        if (!fail_on || (strcmp(fail_on, "none") != 0 && severity_parse(fail_on, &sev) != 0))
            return err_field(err, "options.fail_on",
                             "must be critical, high, medium, low, info or none");
    }
    return 0;
}

/* Credentials are refused until they can be stored encrypted at rest. */
static int
check_auth(json_t *body, const char *key, struct err *err)
{
    json_t *auth = json_object_get(body, key);
    const char *type;

    if (!auth || json_is_null(auth))
        return 0;
    type = json_string_value(json_object_get(auth, "type"));
    if (!json_is_object(auth) || !type)
        return err_field(err, key, "must be an object with a type");
    if (strcmp(type, "none") != 0)
        return err_field(err, key,
                         "credentials for the target are not accepted by this server yet; "
                         "use type none");
    return 0;
}

/* The spec as text: inline `spec`, or `spec_content` base64-decoded. NULL + *url for spec_url.
 */
static const char *
spec_text(struct req *req, json_t *body, const char **url, struct err *err)
{
    json_t *inline_ = json_object_get(body, "spec"), *b64 = json_object_get(body, "spec_content"),
           *u = json_object_get(body, "spec_url");
    int given = !!inline_ + !!b64 + !!u;

    *url = NULL;
    if (given != 1) {
        err_field(err, "spec", "give exactly one of spec, spec_content and spec_url");
        return NULL;
    }
    if (inline_) {
        if (!json_is_string(inline_) || !json_string_length(inline_)) {
            err_field(err, "spec", "must be the OpenAPI document as a string");
            return NULL;
        }
        return json_string_value(inline_);
    }
    if (u) {
        if (!json_is_string(u)) {
            err_field(err, "spec_url", "must be a URL");
            return NULL;
        }
        *url = json_string_value(u);
        return NULL;
    }
    if (!json_is_string(b64) || json_string_length(b64) % 4 != 0 ||
        json_string_length(b64) > SCAN_SPEC_MAX || json_string_length(b64) == 0) {
        err_field(err, "spec_content", "must be base64");
        return NULL;
    }
    {
        size_t n = json_string_length(b64);
        const char *s = json_string_value(b64);
        unsigned char *out = arena_alloc(req->arena, n / 4 * 3 + 1);
        int got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);

        if (got < 0) {
            err_field(err, "spec_content", "must be base64");
            return NULL;
        }
        got -= (s[n - 1] == '=') + (n > 1 && s[n - 2] == '=');
        out[got] = '\0';
        if (memchr(out, '\0', (size_t)got)) {
            err_field(err, "spec_content", "must be a text document");
            return NULL;
        }
        return (const char *)out;
    }
}

int
api_scans_create(struct req *req, struct err *err)
{
    const struct scan_policy *policy = api_app(req)->scan_policy;
    json_t *body = req_json_body(req, err), *stored, *v;
    const char *target, *target_field = "url", *text, *url, *project_id = NULL;
    struct store_scan in = {0}, out;
    struct spec *spec;
    char *request;
    int rc;

    if (!body)
        return -1;
    if (!json_is_object(body))
        return err_set(err, VALIDATION_ERROR, "The body must be a JSON object.");
    v = json_object_get(body, "url");
    if (!v && (v = json_object_get(body, "target")))
        target_field = "target";
    target = json_string_value(v);
    if (!target)
        return err_field(err, "url", "is required: the base URL of the API to scan");
    if (scan_policy_check_url(policy, target, target_field, err))
        return -1;
    if (check_auth(body, "auth", err) || check_auth(body, "auth_secondary", err) ||
        check_options(json_object_get(body, "options"), err))
        return -1;
    if ((v = json_object_get(body, "project_id")) && !json_is_null(v)) {
        if (!(project_id = json_string_value(v)))
            return err_field(err, "project_id", "must be a project id");
    }
    if ((v = json_object_get(body, "frameworks")) && !json_is_array(v))
        return err_field(err, "frameworks", "must be an array of strings");
    text = spec_text(req, body, &url, err);
    if (!text && !url)
        return -1;
    if (url && scan_policy_check_url(policy, url, "spec_url", err))
        return -1;
    if (text) {
        struct err serr = {0};
        const char *field = json_object_get(body, "spec") ? "spec" : "spec_content";

        spec = spec_load_buffer(text, strlen(text), field, &serr);
        if (!spec)
            return err_field(err, field, "is not an OpenAPI document: %s",
                             serr.n_fields ? serr.fields[0].message : serr.detail);
        spec_free(spec);
    }
    stored = json_object();
    json_object_set_new(stored, "url", json_string(target));
    if (text)
        json_object_set_new(stored, "spec", json_string(text));
    else
        json_object_set_new(stored, "spec_url", json_string(url));
    if ((v = json_object_get(body, "options")))
        json_object_set(stored, "options", v);
    if ((v = json_object_get(body, "frameworks")))
        json_object_set(stored, "frameworks", v);
    request = json_dumps(stored, JSON_COMPACT);
    json_decref(stored);
    in.project_id = project_id;
    in.target = target;
    in.request = request;
    rc = store_scan_create(api_db(req), &in, JOBS_MAX_ATTEMPTS, &out, err);
    free(request);
    if (rc)
        return -1;
    resp_location(req, "/api/v1/scans/%s", out.id);
    return send_scan(req, &out, 201, true);
}

int
api_scans_get(struct req *req, struct err *err)
{
    struct store_scan s;
    const char *id = api_path_id(req, "scan_", "scan", err);

    if (!id)
        return -1;
    if (store_scan_get(api_db(req), id, &s, err))
        return api_store_failed(err, "scan", id);
    return send_scan(req, &s, 200, false);
}

int
api_scans_list(struct req *req, struct err *err)
{
    struct store_list q;
    struct store_page page;
    struct jsonw w;

    if (api_list_query(req, STORE_SCANS, 0, NULL, &q, err) ||
        store_scan_list(api_db(req), &q, &page, err))
        return -1;
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < page.n; i++)
        scan_to_json(&w, &page.scans[i]);
    jsonw_arr_close(&w);
    api_list_meta(req, &w, &q, &page);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

int
api_scans_cancel(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "scan_", "scan", err);
    bool was_running;

    if (!id)
        return -1;
    if (store_scan_cancel(api_db(req), id, &was_running, err))
        return api_store_failed(err, "scan", id);
    return resp_empty(req, 204);
}

static int
send_report(struct req *req, const char *id, struct err *err)
{
    const char *name = req_query(req, "format");
    struct store_scan_report rep;
    enum report_format f = REPORT_JSON;

    if (name && (report_format_parse(name, &f) || f == REPORT_CSV))
        return err_field(err, "format", "must be json, sarif, markdown, html or junit");
    if (store_scan_report_get(api_db(req), id, report_format_name(f), &rep, err))
        return api_store_failed(err, "scan", id);
    /* ?format= chooses the representation (the route is HTTP_ROUTE_NEGOTIATES). */
    if (!req_accepts(req, rep.content_type))
        return err_set(err, NOT_ACCEPTABLE,
                       "This report is %s (choose another with ?format=); "
                       "Accept excludes it.",
                       rep.content_type);
    buf_append(resp_body(req), rep.body, rep.len);
    return resp_send(req, 200, rep.content_type);
}

int
api_scans_report(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "scan_", "scan", err);

    return id ? send_report(req, id, err) : -1;
}

int
api_reports_get(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "scan_", "scan", err);

    return id ? send_report(req, id, err) : -1;
}
