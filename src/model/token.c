/* SPDX-License-Identifier: MIT */
/* The API token codec. The decoder reads a creation request only: a token's scopes and expiry
 * never change after creation (revoke and create another), so there is no PATCH. */
#include "model/token.h"

#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "model/model_int.h"
#include "model/scope.h"

bool
api_token_is_active(const struct api_token *t, int64_t now)
{
    if (t->revoked_at != 0)
        return false;
    return t->expires_at == 0 || now < t->expires_at;
}

static int
decode_scopes(json_t *v, uint32_t *mask, struct err *err)
{
    size_t i;
    json_t *item;
    struct buf unknown;
    int rc = 0;

    if (!json_is_array(v) || json_array_size(v) == 0)
        return err_field(err, "scopes", "must be a non-empty array of scope names");
    buf_init(&unknown, 100);
    *mask = 0;
    json_array_foreach(v, i, item)
    {
        uint32_t bit;

        if (!json_is_string(item)) {
            rc = err_field(err, "scopes", "must contain only strings");
            break;
        }
        bit = scope_parse_one(json_string_value(item));
        if (!bit) {
            if (unknown.len)
                buf_puts(&unknown, ", ");
            buf_puts(&unknown, json_string_value(item));
            rc = -1;
        }
        *mask |= bit;
    }
    if (rc && unknown.len)
        err_field(err, "scopes", "unknown scope: %s", buf_str(&unknown));
    buf_cleanup(&unknown);
    return rc;
}

static int
decode_expires_in(json_t *v, int64_t now, int64_t *expires_at, struct err *err)
{
    static const struct {
        const char *name;
        int64_t seconds;
    } choices[] = {{"never", 0}, {"30d", 30 * 86400}, {"90d", 90 * 86400}, {"1y", 365 * 86400}};
    const char *s = json_string_value(v);

    for (size_t i = 0; s && i < sizeof(choices) / sizeof(choices[0]); i++) {
        if (strcmp(s, choices[i].name) == 0) {
            *expires_at = choices[i].seconds ? now + choices[i].seconds : 0;
            return 0;
        }
    }
    return err_field(err, "expires_in", "must be one of: never, 30d, 90d, 1y");
}

static int
decode_expires_at(json_t *v, int64_t now, int64_t *expires_at, struct err *err)
{
    const char *s = json_string_value(v);
    int64_t t;

    if (json_is_null(v)) {
        *expires_at = 0;
        return 0;
    }
    if (!s || (clock_parse_rfc3339(s, &t) != 0 && clock_parse_date(s, &t) != 0))
        return err_field(err, "expires_at", "must be an RFC 3339 date-time or YYYY-MM-DD");
    if (t <= now)
        return err_field(err, "expires_at", "must be in the future");
    *expires_at = t;
    return 0;
}

int
api_token_from_json(struct api_token *out, json_t *body, int64_t now, struct arena *a,
                    struct err *err)
{
    const char *key;
    json_t *v;
    int rc = 0;
    bool have_in = false, have_at = false;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(body))
        return err_set(err, VALIDATION_ERROR, "The request body must be a JSON object.");
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "name") == 0) {
            const char *s = json_string_value(v);

            if (!s || json_string_length(v) != strlen(s) || json_string_length(v) == 0)
                rc = err_field(err, "name", "must be a non-empty string");
            else if (json_string_length(v) > MODEL_NAME_MAX)
                rc = err_field(err, "name", "must be at most %d bytes long", MODEL_NAME_MAX);
            else
                out->name = arena_strdup(a, s);
        } else if (strcmp(key, "scopes") == 0) {
            if (decode_scopes(v, &out->scopes, err))
                rc = -1;
        } else if (strcmp(key, "expires_in") == 0) {
            have_in = true;
            if (decode_expires_in(v, now, &out->expires_at, err))
                rc = -1;
        } else if (strcmp(key, "expires_at") == 0) {
            have_at = true;
            if (decode_expires_at(v, now, &out->expires_at, err))
                rc = -1;
        } else if (strcmp(key, "id") == 0 || strcmp(key, "created_at") == 0 ||
                   strcmp(key, "last_used_at") == 0 || strcmp(key, "revoked_at") == 0 ||
                   strcmp(key, "token_prefix") == 0 || strcmp(key, "created_by") == 0) {
            rc = err_field(err, key, "is read-only");
        } else {
            rc = err_field(err, key, "is not a known field");
        }
    }
    if (!json_object_get(body, "name"))
        rc = err_field(err, "name", "is required");
    if (!json_object_get(body, "scopes"))
        rc = err_field(err, "scopes", "is required");
    if (have_in && have_at)
        rc = err_field(err, "expires_at", "must not be sent together with expires_in");
    return rc ? -1 : 0;
}

void
api_token_to_json(struct jsonw *w, const struct api_token *t)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "id", t->id);
    jsonw_kstr(w, "name", t->name);
    jsonw_key(w, "scopes");
    jsonw_arr_open(w);
    for (int i = 0; i < SCOPE_BIT_COUNT; i++) {
        if (t->scopes & ((uint32_t)1 << i))
            jsonw_str(w, scope_name((enum scope_bit)i));
    }
    jsonw_arr_close(w);
    jsonw_kstr(w, "token_prefix", t->token_prefix);
    model_kts(w, "created_at", t->created_at);
    model_kts(w, "expires_at", t->expires_at);
    model_kts(w, "last_used_at", t->last_used_at);
    model_kts(w, "revoked_at", t->revoked_at);
    jsonw_kstr(w, "created_by", t->created_by);
    jsonw_kstr(w, "user_id", t->user_id);
    jsonw_kstr(w, "service_account_id", t->service_account_id);
    jsonw_obj_close(w);
}
