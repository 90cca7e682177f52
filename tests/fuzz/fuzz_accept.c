/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the Accept parser (http_accept_quality): any bytes give a weight in
 * 0..1000 or -1 (no well-formed range), a specificity in 0..3, and never read past the input
 * (the bytes are copied into an exact-size buffer, so ASan sees any overread). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"application/json", "application/problem+json", "text/csv",
                                        "text/html; charset=utf-8"};
    char *copy = malloc(size ? size : 1);
    size_t i;

    memcpy(copy, data, size);
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        int spec = -1;
        int q = http_accept_quality(copy, size, types[i], &spec);

        if (q < -1 || q > 1000 || spec < 0 || spec > 3 || (q < 0 && spec != 0))
            abort();
    }
    free(copy);
    return 0;
}
