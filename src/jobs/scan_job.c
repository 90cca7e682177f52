/* SPDX-License-Identifier: MIT */
/* One scan job, claim to outcome, and the worker threads that loop over it. */
#include "jobs/jobs.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/secretbox.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include "core/str.h"
#include "report/report.h"
#include "scan/scan.h"
#include "spec/spec.h"
#include "store/store.h"

#define JOBS_REPORT_MAX (64u * 1024 * 1024)
#define JOBS_IDLE_MS    250 /* a worker with nothing to claim looks again after this long */

/* What the progress callback needs: it runs on the scanning thread. */
struct run_ctx {
    const struct jobs_config *cfg;
    const char *owner;
    const char *scan_id;
    const char *job_id;
    volatile int *stop;  /* the pool is stopping */
    volatile int cancel; /* the engine's cancel flag */
    bool cancelled;      /* a user asked */
    bool lost;           /* another worker holds the job now: write nothing more */
    bool interrupted;    /* the pool stopped */
    int64_t last_write_ns;
};

static int
lease_of(const struct jobs_config *cfg)
{
    return cfg->lease_seconds > 0 ? cfg->lease_seconds : JOBS_LEASE_SECONDS;
}

void
jobs_scan_findings_ready(struct store *store, const struct store_scan *scan,
                         const struct scan_result *result)
{
    struct arena *a = arena_new();
    struct db *db = store_bind(store, scan->org_id, a);
    struct store_ingest_result out = {0};
    struct err err = {0};
    /* The source key names the target: a rescan of the same target is a reimport of the same
     * source, so its known fingerprints update instead of duplicating. Only a scan that ran to
     * its end is "complete" (it may close what it no longer saw); more findings than one ingest
     * takes are written in chunks that close nothing. */
    const char *source = arena_printf(a, "vigil-scan %s", scan->target);
    bool chunked = result->n_findings > STORE_INGEST_MAX;
    size_t done = 0;

    for (size_t i = 0; i < result->n_findings; i++) {
        result->findings[i].project_id = scan->project_id;
        result->findings[i].scan_id = scan->id;
    }
    do { /* once even for no findings: a complete clean rescan closes what was open */
        size_t n = result->n_findings - done;
        struct store_ingest in = {
            .project_id = scan->project_id,
            .source = source,
            .complete = !result->incomplete && !chunked,
            .partial = true, /* one odd finding must not drop the others */
            .items = result->findings + done,
            .n_items = n > STORE_INGEST_MAX ? STORE_INGEST_MAX : n,
        };
        done += in.n_items;

        if (store_findings_ingest(db, &in, &out, &err)) {
            log_msg(LOG_ERROR, "scan %s: findings not landed in project %s: %s", scan->id,
                    scan->project_id, err.cause[0] ? err.cause : err.detail);
            break;
        }
        log_msg(LOG_INFO,
                "scan %s: findings landed in project %s (created %zu, updated %zu, reopened %zu, "
                "closed %zu, skipped %zu, invalid %zu)",
                scan->id, scan->project_id, out.created, out.updated, out.reopened, out.closed,
                out.skipped, out.n_errors);
    } while (done < result->n_findings);
    arena_free(a);
}

/* Renews the lease and writes progress, at most once a second; sees cancel and lease loss. */
static void
heartbeat(struct run_ctx *x, const struct scan_progress *p, bool force)
{
    int64_t now_ns = clock_mono_ns();
    struct err err = {0};
    bool cancel = false;

    if (x->stop && *x->stop && !x->interrupted) {
        x->interrupted = true;
        x->cancel = 1;
    }
    if (x->lost || (!force && now_ns - x->last_write_ns < 1000000000LL))
        return;
    x->last_write_ns = now_ns;
    if (store_job_renew(x->cfg->store, x->job_id, x->owner, clock_now(), lease_of(x->cfg), &cancel,
                        &err)) {
        if (err.code == ERR_CONFLICT) {
            x->lost = true;
            x->cancel = 1;
        }
        return;
    }
    if (cancel && !x->cancelled) {
        x->cancelled = true;
        x->cancel = 1;
    }
    if (p)
        store_scan_progress(x->cfg->store, x->scan_id, (int64_t)p->endpoints_discovered,
                            (int64_t)p->endpoints_tested, (int64_t)p->requests_sent,
                            (int64_t)p->findings, clock_now(), NULL);
}

