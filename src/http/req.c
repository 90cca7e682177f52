/* SPDX-License-Identifier: MIT */
/* Request side of http/: percent-decoding, the query parser, JSON body validation and the
 * accessors handlers call. Everything a request parses lands in its arena, so nothing here is
 * freed by hand; the parsers take raw bytes with a length and never read past it, which is what
 * the fuzz targets hold them to. */
#include "http/http_int.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/str.h"

/* ---------------------------------------------------------------------------------------- */
/* Decoding */

char *
http_pct_decode(const char *s, size_t len, bool plus, struct arena *arena, size_t *out_len)
{
    char *out = arena_alloc(arena, len + 1);
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '%') {
            int hi, lo;

            if (len - i < 3)
                return NULL;
            hi = str_hex_digit((unsigned char)s[i + 1]);
            lo = str_hex_digit((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return NULL;
            out[n++] = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus) {
            out[n++] = ' ';
        } else if (c == '\0') {
            return NULL;
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = '\0';
    if (out_len)
        *out_len = n;
    return out;
}

/* ---------------------------------------------------------------------------------------- */
/* Query string */

static int
query_piece(const char *piece, size_t len, struct arena *arena, struct http_kv *kv, struct err *err)
{
    const char *eq = memchr(piece, '=', len);
    size_t name_len = eq ? (size_t)(eq - piece) : len;
    size_t value_len = eq ? len - name_len - 1 : 0;
    size_t name_out, value_out;
    char *name, *value;

    name = http_pct_decode(piece, name_len, true, arena, &name_out);
    if (!name || !str_utf8_valid(name, name_out))
        return err_field(err, "query", "A parameter name is not valid percent-encoded UTF-8.");
    if (name_out == 0)
        return err_field(err, "query", "A parameter has an empty name.");
    value = http_pct_decode(eq ? eq + 1 : "", value_len, true, arena, &value_out);
    if (!value || !str_utf8_valid(value, value_out)) {
        /* The name is valid UTF-8 here; err_field truncates anything too long. */
        return err_field(err, name, "The value is not valid percent-encoded UTF-8.");
    }
    kv->name = name;
    kv->value = value;
    return 0;
}

int
http_query_parse(const char *raw, size_t len, struct arena *arena, struct http_kv **out,
                 size_t *n_out, struct err *err)
{
    struct http_kv *kv = NULL;
    size_t n = 0, cap = 0, pos = 0;

    while (pos < len) {
        const char *amp = memchr(raw + pos, '&', len - pos);
        size_t piece_len = amp ? (size_t)(amp - (raw + pos)) : len - pos;

        if (piece_len > 0) {
            if (n == HTTP_QUERY_MAX)
                return err_set(err, VALIDATION_ERROR,
                               "The query string has more than %d parameters.", HTTP_QUERY_MAX);
            if (n == cap) {
                struct http_kv *grown;

                cap = cap ? cap * 2 : 8;
                grown = arena_calloc(arena, cap, sizeof(*grown));
                if (n)
                    memcpy(grown, kv, n * sizeof(*kv));
                kv = grown;
            }
            if (query_piece(raw + pos, piece_len, arena, &kv[n], err)) {
                if (err)
                    snprintf(err->detail, sizeof(err->detail), "The query string is malformed.");
                return -1;
            }
            n++;
        }
        pos += piece_len + 1;
    }
    *out = kv;
    *n_out = n;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* JSON bodies */

/* Deepest container nesting in a JSON text, scanning outside strings only; stops early once
 * past limit. Malformed text is left for the parser to reject. */
static int
json_depth_exceeds(const char *s, size_t len, int limit)
{
    bool in_string = false, escaped = false;
    int depth = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        char c = s[i];

        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit)
                return 1;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 0;
}

json_t *
http_json_parse(const char *body, size_t len, struct err *err)
{
    json_error_t jerr;
    json_t *root;
    size_t i;

    for (i = 0; i < len; i++) {
        if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n')
            break;
    }
    if (i == len) {
        err_set(err, VALIDATION_ERROR, "The request body is empty; a JSON object is expected.");
        return NULL;
    }
    if (!str_utf8_valid(body, len)) {
        err_set(err, VALIDATION_ERROR, "The request body is not valid UTF-8.");
        return NULL;
    }
    if (json_depth_exceeds(body, len, HTTP_JSON_DEPTH_MAX)) {
        err_set(err, VALIDATION_ERROR, "The request body nests deeper than %d levels.",
                HTTP_JSON_DEPTH_MAX);
        return NULL;
    }
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root) {
        err_set(err, VALIDATION_ERROR,
                "The request body is not valid JSON: %s (line %d, column %d).", jerr.text,
                jerr.line, jerr.column);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        err_set(err, VALIDATION_ERROR, "The request body must be a JSON object.");
        return NULL;
    }
    return root;
}

/* ---------------------------------------------------------------------------------------- */
/* Small validators */

bool
http_media_type_ok(const char *content_type, enum http_method method)
{
    size_t len;

    if (!content_type)
        return false;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    len = strcspn(content_type, "; \t");
    if (len == 16 && strncasecmp(content_type, "application/json", 16) == 0)
        return true;
    return method == HTTP_PATCH && len == 28 &&
           strncasecmp(content_type, "application/merge-patch+json", 28) == 0;
}

bool
http_request_id_valid(const char *s)
{
    size_t i;

    if (!s)
        return false;
    for (i = 0; s[i]; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';

        if (!ok || i == HTTP_REQUEST_ID_MAX)
            return false;
    }
    return i > 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Request lifetime and accessors */

void
req_init(struct req *req, size_t resp_max)
{
    memset(req, 0, sizeof(*req));
    req->arena = arena_new();
    req->raw_query = "";
    req->path = "";
    buf_init(&req->body, 0);
    buf_init(&req->out, resp_max ? resp_max : HTTP_RESP_MAX_DEFAULT);
}

void
req_cleanup(struct req *req)
{
    buf_cleanup(&req->body);
    buf_cleanup(&req->out);
    arena_free(req->arena); /* drops the cached JSON body through its deferred decref */
    req->arena = NULL;
}

const char *
req_header(struct req *req, const char *name)
{
    if (!req->conn)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
req_param(struct req *req, const char *name)
{
    size_t i;

    for (i = 0; i < req->n_params; i++) {
        if (strcmp(req->params[i].name, name) == 0)
            return req->params[i].value;
    }
    return NULL;
}

const char *
req_query(struct req *req, const char *name)
{
    size_t i;

    for (i = 0; i < req->n_query; i++) {
        if (strcmp(req->query[i].name, name) == 0)
            return req->query[i].value;
    }
    return NULL;
}

size_t
req_query_count(const struct req *req)
{
    return req->n_query;
}

const struct http_kv *
req_query_at(const struct req *req, size_t i)
{
    return i < req->n_query ? &req->query[i] : NULL;
}

const char *
req_raw_query(const struct req *req)
{
    return req->raw_query ? req->raw_query : "";
}

const char *
req_body(struct req *req, size_t *len)
{
    if (len)
        *len = req->body.len;
    return buf_str(&req->body);
}

static void
json_release(void *ptr)
{
    json_decref(ptr);
}

json_t *
req_json_body(struct req *req, struct err *err)
{
    json_t *root;

    if (req->json)
        return req->json;
    root = http_json_parse(buf_str(&req->body), req->body.len, err);
    if (!root)
        return NULL;
    arena_defer(req->arena, json_release, root);
    req->json = root;
    return root;
}

bool
req_handler_ran(const struct req *req)
{
    return req->handler_ran;
}
