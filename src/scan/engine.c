/* SPDX-License-Identifier: MIT */
/* The scan engine: one thread drives a libcurl multi handle (socket API over epoll), keeping up to
 * `concurrency` requests in flight over kept-alive connections (a CURLSH shares DNS and
 * connections). Probes from checks are copied into transfers, queued, and started as the
 * concurrency limit and the token bucket rate cap allow. The invariants: a probe accepted by
 * scan_send gets its callback exactly once; no more than max_requests are ever accepted; a
 * response body never grows past max_response_bytes (the read stops and the answer is marked
 * truncated), so memory stays bounded however large or many the answers are. */
#include "scan/scan_int.h"

#include <assert.h>
#include <curl/curl.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "scan/policy.h"
#include "spec/url.h"

#define SCAN_HEADER_MAX        (64 * 1024)
#define SCAN_RETRIES           2   /* extra attempts after a failed connect */
#define SCAN_IDLE_MAX          256 /* transfer records kept for reuse */
#define SCAN_POLL_MAX_MS       200 /* the loop wakes at least this often (cancel, budget) */
#define SCAN_PROGRESS_EVERY_NS 100000000LL

struct scan_xfer {
    struct scan_xfer *next; /* in the idle list, the queue, or the in-flight list */
    struct scan_xfer *prev; /* in the in-flight list */
    struct scan *scan;
    CURL *easy;
    struct curl_slist *headers;
    /* the probe as the callback sees it, with strings owned by the transfer */
    struct probe probe;
    char *strings[40];
    size_t n_strings;
    probe_done_fn done;
    void *userdata;
    const struct scan_check *check; /* whose probe this is (NULL: planning) */
    struct buf resp_headers;
    struct buf resp_body;
    bool truncated;
    unsigned attempts;
    int64_t started_ns;
    char errbuf[CURL_ERROR_SIZE];
};

/* ---- small helpers ----------------------------------------------------------------------- */

void
scan_grow(void **array, size_t *cap, size_t need, size_t size)
{
    size_t n;

    if (need <= *cap)
        return;
    n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    *array = xrealloc(*array, n * size);
    *cap = n;
}

json_t *
scan_keep_json(struct scan *scan, json_t *v)
{
    if (!v)
        return NULL;
    scan_grow((void **)&scan->json_refs, &scan->cap_json_refs, scan->n_json_refs + 1,
              sizeof(*scan->json_refs));
    scan->json_refs[scan->n_json_refs++] = v;
    return v;
}

static char *
xfer_own(struct scan_xfer *x, const char *s)
{
    char *copy;

    if (!s)
        return NULL;
    /* 3 strings + 2 per header (16 at most) always fit. */
    assert(x->n_strings < sizeof(x->strings) / sizeof(x->strings[0]));
    copy = xstrdup(s);
    x->strings[x->n_strings++] = copy;
    return copy;
}

static void
xfer_release_strings(struct scan_xfer *x)
{
    for (size_t i = 0; i < x->n_strings; i++)
        free(x->strings[i]);
    x->n_strings = 0;
    if (x->probe.body) {
        free((void *)x->probe.body);
        x->probe.body = NULL;
    }
    curl_slist_free_all(x->headers);
    x->headers = NULL;
}

/* ---- libcurl callbacks ------------------------------------------------------------------- */

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct scan_xfer *x = userdata;
    size_t n = size * nmemb;
    size_t room = x->resp_body.max - x->resp_body.len;

    if (n > room) {
        /* Keep what fits and stop reading: the answer is marked truncated, never buffered. */
        buf_append(&x->resp_body, data, room);
        x->truncated = true;
        return 0;
    }
    buf_append(&x->resp_body, data, n);
    return n;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct scan_xfer *x = userdata;
    size_t n = size * nmemb;

    /* A new status line (after a 1xx answer) starts a new header block. */
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0)
        buf_reset(&x->resp_headers);
    buf_append(&x->resp_headers, data, n); /* a header block past the cap is cut, not fatal */
    return n;
}

/* ---- transfers ---------------------------------------------------------------------------- */

