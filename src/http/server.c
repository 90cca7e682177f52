/* SPDX-License-Identifier: MIT */
/* libmicrohttpd glue: one epoll thread pool, and the request lifecycle on top of it. The raw
 * request line arrives in the URI-log callback, which creates the `struct req` and its arena;
 * the first access-handler call routes and checks the framing and runs the `before` hook; the
 * next calls stream the body into a capped buffer; the last one runs the handler and queues
 * the response; the completed callback writes the access log line and frees the request.
 * Invariant: a response is queued on the first access-handler call only when we refuse a body
 * the client has not sent (Expect: 100-continue) or that is too large to drain, since queuing
 * there turns keep-alive off. */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "http/http_int.h"

#define SERVER_CONN_LIMIT_DEFAULT 1000
#define SERVER_TIMEOUT_DEFAULT_S  30
/* A refused body that is already on its way is read and dropped, so the answer arrives
 * intact (closing a socket with unread data makes the kernel send a reset, and the client may
 * lose our response to it) and the connection stays usable. A peer that sends more than this
 * is cut off instead. */
#define SERVER_DISCARD_MAX ((size_t)8 << 20)
/* Header caps (issue 14): checked on the first access-handler call, before any handler. The
 * connection pool is sized so that a request within them can always be answered. */
#define SERVER_HEADER_LINE_MAX  8192
#define SERVER_HEADERS_MAX      16384
#define SERVER_HEADER_COUNT_MAX 100
#define SERVER_URI_MAX          8192
#define SERVER_POOL_SIZE        ((size_t)64 << 10)
/* Slow clients (issue 14, item 4): the headers must be complete this long after accept (or
 * after the previous response on a kept-alive connection), and a body must then average the
 * minimum rate beyond the same allowance. The watchdog looks at every connection this often. */
#define SERVER_HEADER_TIMEOUT_DEFAULT_MS 10000
#define SERVER_BODY_MIN_RATE_DEFAULT     1024
#define SERVER_WATCH_TICK_MAX_MS         250
/* Lingering close (as nginx's lingering_close): a connection we end after answering without
 * reading the body it announced keeps its socket open for a while after the library closes
 * it, and the watchdog reads and drops what still arrives, so that no reset destroys the
 * answer before the client reads it. Bounded in time, in bytes (SERVER_DISCARD_MAX) and in
 * sockets; past the bound a socket is closed as before. */
#define SERVER_LINGER_MS  2000
#define SERVER_LINGER_MAX 64

enum req_stage { STAGE_NEW, STAGE_BODY, STAGE_DONE };

/* Where a connection is, as far as the slow-client deadlines care. Only HEADERS and BODY are
 * timed; BUSY covers hooks, the handler and sending the answer; CUT means the watchdog ended
 * the connection (the library learns it from the socket and closes it). */
enum watch_phase { WATCH_HEADERS, WATCH_BODY, WATCH_BUSY, WATCH_CUT };

/* One per connection, from accept (notify-connection STARTED) to close (CLOSED), stored as the
 * connection's socket context. Owner: the server's watch list; every field is guarded by
 * http_server.watch_lock, and the library closes the socket only after CLOSED removed the
 * entry, so the watchdog never touches a descriptor that was reused. */
struct conn_watch {
    struct conn_watch *prev, *next;
    int fd;
    enum watch_phase phase;
    int64_t since_ns;  /* start of the phase: accept, the previous completion, the headers */
    size_t body_bytes; /* body bytes received since the headers */
    bool request_seen; /* a request line arrived during this HEADERS phase */
    bool kept_alive;   /* an earlier request on this connection was completed */
    bool linger;       /* answered without reading an announced body: close by lingering */
};

/* A socket the library has closed and the watchdog drains until the client closes. */
struct lingering {
    int fd; /* our own duplicate of the library's descriptor */
    int64_t until_ns;
    size_t drained;
};

/* Owner: whoever called http_server_start, until http_server_stop. */
struct http_server {
    struct MHD_Daemon *daemon;
    struct router *router;
    struct http_hooks hooks;
    void *app;
    size_t body_max;
    size_t resp_max;
    uint16_t port;
    atomic_bool draining;
    atomic_long inflight; /* requests between the request line and completion */
    /* Slow-client watchdog: one thread, woken every tick or to stop. */
    pthread_mutex_t watch_lock;
    pthread_cond_t watch_wake; /* CLOCK_MONOTONIC */
    struct conn_watch *watch_head;
    pthread_t watchdog;
    bool watchdog_started;
    bool watch_stop;
    int64_t header_timeout_ns;
    size_t body_min_rate;                          /* bytes per second */
    struct lingering lingering[SERVER_LINGER_MAX]; /* guarded by watch_lock */
    size_t n_lingering;
};

