/* SPDX-License-Identifier: MIT */
/* The course of one scan: identities are resolved, operations planned, baselines sent round by
 * round (creators and lists first, so the ids they return feed the operations that consume
 * them), each operation handed to the checks as its baseline answers, destructive operations
 * last and only on resources the scan created for them, then on_scan, the out-of-band grace
 * period and on_finish. Also the small accessors checks use. A target whose first round gets
 * nothing but transport errors ends the scan with SERVICE_UNAVAILABLE. */
#include "scan/scan_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "spec/url.h"

#define SCAN_OOB_GRACE_MS 2000

/* ---- accessors for checks ------------------------------------------------------------------ */

struct arena *
scan_arena(struct scan *scan)
{
    return scan->arena;
}

bool
scan_has_identity_b(const struct scan *scan)
{
    return scan->ident[SCAN_ID_B].present;
}

const char *
scan_target(const struct scan *scan)
{
    return scan->target;
}

const char *
scan_url(struct scan *scan, const char *path)
{
    if (!path || path[0] != '/')
        return arena_printf(scan->arena, "%s/%s", scan->target, path ? path : "");
    return arena_printf(scan->arena, "%s%s", scan->target, path);
}

size_t
scan_op_count(const struct scan *scan)
{
    return scan->n_ops;
}

const struct scan_op *
scan_op_at(const struct scan *scan, size_t i)
{
    return i < scan->n_ops ? &scan->ops[i].op : NULL;
}

const struct scan_options *
scan_options_of(const struct scan *scan)
{
    return &scan->opts;
}

const char *
scan_identity_token(struct scan *scan, enum scan_identity identity)
{
    if (identity > SCAN_ID_B || !scan->ident[identity].present)
        return NULL;
    return scan->ident[identity].header_value;
}

static const struct scan_op_int *
op_int(const struct scan *scan, const struct scan_op *op)
{
    for (size_t i = 0; i < scan->n_ops; i++) {
        if (&scan->ops[i].op == op)
            return &scan->ops[i];
    }
    return NULL;
}

int
scan_probe_variant(struct scan *scan, const struct scan_op *op, enum scan_identity identity,
                   enum probe_param_in in, const char *name, const char *value, struct probe *out)
{
    const struct scan_op_int *o = op_int(scan, op);

    if (!o || !name)
        return -1;
    return scan_plan_probe(scan, o, identity, in, name, value ? value : "", out);
}

void
scan_probe_as(struct scan *scan, const struct scan_op *op, enum scan_identity identity,
              struct probe *out)
{
    (void)scan;
    *out = op->baseline;
    out->identity = identity;
}

const char *
probe_header_get(struct scan *scan, const struct probe_response *r, const char *name)
{
    const char *line = r ? r->headers : NULL;
    size_t n = name ? strlen(name) : 0;

    if (!line || !n)
        return NULL;
    while (*line) {
        size_t len = strcspn(line, "\r\n");

        if (len > n && line[n] == ':' && strncasecmp(line, name, n) == 0) {
            const char *v = line + n + 1;
            const char *end = line + len;

            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
            return arena_strndup(scan->arena, v, (size_t)(end - v));
        }
        line += len;
        while (*line == '\r' || *line == '\n')
            line++;
    }
    return NULL;
}

json_t *
probe_json(struct scan *scan, const struct probe_response *r)
{
    json_t *v;

    if (!r || !r->body || r->body_len == 0 || r->truncated)
        return NULL;
    v = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
    return scan_keep_json(scan, v);
}

/* ---- the course of a scan ------------------------------------------------------------------ */

static void
run_checks_on(struct scan *scan, struct scan_op_int *op)
{
    if (op->tested)
        return;
    op->tested = true;
    scan->progress.endpoints_tested++;
    for (size_t i = 0; i < scan->n_checks; i++) {
        if (scan->checks[i]->on_operation) {
            scan->cur_check = scan->checks[i];
            scan->checks[i]->on_operation(scan, scan->checks[i], &op->op);
            scan->cur_check = NULL;
        }
    }
}

