/* SPDX-License-Identifier: MIT */
/* Webhook delivery workers: each thread fans new outbox events out into deliveries
 * (store_webhook_dispatch), claims up to WEBHOOK_INFLIGHT_MAX delivery jobs and sends them
 * concurrently over one libcurl multi handle, signed per Standard Webhooks, then records each
 * attempt with its consequences (retry schedule, failure streak, 410) in one store call. A
 * crash between a send and its record leaves the job leased: the lease expires and the
 * delivery is sent again with the same webhook-id, so receivers can deduplicate. */
#include "jobs/jobs.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/store.h"
#include "webhook/webhook.h"

#define WEBHOOK_INFLIGHT_MAX 16  /* transfers one worker thread runs at once */
#define WEBHOOK_IDLE_MS      100 /* a worker with nothing to do looks again after this long */
#define WEBHOOK_DISPATCH_MAX 200 /* events fanned out per dispatch call */

/* Seconds to wait after the n-th failed attempt (n = 1..7); after the 8th the delivery fails.
 * Each wait gets up to 10 % of random jitter, so endpoints that failed together are not all
 * retried in the same second. */
static const int64_t retry_delays[] = {5, 300, 1800, 7200, 18000, 36000, 36000};
#define N_DELAYS (sizeof(retry_delays) / sizeof(retry_delays[0]))

int64_t
webhook_retry_at(int attempt, int64_t now)
{
    int64_t delay;
    uint32_t r;

    if (attempt < 1 || (size_t)attempt > N_DELAYS)
        return 0;
    delay = retry_delays[attempt - 1];
    random_bytes(&r, sizeof(r));
    return now + delay + (int64_t)(r % (uint32_t)(delay / 10 + 1));
}

/* One transfer in flight. Everything it points to lives in its arena. */
struct slot {
    bool used;
    struct arena *arena;
    struct store_job job;
    struct store_webhook_send send;
    CURL *easy;
    struct curl_slist *headers;
    struct buf response;
    struct scan_policy_guard guard;
    char errbuf[CURL_ERROR_SIZE];
    int64_t at;
    int64_t started_ns;
    bool done;                            /* finished or skipped: to be recorded */
    bool has_outcome;                     /* false: skipped (send.skip says why) */
    struct store_webhook_outcome outcome; /* set by finish() */
};

static size_t
on_body(char *data, size_t size, size_t n, void *userdata)
{
    struct buf *b = userdata;
    size_t len = size * n, room = STORE_WEBHOOK_RESPONSE_MAX - b->len;

    /* Keep the first 4 KiB for the log and read (and drop) the rest: a long answer is not an
     * error of the receiver's. */
    if (room > 0)
        buf_append(b, data, len < room ? len : room);
    return len;
}

static int
lease_of(const struct webhook_jobs_config *cfg)
{
    return cfg->lease_seconds > 0 ? cfg->lease_seconds : JOBS_LEASE_SECONDS;
}

static long
timeout_of(const struct webhook_jobs_config *cfg)
{
    return cfg->timeout_ms > 0 ? cfg->timeout_ms : WEBHOOK_TIMEOUT_MS;
}

static void
slot_free(struct slot *s)
{
    if (s->easy)
        curl_easy_cleanup(s->easy);
    curl_slist_free_all(s->headers);
    buf_cleanup(&s->response);
    arena_free(s->arena);
    memset(s, 0, sizeof(*s));
}

static void
audit_disabled(struct store *store, const struct store_webhook_send *send, const char *reason)
{
    struct audit_event e = {.org_id = send->org_id,
                            .action = "webhooks.disable",
                            .target = send->webhook_id,
                            .actor = "system"};
    struct arena *a = arena_new();
    struct err err = {0};

    log_msg(LOG_WARN, "webhook %s deactivated: %s", send->webhook_id, reason);
    if (store_audit_record(store_bind(store, send->org_id, a), &e, &err))
        log_msg(LOG_ERROR, "webhook %s: audit event not recorded: %s", send->webhook_id,
                err.cause[0] ? err.cause : err.detail);
    arena_free(a); /* gives the connection back */
}

