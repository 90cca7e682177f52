/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the query-string parser (http_query_parse): any bytes either parse into
 * non-empty names and values that are valid UTF-8 without NUL, or fail with
 * VALIDATION_ERROR. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/str.h"
#include "http/http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *arena = arena_new();
    struct http_kv *kv = NULL;
    struct err err = {0};
    size_t n = 0, i;

    if (http_query_parse((const char *)data, size, arena, &kv, &n, &err) == 0) {
        if (n > HTTP_QUERY_MAX)
            abort();
        for (i = 0; i < n; i++) {
            if (!kv[i].name[0] || !str_utf8_valid(kv[i].name, strlen(kv[i].name)) ||
                !str_utf8_valid(kv[i].value, strlen(kv[i].value)))
                abort();
        }
    } else if (err.code != ERR_VALIDATION_ERROR) {
        abort();
    }
    arena_free(arena);
    return 0;
}
