/* SPDX-License-Identifier: MIT */
/* The webhook codec. Strings and the event list go through the shared table decoder; `active`
 * (the only boolean member of any resource) is read here. Event names are checked against one
 * table, the same the store matches deliveries with. */
#include "model/webhook.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/jsonw.h"
#include "model/model_int.h"

static const char *const event_names[] = {
    "finding.created",  "finding.updated", "finding.deleted", "project.created",
    "report.generated", "scan.completed",  "scan.failed",     "vulnerability.found",
};
#define N_EVENTS (sizeof(event_names) / sizeof(event_names[0]))

const char *const *
webhook_event_names(size_t *n)
{
    *n = N_EVENTS;
    return event_names;
}

bool
webhook_event_known(const char *name)
{
    for (size_t i = 0; name && i < N_EVENTS; i++)
        if (strcmp(name, event_names[i]) == 0)
            return true;
    return false;
}

bool
webhook_subscribes(const char *const *events, size_t n, const char *event)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(events[i], "*") == 0 || strcmp(events[i], event) == 0)
            return true;
    return false;
}

static const struct mfield webhook_fields[] = {
    {.name = "url",
     .kind = MF_STRING,
     .bit = WEBHOOK_F_URL,
     .offset = offsetof(struct webhook, url),
     .required = true,
     .max_len = WEBHOOK_URL_MAX},
    {.name = "events",
     .kind = MF_STRINGS,
     .bit = WEBHOOK_F_EVENTS,
     .offset = offsetof(struct webhook, events),
     .count_offset = offsetof(struct webhook, n_events),
     .required = true,
     .max_len = 64,
     .max_items = WEBHOOK_EVENTS_MAX},
    {.name = "secret",
     .kind = MF_STRING,
     .bit = WEBHOOK_F_SECRET,
     .offset = offsetof(struct webhook, secret),
     .max_len = 1024},
    {.name = "description",
     .kind = MF_STRING,
     .bit = WEBHOOK_F_DESCRIPTION,
     .offset = offsetof(struct webhook, description),
     .max_len = MODEL_NAME_MAX * 5},
};

static const char *const webhook_read_only[] = {"id",
                                                "org_id",
                                                "failing_since",
                                                "disabled_reason",
                                                "previous_secret_expires_at",
                                                "created_at",
                                                "updated_at",
                                                NULL};

int
webhook_from_json(struct webhook *out, json_t *body, enum model_write mode, struct arena *a,
                  struct err *err)
{
    json_t *rest, *active;
    int rc;

    memset(out, 0, sizeof(*out));
    out->active = true;
    if (!json_is_object(body))
        return err_set(err, VALIDATION_ERROR, "The body must be a JSON object.");
    /* `active` is taken out so the table decoder sees only members it knows how to read. */
    rest = json_copy(body);
    active = json_object_get(body, "active");
    json_object_del(rest, "active");
    rc = decode_object(out, &out->present, rest, mode, webhook_fields,
                       sizeof(webhook_fields) / sizeof(webhook_fields[0]), webhook_read_only, a,
                       err);
    json_decref(rest);
    if (active) {
        if (!json_is_boolean(active))
            rc = err_field(err, "active", "must be true or false");
        else {
            out->active = json_is_true(active);
            out->present |= WEBHOOK_F_ACTIVE;
        }
    } else if (mode != MODEL_PATCH) {
        out->present |= WEBHOOK_F_ACTIVE;
    }
    if ((out->present & WEBHOOK_F_EVENTS)) {
        if (out->n_events == 0)
            rc = err_field(err, "events", "must list at least one event");
        for (size_t i = 0; i < out->n_events; i++) {
            if (strcmp(out->events[i], "*") != 0 && !webhook_event_known(out->events[i])) {
                char field[32];

                snprintf(field, sizeof(field), "events[%zu]", i);
                rc = err_field(err, field,
                               "is not an event: one of finding.created, finding.updated, "
                               "finding.deleted, project.created, report.generated, "
                               "scan.completed, scan.failed, vulnerability.found or *");
            }
        }
    }
    if (out->present & WEBHOOK_F_URL && out->url && !*out->url)
        rc = err_field(err, "url", "must not be empty");
    return rc;
}

void
webhook_to_json(struct jsonw *w, const struct webhook *hook)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "id", hook->id);
    jsonw_kstr(w, "url", hook->url);
    jsonw_key(w, "events");
    jsonw_arr_open(w);
    for (size_t i = 0; i < hook->n_events; i++)
        jsonw_str(w, hook->events[i]);
    jsonw_arr_close(w);
    jsonw_kbool(w, "active", hook->active);
    jsonw_kstr(w, "description", hook->description);
    model_kts(w, "failing_since", hook->failing_since);
    jsonw_kstr(w, "disabled_reason", hook->disabled_reason);
    model_kts(w, "previous_secret_expires_at", hook->previous_secret_expires_at);
    if (hook->secret)
        jsonw_kstr(w, "secret", hook->secret);
    model_kts(w, "created_at", hook->created_at);
    model_kts(w, "updated_at", hook->updated_at);
    jsonw_obj_close(w);
}
