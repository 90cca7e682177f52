/* SPDX-License-Identifier: MIT */
/* Live tests of http/server.c: a real server on 127.0.0.1, an ephemeral port, a small route
 * table and real hooks, spoken to with libcurl. Each test states one behaviour the api layer
 * relies on: limits, media types, routing errors, request ids, keep-alive, ETag, drain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "http/http.h"

/* ---------------------------------------------------------------------------------------- */
/* The application under test */

static atomic_int before_calls;
static atomic_int slow_started;
static atomic_int slow_finished;
static atomic_int after_calls;

static int
h_item_get(struct req *req, struct err *err)
{
    struct jsonw w;
    const char *id = req_param(req, "id");

    if (strcmp(id, "missing") == 0)
        return err_set(err, NOT_FOUND, "No item %s.", id);
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "id", id);
    jsonw_kstr(&w, "q", req_query(req, "q"));
    jsonw_obj_close(&w);
    resp_enable_etag(req);
    return resp_json(req, 200);
}

static int
h_item_create(struct req *req, struct err *err)
{
    json_t *body = req_json_body(req, err);
    char *text;

    if (!body)
        return -1;
    text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    buf_puts(resp_body(req), text);
    free(text);
    resp_location(req, "/items/%s", "new");
    return resp_json(req, 201);
}

static int
h_item_delete(struct req *req, struct err *err)
{
    (void)err;
    return resp_empty(req, 204);
}

static int
h_fail(struct req *req, struct err *err)
{
    (void)req;
    return err_internal(err, "secret database cause");
}

static int
h_slow(struct req *req, struct err *err)
{
    struct timespec pause = {0, 300 * 1000 * 1000};

    (void)err;
    atomic_store(&slow_started, 1);
    nanosleep(&pause, NULL);
    atomic_store(&slow_finished, 1);
    buf_puts(resp_body(req), "{\"slow\":true}");
    return resp_json(req, 200);
}

static int
h_form(struct req *req, struct err *err)
{
    size_t len;
    const char *body = req_body(req, &len);

    (void)err;
    buf_append(resp_body(req), body, len);
    return resp_send(req, 200, "text/plain");
}

static int
h_actor(struct req *req, struct err *err)
{
    (void)err;
    req->log_actor = "usr_tester";
    return resp_empty(req, 204);
}

static const struct route test_routes[] = {
    {HTTP_GET, "/items/{id}", h_item_get, 0, HTTP_BODY_NONE, 0},
    {HTTP_DELETE, "/items/{id}", h_item_delete, 0, HTTP_BODY_NONE, 0},
    {HTTP_POST, "/items", h_item_create, 0, 1024, 0},
    {HTTP_GET, "/fail", h_fail, 0, HTTP_BODY_NONE, 0},
    {HTTP_GET, "/slow", h_slow, 0, HTTP_BODY_NONE, 0},
    {HTTP_POST, "/form", h_form, 0, HTTP_BODY_DEFAULT, HTTP_ROUTE_ANY_MEDIA_TYPE},
    {HTTP_GET, "/actor", h_actor, 0, HTTP_BODY_NONE, 0},
};

static int
hook_before(struct req *req, struct err *err)
{
    const char *deny = req_header(req, "X-Deny");
    const char *replay = req_header(req, "X-Replay");

    atomic_fetch_add(&before_calls, 1);
    if (deny)
        return err_set(err, UNAUTHORIZED, "Denied by the test hook.");
    if (replay) {
        buf_puts(resp_body(req), "{\"replayed\":true}");
        resp_json(req, 200);
        return 1;
    }
    return 0;
}

static void
hook_after(struct req *req)
{
    char status[16];

    atomic_fetch_add(&after_calls, 1);
    snprintf(status, sizeof(status), "%d", resp_status(req));
    resp_header(req, "X-After-Status", status);
}

static struct http_server *
start_server(void)
{
    struct http_server_config cfg = {0};
    struct err err = {0};
    struct http_server *s;

    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.threads = 2;
    cfg.routes = test_routes;
    cfg.n_routes = sizeof(test_routes) / sizeof(test_routes[0]);
    cfg.hooks.before = hook_before;
    cfg.hooks.after = hook_after;
    cfg.per_ip_limit = 1000; /* every test client is 127.0.0.1; the cap is tested black-box */
    s = http_server_start(&cfg, &err);
    if (!s)
        fail_msg("server did not start: %s / %s", err.detail, err.cause);
    assert_true(http_server_port(s) > 0);
    return s;
}

