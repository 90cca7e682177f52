/* SPDX-License-Identifier: MIT */
/* SLAs and risk acceptance (issue 11): GET/PUT /settings/sla (an organization's SLA days per
 * severity, admin only, audited like the scan policy) and POST /findings/{id}/accept. The
 * model validates (model/sla.h), the store applies in one transaction and the finding is
 * answered as GET shows it, acceptance included. */
#include "api/api_int.h"

#include "core/arena.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "model/finding.h"
#include "model/sla.h"

static int
send_sla(struct req *req, const struct finding_sla *sla, int64_t updated_at)
{
    struct jsonw w;

    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    finding_sla_to_json(&w, sla, updated_at);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

int
api_settings_sla_get(struct req *req, struct err *err)
{
    struct finding_sla sla;
    int64_t at;

    if (store_sla_get(api_db(req), &sla, &at, err))
        return -1;
    return send_sla(req, &sla, at);
}

/* PUT /settings/sla: {"critical", "high", "medium", "low"} days, each required. Every finding's
 * sla_due_at follows in the same transaction. */
int
api_settings_sla_put(struct req *req, struct err *err)
{
    json_t *body = req_json_body(req, err);
    struct finding_sla in, out;
    int64_t at;

    if (!body || finding_sla_from_json(&in, body, err) || store_sla_put(api_db(req), &in, err) ||
        store_sla_get(api_db(req), &out, &at, err))
        return -1;
    api_state(req)->audit_action = "settings.sla.update";
    return send_sla(req, &out, at);
}

/* POST /findings/{id}/accept: {"reason", "expires_at"}. The finding is accepted by the calling
 * principal (its id is the actor of the request) until expires_at. */
int
api_findings_accept(struct req *req, struct err *err)
{
    struct finding_acceptance in;
    struct finding out;
    struct jsonw w;
    const char *id = api_path_id(req, "find_", "finding", err);
    json_t *body;

    if (!id)
        return -1;
    body = req_json_body(req, err);
    if (!body || finding_acceptance_from_json(&in, body, clock_now(), req->arena, err))
        return -1;
    if (store_finding_accept(api_db(req), id, &in, &out, err))
        return api_store_failed(err, "finding", id);
    api_state(req)->audit_action = "findings.accept";
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    finding_to_json(&w, &out);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}
