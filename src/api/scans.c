/* SPDX-License-Identifier: MIT */
/* Server-launched scans: create (validated, target policy checked, queued as a job), read with
 * live progress, cancel, and the stored reports. The scan itself runs in jobs/. */
#include "api/api_int.h"

#include "model/scope.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "auth/secretbox.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "core/str.h"
#include "jobs/jobs.h"
#include "model/finding.h"
#include "report/report.h"
#include "scan/policy.h"
#include "scan/scan.h"
#include "spec/spec.h"
#include "spec/url.h"

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
        store_scan_to_json(&w, s);
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

/* ---- target credentials --------------------------------------------------------------- */

#define SCAN_AUTH_FIELD_MAX 8192

/* The fields of each auth type: secret ones are sealed and never shown, the others are shown
 * in the scan's GET. `required` lists what the type cannot do without. */
struct auth_kind {
    const char *type;
    const char *const *required;
    const char *const *optional; /* beyond type */
};

static const char *const no_fields[] = {NULL};
static const char *const bearer_req[] = {"token", NULL};
static const char *const header_req[] = {"header_name", "header_value", NULL};
static const char *const basic_req[] = {"username", NULL};
static const char *const basic_opt[] = {"password", NULL};
static const char *const oauth2_req[] = {"oauth2_token_url", "oauth2_client_id",
                                         "oauth2_client_secret", NULL};
static const char *const oauth2_opt[] = {"oauth2_scope", NULL};
static const char *const login_req[] = {"login_url", "login_body", NULL};
static const char *const login_opt[] = {"login_token_pointer", NULL};

static const struct auth_kind auth_kinds[] = {
    {"none", no_fields, no_fields},     {"bearer", bearer_req, no_fields},
    {"header", header_req, no_fields},  {"basic", basic_req, basic_opt},
    {"oauth2", oauth2_req, oauth2_opt}, {"login", login_req, login_opt},
};

/* Secret values: sealed, never shown, masked in evidence by the engine. */
static const char *const secret_fields[] = {"token",      "header_value",         "password",
                                            "login_body", "oauth2_client_secret", NULL};

