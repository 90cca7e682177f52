/* SPDX-License-Identifier: MIT */
/* The HTTP layer: a libmicrohttpd server, one route table, request accessors and response
 * builders. It knows nothing of the domain: the api layer plugs in through `struct route`
 * (handler, opaque scope and flags, body limit) and `struct http_hooks` (auth, limits,
 * idempotency). Every response leaves with X-Request-Id, Content-Type,
 * X-Content-Type-Options: nosniff and (unless the handler chose one) Cache-Control: no-store;
 * every error leaves as RFC 9457 problem+json rendered from a `struct err`.
 *
 * Threads: each request is handled start to finish by one server thread, so a `struct req` and
 * its arena are never shared. Handlers and hooks run concurrently on different requests. */
#ifndef VIGIL_HTTP_H
#define VIGIL_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct arena;
struct http_server;
struct req;

enum http_method {
    HTTP_GET,
    HTTP_HEAD,
    HTTP_POST,
    HTTP_PUT,
    HTTP_PATCH,
    HTTP_DELETE,
    HTTP_OPTIONS,
    HTTP_METHOD_COUNT
};

/* "GET"...; "?" for a value out of range. */
const char *http_method_name(enum http_method method);

/* ---------------------------------------------------------------------------------------- */
/* Route table */

/* A handler answers through resp_* and returns 0, or returns -1 with `err` set, which the
 * server renders as a problem (after discarding anything the handler had written). Returning 0
 * without a response, or -1 without an error, is a bug and answers 500. */
typedef int (*http_handler_fn)(struct req *req, struct err *err);

/* body_limit values: no body accepted / the server's default cap (http_server_config.body_max).
 * Any other value is a byte cap for that route. A body over the cap, or any body on a
 * HTTP_BODY_NONE route, is answered 413 PAYLOAD_TOO_LARGE: from Content-Length before the body
 * is read, or as soon as a chunked body crosses the cap; never more than the cap is buffered. */
#define HTTP_BODY_NONE    ((size_t)0)
#define HTTP_BODY_DEFAULT ((size_t)-1)

/* Route flag bits 24..31 belong to http; the api layer may use bits 0..23 as it likes. */
#define HTTP_ROUTE_FLAGS_RESERVED 0xff000000u
/* Accept any request Content-Type on this route (e.g. the form-encoded OAuth token endpoint).
 * Without it, POST/PUT/PATCH bodies must be application/json (PATCH: also
 * application/merge-patch+json), parameters such as charset allowed; else 415. */
#define HTTP_ROUTE_ANY_MEDIA_TYPE 0x80000000u
/* The handler negotiates its representation itself (HTML pages, CSV exports, reports chosen by
 * ?format=), using req_accept_quality. Without it, a request for which req_accepts_json is
 * false is answered 406 NOT_ACCEPTABLE before the `before` hook runs. */
#define HTTP_ROUTE_NEGOTIATES 0x40000000u

struct route {
    enum http_method method; /* HEAD is served by the GET route unless a HEAD route exists */
    const char *pattern;     /* "/api/v1/findings/{id}": {name} matches one whole segment */
    http_handler_fn handler;
    uint32_t scope;    /* opaque to http: the api layer's required-scope mask */
    size_t body_limit; /* HTTP_BODY_NONE, HTTP_BODY_DEFAULT or a byte count */
    unsigned flags;    /* opaque to http except HTTP_ROUTE_FLAGS_RESERVED bits */
};

/* Routing rules (docs/internals/http.md has the long form):
 * - the path is split on '/'; each segment is percent-decoded before it is compared; a segment
 *   with a bad escape or an encoded NUL (%00) matches nothing;
 * - one trailing slash is tolerated ("/api/v1/scans/" is "/api/v1/scans"); empty segments
 *   ("//") are not;
 * - a literal segment wins over a {param} at the same position;
 * - unknown path: 404 NOT_FOUND; known path, other method: 405 METHOD_NOT_ALLOWED with Allow;
 *   OPTIONS on a known path without an OPTIONS route: 204 with Allow. */

