/* SPDX-License-Identifier: MIT */
/* The REST API: the route table, the hooks that authenticate, authorize and make POSTs
 * idempotent, and the handlers. It sits on http/ (which it plugs into through struct route and
 * struct http_hooks) and on the domain modules; it never touches libmicrohttpd or SQL. */
#ifndef VIGIL_API_H
#define VIGIL_API_H

#include <stddef.h>

#include "auth/jwt.h"
#include "auth/ratelimit.h"
#include "core/err.h"
#include "http/http.h"

struct store;
struct scan_policy;
struct secretbox_key;

/* Process-wide state every handler can reach through req->app. Owner: the serve command. */
struct app {
    struct store *store; /* borrowed */
    char *openapi_json;  /* our OpenAPI document as compact JSON (owned) */
    size_t openapi_len;
    /* Bumped after every successful write through the API. Resource GETs derive their ETag
     * from it, so a client revalidating an unchanged list gets its 304 without a query.
     * Starts at a random value so tags from an earlier process never match. */
    _Atomic unsigned long long data_version;

    /* Identity (set by the serve command after api_app_init; all borrowed). Without a key ring
     * JWTs are refused and logins answer 503; without a limiter requests are not limited. */
    const struct jwt_keyring *keys;
    struct jwt_config jwt;
    struct ratelimit *limiter;
    struct ratelimit_throttle *throttle;
    struct ratelimit_tier tier_standard; /* members and viewers */
    struct ratelimit_tier tier_admin;    /* admins and operator tokens */
    struct ratelimit_tier tier_service;  /* service tokens */
    /* Requests that fail authentication, and the public routes that take a secret in the body
     * (refresh, logout, password, session refresh): one bucket per client address.
     * api_app_init sets RATELIMIT_TIER_ANONYMOUS. */
    struct ratelimit_tier tier_anonymous;
    /* Target policy of server-launched scans (VIGIL_SCAN_ALLOW); NULL = deny every special
     * network. Borrowed. */
    const struct scan_policy *scan_policy;
    /* Seals scans' target credentials (auth/secretbox.h); NULL = scans with credentials are
     * refused (503). Borrowed. */
    const struct secretbox_key *scan_key;
};

/* Loads the embedded OpenAPI document. INTERNAL if it does not parse. */
int api_app_init(struct app *app, struct store *store, struct err *err);
void api_app_cleanup(struct app *app);

/* The route table (static storage) and the hooks to hand to http_server_start. */
const struct route *api_routes(size_t *n /* out */);
struct http_hooks api_hooks(void);

#endif
