/* SPDX-License-Identifier: MIT */
/* A small libmicrohttpd server on 127.0.0.1 (ephemeral port, a thread per connection) for the
 * engine's unit tests: a users collection (create, read, delete), an endpoint that answers only
 * when the test releases it, one that answers once enough requests are in flight, a large one,
 * login and OAuth2 token endpoints, and counters the tests assert on (requests seen, most in flight
 * at once, the last Authorization header and path). Header-only: one test file uses it. */
#ifndef VIGIL_TEST_SCAN_SERVER_H
#define VIGIL_TEST_SCAN_SERVER_H

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct test_server {
    struct MHD_Daemon *daemon;
    unsigned port;
    char base[64];
    atomic_int requests;
    atomic_int inflight;
    atomic_int max_inflight;
    atomic_int next_id;
    atomic_int deletes;
    pthread_mutex_t lock;
    /* /slow answers only once the test calls ts_release_slow: each release ends the waits of
     * the requests that arrived before it, so "no answer before the client gives up" holds
     * however loaded the machine is, instead of racing a sleep against a timer. */
    pthread_cond_t released;
    unsigned releases;
    /* /fill holds each request until fill_target requests have been in flight at once (so a
     * concurrency cap is reached by construction, not by a request happening to be slow). */
    pthread_cond_t filled;
    int fill_target;
    /* Arrival times (CLOCK_MONOTONIC ns) of the first and last request since the test reset
     * them: the spacing a rate limit guarantees, measured where the requests land. */
    long long first_arrival_ns, last_arrival_ns;
    char last_auth[512];
    char last_path[512];
    char last_body[2048];
    int users[64]; /* ids that exist */
    int n_users;
};

struct ts_conn {
    char body[8192];
    size_t len;
    bool counted;
};

static void
ts_sleep_ms(long ms)
{
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    nanosleep(&t, NULL);
}

/* Holds a /slow request until the test releases it, or for at most a minute: a bound that only
 * keeps a broken test from hanging forever, never one the tests rely on. */
static void
ts_wait_for_release(struct test_server *s)
{
    struct timespec limit;
    unsigned arrived;

    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 60;
    pthread_mutex_lock(&s->lock);
    arrived = s->releases;
    while (s->releases == arrived) {
        if (pthread_cond_timedwait(&s->released, &s->lock, &limit) != 0)
            break;
    }
    pthread_mutex_unlock(&s->lock);
}

/* Holds a /fill request until max_inflight reaches fill_target, or for at most a minute: the
 * bound only keeps a broken engine, one that never reaches the target, from hanging the test,
 * and once it has expired no later request waits (the test fails on its count, once). */