/* ---------------------------------------------------------------------------------------- */
/* A small libcurl client */

struct reply {
    long status;
    long connects;
    struct buf body;
    struct buf headers;
};

struct upload {
    size_t left;
};

static size_t
collect(char *data, size_t size, size_t n, void *userdata)
{
    buf_append(userdata, data, size * n);
    return size * n;
}

static size_t
produce(char *out, size_t size, size_t n, void *userdata)
{
    struct upload *up = userdata;
    size_t len = size * n;

    if (len > 1000)
        len = 1000;
    if (len > up->left)
        len = up->left;
    memset(out, 'x', len);
    up->left -= len;
    return len;
}

static void
reply_init(struct reply *r)
{
    memset(r, 0, sizeof(*r));
    buf_init(&r->body, 1 << 22);
    buf_init(&r->headers, 1 << 16);
}

static void
reply_cleanup(struct reply *r)
{
    buf_cleanup(&r->body);
    buf_cleanup(&r->headers);
}

/* Value of a response header (first match, case-insensitive name) into out; false if absent. */
static bool
reply_header(const struct reply *r, const char *name, char *out, size_t size)
{
    const char *p = buf_str(&r->headers);
    size_t name_len = strlen(name);

    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t line_len = eol ? (size_t)(eol - p) : strlen(p);

        if (line_len > name_len && strncasecmp(p, name, name_len) == 0 && p[name_len] == ':') {
            const char *v = p + name_len + 1;
            size_t vlen;

            while (*v == ' ')
                v++;
            vlen = (size_t)(p + line_len - v);
            if (vlen >= size)
                vlen = size - 1;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return true;
        }
        p = eol ? eol + 2 : NULL;
    }
    return false;
}

/* Set to keep options set before request() (CURLOPT_REQUEST_TARGET). */
static bool request_keep_target;

/* body_len < 0: no body; chunked: body_len bytes of 'x' streamed with unknown length. */
static void
request(CURL *c, uint16_t port, const char *method, const char *path, const char *const *headers,
        const char *body, long body_len, bool chunked, struct reply *r)
{
    char url[512];
    struct curl_slist *list = NULL;
    struct upload up = {0};
    CURLcode rc;
    size_t i;

    reply_init(r);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)port, path);
    if (!request_keep_target)
        curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
    for (i = 0; headers && headers[i]; i++)
        list = curl_slist_append(list, headers[i]);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (chunked) {
        up.left = (size_t)body_len;
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, produce);
        curl_easy_setopt(c, CURLOPT_READDATA, &up);
        list = curl_slist_append(list, "Transfer-Encoding: chunked");
    } else if (body_len >= 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, body_len);
    }
    if (strcmp(method, "HEAD") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    rc = curl_easy_perform(c);
    curl_slist_free_all(list);
    if (rc != CURLE_OK)
        fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &r->connects);
}

/* Asserts a problem response with this status and code; returns the parsed body. */
static json_t *
assert_problem(const struct reply *r, long status, const char *code)
{
    char ctype[128];
    json_error_t jerr;
    json_t *p;

    assert_int_equal(r->status, status);
    assert_true(reply_header(r, "Content-Type", ctype, sizeof(ctype)));
    assert_string_equal(ctype, "application/problem+json");
    p = json_loads(buf_str(&r->body), 0, &jerr);
    if (!p)
        fail_msg("problem body is not JSON: %s", buf_str(&r->body));
    assert_string_equal(json_string_value(json_object_get(p, "code")), code);
    assert_int_equal(json_integer_value(json_object_get(p, "status")), status);
    assert_non_null(json_string_value(json_object_get(p, "request_id")));
    return p;
}

