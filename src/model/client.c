/* SPDX-License-Identifier: MIT */
/* The client codec: one field table for writes, one encoder for responses. */
#include "model/client.h"

#include <stddef.h>
#include <string.h>

#include "core/jsonw.h"
#include "model/model_int.h"

static const struct mfield client_fields[] = {
    {.name = "name",
     .kind = MF_STRING,
     .bit = CLIENT_F_NAME,
     .offset = offsetof(struct client, name),
     .required = true,
     .max_len = MODEL_NAME_MAX},
    {.name = "contact",
     .kind = MF_STRING,
     .bit = CLIENT_F_CONTACT,
     .offset = offsetof(struct client, contact),
     .max_len = MODEL_CONTACT_MAX},
    {.name = "notes",
     .kind = MF_STRING,
     .bit = CLIENT_F_NOTES,
     .offset = offsetof(struct client, notes),
     .max_len = MODEL_TEXT_MAX},
};

static const char *const client_read_only[] = {"id", "org_id", "created_at", "updated_at", NULL};

int
client_from_json(struct client *out, json_t *body, enum model_write mode, struct arena *a,
                 struct err *err)
{
    memset(out, 0, sizeof(*out));
    return decode_object(out, &out->present, body, mode, client_fields,
                         sizeof(client_fields) / sizeof(client_fields[0]), client_read_only, a,
                         err);
}

void
client_to_json(struct jsonw *w, const struct client *c)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "id", c->id);
    jsonw_kstr(w, "name", c->name);
    jsonw_kstr(w, "contact", c->contact);
    jsonw_kstr(w, "notes", c->notes);
    model_kts(w, "created_at", c->created_at);
    model_kts(w, "updated_at", c->updated_at);
    jsonw_obj_close(w);
}