static void
on_progress(const struct scan_progress *p, void *userdata)
{
    heartbeat(userdata, p, false);
}

static const char **
string_array(json_t *arr, size_t *n, struct arena *a)
{
    const char **out;
    size_t i;
    json_t *v;

    *n = 0;
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return NULL;
    out = arena_alloc(a, json_array_size(arr) * sizeof(*out));
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v))
            out[(*n)++] = arena_strdup(a, json_string_value(v));
    }
    return out;
}

static const char *
jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The request's options onto the engine's (the API validated them). */
static void
apply_options(json_t *req, struct scan_options *o, enum severity *fail_on, bool *never_fail,
              struct arena *a)
{
    json_t *opt = json_object_get(req, "options");
    json_t *v;
    const char *s;

    *fail_on = SEVERITY_HIGH;
    *never_fail = false;
    if (!json_is_object(opt))
        return;
    if (json_is_integer(v = json_object_get(opt, "concurrency")))
        o->concurrency = (unsigned)json_integer_value(v);
    if (json_is_number(v = json_object_get(opt, "timeout")))
        o->timeout_ms = (unsigned)(json_number_value(v) * 1000);
    if (json_is_integer(v = json_object_get(opt, "max_requests")))
        o->max_requests = (size_t)json_integer_value(v);
    if (json_is_number(v = json_object_get(opt, "rate_limit")))
        o->rate_limit = json_number_value(v);
    if (json_is_integer(v = json_object_get(opt, "budget")))
        o->budget_seconds = (unsigned)json_integer_value(v);
    o->checks = string_array(json_object_get(opt, "checks"), &o->n_checks, a);
    o->exclude = string_array(json_object_get(opt, "exclude"), &o->n_exclude, a);
    if ((s = jstr(opt, "fail_on"))) {
        if (strcmp(s, "none") == 0)
            *never_fail = true;
        else
            severity_parse(s, fail_on);
    }
}

/* ---- target credentials ----------------------------------------------------------------- */

static const char *const auth_type_names[] = {"none",  "bearer", "header",
                                              "basic", "oauth2", "login"};

/* One identity of the opened credentials onto the engine's (the API validated it). The strings
 * stay owned by `doc` for the scan's duration. */
static void
auth_from_json(json_t *o, struct scan_auth *out)
{
    const char *type = jstr(o, "type");

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; type && i < sizeof(auth_type_names) / sizeof(auth_type_names[0]); i++)
        if (strcmp(type, auth_type_names[i]) == 0)
            out->type = (enum scan_auth_type)i;
    out->token = jstr(o, "token");
    out->header_name = jstr(o, "header_name");
    out->header_value = jstr(o, "header_value");
    out->username = jstr(o, "username");
    out->password = jstr(o, "password");
    out->oauth2_token_url = jstr(o, "oauth2_token_url");
    out->oauth2_client_id = jstr(o, "oauth2_client_id");
    out->oauth2_client_secret = jstr(o, "oauth2_client_secret");
    out->oauth2_scope = jstr(o, "oauth2_scope");
    out->login_url = jstr(o, "login_url");
    out->login_body = jstr(o, "login_body");
    out->login_token_pointer = jstr(o, "login_token_pointer");
}

/* Overwrites every string of the opened credentials before jansson frees them. */
static void
wipe_json(json_t *v)
{
    const char *k;
    json_t *item;
    size_t i;

    if (json_is_string(v))
        str_wipe((char *)json_string_value(v), json_string_length(v));
    else if (json_is_object(v))
        json_object_foreach(v, k, item)
        {
            wipe_json(item);
        }
    else if (json_is_array(v))
        json_array_foreach(v, i, item)
        {
            wipe_json(item);
        }
}