static void
baseline_done(struct scan *scan, const struct probe *probe, const struct probe_response *r,
              void *userdata)
{
    struct scan_op_int *op = userdata;
    json_t *json;

    (void)probe;
    scan->baselines_pending--;
    op->op.baseline_status = r->status;
    if (r->status == 0) {
        scan->transport_failures++;
        if (!scan->first_error)
            scan->first_error = arena_strdup(scan->arena, r->error ? r->error : "no answer");
        /* Checks run after the round, once we know the target is reachable at all. */
        return;
    }
    scan->baselines_answered++;
    json = probe_json(scan, r);
    op->op.baseline_json = json;
    scan_plan_harvest(scan, op, r, json);
    run_checks_on(scan, op);
}

static bool
baselines_done(struct scan *scan)
{
    return scan->baselines_pending == 0;
}

static void
send_baseline(struct scan *scan, struct scan_op_int *op)
{
    scan_plan_resolve(scan, op);
    if (scan_send(scan, &op->op.baseline, baseline_done, op) == 0)
        scan->baselines_pending++;
}

/* A reachability probe when the spec has nothing to send first. */
static void
ping_done(struct scan *scan, const struct probe *probe, const struct probe_response *r,
          void *userdata)
{
    (void)probe;
    (void)userdata;
    scan->baselines_pending--;
    if (r->status == 0) {
        scan->transport_failures++;
        scan->first_error = arena_strdup(scan->arena, r->error ? r->error : "no answer");
    } else {
        scan->baselines_answered++;
    }
}

static int
run_round(struct scan *scan, int phase, bool *first_round, struct err *err)
{
    size_t sent = 0;

    scan->transport_failures = 0;
    scan->baselines_answered = 0;
    for (size_t i = 0; i < scan->n_ops; i++) {
        struct scan_op_int *op = &scan->ops[i];

        if (op->phase != phase || op->skipped)
            continue;
        send_baseline(scan, op);
        sent++;
    }
    if (!sent)
        return 0;
    scan_engine_run(scan, baselines_done);
    if (*first_round && scan->baselines_answered == 0 && scan->transport_failures > 0)
        return err_set(err, SERVICE_UNAVAILABLE, "cannot reach %s: %s", scan->target,
                       scan->first_error ? scan->first_error : "no answer");
    *first_round = false;
    /* Operations whose baseline failed in transport are still handed to the checks. */
    for (size_t i = 0; i < scan->n_ops; i++) {
        struct scan_op_int *op = &scan->ops[i];

        if (op->phase == phase && !op->skipped && !op->tested && !scan->stopping)
            run_checks_on(scan, op);
    }
    return 0;
}

static int
ping_target(struct scan *scan, struct err *err)
{
    struct probe p = {.method = "GET", .url = scan_url(scan, "/"), .identity = SCAN_ID_A};

    scan->transport_failures = 0;
    scan->baselines_answered = 0;
    if (scan_send(scan, &p, ping_done, NULL) != 0)
        return 0;
    scan->baselines_pending++;
    scan_engine_run(scan, baselines_done);
    if (scan->baselines_answered == 0 && scan->transport_failures > 0)
        return err_set(err, SERVICE_UNAVAILABLE, "cannot reach %s: %s", scan->target,
                       scan->first_error ? scan->first_error : "no answer");
    return 0;
}

/* Destructive operations run last, each on a resource created for it alone, so deleting it
 * disturbs neither other checks nor data the scan did not make. Their baseline is built but not
 * sent (sending it would consume the resource before the checks could use it). */
static void
recreate_done(struct scan *scan, const struct probe *probe, const struct probe_response *r,
              void *userdata)
{
    struct scan_op_int *creator = userdata;

    (void)probe;
    scan->baselines_pending--;
    if (r->status != 0)
        scan_plan_harvest(scan, creator, r, probe_json(scan, r));
}

