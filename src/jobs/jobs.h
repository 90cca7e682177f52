/* SPDX-License-Identifier: MIT */
/* Scan workers: threads that claim "scan" jobs from the store's queue, run the engine, keep
 * their lease alive and the scan's progress current (at most one write a second), stop when
 * the scan is cancelled, and record the outcome with its reports. `vigil serve --scan-workers
 * N` runs them in the server; `vigil worker` runs them in a process of their own over the same
 * database. A worker killed mid-scan loses nothing: its lease expires and another worker
 * reruns the scan from the start. */
#ifndef VIGIL_JOBS_H
#define VIGIL_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "scan/policy.h"

struct store;
struct store_scan;
struct scan_result;
struct secretbox_key;

#define JOBS_LEASE_SECONDS   30 /* a lease outlives a silent worker by this long */
#define JOBS_DEFAULT_PER_ORG 2  /* VIGIL_SCAN_MAX_PER_ORG */
#define JOBS_MAX_ATTEMPTS    3  /* claims of a scan job, reclaims after a lost worker included */

struct jobs_config {
    struct store *store;              /* borrowed */
    const struct scan_policy *policy; /* borrowed; the target policy of every scan */
    int workers;                      /* threads */
    int max_per_org;                  /* running scans per organization; 0 = no cap */
    const char *name;                 /* owner prefix, e.g. "serve" or "worker" */
    int lease_seconds;                /* 0 = JOBS_LEASE_SECONDS (VIGIL_SCAN_LEASE_SECONDS) */
    /* Opens scans' sealed target credentials (borrowed); NULL = a scan with credentials fails
     * with that reason. */
    const struct secretbox_key *credentials_key;
};

/* The policy of one organization's scans: the server's (VIGIL_SCAN_ALLOW) plus the networks
 * its admin allowed (org_allow, "cidr,cidr" as stored by PUT /settings/scan-policy).
 * VALIDATION_ERROR on "allow" for a bad item or more than SCAN_POLICY_MAX_ALLOW in all. */
int jobs_org_policy(const struct scan_policy *server, const char *org_allow,
                    struct scan_policy *out /* out */, struct err *err);

struct jobs_pool;

/* Reads VIGIL_SCAN_ALLOW (cidr,... networks the target policy allows) into *policy,
 * VIGIL_SCAN_MAX_PER_ORG (default JOBS_DEFAULT_PER_ORG) and VIGIL_SCAN_LEASE_SECONDS (how long
 * a dead worker's scan waits before it is rerun; default JOBS_LEASE_SECONDS) into cfg.
 * VALIDATION_ERROR naming the variable. */
int jobs_config_from_env(struct jobs_config *cfg, struct scan_policy *policy, struct err *err);

/* Starts cfg->workers threads (none if 0). NULL + INTERNAL if a thread cannot start. */
struct jobs_pool *jobs_start(const struct jobs_config *cfg, struct err *err);
/* Stops the workers: a running scan is interrupted and its job put back in the queue for the
 * next worker. Joins the threads. Accepts NULL. */
void jobs_stop(struct jobs_pool *pool);

/* Claims and runs at most one scan job as `owner`, in the calling thread. *ran says whether
 * there was one. -1 only when the store failed. */
int jobs_run_one(const struct jobs_config *cfg, const char *owner, volatile int *stop,
                 bool *ran /* out */, struct err *err);

/* Lands a completed scan's findings in its project through the one deduplicating writer
 * (store_findings_ingest, source "vigil-scan <target>"): a known fingerprint is updated, a
 * remediated one reopened, and one a complete rescan no longer sees is closed as remediated.
 * Called for a completed scan with a project_id, before the scan is marked complete; failures
 * are logged (the scan's own reports still hold its findings). */
void jobs_scan_findings_ready(struct store *store, const struct store_scan *scan,
                              const struct scan_result *result);

/* ---- Webhook deliveries (webhook_job.c, issue 9) ------------------------------------------ */

#define WEBHOOK_TIMEOUT_MS    10000 /* a delivery's whole request (VIGIL_WEBHOOK_TIMEOUT_MS) */
#define WEBHOOK_DISABLE_AFTER (5 * 86400) /* seconds of failing that deactivate an endpoint */

struct webhook_jobs_config {
    struct store *store;              /* borrowed */
    const struct scan_policy *policy; /* borrowed; checked on every socket a delivery opens */
    int workers;                      /* threads; each runs up to 16 deliveries at once */
    const char *name;                 /* owner prefix, e.g. "serve" or "worker" */
    long timeout_ms;                  /* 0 = WEBHOOK_TIMEOUT_MS */
    int lease_seconds;                /* 0 = JOBS_LEASE_SECONDS */
};

struct webhook_pool;

/* Reads VIGIL_WEBHOOK_TIMEOUT_MS (100..60000, default WEBHOOK_TIMEOUT_MS) into cfg.
 * VALIDATION_ERROR naming the variable. */
int webhook_jobs_config_from_env(struct webhook_jobs_config *cfg, struct err *err);

/* Starts cfg->workers delivery threads (none if 0): each fans new outbox events out into
 * deliveries, claims delivery jobs and sends them over libcurl multi (no redirects followed,
 * timeout, Standard Webhooks headers), and records every attempt: a 2xx succeeds; a 410
 * deactivates the endpoint; any other answer or error is retried after about 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h and 10 h (with up to 10 % jitter), then the delivery fails; an
 * endpoint failing for WEBHOOK_DISABLE_AFTER is deactivated with an audit event
 * (webhooks.disable). NULL + INTERNAL if a thread cannot start. */
struct webhook_pool *webhook_jobs_start(const struct webhook_jobs_config *cfg, struct err *err);
/* Stops and joins the threads; deliveries in flight are sent again by the next worker once
 * their lease expires. Accepts NULL. */
void webhook_jobs_stop(struct webhook_pool *pool);

/* When the retry after failed attempt number `attempt` (1-based claims of the job) is due, from
 * `now`; 0 when that was the last attempt. */
int64_t webhook_retry_at(int attempt, int64_t now);

/* Claims and renders at most one project report job (kind "report") as `owner` (report_job.c).
 * Scan workers call it when no scan job is claimable. *ran says whether there was one. */
int jobs_run_report(const struct jobs_config *cfg, const char *owner, bool *ran /* out */,
                    struct err *err);

/* ---- The housekeeping sweep (sweep.c, issue 11) ------------------------------------------ */

#define JOBS_SWEEP_SECONDS 60 /* between two sweeps */

struct jobs_sweep;

/* Starts the sweep thread: at once and then every interval_seconds (0 = JOBS_SWEEP_SECONDS) it
 * reopens the findings whose risk acceptance expired (store_acceptances_expire); failures are
 * logged and retried at the next sweep. NULL + INTERNAL if the thread cannot start. */
struct jobs_sweep *jobs_sweep_start(struct store *store, int interval_seconds, struct err *err);
/* Stops and joins the thread (a sweep under way finishes first). Accepts NULL. */
void jobs_sweep_stop(struct jobs_sweep *sweep);

#endif