/* Opens the scan's sealed credentials into o->auth and o->auth2: *doc owns their strings (wipe
 * and free with credentials_free). A scan without credentials leaves them NONE. -1 with a reason
 * in *why when they cannot be opened. */
static int
credentials_open(const struct jobs_config *cfg, const struct store_scan *scan,
                 struct scan_options *o, json_t **doc, const char **why, struct arena *a)
{
    const unsigned char *blob;
    struct err err = {0};
    char *plain = NULL;
    size_t len = 0, n;

    *doc = NULL;
    if (!scan->credentials_state || strcmp(scan->credentials_state, "none") == 0)
        return 0;
    if (strcmp(scan->credentials_state, "stored") != 0) {
        *why = "the scan's target credentials were wiped";
        return -1;
    }
    if (store_scan_credentials(cfg->store, scan->id, a, &blob, &n, &err) || !blob) {
        *why = "the scan's target credentials are gone";
        return -1;
    }
    if (secretbox_open(cfg->credentials_key, blob, n, &plain, &len, &err)) {
        *why = cfg->credentials_key ? "the scan's target credentials do not open with this "
                                      "worker's key file (VIGIL_SCAN_KEY_FILE)"
                                    : "this worker has no key to open target credentials";
        return -1;
    }
    *doc = json_loadb(plain, len, 0, NULL);
    str_wipe(plain, len);
    free(plain);
    /* Sealed for this organization: a blob copied onto another tenant's scan does not run. */
    if (!*doc || !str_eq(jstr(*doc, "org"), scan->org_id)) {
        json_decref(*doc);
        *doc = NULL;
        *why = "the scan's target credentials are not this organization's";
        return -1;
    }
    auth_from_json(json_object_get(*doc, "auth"), &o->auth);
    auth_from_json(json_object_get(*doc, "auth_secondary"), &o->auth2);
    return 0;
}

static void
credentials_free(json_t *doc)
{
    if (doc) {
        wipe_json(doc);
        json_decref(doc);
    }
}

int
jobs_org_policy(const struct scan_policy *server, const char *org_allow, struct scan_policy *out,
                struct err *err)
{
    struct scan_policy org = {0};

    *out = server ? *server : (struct scan_policy){0};
    if (str_empty(org_allow))
        return 0;
    if (scan_policy_parse(&org, org_allow, "allow", err))
        return -1;
    if (out->n_allow + org.n_allow > SCAN_POLICY_MAX_ALLOW)
        return err_field(err, "allow",
                         "with the server's VIGIL_SCAN_ALLOW this makes more than %d networks",
                         SCAN_POLICY_MAX_ALLOW);
    for (size_t i = 0; i < org.n_allow; i++)
        out->allow[out->n_allow++] = org.allow[i];
    return 0;
}

/* The scan's organization's policy, or the server's alone if the store cannot say. */
static void
scan_org_policy(const struct jobs_config *cfg, const struct store_scan *scan,
                struct scan_policy *out, struct arena *a)
{
    struct db *db = store_bind(cfg->store, scan->org_id, a);
    const char *allow = "";
    int64_t at;
    struct err err = {0};

    if (store_scan_policy_get(db, &allow, &at, &err) ||
        jobs_org_policy(cfg->policy, allow, out, &err)) {
        log_msg(LOG_WARN, "scan %s: organization scan policy not applied: %s", scan->id,
                err.n_fields ? err.fields[0].message : err.detail);
        *out = cfg->policy ? *cfg->policy : (struct scan_policy){0};
    }
}

static const enum report_format report_formats[] = {REPORT_JSON, REPORT_SARIF, REPORT_MARKDOWN,
                                                    REPORT_HTML, REPORT_JUNIT};
#define N_FORMATS (sizeof(report_formats) / sizeof(report_formats[0]))

/* Renders every report format and fills the final row from the result. */
static int
record_result(const struct store_scan *scan, const struct spec *spec, const struct scan_result *r,
              enum severity fail_on, bool never_fail, struct store_scan *fin,
              struct store_scan_report *reports, struct buf *bufs, struct arena *a, struct err *err)
{
    struct report_input in = {0};
    size_t counts[SEVERITY_COUNT] = {0};