static void
run_destructive(struct scan *scan)
{
    for (size_t i = 0; i < scan->n_ops && !scan->stopping; i++) {
        struct scan_op_int *op = &scan->ops[i];
        struct scan_op_int *creator = NULL;

        if (op->phase != SCAN_PHASE_DESTRUCTIVE || op->skipped)
            continue;
        /* Let everything else finish first: the resource must not vanish under a probe. */
        scan_engine_run(scan, NULL);
        for (size_t j = 0; j < scan->n_ops; j++) {
            if (scan->ops[j].creator && scan->ops[j].resource && op->resource &&
                str_eq(scan->ops[j].resource, op->resource) &&
                scan->ops[j].phase < SCAN_PHASE_DESTRUCTIVE)
                creator = &scan->ops[j];
        }
        if (creator && creator->op.baseline_status >= 200 && creator->op.baseline_status < 300) {
            struct probe p;

            scan_plan_refresh_body(scan, creator);
            scan_plan_resolve(scan, creator);
            p = creator->op.baseline;
            if (scan_send(scan, &p, recreate_done, creator) == 0) {
                scan->baselines_pending++;
                scan_engine_run(scan, baselines_done);
            }
        }
        scan_plan_resolve(scan, op);
        if (!op->op.created_resource && !scan->opts.allow_destructive) {
            op->skipped = true;
            continue;
        }
        run_checks_on(scan, op);
    }
}

static void
apply_defaults(struct scan_options *o)
{
    if (!o->concurrency)
        o->concurrency = SCAN_DEFAULT_CONCURRENCY;
    if (!o->timeout_ms)
        o->timeout_ms = SCAN_DEFAULT_TIMEOUT_MS;
    if (!o->max_requests)
        o->max_requests = SCAN_DEFAULT_MAX_REQUESTS;
    if (!o->max_response_bytes)
        o->max_response_bytes = SCAN_DEFAULT_MAX_BODY;
}

static int
validate_options(const struct scan_options *o, struct err *err)
{
    if (str_empty(o->target))
        err_field(err, "url", "is required");
    else if (!str_has_prefix(o->target, "http://") && !str_has_prefix(o->target, "https://"))
        err_field(err, "url", "must be an http:// or https:// URL");
    if (!o->spec)
        err_field(err, "spec", "is required");
    if (o->concurrency > 1024)
        err_field(err, "concurrency", "must be between 1 and 1024");
    if (o->rate_limit < 0)
        err_field(err, "rate_limit", "must not be negative");
    if (o->auth2.type != SCAN_AUTH_NONE && o->auth.type == SCAN_AUTH_NONE)
        err_field(err, "auth_secondary", "needs a primary identity too");
    return err_is_set(err) ? -1 : 0;
}

/* target + the spec's base path when the target names no path of its own, without trailing '/';
 * target_path is its path ("" for the root). */
static void
set_target(struct scan *scan)
{
    const char *t = scan->opts.target;
    const char *base_path = scan->opts.spec ? scan->opts.spec->base_path : NULL;
    const char *joined = NULL;
    char path[2048], *base;
    size_t n;

    spec_url_path(t, path, sizeof(path));
    if (str_eq(path, "/") && !str_empty(base_path))
        joined = spec_url_with_path(scan->arena, t, base_path);
    base = arena_strdup(scan->arena, joined ? joined : t);
    n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        base[--n] = '\0';
    scan->target = base;
    spec_url_path(base, path, sizeof(path));
    n = strlen(path);
    while (n > 0 && path[n - 1] == '/')
        path[--n] = '\0';
    scan->target_path = arena_strdup(scan->arena, path);
}

static bool
oob_settled(struct scan *scan)
{
    return scan_oob_all_hit(scan);
}

static void
scan_free(struct scan *scan)
{
    scan_engine_cleanup(scan);
    scan_oob_free(scan->oob);
    for (size_t i = 0; i < scan->n_json_refs; i++)
        json_decref(scan->json_refs[i]);
    free(scan->json_refs);
    for (size_t i = 0; i < scan->n_ops; i++)
        json_decref(scan->ops[i].body);
    free(scan->ops);
    free(scan->harvest);
    free(scan->links);
    free(scan->created);
    free(scan->secrets);
    scan_findings_cleanup(scan);
    free(scan);
}