/* Hooks. Each may be NULL. They run on the request's thread. */
struct http_hooks {
    /* After routing, before the body is read: auth, scope, rate limit. Returns 0 to go on,
     * 1 when it queued a response itself through resp_* (the handler is skipped), or -1 with
     * `err` set (answered as a problem). Not called when the server already answered
     * (503 draining, 404, 405, 400 malformed query, 413, 415, in that order). */
    int (*before)(struct req *req, struct err *err);
    /* After the whole body was read, just before the handler: checks that need the body, e.g.
     * an idempotency lookup keyed on a body hash. Same contract as `before`. */
    int (*before_handler)(struct req *req, struct err *err);
    /* Once per response, after it was built (status, body and content type readable through
     * resp_status/resp_data/resp_content_type), before it is sent: save an idempotent response,
     * add headers with resp_header. Runs for every request that gets an answer, including
     * those the server answered itself (404, 413, 503...): req->route is NULL when no route
     * matched, req_handler_ran() says whether the handler ran. */
    void (*after)(struct req *req);
};

struct http_server_config {
    const char *host;           /* numeric address or "localhost"; NULL = 127.0.0.1 */
    uint16_t port;              /* 0 = ephemeral; read back with http_server_port */
    unsigned threads;           /* 0 = number of cores; at least 2 are used (see docs) */
    size_t body_max;            /* default request body cap (HTTP_BODY_DEFAULT routes); 0 = 1 MiB */
    size_t resp_max;            /* cap of a response body buffer; 0 = 64 MiB */
    unsigned conn_limit;        /* simultaneous connections; 0 = 1000 */
    unsigned timeout_s;         /* idle connection timeout; 0 = 30 s */
    unsigned per_ip_limit;      /* simultaneous connections per client address; 0 = 64 */
    const struct route *routes; /* borrowed: must outlive the server */
    size_t n_routes;
    struct http_hooks hooks;
    void *app; /* copied into every req->app */

    /* Slow clients: the request headers must be complete this long after accept (or after the
     * previous response on a kept-alive connection), else 408 REQUEST_TIMEOUT and close; 0 =
     * 10000. A body gets the same allowance, then must average body_min_rate bytes a second
     * beyond it (0 = 1024), else 408 and close. */
    unsigned header_timeout_ms;
    size_t body_min_rate;
};

#define HTTP_BODY_MAX_DEFAULT     ((size_t)1 << 20)
#define HTTP_RESP_MAX_DEFAULT     ((size_t)64 << 20)
#define HTTP_PER_IP_LIMIT_DEFAULT 64

/* Starts listening and serving. Raises INTERNAL for a bad route table (duplicate method and
 * pattern, malformed pattern) or when the address cannot be bound. The caller owns the
 * result: http_server_stop frees it. */
struct http_server *http_server_start(const struct http_server_config *cfg, struct err *err);

/* The bound port (useful after port 0). */
uint16_t http_server_port(const struct http_server *s);

/* Stops taking new work: from now on every new request, also on kept-alive connections, is
 * answered 503 SERVICE_UNAVAILABLE with Connection: close. Returns once the requests already
 * in flight are done, or after timeout_ms. Safe to call from any thread, more than once. */
void http_server_drain(struct http_server *s, int timeout_ms);

/* Closes the listener and all connections, then frees. Accepts NULL. */
void http_server_stop(struct http_server *s);

/* ---------------------------------------------------------------------------------------- */
/* Requests */

#define HTTP_PARAMS_MAX     8
#define HTTP_QUERY_MAX      64 /* more query parameters is a 400 */
#define HTTP_REQUEST_ID_MAX 64 /* longest X-Request-Id echoed back */
#define HTTP_JSON_DEPTH_MAX 32 /* deepest nesting req_json_body accepts */

/* One decoded name/value pair (a path parameter or a query parameter), arena-owned. */
struct http_kv {
    const char *name;
    const char *value;
};

struct req_header_entry; /* private */

/* One request. Owner: the server; it lives from the request line to the request-completed
 * callback, and so does everything allocated from `arena`. Fields above the line are for the
 * api layer to read (and the three void * slots to fill); those below are private to http/. */
struct req {
    struct arena *arena;       /* everything a handler allocates; freed with the request */
    enum http_method method;   /* as sent (HEAD stays HEAD even when the GET route serves it) */
    const char *path;          /* as sent, without the query string; not decoded */
    const struct route *route; /* the matched route, NULL when none matched */
    char request_id[HTTP_REQUEST_ID_MAX + 1];
    char client_addr[64];  /* numeric peer address */
    void *app;             /* http_server_config.app */
    void *auth;            /* opaque slot: filled by the api's hooks */
    void *db;              /* opaque slot: filled by the api's hooks */
    int64_t start_ns;      /* clock_mono_ns() when the request line arrived */
    const char *log_actor; /* set by the api; added to the access log line */

