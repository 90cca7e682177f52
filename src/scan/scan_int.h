/* SPDX-License-Identifier: MIT */
/* Internals shared by the scan module's files: the running scan's state (engine.c), the planned
 * operations (plan.c), resolved identities and secrets to mask (auth.c), the out-of-band listener
 * (oob.c) and the findings list (findings.c). Everything here runs on the scan's one thread,
 * except the OOB listener, which guards its own state with a mutex. */
#ifndef VIGIL_SCAN_INT_H
#define VIGIL_SCAN_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scan/check.h"
#include "scan/scan.h"

#define SCAN_PHASE_MAX_CREATORS 6 /* creator dependency depths planned */
#define SCAN_PHASE_DESTRUCTIVE  100

struct scan_xfer; /* one request, queued or in flight (engine.c) */
struct scan_oob;  /* the out-of-band listener (oob.c) */

/* One parameter of a planned operation. value is NULL when the baseline leaves it out. */
struct scan_param {
    enum probe_param_in in;
    const char *name;
    const char *value; /* string form as sent (not yet percent-encoded) */
    json_t *schema;    /* borrowed from the spec */
    bool fixed;        /* value came from a real resource (harvest or link) */
};

/* A planned operation. `op` comes first so scan_op_at can hand out &ops[i].op. */
struct scan_op_int {
    struct scan_op op;
    struct scan_param *params;
    size_t n_params;
    json_t *body;             /* baseline JSON body (object or other value), or NULL */
    const char *content_type; /* of the body, NULL when none */
    const char *resource;     /* "users" for POST /users, GET /users/{id} */
    int phase;    /* creators by dependency depth (lists in 0), then the rest, destructive last */
    bool creator; /* POST to a collection: its answer feeds later operations */
    bool skipped; /* destructive without a resource of our own: no baseline, no checks */
    bool tested;  /* on_operation ran */
};

/* A credential as it goes on the wire. */
struct scan_ident {
    bool present;
    const char *header_name;  /* "Authorization" */
    const char *header_value; /* "Bearer xyz" */
};

/* A value harvested from an answer, for filling later operations' parameters. */
struct scan_harvest {
    const char *resource; /* "users", or NULL when unknown */
    const char *key;      /* "id" */
    const char *value;
    bool created; /* from a create call's answer: the scan made this resource */
};

/* A value an OpenAPI link assigns to a parameter of a later operation. */
struct scan_link_value {
    size_t op_index;
    const char *param;
    const char *value;
    bool created;
};

struct scan {
    struct scan_options opts; /* with defaults applied */
    struct arena *arena;      /* the result's arena: everything of the scan lives here */
    const char *target;       /* base URL incl. the spec's base path, no trailing slash */
    const char *target_path;  /* path part of target ("" or "/api/v1") */
    struct scan_ident ident[3];
    const char **secrets; /* credential strings masked in evidence */
    size_t n_secrets, cap_secrets;

    const struct scan_check *const *checks;
    size_t n_checks;
    /* Request accounting: the check whose callback is running (NULL while planning and sending
     * baselines), and probes accepted per check index, [n_checks] for planning (arena). */
    const struct scan_check *cur_check;
    size_t *check_requests;

    struct scan_op_int *ops;
    size_t n_ops;
    int last_phase; /* the last round before the destructive one */
    struct scan_harvest *harvest;
    size_t n_harvest, cap_harvest;
    size_t plan_nodes; /* schema nodes expanded for the value being generated */
    struct scan_link_value *links;
    size_t n_links, cap_links;
    const char **created; /* "POST /users -> 42" lines */
    size_t n_created, cap_created;

