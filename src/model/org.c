/* SPDX-License-Identifier: MIT */
/* The organization encoder (organizations are created by the operator, never by a body). */
#include "model/org.h"

#include "core/jsonw.h"
#include "model/model_int.h"

void
org_to_json(struct jsonw *w, const struct org *o)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "id", o->id);
    jsonw_kstr(w, "name", o->name);
    model_kts(w, "created_at", o->created_at);
    jsonw_obj_close(w);
}