    /* ---- private to http/ ---- */
    struct http_server *server;
    void *conn;  /* struct MHD_Connection * (NULL in unit tests) */
    void *watch; /* struct conn_watch * (server.c), NULL in unit tests */
    int stage;
    const char *method_text; /* as sent, for the access log */
    const char *raw_query;
    struct http_kv params[HTTP_PARAMS_MAX];
    size_t n_params;
    struct http_kv *query;
    size_t n_query;
    struct buf body;
    size_t body_limit;
    size_t discarded;
    long long announced_len; /* Content-Length, or -1 when unknown (chunked) */
    bool body_announced;
    bool handler_ran;
    json_t *json;
    /* response */
    bool responded;
    bool etag;
    bool close;
    bool refuse_now;   /* answer on the first access-handler call and close (bad framing) */
    bool uri_too_long; /* the request target passed the 8 KiB cap */
    int status;
    const char *content_type;
    struct buf out;
    struct req_header_entry *headers;
    size_t n_headers;
    size_t headers_cap;
    size_t bytes_sent;
};

/* Request header, case-insensitive name; NULL when absent. Borrowed for the request. */
const char *req_header(struct req *req, const char *name);

/* Content negotiation (RFC 9110 12.5.1): the weight, in thousandths, that the request's Accept
 * header gives the media type `type` ("text/csv"): that of the most specific range matching
 * it, 0 when none does. A request without Accept, or with no well-formed range in it, accepts
 * everything: 1000. specificity (out, may be NULL): 3 type/subtype, 2 type/ *, 1 * / *, 0 none
 * or no header, for choosing between types of equal weight. */
int req_accept_quality(struct req *req, const char *type, int *specificity);
/* req_accept_quality(req, type, NULL) > 0. */
bool req_accepts(struct req *req, const char *type);
/* True when a JSON answer is acceptable: application/json has a weight above 0, or
 * application/problem+json has one and is named (or application/ *), not only matched by
 * * / *. What routes without HTTP_ROUTE_NEGOTIATES require, else 406. */
bool req_accepts_json(struct req *req);

/* Path parameter {name}, percent-decoded; NULL when the route has none of that name. */
const char *req_param(struct req *req, const char *name);

/* First value of query parameter `name`, decoded ('+' is a space, %XX a byte); "" for
 * "?name" or "?name="; NULL when absent. A malformed query string never reaches a handler: the
 * server answers 400 VALIDATION_ERROR first (bad or truncated escape, encoded NUL, invalid
 * UTF-8, empty name, more than HTTP_QUERY_MAX parameters). */
const char *req_query(struct req *req, const char *name);
/* All query parameters in order (repeated names kept), so the api can reject unknown ones. */
size_t req_query_count(const struct req *req);
const struct http_kv *req_query_at(const struct req *req, size_t i); /* NULL past the end */
/* The query string as sent, without '?' ("" when there is none). */
const char *req_raw_query(const struct req *req);

/* The request body as received (NUL-terminated, len excludes the NUL); "" with len 0 when
 * there was none. Borrowed for the request. */
const char *req_body(struct req *req, size_t *len /* out, may be NULL */);

/* The body parsed as application/x-www-form-urlencoded, with the query string's decoder and
 * checks (a bad escape, an encoded NUL, invalid UTF-8 or an empty name is VALIDATION_ERROR;
 * at most HTTP_QUERY_MAX pairs). *out lives in the request's arena. */
int req_form(struct req *req, struct http_kv **out /* out */, size_t *n /* out */, struct err *err);

/* The body parsed as a JSON object. Owned by the arena (do not decref; json_incref to keep a
 * piece longer). Repeated calls return the same object. Raises VALIDATION_ERROR for an empty
 * body, invalid UTF-8, malformed JSON, a duplicate key, nesting deeper than
 * HTTP_JSON_DEPTH_MAX, or a top-level value that is not an object. */
json_t *req_json_body(struct req *req, struct err *err);

/* One part of a multipart/form-data body (RFC 7578). Strings are arena-owned; data points
 * into the request body (not NUL-terminated). */
struct http_part {
    const char *name;         /* the Content-Disposition name */
    const char *filename;     /* NULL when the part is not a file */
    const char *content_type; /* NULL when the part names none */
    const char *data;
    size_t len;
};