/* ---------------------------------------------------------------------------------------- */
/* Helpers */

static bool
parse_method(const char *text, enum http_method *out)
{
    int m;

    for (m = 0; m < HTTP_METHOD_COUNT; m++) {
        if (strcmp(text, http_method_name((enum http_method)m)) == 0) {
            *out = (enum http_method)m;
            return true;
        }
    }
    return false;
}

static void
client_address(struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info ? info->client_addr : NULL;

    out[0] = '\0';
    if (!sa)
        return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)size);
}

/* "req_" + 20 hex digits (80 random bits). The bytes come from a per-thread pool refilled
 * from the kernel every 51 ids, which saves a getrandom(2) call on every request. */
static void
request_id_generate(char *out, size_t size)
{
    static _Thread_local unsigned char pool[512];
    static _Thread_local size_t used = sizeof(pool);
    char id[4 + 20 + 1] = "req_";

    if (used + 10 > sizeof(pool)) {
        random_bytes(pool, sizeof(pool));
        used = 0;
    }
    str_hex(pool + used, 10, id + 4);
    used += 10;
    str_copy(out, id, size);
}

static void
answer_problem(struct req *req, enum err_code code, const char *detail)
{
    struct err err = {0};

    err_raise(&err, __func__, code, "%s", detail);
    resp_problem(req, &err);
}

/* ---------------------------------------------------------------------------------------- */
/* Slow clients: a watchdog thread enforces the header deadline and the body rate */

static struct conn_watch *
watch_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;

    return info ? info->socket_context : NULL;
}

/* Moves a connection to another phase; returns false when the watchdog has already cut it, in
 * which case the caller gives up on the request (returns MHD_NO). */
static bool
watch_enter(struct http_server *s, struct conn_watch *w, enum watch_phase phase)
{
    bool alive;

    if (!w)
        return true;
    pthread_mutex_lock(&s->watch_lock);
    alive = w->phase != WATCH_CUT;
    if (alive) {
        w->phase = phase;
        w->since_ns = clock_mono_ns();
        w->body_bytes = 0;
        w->request_seen = false;
    }
    pthread_mutex_unlock(&s->watch_lock);
    return alive;
}

static bool
watch_body_bytes(struct http_server *s, struct conn_watch *w, size_t n)
{
    bool alive;

    if (!w)
        return true;
    pthread_mutex_lock(&s->watch_lock);
    alive = w->phase != WATCH_CUT;
    w->body_bytes += n;
    pthread_mutex_unlock(&s->watch_lock);
    return alive;
}

/* Ends a slow connection. The library has written nothing on it during HEADERS or BODY (a
 * response is queued only on an access-handler call, which moves the connection to BUSY), so
 * the 408 goes straight to the socket; libmicrohttpd 0.9.75 has no call to queue a response
 * from another thread or before the headers are complete. The shutdown makes the library read
 * end-of-file and close the connection itself. A kept-alive connection that has not started
 * its next request is closed without an answer: a 408 there could be read by the client as
 * the answer to a request it is sending at that moment. */
