/* SPDX-License-Identifier: MIT */
/* The interface between the engine and the checks. A check is a table entry with callbacks; it
 * never talks to libcurl. It asks the engine to send probes (scan_send) and gets each answer in a
 * completion callback, where it may send follow-up probes (create as A, then read as B) and
 * report findings. All callbacks run on the engine's one thread, so checks need no locks; their
 * state lives in the scan's arena (scan_arena). The engine enforces concurrency, rate limit,
 * max_requests, exclusions and the budget: when a limit is hit, scan_send returns -1 and the
 * check simply stops. */
#ifndef VIGIL_SCAN_CHECK_H
#define VIGIL_SCAN_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/finding.h"
#include "spec/spec.h"

struct arena;
struct scan; /* the running scan (engine state) */
struct scan_options;

enum scan_identity {
    SCAN_ID_NONE, /* no credentials at all */
    SCAN_ID_A,    /* the primary identity */
    SCAN_ID_B,    /* the second identity (may be absent: scan_has_identity_b) */
};

struct probe_header {
    const char *name;
    const char *value;
};

/* A request to send. The engine copies everything it needs before scan_send returns. */
struct probe {
    const char *method; /* "GET" */
    const char *url;    /* absolute; build it with scan_url */
    struct probe_header headers[16];
    size_t n_headers;
    const char *body; /* may be NULL */
    size_t body_len;
    enum scan_identity identity; /* credentials the engine adds */
    unsigned timeout_ms;         /* 0 = the scan's timeout */
    const char *label;           /* short description for logs/evidence, may be NULL */
};

/* What came back. Borrowed: valid only during the callback (copy what you keep). */
struct probe_response {
    long status;         /* 0 when the request failed (see error) */
    const char *headers; /* raw header block, "Name: value\r\n" lines */
    const char *body;    /* NUL-terminated; capped at max_response_bytes */
    size_t body_len;
    bool truncated;
    double elapsed_ms;
    const char *error; /* transport error text, or NULL */
};

typedef void (*probe_done_fn)(struct scan *scan, const struct probe *probe,
                              const struct probe_response *resp, void *userdata);

/* A discovered operation, as the planner prepared it. */
struct scan_op {
    const struct spec_operation *spec_op;
    const char *endpoint;  /* "GET /users/{id}" */
    const char *path;      /* the template, "/users/{id}" */
    struct probe baseline; /* a valid request for identity A, parameters filled */
    bool destructive;      /* DELETE or reset-like: only on resources the scan created */
    bool created_resource; /* the baseline targets a resource this scan created */
    json_t *baseline_json; /* the baseline answer's JSON (borrowed), or NULL */
    long baseline_status;  /* 0 if the baseline was not sent or failed */
};

struct scan_check {
    const char *id;    /* "bola" */
    const char *title; /* "Broken object level authorization" */
    const char *owasp; /* "API1:2023" */
    const char *cwe;   /* "CWE-639" */
    enum severity severity;
    const char *remediation;
    const char *references; /* space-separated URLs */
    /* Called once per operation after its baseline answered; may be NULL. Destructive
     * operations (op->destructive) come last, after every other probe finished: their baseline
     * targets a resource the scan created for that operation alone and is NOT sent by the engine
     * (baseline_status 0), so a check may still use the resource; a destructive operation with
     * no such resource is skipped unless allow_destructive. */
    void (*on_operation)(struct scan *scan, const struct scan_check *check,
                         const struct scan_op *op);
    /* Called once per scan after all baselines; may be NULL. */
    void (*on_scan)(struct scan *scan, const struct scan_check *check);
    /* Called once after all probes of all checks completed and after the OOB grace period; may
     * be NULL. */
    void (*on_finish)(struct scan *scan, const struct scan_check *check);
};

/* The built-in checks (defined by checks/registry.c), i < scan_check_count(). */
const struct scan_check *scan_check_at(size_t i);

/* Sends a probe; done runs exactly once later (also on transport failure, status 0), or never
 * if this returns -1 (a limit was hit or the scan is stopping). */
int scan_send(struct scan *scan, const struct probe *probe, probe_done_fn done, void *userdata);

/* Reports a finding. The engine fills check_id/owasp/cwe/remediation/references from `check`
 * where f leaves them NULL, computes the fingerprint, masks credentials in the evidence it
 * builds from probe+resp (either may be NULL), copies f, and deduplicates by fingerprint. */
void scan_report(struct scan *scan, const struct scan_check *check, const struct scan_op *op,
                 const struct finding *f, const struct probe *probe,
                 const struct probe_response *resp);

/* Helpers for checks. */
struct arena *scan_arena(struct scan *scan);
bool scan_has_identity_b(const struct scan *scan);
const char *scan_target(const struct scan *scan); /* base URL, no trailing slash */
/* target + path (path must start with '/'), arena string. */
const char *scan_url(struct scan *scan, const char *path);
/* The operations, in discovery order. */
size_t scan_op_count(const struct scan *scan);
const struct scan_op *scan_op_at(const struct scan *scan, size_t i);

/* Where a parameter lives, including top-level JSON body properties. */
enum probe_param_in {
    PROBE_IN_PATH,
    PROBE_IN_QUERY,
    PROBE_IN_HEADER,
    PROBE_IN_COOKIE,
    PROBE_IN_BODY,
};

/* A copy of op->baseline (for `identity`) with one parameter's value replaced (for PROBE_IN_BODY:
 * the top-level JSON property set to the raw JSON text `value_json`, added if absent). -1 if the
 * op has no such parameter. Strings are allocated from the scan arena. */
int scan_probe_variant(struct scan *scan, const struct scan_op *op, enum scan_identity identity,
                       enum probe_param_in in, const char *name, const char *value,
                       struct probe *out);
/* The baseline for another identity (same URL/body, other credentials). */
void scan_probe_as(struct scan *scan, const struct scan_op *op, enum scan_identity identity,
                   struct probe *out);
/* Header lookup in a raw header block (case-insensitive; first match; arena copy or NULL). */
const char *probe_header_get(struct scan *scan, const struct probe_response *r, const char *name);
/* Parses the response body as JSON (arena-owned, NULL if not JSON). */
json_t *probe_json(struct scan *scan, const struct probe_response *r);
/* Out-of-band: a unique URL on the scanner's loopback listener for `tag`, and whether it was
 * requested (the engine waits a short grace period before on_finish runs). */
const char *scan_oob_url(struct scan *scan, const char *tag);
bool scan_oob_hit(struct scan *scan, const char *tag);
/* Credentials of an identity as the engine sends them ("Bearer xyz"), for JWT checks. NULL if
 * none. */
const char *scan_identity_token(struct scan *scan, enum scan_identity identity);
/* The scan options (for allow_destructive etc.). */
const struct scan_options *scan_options_of(const struct scan *scan);

#endif