    in.title = arena_printf(a, "vigil scan of %s", scan->target);
    in.scan_id = scan->id;
    in.target = r->target ? r->target : scan->target;
    in.spec_title = spec->title;
    in.tool_version = VIGIL_VERSION;
    in.started_at = r->started_at;
    in.finished_at = r->finished_at;
    in.endpoints_discovered = r->progress.endpoints_discovered;
    in.endpoints_tested = r->progress.endpoints_tested;
    in.requests_sent = r->progress.requests_sent;
    in.incomplete = r->incomplete;
    in.stop_reason = r->stop_reason;
    in.checks_run = r->checks_run;
    in.n_checks_run = r->n_checks_run;
    in.findings = r->findings;
    in.n_findings = r->n_findings;
    for (size_t i = 0; i < N_FORMATS; i++) {
        buf_init(&bufs[i], JOBS_REPORT_MAX);
        if (report_render(report_formats[i], &in, &bufs[i], err))
            return -1;
        reports[i].format = report_format_name(report_formats[i]);
        reports[i].content_type = report_content_type(report_formats[i]);
        reports[i].body = bufs[i].data ? bufs[i].data : "";
        reports[i].len = bufs[i].len;
    }
    fin->exit_status = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
        counts[r->findings[i].severity]++;
        if (!never_fail && r->findings[i].severity >= fail_on)
            fin->exit_status = 1;
    }
    fin->summary =
        arena_printf(a,
                     "{\"critical\":%zu,\"high\":%zu,\"medium\":%zu,\"low\":%zu,"
                     "\"info\":%zu}",
                     counts[SEVERITY_CRITICAL], counts[SEVERITY_HIGH], counts[SEVERITY_MEDIUM],
                     counts[SEVERITY_LOW], counts[SEVERITY_INFO]);
    fin->endpoints_discovered = (int64_t)r->progress.endpoints_discovered;
    fin->endpoints_tested = (int64_t)r->progress.endpoints_tested;
    fin->requests_sent = (int64_t)r->progress.requests_sent;
    fin->findings = (int64_t)r->n_findings;
    return 0;
}