#define HTTP_PARTS_MAX 16 /* more parts is a VALIDATION_ERROR */

/* Splits a multipart/form-data body whose Content-Type header (with its boundary parameter)
 * is `content_type`. VALIDATION_ERROR for a missing or bad boundary, a part without a
 * form-data name, a missing closing delimiter or more than HTTP_PARTS_MAX parts. */
int http_multipart_parse(const char *content_type, const char *body, size_t len, struct arena *a,
                         struct http_part **parts /* out */, size_t *n /* out */, struct err *err);
/* The request's body split as above (Content-Type from the request). */
int req_multipart(struct req *req, struct http_part **parts /* out */, size_t *n /* out */,
                  struct err *err);

/* True once the route's handler was called (for the after hook). */
bool req_handler_ran(const struct req *req);

/* ---------------------------------------------------------------------------------------- */
/* Responses. A handler builds exactly one; a later resp_send/resp_problem replaces it. */

/* The response body buffer (capped by http_server_config.resp_max; an overflow turns the
 * response into a 500). Write into it, e.g. with core/jsonw, then resp_send or resp_json. */
struct buf *resp_body(struct req *req);

/* Marks the response ready with this status and content type (copied). Returns 0. */
int resp_send(struct req *req, int status, const char *content_type);
/* resp_send(req, status, "application/json; charset=utf-8"). */
int resp_json(struct req *req, int status);
/* Serialises value (compact, keys in insertion order) as the JSON body and sends it with
 * resp_json. Steals the reference, like jansson's _new setters; NULL is a 500. Returns 0. */
int resp_json_new(struct req *req, int status, json_t *value);
/* A response without a body (204, 202...): discards what the buffer held. Returns 0. */
int resp_empty(struct req *req, int status);

/* Sets a response header (name and value copied; replaces an earlier one of that name).
 * Setting Cache-Control suppresses the default no-store. Content-Type, Content-Length and
 * X-Request-Id are the server's and are ignored here. */
void resp_header(struct req *req, const char *name, const char *value);
/* Location: printf-style. */
void resp_location(struct req *req, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Replaces the response with the RFC 9457 rendering of err (status from core/err.h's table,
 * Retry-After when err->retry_after > 0). A 5xx is logged with its cause and origin; a 500 shows
 * only a generic detail. Returns 0. */
int resp_problem(struct req *req, const struct err *err);

/* For a 200 to GET/HEAD: adds a weak ETag (CRC-32 and length of the body) and answers 304 Not
 * Modified with an empty body when If-None-Match matches it. */
void resp_enable_etag(struct req *req);

/* For a GET/HEAD whose validator is known before the body is built (a data version rather
 * than a checksum of the body): sets ETag to `etag` (a quoted entity tag, W/ allowed). If the
 * request's If-None-Match matches it, queues 304 Not Modified and returns true: the handler
 * returns 0 without building anything. Otherwise returns false and the handler answers as
 * usual; the ETag set here stays (resp_enable_etag is then not needed). */
bool resp_etag_precondition(struct req *req, const char *etag);

/* The response as built so far (for the after hook and idempotent replays). */
int resp_status(const struct req *req);               /* 0 while none is ready */
const char *resp_content_type(const struct req *req); /* NULL while none is ready */
const char *resp_data(const struct req *req, size_t *len /* out, may be NULL */);
size_t resp_header_count(const struct req *req);
/* The i-th header set with resp_header; returns false past the end. */
bool resp_header_at(const struct req *req, size_t i, const char **name /* out */,
                    const char **value /* out */);

/* ---------------------------------------------------------------------------------------- */
/* Static files and cookies (static.c) */

/* True for a file name static_send serves: one segment of [A-Za-z0-9._-], not starting '.'. */
bool static_name_ok(const char *name);
/* Answers 200 with the file root/name (root/name.gz with Content-Encoding: gzip when the client
 * accepts gzip and that copy exists), its type from the extension, Vary: Accept-Encoding, the
 * given Cache-Control (NULL = no-cache) and an ETag. NOT_FOUND for a bad name or no file. */
int static_send(struct req *req, const char *root, const char *name, const char *cache_control,
                struct err *err);
/* Value of the request cookie `name` (parsed by libmicrohttpd); NULL when absent. */
const char *req_cookie(struct req *req, const char *name);

#endif