static bool
in_list(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* Credentials go in auth, where they are sealed: a URL carrying user:password@ would be stored,
 * shown and logged in the clear. Read by libcurl, as the scan will read it. */
static int
no_userinfo(const char *url, const char *field, struct err *err)
{
    if (url && spec_url_has_userinfo(url))
        return err_field(err, field, "must not carry credentials (user:password@); use auth");
    return 0;
}

/* A URL the scan will call on its own (token endpoint, absolute login URL): http(s) and allowed
 * by the target policy, like the target. */
static int
auth_url(const struct scan_policy *policy, const char *url, const char *field, struct err *err)
{
    return no_userinfo(url, field, err) || scan_policy_check_url(policy, url, field, err) ? -1 : 0;
}

/* Validates one identity and adds its sealed copy to `sealed` and its non-secret summary to
 * `summary` under `key`. VALIDATION_ERROR naming "<key>.<field>"; TARGET_NOT_ALLOWED for a
 * token or login URL the policy denies. Error messages never quote a value. */
static int
check_auth(json_t *body, const char *key, const struct scan_policy *policy, json_t *sealed,
           json_t *summary, bool *has_secret, struct err *err)
{
    json_t *auth = json_object_get(body, key), *copy, *shown, *v;
    const struct auth_kind *kind = NULL;
    const char *type, *k;
    char field[96];

    if (!auth || json_is_null(auth))
        return 0;
    if (!json_is_object(auth) || !(type = json_string_value(json_object_get(auth, "type"))))
        return err_field(err, key, "must be an object with a type");
    for (size_t i = 0; i < sizeof(auth_kinds) / sizeof(auth_kinds[0]); i++)
        if (strcmp(auth_kinds[i].type, type) == 0)
            kind = &auth_kinds[i];
    snprintf(field, sizeof(field), "%s.type", key);
    if (!kind)
        return err_field(err, field, "must be none, bearer, header, basic, oauth2 or login");
    json_object_foreach(auth, k, v)
    {
        snprintf(field, sizeof(field), "%s.%.60s", key, k);
        if (strcmp(k, "type") == 0)
            continue;
        if (!in_list(kind->required, k) && !in_list(kind->optional, k))
            return err_field(err, field, "is not a field of %s auth", kind->type);
        if (strcmp(k, "login_body") == 0 && json_is_object(v))
            continue;
        if (!json_is_string(v) || json_string_length(v) > SCAN_AUTH_FIELD_MAX)
            return err_field(err, field, "must be a string of at most %d bytes",
                             SCAN_AUTH_FIELD_MAX);
    }
    for (size_t i = 0; kind->required[i]; i++) {
        v = json_object_get(auth, kind->required[i]);
        snprintf(field, sizeof(field), "%s.%s", key, kind->required[i]);
        if (!v || (json_is_string(v) && json_string_length(v) == 0))
            return err_field(err, field, "is required for %s auth", kind->type);
    }
    copy = json_object();
    shown = json_object();
    json_object_set_new(copy, "type", json_string(type));
    json_object_set_new(shown, "type", json_string(type));
    json_object_foreach(auth, k, v)
    {
        const char *text = json_string_value(v);
        char *dumped = NULL;
        int rc = 0;

        if (strcmp(k, "type") == 0)
            continue;
        snprintf(field, sizeof(field), "%s.%s", key, k);
        if (strcmp(k, "login_body") == 0) {
            json_t *doc = json_is_object(v) ? json_incref(v) : json_loads(text, 0, NULL);

            if (!json_is_object(doc))
                rc = err_field(err, field, "must be a JSON object (or its text)");
            else
                text = dumped = json_dumps(doc, JSON_COMPACT);
            json_decref(doc);
        } else if (strcmp(k, "header_name") == 0) {
            if (strpbrk(text, ": \t\r\n") || !*text)
                rc = err_field(err, field, "must be a header name (no colon, space or newline)");
        } else if (strcmp(k, "header_value") == 0 || strcmp(k, "token") == 0) {
            if (strpbrk(text, "\r\n"))
                rc = err_field(err, field, "must not contain a newline");
        } else if (strcmp(k, "username") == 0) {
            if (strchr(text, ':'))
                rc = err_field(err, field, "must not contain a colon");
        } else if (strcmp(k, "oauth2_token_url") == 0) {
            rc = auth_url(policy, text, field, err);
        } else if (strcmp(k, "login_url") == 0) {
            if (text[0] != '/')
                rc = auth_url(policy, text, field, err);
        } else if (strcmp(k, "login_token_pointer") == 0) {
            if (text[0] && text[0] != '/')
                rc = err_field(err, field, "must be a JSON pointer (\"/access_token\")");
        }
        if (rc == 0) {
            json_object_set_new(copy, k, json_string(text));
            if (!in_list(secret_fields, k))
                json_object_set_new(shown, k, json_string(text));
        }
        if (dumped) {
            str_wipe(dumped, strlen(dumped));
            free(dumped);
        }
        if (rc) {
            json_decref(copy);
            json_decref(shown);
            return -1;
        }
    }
    if (strcmp(type, "none") != 0) {
        json_object_set_new(shown, "secret", json_string("***"));
        *has_secret = true;
    }
    json_object_set_new(sealed, key, copy);
    json_object_set_new(summary, key, shown);
    return 0;
}

/* Overwrites every string of a JSON value that held credentials before it is freed. */
static void
wipe_json(json_t *v)
{
    const char *k;
    json_t *item;

    if (json_is_string(v))
        str_wipe((char *)json_string_value(v), json_string_length(v));
    else if (json_is_object(v))
        json_object_foreach(v, k, item)
        {
            wipe_json(item);
        }
}

/* Seals the identities of `sealed` for the caller's organization into in->credentials (arena)
 * and their summary into in->auth_summary. Nothing to seal: both stay NULL. */
static int
seal_credentials(struct req *req, json_t *sealed, json_t *summary, bool has_secret,
                 struct store_scan *in, struct err *err)
{
    char *plain, *text;
    unsigned char *box = NULL;
    size_t len = 0;
    int rc;

    if (json_object_size(summary)) {
        text = json_dumps(summary, JSON_COMPACT);
        in->auth_summary = arena_strdup(req->arena, text);
        free(text);
    }
    if (!has_secret)
        return 0;
    if (!api_app(req)->scan_key)
        return err_set(err, SERVICE_UNAVAILABLE,
                       "This server has no key to store target credentials with.");
    json_object_set_new(sealed, "org", json_string(api_state(req)->who.org_id));
    plain = json_dumps(sealed, JSON_COMPACT);
    rc = secretbox_seal(api_app(req)->scan_key, plain, strlen(plain), &box, &len, err);
    str_wipe(plain, strlen(plain));
    free(plain);
    if (rc)
        return -1;
    in->credentials = arena_alloc(req->arena, len);
    memcpy((unsigned char *)in->credentials, box, len);
    in->credentials_len = len;
    free(box);
    return 0;
}

/* The caller's organization's policy: the server's allow list plus the one its admin set. */
static int
org_policy(struct req *req, struct scan_policy *out, struct err *err)
{
    const char *allow;
    int64_t at;

    return store_scan_policy_get(api_db(req), &allow, &at, err) ||
                   jobs_org_policy(api_app(req)->scan_policy, allow, out, err)
               ? -1
               : 0;
}

/* `frameworks`: compliance framework names kept on the scan as given (seed 003). Controls at
 * risk come from the project's frameworks (controls/catalog.h), which are checked against the
 * catalog; a scan's list is only echoed back. */
static int
check_frameworks(json_t *v, struct err *err)
{
    json_t *item;
    size_t i;

    if (!v)
        return 0;
    if (!json_is_array(v) || json_array_size(v) > 32)
        return err_field(err, "frameworks", "must be an array of at most 32 strings");
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item) || json_string_length(item) == 0 || json_string_length(item) > 64)
            return err_field(err, "frameworks", "must be an array of names of 1 to 64 bytes");
    }
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
    struct scan_policy *policy = arena_alloc(req->arena, sizeof(*policy));
    json_t *body = req_json_body(req, err), *stored, *v, *sealed, *summary;
    bool has_secret = false;
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
    if (no_userinfo(target, target_field, err) || org_policy(req, policy, err) ||
        scan_policy_check_url(policy, target, target_field, err))
        return -1;
    if (check_options(json_object_get(body, "options"), err))
        return -1;
    if ((v = json_object_get(body, "keep_credentials")) && !json_is_boolean(v))
        return err_field(err, "keep_credentials", "must be true or false");
    in.keep_credentials = json_is_true(v);
    sealed = json_object();
    summary = json_object();
    rc = check_auth(body, "auth", policy, sealed, summary, &has_secret, err) ||
         check_auth(body, "auth_secondary", policy, sealed, summary, &has_secret, err) ||
         seal_credentials(req, sealed, summary, has_secret, &in, err);
    wipe_json(sealed);
    json_decref(sealed);
    json_decref(summary);
    if (rc)
        return -1;
    if ((v = json_object_get(body, "project_id")) && !json_is_null(v)) {
        if (!(project_id = json_string_value(v)))
            return err_field(err, "project_id", "must be a project id");
    }
    if (check_frameworks(json_object_get(body, "frameworks"), err))
        return -1;
    text = spec_text(req, body, &url, err);
    if (!text && !url)
        return -1;
    if (url &&
        (no_userinfo(url, "spec_url", err) || scan_policy_check_url(policy, url, "spec_url", err)))
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
        store_scan_to_json(&w, &page.scans[i]);
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
    const char *raw = req_param(req, "id");
    const char *id;

    /* A project report (issue 11, reports.c) is told apart by its prefix. */
    if (raw && strncmp(raw, "rpt_", 4) == 0) {
        id = api_path_id(req, "rpt_", "report", err);
        return id ? api_project_report_get(req, id, err) : -1;
    }
    if (api_require_scope(req, SCOPE(SCANS_READ), err))
        return -1;
    id = api_path_id(req, "scan_", "scan", err);
    return id ? send_report(req, id, err) : -1;
}

