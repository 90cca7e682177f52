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

/* What a parse error says to the client, from jansson's error code: jansson's own text names
 * its internals ("... without JSON_ALLOW_NUL"), so it never reaches a problem detail. */
static const char *
json_error_public(const json_error_t *jerr)
{
    switch (json_error_code(jerr)) {
    case json_error_premature_end_of_input:
        return "it ends before the value is complete";
    case json_error_end_of_input_expected:
        return "more data follows the value";
    case json_error_null_character:
    case json_error_null_byte_in_key:
        return "a string holds an escaped NUL (\\u0000), which is not accepted";
    case json_error_duplicate_key:
        return "an object has a duplicate key";
    case json_error_numeric_overflow:
        return "a number is too large";
    case json_error_invalid_utf8:
        return "it is not valid UTF-8";
    default:
        return "invalid syntax";
    }
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
                "The request body is not valid JSON: %s (line %d, column %d).",
                json_error_public(&jerr), jerr.line, jerr.column);
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
/* Accept (RFC 9110 12.5.1) */

/* A token character (RFC 9110 5.6.2). */
static bool
is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static size_t
skip_ows(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

static size_t
skip_token(const char *s, size_t len, size_t i)
{
    while (i < len && is_tchar(s[i]))
        i++;
    return i;
}

/* End of the list element starting at i: the next comma outside a quoted string. */
static size_t
element_end(const char *s, size_t len, size_t i)
{
    bool quoted = false;

    for (; i < len; i++) {
        if (quoted && s[i] == '\\' && i + 1 < len)
            i++;
        else if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && s[i] == ',')
            break;
    }
    return i;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths; -1 if bad. */
static int
parse_qvalue(const char *s, size_t len)
{
    int q, scale = 100;
    size_t i;

    if (len == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    q = s[0] == '1' ? 1000 : 0;
    if (len == 1)
        return q;
    if (s[1] != '.' || len > 5)
        return -1;
    for (i = 2; i < len; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9' || (q == 1000 && s[i] != '0'))
            return -1;
        q += (s[i] - '0') * scale;
    }
    return q;
}

/* One media range: type "/" subtype *( OWS ";" OWS name "=" value ). Returns false for a
 * malformed one (the caller skips it). Parameters other than q do not narrow the match. */
static bool
parse_range(const char *s, size_t len, const char **type, size_t *type_len, const char **sub,
            size_t *sub_len, int *q)
{
    size_t i = skip_ows(s, len, 0), end;

    *type = s + i;
    end = skip_token(s, len, i);
    *type_len = end - i;
    if (*type_len == 0 || end >= len || s[end] != '/')
        return false;
    i = end + 1;
    *sub = s + i;
    end = skip_token(s, len, i);
    *sub_len = end - i;
    if (*sub_len == 0)
        return false;
    if (*type_len == 1 && **type == '*' && !(*sub_len == 1 && **sub == '*'))
        return false;
    *q = 1000;
    for (i = skip_ows(s, len, end); i < len; i = skip_ows(s, len, i)) {
        size_t name = 0, name_len, value, value_len;

        if (s[i] != ';')
            return false;
        name = skip_ows(s, len, i + 1);
        end = skip_token(s, len, name);
        name_len = end - name;
        if (name_len == 0 || end >= len || s[end] != '=')
            return false;
        value = end + 1;
        if (value < len && s[value] == '"') {
            for (end = value + 1; end < len && s[end] != '"'; end++) {
                if (s[end] == '\\')
                    end++;
            }
            if (end >= len)
                return false;
            end++;
        } else {
            end = skip_token(s, len, value);
        }
        value_len = end - value;
        if (value_len == 0)
            return false;
        if (name_len == 1 && (s[name] == 'q' || s[name] == 'Q')) {
            *q = parse_qvalue(s + value, value_len);
            if (*q < 0)
                return false;
        }
        i = end;
    }
    return true;
}

int
http_accept_quality(const char *accept, size_t len, const char *type, int *specificity)
{
    const char *slash = strchr(type, '/');
    size_t want_type = slash ? (size_t)(slash - type) : strlen(type);
    const char *want_sub = slash ? slash + 1 : "";
    size_t want_sub_len = strcspn(want_sub, "; \t"); /* "text/html; charset=utf-8" */
    int best_spec = 0, best_q = 0;
    bool any = false;
    size_t i = 0;

    while (i <= len) {
        size_t end = element_end(accept, len, i);
        const char *t, *sub;
        size_t t_len, sub_len;
        int q, spec = 0;

        if (parse_range(accept + i, end - i, &t, &t_len, &sub, &sub_len, &q)) {
            any = true;
            if (t_len == 1 && *t == '*')
                spec = 1;
            else if (t_len == want_type && strncasecmp(t, type, t_len) == 0)
                spec = sub_len == 1 && *sub == '*'                                           ? 2
                       : sub_len == want_sub_len && strncasecmp(sub, want_sub, sub_len) == 0 ? 3
                                                                                             : 0;
            /* The most specific range decides; among equals, the highest weight. */
            if (spec > best_spec || (spec > 0 && spec == best_spec && q > best_q)) {
                best_spec = spec;
                best_q = q;
            }
        }
        i = end + 1;
    }
    if (specificity)
        *specificity = any ? best_spec : 0;
    return any ? best_q : -1;
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

int
req_accept_quality(struct req *req, const char *type, int *specificity)
{
    const char *accept = req_header(req, MHD_HTTP_HEADER_ACCEPT);
    int q = accept ? http_accept_quality(accept, strlen(accept), type, specificity) : -1;

    if (q < 0) {
        if (specificity)
            *specificity = 0;
        return 1000;
    }
    return q;
}

bool
req_accepts(struct req *req, const char *type)
{
    return req_accept_quality(req, type, NULL) > 0;
}

bool
req_accepts_json(struct req *req)
{
    int spec;

    if (req_accepts(req, "application/json"))
        return true;
    /* Only when named (or application/ *): "application/json;q=0, * / *" refuses JSON. */
    return req_accept_quality(req, "application/problem+json", &spec) > 0 && spec >= 2;
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

int
req_form(struct req *req, struct http_kv **out, size_t *n, struct err *err)
{
    size_t len;
    const char *body = req_body(req, &len);

    *out = NULL;
    *n = 0;
    return http_query_parse(body, len, req->arena, out, n, err);
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
