/* SPDX-License-Identifier: MIT */
/* Webhook endpoints and their delivery log: CRUD, the deliveries list, redelivery, a test
 * ping and secret rotation. The URL is checked against the same target policy as server
 * scans here, so the client learns at once; the workers check every socket again at connect
 * time (jobs/webhook_job.c). A secret is shown in the answer that created or rotated it and
 * never again. */
#include "api/api_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/jsonw.h"
#include "core/str.h"
#include "model/webhook.h"
#include "scan/policy.h"
#include "webhook/webhook.h"

#define ROTATION_OVERLAP_SECONDS (24 * 3600) /* the old secret keeps signing this long */

static int
send_webhook(struct req *req, const struct webhook *hook, int status)
{
    struct jsonw w;

    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    webhook_to_json(&w, hook);
    jsonw_obj_close(&w);
    return resp_json(req, status);
}

static void
kts(struct jsonw *w, const char *key, int64_t t)
{
    char ts[32];

    if (t)
        jsonw_kstr(w, key, clock_format_rfc3339(t, ts, sizeof(ts)));
    else
        jsonw_knull(w, key);
}

static void
delivery_to_json(struct jsonw *w, const struct store_delivery *d)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "id", d->id);
    jsonw_kstr(w, "webhook_id", d->webhook_id);
    jsonw_kstr(w, "message_id", d->message_id);
    jsonw_kstr(w, "event", d->event);
    jsonw_kstr(w, "status", store_delivery_status_name(d->status));
    jsonw_kint(w, "attempt_count", d->attempts);
    kts(w, "next_attempt_at", d->next_attempt_at);
    jsonw_key(w, "attempts");
    jsonw_arr_open(w);
    for (size_t i = 0; i < d->n_log; i++) {
        const struct store_attempt *a = &d->log[i];

        jsonw_obj_open(w);
        jsonw_kint(w, "attempt", a->attempt);
        kts(w, "at", a->at);
        if (a->status_code > 0)
            jsonw_kint(w, "status_code", a->status_code);
        else
            jsonw_knull(w, "status_code");
        jsonw_kint(w, "latency_ms", a->latency_ms);
        jsonw_kstr(w, "error", a->error);
        jsonw_kstr(w, "response", a->response);
        jsonw_obj_close(w);
    }
    jsonw_arr_close(w);
    kts(w, "created_at", d->created_at);
    kts(w, "updated_at", d->updated_at);
    jsonw_obj_close(w);
}

static int
send_delivery(struct req *req, const struct store_delivery *d, int status)
{
    struct jsonw w;

    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    delivery_to_json(&w, d);
    jsonw_obj_close(&w);
    return resp_json(req, status);
}

/* The URL: http(s), a host, every address allowed by the target policy (422
 * TARGET_NOT_ALLOWED on "url"). */
static int
check_url(struct req *req, const char *url, struct err *err)
{
    if (!str_has_prefix(url, "http://") && !str_has_prefix(url, "https://"))
        return err_field(err, "url", "must be an http or https URL");
    return scan_policy_check_url(api_app(req)->scan_policy, url, "url", err);
}

static int
check_secret(const char *secret, struct err *err)
{
    unsigned char key[WEBHOOK_KEY_MAX];
    size_t n;
    int rc = webhook_secret_key(secret, key, &n);

    str_wipe(key, sizeof(key));
    if (rc)
        return err_field(err, "secret",
                         "must be whsec_ followed by the base64 of %d to %d bytes, or a string "
                         "of %d to %d characters",
                         WEBHOOK_SECRET_MIN, WEBHOOK_KEY_MAX, WEBHOOK_SECRET_MIN,
                         WEBHOOK_SECRET_MAX);
    return 0;
}

int
api_webhooks_create(struct req *req, struct err *err)
{
    struct webhook in, out;
    json_t *body = req_json_body(req, err);
    char generated[64];
    int rc;

    if (!body || webhook_from_json(&in, body, MODEL_CREATE, req->arena, err))
        return -1;
    if (check_url(req, in.url, err))
        return -1;
    if (in.secret && check_secret(in.secret, err))
        return -1;
    if (!in.secret) {
        webhook_secret_generate(generated, sizeof(generated));
        in.secret = generated;
    }
    rc = store_webhook_create(api_db(req), &in, &out, err);
    if (rc == 0)
        out.secret = arena_strdup(req->arena, in.secret);
    str_wipe(generated, sizeof(generated));
    if (rc)
        return -1;
    resp_location(req, "/api/v1/webhooks/%s", out.id);
    /* The one answer that carries the secret (besides rotate-secret). */
    api_once_secret(req); /* the secret is shown in this answer only */
    return send_webhook(req, &out, 201);
}

