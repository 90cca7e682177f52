/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the spec loader fed as JSON: format detection, jansson, the $ref
 * resolver and operation extraction. Every field handed out is touched so ASan sees any
 * dangling pointer. No network, no disk. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Larger inputs only slow the fuzzer down; the caps are tested by unit tests. */
#define FUZZ_MAX_INPUT (64 * 1024)

/* Keeps the reads above from being optimised away. */
static volatile size_t fuzz_sink;

static size_t
touch(const char *s)
{
    return s ? strlen(s) : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct err err = {0};
    struct spec *spec;
    size_t sum = 0;

    if (size > FUZZ_MAX_INPUT)
        return 0;
    spec = spec_load_buffer((const char *)data, size, "fuzz.json", &err);
    if (!spec)
        return 0;
    sum += touch(spec->version) + touch(spec->title) + touch(spec->server_url) +
           touch(spec->base_path);
    for (size_t i = 0; i < spec->n_warnings; i++)
        sum += touch(spec->warnings[i]);
    for (size_t i = 0; i < spec->n_ops; i++) {
        const struct spec_operation *op = &spec->ops[i];

        sum += touch(op->method) + touch(op->path) + touch(op->operation_id) + touch(op->summary) +
               touch(op->body_content_type);
        sum += json_is_object(op->operation) + (op->body_schema != NULL) + (op->responses != NULL) +
               (op->links != NULL) + op->secured;
        for (size_t k = 0; k < op->n_params; k++)
            sum += touch(op->params[k].name) + (size_t)op->params[k].in +
                   json_is_object(op->params[k].schema);
    }
    spec_free(spec);
    fuzz_sink = sum;
    return 0;
}