/* Transfers are cheap records (a probe copy and two buffers); easy handles are not, so they are
 * pooled apart and attached only while a transfer is in flight. A check that queues thousands
 * of probes at once thus costs thousands of records but never more easy handles than
 * `concurrency`. */
static struct scan_xfer *
xfer_get(struct scan *scan)
{
    struct scan_xfer *x = scan->idle;

    if (x) {
        scan->idle = x->next;
        scan->n_idle--;
    } else {
        x = xcalloc(1, sizeof(*x));
        buf_init(&x->resp_headers, SCAN_HEADER_MAX);
        buf_init(&x->resp_body, scan->opts.max_response_bytes);
    }
    x->next = NULL;
    x->scan = scan;
    x->truncated = false;
    x->attempts = 0;
    x->errbuf[0] = '\0';
    buf_reset(&x->resp_headers);
    buf_reset(&x->resp_body);
    memset(&x->probe, 0, sizeof(x->probe));
    return x;
}

static CURL *
easy_take(struct scan *scan)
{
    CURL *e;

    if (scan->n_easy_pool) {
        e = scan->easy_pool[--scan->n_easy_pool];
        curl_easy_reset(e);
        return e;
    }
    e = curl_easy_init();
    if (!e)
        abort(); /* out of memory inside libcurl */
    scan->n_easy_live++;
    return e;
}

static void
easy_give(struct scan *scan, CURL *e)
{
    if (!e)
        return;
    if (scan->n_easy_pool >= (size_t)scan->opts.concurrency + 4) {
        curl_easy_cleanup(e);
        scan->n_easy_live--;
        return;
    }
    scan_grow((void **)&scan->easy_pool, &scan->cap_easy_pool, scan->n_easy_pool + 1,
              sizeof(*scan->easy_pool));
    scan->easy_pool[scan->n_easy_pool++] = e;
}

static void
xfer_free(struct scan_xfer *x)
{
    xfer_release_strings(x);
    buf_cleanup(&x->resp_headers);
    buf_cleanup(&x->resp_body);
    if (x->easy)
        curl_easy_cleanup(x->easy);
    free(x);
}

static void
xfer_put(struct scan *scan, struct scan_xfer *x)
{
    xfer_release_strings(x);
    easy_give(scan, x->easy);
    x->easy = NULL;
    if (scan->n_idle >= SCAN_IDLE_MAX) {
        xfer_free(x);
        return;
    }
    /* Large answers leave large buffers behind: give them back so idle transfers stay small. */
    if (x->resp_body.cap > 64 * 1024)
        buf_cleanup(&x->resp_body);
    x->next = scan->idle;
    scan->idle = x;
    scan->n_idle++;
}

/* Copies the probe into the transfer so the caller's strings may die after scan_send. */
static void
xfer_copy_probe(struct scan_xfer *x, const struct probe *p)
{
    x->probe.method = xfer_own(x, p->method ? p->method : "GET");
    x->probe.url = xfer_own(x, p->url);
    x->probe.label = xfer_own(x, p->label);
    x->probe.identity = p->identity;
    x->probe.timeout_ms = p->timeout_ms;
    x->probe.n_headers = 0;
    for (size_t i = 0; i < p->n_headers && i < 16; i++) {
        if (!p->headers[i].name)
            continue;
        x->probe.headers[x->probe.n_headers].name = xfer_own(x, p->headers[i].name);
        x->probe.headers[x->probe.n_headers].value =
            xfer_own(x, p->headers[i].value ? p->headers[i].value : "");
        x->probe.n_headers++;
    }
    if (p->body) {
        size_t len = p->body_len ? p->body_len : strlen(p->body);
        char *b = xmalloc(len + 1);

        memcpy(b, p->body, len);
        b[len] = '\0';
        x->probe.body = b;
        x->probe.body_len = len;
    }
}

static bool
probe_has_header(const struct probe *p, const char *name)
{
    for (size_t i = 0; i < p->n_headers; i++) {
        if (str_eq_ci(p->headers[i].name, name))
            return true;
    }
    return false;
}