int
api_webhooks_get(struct req *req, struct err *err)
{
    struct webhook out;
    const char *id = api_path_id(req, "wh_", "webhook", err);

    if (!id)
        return -1;
    if (store_webhook_get(api_db(req), id, &out, err))
        return api_store_failed(err, "webhook", id);
    return send_webhook(req, &out, 200);
}

int
api_webhooks_patch(struct req *req, struct err *err)
{
    struct webhook in, out;
    const char *id = api_path_id(req, "wh_", "webhook", err);
    json_t *body;

    if (!id)
        return -1;
    body = req_json_body(req, err);
    if (!body || webhook_from_json(&in, body, MODEL_PATCH, req->arena, err))
        return -1;
    if (in.present & WEBHOOK_F_SECRET)
        return err_field(err, "secret",
                         "is changed with POST /api/v1/webhooks/{id}/rotate-secret, so the old "
                         "one keeps signing for 24 h");
    if ((in.present & WEBHOOK_F_URL) && check_url(req, in.url, err))
        return -1;
    if (store_webhook_update(api_db(req), id, &in, &out, err))
        return api_store_failed(err, "webhook", id);
    return send_webhook(req, &out, 200);
}

int
api_webhooks_delete(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "wh_", "webhook", err);

    if (!id)
        return -1;
    if (store_webhook_delete(api_db(req), id, err))
        return api_store_failed(err, "webhook", id);
    return resp_empty(req, 204);
}

int
api_webhooks_list(struct req *req, struct err *err)
{
    struct store_list q;
    struct store_page page;
    struct jsonw w;

    if (api_list_query(req, STORE_WEBHOOKS, 0, NULL, &q, err) ||
        store_webhook_list(api_db(req), &q, &page, err))
        return -1;
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < page.n; i++)
        webhook_to_json(&w, &page.webhooks[i]);
    jsonw_arr_close(&w);
    api_list_meta(req, &w, &q, &page);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

int
api_webhooks_deliveries(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "wh_", "webhook", err);
    struct store_filter *fixed;
    const char **values;
    struct store_list q;
    struct store_page page;
    struct jsonw w;

    if (!id)
        return -1;
    fixed = arena_calloc(req->arena, 1, sizeof(*fixed));
    values = arena_calloc(req->arena, 1, sizeof(*values));
    values[0] = id;
    fixed->field = "webhook_id";
    fixed->values = values;
    fixed->n_values = 1;
    if (api_list_query(req, STORE_WEBHOOK_DELIVERIES, 0, fixed, &q, err))
        return -1;
    if (store_webhook_deliveries(api_db(req), id, &q, &page, err))
        return api_store_failed(err, "webhook", id);
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < page.n; i++)
        delivery_to_json(&w, &page.deliveries[i]);
    jsonw_arr_close(&w);
    api_list_meta(req, &w, &q, &page);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}

int
api_webhooks_redeliver(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "wh_", "webhook", err);
    const char *delivery_id = req_param(req, "delivery_id");
    struct store_delivery d;

    if (!id)
        return -1;
    if (!delivery_id || !id_is_valid(delivery_id, "dlv_"))
        return api_not_found(err, "delivery", delivery_id);
    if (store_webhook_redeliver(api_db(req), id, delivery_id, &d, err)) {
        if (err->code == ERR_NOT_FOUND && strstr(err->detail, "delivery")) {
            err_clear(err);
            return api_not_found(err, "delivery", delivery_id);
        }
        return api_store_failed(err, "webhook", id);
    }
    return send_delivery(req, &d, 202);
}

int
api_webhooks_test(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "wh_", "webhook", err);
    struct store_delivery d;

    if (!id)
        return -1;
    if (store_webhook_ping(api_db(req), id, &d, err))
        return api_store_failed(err, "webhook", id);
    return send_delivery(req, &d, 202);
}

int
api_webhooks_rotate(struct req *req, struct err *err)
{
    const char *id = api_path_id(req, "wh_", "webhook", err);
    char secret[64];
    struct webhook out;
    int rc;

    if (!id)
        return -1;
    webhook_secret_generate(secret, sizeof(secret));
    rc = store_webhook_rotate(api_db(req), id, secret, clock_now() + ROTATION_OVERLAP_SECONDS, &out,
                              err);
    str_wipe(secret, sizeof(secret));
    if (rc)
        return api_store_failed(err, "webhook", id);
    /* The one answer that carries the new secret. */
    api_once_secret(req);
    return send_webhook(req, &out, 200);
}
