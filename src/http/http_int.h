/* SPDX-License-Identifier: MIT */
/* Declarations shared by the files of http/ (router, request parsing, problems, server) and
 * by their unit tests and fuzz targets. Nothing here is for other modules. Every function is
 * pure with respect to the network, so each can be tested without a server. */
#ifndef VIGIL_HTTP_INT_H
#define VIGIL_HTTP_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "http/http.h"

struct arena;

/* ---- router.c ---- */

struct router;

enum router_result { ROUTER_MATCH, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };

struct router_match {
    const struct route *route; /* set on ROUTER_MATCH */
    unsigned allowed;          /* ROUTER_MATCH/METHOD_NOT_ALLOWED: bit (1u << method) per method
                                  the path answers (HEAD implied by GET, OPTIONS always) */
    struct http_kv params[HTTP_PARAMS_MAX]; /* decoded into the arena given to router_match */
    size_t n_params;
};

/* Compiles the table (borrowed: must outlive the router). Raises INTERNAL for a malformed
 * pattern (not starting with '/', empty or unclosed {}, too many params or segments) or a
 * duplicate method + pattern. */
struct router *router_new(const struct route *routes, size_t n_routes, struct err *err);
void router_free(struct router *router); /* accepts NULL */

/* Matches method + raw path (len bytes, not NUL-terminated necessarily). Never fails on odd
 * input: anything that cannot match is ROUTER_NOT_FOUND. */
enum router_result router_match(const struct router *router, enum http_method method,
                                const char *path, size_t len, struct arena *arena,
                                struct router_match *out /* out */);

/* "GET, HEAD, OPTIONS" for a method mask, into the arena. */
char *router_allow_header(unsigned allowed, struct arena *arena);

/* ---- req.c ---- */

/* Percent-decodes s[0..len) into the arena ('+' becomes a space when plus is true). Returns
 * the decoded NUL-terminated string (its length in *out_len), or NULL for a bad or truncated
 * escape or an encoded NUL. */
char *http_pct_decode(const char *s, size_t len, bool plus, struct arena *arena,
                      size_t *out_len /* out, may be NULL */);

/* Parses a raw query string (without '?'). Empty pieces ("a=1&&b=2") are skipped; "a" and "a="
 * both give "". Raises VALIDATION_ERROR (field "query") for a bad escape, an encoded NUL,
 * invalid UTF-8, an empty name or more than HTTP_QUERY_MAX parameters. */
int http_query_parse(const char *raw, size_t len, struct arena *arena,
                     struct http_kv **out /* out */, size_t *n_out /* out */, struct err *err);

/* Validates and parses a JSON body: the checks listed at req_json_body. Returns a new
 * reference, or NULL with VALIDATION_ERROR. */
json_t *http_json_parse(const char *body, size_t len, struct err *err);

/* The weight (thousandths, 0..1000) an Accept value of len bytes gives the media type `type`
 * ("application/json"): that of the most specific well-formed range matching it (type/subtype
 * 3, type/ * 2, * / * 1, into *specificity, may be NULL), 0 when none matches; -1 when the value
 * holds no well-formed range at all (then the header is as good as absent). Malformed ranges
 * are skipped; parameters other than q are ignored. */
int http_accept_quality(const char *accept, size_t len, const char *type, int *specificity);

/* True for an acceptable request media type on a body-carrying method. */
bool http_media_type_ok(const char *content_type, enum http_method method);

/* True if s is 1..HTTP_REQUEST_ID_MAX characters of [A-Za-z0-9._:-]. */
bool http_request_id_valid(const char *s);

/* Prepares a request (caller storage) and frees what it holds. */
void req_init(struct req *req, size_t resp_max);
void req_cleanup(struct req *req);

/* ---- resp.c ---- */

/* A header set with resp_header (arena strings). */
struct req_header_entry {
    const char *name;
    const char *value;
};

/* Weak ETag of a body: W/"crc32-len" in hex. out needs 32 bytes. */
void http_etag_compute(const char *data, size_t len, char *out, size_t size);
/* True if an If-None-Match value (a list of entity tags, or "*") matches etag (weak
 * comparison). */
bool http_etag_matches(const char *if_none_match, const char *etag);

/* Value of a header set with resp_header (case-insensitive), or NULL. */
const char *resp_header_get(const struct req *req, const char *name);

/* ---- problem.c ---- */

/* "https://vigil.dev/problems/not-found" into out. */
void problem_type_url(enum err_code code, char *out, size_t size);

/* Renders err as an RFC 9457 object into out (appending). An INTERNAL error shows only a
 * generic detail; an empty detail becomes the title. Returns -1 if out overflowed. */
int problem_render(struct buf *out, const struct err *err, const char *instance,
                   const char *request_id);

#endif