static struct curl_slist *
slist_add(struct curl_slist *list, const char *name, const char *value)
{
    char line[8192];
    struct curl_slist *next;

    /* "Name;" is curl's way to send a header with an empty value. */
    if (value[0])
        snprintf(line, sizeof(line), "%s: %s", name, value);
    else
        snprintf(line, sizeof(line), "%s;", name);
    next = curl_slist_append(list, line);
    if (!next)
        abort();
    return next;
}

static void
xfer_setup(struct scan *scan, struct scan_xfer *x)
{
    const struct probe *p = &x->probe;
    CURL *e = x->easy;
    const struct scan_ident *id = &scan->ident[p->identity];
    unsigned timeout = p->timeout_ms ? p->timeout_ms : scan->opts.timeout_ms;

    curl_slist_free_all(x->headers);
    x->headers = NULL;
    for (size_t i = 0; i < p->n_headers; i++)
        x->headers = slist_add(x->headers, p->headers[i].name, p->headers[i].value);
    /* Explicit probe headers win over the identity's (a check may forge a token). */
    if (id->present && !probe_has_header(p, id->header_name))
        x->headers = slist_add(x->headers, id->header_name, id->header_value);
    if (p->body && !probe_has_header(p, "Content-Type"))
        x->headers = slist_add(x->headers, "Content-Type", "application/json");
    /* No 100-continue round trip: it only slows probes down. */
    x->headers = curl_slist_append(x->headers, "Expect:");
    if (!probe_has_header(p, "User-Agent"))
        x->headers = slist_add(x->headers, "User-Agent", "vigil-scan/" VIGIL_VERSION);

    curl_easy_setopt(e, CURLOPT_URL, p->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    scan_policy_apply(e, scan->opts.policy_guard); /* no-op without a policy (the CLI) */
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout < 10000 ? timeout : 10000));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_SHARE, scan->share);
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L); /* path traversal probes are sent verbatim */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, NULL);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);

    if (str_eq(p->method, "GET")) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (str_eq(p->method, "HEAD")) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, p->method);
    }
    if (p->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, p->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)p->body_len);
        /* POSTFIELDS makes curl say POST; the custom method above still wins. */
        if (!str_eq(p->method, "POST"))
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, p->method);
    }
}

/* ---- limits ------------------------------------------------------------------------------- */

static void
scan_stop(struct scan *scan, const char *reason)
{
    if (scan->stopping)
        return;
    scan->stopping = true;
    scan->stop_reason = reason;
}

static void
check_stop_conditions(struct scan *scan)
{
    if (scan->stopping)
        return;
    if (scan->opts.cancel && *scan->opts.cancel)
        scan_stop(scan, "cancelled");
    else if (scan->deadline_ns && clock_mono_ns() >= scan->deadline_ns)
        scan_stop(scan, arena_printf(scan->arena, "time budget of %u s exhausted",
                                     scan->opts.budget_seconds));
}

/* Token bucket: returns 0 if a request may start now, else the milliseconds to wait. */
static long
rate_wait_ms(struct scan *scan)
{
    double rate = scan->opts.rate_limit;
    double burst;
    int64_t now;

    if (rate <= 0)
        return 0;
    burst = rate / 20 > 1 ? rate / 20 : 1;
    now = clock_mono_ns();
    scan->tokens += (double)(now - scan->tokens_at_ns) / 1e9 * rate;
    scan->tokens_at_ns = now;
    if (scan->tokens > burst)
        scan->tokens = burst;
    if (scan->tokens >= 1)
        return 0;
    return (long)((1 - scan->tokens) / rate * 1000) + 1;
}

bool
scan_path_excluded(const struct scan *scan, const char *path)
{
    size_t base = strlen(scan->target_path);

    for (size_t i = 0; i < scan->opts.n_exclude; i++) {
        const char *glob = scan->opts.exclude[i];

        if (!glob)
            continue;
        if (fnmatch(glob, path, 0) == 0)
            return true;
        /* Globs may be written with or without the API's base path. */
        if (base && strncmp(path, scan->target_path, base) == 0 &&
            fnmatch(glob, path + base, 0) == 0)
            return true;
    }
    return false;
}

