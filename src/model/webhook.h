/* SPDX-License-Identifier: MIT */
/* A webhook endpoint: a URL of the organization's that receives signed event deliveries, its
 * event subscription, its secret(s) and whether it is active. The secret is write-only on the
 * wire: it appears in the answer that created or rotated it, and never again. Strings are
 * borrowed; NULL = absent. */
#ifndef VIGIL_MODEL_WEBHOOK_H
#define VIGIL_MODEL_WEBHOOK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "model/model.h"

struct arena;
struct jsonw;

#define WEBHOOK_F_URL         ((uint64_t)1 << 0)
#define WEBHOOK_F_EVENTS      ((uint64_t)1 << 1)
#define WEBHOOK_F_SECRET      ((uint64_t)1 << 2)
#define WEBHOOK_F_ACTIVE      ((uint64_t)1 << 3)
#define WEBHOOK_F_DESCRIPTION ((uint64_t)1 << 4)

#define WEBHOOK_EVENTS_MAX 16   /* names in one subscription */
#define WEBHOOK_URL_MAX    2048 /* bytes of a URL */

struct webhook {
    const char *id; /* "wh_..." */
    const char *org_id;
    const char *url;     /* required; http or https */
    const char **events; /* required, 1..WEBHOOK_EVENTS_MAX distinct names, or "*" */
    size_t n_events;
    const char *secret; /* write-only: set on input, and on output only when just created or
                           rotated */
    bool active;        /* default true */
    const char *description;
    int64_t failing_since;       /* first failed attempt of the current failure streak, 0 = none */
    const char *disabled_reason; /* why the server deactivated it (410, failing 5 days) */
    int64_t previous_secret_expires_at; /* the rotated-out secret signs too until then; 0 = none */
    int64_t created_at;
    int64_t updated_at;
    uint64_t present; /* WEBHOOK_F_* */
};

/* The event names a subscription may list (static storage), *n receives the count; "*" is not
 * among them (it means all of them). `ping` is sent by POST /webhooks/{id}/test only. */
const char *const *webhook_event_names(size_t *n /* out */);
/* True if `name` is one of webhook_event_names. */
bool webhook_event_known(const char *name);
/* True if a subscription (events, n) includes `event` (by name or by "*"). */
bool webhook_subscribes(const char *const *events, size_t n, const char *event);

/* Decodes {"url", "events", "secret", "active", "description"} for MODEL_CREATE or MODEL_PATCH.
 * VALIDATION_ERROR per bad member: url not a string or longer than WEBHOOK_URL_MAX, events not
 * a non-empty array of known names ("events[2]" names the unknown one), secret not a string
 * (its strength is checked by the caller, which knows the signer), active not a boolean,
 * unknown or read-only members. Duplicated events are dropped. The URL's scheme and host are
 * checked by the caller against the target policy. */
int webhook_from_json(struct webhook *out /* out */, json_t *body, enum model_write mode,
                      struct arena *a, struct err *err);

/* {"id", "url", "events", "active", "description", "failing_since", "disabled_reason",
 * "previous_secret_expires_at", "created_at", "updated_at"} and "secret" when w->secret is set. */
void webhook_to_json(struct jsonw *w, const struct webhook *hook);

#endif
