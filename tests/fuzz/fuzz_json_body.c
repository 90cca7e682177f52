/* SPDX-License-Identifier: MIT */
/* libFuzzer target for JSON body validation (http_json_parse): any bytes either give a JSON
 * object or VALIDATION_ERROR; never a crash, a leak or a deep recursion. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "http/http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct err err = {0};
    json_t *root;

    if (size > 64 * 1024)
        return 0; /* keep each input well under a millisecond */
    root = http_json_parse((const char *)data, size, &err);
    if (root) {
        if (!json_is_object(root) || err.code != ERR_OK)
            abort();
        json_decref(root);
    } else if (err.code != ERR_VALIDATION_ERROR) {
        abort();
    }
    return 0;
}