/* ---- sending -------------------------------------------------------------------------------- */

static void
finish_xfer(struct scan *scan, struct scan_xfer *x, CURLcode rc)
{
    struct probe_response r = {0};
    long status = 0;

    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x->truncated))
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    r.status = status;
    r.headers = buf_str(&x->resp_headers);
    r.body = buf_str(&x->resp_body);
    r.body_len = x->resp_body.len;
    r.truncated = x->truncated;
    r.elapsed_ms = (double)(clock_mono_ns() - x->started_ns) / 1e6;
    if (status == 0) {
        if (rc == CURLE_OK)
            r.error = "no HTTP answer";
        else if (x->errbuf[0])
            r.error = x->errbuf;
        else
            r.error = curl_easy_strerror(rc);
    }
    if (x->done) {
        const struct scan_check *outer = scan->cur_check;

        /* Follow-up probes sent from the callback count for the same check. */
        scan->cur_check = x->check;
        x->done(scan, &x->probe, &r, x->userdata);
        scan->cur_check = outer;
    }
    xfer_put(scan, x);
}

static void
start_xfer(struct scan *scan, struct scan_xfer *x)
{
    if (!x->easy)
        x->easy = easy_take(scan);
    xfer_setup(scan, x);
    x->attempts++;
    x->started_ns = clock_mono_ns();
    buf_reset(&x->resp_headers);
    buf_reset(&x->resp_body);
    x->truncated = false;
    x->errbuf[0] = '\0';
    if (curl_multi_add_handle(scan->multi, x->easy) != CURLM_OK) {
        finish_xfer(scan, x, CURLE_FAILED_INIT);
        return;
    }
    x->prev = NULL;
    x->next = scan->inflight;
    if (scan->inflight)
        scan->inflight->prev = x;
    scan->inflight = x;
    scan->n_inflight++;
    scan->progress.requests_sent++;
    if (scan->opts.rate_limit > 0)
        scan->tokens -= 1;
}

/* Starts queued transfers while the concurrency limit and the rate cap allow. Returns the
 * milliseconds until the rate cap allows the next one (0 if none is waiting on it). */
static long
dispatch(struct scan *scan)
{
    while (scan->queue_head && scan->n_inflight < scan->opts.concurrency) {
        long wait = rate_wait_ms(scan);
        struct scan_xfer *x;

        if (wait > 0)
            return wait;
        x = scan->queue_head;
        scan->queue_head = x->next;
        if (!scan->queue_head)
            scan->queue_tail = NULL;
        scan->n_queued--;
        x->next = NULL;
        start_xfer(scan, x);
    }
    return 0;
}

/* A stopping scan answers every queued probe with an error, so callbacks still run once. */
static void
drain_queue(struct scan *scan)
{
    while (scan->queue_head) {
        struct scan_xfer *x = scan->queue_head;

        scan->queue_head = x->next;
        if (!scan->queue_head)
            scan->queue_tail = NULL;
        scan->n_queued--;
        str_copy(x->errbuf, scan->stop_reason ? scan->stop_reason : "scan stopped",
                 sizeof(x->errbuf));
        x->started_ns = clock_mono_ns();
        finish_xfer(scan, x, CURLE_ABORTED_BY_CALLBACK);
    }
}

static void
inflight_unlink(struct scan *scan, struct scan_xfer *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        scan->inflight = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->next = x->prev = NULL;
    curl_multi_remove_handle(scan->multi, x->easy);
    scan->n_inflight--;
}

/* A stopping scan cuts what is in flight; each callback still runs, with the reason. */
static void
abort_inflight(struct scan *scan)
{
    while (scan->inflight) {
        struct scan_xfer *x = scan->inflight;

        inflight_unlink(scan, x);
        str_copy(x->errbuf, scan->stop_reason ? scan->stop_reason : "scan stopped",
                 sizeof(x->errbuf));
        finish_xfer(scan, x, CURLE_ABORTED_BY_CALLBACK);
    }
}

