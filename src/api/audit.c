/* SPDX-License-Identifier: MIT */
/* The audit log from the API's side: who is acting, naming an action after its route, and
 * GET /api/v1/audit-events for admins. An entry is written after the action succeeded; a
 * failure to write it is logged and never turns a done action into an error answer. */
#include "api/api_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/str.h"
#include "model/audit.h"
#include "model/user.h"

const char *
api_actor(struct req *req)
{
    const struct principal *who = &api_state(req)->who;

    if (who->user_id)
        return who->user_id;
    if (who->service_account_id)
        return who->service_account_id;
    return who->token_id;
}

void
api_audit(struct req *req, const char *org_id, const char *actor, const char *credential_id,
          const char *action, const char *target)
{
    struct api_state *state = api_state(req);
    struct audit_event e = {0};
    struct err err = {0};

    e.org_id = org_id ? org_id : (state ? state->who.org_id : NULL);
    e.actor = actor ? actor : (state && state->who.org_id ? api_actor(req) : NULL);
    e.credential_id = credential_id ? credential_id : (state ? state->who.token_id : NULL);
    e.action = action;
    e.target = target;
    e.request_id = req->request_id;
    e.client_addr = req->client_addr;
    e.created_at = clock_now();
    if (e.org_id ? store_audit_record(api_org_db(req, e.org_id), &e, &err)
                 : store_audit_record_unbound(api_app(req)->store, &e, &err))
        log_msg(LOG_WARN, "audit event %s not recorded: %s %s", action, err.detail, err.cause);
}

/* "clients.create" for POST /api/v1/clients, "users.update" for PATCH /api/v1/users/{id},
 * "users.invite" for POST /api/v1/users/{id}/invite. */
static const char *
route_action(struct req *req)
{
    const char *pattern = req->route->pattern;
    const char *verb = "";
    struct buf b;
    char *out;
    bool action_route = false;
    size_t n;
    char **parts;

    if (str_has_prefix(pattern, "/api/v1/"))
        pattern += 8;
    parts = str_split(req->arena, pattern, '/', &n);
    buf_init(&b, 256);
    for (size_t i = 0; i < n; i++) {
        if (parts[i][0] == '{') {
            action_route = i + 1 < n;
            continue;
        }
        if (b.len)
            buf_puts(&b, ".");
        buf_puts(&b, parts[i]);
    }
    switch (req->method) {
    case HTTP_POST:
        verb = action_route ? "" : ".create";
        break;
    case HTTP_PUT:
        verb = ".replace";
        break;
    case HTTP_PATCH:
        verb = ".update";
        break;
    case HTTP_DELETE:
        verb = ".delete";
        break;
    default:
        break;
    }
    buf_puts(&b, verb);
    out = arena_strdup(req->arena, buf_str(&b));
    buf_cleanup(&b);
    return out;
}

/* The id at the end of the Location header, if the handler set one. */
static const char *
location_id(struct req *req)
{
    const char *name, *value;

    for (size_t i = 0; resp_header_at(req, i, &name, &value); i++) {
        if (str_eq_ci(name, "Location")) {
            const char *slash = strrchr(value, '/');

            return slash ? arena_strdup(req->arena, slash + 1) : NULL;
        }
    }
    return NULL;
}

void
api_audit_write(struct req *req)
{
    struct api_state *state = api_state(req);
    const char *action = state->audit_action ? state->audit_action : route_action(req);
    const char *target = state->audit_target;

    if (!target)
        target = req_param(req, "id");
    if (!target)
        target = location_id(req);
    api_audit(req, NULL, NULL, NULL, action, target);
}

/* ---- GET /api/v1/audit-events --------------------------------------------------------------- */

static int
parse_time_param(const char *name, const char *value, bool *has, int64_t *out, struct err *err)
{
    if (clock_parse_rfc3339(value, out))
        return err_field(err, name, "must be an RFC 3339 date-time such as 2026-01-15T10:30:00Z");
    *has = true;
    return 0;
}

int
api_audit_events_list(struct req *req, struct err *err)
{
    static const char *const names[] = {"actor",         "action",         "target",
                                        "created_after", "created_before", NULL};
    const char *values[5] = {0};
    struct store_audit_filter f = {0};
    struct store_list q;
    struct store_page page;
    struct jsonw w;

    if (api_paging_query(req, names, &q, values, err))
        return -1;
    f.actor = values[0];
    f.action = values[1];
    f.target = values[2];
    if ((values[3] && parse_time_param("created_after", values[3], &f.has_created_after,
                                       &f.created_after, err)) ||
        (values[4] && parse_time_param("created_before", values[4], &f.has_created_before,
                                       &f.created_before, err)))
        return -1;
    if (store_audit_list(api_db(req), &f, &q, &page, err))
        return -1;
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < page.n; i++)
        audit_event_to_json(&w, &page.audit_events[i]);
    jsonw_arr_close(&w);
    api_list_meta(req, &w, &q, &page);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}