/* Records every done slot in ONE store call (one disk flush for the batch), writes the audit
 * events of endpoints it deactivated and frees the slots. A lost lease means another worker
 * owns that job now: it is dropped. */
static void
record_done(const struct webhook_jobs_config *cfg, const char *owner, struct slot *slots)
{
    struct store_webhook_record recs[WEBHOOK_INFLIGHT_MAX];
    struct slot *of[WEBHOOK_INFLIGHT_MAX];
    struct arena *a;
    struct err err = {0};
    size_t n = 0;

    for (int i = 0; i < WEBHOOK_INFLIGHT_MAX; i++) {
        if (!slots[i].used || !slots[i].done)
            continue;
        of[n] = &slots[i];
        recs[n] = (struct store_webhook_record){.job_id = slots[i].job.id,
                                                .send = &slots[i].send,
                                                .outcome = slots[i].has_outcome ? &slots[i].outcome
                                                                                : NULL};
        n++;
    }
    if (n == 0)
        return;
    a = arena_new();
    if (store_webhook_attempts_record(cfg->store, owner, recs, n, clock_now(), a, &err))
        log_msg(LOG_ERROR, "webhook worker %s: %zu attempts not recorded: %s", owner, n,
                err.cause[0] ? err.cause : err.detail);
    else
        for (size_t i = 0; i < n; i++)
            if (recs[i].disabled)
                audit_disabled(cfg->store, recs[i].send, recs[i].reason);
    for (size_t i = 0; i < n; i++)
        slot_free(of[i]);
    arena_free(a);
}

/* Turns a finished transfer into the slot's outcome (recorded by record_done). */
static void
finish(const struct webhook_jobs_config *cfg, struct slot *s, CURLcode rc)
{
    struct store_webhook_outcome o = {0};
    long status = 0;
    int64_t now = clock_now();

    o.attempt.at = s->at;
    o.attempt.latency_ms = (clock_mono_ns() - s->started_ns) / 1000000;
    o.disable_after = WEBHOOK_DISABLE_AFTER;
    if (rc == CURLE_OK)
        curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    o.attempt.status_code = (int)status;
    o.attempt.response =
        s->response.len ? arena_strndup(s->arena, s->response.data, s->response.len) : NULL;
    if (rc == CURLE_OK && status >= 200 && status < 300) {
        o.success = true;
    } else if (rc == CURLE_OK) {
        o.gone = status == 410;
        o.attempt.error =
            status >= 300 && status < 400
                ? arena_printf(s->arena, "answered %ld: redirects are not followed", status)
                : arena_printf(s->arena, "answered %ld", status);
    } else if (s->guard.refused) {
        o.attempt.error = arena_strdup(s->arena, s->guard.reason);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        o.attempt.error = arena_printf(s->arena, "no answer within %ld ms", timeout_of(cfg));
    } else {
        o.attempt.error = arena_printf(s->arena, "%s%s%s", curl_easy_strerror(rc),
                                       s->errbuf[0] ? ": " : "", s->errbuf);
    }
    if (!o.success && !o.gone)
        o.retry_at = webhook_retry_at(s->job.attempts, now);
    s->outcome = o;
    s->has_outcome = true;
    s->done = true;
}