static bool
retryable(CURLcode rc)
{
    return rc == CURLE_COULDNT_CONNECT;
}

static void
collect(struct scan *scan)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(scan->multi, &left))) {
        struct scan_xfer *x = NULL;
        CURLcode rc;

        if (msg->msg != CURLMSG_DONE)
            continue;
        rc = msg->data.result;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        inflight_unlink(scan, x);
        if (retryable(rc) && x->attempts <= SCAN_RETRIES && !scan->stopping) {
            /* The connection failed before anything was sent: try again, at the queue's head. */
            x->next = scan->queue_head;
            scan->queue_head = x;
            if (!scan->queue_tail)
                scan->queue_tail = x;
            scan->n_queued++;
            scan->progress.requests_sent--;
            continue;
        }
        finish_xfer(scan, x, rc);
    }
}

void
scan_count_request(struct scan *scan, const struct scan_check *check)
{
    size_t i = scan->n_checks;

    if (!scan->check_requests)
        scan->check_requests = arena_calloc(scan->arena, scan->n_checks + 1, sizeof(size_t));
    for (size_t k = 0; check && k < scan->n_checks; k++) {
        if (scan->checks[k] == check) {
            i = k;
            break;
        }
    }
    scan->check_requests[i]++;
}

int
scan_send(struct scan *scan, const struct probe *probe, probe_done_fn done, void *userdata)
{
    struct scan_xfer *x;
    char path[2048];

    check_stop_conditions(scan);
    if (scan->stopping || !probe || !probe->url)
        return -1;
    if (scan->n_accepted >= scan->opts.max_requests) {
        if (!scan->limit_hit) {
            scan->limit_hit = true;
            scan->stop_reason =
                arena_printf(scan->arena, "max_requests (%zu) reached", scan->opts.max_requests);
        }
        return -1;
    }
    if (probe->identity > SCAN_ID_B)
        return -1;
    spec_url_path(probe->url, path, sizeof(path));
    if (scan_path_excluded(scan, path))
        return -1;
    x = xfer_get(scan);
    xfer_copy_probe(x, probe);
    x->done = done;
    x->userdata = userdata;
    x->check = scan->cur_check;
    scan->n_accepted++;
    scan_count_request(scan, scan->cur_check);
    if (scan->queue_tail)
        scan->queue_tail->next = x;
    else
        scan->queue_head = x;
    scan->queue_tail = x;
    scan->n_queued++;
    return 0;
}

/* ---- the loop -------------------------------------------------------------------------------- */

void
scan_progress_report(struct scan *scan, bool force)
{
    int64_t now;

    if (!scan->opts.progress)
        return;
    now = clock_mono_ns();
    if (!force && now - scan->progress_at_ns < SCAN_PROGRESS_EVERY_NS)
        return;
    scan->progress_at_ns = now;
    scan->progress.findings = scan->n_findings;
    scan->opts.progress(&scan->progress, scan->opts.progress_userdata);
}

/* libcurl tells us which sockets to watch (epoll) and when to call it back (the timer), so a
 * wake-up costs in proportion to the sockets that are ready, not to all that are open. */
static int
on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct scan *scan = userp;
    struct epoll_event ev = {0};

    (void)easy;
    (void)socketp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(scan->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
        return 0;
    }
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    if (epoll_ctl(scan->epoll_fd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT)
        epoll_ctl(scan->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
    return 0;
}

static int
on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct scan *scan = userp;

    (void)multi;
    scan->timer_set = timeout_ms >= 0;
    scan->timer_at_ns = clock_mono_ns() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
    return 0;
}