struct fixture {
    struct http_server *server;
    uint16_t port;
    CURL *curl;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    log_set_level(LOG_WARN); /* keep the access log out of the test output */
    f->server = start_server();
    f->port = http_server_port(f->server);
    f->curl = curl_easy_init();
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    curl_easy_cleanup(f->curl);
    http_server_stop(f->server);
    free(f);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Tests */

static void
get_routes_params_and_sets_server_headers(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    char v[256];

    request(f->curl, f->port, "GET", "/items/it%20em_1?q=a+b%21", NULL, NULL, -1, false, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(buf_str(&r.body), "{\"id\":\"it em_1\",\"q\":\"a b!\"}");
    assert_true(reply_header(&r, "Content-Type", v, sizeof(v)));
    assert_string_equal(v, "application/json; charset=utf-8");
    assert_true(reply_header(&r, "X-Content-Type-Options", v, sizeof(v)));
    assert_string_equal(v, "nosniff");
    assert_true(reply_header(&r, "Cache-Control", v, sizeof(v)));
    assert_string_equal(v, "no-store");
    assert_true(reply_header(&r, "X-Request-Id", v, sizeof(v)));
    assert_true(strncmp(v, "req_", 4) == 0 && strlen(v) == 24);
    assert_true(reply_header(&r, "X-After-Status", v, sizeof(v)));
    assert_string_equal(v, "200");
    reply_cleanup(&r);
}

static void
request_id_is_echoed_when_sane_and_generated_otherwise(void **state)
{
    struct fixture *f = *state;
    const char *sane[] = {"X-Request-Id: abc.DEF_1:2-3", NULL};
    const char *insane[] = {"X-Request-Id: bad id!", NULL};
    struct reply r;
    char v[256];

    request(f->curl, f->port, "GET", "/items/a", sane, NULL, -1, false, &r);
    assert_true(reply_header(&r, "X-Request-Id", v, sizeof(v)));
    assert_string_equal(v, "abc.DEF_1:2-3");
    reply_cleanup(&r);
    request(f->curl, f->port, "GET", "/items/a", insane, NULL, -1, false, &r);
    assert_true(reply_header(&r, "X-Request-Id", v, sizeof(v)));
    assert_true(strncmp(v, "req_", 4) == 0);
    reply_cleanup(&r);
    /* Generated ids differ from one request to the next. */
    {
        char again[256];

        request(f->curl, f->port, "GET", "/items/a", NULL, NULL, -1, false, &r);
        assert_true(reply_header(&r, "X-Request-Id", again, sizeof(again)));
        assert_string_not_equal(v, again);
        assert_int_equal(strspn(again + 4, "0123456789abcdef"), 20);
        reply_cleanup(&r);
    }
    /* Also on a problem the server produced itself, and in its body. */
    request(f->curl, f->port, "GET", "/nowhere", sane, NULL, -1, false, &r);
    json_t *p = assert_problem(&r, 404, "NOT_FOUND");
    assert_string_equal(json_string_value(json_object_get(p, "request_id")), "abc.DEF_1:2-3");
    assert_string_equal(json_string_value(json_object_get(p, "instance")), "/nowhere");
    json_decref(p);
    reply_cleanup(&r);
}

static void
unknown_path_is_404_and_wrong_method_is_405_with_allow(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    char v[256];

    request(f->curl, f->port, "GET", "/items", NULL, NULL, -1, false, &r);
    json_decref(assert_problem(&r, 405, "METHOD_NOT_ALLOWED"));
    assert_true(reply_header(&r, "Allow", v, sizeof(v)));
    assert_string_equal(v, "POST, OPTIONS");
    reply_cleanup(&r);

    request(f->curl, f->port, "PUT", "/items/x", NULL, "{}", 2, false, &r);
    json_decref(assert_problem(&r, 405, "METHOD_NOT_ALLOWED"));
    assert_true(reply_header(&r, "Allow", v, sizeof(v)));
    assert_string_equal(v, "GET, HEAD, DELETE, OPTIONS");
    reply_cleanup(&r);

    request(f->curl, f->port, "OPTIONS", "/items/x", NULL, NULL, -1, false, &r);
    assert_int_equal(r.status, 204);
    assert_true(reply_header(&r, "Allow", v, sizeof(v)));
    assert_string_equal(v, "GET, HEAD, DELETE, OPTIONS");
    reply_cleanup(&r);

    /* A method http does not know is a 405 on a known path. */
    request(f->curl, f->port, "TRACE", "/items/x", NULL, NULL, -1, false, &r);
    json_decref(assert_problem(&r, 405, "METHOD_NOT_ALLOWED"));
    assert_true(reply_header(&r, "Allow", v, sizeof(v)));
    assert_string_equal(v, "GET, HEAD, DELETE, OPTIONS");
    reply_cleanup(&r);

    request(f->curl, f->port, "GET", "/items/a/b", NULL, NULL, -1, false, &r);
    json_decref(assert_problem(&r, 404, "NOT_FOUND"));
    reply_cleanup(&r);

    /* Weird paths: unmatched, never a crash. */
    request(f->curl, f->port, "GET", "/items/%00", NULL, NULL, -1, false, &r);
    json_decref(assert_problem(&r, 404, "NOT_FOUND"));
    reply_cleanup(&r);
    request(f->curl, f->port, "GET", "/items/%zz", NULL, NULL, -1, false, &r);
    json_decref(assert_problem(&r, 404, "NOT_FOUND"));
    reply_cleanup(&r);
    request(f->curl, f->port, "GET", "/items/..", NULL, NULL, -1, false, &r);
    assert_int_equal(r.status, 200); /* ".." is just an id the handler's check rejects */
    reply_cleanup(&r);

    /* The absolute form routes on its path. */
    request(f->curl, f->port, "GET", "/items/abs", NULL, NULL, -1, false, &r);
    reply_cleanup(&r);
    {
        char url[128];

        snprintf(url, sizeof(url), "http://127.0.0.1:%u/items/abs?q=1", (unsigned)f->port);
        curl_easy_setopt(f->curl, CURLOPT_REQUEST_TARGET, url);
        request_keep_target = true;
        request(f->curl, f->port, "GET", "/ignored", NULL, NULL, -1, false, &r);
        request_keep_target = false;
        assert_int_equal(r.status, 200);
        assert_string_equal(buf_str(&r.body), "{\"id\":\"abs\",\"q\":\"1\"}");
        reply_cleanup(&r);
    }

    /* Trailing slash tolerated. */
    request(f->curl, f->port, "DELETE", "/items/x/", NULL, NULL, -1, false, &r);
    assert_int_equal(r.status, 204);
    reply_cleanup(&r);
}

static void
head_answers_like_get_without_a_body(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    char v[64];

    request(f->curl, f->port, "HEAD", "/items/abc", NULL, NULL, -1, false, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 0);
    assert_true(reply_header(&r, "Content-Length", v, sizeof(v)));
    assert_string_equal(v, "21"); /* {"id":"abc","q":null} */
    reply_cleanup(&r);
}

static void
body_over_limit_is_413_from_content_length(void **state)
{
    struct fixture *f = *state;
    const char *json[] = {"Content-Type: application/json", "Expect:", NULL};
    char big[2000];
    struct reply r;
    int calls;

    memset(big, ' ', sizeof(big));
    big[0] = '{';
    big[sizeof(big) - 1] = '}';
    calls = atomic_load(&before_calls);
    /* Sent whole, without waiting for 100 Continue: the lingering close keeps the unread bytes
     * from resetting the connection before curl reads the answer. */
    request(f->curl, f->port, "POST", "/items", json, big, (long)sizeof(big), false, &r);
    json_decref(assert_problem(&r, 413, "PAYLOAD_TOO_LARGE"));
    /* Decided before the hooks and the body. */
    assert_int_equal(atomic_load(&before_calls), calls);
    reply_cleanup(&r);

    /* At the limit it is fine. */
    request(f->curl, f->port, "POST", "/items", json, big, 1024, false, &r);
    assert_int_equal(r.status, 400); /* the 1024 bytes are "{   ..." without the brace */
    assert_int_equal(r.connects, 1); /* the 413 closed the connection (issue 14, item 8) */
    reply_cleanup(&r);

    /* A large body is refused without being read, with and without Expect: 100-continue. */
    {
        const char *expect[] = {"Content-Type: application/json", "Expect: 100-continue", NULL};
        size_t huge_len = (size_t)6 << 20;
        char *huge = calloc(1, huge_len);

        memset(huge, ' ', huge_len);
        for (int k = 0; k < 3; k++) {
            request(f->curl, f->port, "POST", "/items", json, huge, (long)huge_len, false, &r);
            json_decref(assert_problem(&r, 413, "PAYLOAD_TOO_LARGE"));
            reply_cleanup(&r);
            request(f->curl, f->port, "POST", "/items", expect, huge, (long)huge_len, false, &r);
            json_decref(assert_problem(&r, 413, "PAYLOAD_TOO_LARGE"));
            reply_cleanup(&r);
            /* Early answers that are not about the body refuse it the same way. */
            request(f->curl, f->port, "POST", "/nowhere", expect, huge, (long)huge_len, false, &r);
            json_decref(assert_problem(&r, 404, "NOT_FOUND"));
            reply_cleanup(&r);
            request(f->curl, f->port, "PUT", "/items/x", json, huge, (long)huge_len, false, &r);
            json_decref(assert_problem(&r, 405, "METHOD_NOT_ALLOWED"));
            reply_cleanup(&r);
        }
        free(huge);
    }

    /* A body where none is accepted. */
    request(f->curl, f->port, "DELETE", "/items/x", json, "{}", 2, false, &r);
    json_decref(assert_problem(&r, 413, "PAYLOAD_TOO_LARGE"));
    reply_cleanup(&r);
}

/* A client that sends the whole body of a request the server refuses at once (Content-Length
 * over the route's limit, no Expect) must still read the 413. Closing a socket with unread
 * bytes makes the kernel answer with a reset, and a reset makes the client's kernel drop the
 * 413 it holds unread; so the server keeps the socket open after the answer and drains it
 * (a lingering close) until the client closes. This client writes everything before it reads,
 * which is what loses the answer without the linger. */
static void
refused_body_sent_anyway_still_gets_its_413(void **state)
{
    struct fixture *f = *state;
    const size_t body_len = (size_t)6 << 20;
    struct sockaddr_in addr = {0};
    char head[256], reply[4096];
    char *body = malloc(body_len);
    size_t sent = 0, got = 0;
    ssize_t n;
    int fd, head_len;

    assert_non_null(body);
    memset(body, ' ', body_len);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(f->port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    head_len = snprintf(head, sizeof(head),
                        "POST /items HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                        body_len);
    assert_int_equal(send(fd, head, (size_t)head_len, MSG_NOSIGNAL), head_len);
    while (sent < body_len) {
        n = send(fd, body + sent, body_len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            fail_msg("the server reset the connection after %zu body bytes: %s", sent,
                     strerror(errno));
        sent += (size_t)n;
    }
    while (got < sizeof(reply) - 1 && (n = recv(fd, reply + got, sizeof(reply) - 1 - got, 0)) > 0)
        got += (size_t)n;
    if (n < 0)
        fail_msg("reading the answer: %s", strerror(errno));
    reply[got] = '\0';
    assert_true(strncmp(reply, "HTTP/1.1 413 ", 13) == 0);
    assert_non_null(strstr(reply, "PAYLOAD_TOO_LARGE"));
    close(fd);
    free(body);
}

static void
chunked_body_over_limit_is_413_while_streaming(void **state)
{
    struct fixture *f = *state;
    const char *json[] = {"Content-Type: application/json", NULL};
    struct reply r;

    request(f->curl, f->port, "POST", "/items", json, NULL, 50000, true, &r);
    json_decref(assert_problem(&r, 413, "PAYLOAD_TOO_LARGE"));
    reply_cleanup(&r);
    /* A chunked body within the limit reaches the handler. */
    request(f->curl, f->port, "POST", "/form", json, NULL, 3000, true, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 3000);
    reply_cleanup(&r);
}

static void
wrong_media_type_is_415_unless_the_route_opts_out(void **state)
{
    struct fixture *f = *state;
    const char *text[] = {"Content-Type: text/plain", NULL};
    const char *charset[] = {"Content-Type: Application/JSON; charset=utf-8", NULL};
    const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    struct reply r;

    request(f->curl, f->port, "POST", "/items", text, "{}", 2, false, &r);
    json_decref(assert_problem(&r, 415, "UNSUPPORTED_MEDIA_TYPE"));
    reply_cleanup(&r);
    request(f->curl, f->port, "POST", "/items", charset, "{\"a\":1}", 7, false, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(buf_str(&r.body), "{\"a\":1}");
    reply_cleanup(&r);
    request(f->curl, f->port, "POST", "/form", form, "a=b", 3, false, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(buf_str(&r.body), "a=b");
    reply_cleanup(&r);
}

static void
bad_json_and_bad_query_are_400(void **state)
{
    struct fixture *f = *state;
    const char *json[] = {"Content-Type: application/json", NULL};
    struct reply r;
    json_t *p;

    request(f->curl, f->port, "POST", "/items", json, "{\"a\":1,\"a\":2}", 13, false, &r);
    p = assert_problem(&r, 400, "VALIDATION_ERROR");
    assert_non_null(strstr(json_string_value(json_object_get(p, "detail")), "duplicate"));
    json_decref(p);
    reply_cleanup(&r);
    request(f->curl, f->port, "POST", "/items", json, "[1]", 3, false, &r);
    json_decref(assert_problem(&r, 400, "VALIDATION_ERROR"));
    reply_cleanup(&r);
    request(f->curl, f->port, "GET", "/items/a?q=%zz", NULL, NULL, -1, false, &r);
    p = assert_problem(&r, 400, "VALIDATION_ERROR");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(p, "errors"), 0), "field")),
                        "q");
    json_decref(p);
    reply_cleanup(&r);
}

static void
internal_error_hides_its_cause(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    json_t *p;

    request(f->curl, f->port, "GET", "/fail", NULL, NULL, -1, false, &r);
    p = assert_problem(&r, 500, "INTERNAL");
    assert_null(strstr(buf_str(&r.body), "secret"));
    assert_string_equal(json_string_value(json_object_get(p, "type")),
                        "https://vigil.dev/problems/internal");
    json_decref(p);
    reply_cleanup(&r);
}

static void
before_hook_can_refuse_or_answer(void **state)
{
    struct fixture *f = *state;
    const char *deny[] = {"X-Deny: 1", NULL};
    const char *deny_body[] = {"X-Deny: 1", "Content-Type: application/json", NULL};
    const char *replay[] = {"X-Replay: 1", NULL};
    struct reply r;

    request(f->curl, f->port, "GET", "/items/a", deny, NULL, -1, false, &r);
    json_decref(assert_problem(&r, 401, "UNAUTHORIZED"));
    reply_cleanup(&r);
    request(f->curl, f->port, "POST", "/items", deny_body, "{}", 2, false, &r);
    json_decref(assert_problem(&r, 401, "UNAUTHORIZED"));
    reply_cleanup(&r);
    request(f->curl, f->port, "GET", "/items/a", replay, NULL, -1, false, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(buf_str(&r.body), "{\"replayed\":true}");
    reply_cleanup(&r);
}

static void
keep_alive_reuses_the_connection(void **state)
{
    struct fixture *f = *state;
    const char *json[] = {"Content-Type: application/json", NULL};
    struct reply r;

    request(f->curl, f->port, "GET", "/items/a", NULL, NULL, -1, false, &r);
    assert_int_equal(r.status, 200);
    reply_cleanup(&r);
    request(f->curl, f->port, "GET", "/items/b", NULL, NULL, -1, false, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.connects, 0);
    reply_cleanup(&r);
    request(f->curl, f->port, "POST", "/items", json, "{}", 2, false, &r);
    assert_int_equal(r.status, 201);
    assert_int_equal(r.connects, 0);
    reply_cleanup(&r);
    /* Error answers on bodyless requests keep the connection too. */
    request(f->curl, f->port, "GET", "/nowhere", NULL, NULL, -1, false, &r);
    assert_int_equal(r.status, 404);
    assert_int_equal(r.connects, 0);
    reply_cleanup(&r);
    request(f->curl, f->port, "GET", "/items/c", NULL, NULL, -1, false, &r);
    assert_int_equal(r.connects, 0);
    reply_cleanup(&r);
}

static void
etag_gives_304_when_if_none_match_matches(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    char etag[64], header[128];
    const char *cond[] = {header, NULL};

    request(f->curl, f->port, "GET", "/items/tagged", NULL, NULL, -1, false, &r);
    assert_int_equal(r.status, 200);
    assert_true(reply_header(&r, "ETag", etag, sizeof(etag)));
    assert_true(strncmp(etag, "W/\"", 3) == 0);
    reply_cleanup(&r);

    snprintf(header, sizeof(header), "If-None-Match: \"other\", %s", etag);
    request(f->curl, f->port, "GET", "/items/tagged", cond, NULL, -1, false, &r);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body.len, 0);
    reply_cleanup(&r);

    request(f->curl, f->port, "GET", "/items/changed", cond, NULL, -1, false, &r);
    assert_int_equal(r.status, 200);
    reply_cleanup(&r);
}

struct bg_request {
    uint16_t port;
    long status;
};

static void *
bg_slow(void *arg)
{
    struct bg_request *bg = arg;
    CURL *c = curl_easy_init();
    struct reply r;

    request(c, bg->port, "GET", "/slow", NULL, NULL, -1, false, &r);
    bg->status = r.status;
    reply_cleanup(&r);
    curl_easy_cleanup(c);
    return NULL;
}

static void
drain_finishes_inflight_and_answers_503(void **state)
{
    struct fixture *f = *state;
    struct bg_request bg = {f->port, 0};
    struct timespec pause = {0, 5 * 1000 * 1000};
    pthread_t thread;
    struct reply r;
    char v[64];
    int i;

    /* A kept-alive connection opened before the drain. */
    request(f->curl, f->port, "GET", "/items/a", NULL, NULL, -1, false, &r);
    assert_int_equal(r.status, 200);
    reply_cleanup(&r);

    atomic_store(&slow_started, 0);
    atomic_store(&slow_finished, 0);
    assert_int_equal(pthread_create(&thread, NULL, bg_slow, &bg), 0);
    /* Waits (up to 20 s, generous for a loaded machine) for the handler to start. */
    for (i = 0; i < 4000 && !atomic_load(&slow_started); i++)
        nanosleep(&pause, NULL);
    assert_true(atomic_load(&slow_started));
    http_server_drain(f->server, 5000);
    /* drain returned: the in-flight request is done. */
    assert_true(atomic_load(&slow_finished));
    pthread_join(thread, NULL);
    assert_int_equal(bg.status, 200);

    request(f->curl, f->port, "GET", "/items/a", NULL, NULL, -1, false, &r);
    assert_int_equal(r.connects, 0); /* same kept-alive connection */
    json_decref(assert_problem(&r, 503, "SERVICE_UNAVAILABLE"));
    assert_true(reply_header(&r, "Connection", v, sizeof(v)));
    assert_true(strcasecmp(v, "close") == 0);
    reply_cleanup(&r);
}

static void
access_log_has_one_line_per_request(void **state)
{
    struct fixture *f = *state;
    const char *id[] = {"X-Request-Id: log-test-1", NULL};
    struct reply r;
    int fds[2];
    char text[4096] = "";
    size_t len = 0;
    int i;
    json_t *line;

    assert_int_equal(pipe(fds), 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    log_set_fd(fds[1]);
    log_set_level(LOG_INFO);
    request(f->curl, f->port, "GET", "/actor?secret=1", id, NULL, -1, false, &r);
    assert_int_equal(r.status, 204);
    reply_cleanup(&r);
    /* The line is written when the request completes, just after the client has its answer:
     * waited for (up to 20 s, generous for a loaded machine), never assumed. */
    for (i = 0; i < 4000 && !memchr(text, '\n', len); i++) {
        ssize_t n = read(fds[0], text + len, sizeof(text) - 1 - len);
        struct timespec pause = {0, 5 * 1000 * 1000};

        if (n > 0)
            len += (size_t)n;
        else
            nanosleep(&pause, NULL);
    }
    log_set_level(LOG_WARN);
    log_set_fd(2);
    close(fds[0]);
    close(fds[1]);
    text[len] = '\0';
    line = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
    if (!line)
        fail_msg("no JSON access log line: %s", text);
    assert_string_equal(json_string_value(json_object_get(line, "request_id")), "log-test-1");
    assert_string_equal(json_string_value(json_object_get(line, "method")), "GET");
    assert_string_equal(json_string_value(json_object_get(line, "path")), "/actor");
    assert_int_equal(json_integer_value(json_object_get(line, "status")), 204);
    assert_string_equal(json_string_value(json_object_get(line, "client")), "127.0.0.1");
    assert_string_equal(json_string_value(json_object_get(line, "actor")), "usr_tester");
    assert_true(json_is_number(json_object_get(line, "duration_ms")));
    assert_true(json_is_integer(json_object_get(line, "bytes")));
    json_decref(line);
}

/* More connections at once than one epoll_wait batch (128): all must be served. */
static void
many_simultaneous_connections_are_served(void **state)
{
    enum { N = 200 };
    struct fixture *f = *state;
    CURLM *multi = curl_multi_init();
    CURL *handles[N];
    struct buf bodies[N];
    char url[128];
    int running = 1, i, ok = 0;
    CURLMsg *msg;
    int left;

    snprintf(url, sizeof(url), "http://127.0.0.1:%u/items/many", (unsigned)f->port);
    for (i = 0; i < N; i++) {
        buf_init(&bodies[i], 4096);
        handles[i] = curl_easy_init();
        curl_easy_setopt(handles[i], CURLOPT_URL, url);
        curl_easy_setopt(handles[i], CURLOPT_NOPROXY, "*");
        curl_easy_setopt(handles[i], CURLOPT_TIMEOUT, 20L);
        curl_easy_setopt(handles[i], CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(handles[i], CURLOPT_WRITEDATA, &bodies[i]);
        curl_multi_add_handle(multi, handles[i]);
    }
    while (running) {
        curl_multi_perform(multi, &running);
        if (running)
            curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    while ((msg = curl_multi_info_read(multi, &left))) {
        long status = 0;

        if (msg->msg != CURLMSG_DONE || msg->data.result != CURLE_OK)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        ok += status == 200;
    }
    for (i = 0; i < N; i++) {
        curl_multi_remove_handle(multi, handles[i]);
        curl_easy_cleanup(handles[i]);
        buf_cleanup(&bodies[i]);
    }
    curl_multi_cleanup(multi);
    assert_int_equal(ok, N);
}

static void
bad_route_table_fails_to_start(void **state)
{
    static const struct route dup[] = {
        {HTTP_GET, "/a/{id}", h_item_get, 0, 0, 0},
        {HTTP_GET, "/a/{other}", h_item_get, 0, 0, 0},
    };
    struct http_server_config cfg = {0};
    struct err err = {0};

    (void)state;
    cfg.routes = dup;
    cfg.n_routes = 2;
    assert_null(http_server_start(&cfg, &err));
    assert_int_equal(err.code, ERR_INTERNAL);
    http_server_stop(NULL);
}

/* A port in use is an error, never a silently shared (SO_REUSEPORT) listener. */
static void
busy_port_fails_to_start(void **state)
{
    struct http_server *first = start_server();
    struct http_server_config cfg = {0};
    struct err err = {0};

    (void)state;
    cfg.host = "127.0.0.1";
    cfg.port = http_server_port(first);
    cfg.routes = test_routes;
    cfg.n_routes = 1;
    assert_null(http_server_start(&cfg, &err));
    assert_int_equal(err.code, ERR_INTERNAL);
    http_server_stop(first);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(get_routes_params_and_sets_server_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(request_id_is_echoed_when_sane_and_generated_otherwise,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_path_is_404_and_wrong_method_is_405_with_allow,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(head_answers_like_get_without_a_body, setup, teardown),
        cmocka_unit_test_setup_teardown(body_over_limit_is_413_from_content_length, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(refused_body_sent_anyway_still_gets_its_413, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(chunked_body_over_limit_is_413_while_streaming, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(wrong_media_type_is_415_unless_the_route_opts_out, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bad_json_and_bad_query_are_400, setup, teardown),
        cmocka_unit_test_setup_teardown(internal_error_hides_its_cause, setup, teardown),
        cmocka_unit_test_setup_teardown(before_hook_can_refuse_or_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(keep_alive_reuses_the_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(etag_gives_304_when_if_none_match_matches, setup, teardown),
        cmocka_unit_test_setup_teardown(drain_finishes_inflight_and_answers_503, setup, teardown),
        cmocka_unit_test_setup_teardown(access_log_has_one_line_per_request, setup, teardown),
        cmocka_unit_test_setup_teardown(many_simultaneous_connections_are_served, setup, teardown),
        cmocka_unit_test(bad_route_table_fails_to_start),
        cmocka_unit_test(busy_port_fails_to_start),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