static void
watch_cut(struct conn_watch *w, bool answer)
{
    char head[512], request_id[HTTP_REQUEST_ID_MAX + 1];
    struct err err = {0};
    struct buf body;
    int n;

    w->phase = WATCH_CUT;
    if (answer) {
        request_id_generate(request_id, sizeof(request_id));
        err_set(&err, REQUEST_TIMEOUT, "The request was not received in time.");
        buf_init(&body, 1024);
        if (problem_render(&body, &err, "", request_id) == 0) {
            n = snprintf(head, sizeof(head),
                         "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                         "Content-Type: application/problem+json\r\nContent-Length: %zu\r\n"
                         "X-Request-Id: %s\r\nX-Content-Type-Options: nosniff\r\n"
                         "Cache-Control: no-store\r\n\r\n",
                         body.len, request_id);
            /* Best effort: an empty send buffer takes these few hundred bytes at once. */
            if (n > 0 && (size_t)n < sizeof(head) &&
                send(w->fd, head, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) == n)
                (void)send(w->fd, body.data, body.len, MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        buf_cleanup(&body);
    }
    shutdown(w->fd, SHUT_RDWR);
}

/* Keeps a socket the library is about to close open, to drain it; called with watch_lock
 * held. When no slot is free (or the server is stopping) the socket closes at once. */
static void
linger_begin(struct http_server *s, int fd)
{
    struct lingering *l;
    int dup_fd;

    if (s->watch_stop || s->n_lingering == SERVER_LINGER_MAX)
        return;
    dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0)
        return;
    l = &s->lingering[s->n_lingering++];
    l->fd = dup_fd;
    l->until_ns = clock_mono_ns() + (int64_t)SERVER_LINGER_MS * 1000000;
    l->drained = 0;
    pthread_cond_signal(&s->watch_wake);
}

/* Reads and drops what a lingering socket holds; returns true when it is done with (the
 * client closed, an error, or a bound passed). */
static bool
linger_drain(struct lingering *l, int64_t now)
{
    char scratch[16384];
    ssize_t n;

    for (;;) {
        n = recv(l->fd, scratch, sizeof(scratch), MSG_DONTWAIT);
        if (n > 0) {
            l->drained += (size_t)n;
            if (l->drained > SERVER_DISCARD_MAX)
                return true;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return now > l->until_ns;
        return true; /* end of file or an error */
    }
}

/* One pass over the lingering sockets; called with watch_lock held. */
static void
linger_sweep(struct http_server *s, int64_t now)
{
    size_t i = 0;

    while (i < s->n_lingering) {
        if (linger_drain(&s->lingering[i], now)) {
            close(s->lingering[i].fd);
            s->lingering[i] = s->lingering[--s->n_lingering];
        } else {
            i++;
        }
    }
}

/* One pass over the connections; called with watch_lock held. */
static void
watch_sweep(struct http_server *s, int64_t now)
{
    struct conn_watch *w;

    linger_sweep(s, now);

    for (w = s->watch_head; w; w = w->next) {
        int64_t elapsed = now - w->since_ns;

        if (w->phase == WATCH_HEADERS && elapsed > s->header_timeout_ns) {
            watch_cut(w, w->request_seen || !w->kept_alive);
        } else if (w->phase == WATCH_BODY && elapsed > s->header_timeout_ns) {
            /* The allowance is free; beyond it every second must bring body_min_rate bytes
             * on average (as Apache's mod_reqtimeout MinRate). */
            double owed = (double)s->body_min_rate * (double)(elapsed - s->header_timeout_ns) / 1e9;

            if ((double)w->body_bytes < owed)
                watch_cut(w, true);
        }
    }
}

static void *
watchdog_main(void *cls)
{
    struct http_server *s = cls;
    int64_t tick_ns = s->header_timeout_ns / 4;
    struct timespec until;

    if (tick_ns > (int64_t)SERVER_WATCH_TICK_MAX_MS * 1000000)
        tick_ns = (int64_t)SERVER_WATCH_TICK_MAX_MS * 1000000;
    pthread_mutex_lock(&s->watch_lock);
    while (!s->watch_stop) {
        int64_t wake = clock_mono_ns() + tick_ns;

        until.tv_sec = (time_t)(wake / 1000000000);
        until.tv_nsec = (long)(wake % 1000000000);
        pthread_cond_timedwait(&s->watch_wake, &s->watch_lock, &until);
        if (!s->watch_stop)
            watch_sweep(s, clock_mono_ns());
    }
    pthread_mutex_unlock(&s->watch_lock);
    return NULL;
}

/* Accept and close of every connection (MHD_OPTION_NOTIFY_CONNECTION). */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
              enum MHD_ConnectionNotificationCode code)
{
    struct http_server *s = cls;
    struct conn_watch *w = *socket_context;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

        if (!info)
            return;
        w = xcalloc(1, sizeof(*w));
        w->fd = info->connect_fd;
        w->phase = WATCH_HEADERS;
        w->since_ns = clock_mono_ns();
        pthread_mutex_lock(&s->watch_lock);
        w->next = s->watch_head;
        if (s->watch_head)
            s->watch_head->prev = w;
        s->watch_head = w;
        pthread_mutex_unlock(&s->watch_lock);
        *socket_context = w;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && w) {
        pthread_mutex_lock(&s->watch_lock);
        if (w->linger && w->phase != WATCH_CUT)
            linger_begin(s, w->fd);
        if (w->prev)
            w->prev->next = w->next;
        else
            s->watch_head = w->next;
        if (w->next)
            w->next->prev = w->prev;
        pthread_mutex_unlock(&s->watch_lock);
        free(w);
        *socket_context = NULL;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Lifecycle steps */

/* The request line arrived: create the request (MHD passes the result to every later call). */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_server *s = cls;
    struct req *req = xmalloc(sizeof(*req));
    const char *query, *authority;
    size_t path_len;

    /* Absolute form ("GET http://host/path"): route on the path part only. */
    if (strncasecmp(uri, "http://", 7) == 0 || strncasecmp(uri, "https://", 8) == 0) {
        authority = strstr(uri, "://") + 3;
        uri = authority + strcspn(authority, "/?");
    }
    query = strchr(uri, '?');
    path_len = query ? (size_t)(query - uri) : strlen(uri);

    req_init(req, s->resp_max);
    req->start_ns = clock_mono_ns();
    req->server = s;
    req->conn = conn;
    req->app = s->app;
    req->stage = STAGE_NEW;
    req->method_text = "?";
    /* An empty path ("http://host?x") is "/". */
    req->path = path_len ? arena_strndup(req->arena, uri, path_len) : "/";
    if (query)
        req->raw_query = arena_strndup(req->arena, query + 1, strcspn(query + 1, "#"));
    client_address(conn, req->client_addr, sizeof(req->client_addr));
    req->uri_too_long = strlen(uri) > SERVER_URI_MAX;
    req->watch = watch_of(conn);
    if (req->watch) {
        pthread_mutex_lock(&s->watch_lock);
        ((struct conn_watch *)req->watch)->request_seen = true;
        pthread_mutex_unlock(&s->watch_lock);
    }
    atomic_fetch_add(&s->inflight, 1);
    return req;
}

/* What the Content-Length / Transfer-Encoding announce. Read before routing, so that every
 * early answer (404, 405, 503...) knows whether a body is on its way. */
static void
read_framing(struct req *req)
{
    const char *length = req_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *encoding = req_header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    long long announced = 0;

    if ((!encoding || str_eq_ci(encoding, "identity")) && length &&
        str_to_ll(length, 0, (long long)1 << 62, &announced) == 0) {
        req->body_announced = announced > 0;
    } else if (encoding || length) {
        /* Chunked: the length is unknown until streamed. (A bad Content-Length never gets
         * here, libmicrohttpd answers it with 400 itself.) */
        req->body_announced = true;
        announced = -1;
    }
    req->announced_len = announced;
}

/* Caps the body buffer at the route's limit; answers 413 if the announced body passes it. */
static void
check_body_limit(struct http_server *s, struct req *req)
{
    size_t limit =
        req->route->body_limit == HTTP_BODY_DEFAULT ? s->body_max : req->route->body_limit;
    char detail[128];

    req->body_limit = limit;
    buf_init(&req->body, limit);
    if (!req->body_announced)
        return;
    if (limit == 0) {
        answer_problem(req, ERR_PAYLOAD_TOO_LARGE, "This endpoint accepts no request body.");
    } else if (req->announced_len > 0 && (unsigned long long)req->announced_len > limit) {
        snprintf(detail, sizeof(detail), "The request body exceeds the limit of %zu bytes.", limit);
        answer_problem(req, ERR_PAYLOAD_TOO_LARGE, detail);
        /* Refused before the body is read, and the connection closed (issue 14, item 8). */
        req->close = true;
        req->refuse_now = true;
    }
}

static void
check_media_type(struct req *req)
{
    if (!req->body_announced || (req->route->flags & HTTP_ROUTE_ANY_MEDIA_TYPE))
        return;
    if (req->method != HTTP_POST && req->method != HTTP_PUT && req->method != HTTP_PATCH)
        return;
    if (http_media_type_ok(req_header(req, MHD_HTTP_HEADER_CONTENT_TYPE), req->method))
        return;
    answer_problem(req, ERR_UNSUPPORTED_MEDIA_TYPE,
                   req->method == HTTP_PATCH ? "The request body must be application/json or "
                                               "application/merge-patch+json."
                                             : "The request body must be application/json.");
}

/* Every route answers JSON (and its errors problem+json) unless it negotiates itself. */
static void
check_accept(struct req *req)
{
    if (req->route->flags & HTTP_ROUTE_NEGOTIATES)
        return;
    if (req_accepts_json(req))
        return;
    answer_problem(req, ERR_NOT_ACCEPTABLE,
                   "This resource is only available as application/json (Accept excludes it).");
}

/* Runs a before-style hook; leaves a response ready unless the request may go on. */
static void
run_hook(struct req *req, int (*hook)(struct req *, struct err *))
{
    int rc;

    if (!hook || req->responded)
        return;
    /* Declared here, not above: a struct err is 3.5 KiB to zero on every request. */
    struct err err = {0};

    rc = hook(req, &err);
    if (rc < 0) {
        if (!err_is_set(&err))
            err_internal(&err, "hook failed without an error");
        resp_problem(req, &err);
    } else if (rc > 0 && !req->responded) {
        err_internal(&err, "hook answered without a response");
        resp_problem(req, &err);
    }
}

/* What one pass over the request headers finds (libmicrohttpd keeps the raw bytes and their
 * lengths, so a NUL inside a value is visible through the _n API). */
struct header_scan {
    size_t count, total, n_length, n_encoding, n_host;
    bool too_large, bad_byte, bad_name, bad_encoding;
};

static enum MHD_Result
scan_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size, const char *value,
            size_t value_size)
{
    struct header_scan *scan = cls;

    (void)kind;
    scan->count++;
    scan->total += key_size + value_size + 4;
    if (key_size + value_size + 2 > SERVER_HEADER_LINE_MAX ||
        scan->count > SERVER_HEADER_COUNT_MAX || scan->total > SERVER_HEADERS_MAX)
        scan->too_large = true;
    if (key_size == 0 || strcspn(key, " \t") < key_size)
        scan->bad_name = true;
    if (value && (memchr(value, '\0', value_size) || memchr(value, '\r', value_size) ||
                  memchr(value, '\n', value_size)))
        scan->bad_byte = true;
    if (str_eq_ci(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
        scan->n_length++;
    if (str_eq_ci(key, MHD_HTTP_HEADER_HOST))
        scan->n_host++;
    if (str_eq_ci(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
        scan->n_encoding++;
        if (!value || !str_eq_ci(value, "chunked"))
            scan->bad_encoding = true;
    }
    return MHD_YES;
}

/* The framing rules libmicrohttpd 0.9.75 does not enforce (docs/internals/http.md). Answers
 * with Connection: close and returns true when the request must go no further. */
static bool
check_framing(struct req *req, const char *version)
{
    struct header_scan scan = {0};
    enum err_code code = ERR_OK;
    const char *detail = NULL;

    MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, scan_header, &scan);
    if (req->uri_too_long) {
        code = ERR_URI_TOO_LONG;
        detail = "The request target exceeds 8192 bytes.";
    } else if (scan.too_large) {
        code = ERR_HEADERS_TOO_LARGE;
        detail = "The request headers exceed the limits (one header 8 KiB, all 16 KiB, 100 "
                 "headers).";
    } else if (scan.bad_name || scan.bad_byte) {
        code = ERR_BAD_REQUEST;
        detail = "A header name or value holds a forbidden character.";
    } else if (scan.n_length > 1 || (scan.n_length && scan.n_encoding)) {
        code = ERR_BAD_REQUEST;
        detail = "The message framing is ambiguous (Content-Length with Transfer-Encoding, or "
                 "more than one Content-Length).";
    } else if (version && strcmp(version, MHD_HTTP_VERSION_1_1) == 0 && scan.n_host != 1) {
        code = ERR_BAD_REQUEST;
        detail = "An HTTP/1.1 request carries exactly one Host header.";
    } else if (scan.bad_encoding || scan.n_encoding > 1) {
        code = ERR_NOT_IMPLEMENTED;
        detail = "The only transfer coding accepted is chunked.";
    }
    if (code == ERR_OK)
        return false;
    req->close = true;
    req->refuse_now = true;
    answer_problem(req, code, detail);
    return true;
}

/* First access-handler call: headers are in, the body (if any) is not. */
static void
req_begin(struct http_server *s, struct req *req, const char *method, const char *version)
{
    const char *client_id = req_header(req, "X-Request-Id");
    struct router_match match;
    enum router_result result;
    bool known;

    req->method_text = arena_strdup(req->arena, method);
    if (http_request_id_valid(client_id))
        str_copy(req->request_id, client_id, sizeof(req->request_id));
    else
        request_id_generate(req->request_id, sizeof(req->request_id));
    known = parse_method(method, &req->method);
    read_framing(req);
    if (check_framing(req, version))
        return;

    if (atomic_load(&s->draining)) {
        req->close = true;
        resp_header(req, "Retry-After", "1");
        answer_problem(req, ERR_SERVICE_UNAVAILABLE, "The server is shutting down.");
        return;
    }
    result = router_match(s->router, known ? req->method : HTTP_GET, req->path, strlen(req->path),
                          req->arena, &match);
    if (result == ROUTER_NOT_FOUND) {
        answer_problem(req, ERR_NOT_FOUND, "No resource exists at this path.");
        return;
    }
    if (!known || result == ROUTER_METHOD_NOT_ALLOWED) {
        resp_header(req, "Allow", router_allow_header(match.allowed, req->arena));
        if (known && req->method == HTTP_OPTIONS) {
            resp_empty(req, 204);
        } else {
            char detail[128];

            snprintf(detail, sizeof(detail), "This resource does not support %.16s.", method);
            answer_problem(req, ERR_METHOD_NOT_ALLOWED, detail);
        }
        return;
    }
    req->route = match.route;
    req->n_params = match.n_params;
    memcpy(req->params, match.params, sizeof(match.params));
    if (req->raw_query[0]) {
        struct err err = {0};

        if (http_query_parse(req->raw_query, strlen(req->raw_query), req->arena, &req->query,
                             &req->n_query, &err)) {
            resp_problem(req, &err);
            return;
        }
    }
    check_body_limit(s, req);
    if (!req->responded)
        check_media_type(req);
    if (!req->responded)
        check_accept(req);
    run_hook(req, s->hooks.before);
}

/* Last access-handler call: the whole body is in. */
static void
req_run(struct http_server *s, struct req *req)
{
    struct err err = {0};

    run_hook(req, s->hooks.before_handler);
    if (req->responded)
        return;
    req->handler_ran = true;
    if (req->route->handler(req, &err) != 0) {
        if (!err_is_set(&err))
            err_internal(&err, "handler failed without an error");
        resp_problem(req, &err);
    } else if (!req->responded) {
        err_internal(&err, "handler returned 0 without a response");
        resp_problem(req, &err);
    }
}

static void
apply_etag(struct req *req)
{
    char etag[48];

    if (!req->etag || req->status != 200 || (req->method != HTTP_GET && req->method != HTTP_HEAD))
        return;
    http_etag_compute(req->out.data ? req->out.data : "", req->out.len, etag, sizeof(etag));
    resp_header(req, "ETag", etag);
    if (http_etag_matches(req_header(req, MHD_HTTP_HEADER_IF_NONE_MATCH), etag)) {
        req->status = 304;
        buf_reset(&req->out);
    }
}

/* Turns the finished response state into a queued libmicrohttpd response. */
static enum MHD_Result
req_finish(struct http_server *s, struct req *req)
{
    struct MHD_Response *response;
    enum MHD_Result ret;
    size_t len, i;
    char *data;

    req->stage = STAGE_DONE;
    if (!req->responded) {
        struct err err = {0};

        err_internal(&err, "request finished without a response");
        resp_problem(req, &err);
    }
    apply_etag(req);
    if (s->hooks.after)
        s->hooks.after(req);
    data = buf_take(&req->out, &len);
    req->bytes_sent = len;
    response = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(response, "X-Request-Id", req->request_id);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    if (!resp_header_get(req, MHD_HTTP_HEADER_CACHE_CONTROL))
        MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    for (i = 0; i < req->n_headers; i++)
        MHD_add_response_header(response, req->headers[i].name, req->headers[i].value);
    if (req->close)
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
    ret = MHD_queue_response(req->conn, (unsigned)req->status, response);
    MHD_destroy_response(response);
    if (ret != MHD_YES)
        log_msg(LOG_WARN, "http: could not queue a %d response for %s", req->status,
                req->request_id);
    return ret;
}

/* A client that waits for 100 Continue has not sent its body: answer at once and it never
 * will. A body announced larger than we are willing to drain is answered at once too. */
static bool
refuse_body_now(struct req *req)
{
    const char *expect = req_header(req, MHD_HTTP_HEADER_EXPECT);

    if (expect && strcasestr(expect, "100-continue"))
        return true;
    return req->announced_len > 0 && (unsigned long long)req->announced_len > SERVER_DISCARD_MAX;
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct req *req = *con_cls;

    if (!req) {
        /* The URI-log callback always runs first; this is only a safety net. */
        req = on_uri(s, url, conn);
        *con_cls = req;
    }
    switch (req->stage) {
    case STAGE_NEW:
        req->stage = STAGE_BODY;
        /* The headers are complete: their deadline no longer applies. */
        if (!watch_enter(s, req->watch, WATCH_BUSY))
            return MHD_NO;
        req_begin(s, req, method, version);
        /* Answer on a later call (bodyless requests too) so keep-alive stays on, except when
         * refusing a body the client has not sent yet or that is too large to drain. */
        if (req->responded && (req->refuse_now || (req->body_announced && refuse_body_now(req)))) {
            if (req->body_announced && req->watch) {
                pthread_mutex_lock(&s->watch_lock);
                ((struct conn_watch *)req->watch)->linger = true;
                pthread_mutex_unlock(&s->watch_lock);
            }
            return req_finish(s, req);
        }
        if (req->body_announced && !watch_enter(s, req->watch, WATCH_BODY))
            return MHD_NO;
        return MHD_YES;
    case STAGE_BODY:
        if (*upload_data_size) {
            size_t n = *upload_data_size;

            *upload_data_size = 0;
            if (!watch_body_bytes(s, req->watch, n))
                return MHD_NO;
            if (req->responded) {
                req->discarded += n;
                return req->discarded > SERVER_DISCARD_MAX ? MHD_NO : MHD_YES;
            }
            if (buf_append(&req->body, upload_data, n)) {
                char detail[128];

                snprintf(detail, sizeof(detail), "The request body exceeds the limit of %zu bytes.",
                         req->body_limit);
                answer_problem(req, ERR_PAYLOAD_TOO_LARGE, detail);
                req->discarded = n;
            }
            return MHD_YES;
        }
        if (!watch_enter(s, req->watch, WATCH_BUSY))
            return MHD_NO;
        if (!req->responded)
            req_run(s, req);
        return req_finish(s, req);
    default:
        return MHD_NO;
    }
}

static const char *
termination_name(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
        return NULL;
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        return "shutdown";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return "client_abort";
    case MHD_REQUEST_TERMINATED_READ_ERROR:
        return "read_error";
    default:
        return "error";
    }
}

/* One access-log line per request, then the request and its arena are gone. */
static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct req *req = *con_cls;
    struct log_line line;
    const char *terminated = termination_name(toe);

    if (!req)
        return;
    *con_cls = NULL;
    {
        struct conn_watch *w = watch_of(conn);

        /* The next request on a kept-alive connection gets the whole header deadline again,
         * counted from now. */
        if (w) {
            pthread_mutex_lock(&s->watch_lock);
            if (w->phase == WATCH_CUT) {
                terminated = "request_timeout";
                if (req->stage != STAGE_DONE) {
                    req->stage = STAGE_DONE;
                    req->status = 408;
                }
            } else {
                w->phase = WATCH_HEADERS;
                w->since_ns = clock_mono_ns();
                w->request_seen = false;
                w->kept_alive = true;
            }
            pthread_mutex_unlock(&s->watch_lock);
        }
    }
    log_begin(&line, LOG_INFO, "request");
    if (line.enabled) {
        int64_t elapsed_us = (clock_mono_ns() - req->start_ns) / 1000;

        jsonw_kstr(&line.w, "request_id", req->request_id);
        jsonw_kstr(&line.w, "method", req->method_text);
        jsonw_kstr(&line.w, "path", req->path);
        jsonw_kint(&line.w, "status", req->stage == STAGE_DONE ? req->status : 0);
        jsonw_kint(&line.w, "bytes", (long long)req->bytes_sent);
        jsonw_kdouble(&line.w, "duration_ms", (double)elapsed_us / 1000.0);
        jsonw_kstr(&line.w, "client", req->client_addr);
        if (req->log_actor)
            jsonw_kstr(&line.w, "actor", req->log_actor);
        if (terminated)
            jsonw_kstr(&line.w, "terminated", terminated);
    }
    log_end(&line);
    req_cleanup(req);
    free(req);
    atomic_fetch_sub(&s->inflight, 1);
}