static bool
loop_step(struct scan *scan, long max_wait_ms)
{
    struct epoll_event events[64];
    int running = 0;
    long wait;
    int n;

    check_stop_conditions(scan);
    if (scan->stopping) {
        drain_queue(scan);
        abort_inflight(scan);
    }
    wait = dispatch(scan);
    if (scan->n_inflight == 0 && scan->n_queued == 0)
        return false;
    /* Sleep until a socket is ready, curl's timer, the rate cap or the budget says so. */
    if (wait == 0 || wait > max_wait_ms)
        wait = wait == 0 && scan->queue_head && scan->n_inflight < scan->opts.concurrency
                   ? 0
                   : max_wait_ms;
    if (scan->timer_set) {
        int64_t left = (scan->timer_at_ns - clock_mono_ns() + 999999) / 1000000;

        if (left < wait)
            wait = left > 0 ? (long)left : 0;
    }
    if (scan->deadline_ns) {
        long left = (long)((scan->deadline_ns - clock_mono_ns()) / 1000000) + 1;

        if (left < wait)
            wait = left > 0 ? left : 0;
    }
    n = epoll_wait(scan->epoll_fd, events, (int)(sizeof(events) / sizeof(events[0])), (int)wait);
    for (int i = 0; i < n; i++) {
        int flags = 0;

        if (events[i].events & EPOLLIN)
            flags |= CURL_CSELECT_IN;
        if (events[i].events & EPOLLOUT)
            flags |= CURL_CSELECT_OUT;
        if (events[i].events & (EPOLLERR | EPOLLHUP))
            flags |= CURL_CSELECT_ERR;
        curl_multi_socket_action(scan->multi, events[i].data.fd, flags, &running);
    }
    if (scan->timer_set && clock_mono_ns() >= scan->timer_at_ns) {
        scan->timer_set = false;
        curl_multi_socket_action(scan->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    collect(scan);
    scan_progress_report(scan, false);
    return scan->n_inflight > 0 || scan->n_queued > 0;
}

void
scan_engine_run(struct scan *scan, bool (*done)(struct scan *scan))
{
    while (!(done && done(scan))) {
        if (!loop_step(scan, SCAN_POLL_MAX_MS))
            break;
    }
}

void
scan_engine_wait(struct scan *scan, unsigned ms, bool (*until)(struct scan *scan))
{
    int64_t end = clock_mono_ns() + (int64_t)ms * 1000000;

    while (clock_mono_ns() < end && !(until && until(scan))) {
        long left = (long)((end - clock_mono_ns()) / 1000000) + 1;

        check_stop_conditions(scan);
        if (scan->stopping)
            break;
        if (!loop_step(scan, left < 50 ? left : 50)) {
            struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000000};

            nanosleep(&ts, NULL);
        }
    }
}

int
scan_engine_init(struct scan *scan, struct err *err)
{
    CURLSH *share;
    CURLM *multi;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return err_internal(err, "curl_global_init failed");
    share = curl_share_init();
    multi = curl_multi_init();
    if (!share || !multi) {
        curl_share_cleanup(share);
        curl_multi_cleanup(multi);
        return err_internal(err, "curl init failed");
    }
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)scan->opts.concurrency);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)scan->opts.concurrency + 4);
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, scan);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, scan);
    scan->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (scan->epoll_fd < 0) {
        curl_share_cleanup(share);
        curl_multi_cleanup(multi);
        return err_internal(err, "epoll_create1: %s", strerror(errno));
    }
    scan->share = share;
    scan->multi = multi;
    scan->tokens = 1;
    scan->tokens_at_ns = clock_mono_ns();
    return 0;
}

void
scan_engine_cleanup(struct scan *scan)
{
    if (!scan->multi)
        return;
    scan_stop(scan, scan->stop_reason ? scan->stop_reason : "scan ended");
    drain_queue(scan);
    abort_inflight(scan);
    while (scan->idle) {
        struct scan_xfer *x = scan->idle;

        scan->idle = x->next;
        xfer_free(x);
    }
    scan->n_idle = 0;
    while (scan->n_easy_pool)
        curl_easy_cleanup(scan->easy_pool[--scan->n_easy_pool]);
    free(scan->easy_pool);
    scan->easy_pool = NULL;
    curl_multi_cleanup(scan->multi);
    curl_share_cleanup(scan->share);
    close(scan->epoll_fd);
    scan->multi = NULL;
    scan->share = NULL;
}
