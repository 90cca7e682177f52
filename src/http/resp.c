/* SPDX-License-Identifier: MIT */
/* Response side of http/: the body buffer, status, content type and extra headers a handler
 * sets, and the weak ETag. Nothing is sent from here: the server turns the finished state into
 * a libmicrohttpd response once the handler and the after hook are done, so a response can be
 * replaced (an error after a partial write becomes a clean problem) until then. */
#include "http/http_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "core/arena.h"
#include "core/log.h"

#define RESP_JSON_TYPE "application/json; charset=utf-8"

struct buf *
resp_body(struct req *req)
{
    return &req->out;
}

int
resp_send(struct req *req, int status, const char *content_type)
{
    if (req->out.overflow) {
        struct err err = {0};

        err_internal(&err, "response body passed its cap of %zu bytes", req->out.max);
        return resp_problem(req, &err);
    }
    req->status = status;
    req->content_type = arena_strdup(req->arena, content_type ? content_type : RESP_JSON_TYPE);
    req->responded = true;
    return 0;
}

int
resp_json(struct req *req, int status)
{
    return resp_send(req, status, RESP_JSON_TYPE);
}

static int
dump_into_buf(const char *data, size_t len, void *userdata)
{
    return buf_append(userdata, data, len);
}

int
resp_json_new(struct req *req, int status, json_t *value)
{
    struct err err = {0};
    int rc;

    buf_reset(&req->out);
    if (!value) {
        err_internal(&err, "resp_json_new: no value");
        return resp_problem(req, &err);
    }
    rc = json_dump_callback(value, dump_into_buf, &req->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(value);
    if (rc != 0 && !req->out.overflow) {
        err_internal(&err, "resp_json_new: json_dump_callback failed");
        return resp_problem(req, &err);
    }
    return resp_json(req, status); /* an overflow becomes a 500 there */
}

int
resp_empty(struct req *req, int status)
{
    buf_reset(&req->out);
    return resp_send(req, status, RESP_JSON_TYPE);
}

static bool
header_is_servers(const char *name)
{
    return strcasecmp(name, "Content-Type") == 0 || strcasecmp(name, "Content-Length") == 0 ||
           strcasecmp(name, "X-Request-Id") == 0 || strcasecmp(name, "Connection") == 0 ||
           strcasecmp(name, "Transfer-Encoding") == 0;
}

void
resp_header(struct req *req, const char *name, const char *value)
{
    size_t i;

    if (!name || !value || header_is_servers(name))
        return;
    /* Header values are copied verbatim onto the wire: refuse CR/LF (response splitting). */
    if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n")) {
        log_msg(LOG_WARN, "resp_header: dropped header with CR/LF or colon in it");
        return;
    }
    for (i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0) {
            req->headers[i].value = arena_strdup(req->arena, value);
            return;
        }
    }
    if (req->n_headers == req->headers_cap) {
        size_t cap = req->headers_cap ? req->headers_cap * 2 : 8;
        struct req_header_entry *grown = arena_calloc(req->arena, cap, sizeof(*grown));

        if (req->n_headers)
            memcpy(grown, req->headers, req->n_headers * sizeof(*grown));
        req->headers = grown;
        req->headers_cap = cap;
    }
    req->headers[req->n_headers].name = arena_strdup(req->arena, name);
    req->headers[req->n_headers].value = arena_strdup(req->arena, value);
    req->n_headers++;
}

void
resp_location(struct req *req, const char *fmt, ...)
{
    va_list ap;
    char *value;

    va_start(ap, fmt);
    value = arena_vprintf(req->arena, fmt, ap);
    va_end(ap);
    resp_header(req, "Location", value);
}

const char *
resp_header_get(const struct req *req, const char *name)
{
    size_t i;

    for (i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    }
    return NULL;
}

void
resp_enable_etag(struct req *req)
{
    req->etag = true;
}

/* ---------------------------------------------------------------------------------------- */
/* ETag */

void
http_etag_compute(const char *data, size_t len, char *out, size_t size)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t off = 0;

    /* crc32 takes a uInt length: feed large bodies in slices. */
    while (off < len) {
        size_t n = len - off > (1u << 30) ? (1u << 30) : len - off;

        crc = crc32(crc, (const Bytef *)data + off, (uInt)n);
        off += n;
    }
    snprintf(out, size, "W/\"%08lx-%zx\"", (unsigned long)crc, len);
}

/* The opaque part of an entity tag: without W/ and the quotes. */
static void
etag_opaque(const char *tag, size_t len, const char **start, size_t *opaque_len)
{
    if (len >= 2 && tag[0] == 'W' && tag[1] == '/') {
        tag += 2;
        len -= 2;
    }
    if (len >= 2 && tag[0] == '"' && tag[len - 1] == '"') {
        tag++;
        len -= 2;
    }
    *start = tag;
    *opaque_len = len;
}

bool
http_etag_matches(const char *if_none_match, const char *etag)
{
    const char *want, *p = if_none_match;
    size_t want_len;

    if (!if_none_match || !etag)
        return false;
    etag_opaque(etag, strlen(etag), &want, &want_len);
    while (*p) {
        const char *start, *opaque;
        size_t len, opaque_len;

        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        start = p;
        while (*p && *p != ',')
            p++;
        len = (size_t)(p - start);
        while (len && (start[len - 1] == ' ' || start[len - 1] == '\t'))
            len--;
        if (len == 1 && start[0] == '*')
            return true;
        etag_opaque(start, len, &opaque, &opaque_len);
        if (len && opaque_len == want_len && memcmp(opaque, want, want_len) == 0)
            return true;
    }
    return false;
}

/* ---------------------------------------------------------------------------------------- */
/* Accessors */

int
resp_status(const struct req *req)
{
    return req->responded ? req->status : 0;
}

const char *
resp_content_type(const struct req *req)
{
    return req->responded ? req->content_type : NULL;
}

const char *
resp_data(const struct req *req, size_t *len)
{
    if (len)
        *len = req->out.len;
    return buf_str(&req->out);
}

size_t
resp_header_count(const struct req *req)
{
    return req->n_headers;
}

bool
resp_header_at(const struct req *req, size_t i, const char **name, const char **value)
{
    if (i >= req->n_headers)
        return false;
    *name = req->headers[i].name;
    *value = req->headers[i].value;
    return true;
}

bool
resp_etag_precondition(struct req *req, const char *etag)
{
    if (req->method != HTTP_GET && req->method != HTTP_HEAD)
        return false;
    req->etag = false;
    resp_header(req, "ETag", etag);
    if (!http_etag_matches(req_header(req, "If-None-Match"), etag))
        return false;
    resp_empty(req, 304);
    return true;
}
