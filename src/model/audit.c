/* SPDX-License-Identifier: MIT */
/* The audit event codec. */
#include "model/audit.h"

#include "core/jsonw.h"
#include "model/model_int.h"

void
audit_event_to_json(struct jsonw *w, const struct audit_event *e)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "id", e->id);
    jsonw_kstr(w, "actor", e->actor);
    jsonw_kstr(w, "credential_id", e->credential_id);
    jsonw_kstr(w, "action", e->action);
    jsonw_kstr(w, "target", e->target);
    jsonw_kstr(w, "request_id", e->request_id);
    jsonw_kstr(w, "client_address", e->client_addr);
    model_kts(w, "created_at", e->created_at);
    jsonw_obj_close(w);
}
