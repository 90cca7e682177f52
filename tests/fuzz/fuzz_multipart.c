/* SPDX-License-Identifier: MIT */
/* libFuzzer target for http_multipart_parse (src/http/multipart.c): the first line of the
 * input is the Content-Type header value, the rest the body. Every part returned must lie
 * inside the body. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    struct arena *a;
    struct http_part *parts;
    size_t n, ct_len;
    char *ctype;
    const char *body;
    size_t body_len;
    struct err err = {0};

    a = arena_new();
    ct_len = nl ? (size_t)((const uint8_t *)nl - data) : 0;
    ctype = arena_strndup(a, (const char *)data, ct_len);
    if (!nl)
        ctype = arena_strdup(a, "multipart/form-data; boundary=b");
    body = nl ? nl + 1 : (const char *)data;
    body_len = nl ? size - ct_len - 1 : size;
    if (http_multipart_parse(ctype, body, body_len, a, &parts, &n, &err) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (parts[i].data < body || parts[i].data + parts[i].len > body + body_len)
                __builtin_trap();
            (void)strlen(parts[i].name);
        }
    }
    arena_free(a);
    return 0;
}