/* Runs a claimed scan job to its outcome. -1 only if the store failed to record it. */
static int
run_scan(const struct jobs_config *cfg, const char *owner, const struct store_job *job,
         volatile int *stop, struct arena *a, struct err *err)
{
    struct run_ctx x = {.cfg = cfg, .owner = owner, .job_id = job->id, .stop = stop};
    struct scan_policy *policy = arena_alloc(a, sizeof(*policy));
    struct scan_policy_guard guard = {.policy = policy};
    struct store_scan scan, fin = {.exit_status = -1};
    struct store_scan_report reports[N_FORMATS];
    struct buf bufs[N_FORMATS];
    struct scan_options o = {0};
    struct scan_result r = {0};
    struct spec *spec = NULL;
    struct err serr = {0};
    enum severity fail_on;
    bool never_fail, rendered = false;
    enum store_scan_status status = STORE_SCAN_FAILED;
    json_t *payload = json_loads(job->payload, 0, NULL), *req = NULL, *creds = NULL;
    const char *scan_id = jstr(payload, "scan_id"), *spec_text, *spec_url, *why = NULL;
    int rc = -1;

    memset(bufs, 0, sizeof(bufs));
    if (!scan_id || store_scan_load(cfg->store, scan_id, a, &scan, err)) {
        store_job_finish(cfg->store, job->id, owner, STORE_JOB_FAILED, "no such scan", clock_now(),
                         NULL);
        goto out;
    }
    x.scan_id = scan.id;
    scan_org_policy(cfg, &scan, policy, a);
    if (store_scan_started(cfg->store, scan.id, clock_now(), err))
        goto out;
    if (credentials_open(cfg, &scan, &o, &creds, &why, a)) {
        fin.error = arena_strdup(a, why);
        goto finish;
    }
    req = json_loads(scan.request, 0, NULL);
    spec_text = jstr(req, "spec");
    spec_url = jstr(req, "spec_url");
    if (spec_text)
        spec = spec_load_buffer(spec_text, strlen(spec_text), "spec", &serr);
    else if (spec_url && scan_policy_check_url(policy, spec_url, "spec_url", &serr) == 0)
        spec = scan_spec_fetch(spec_url, SCAN_DEFAULT_TIMEOUT_MS, &guard, &serr);
    else if (!spec_url)
        err_set(&serr, VALIDATION_ERROR, "no spec");
    if (!spec) {
        fin.error = arena_printf(a, "cannot load the spec: %s",
                                 serr.n_fields ? serr.fields[0].message : serr.detail);
        goto finish;
    }
    o.target = scan.target;
    o.spec = spec;
    apply_options(req, &o, &fail_on, &never_fail, a);
    o.progress = on_progress;
    o.progress_userdata = &x;
    o.cancel = &x.cancel;
    o.policy_guard = &guard;
    x.last_write_ns = clock_mono_ns();
    if (scan_run(&o, &r, &serr)) {
        heartbeat(&x, NULL, true); /* a cancel may be what cut the run short */
        if (x.cancelled && !x.interrupted) {
            /* Cancelled before the engine had results (while it first reached the target): a
             * cancelled scan with no report, not a failure. */
            status = STORE_SCAN_CANCELLED;
            goto finish;
        }
        fin.error =
            guard.refused ? arena_strdup(a, guard.reason) : arena_printf(a, "%s", serr.detail);
        goto finish;
    }
    heartbeat(&x, NULL, true); /* last look at cancel and the lease */
    if (x.lost || x.interrupted)
        goto finish; /* another worker owns it, or the next one reruns it */
    if (record_result(&scan, spec, &r, fail_on, never_fail, &fin, reports, bufs, a, &serr)) {
        fin.error = arena_printf(a, "cannot render the report: %s", serr.detail);
        goto finish;
    }
    rendered = true;
    status = x.cancelled ? STORE_SCAN_CANCELLED : STORE_SCAN_COMPLETE;
    if (guard.refused && r.progress.requests_sent == 0) {
        status = STORE_SCAN_FAILED;
        fin.error = arena_strdup(a, guard.reason);
    }
finish:
    if (x.lost)
        goto out;
    if (x.interrupted && status != STORE_SCAN_COMPLETE) {
        bool requeued;

        store_job_retry(cfg->store, job->id, owner, clock_now(), "worker stopped", clock_now(),
                        &requeued, NULL);
        rc = 0;
        goto out;
    }
    /* Findings land before the scan shows as complete, so whoever sees "complete" sees them in
     * the project; a rerun after a crash here lands them again, and the ingest deduplicates. */
    if (status == STORE_SCAN_COMPLETE && scan.project_id)
        jobs_scan_findings_ready(cfg->store, &scan, &r);
    if (rendered &&
        store_scan_findings_put(cfg->store, &scan, arena_printf(a, "vigil-scan %s|", scan.target),
                                r.findings, r.n_findings, clock_now(), &serr))
        log_msg(LOG_ERROR, "scan %s: findings list not recorded: %s", scan.id,
                serr.cause[0] ? serr.cause : serr.detail);
    if (store_scan_finish(cfg->store, scan.id, status, &fin, reports, rendered ? N_FORMATS : 0,
                          clock_now(), err))
        goto out;
    store_job_finish(cfg->store, job->id, owner,
                     status == STORE_SCAN_COMPLETE    ? STORE_JOB_DONE
                     : status == STORE_SCAN_CANCELLED ? STORE_JOB_CANCELLED
                                                      : STORE_JOB_FAILED,
                     fin.error, clock_now(), NULL);
    rc = 0;
out:
    for (size_t i = 0; i < N_FORMATS; i++)
        buf_cleanup(&bufs[i]);
    scan_result_cleanup(&r);
    spec_free(spec);
    credentials_free(creds);
    json_decref(req);
    json_decref(payload);
    return rc;
}

int
jobs_run_one(const struct jobs_config *cfg, const char *owner, volatile int *stop, bool *ran,
             struct err *err)
{
    struct arena *a = arena_new();
    struct store_job job;
    int rc;

