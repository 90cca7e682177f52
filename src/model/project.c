/* SPDX-License-Identifier: MIT */
/* The project codec. Dates stay "YYYY-MM-DD" strings end to end: they are calendar dates, not
 * instants, so no time zone can shift them. */
#include "model/project.h"

#include <stddef.h>
#include <string.h>

#include "controls/catalog.h"
#include "core/buf.h"
#include "core/jsonw.h"
#include "model/model_int.h"

static const char *const project_status_names[PROJECT_STATUS_COUNT] = {"planned", "in_progress",
                                                                       "completed", "archived"};

const char *
project_status_name(enum project_status s)
{
    return model_enum_name((int)s, project_status_names, PROJECT_STATUS_COUNT);
}

int
project_status_parse(const char *s, enum project_status *out)
{
    int i = model_enum_parse(s, project_status_names, PROJECT_STATUS_COUNT);

    if (i < 0)
        return -1;
    *out = (enum project_status)i;
    return 0;
}

static const struct mfield project_fields[] = {
    {.name = "name",
     .kind = MF_STRING,
     .bit = PROJECT_F_NAME,
     .offset = offsetof(struct project, name),
     .required = true,
     .max_len = MODEL_NAME_MAX},
    {.name = "client_id",
     .kind = MF_ID,
     .bit = PROJECT_F_CLIENT_ID,
     .offset = offsetof(struct project, client_id),
     .max_len = MODEL_SHORT_MAX,
     .id_prefix = "client_"},
    {.name = "status",
     .kind = MF_ENUM,
     .bit = PROJECT_F_STATUS,
     .offset = offsetof(struct project, status),
     .enum_names = project_status_names,
     .n_enum = PROJECT_STATUS_COUNT,
     .enum_default = PROJECT_PLANNED},
    {.name = "start_date",
     .kind = MF_DATE,
     .bit = PROJECT_F_START_DATE,
     .offset = offsetof(struct project, start_date),
     .max_len = MODEL_DATE_LEN},
    {.name = "end_date",
     .kind = MF_DATE,
     .bit = PROJECT_F_END_DATE,
     .offset = offsetof(struct project, end_date),
     .max_len = MODEL_DATE_LEN},
    {.name = "description",
     .kind = MF_STRING,
     .bit = PROJECT_F_DESCRIPTION,
     .offset = offsetof(struct project, description),
     .max_len = MODEL_TEXT_MAX},
    {.name = "frameworks",
     .kind = MF_STRINGS,
     .bit = PROJECT_F_FRAMEWORKS,
     .offset = offsetof(struct project, frameworks),
     .count_offset = offsetof(struct project, n_frameworks),
     .max_len = MODEL_SHORT_MAX,
     .max_items = 16},
};

/* Each framework must be one of the controls catalog's (the decoder drops repeats). */
static int
frameworks_check(const char *const *names, size_t n, struct err *err)
{
    const struct controls_catalog *cat = controls_catalog();

    for (size_t i = 0; i < n; i++) {
        if (!controls_framework_find(cat, names[i])) {
            struct buf known;
            int rc;

            buf_init(&known, 128);
            for (size_t k = 0; cat && k < cat->n_frameworks; k++)
                buf_printf(&known, "%s%s", k ? ", " : "", cat->frameworks[k].id);
            rc = err_field(err, "frameworks", "wants framework ids of the controls catalog: %s",
                           buf_str(&known));
            buf_cleanup(&known);
            return rc;
        }
    }
    return 0;
}

static const char *const project_read_only[] = {"id", "org_id", "created_at", "updated_at", NULL};

int
project_from_json(struct project *out, json_t *body, enum model_write mode, struct arena *a,
                  struct err *err)
{
    memset(out, 0, sizeof(*out));
    if (decode_object(out, &out->present, body, mode, project_fields,
                      sizeof(project_fields) / sizeof(project_fields[0]), project_read_only, a,
                      err))
        return -1;
    /* Both dates in one body can be checked here; a PATCH of one is checked by the store
     * against the stored other. "YYYY-MM-DD" strings order like the dates they name. */
    if (out->start_date && out->end_date && strcmp(out->end_date, out->start_date) < 0)
        return err_field(err, "end_date", "must not be before start_date");
    return frameworks_check(out->frameworks, out->n_frameworks, err);
}

void
project_to_json(struct jsonw *w, const struct project *p)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "id", p->id);
    jsonw_kstr(w, "name", p->name);
    jsonw_kstr(w, "client_id", p->client_id);
    jsonw_kstr(w, "status", project_status_name(p->status));
    jsonw_kstr(w, "start_date", p->start_date);
    jsonw_kstr(w, "end_date", p->end_date);
    jsonw_kstr(w, "description", p->description);
    jsonw_key(w, "frameworks");
    jsonw_arr_open(w);
    for (size_t i = 0; i < p->n_frameworks; i++)
        jsonw_str(w, p->frameworks[i]);
    jsonw_arr_close(w);
    model_kts(w, "created_at", p->created_at);
    model_kts(w, "updated_at", p->updated_at);
    jsonw_obj_close(w);
}
