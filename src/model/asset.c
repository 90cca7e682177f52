/* SPDX-License-Identifier: MIT */
/* The asset codec. Tags are a set of short labels: duplicates are dropped on input and the
 * array is always present (possibly empty) on output. */
#include "model/asset.h"

#include <stddef.h>
#include <string.h>

#include "core/jsonw.h"
#include "model/model_int.h"

static const char *const asset_type_names[ASSET_TYPE_COUNT] = {
    "host", "domain", "url", "api", "ip_range", "repository", "device"};
static const char *const criticality_names[CRITICALITY_COUNT] = {"low", "medium", "high",
                                                                 "critical"};

const char *
asset_type_name(enum asset_type t)
{
    return model_enum_name((int)t, asset_type_names, ASSET_TYPE_COUNT);
}

int
asset_type_parse(const char *s, enum asset_type *out)
{
    int i = model_enum_parse(s, asset_type_names, ASSET_TYPE_COUNT);

    if (i < 0)
        return -1;
    *out = (enum asset_type)i;
    return 0;
}

const char *
criticality_name(enum criticality c)
{
    return model_enum_name((int)c, criticality_names, CRITICALITY_COUNT);
}

static const struct mfield asset_fields[] = {
    {.name = "project_id",
     .kind = MF_ID,
     .bit = ASSET_F_PROJECT_ID,
     .offset = offsetof(struct asset, project_id),
     .required = true,
     .max_len = MODEL_SHORT_MAX,
     .id_prefix = "proj_"},
    {.name = "type",
     .kind = MF_ENUM,
     .bit = ASSET_F_TYPE,
     .offset = offsetof(struct asset, type),
     .required = true,
     .enum_names = asset_type_names,
     .n_enum = ASSET_TYPE_COUNT},
    {.name = "value",
     .kind = MF_STRING,
     .bit = ASSET_F_VALUE,
     .offset = offsetof(struct asset, value),
     .required = true,
     .max_len = MODEL_VALUE_MAX},
    {.name = "tags",
     .kind = MF_STRINGS,
     .bit = ASSET_F_TAGS,
     .offset = offsetof(struct asset, tags),
     .count_offset = offsetof(struct asset, n_tags),
     .max_len = MODEL_TAG_MAX,
     .max_items = MODEL_TAGS_MAX},
    {.name = "criticality",
     .kind = MF_ENUM,
     .bit = ASSET_F_CRITICALITY,
     .offset = offsetof(struct asset, criticality),
     .enum_names = criticality_names,
     .n_enum = CRITICALITY_COUNT,
     .enum_default = CRITICALITY_MEDIUM},
};

static const char *const asset_read_only[] = {"id", "org_id", "created_at", "updated_at", NULL};

int
asset_from_json(struct asset *out, json_t *body, enum model_write mode, struct arena *a,
                struct err *err)
{
    memset(out, 0, sizeof(*out));
    return decode_object(out, &out->present, body, mode, asset_fields,
                         sizeof(asset_fields) / sizeof(asset_fields[0]), asset_read_only, a, err);
}

void
asset_to_json(struct jsonw *w, const struct asset *asset)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "id", asset->id);
    jsonw_kstr(w, "project_id", asset->project_id);
    jsonw_kstr(w, "type", asset_type_name(asset->type));
    jsonw_kstr(w, "value", asset->value);
    jsonw_key(w, "tags");
    jsonw_arr_open(w);
    for (size_t i = 0; i < asset->n_tags; i++)
        jsonw_str(w, asset->tags[i]);
    jsonw_arr_close(w);
    jsonw_kstr(w, "criticality", criticality_name(asset->criticality));
    model_kts(w, "created_at", asset->created_at);
    model_kts(w, "updated_at", asset->updated_at);
    jsonw_obj_close(w);
}