    /* engine */
    void *multi; /* CURLM */
    void *share; /* CURLSH */
    int epoll_fd;
    bool timer_set; /* libcurl asked to be called back at timer_at_ns */
    int64_t timer_at_ns;
    struct scan_xfer *idle;
    size_t n_idle;
    void **easy_pool; /* idle CURL easy handles, at most concurrency + 4 */
    size_t n_easy_pool, cap_easy_pool;
    size_t n_easy_live; /* easy handles in existence (pool + in flight) */
    struct scan_xfer *inflight;
    struct scan_xfer *queue_head, *queue_tail;
    size_t n_queued, n_inflight;
    size_t n_accepted; /* counted when scan_send accepts: never exceeds max_requests */
    double tokens;     /* rate limit bucket */
    int64_t tokens_at_ns;
    int64_t deadline_ns; /* 0 = no budget */
    bool stopping;       /* budget or cancel: nothing new is sent */
    bool limit_hit;      /* max_requests refused a probe */
    const char *stop_reason;
    struct scan_progress progress;
    int64_t progress_at_ns;
    size_t baselines_pending;
    size_t transport_failures; /* baselines of the current round that got no answer */
    size_t baselines_answered;
    const char *first_error;

    /* findings (heap array; copied into the arena at the end) */
    struct finding *findings;
    size_t n_findings, cap_findings;

    struct scan_oob *oob;
    json_t **json_refs; /* values to decref at the end */
    size_t n_json_refs, cap_json_refs;
};

/* Grows a heap array of elements of `size` bytes to hold at least need items. */
void scan_grow(void **array, size_t *cap, size_t need, size_t size);

/* Engine (engine.c). */
int scan_engine_init(struct scan *scan, struct err *err);
void scan_engine_cleanup(struct scan *scan);
/* Counts one accepted probe for check (NULL: planning and baselines). */
void scan_count_request(struct scan *scan, const struct scan_check *check);
/* Runs transfers until nothing is queued or in flight, or until done(scan) is true. */
void scan_engine_run(struct scan *scan, bool (*done)(struct scan *scan));
/* Keeps the loop running for ms milliseconds (or until until(scan) is true). */
void scan_engine_wait(struct scan *scan, unsigned ms, bool (*until)(struct scan *scan));
void scan_progress_report(struct scan *scan, bool force);
/* Runs a scan with an explicit list of checks (scan_run uses the registry). */
int scan_run_checks(const struct scan_options *opts, const struct scan_check *const *checks,
                    size_t n_checks, struct scan_result *result /* out */, struct err *err);
/* Keeps a jansson reference until the scan ends. Returns v. */
json_t *scan_keep_json(struct scan *scan, json_t *v);

/* Planning (plan.c). */
int scan_plan_build(struct scan *scan, struct err *err);
/* Fills the operation's parameters from harvested values and links, and builds its baseline. */
void scan_plan_resolve(struct scan *scan, struct scan_op_int *op);
/* Records values from an operation's answer (ids, names, Location, OpenAPI links). */
void scan_plan_harvest(struct scan *scan, struct scan_op_int *op, const struct probe_response *r,
                       json_t *json);
/* Builds a probe for op from its params, with one override (name may be NULL). */
int scan_plan_probe(struct scan *scan, const struct scan_op_int *op, enum scan_identity identity,
                    enum probe_param_in in, const char *name, const char *value, struct probe *out);
/* A JSON example value for a schema (new reference). unique makes strings unique. */
json_t *scan_plan_value(struct scan *scan, json_t *schema, int depth);
/* Builds a fresh request body for op (new unique strings), for repeated creates. */
void scan_plan_refresh_body(struct scan *scan, struct scan_op_int *op);
bool scan_path_excluded(const struct scan *scan, const char *path);

/* Identities (auth.c). */
int scan_auth_resolve(struct scan *scan, struct err *err);
void scan_add_secret(struct scan *scan, const char *secret);
/* Copy of text with every known secret masked (arena). */
char *scan_mask(struct scan *scan, const char *text);

/* Out-of-band listener (oob.c). */
void scan_oob_free(struct scan_oob *oob);
size_t scan_oob_issued(const struct scan *scan);
bool scan_oob_all_hit(struct scan *scan);

/* Findings (findings.c). */
void scan_findings_finish(struct scan *scan, struct scan_result *result);
void scan_findings_cleanup(struct scan *scan);

#endif
