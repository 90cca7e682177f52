/* SPDX-License-Identifier: MIT */
/* Declarations shared by the files of spec/ only: the YAML reader with a document name for its
 * messages, the $ref resolver, the warning list a load collects, and the limits that keep a
 * hostile document from costing more than a bounded amount of time and memory. */
#ifndef VIGIL_SPEC_INT_H
#define VIGIL_SPEC_INT_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

struct arena;

/* YAML: mappings or sequences nested deeper than this are refused. */
#define SPEC_YAML_MAX_DEPTH 256
/* YAML: nodes added by alias expansion, summed over every alias (billion laughs guard). */
#define SPEC_YAML_MAX_ALIAS_NODES 1000000u
/* Resolver: recursion depth (document nesting plus expanded $refs) that is an error. */
#define SPEC_MAX_DEPTH 512
/* Resolver: a $ref met deeper than this is cut and marked "x-vigil-depth-cut" (not followed). */
#define SPEC_REF_DEPTH_CUT 200
/* Resolver: containers built for `root`; more is an error (work cap). Targets are shared, so
 * this bounds the work and memory, not the size of a full walk of the (DAG) result. */
#define SPEC_MAX_BUILT_NODES 2000000u
/* Resolver: past this many built containers, a $ref target is resolved once and shared even
 * when a cycle cut inside it depends on where it was first met (see resolve.c). */
#define SPEC_SHARE_ALL_AFTER 100000u
/* Warnings kept per load; more are counted in one last line. */
#define SPEC_MAX_WARNINGS 100

/* The state of one load: the arena that owns every string handed out, and the warnings. */
struct spec_ctx {
    struct arena *arena;
    const char *origin; /* document name for messages */
    const char **warnings;
    size_t n_warnings;
    size_t n_dropped; /* warnings past SPEC_MAX_WARNINGS */
};

/* Records a warning (copied into the arena). */
void spec_warn(struct spec_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* yaml_to_json with `origin` ("openapi.yaml") opening every error detail; origin may be NULL. */
json_t *spec_yaml_parse(const char *data, size_t len, const char *origin, struct err *err);

/* Returns a new tree equal to `doc` with every local $ref replaced by its resolved target
 * (targets are shared between their uses, so the result is a DAG: never mutate it). A cycle is
 * cut at the second visit of a location and left as {"x-vigil-cycle": ref, ...siblings}.
 * External refs stay as written, with a warning. `doc` is borrowed and left unchanged.
 * Raises VALIDATION_ERROR for an unresolvable or malformed local ref and for the caps above. */
json_t *spec_resolve(json_t *doc, struct spec_ctx *ctx, struct err *err);

#endif