/* ---- findings, rerun, the scan policy setting --------------------------------------------- */

int
api_scans_findings(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "scan_", "scan", err);
    struct store_filter *fixed;
    const char **values;
    struct store_list q;
    struct store_page page;
    struct jsonw w;

    if (!id)
        return -1;
    fixed = arena_alloc(req->arena, sizeof(*fixed));
    values = arena_alloc(req->arena, sizeof(*values));
    values[0] = id;
    *fixed = (struct store_filter){.field = "scan_id", .values = values, .n_values = 1};
    if (api_list_query(req, STORE_SCAN_FINDINGS, 0, fixed, &q, err))
        return -1;
    if (store_scan_findings_list(api_db(req), id, &q, &page, err))
        return api_store_failed(err, "scan", id);
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < page.n; i++)
        finding_to_json(&w, &page.findings[i]);
    jsonw_arr_close(&w);
    api_list_meta(req, &w, &q, &page);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

/* POST /scans/{id}/rerun: the same target, spec, options and stored credentials, as a new
 * scan. The target policy is checked again (an admin may have narrowed it since). A scan whose
 * credentials were wiped when it ended cannot be rerun with them: 409, the client starts a new
 * scan with its credentials (or asks keep_credentials next time). */
int
api_scans_rerun(struct req *req, struct err *err)
{
    struct scan_policy *policy = arena_alloc(req->arena, sizeof(*policy));
    const char *id = api_path_id(req, "scan_", "scan", err);
    struct store_scan orig, out;

    if (!id)
        return -1;
    if (store_scan_get(api_db(req), id, &orig, err))
        return api_store_failed(err, "scan", id);
    if (org_policy(req, policy, err) || scan_policy_check_url(policy, orig.target, "url", err))
        return -1;
    if (store_scan_rerun(api_db(req), id, JOBS_MAX_ATTEMPTS, &out, err))
        return api_store_failed(err, "scan", id);
    resp_location(req, "/api/v1/scans/%s", out.id);
    return send_scan(req, &out, 201, true);
}