/* The raw URI is what we route on (see on_uri), so libmicrohttpd's own decoding is skipped. */
static size_t
on_unescape(void *cls, struct MHD_Connection *conn, char *uri)
{
    (void)cls;
    (void)conn;
    return strlen(uri);
}

__attribute__((format(printf, 2, 0))) static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char text[512];
    size_t len;

    (void)cls;
    vsnprintf(text, sizeof(text), fmt, ap);
    len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    log_msg(LOG_WARN, "libmicrohttpd: %s", text);
}

/* ---------------------------------------------------------------------------------------- */
/* Public */

static int
resolve(const char *host, uint16_t port, struct sockaddr_storage *out, struct err *err)
{
    struct addrinfo hints = {0}, *res = NULL;
    int rc;

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || !res)
        return err_internal(err, "cannot resolve listen address %s: %s", host, gai_strerror(rc));
    if (res->ai_addrlen > sizeof(*out)) {
        freeaddrinfo(res);
        return err_internal(err, "listen address %s is too long", host);
    }
    memset(out, 0, sizeof(*out));
    memcpy(out, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    if (out->ss_family == AF_INET)
        ((struct sockaddr_in *)(void *)out)->sin_port = htons(port);
    else if (out->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)(void *)out)->sin6_port = htons(port);
    else
        return err_internal(err, "listen address %s is neither IPv4 nor IPv6", host);
    return 0;
}