static void
ts_wait_for_fill(struct test_server *s)
{
    struct timespec limit;

    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 60;
    pthread_mutex_lock(&s->lock);
    pthread_cond_broadcast(&s->filled);
    while (atomic_load(&s->max_inflight) < s->fill_target) {
        if (pthread_cond_timedwait(&s->filled, &s->lock, &limit) != 0) {
            s->fill_target = 0;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

/* Lets every /slow request that has arrived so far answer. */
static void
ts_release_slow(struct test_server *s)
{
    pthread_mutex_lock(&s->lock);
    s->releases++;
    pthread_cond_broadcast(&s->released);
    pthread_mutex_unlock(&s->lock);
}

static enum MHD_Result
ts_reply(struct MHD_Connection *c, unsigned status, const char *type, const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    MHD_add_response_header(r, "Content-Type", type);
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static bool
ts_user_exists(struct test_server *s, int id)
{
    for (int i = 0; i < s->n_users; i++) {
        if (s->users[i] == id)
            return true;
    }
    return false;
}

/* A constant reply with its length counted for us. */
#define TS_TEXT(c, status, type, text) ts_reply((c), (status), (type), (text), strlen(text))

static enum MHD_Result
ts_handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
          const char *version, const char *upload, size_t *upload_size, void **state)
{
    struct test_server *s = cls;
    struct ts_conn *conn = *state;
    char out[4096];
    const char *auth;
    enum MHD_Result ret;
    int now;

    (void)version;
    if (!conn) {
        conn = calloc(1, sizeof(*conn));
        *state = conn;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;

        if (n > sizeof(conn->body) - 1 - conn->len)
            n = sizeof(conn->body) - 1 - conn->len;
        memcpy(conn->body + conn->len, upload, n);
        conn->len += n;
        *upload_size = 0;
        return MHD_YES;
    }
    conn->body[conn->len] = '\0';
    atomic_fetch_add(&s->requests, 1);
    now = atomic_fetch_add(&s->inflight, 1) + 1;
    for (int m = atomic_load(&s->max_inflight); now > m;) {
        if (atomic_compare_exchange_weak(&s->max_inflight, &m, now))
            break;
    }
    auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!auth)
        auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-API-Key");
    pthread_mutex_lock(&s->lock);
    {
        struct timespec ts;
        long long at;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        at = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
        if (!s->first_arrival_ns)
            s->first_arrival_ns = at;
        s->last_arrival_ns = at;
    }
    snprintf(s->last_auth, sizeof(s->last_auth), "%s", auth ? auth : "");
    snprintf(s->last_path, sizeof(s->last_path), "%s %s", method, url);
    snprintf(s->last_body, sizeof(s->last_body), "%.2000s", conn->body);
    pthread_mutex_unlock(&s->lock);

    if (strcmp(url, "/slow") == 0) {
        ts_wait_for_release(s);
        ret = TS_TEXT(c, 200, "text/plain", "slow");
    } else if (strcmp(url, "/fill") == 0) {
        ts_wait_for_fill(s);
        /* Held a little past the fill, so that a request sent beside the first ones (a broken
         * cap) overlaps them where the counters see it. It only widens what a bug shows: no
         * assertion depends on its length. */
        ts_sleep_ms(50);
        ret = TS_TEXT(c, 200, "text/plain", "fill");
    } else if (strcmp(url, "/tick") == 0) {
        ts_sleep_ms(50);
        ret = TS_TEXT(c, 200, "text/plain", "tick");
    } else if (strcmp(url, "/big") == 0) {
        size_t n = 2 * 1024 * 1024;
        char *big = malloc(n);

        memset(big, 'A', n);
        ret = ts_reply(c, 200, "text/plain", big, n);
        free(big);
    } else if (strcmp(url, "/auth-echo") == 0) {
        snprintf(out, sizeof(out), "{\"auth\":\"%s\"}", auth ? auth : "");
        ret = ts_reply(c, 200, "application/json", out, strlen(out));
    } else if (strcmp(url, "/login") == 0 && strcmp(method, "POST") == 0) {
        if (strstr(conn->body, "\"alice\""))
            ret = TS_TEXT(c, 200, "application/json",
                          "{\"data\":{\"token\":\"login-token-abcdefghijklmnop\"}}");
        else
            ret = TS_TEXT(c, 401, "application/json", "{}");
    } else if (strcmp(url, "/oauth/token") == 0 && strcmp(method, "POST") == 0) {
        if (strstr(conn->body, "grant_type=client_credentials") &&
            strstr(conn->body, "client_id=cid") && strstr(conn->body, "client_secret=s%26cret"))
            ret = TS_TEXT(c, 200, "application/json",
                          "{\"access_token\":\"oauth-token-0123456789abcdef\"}");
        else
            ret = TS_TEXT(c, 400, "application/json", "{\"error\":\"invalid_client\"}");
    } else if (strcmp(url, "/oauth/basic") == 0 && strcmp(method, "POST") == 0) {
        /* Accepts only client_secret_basic. */
        if (auth && strcmp(auth, "Basic Y2lkOnMlMjZjcmV0") == 0 &&
            strstr(conn->body, "grant_type=client_credentials") &&
            !strstr(conn->body, "client_secret"))
            ret = TS_TEXT(c, 200, "application/json",
                          "{\"access_token\":\"basic-token-0123456789abcdef\"}");
        else
            ret = TS_TEXT(c, 401, "application/json", "{\"error\":\"invalid_client\"}");
    } else if (strcmp(url, "/projects") == 0 && strcmp(method, "POST") == 0) {
        /* Needs an existing user_id (an integer) and nothing it does not know. */
        const char *ref = strstr(conn->body, "\"user_id\":");
        int owner = ref ? (int)strtol(ref + 10, NULL, 10) : 0;
        bool ok;

        pthread_mutex_lock(&s->lock);
        ok = ts_user_exists(s, owner) && !strstr(conn->body, "\"status\"") &&
             !strstr(conn->body, "\"owner_id\"");
        pthread_mutex_unlock(&s->lock);
        if (ok)
            ret = TS_TEXT(c, 201, "application/json", "{\"data\":{\"id\":7}}");
        else
            ret = TS_TEXT(c, 400, "application/json", "{\"error\":\"bad project\"}");
    } else if (strcmp(url, "/users") == 0 && strcmp(method, "POST") == 0) {
        int id = atomic_fetch_add(&s->next_id, 1);

        pthread_mutex_lock(&s->lock);
        if (s->n_users < 64)
            s->users[s->n_users++] = id;
        pthread_mutex_unlock(&s->lock);
        snprintf(out, sizeof(out), "{\"data\":{\"id\":%d,\"name\":\"created\"}}", id);
        ret = ts_reply(c, 201, "application/json", out, strlen(out));
    } else if (strcmp(url, "/users") == 0) {
        ret = TS_TEXT(c, 200, "application/json", "[{\"id\":1,\"name\":\"existing\"}]");
    } else if (strncmp(url, "/users/", 7) == 0) {
        int id = (int)strtol(url + 7, NULL, 10);
        bool exists;

        pthread_mutex_lock(&s->lock);
        exists = ts_user_exists(s, id) || id == 1;
        pthread_mutex_unlock(&s->lock);
        if (strcmp(method, "DELETE") == 0)
            atomic_fetch_add(&s->deletes, 1);
        if (!exists) {
            ret = TS_TEXT(c, 404, "application/json", "{}");
        } else {
            snprintf(out, sizeof(out), "{\"id\":%d,\"email\":\"u%d@example.com\"}", id, id);
            ret = ts_reply(c, 200, "application/json", out, strlen(out));
        }
    } else {
        ret = TS_TEXT(c, 200, "text/plain", "ok");
    }
    atomic_fetch_sub(&s->inflight, 1);
    return ret;
}

static void
ts_completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    free(*state);
    *state = NULL;
}

static void
ts_start(struct test_server *s)
{
    struct sockaddr_in addr = {0};
    const union MHD_DaemonInfo *info;

    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->released, NULL);
    pthread_cond_init(&s->filled, NULL);
    atomic_store(&s->next_id, 100);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
                                 NULL, NULL, ts_handle, s, MHD_OPTION_SOCK_ADDR, &addr,
                                 MHD_OPTION_NOTIFY_COMPLETED, ts_completed, s, MHD_OPTION_END);
    if (!s->daemon)
        abort();
    info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info->port;
    snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%u", s->port);
}

static void
ts_stop(struct test_server *s)
{
    ts_release_slow(s);
    pthread_mutex_lock(&s->lock);
    s->fill_target = 0;
    pthread_cond_broadcast(&s->filled);
    pthread_mutex_unlock(&s->lock);
    MHD_stop_daemon(s->daemon);
    pthread_cond_destroy(&s->released);
    pthread_cond_destroy(&s->filled);
    pthread_mutex_destroy(&s->lock);
}

#endif