static int
send_policy(struct req *req, const char *allow, int64_t updated_at)
{
    const struct scan_policy *server = api_app(req)->scan_policy;
    char text[SCAN_POLICY_MAX_ALLOW * 48];
    struct arena *a = req->arena;
    struct jsonw w;
    char **items;
    size_t n = 0;

    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_obj_open(&w);
    jsonw_key(&w, "allow");
    jsonw_arr_open(&w);
    items = str_empty(allow) ? NULL : str_split(a, allow, ',', &n);
    for (size_t i = 0; i < n; i++)
        jsonw_str(&w, items[i]);
    jsonw_arr_close(&w);
    jsonw_key(&w, "server_allow");
    jsonw_arr_open(&w);
    text[0] = '\0';
    if (server)
        scan_policy_format(server, text, sizeof(text));
    n = 0;
    items = text[0] ? str_split(a, text, ',', &n) : NULL;
    for (size_t i = 0; i < n; i++)
        jsonw_str(&w, items[i]);
    jsonw_arr_close(&w);
    time_or_null(&w, "updated_at", updated_at);
    jsonw_obj_close(&w);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

int
api_settings_scan_policy_get(struct req *req, struct err *err)
{
    const char *allow;
    int64_t at;

    if (store_scan_policy_get(api_db(req), &allow, &at, err))
        return -1;
    return send_policy(req, allow, at);
}

/* PUT /settings/scan-policy: {"allow": ["cidr", ...]} replaces the networks this
 * organization's scans may reach besides the server's VIGIL_SCAN_ALLOW. */
int
api_settings_scan_policy_put(struct req *req, struct err *err)
{
    json_t *body = req_json_body(req, err), *list, *item;
    struct scan_policy *merged = arena_alloc(req->arena, sizeof(*merged));
    char canonical[SCAN_POLICY_MAX_ALLOW * 48];
    struct scan_policy org = {0};
    const char *allow, *key;
    struct buf text;
    int64_t at;
    size_t i;
    int rc;

    if (!body)
        return -1;
    if (!json_is_object(body))
        return err_set(err, VALIDATION_ERROR, "The body must be a JSON object.");
    json_object_foreach(body, key, item)
    {
        if (strcmp(key, "allow") != 0)
            return err_field(err, key, "is not a field of the scan policy");
    }
    list = json_object_get(body, "allow");
    if (!json_is_array(list))
        return err_field(err, "allow", "is required: an array of CIDR networks");
    buf_init(&text, 64 * 1024);
    json_array_foreach(list, i, item)
    {
        if (!json_is_string(item) || strchr(json_string_value(item), ',')) {
            buf_cleanup(&text);
            return err_field(err, "allow", "must be an array of CIDR strings");
        }
        buf_printf(&text, "%s%s", i ? "," : "", json_string_value(item));
    }
    rc = scan_policy_parse(&org, buf_str(&text), "allow", err) ||
         jobs_org_policy(api_app(req)->scan_policy, buf_str(&text), merged, err);
    buf_cleanup(&text);
    if (rc)
        return -1;
    scan_policy_format(&org, canonical, sizeof(canonical));
    if (store_scan_policy_put(api_db(req), canonical, err) ||
        store_scan_policy_get(api_db(req), &allow, &at, err))
        return -1;
    api_state(req)->audit_action = "settings.scan_policy.update";
    return send_policy(req, allow, at);
}