    *ran = false;
    rc = store_job_claim(cfg->store, STORE_SCAN_JOB_KIND, owner, clock_now(), lease_of(cfg),
                         cfg->max_per_org, a, &job, ran, err);
    if (rc == 0 && *ran)
        rc = run_scan(cfg, owner, &job, stop, a, err);
    arena_free(a);
    /* No scan to run: a project report (issue 11, report_job.c). */
    if (rc == 0 && !*ran)
        rc = jobs_run_report(cfg, owner, ran, err);
    return rc;
}

/* ---- the pool ------------------------------------------------------------------------- */

struct jobs_pool {
    struct jobs_config cfg;
    pthread_t *threads;
    int n;
    volatile int stop;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    char (*owners)[96];
};

struct worker_arg {
    struct jobs_pool *pool;
    int index;
};

static void *
worker_main(void *arg)
{
    struct jobs_pool *p = ((struct worker_arg *)arg)->pool;
    const char *owner = p->owners[((struct worker_arg *)arg)->index];

    free(arg);
    while (!p->stop) {
        struct err err = {0};
        bool ran = false;

        if (jobs_run_one(&p->cfg, owner, &p->stop, &ran, &err))
            log_msg(LOG_WARN, "scan worker %s: %s %s", owner, err.detail, err.cause);
        if (ran)
            continue;
        pthread_mutex_lock(&p->lock);
        if (!p->stop) {
            struct timespec until;

            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += JOBS_IDLE_MS * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&p->wake, &p->lock, &until);
        }
        pthread_mutex_unlock(&p->lock);
    }
    return NULL;
}

struct jobs_pool *
jobs_start(const struct jobs_config *cfg, struct err *err)
{
    struct jobs_pool *p = calloc(1, sizeof(*p));
    char host[64] = "host";

    if (!p)
        return err_internal(err, "out of memory"), NULL;
    p->cfg = *cfg;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (cfg->workers <= 0)
        return p;
    gethostname(host, sizeof(host) - 1);
    p->threads = calloc((size_t)cfg->workers, sizeof(*p->threads));
    p->owners = calloc((size_t)cfg->workers, sizeof(*p->owners));
    for (int i = 0; i < cfg->workers; i++) {
        struct worker_arg *arg = malloc(sizeof(*arg));

        snprintf(p->owners[i], sizeof(p->owners[i]), "%s:%s:%ld:%d",
                 cfg->name ? cfg->name : "worker", host, (long)getpid(), i);
        arg->pool = p;
        arg->index = i;
        if (pthread_create(&p->threads[i], NULL, worker_main, arg)) {
            free(arg);
            err_internal(err, "cannot start scan worker %d", i);
            jobs_stop(p);
            return NULL;
        }
        p->n++;
    }
    return p;
}

void
jobs_stop(struct jobs_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->n; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p->threads);
    free(p->owners);
    free(p);
}

int
jobs_config_from_env(struct jobs_config *cfg, struct scan_policy *policy, struct err *err)
{
    const char *allow = getenv("VIGIL_SCAN_ALLOW"), *cap = getenv("VIGIL_SCAN_MAX_PER_ORG");
    char *end;
    long n;

    if (scan_policy_parse(policy, allow, "VIGIL_SCAN_ALLOW", err))
        return -1;
    cfg->policy = policy;
    cfg->max_per_org = JOBS_DEFAULT_PER_ORG;
    if (cap && *cap) {
        n = strtol(cap, &end, 10);
        if (*end || n < 0 || n > 10000)
            return err_field(err, "VIGIL_SCAN_MAX_PER_ORG", "wants 0..10000 (0 = no cap)");
        cfg->max_per_org = (int)n;
    }
    cap = getenv("VIGIL_SCAN_LEASE_SECONDS");
    if (cap && *cap) {
        n = strtol(cap, &end, 10);
        if (*end || n < 2 || n > 3600)
            return err_field(err, "VIGIL_SCAN_LEASE_SECONDS", "wants 2..3600");
        cfg->lease_seconds = (int)n;
    }
    return 0;
}
