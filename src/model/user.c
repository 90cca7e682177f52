/* SPDX-License-Identifier: MIT */
/* The user, service account and audit event codecs. Decoders refuse unknown and read-only
 * members like every other resource, so a client cannot set its own id or password hash. */
#include "model/user.h"

#include <string.h>

#include "core/arena.h"
#include "core/jsonw.h"
#include "model/model.h"
#include "model/model_int.h"
#include "model/scope.h"

static const char *const role_names[] = {"viewer", "member", "admin"};

const char *
user_role_name(enum user_role role)
{
    if ((unsigned)role >= sizeof(role_names) / sizeof(role_names[0]))
        return "viewer";
    return role_names[role];
}

int
user_role_parse(const char *s, enum user_role *out)
{
    for (size_t i = 0; s && i < sizeof(role_names) / sizeof(role_names[0]); i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *out = (enum user_role)i;
            return 0;
        }
    }
    return -1;
}

uint32_t
user_role_scopes(enum user_role role)
{
    uint32_t read = 0, write = 0;

    for (int i = 0; i < SCOPE_BIT_COUNT; i++) {
        const char *name = scope_name((enum scope_bit)i);
        size_t len = strlen(name);

        if (len > 5 && strcmp(name + len - 5, ":read") == 0)
            read |= (uint32_t)1 << i;
        else if (len > 6 && strcmp(name + len - 6, ":write") == 0)
            write |= (uint32_t)1 << i;
    }
    switch (role) {
    case USER_ROLE_ADMIN:
        return SCOPE_ALL;
    case USER_ROLE_MEMBER:
        return read | write;
    case USER_ROLE_VIEWER:
        break;
    }
    return read;
}

static bool
username_valid(const char *s, size_t len)
{
    if (len == 0 || len > USER_USERNAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '+' || c == '-'))
            return false;
    }
    return true;
}

static int
decode_role(json_t *v, enum user_role *role, struct err *err)
{
    if (user_role_parse(json_string_value(v), role))
        return err_field(err, "role", "must be one of: admin, member, viewer");
    return 0;
}

static bool
read_only_member(const char *key)
{
    static const char *const names[] = {"id",     "created_at", "updated_at", "password_hash",
                                        "org_id", "created_by"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(key, names[i]) == 0)
            return true;
    }
    return false;
}

int
user_write_from_json(struct user_write *out, json_t *body, bool patch, struct arena *a,
                     struct err *err)
{
    const char *key;
    json_t *v;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    out->role = USER_ROLE_MEMBER;
    if (!json_is_object(body))
        return err_set(err, VALIDATION_ERROR, "The request body must be a JSON object.");
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "role") == 0) {
            if (decode_role(v, &out->role, err))
                rc = -1;
            out->present |= USER_SET_ROLE;
        } else if (strcmp(key, "disabled") == 0) {
            if (!json_is_boolean(v))
                rc = err_field(err, "disabled", "must be true or false");
            out->disabled = json_is_true(v);
            out->present |= USER_SET_DISABLED;
        } else if (!patch && strcmp(key, "username") == 0) {
            const char *s = json_string_value(v);

            if (!s || !username_valid(s, json_string_length(v)))
                rc = err_field(err, "username",
                               "must be 1 to %d characters of letters, digits and ._@+-",
                               USER_USERNAME_MAX);
            else
                out->username = arena_strdup(a, s);
        } else if (!patch && strcmp(key, "password") == 0) {
            const char *s = json_string_value(v);

            if (!s || json_string_length(v) != strlen(s))
                rc = err_field(err, "password", "must be a string");
            else
                out->password = arena_strdup(a, s);
            out->present |= USER_SET_PASSWORD;
        } else if (read_only_member(key) || strcmp(key, "username") == 0) {
            rc = err_field(err, key, "is read-only");
        } else {
            rc = err_field(err, key, "is not a known field");
        }
    }
    if (!patch && !json_object_get(body, "username"))
        rc = err_field(err, "username", "is required");
    return rc ? -1 : 0;
}

void
user_to_json(struct jsonw *w, const struct user *u)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "id", u->id);
    jsonw_kstr(w, "username", u->username);
    jsonw_kstr(w, "role", user_role_name(u->role));
    jsonw_kbool(w, "disabled", u->disabled);
    model_kts(w, "created_at", u->created_at);
    model_kts(w, "updated_at", u->updated_at);
    jsonw_obj_close(w);
}

int
service_account_from_json(struct service_account *out, json_t *body, struct arena *a,
                          struct err *err)
{
    const char *key;
    json_t *v;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    out->role = USER_ROLE_MEMBER;
    if (!json_is_object(body))
        return err_set(err, VALIDATION_ERROR, "The request body must be a JSON object.");
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "name") == 0) {
            const char *s = json_string_value(v);

            if (!s || json_string_length(v) != strlen(s) || json_string_length(v) == 0 ||
                json_string_length(v) > MODEL_NAME_MAX)
                rc = err_field(err, "name", "must be a string of 1 to %d bytes", MODEL_NAME_MAX);
            else
                out->name = arena_strdup(a, s);
        } else if (strcmp(key, "role") == 0) {
            if (decode_role(v, &out->role, err))
                rc = -1;
        } else if (read_only_member(key)) {
            rc = err_field(err, key, "is read-only");
        } else {
            rc = err_field(err, key, "is not a known field");
        }
    }
    if (!json_object_get(body, "name"))
        rc = err_field(err, "name", "is required");
    return rc ? -1 : 0;
}

void
service_account_to_json(struct jsonw *w, const struct service_account *s)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "id", s->id);
    jsonw_kstr(w, "name", s->name);
    jsonw_kstr(w, "role", user_role_name(s->role));
    jsonw_kstr(w, "created_by", s->created_by);
    model_kts(w, "created_at", s->created_at);
    model_kts(w, "updated_at", s->updated_at);
    jsonw_obj_close(w);
}