static void
server_free(struct http_server *s)
{
    size_t i;

    for (i = 0; i < s->n_lingering; i++)
        close(s->lingering[i].fd);
    pthread_cond_destroy(&s->watch_wake);
    pthread_mutex_destroy(&s->watch_lock);
    router_free(s->router);
    free(s);
}

struct http_server *
http_server_start(const struct http_server_config *cfg, struct err *err)
{
    const char *host = cfg->host ? cfg->host : "127.0.0.1";
    struct sockaddr_storage addr = {0};
    struct http_server *s;
    const union MHD_DaemonInfo *info;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    unsigned threads = cfg->threads;
    unsigned timeout_s = cfg->timeout_s ? cfg->timeout_s : SERVER_TIMEOUT_DEFAULT_S;
    unsigned conn_limit = cfg->conn_limit ? cfg->conn_limit : SERVER_CONN_LIMIT_DEFAULT;
    unsigned per_ip = cfg->per_ip_limit ? cfg->per_ip_limit : HTTP_PER_IP_LIMIT_DEFAULT;
    pthread_condattr_t cond_attr;
    long cores;

    if (resolve(host, cfg->port, &addr, err))
        return NULL;
    s = xcalloc(1, sizeof(*s));
    s->router = router_new(cfg->routes, cfg->n_routes, err);
    if (!s->router) {
        free(s);
        return NULL;
    }
    s->hooks = cfg->hooks;
    s->app = cfg->app;
    s->body_max = cfg->body_max ? cfg->body_max : HTTP_BODY_MAX_DEFAULT;
    s->resp_max = cfg->resp_max ? cfg->resp_max : HTTP_RESP_MAX_DEFAULT;
    atomic_init(&s->draining, false);
    atomic_init(&s->inflight, 0);
    s->header_timeout_ns = (int64_t)(cfg->header_timeout_ms ? cfg->header_timeout_ms
                                                            : SERVER_HEADER_TIMEOUT_DEFAULT_MS) *
                           1000000;
    s->body_min_rate = cfg->body_min_rate ? cfg->body_min_rate : SERVER_BODY_MIN_RATE_DEFAULT;
    pthread_mutex_init(&s->watch_lock, NULL);
    pthread_condattr_init(&cond_attr);
    pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->watch_wake, &cond_attr);
    pthread_condattr_destroy(&cond_attr);
    if (threads == 0) {
        cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (unsigned)cores : 2;
    }
    /* A pool of one is no pool, and epoll without a pool stalls at >= 128 connections. */
    if (threads < 2)
        threads = 2;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* clang-format off */
    s->daemon = MHD_start_daemon(
        flags, cfg->port, NULL, NULL, on_access, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, /* first, to catch option errors */
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, conn_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, SERVER_POOL_SIZE,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_UNESCAPE_CALLBACK, on_unescape, NULL,
        MHD_OPTION_END);
    /* clang-format on */
    if (!s->daemon) {
        err_internal(err, "cannot listen on %s:%u: %s", host, (unsigned)cfg->port, strerror(errno));
        server_free(s);
        return NULL;
    }
    if (pthread_create(&s->watchdog, NULL, watchdog_main, s) != 0) {
        err_internal(err, "cannot start the slow-client watchdog");
        MHD_stop_daemon(s->daemon);
        server_free(s);
        return NULL;
    }
    s->watchdog_started = true;
    info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    return s;
}

uint16_t
http_server_port(const struct http_server *s)
{
    return s->port;
}

void
http_server_drain(struct http_server *s, int timeout_ms)
{
    int64_t deadline;
    struct timespec pause = {0, 5000000L}; /* 5 ms */

    if (!s)
        return;
    atomic_store(&s->draining, true);
    deadline = clock_mono_ns() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
    while (atomic_load(&s->inflight) > 0 && clock_mono_ns() < deadline)
        nanosleep(&pause, NULL);
}

void
http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    if (s->watchdog_started) {
        pthread_mutex_lock(&s->watch_lock);
        s->watch_stop = true;
        pthread_cond_signal(&s->watch_wake);
        pthread_mutex_unlock(&s->watch_lock);
        pthread_join(s->watchdog, NULL);
    }
    MHD_stop_daemon(s->daemon);
    server_free(s);
}
