/* SPDX-License-Identifier: MIT */
/* The SLA setting and the risk acceptance request: their decoders and the due-time rule, so
 * the API validates and the store computes from one definition. */
#include "model/sla.h"

#include <ctype.h>
#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "model/model_int.h"

/* The wire names of the severities that have an SLA, most severe first. */
static const struct {
    const char *name;
    enum severity severity;
} sla_keys[] = {
    {"critical", SEVERITY_CRITICAL},
    {"high", SEVERITY_HIGH},
    {"medium", SEVERITY_MEDIUM},
    {"low", SEVERITY_LOW},
};
#define N_SLA_KEYS (sizeof(sla_keys) / sizeof(sla_keys[0]))

void
finding_sla_defaults(struct finding_sla *out)
{
    memset(out, 0, sizeof(*out));
    out->days[SEVERITY_CRITICAL] = SLA_DEFAULT_CRITICAL;
    out->days[SEVERITY_HIGH] = SLA_DEFAULT_HIGH;
    out->days[SEVERITY_MEDIUM] = SLA_DEFAULT_MEDIUM;
    out->days[SEVERITY_LOW] = SLA_DEFAULT_LOW;
}

int64_t
finding_sla_due(const struct finding_sla *sla, enum severity severity, int64_t first_seen)
{
    if (severity <= SEVERITY_INFO || severity >= SEVERITY_COUNT || sla->days[severity] <= 0)
        return 0;
    return first_seen + (int64_t)sla->days[severity] * 86400;
}

int
finding_sla_from_json(struct finding_sla *out, json_t *body, struct err *err)
{
    const char *key;
    json_t *value;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(body))
        return err_set(err, VALIDATION_ERROR, "The body must be a JSON object.");
    json_object_foreach(body, key, value)
    {
        bool known = false;

        for (size_t i = 0; i < N_SLA_KEYS; i++)
            known = known || strcmp(key, sla_keys[i].name) == 0;
        if (!known)
            rc = err_field(err, key, "is not a field of the SLA setting");
    }
    for (size_t i = 0; i < N_SLA_KEYS; i++) {
        json_t *v = json_object_get(body, sla_keys[i].name);
        json_int_t n;

        if (!v) {
            rc = err_field(err, sla_keys[i].name, "is required");
            continue;
        }
        n = json_is_integer(v) ? json_integer_value(v) : 0;
        if (!json_is_integer(v) || n < SLA_DAYS_MIN || n > SLA_DAYS_MAX) {
            rc = err_field(err, sla_keys[i].name, "must be an integer from %d to %d (days)",
                           SLA_DAYS_MIN, SLA_DAYS_MAX);
            continue;
        }
        out->days[sla_keys[i].severity] = (int)n;
    }
    return rc ? -1 : 0;
}

void
finding_sla_to_json(struct jsonw *w, const struct finding_sla *sla, int64_t updated_at)
{
    jsonw_obj_open(w);
    for (size_t i = 0; i < N_SLA_KEYS; i++)
        jsonw_kint(w, sla_keys[i].name, sla->days[sla_keys[i].severity]);
    model_kts(w, "updated_at", updated_at);
    jsonw_obj_close(w);
}

/* Characters of UTF-8 text: the bytes that do not continue a sequence. */
static size_t
utf8_length(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool
blank(const char *s)
{
    for (; *s; s++) {
        if (!isspace((unsigned char)*s))
            return false;
    }
    return true;
}

int
finding_acceptance_from_json(struct finding_acceptance *out, json_t *body, int64_t now,
                             struct arena *a, struct err *err)
{
    const char *key;
    json_t *value, *reason, *expires;
    int64_t at;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(body))
        return err_set(err, VALIDATION_ERROR, "The body must be a JSON object.");
    json_object_foreach(body, key, value)
    {
        if (strcmp(key, "reason") != 0 && strcmp(key, "expires_at") != 0)
            rc = err_field(err, key, "is not a field of a risk acceptance");
    }
    reason = json_object_get(body, "reason");
    if (!reason || json_is_null(reason))
        rc = err_field(err, "reason", "is required");
    else if (!json_is_string(reason))
        rc = err_field(err, "reason", "must be a string");
    else if (blank(json_string_value(reason)))
        rc = err_field(err, "reason", "must not be empty");
    else if (utf8_length(json_string_value(reason)) > ACCEPT_REASON_MAX)
        rc = err_field(err, "reason", "must be at most %d characters long", ACCEPT_REASON_MAX);
    else
        out->reason = arena_strdup(a, json_string_value(reason));
    expires = json_object_get(body, "expires_at");
    if (!expires || json_is_null(expires))
        rc = err_field(err, "expires_at", "is required");
    else if (!json_is_string(expires) || clock_parse_rfc3339(json_string_value(expires), &at))
        rc = err_field(err, "expires_at",
                       "must be an RFC 3339 date-time such as 2026-01-15T10:30:00Z");
    else if (at <= now)
        rc = err_field(err, "expires_at", "must be in the future");
    else if (at - now > ACCEPT_HORIZON_MAX)
        rc = err_field(err, "expires_at", "must be at most 3 years ahead");
    else
        out->expires_at = at;
    return rc ? -1 : 0;
}
