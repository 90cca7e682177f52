/* SPDX-License-Identifier: MIT */
/* The scan engine's public face: options in, findings out. A scan loads nothing and prints
 * nothing itself: the caller (the `vigil scan` command, later the server's job runner) hands it a
 * loaded spec and options and gets back a result it can render with report/. Progress is
 * reported through a callback; a scan that hits its time budget or max_requests stops cleanly and
 * says so in the result. */
#ifndef VIGIL_SCAN_H
#define VIGIL_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "model/finding.h"
#include "spec/spec.h"

struct arena;
struct scan_policy_guard;

enum scan_auth_type {
    SCAN_AUTH_NONE,
    SCAN_AUTH_BEARER, /* token */
    SCAN_AUTH_HEADER, /* header_name: header_value */
    SCAN_AUTH_BASIC,  /* username, password */
    SCAN_AUTH_OAUTH2, /* client credentials: oauth2_token_url, client_id, client_secret, scope */
    SCAN_AUTH_LOGIN,  /* login_url + login_body (JSON); token at login_token_pointer */
};

/* One identity. Strings are borrowed for the scan's duration. */
struct scan_auth {
    enum scan_auth_type type;
    const char *token;
    const char *header_name;
    const char *header_value;
    const char *username;
    const char *password;
    const char *oauth2_token_url;
    const char *oauth2_client_id;
    const char *oauth2_client_secret;
    const char *oauth2_scope;
    const char *login_url;           /* absolute, or a path relative to the target */
    const char *login_body;          /* JSON text sent with POST */
    const char *login_token_pointer; /* JSON pointer to the token in the answer, "/access_token" */
};

struct scan_progress {
    size_t endpoints_discovered;
    size_t endpoints_tested;
    size_t requests_sent;
    size_t findings;
};

typedef void (*scan_progress_fn)(const struct scan_progress *progress, void *userdata);

struct scan_options {
    const char *target;         /* base URL; overrides the spec's servers */
    const struct spec *spec;    /* borrowed */
    struct scan_auth auth;      /* identity A */
    struct scan_auth auth2;     /* identity B (authorization checks); type NONE = absent */
    unsigned concurrency;       /* requests in flight; default 5 */
    unsigned timeout_ms;        /* per request; default 30000 */
    double rate_limit;          /* requests per second over the whole scan; 0 = none */
    size_t max_requests;        /* 0 = default cap (SCAN_DEFAULT_MAX_REQUESTS) */
    unsigned budget_seconds;    /* total time budget; 0 = none */
    const char *const *exclude; /* fnmatch(3) path globs, n_exclude of them */
    size_t n_exclude;
    const char *const *checks; /* check ids to run (NULL = all) */
    size_t n_checks;
    const char *const *skip_checks;
    size_t n_skip_checks;
    bool allow_destructive;    /* exercise DELETE/reset-like operations on existing data */
    size_t max_response_bytes; /* body read cap per response; default SCAN_DEFAULT_MAX_BODY */
    scan_progress_fn progress; /* may be NULL; called from the scanning thread */
    void *progress_userdata;
    volatile int *cancel; /* if non-NULL and set non-zero, the scan stops soon */
    /* Server-launched scans: every socket the engine opens is checked against the target
     * policy first (scan/policy.h); a refusal is counted and described in the guard. NULL
     * (the CLI) = no policy. */
    struct scan_policy_guard *policy_guard;
};

#define SCAN_DEFAULT_CONCURRENCY  5
#define SCAN_DEFAULT_TIMEOUT_MS   30000
#define SCAN_DEFAULT_MAX_REQUESTS 100000
#define SCAN_DEFAULT_MAX_BODY     (1024 * 1024)

struct scan_result {
    struct arena *arena;      /* owns everything below */
    struct finding *findings; /* sorted by severity desc, then risk_score desc */
    size_t n_findings;
    struct scan_progress progress;
    const char **checks_run;
    size_t n_checks_run;
    /* Probes accepted per check, check_requests[i] for checks_run[i]; check_requests[n_checks_run]
     * counts planning (reachability, creators, baselines). Sums to the probes accepted. */
    size_t *check_requests;
    int64_t started_at; /* unix seconds */
    int64_t finished_at;
    bool incomplete;                /* stopped by budget, max_requests or cancel */
    const char *stop_reason;        /* why, when incomplete */
    const char *target;             /* the base URL actually scanned (target + spec base path) */
    const char **created_resources; /* "POST /users -> 42": what the scan created */
    size_t n_created_resources;
};

/* Runs a whole scan. Returns 0 with *result filled (also for an incomplete scan), or -1 with err
 * (VALIDATION_ERROR for bad options, SERVICE_UNAVAILABLE when the target cannot be reached at
 * all, INTERNAL otherwise). The caller frees the result with scan_result_cleanup. */
int scan_run(const struct scan_options *opts, struct scan_result *result /* out */,
             struct err *err);
void scan_result_cleanup(struct scan_result *result);

/* Fetches and loads an OpenAPI/Swagger document from an http(s) URL (capped at SPEC_MAX_BYTES).
 * Every socket it opens, redirects included, asks `guard` first (scan_policy_apply; NULL: no
 * policy, the CLI). Raises TARGET_NOT_ALLOWED when the fetch failed after the guard refused a
 * connection, SERVICE_UNAVAILABLE when it cannot be fetched otherwise, VALIDATION_ERROR for a
 * non-2xx answer or a document the loader rejects, PAYLOAD_TOO_LARGE past the cap. Free with
 * spec_free. */
struct spec *scan_spec_fetch(const char *url, unsigned timeout_ms, struct scan_policy_guard *guard,
                             struct err *err);

/* Ids and titles of all built-in checks, for --help and the API. */
size_t scan_check_count(void);
const char *scan_check_id(size_t i);
const char *scan_check_title(size_t i);

#endif