/* Prepares the signed request of a claimed job, or marks the slot done (skipped). */
static void
start(const struct webhook_jobs_config *cfg, struct slot *s, CURLM *multi)
{
    struct store_webhook_send *d = &s->send;
    char sig[WEBHOOK_SIGNATURE_MAX], old[WEBHOOK_SIGNATURE_MAX];
    struct err err = {0};
    int64_t now = clock_now();

    if (store_webhook_send_load(cfg->store, s->job.payload, now, s->arena, d, &err)) {
        d->skip = "the job names no delivery";
    }
    if (!d->skip &&
        webhook_sign(d->secret, d->message_id, now, d->body, d->body_len, sig, sizeof(sig)) != 0)
        d->skip = "the endpoint's secret cannot sign";
    if (d->skip) {
        s->done = true;
        return;
    }
    s->headers = curl_slist_append(s->headers, "Content-Type: application/json");
    s->headers = curl_slist_append(s->headers, "User-Agent: vigil/" VIGIL_VERSION);
    s->headers = curl_slist_append(s->headers, "Expect:");
    s->headers =
        curl_slist_append(s->headers, arena_printf(s->arena, "webhook-id: %s", d->message_id));
    s->headers =
        curl_slist_append(s->headers, arena_printf(s->arena, "webhook-timestamp: %" PRId64, now));
    /* During a rotation the old secret signs too, so a receiver still holding it keeps
     * verifying (Standard Webhooks: several space-separated signatures). */
    if (d->previous_secret && webhook_sign(d->previous_secret, d->message_id, now, d->body,
                                           d->body_len, old, sizeof(old)) == 0)
        s->headers = curl_slist_append(
            s->headers, arena_printf(s->arena, "webhook-signature: %s %s", sig, old));
    else
        s->headers =
            curl_slist_append(s->headers, arena_printf(s->arena, "webhook-signature: %s", sig));
    buf_init(&s->response, STORE_WEBHOOK_RESPONSE_MAX);
    s->guard.policy = cfg->policy;
    s->easy = curl_easy_init();
    if (!s->easy)
        abort();
    curl_easy_setopt(s->easy, CURLOPT_URL, d->url);
    curl_easy_setopt(s->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(s->easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(s->easy, CURLOPT_POST, 1L);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, d->body);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)d->body_len);
    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, timeout_of(cfg));
    curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, &s->response);
    curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
    /* Every socket is checked against the target policy as it is opened, so a name that
     * resolved to an allowed address at create time cannot be rebound to a denied one. */
    scan_policy_apply(s->easy, &s->guard);
    s->at = now;
    s->started_ns = clock_mono_ns();
    curl_multi_add_handle(multi, s->easy);
}

/* Fills the free slots with jobs claimed in one store call. */
static void
claim_more(const struct webhook_jobs_config *cfg, const char *owner, struct slot *slots,
           CURLM *multi)
{
    struct store_job jobs[WEBHOOK_INFLIGHT_MAX];
    struct err err = {0};
    struct arena *a;
    size_t free_slots = 0, n = 0, k = 0;

    for (int i = 0; i < WEBHOOK_INFLIGHT_MAX; i++)
        free_slots += !slots[i].used;
    if (free_slots == 0)
        return;
    a = arena_new();
    if (store_webhook_claim(cfg->store, owner, clock_now(), lease_of(cfg), free_slots, a, jobs, &n,
                            &err))
        log_msg(LOG_WARN, "webhook worker %s: claim: %s %s", owner, err.detail, err.cause);
    for (int i = 0; i < WEBHOOK_INFLIGHT_MAX && k < n; i++) {
        struct slot *s = &slots[i];

        if (s->used)
            continue;
        s->arena = arena_new();
        s->used = true;
        s->job = jobs[k++];
        s->job.id = arena_strdup(s->arena, s->job.id);
        s->job.org_id = arena_strdup(s->arena, s->job.org_id);
        s->job.payload = arena_strdup(s->arena, s->job.payload);
        s->job.lease_owner = NULL;
        start(cfg, s, multi);
    }
    arena_free(a);
}

/* ---- the pool ------------------------------------------------------------------------- */

struct webhook_pool {
    struct webhook_jobs_config cfg;
    pthread_t *threads;
    int n;
    volatile int stop;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    char (*owners)[128]; /* "NAME-webhook:HOST:PID:N" */
};

struct webhook_arg {
    struct webhook_pool *pool;
    int index;
};

static void
idle_wait(struct webhook_pool *p)
{
    struct timespec until;

    pthread_mutex_lock(&p->lock);
    if (!p->stop) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += WEBHOOK_IDLE_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->wake, &p->lock, &until);
    }
    pthread_mutex_unlock(&p->lock);
}

