/* SPDX-License-Identifier: MIT */
/* Routes about the service itself: health (no credential, 503 when the database cannot
 * answer or cannot store writes), the OpenAPI document, and the caller's organization. */
#include "api/api_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/id.h"
#include "core/jsonw.h"
#include "core/xalloc.h"
#include "model/org.h"
#include "spec/spec.h"

#include "embed_files.h"

int
api_app_init(struct app *app, struct store *store, struct err *err)
{
    json_t *doc;
    char *text;

    unsigned long long version;

    memset(app, 0, sizeof(*app));
    app->store = store;
    app->tier_anonymous = RATELIMIT_TIER_ANONYMOUS;
    random_bytes(&version, sizeof(version));
    atomic_store(&app->data_version, version >> 1);
    doc = yaml_to_json((const char *)embed_docs_openapi_yaml, embed_docs_openapi_yaml_len, err);
    if (!doc) {
        char why[ERR_TEXT_MAX];

        snprintf(why, sizeof(why), "%s", err->detail);
        return err_internal(err, "embedded docs/openapi.yaml does not parse: %s", why);
    }
    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text)
        return err_internal(err, "cannot serialise the OpenAPI document");
    app->openapi_json = text;
    app->openapi_len = strlen(text);
    return 0;
}

void
api_app_cleanup(struct app *app)
{
    free(app->openapi_json);
    app->openapi_json = NULL;
}

int
api_health(struct req *req, struct err *err)
{
    struct jsonw w;
    struct err ping = {0};
    char now[32];
    bool reachable = store_ping(api_app(req)->store, &ping) == 0;
    /* Reads answering is not enough: writes may be failing (disk full, read-only, I/O). */
    enum store_health writes =
        reachable ? store_write_health(api_app(req)->store) : STORE_HEALTH_OK;
    static const char *const database[] = {
        [STORE_HEALTH_OK] = "ok",
        [STORE_HEALTH_FULL] = "full",
        [STORE_HEALTH_READ_ONLY] = "read_only",
        [STORE_HEALTH_IO_ERROR] = "io_error",
    };
    bool ok = reachable && writes == STORE_HEALTH_OK;

    (void)err;
    clock_format_rfc3339(clock_now(), now, sizeof(now));
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "status", ok ? "healthy" : "unhealthy");
    jsonw_kstr(&w, "version", VIGIL_VERSION);
    jsonw_kstr(&w, "timestamp", now);
    jsonw_kstr(&w, "database", reachable ? database[writes] : "unavailable");
    jsonw_obj_close(&w);
    return resp_json(req, ok ? 200 : 503);
}

int
api_openapi(struct req *req, struct err *err)
{
    struct app *app = api_app(req);

    (void)err;
    buf_append(resp_body(req), app->openapi_json, app->openapi_len);
    resp_header(req, "Cache-Control", "no-cache");
    resp_header(req, "Access-Control-Allow-Origin", "*");
    resp_enable_etag(req);
    return resp_json(req, 200);
}

int
api_organization_get(struct req *req, struct err *err)
{
    struct org org;
    struct jsonw w;

    if (store_org_get(api_app(req)->store, api_state(req)->who.org_id, req->arena, &org, err))
        return -1;
    jsonw_init(&w, resp_body(req));
    jsonw_obj_open(&w);
    jsonw_key(&w, "data");
    org_to_json(&w, &org);
    jsonw_obj_close(&w);
    return resp_json(req, 200);
}