int
scan_run_checks(const struct scan_options *opts, const struct scan_check *const *checks,
                size_t n_checks, struct scan_result *result, struct err *err)
{
    struct scan *scan;
    bool first_round = true;
    bool stopped;
    int rc = -1;

    memset(result, 0, sizeof(*result));
    if (validate_options(opts, err))
        return -1;
    scan = xcalloc(1, sizeof(*scan));
    scan->opts = *opts;
    apply_defaults(&scan->opts);
    scan->arena = arena_new();
    scan->checks = checks;
    scan->n_checks = n_checks;
    set_target(scan);
    result->started_at = clock_now();
    if (scan->opts.budget_seconds)
        scan->deadline_ns = clock_mono_ns() + (int64_t)scan->opts.budget_seconds * 1000000000LL;

    if (scan_engine_init(scan, err) || scan_auth_resolve(scan, err) || scan_plan_build(scan, err))
        goto out;
    scan_progress_report(scan, true);

    if (scan->n_ops == 0 && ping_target(scan, err))
        goto out;
    for (int phase = 0; phase <= scan->last_phase && !scan->stopping; phase++) {
        if (run_round(scan, phase, &first_round, err))
            goto out;
    }
    if (first_round && scan->n_ops > 0 && ping_target(scan, err))
        goto out;
    run_destructive(scan);
    for (size_t i = 0; i < scan->n_checks && !scan->stopping; i++) {
        if (scan->checks[i]->on_scan) {
            scan->cur_check = scan->checks[i];
            scan->checks[i]->on_scan(scan, scan->checks[i]);
            scan->cur_check = NULL;
        }
    }
    scan_engine_run(scan, NULL);
    if (scan_oob_issued(scan) > 0)
        scan_engine_wait(scan, SCAN_OOB_GRACE_MS, oob_settled);
    for (size_t i = 0; i < scan->n_checks; i++) {
        if (scan->checks[i]->on_finish) {
            scan->cur_check = scan->checks[i];
            scan->checks[i]->on_finish(scan, scan->checks[i]);
            scan->cur_check = NULL;
        }
    }
    scan_engine_run(scan, NULL);
    scan_progress_report(scan, true);
    rc = 0;
out:
    stopped = scan->stopping || scan->limit_hit;
    /* Callbacks of whatever is still queued run here, while the arena is alive. */
    scan_engine_cleanup(scan);
    if (rc == 0) {
        result->arena = scan->arena;
        result->progress = scan->progress;
        result->progress.findings = scan->n_findings;
        result->n_checks_run = n_checks;
        result->checks_run = arena_calloc(result->arena, n_checks + 1, sizeof(char *));
        for (size_t i = 0; i < n_checks; i++)
            result->checks_run[i] = checks[i]->id;
        result->check_requests = arena_calloc(result->arena, n_checks + 1, sizeof(size_t));
        if (scan->check_requests)
            memcpy(result->check_requests, scan->check_requests, (n_checks + 1) * sizeof(size_t));
        result->created_resources =
            arena_calloc(result->arena, scan->n_created + 1, sizeof(char *));
        for (size_t i = 0; i < scan->n_created; i++)
            result->created_resources[i] = scan->created[i];
        result->n_created_resources = scan->n_created;
        result->incomplete = stopped;
        result->stop_reason = result->incomplete ? scan->stop_reason : NULL;
        result->target = scan->target;
        scan_findings_finish(scan, result);
        result->finished_at = clock_now();
    } else {
        arena_free(scan->arena);
        memset(result, 0, sizeof(*result));
    }
    scan->arena = NULL;
    scan_free(scan);
    return rc;
}

void
scan_result_cleanup(struct scan_result *result)
{
    if (!result)
        return;
    arena_free(result->arena);
    memset(result, 0, sizeof(*result));
}
