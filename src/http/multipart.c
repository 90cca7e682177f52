/* SPDX-License-Identifier: MIT */
/* multipart/form-data (RFC 7578, RFC 2046 section 5.1) over a body already in memory. Parts
 * are not copied: each names a slice of the body. The parser only looks for delimiter lines
 * ("\r\n--boundary") and reads each part's headers up to the blank line, so it does a single
 * pass with memmem and never allocates per byte. A fuzz target (tests/fuzz/fuzz_multipart.c)
 * feeds it arbitrary bodies. */
#include "http/http_int.h"

#include <string.h>
#include <strings.h>

#include "core/arena.h"

#define BOUNDARY_MAX 70 /* RFC 2046 */

/* The value of parameter `name` in a header value such as
 * `form-data; name="file"; filename="a.sarif"`; quoted or token; NULL when absent. */
static const char *
header_param(const char *v, size_t n, const char *name, struct arena *a)
{
    size_t name_len = strlen(name);
    size_t i = 0;

    while (i < n) {
        /* Skip to after the next ';'. */
        while (i < n && v[i] != ';')
            i++;
        if (i >= n)
            break;
        i++;
        while (i < n && (v[i] == ' ' || v[i] == '\t'))
            i++;
        if (n - i > name_len && strncasecmp(v + i, name, name_len) == 0 && v[i + name_len] == '=') {
            size_t start = i + name_len + 1, end;

            if (start < n && v[start] == '"') {
                start++;
                end = start;
                while (end < n && v[end] != '"')
                    end++;
                if (end >= n)
                    return NULL; /* unterminated quote */
            } else {
                end = start;
                while (end < n && v[end] != ';' && v[end] != ' ' && v[end] != '\t')
                    end++;
            }
            return arena_strndup(a, v + start, end - start);
        }
    }
    return NULL;
}

/* Reads the headers of a part (lines up to an empty line) from p[0..n). Returns the offset of
 * the part's data, or 0 when the header block is not closed. */
static size_t
part_headers(const char *p, size_t n, struct http_part *part, struct arena *a)
{
    size_t i = 0;

    for (;;) {
        const char *eol = memmem(p + i, n - i, "\r\n", 2);
        size_t line_len;

        if (!eol)
            return 0;
        line_len = (size_t)(eol - (p + i));
        if (line_len == 0)
            return i + 2;
        if (line_len > 20 && strncasecmp(p + i, "Content-Disposition:", 20) == 0) {
            const char *v = p + i + 20;
            size_t vn = line_len - 20;

            while (vn && (*v == ' ' || *v == '\t')) {
                v++;
                vn--;
            }
            if (vn >= 9 && strncasecmp(v, "form-data", 9) == 0) {
                part->name = header_param(v, vn, "name", a);
                part->filename = header_param(v, vn, "filename", a);
            }
        } else if (line_len > 13 && strncasecmp(p + i, "Content-Type:", 13) == 0) {
            const char *v = p + i + 13;
            size_t vn = line_len - 13;

            while (vn && (*v == ' ' || *v == '\t')) {
                v++;
                vn--;
            }
            part->content_type = arena_strndup(a, v, vn);
        }
        i += line_len + 2;
    }
}

int
http_multipart_parse(const char *content_type, const char *body, size_t len, struct arena *a,
                     struct http_part **parts, size_t *n, struct err *err)
{
    const char *boundary;
    char delim[BOUNDARY_MAX + 5]; /* "\r\n--" + boundary */
    size_t delim_len, pos, count = 0;
    struct http_part *out;

    if (!content_type || strncasecmp(content_type, "multipart/form-data", 19) != 0)
        return err_field(err, "Content-Type", "must be multipart/form-data");
    boundary = header_param(content_type, strlen(content_type), "boundary", a);
    if (!boundary || !*boundary || strlen(boundary) > BOUNDARY_MAX)
        return err_field(err, "Content-Type", "needs a boundary of 1 to %d characters",
                         BOUNDARY_MAX);
    delim_len = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
    out = arena_calloc(a, HTTP_PARTS_MAX, sizeof(*out));
    /* The first delimiter may start the body (no preceding CRLF). */
    if (len >= delim_len - 2 && memcmp(body, delim + 2, delim_len - 2) == 0) {
        pos = delim_len - 2;
    } else {
        const char *first = memmem(body, len, delim, delim_len);

        if (!first)
            return err_field(err, "body", "has no multipart delimiter");
        pos = (size_t)(first - body) + delim_len;
    }
    for (;;) {
        const char *next;
        size_t data_off;
        struct http_part part = {0};

        /* After a delimiter: "--" closes the body, CRLF starts a part. */
        if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
            break;
        while (pos < len && (body[pos] == ' ' || body[pos] == '\t'))
            pos++;
        if (len - pos < 2 || body[pos] != '\r' || body[pos + 1] != '\n')
            return err_field(err, "body", "has a malformed multipart delimiter line");
        pos += 2;
        data_off = part_headers(body + pos, len - pos, &part, a);
        if (!data_off)
            return err_field(err, "body", "has a part whose headers do not end");
        if (!part.name || !*part.name)
            return err_field(err, "body", "has a part without a form-data name");
        pos += data_off;
        next = memmem(body + pos, len - pos, delim, delim_len);
        if (!next)
            return err_field(err, "body", "ends before the closing multipart delimiter");
        if (count == HTTP_PARTS_MAX)
            return err_field(err, "body", "has more than %d parts", HTTP_PARTS_MAX);
        part.data = body + pos;
        part.len = (size_t)(next - (body + pos));
        out[count++] = part;
        pos = (size_t)(next - body) + delim_len;
    }
    *parts = out;
    *n = count;
    return 0;
}

int
req_multipart(struct req *req, struct http_part **parts, size_t *n, struct err *err)
{
    size_t len;
    const char *body = req_body(req, &len);

    return http_multipart_parse(req_header(req, "Content-Type"), body, len, req->arena, parts, n,
                                err);
}
