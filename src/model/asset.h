/* SPDX-License-Identifier: MIT */
/* An asset: one thing in a project's scope (a host, a domain, an API...). Tags are free-form
 * labels. Strings are borrowed; NULL = absent. */
#ifndef VIGIL_MODEL_ASSET_H
#define VIGIL_MODEL_ASSET_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "model/model.h"

struct arena;
struct jsonw;

enum asset_type {
    ASSET_HOST,
    ASSET_DOMAIN,
    ASSET_URL,
    ASSET_API,
    ASSET_IP_RANGE,
    ASSET_REPOSITORY,
    ASSET_DEVICE,
};
#define ASSET_TYPE_COUNT 7

enum criticality {
    CRITICALITY_LOW,
    CRITICALITY_MEDIUM,
    CRITICALITY_HIGH,
    CRITICALITY_CRITICAL,
};
#define CRITICALITY_COUNT 4

#define ASSET_F_PROJECT_ID  ((uint64_t)1 << 0)
#define ASSET_F_TYPE        ((uint64_t)1 << 1)
#define ASSET_F_VALUE       ((uint64_t)1 << 2)
#define ASSET_F_TAGS        ((uint64_t)1 << 3)
#define ASSET_F_CRITICALITY ((uint64_t)1 << 4)
#define ASSET_F_ALL         ((uint64_t)0x1f)

struct asset {
    const char *id; /* "asset_..." */
    const char *org_id;
    const char *project_id;       /* required "proj_..." of the same organization */
    enum asset_type type;         /* required */
    const char *value;            /* required, 1..MODEL_VALUE_MAX */
    const char **tags;            /* distinct, each 1..MODEL_TAG_MAX; default none */
    size_t n_tags;                /* <= MODEL_TAGS_MAX */
    enum criticality criticality; /* default medium */
    int64_t created_at;
    int64_t updated_at;
    uint64_t present; /* ASSET_F_* */
};

const char *asset_type_name(enum asset_type t); /* "ip_range" */
int asset_type_parse(const char *s, enum asset_type *out);
const char *criticality_name(enum criticality c);

/* Decodes {"project_id", "type", "value", "tags", "criticality"}; VALIDATION_ERROR per bad
 * member (a bad tag is reported as "tags[3]"). Tags: null or absent = none on CREATE/REPLACE;
 * duplicates are dropped, order is kept. */
int asset_from_json(struct asset *out /* out */, json_t *body, enum model_write mode,
                    struct arena *a, struct err *err);

void asset_to_json(struct jsonw *w, const struct asset *asset);

#endif