static void *
webhook_worker_main(void *arg)
{
    struct webhook_pool *p = ((struct webhook_arg *)arg)->pool;
    const char *owner = p->owners[((struct webhook_arg *)arg)->index];
    struct slot *slots = xcalloc(WEBHOOK_INFLIGHT_MAX, sizeof(*slots));
    CURLM *multi = curl_multi_init();
    int running = 0;

    free(arg);
    if (!multi)
        abort(); /* as xcalloc does when memory runs out */
    while (!p->stop) {
        struct err err = {0};
        size_t dispatched = 0;
        int in_flight = 0;
        CURLMsg *msg;
        int left;

        if (store_webhook_dispatch(p->cfg.store, clock_now(), WEBHOOK_DISPATCH_MAX, &dispatched,
                                   &err))
            log_msg(LOG_WARN, "webhook worker %s: dispatch: %s %s", owner, err.detail, err.cause);
        claim_more(&p->cfg, owner, slots, multi);
        record_done(&p->cfg, owner, slots); /* the skipped ones */
        for (int i = 0; i < WEBHOOK_INFLIGHT_MAX; i++)
            in_flight += slots[i].used;
        if (in_flight == 0) {
            if (dispatched == 0)
                idle_wait(p);
            continue;
        }
        curl_multi_perform(multi, &running);
        while ((msg = curl_multi_info_read(multi, &left))) {
            struct slot *s = NULL;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            curl_multi_remove_handle(multi, msg->easy_handle);
            finish(&p->cfg, s, msg->data.result);
        }
        record_done(&p->cfg, owner, slots);
        if (running > 0)
            curl_multi_poll(multi, NULL, 0, 50, NULL);
    }
    /* Stopping: transfers in flight are abandoned unrecorded; their leases expire and another
     * worker sends them again with the same webhook-id. */
    for (int i = 0; i < WEBHOOK_INFLIGHT_MAX; i++) {
        if (slots[i].used) {
            if (slots[i].easy)
                curl_multi_remove_handle(multi, slots[i].easy);
            slot_free(&slots[i]);
        }
    }
    curl_multi_cleanup(multi);
    free(slots);
    return NULL;
}

struct webhook_pool *
webhook_jobs_start(const struct webhook_jobs_config *cfg, struct err *err)
{
    struct webhook_pool *p = xcalloc(1, sizeof(*p));
    char host[64] = "host";

    p->cfg = *cfg;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (cfg->workers <= 0)
        return p;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        webhook_jobs_stop(p);
        return err_internal(err, "curl_global_init failed"), NULL;
    }
    gethostname(host, sizeof(host) - 1);
    p->threads = xcalloc((size_t)cfg->workers, sizeof(*p->threads));
    p->owners = xcalloc((size_t)cfg->workers, sizeof(*p->owners));
    for (int i = 0; i < cfg->workers; i++) {
        struct webhook_arg *arg = xmalloc(sizeof(*arg));

        snprintf(p->owners[i], sizeof(p->owners[i]), "%s-webhook:%s:%ld:%d",
                 cfg->name ? cfg->name : "worker", host, (long)getpid(), i);
        arg->pool = p;
        arg->index = i;
        if (pthread_create(&p->threads[i], NULL, webhook_worker_main, arg)) {
            free(arg);
            err_internal(err, "cannot start webhook worker %d", i);
            webhook_jobs_stop(p);
            return NULL;
        }
        p->n++;
    }
    return p;
}

void
webhook_jobs_stop(struct webhook_pool *p)
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
webhook_jobs_config_from_env(struct webhook_jobs_config *cfg, struct err *err)
{
    const char *v = getenv("VIGIL_WEBHOOK_TIMEOUT_MS");
    char *end;
    long n;

    cfg->timeout_ms = WEBHOOK_TIMEOUT_MS;
    if (v && *v) {
        n = strtol(v, &end, 10);
        if (*end || n < 100 || n > 60000)
            return err_field(err, "VIGIL_WEBHOOK_TIMEOUT_MS", "wants 100..60000");
        cfg->timeout_ms = n;
    }
    return 0;
}
