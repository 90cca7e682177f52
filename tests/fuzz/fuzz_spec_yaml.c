/* SPDX-License-Identifier: MIT */
/* libFuzzer target for yaml_to_json and the spec loader behind it: scalars, anchors, aliases,
 * merge keys, the caps. A converted document is written back out as JSON, which walks every
 * node (aliases share nodes, so a broken reference count shows up here). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/err.h"
#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Alias expansion is capped in nodes, not bytes: keep inputs small so one run stays fast. */
#define FUZZ_MAX_INPUT (16 * 1024)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct err err = {0};
    json_t *doc;
    struct spec *spec;

    if (size > FUZZ_MAX_INPUT)
        return 0;
    doc = yaml_to_json((const char *)data, size, &err);
    if (!doc)
        return 0;
    free(json_dumps(doc, JSON_ENCODE_ANY | JSON_COMPACT));
    spec = spec_load_json(doc, "fuzz.yaml", &err);
    spec_free(spec);
    json_decref(doc);
    return 0;
}
