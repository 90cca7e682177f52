/* SPDX-License-Identifier: MIT */
/* The planner turns the spec's operations into requests a server accepts: parameter values and
 * JSON bodies come from examples, enums, defaults and formats, within the schema's bounds, with
 * unique strings so repeated creates do not collide. Operations are ordered in phases: creators
 * (POST to a collection) and lists first, then operations that consume what they returned. Ids
 * and names from those answers (and OpenAPI links, where present) fill path parameters by name
 * and resource: the `id` of POST /users feeds `{id}` of /users/{id} and `{userId}` or `user_id`
 * elsewhere. A value from a create call marks the operation as working on the scan's own data. */
#include "scan/scan_int.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/id.h"
#include "core/str.h"
#include "core/xalloc.h"

#define PLAN_MAX_DEPTH      6
#define PLAN_STRING_MAX     256
#define PLAN_MAX_NODES      2000 /* schema nodes expanded for one value */
#define PLAN_HARVEST_FIELDS 64   /* fields of one answer remembered */

/* ---- value generation ---------------------------------------------------------------------- */

/* Six random [a-z0-9] characters into out (7 bytes): makes generated values unique. Scans may
 * run in parallel threads, so the caller owns the storage. */
static const char *
unique_suffix(char out[7])
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[6];

    random_bytes(r, sizeof(r));
    for (size_t i = 0; i < sizeof(r); i++)
        out[i] = alphabet[r[i] % 36];
    out[6] = '\0';
    return out;
}

/* Characters a simple regex atom allows, into set (256 flags). Returns the atom's length in the
 * pattern, or 0 if the atom is not one we understand. */
static size_t
pattern_atom(const char *p, bool set[256])
{
    memset(set, 0, 256);
    if (p[0] == '\\') {
        if (p[1] == 'd') {
            for (int c = '0'; c <= '9'; c++)
                set[c] = true;
        } else if (p[1] == 'w') {
            for (int c = 0; c < 256; c++)
                set[c] = isalnum(c) || c == '_';
        } else if (p[1] && strchr(".-/\\+*?()[]{}^$|_@", p[1])) {
            set[(unsigned char)p[1]] = true;
        } else {
            return 0;
        }
        return 2;
    }
    if (p[0] == '[') {
        size_t i = 1;

        if (p[i] == '^')
            return 0;
        while (p[i] && p[i] != ']') {
            unsigned char a = (unsigned char)p[i];

            if (a == '\\' && p[i + 1] == 'd') {
                for (int c = '0'; c <= '9'; c++)
                    set[c] = true;
                i += 2;
                continue;
            }
            if (a == '\\' && p[i + 1]) {
                set[(unsigned char)p[i + 1]] = true;
                i += 2;
                continue;
            }
            if (p[i + 1] == '-' && p[i + 2] && p[i + 2] != ']') {
                for (int c = a; c <= (unsigned char)p[i + 2]; c++)
                    set[c] = true;
                i += 3;
                continue;
            }
            set[a] = true;
            i++;
        }
        return p[i] == ']' ? i + 1 : 0;
    }
    if (p[0] == '.') {
        for (int c = 'a'; c <= 'z'; c++)
            set[c] = true;
        return 1;
    }
    if (strchr("()|*+?{}", p[0]) || !p[0])
        return 0;
    set[(unsigned char)p[0]] = true;
    return 1;
}

/* A string matching a simple pattern (atoms with {n}, {n,m}, +, *, ?), or NULL. */
static char *
from_pattern(struct scan *scan, const char *pattern)
{
    struct buf out;
    const char *p = pattern;
    bool set[256];
    unsigned char rnd[1];
    char *s;

    buf_init(&out, PLAN_STRING_MAX);
    if (*p == '^')
        p++;
    while (*p && !(p[0] == '$' && p[1] == '\0')) {
        size_t n = pattern_atom(p, set);
        long lo = 1, hi = 1;
        char choices[256];
        size_t n_choices = 0;

        if (!n)
            goto fail;
        p += n;
        if (*p == '{') {
            char *end;

            lo = strtol(p + 1, &end, 10);
            hi = lo;
            if (*end == ',') {
                hi = end[1] == '}' ? lo + 4 : strtol(end + 1, &end, 10);
                if (*end == '}')
                    end--;
                end++;
            }
            if (*end != '}' || lo < 0 || hi < lo || hi > 64)
                goto fail;
            p = end + 1;
        } else if (*p == '+') {
            lo = 6;
            p++;
        } else if (*p == '*') {
            lo = 6;
            p++;
        } else if (*p == '?') {
            lo = 1;
            p++;
        }
        for (int c = 32; c < 127; c++) {
            if (set[c])
                choices[n_choices++] = (char)c;
        }
        if (!n_choices)
            goto fail;
        for (long i = 0; i < lo; i++) {
            random_bytes(rnd, 1);
            buf_putc(&out, choices[rnd[0] % n_choices]);
        }
    }
    s = arena_strdup(scan->arena, buf_str(&out));
    buf_cleanup(&out);
    return s;
fail:
    buf_cleanup(&out);
    return NULL;
}

static bool
name_has(const char *name, const char *word)
{
    char lower[128];

    if (!name)
        return false;
    str_copy(lower, name, sizeof(lower));
    str_lower(lower);
    return strstr(lower, word) != NULL;
}

static json_t *
gen_string(struct scan *scan, json_t *schema, const char *name)
{
    const char *format = json_string_value(json_object_get(schema, "format"));
    const char *pattern = json_string_value(json_object_get(schema, "pattern"));
    json_int_t min_len = json_integer_value(json_object_get(schema, "minLength"));
    json_t *max_json = json_object_get(schema, "maxLength");
    json_int_t max_len = json_is_integer(max_json) ? json_integer_value(max_json) : PLAN_STRING_MAX;
    char s[PLAN_STRING_MAX + 1];
    char suffix[7];
    size_t n;

    if (!format)
        format = "";
    if (str_eq(format, "uuid")) {
        unsigned char b[16];

        random_bytes(b, sizeof(b));
        b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
        b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
        snprintf(s, sizeof(s),
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                 b[15]);
        return json_string(s);
    }
    if (str_eq(format, "email") || (!*format && name_has(name, "email")))
        snprintf(s, sizeof(s), "vigil.%s@example.com", unique_suffix(suffix));
    else if (str_eq(format, "date-time"))
        str_copy(s, "2026-01-15T10:30:00Z", sizeof(s));
    else if (str_eq(format, "date") || (!*format && name_has(name, "date")))
        str_copy(s, "2026-01-15", sizeof(s));
    else if (str_eq(format, "time"))
        str_copy(s, "10:30:00Z", sizeof(s));
    else if (str_eq(format, "uri") || str_eq(format, "url") || str_eq(format, "iri") ||
             (!*format && (name_has(name, "url") || name_has(name, "uri") ||
                           name_has(name, "callback") || name_has(name, "webhook"))))
        /* The discard port on loopback: a server that fetches it fails fast and goes nowhere. */
        str_copy(s, "http://127.0.0.1:9/vigil", sizeof(s));
    else if (str_eq(format, "hostname"))
        str_copy(s, "localhost", sizeof(s));
    else if (str_eq(format, "ipv4"))
        str_copy(s, "127.0.0.1", sizeof(s));
    else if (str_eq(format, "ipv6"))
        str_copy(s, "::1", sizeof(s));
    else if (str_eq(format, "byte"))
        str_copy(s, "dmlnaWw=", sizeof(s));
    else if (str_eq(format, "password") || name_has(name, "password"))
        snprintf(s, sizeof(s), "Vigil-%s-Passw0rd!", unique_suffix(suffix));
    else if (name_has(name, "phone"))
        str_copy(s, "+15555550100", sizeof(s));
    else {
        char *m = pattern ? from_pattern(scan, pattern) : NULL;

        if (m)
            return json_string(m);
        snprintf(s, sizeof(s), "vigil%s", unique_suffix(suffix));
    }
    n = strlen(s);
    if (max_len >= 0 && (json_int_t)n > max_len) {
        /* Keep the random tail, it is what makes the value unique. */
        memmove(s, s + n - (size_t)max_len, (size_t)max_len + 1);
        n = (size_t)max_len;
    }
    while ((json_int_t)n < min_len && n < PLAN_STRING_MAX)
        s[n++] = 'x';
    s[n] = '\0';
    return json_string(s);
}

static json_t *
gen_number(json_t *schema, bool integer)
{
    json_t *min = json_object_get(schema, "minimum");
    json_t *max = json_object_get(schema, "maximum");
    json_t *xmin = json_object_get(schema, "exclusiveMinimum");
    json_t *xmax = json_object_get(schema, "exclusiveMaximum");
    const char *format = json_string_value(json_object_get(schema, "format"));
    double lo = -1e15, hi = 1e15, v = 1;

    if (str_eq(format, "int32")) {
        lo = -2147483648.0;
        hi = 2147483647.0;
    }
    if (json_is_number(min))
        lo = json_number_value(min);
    if (json_is_number(max))
        hi = json_number_value(max);
    /* 3.1 writes exclusive bounds as numbers, 3.0 as flags on minimum/maximum. */
    if (json_is_number(xmin))
        lo = json_number_value(xmin) + (integer ? 1 : 0.5);
    else if (json_is_true(xmin))
        lo += integer ? 1 : 0.5;
    if (json_is_number(xmax))
        hi = json_number_value(xmax) - (integer ? 1 : 0.5);
    else if (json_is_true(xmax))
        hi -= integer ? 1 : 0.5;
    if (v < lo)
        v = lo;
    if (v > hi)
        v = hi;
    if (integer)
        return json_integer((json_int_t)v);
    return json_real(v == 1 ? 1.5 : v);
}

static const char *
schema_type(json_t *schema)
{
    json_t *t = json_object_get(schema, "type");

    if (json_is_string(t))
        return json_string_value(t);
    if (json_is_array(t)) {
        size_t i;
        json_t *v;

        json_array_foreach(t, i, v)
        {
            if (json_is_string(v) && !str_eq(json_string_value(v), "null"))
                return json_string_value(v);
        }
    }
    if (json_object_get(schema, "properties"))
        return "object";
    if (json_object_get(schema, "items"))
        return "array";
    return NULL;
}

static json_t *gen_value(struct scan *scan, json_t *schema, const char *name, int depth);

/* Length of the resource name in a foreign-key-like name ("client_id", "clientId",
 * "client-id" -> 6), or 0. */
static size_t
fk_base(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n > 3 && (str_has_suffix(name, "_id") || str_has_suffix(name, "-id")))
        return n - 3;
    if (n > 2 && (str_has_suffix(name, "Id") || str_has_suffix(name, "ID")))
        return n - 2;
    return 0;
}

static bool
in_array(json_t *array, const char *s)
{
    size_t i;
    json_t *v;

    json_array_foreach(array, i, v)
    {
        if (str_eq(json_string_value(v), s))
            return true;
    }
    return false;
}

/* Whether an optional property can be given a value the server will accept: an example, a
 * default, an enum or a format says what is valid; a free string or a reference to another
 * object ("client_id") would most likely be refused. */
static bool
optional_is_safe(json_t *schema, const char *name)
{
    const char *format = json_string_value(json_object_get(schema, "format"));
    const char *type = json_string_value(json_object_get(schema, "type"));

    if (fk_base(name))
        return false;
    if (json_object_get(schema, "example") || json_object_get(schema, "examples") ||
        json_object_get(schema, "default") || json_object_get(schema, "enum") ||
        json_object_get(schema, "const"))
        return true;
    if (format)
        return !str_eq(format, "uuid");
    if (json_is_array(json_object_get(schema, "type")))
        type = NULL; /* ["string", "null"]: treated as a free string */
    return type && !str_eq(type, "string");
}

static json_t *
gen_object(struct scan *scan, json_t *schema, int depth)
{
    json_t *obj = json_object();
    json_t *props = json_object_get(schema, "properties");
    json_t *required = json_object_get(schema, "required");
    const char *key;
    json_t *sub;

    json_object_foreach(props, key, sub)
    {
        if (json_is_true(json_object_get(sub, "readOnly")))
            continue;
        /* With a required list, optional properties go in only when their value is safe. */
        if (json_is_array(required) && !in_array(required, key) && !optional_is_safe(sub, key))
            continue;
        if (scan->plan_nodes > PLAN_MAX_NODES)
            break;
        json_object_set_new(obj, key, gen_value(scan, sub, key, depth + 1));
    }
    return obj;
}

static json_t *
gen_value(struct scan *scan, json_t *schema, const char *name, int depth)
{
    json_t *v;
    const char *type;

    /* Wide and deep schemas multiply: a hostile spec must not make one value huge. */
    if (depth == 0)
        scan->plan_nodes = 0;
    if (++scan->plan_nodes > PLAN_MAX_NODES || !json_is_object(schema) || depth > PLAN_MAX_DEPTH)
        return json_string("vigil");
    if ((v = json_object_get(schema, "example")))
        return json_deep_copy(v);
    if (json_is_array(v = json_object_get(schema, "examples")) && json_array_size(v))
        return json_deep_copy(json_array_get(v, 0));
    if ((v = json_object_get(schema, "const")))
        return json_deep_copy(v);
    if ((v = json_object_get(schema, "default")) && !json_is_null(v))
        return json_deep_copy(v);
    if (json_is_array(v = json_object_get(schema, "enum")) && json_array_size(v)) {
        size_t i;
        json_t *e;

        json_array_foreach(v, i, e)
        {
            if (!json_is_null(e))
                return json_deep_copy(e);
        }
    }
    if (json_is_array(v = json_object_get(schema, "allOf")) && json_array_size(v)) {
        json_t *merged = json_object();
        size_t i;
        json_t *part;

        json_array_foreach(v, i, part)
        {
            json_t *pv = gen_value(scan, part, name, depth + 1);

            if (json_is_object(pv))
                json_object_update(merged, pv);
            json_decref(pv);
        }
        if (json_object_get(schema, "properties")) {
            json_t *own = gen_object(scan, schema, depth);

            json_object_update(merged, own);
            json_decref(own);
        }
        return merged;
    }
    if ((json_is_array(v = json_object_get(schema, "oneOf")) ||
         json_is_array(v = json_object_get(schema, "anyOf"))) &&
        json_array_size(v))
        return gen_value(scan, json_array_get(v, 0), name, depth + 1);
    type = schema_type(schema);
    if (!type)
        return json_string("vigil");
    if (str_eq(type, "string"))
        return gen_string(scan, schema, name);
    if (str_eq(type, "integer"))
        return gen_number(schema, true);
    if (str_eq(type, "number"))
        return gen_number(schema, false);
    if (str_eq(type, "boolean"))
        return json_false();
    if (str_eq(type, "null"))
        return json_null();
    if (str_eq(type, "array")) {
        json_t *arr = json_array();
        json_int_t n = json_integer_value(json_object_get(schema, "minItems"));

        n = n < 1 ? 1 : n > 3 ? 3 : n;
        for (json_int_t i = 0; i < n; i++)
            json_array_append_new(
                arr, gen_value(scan, json_object_get(schema, "items"), name, depth + 1));
        return arr;
    }
    return gen_object(scan, schema, depth);
}

json_t *
scan_plan_value(struct scan *scan, json_t *schema, int depth)
{
    return gen_value(scan, schema, NULL, depth);
}

/* A JSON scalar as it goes into a URL or header. */
static const char *
scalar_text(struct scan *scan, json_t *v)
{
    if (json_is_string(v))
        return arena_strdup(scan->arena, json_string_value(v));
    if (json_is_integer(v))
        return arena_printf(scan->arena, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return arena_printf(scan->arena, "%g", json_real_value(v));
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    if (json_is_array(v) && json_array_size(v))
        return scalar_text(scan, json_array_get(v, 0));
    if (json_is_null(v) || !v)
        return "";
    {
        char *dump = json_dumps(v, JSON_COMPACT);
        const char *s = arena_strdup(scan->arena, dump ? dump : "");

        free(dump);
        return s;
    }
}

/* ---- operations ------------------------------------------------------------------------------ */

static bool
is_param_segment(const char *seg, size_t n)
{
    return n >= 2 && seg[0] == '{' && seg[n - 1] == '}';
}

/* The collection a path works on: its last static segment ("/users/{id}/orders/{oid}" ->
 * "orders"). */
static const char *
path_resource(struct scan *scan, const char *path)
{
    const char *best = NULL;
    size_t best_n = 0;
    const char *p = path;

    while (*p) {
        size_t n;

        while (*p == '/')
            p++;
        n = strcspn(p, "/");
        if (n && !is_param_segment(p, n)) {
            best = p;
            best_n = n;
        }
        p += n;
    }
    return best ? arena_strndup(scan->arena, best, best_n) : NULL;
}

static bool
path_ends_with_param(const char *path)
{
    size_t n = strlen(path);

    while (n > 0 && path[n - 1] == '/')
        n--;
    return n > 0 && path[n - 1] == '}';
}

/* Whether one segment of path is exactly word, ignoring case. */
static bool
path_has_segment(const char *path, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = path; p && *p; p++) {
        if (*p == '/' && strncasecmp(p + 1, word, n) == 0 && (p[1 + n] == '/' || !p[1 + n]))
            return true;
    }
    return false;
}

/* An update whose body sets a password (PUT/PATCH, or a POST to a password path). */
static bool
changes_password(const struct spec_operation *so)
{
    json_t *props = so->body_schema ? json_object_get(so->body_schema, "properties") : NULL;
    const char *key;
    json_t *sub;

    if (str_eq(so->method, "POST"))
        return name_has(so->path, "password") && !name_has(so->path, "forgot") &&
               !name_has(so->path, "login");
    if (!str_eq(so->method, "PUT") && !str_eq(so->method, "PATCH"))
        return false;
    json_object_foreach(props, key, sub)
    {
        (void)sub;
        if (name_has(key, "password") || name_has(key, "passwd") || str_eq_ci(key, "pass") ||
            str_eq_ci(key, "pwd") || name_has(key, "passphrase"))
            return true;
    }
    return false;
}

static bool
is_destructive(const struct spec_operation *so)
{
    static const char *const words[] = {"reset",    "purge",    "wipe",     "truncate", "drop",
                                        "destroy",  "erase",    "createdb", "initdb",   "seed",
                                        "populate", "recreate", "flush"};

    if (str_eq(so->method, "DELETE"))
        return true;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (name_has(so->path, words[i]) || name_has(so->operation_id, words[i]))
            return true;
    }
    /* A password change can lock the scan's own identities out: it runs only on an account the
     * scan made (or with allow_destructive), like a delete. */
    if (changes_password(so))
        return true;
    /* "/init" or "/db/init" re-initialises; "/initial-balance" does not. */
    return path_has_segment(so->path, "init");
}

static bool
is_json_type(const char *ct)
{
    return ct && (strstr(ct, "json") != NULL);
}

static bool
is_form_type(const char *ct)
{
    return ct && strstr(ct, "x-www-form-urlencoded") != NULL;
}

static void
plan_body(struct scan *scan, struct scan_op_int *op)
{
    const struct spec_operation *so = op->op.spec_op;

    json_decref(op->body);
    op->body = NULL;
    op->content_type = so->body_content_type;
    if (!so->body_content_type)
        return;
    if (so->body_example)
        op->body = json_deep_copy(so->body_example);
    else if (so->body_schema)
        op->body = gen_value(scan, so->body_schema, NULL, 0);
    else
        op->body = json_object();
}

void
scan_plan_refresh_body(struct scan *scan, struct scan_op_int *op)
{
    const struct spec_operation *so = op->op.spec_op;

    /* An example body would collide with itself on a unique field: regenerate from the schema. */
    if (so->body_schema) {
        json_decref(op->body);
        op->body = gen_value(scan, so->body_schema, NULL, 0);
    }
}

static enum probe_param_in
param_in(enum spec_param_in in)
{
    switch (in) {
    case SPEC_IN_PATH:
        return PROBE_IN_PATH;
    case SPEC_IN_QUERY:
        return PROBE_IN_QUERY;
    case SPEC_IN_HEADER:
        return PROBE_IN_HEADER;
    case SPEC_IN_COOKIE:
        return PROBE_IN_COOKIE;
    }
    return PROBE_IN_QUERY;
}

static bool same_resource(const char *a, const char *b, size_t b_len);
static const char *segment_before(const char *path, const char *name, size_t *len);

/* Whether operation a consumes what creator b makes: a path parameter or a body property of a
 * names b's resource ("/projects/{id}/findings" or "project_id" and POST /projects). */
static bool
depends_on(const struct scan_op_int *a, const struct scan_op_int *b)
{
    json_t *props = a->op.spec_op->body_schema
                        ? json_object_get(a->op.spec_op->body_schema, "properties")
                        : NULL;
    const char *key;
    json_t *sub;

    if (!b->resource || a == b)
        return false;
    for (size_t i = 0; i < a->n_params; i++) {
        const struct scan_param *p = &a->params[i];
        const char *seg;
        size_t len = 0;

        if (p->in != PROBE_IN_PATH)
            continue;
        seg = segment_before(a->op.path, p->name, &len);
        if (seg && same_resource(b->resource, seg, len))
            return true;
        if ((len = fk_base(p->name)) && same_resource(b->resource, p->name, len))
            return true;
    }
    json_object_foreach(props, key, sub)
    {
        size_t len = fk_base(key);

        (void)sub;
        if (len && same_resource(b->resource, key, len))
            return true;
    }
    return false;
}

/* Creators run in dependency order (clients, then projects that name a client, then findings
 * that name a project...), lists with them, everything else after the last creator, and
 * destructive operations at the very end. */
static void
plan_phases(struct scan *scan)
{
    int last = 0;

    for (size_t i = 0; i < scan->n_ops; i++) {
        struct scan_op_int *op = &scan->ops[i];

        op->phase = op->creator && strchr(op->op.path, '{') ? 1 : 0;
    }
    for (int round = 0; round < SCAN_PHASE_MAX_CREATORS; round++) {
        bool changed = false;

        for (size_t i = 0; i < scan->n_ops; i++) {
            struct scan_op_int *a = &scan->ops[i];

            if (!a->creator)
                continue;
            for (size_t j = 0; j < scan->n_ops; j++) {
                const struct scan_op_int *b = &scan->ops[j];

                if (b->creator && depends_on(a, b) && b->phase + 1 > a->phase &&
                    b->phase + 1 < SCAN_PHASE_MAX_CREATORS) {
                    a->phase = b->phase + 1;
                    changed = true;
                }
            }
        }
        if (!changed)
            break;
    }
    for (size_t i = 0; i < scan->n_ops; i++) {
        if (scan->ops[i].creator && scan->ops[i].phase > last)
            last = scan->ops[i].phase;
    }
    for (size_t i = 0; i < scan->n_ops; i++) {
        struct scan_op_int *op = &scan->ops[i];

        if (op->op.destructive)
            op->phase = SCAN_PHASE_DESTRUCTIVE;
        else if (!op->creator)
            op->phase =
                !strchr(op->op.path, '{') && str_eq(op->op.spec_op->method, "GET") ? 0 : last + 1;
    }
    scan->last_phase = last + 1;
}

int
scan_plan_build(struct scan *scan, struct err *err)
{
    const struct spec *spec = scan->opts.spec;
    size_t n = 0;

    (void)err;
    scan->ops = xcalloc(spec->n_ops + 1, sizeof(*scan->ops));
    for (size_t i = 0; i < spec->n_ops; i++) {
        const struct spec_operation *so = &spec->ops[i];
        struct scan_op_int *op = &scan->ops[n];
        const char *full = arena_printf(scan->arena, "%s%s", scan->target_path, so->path);

        if (!so->method || !so->path)
            continue;
        if (scan_path_excluded(scan, so->path) || scan_path_excluded(scan, full))
            continue;
        n++;
        op->op.spec_op = so;
        op->op.endpoint = arena_printf(scan->arena, "%s %s", so->method, so->path);
        op->op.path = so->path;
        op->op.destructive = is_destructive(so);
        op->resource = path_resource(scan, so->path);
        op->creator =
            str_eq(so->method, "POST") && !path_ends_with_param(so->path) && !op->op.destructive;
        op->params = arena_calloc(scan->arena, so->n_params + 1, sizeof(*op->params));
        for (size_t j = 0; j < so->n_params; j++) {
            const struct spec_param *sp = &so->params[j];
            struct scan_param *p = &op->params[op->n_params++];

            p->in = param_in(sp->in);
            p->name = sp->name;
            p->schema = sp->schema;
            if (sp->example) {
                p->value = scalar_text(scan, sp->example);
            } else if (sp->required || sp->in == SPEC_IN_PATH ||
                       json_object_get(sp->schema, "default") ||
                       json_object_get(sp->schema, "example")) {
                json_t *v = gen_value(scan, sp->schema, sp->name, 0);

                p->value = scalar_text(scan, v);
                json_decref(v);
            }
        }
        plan_body(scan, op);
    }
    scan->n_ops = n;
    plan_phases(scan);
    scan->progress.endpoints_discovered = n;
    for (size_t i = 0; i < n; i++)
        scan_plan_resolve(scan, &scan->ops[i]);
    return 0;
}

/* ---- filling parameters from earlier answers ---------------------------------------------- */

static void
harvest_add(struct scan *scan, const char *resource, const char *key, const char *value,
            bool created)
{
    struct scan_harvest *h;

    if (str_empty(value) || strlen(value) > 512)
        return;
    scan_grow((void **)&scan->harvest, &scan->cap_harvest, scan->n_harvest + 1,
              sizeof(*scan->harvest));
    h = &scan->harvest[scan->n_harvest++];
    h->resource = resource;
    h->key = arena_strdup(scan->arena, key);
    h->value = arena_strdup(scan->arena, value);
    h->created = created;
}

/* "users" and "user" name the same resource. */
static bool
same_resource(const char *a, const char *b, size_t b_len)
{
    size_t a_len;

    if (!a || !b)
        return false;
    a_len = strlen(a);
    if (a_len == b_len && strncasecmp(a, b, b_len) == 0)
        return true;
    if (a_len == b_len + 1 && strncasecmp(a, b, b_len) == 0 && tolower(a[b_len]) == 's')
        return true;
    if (b_len == a_len + 1 && strncasecmp(a, b, a_len) == 0 && tolower(b[a_len]) == 's')
        return true;
    if (a_len >= 3 && b_len + 2 == a_len && strncasecmp(a, b, b_len - 1) == 0 &&
        str_has_suffix(a, "ies") && tolower(b[b_len - 1]) == 'y')
        return true;
    return false;
}

/* Latest harvested value for (resource, key), preferring values the scan created. */
static const struct scan_harvest *
harvest_find(struct scan *scan, const char *resource, size_t resource_len, const char *key,
             bool any_resource)
{
    const struct scan_harvest *listed = NULL;

    for (size_t i = scan->n_harvest; i-- > 0;) {
        const struct scan_harvest *h = &scan->harvest[i];

        if (!str_eq_ci(h->key, key))
            continue;
        if (!any_resource && !same_resource(h->resource, resource, resource_len))
            continue;
        if (h->created)
            return h;
        if (!listed)
            listed = h;
    }
    return listed;
}

/* The static segment before the parameter "{name}" in path. */
static const char *
segment_before(const char *path, const char *name, size_t *len)
{
    char needle[160];
    const char *at;
    const char *end;
    const char *start;

    snprintf(needle, sizeof(needle), "{%s}", name);
    at = strstr(path, needle);
    if (!at || at == path)
        return NULL;
    end = at - 1; /* the '/' before the parameter */
    start = end;
    while (start > path && start[-1] != '/')
        start--;
    if (end <= start || is_param_segment(start, (size_t)(end - start)))
        return NULL;
    *len = (size_t)(end - start);
    return start;
}

static const struct scan_harvest *
lookup_param(struct scan *scan, const struct scan_op_int *op, const char *name)
{
    const struct scan_harvest *h;
    const char *seg;
    size_t seg_len = 0;
    size_t n = strlen(name);
    char base[128];

    /* {id}, {uuid}, {name}: a field of the collection right before it. */
    seg = segment_before(op->op.path, name, &seg_len);
    if (seg && (h = harvest_find(scan, seg, seg_len, name, false)))
        return h;
    /* {userId}, {user_id}, {user-id}: the id of users. */
    if (n > 2 && (str_has_suffix(name, "Id") || str_has_suffix(name, "ID") ||
                  str_has_suffix(name, "_id") || str_has_suffix(name, "-id"))) {
        size_t bn = str_has_suffix(name, "_id") || str_has_suffix(name, "-id") ? n - 3 : n - 2;

        if (bn > 0 && bn < sizeof(base)) {
            memcpy(base, name, bn);
            base[bn] = '\0';
            if ((h = harvest_find(scan, base, bn, "id", false)))
                return h;
        }
    }
    /* Some answer carried a field of exactly this name ("user_id" in an order). */
    if ((h = harvest_find(scan, NULL, 0, name, true)))
        return h;
    /* Last resort for {id}: the id of this operation's own collection. */
    if (seg && str_eq_ci(name, "id") == false &&
        (h = harvest_find(scan, seg, seg_len, "id", false)))
        return h;
    return NULL;
}

static const struct scan_link_value *
link_find(struct scan *scan, const struct scan_op_int *op, const char *name)
{
    size_t index = (size_t)(op - scan->ops);

    for (size_t i = scan->n_links; i-- > 0;) {
        if (scan->links[i].op_index == index && str_eq(scan->links[i].param, name))
            return &scan->links[i];
    }
    return NULL;
}

/* Body properties naming another resource ("client_id") take the id of one the scan made or
 * saw, typed as the schema says. */
static void
fill_body_references(struct scan *scan, struct scan_op_int *op)
{
    json_t *schema = op->op.spec_op->body_schema;
    json_t *props = schema ? json_object_get(schema, "properties") : NULL;
    const char *key;
    json_t *sub;

    if (!json_is_object(op->body))
        return;
    json_object_foreach(props, key, sub)
    {
        size_t len = fk_base(key);
        const struct scan_harvest *h;
        const char *type = json_string_value(json_object_get(sub, "type"));
        long long n;

        if (!len || json_is_true(json_object_get(sub, "readOnly")))
            continue;
        h = harvest_find(scan, key, len, "id", false);
        if (!h)
            continue;
        if ((str_eq(type, "integer") || str_eq(type, "number")) &&
            str_to_ll(h->value, LLONG_MIN, LLONG_MAX, &n) == 0)
            json_object_set_new(op->body, key, json_integer(n));
        else
            json_object_set_new(op->body, key, json_string(h->value));
    }
}

void
scan_plan_resolve(struct scan *scan, struct scan_op_int *op)
{
    bool any_path = false;
    bool all_created = true;

    for (size_t i = 0; i < op->n_params; i++) {
        struct scan_param *p = &op->params[i];
        const struct scan_link_value *l = link_find(scan, op, p->name);
        const char *value = NULL;
        bool created = false;

        if (l) {
            value = l->value;
            created = l->created;
        } else if (p->in == PROBE_IN_PATH || str_eq_ci(p->name, "id") ||
                   str_has_suffix(p->name, "Id") || str_has_suffix(p->name, "_id")) {
            const struct scan_harvest *h = lookup_param(scan, op, p->name);

            if (h) {
                value = h->value;
                created = h->created;
            }
        }
        if (value) {
            p->value = value;
            p->fixed = true;
        }
        if (p->in == PROBE_IN_PATH) {
            any_path = true;
            all_created = all_created && value && created;
        }
    }
    op->op.created_resource = any_path && all_created;
    fill_body_references(scan, op);
    scan_plan_probe(scan, op, SCAN_ID_A, PROBE_IN_QUERY, NULL, NULL, &op->op.baseline);
}

/* Resolves "$response.body#/ptr" and "$response.header.Name" link expressions. */
static const char *
link_expression(struct scan *scan, const char *expr, const struct probe_response *r, json_t *json)
{
    if (str_has_prefix(expr, "$response.body#")) {
        const char *ptr = expr + strlen("$response.body#");
        json_t *cur = json;
        char **parts;
        size_t n = 0;

        if (*ptr == '/') {
            parts = str_split(scan->arena, ptr + 1, '/', &n);
            for (size_t i = 0; i < n && cur; i++) {
                long long idx;

                if (json_is_array(cur) && str_to_ll(parts[i], 0, 100000, &idx) == 0)
                    cur = json_array_get(cur, (size_t)idx);
                else
                    cur = json_object_get(cur, parts[i]);
            }
        }
        return cur && (json_is_string(cur) || json_is_number(cur)) ? scalar_text(scan, cur) : NULL;
    }
    if (str_has_prefix(expr, "$response.header."))
        return probe_header_get(scan, r, expr + strlen("$response.header."));
    return NULL;
}

static void
harvest_links(struct scan *scan, struct scan_op_int *op, const struct probe_response *r,
              json_t *json, bool created)
{
    json_t *links = op->op.spec_op->links;
    const char *lname;
    json_t *link;

    json_object_foreach(links, lname, link)
    {
        const char *target = json_string_value(json_object_get(link, "operationId"));
        json_t *params = json_object_get(link, "parameters");
        const char *pname;
        json_t *expr;

        if (!target)
            continue;
        for (size_t i = 0; i < scan->n_ops; i++) {
            if (!str_eq(scan->ops[i].op.spec_op->operation_id, target))
                continue;
            json_object_foreach(params, pname, expr)
            {
                const char *value;
                const char *name = strchr(pname, '.') ? strchr(pname, '.') + 1 : pname;

                if (!json_is_string(expr))
                    continue;
                value = link_expression(scan, json_string_value(expr), r, json);
                if (!value)
                    continue;
                scan_grow((void **)&scan->links, &scan->cap_links, scan->n_links + 1,
                          sizeof(*scan->links));
                scan->links[scan->n_links++] =
                    (struct scan_link_value){.op_index = i,
                                             .param = arena_strdup(scan->arena, name),
                                             .value = value,
                                             .created = created};
            }
        }
    }
}

static json_t *
unwrap(json_t *v)
{
    static const char *const wrappers[] = {"data", "items", "results", "result"};

    for (size_t i = 0; i < sizeof(wrappers) / sizeof(wrappers[0]) && json_is_object(v); i++) {
        json_t *inner = json_object_get(v, wrappers[i]);

        if (json_is_object(inner) || json_is_array(inner)) {
            v = inner;
            break;
        }
    }
    if (json_is_array(v))
        v = json_array_get(v, 0);
    return json_is_object(v) ? v : NULL;
}

/* A 2xx answer that says it failed: {"status": "fail"}, {"success": false}, {"error": ...}. */
static bool
answer_is_failure(json_t *j)
{
    static const char *const keys[] = {"status", "result", "outcome"};
    json_t *v;

    if (!json_is_object(j))
        return false;
    if (json_is_false(json_object_get(j, "success")) || json_is_false(json_object_get(j, "ok")))
        return true;
    v = json_object_get(j, "error");
    if (v && !json_is_null(v) && !json_is_false(v))
        return true;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *t = json_string_value(json_object_get(j, keys[i]));

        if (t && (name_has(t, "fail") || name_has(t, "error") || name_has(t, "denied")))
            return true;
    }
    return false;
}

void
scan_plan_harvest(struct scan *scan, struct scan_op_int *op, const struct probe_response *r,
                  json_t *json)
{
    bool created;
    json_t *obj;
    const char *key;
    json_t *v;
    const char *location;
    const char *id = NULL;
    size_t fields = 0;

    if (r->status < 200 || r->status > 299)
        return;
    created = op->creator;
    obj = unwrap(json);
    json_object_foreach(obj, key, v)
    {
        if (++fields > PLAN_HARVEST_FIELDS)
            break; /* a hostile answer with thousands of fields feeds nothing more */
        if (json_is_string(v) || json_is_integer(v)) {
            const char *text = scalar_text(scan, v);

            harvest_add(scan, op->resource, key, text, created);
            if (str_eq(key, "id"))
                id = text;
        }
    }
    location = probe_header_get(scan, r, "Location");
    if (created && location && !id) {
        const char *slash = strrchr(location, '/');

        if (slash && slash[1]) {
            id = arena_strndup(scan->arena, slash + 1, strcspn(slash + 1, "?#"));
            harvest_add(scan, op->resource, "id", id, true);
        }
    }
    /* A create that answered no id ({"message": "added"}) made an object the API addresses by
     * a value the client chose (a title, a username): the strings the body sent are its keys. */
    if (created && !id && !location && json_is_object(op->body) && !answer_is_failure(json) &&
        !name_has(op->op.path, "login") && !name_has(op->op.path, "auth") &&
        !name_has(op->op.path, "session") && !name_has(op->op.path, "token")) {
        fields = 0;
        json_object_foreach(op->body, key, v)
        {
            if (++fields > PLAN_HARVEST_FIELDS)
                break;
            if (json_is_string(v) && !name_has(key, "pass") && !name_has(key, "secret"))
                harvest_add(scan, op->resource, key, json_string_value(v), true);
        }
    }
    harvest_links(scan, op, r, json, created);
    /* An action answering 200 without an id (a login, a validation) made nothing to record. */
    if (created && (id || location || r->status == 201)) {
        const char *line = arena_printf(scan->arena, "%s -> %s", op->op.endpoint,
                                        id ? id : (location ? location : "(no id)"));

        scan_grow((void **)&scan->created, &scan->cap_created, scan->n_created + 1,
                  sizeof(*scan->created));
        scan->created[scan->n_created++] = line;
    }
}

/* ---- building probes --------------------------------------------------------------------- */

/* Percent-encodes s; keep lists the characters left as they are besides unreserved ones. */
static void
encode_into(struct buf *b, const char *s, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p) || (*p > 32 && *p < 127 && strchr(keep, *p))) {
            buf_putc(b, (char)*p);
        } else {
            buf_putc(b, '%');
            buf_putc(b, hex[*p >> 4]);
            buf_putc(b, hex[*p & 15]);
        }
    }
}

static const char *
header_safe(struct scan *scan, const char *v)
{
    char *s = arena_strdup(scan->arena, v);

    for (char *p = s; *p; p++) {
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    }
    return s;
}

int
scan_plan_probe(struct scan *scan, const struct scan_op_int *op, enum scan_identity identity,
                enum probe_param_in in, const char *name, const char *value, struct probe *out)
{
    const struct spec_operation *so = op->op.spec_op;
    struct buf url;
    struct buf cookie;
    bool found = name == NULL;
    bool first_query = true;
    json_t *body = NULL;

    memset(out, 0, sizeof(*out));
    out->method = so->method;
    out->identity = identity;
    out->label = op->op.endpoint;

    if (name && in == PROBE_IN_BODY) {
        json_t *v;

        if (!json_is_object(op->body) ||
            !(is_json_type(op->content_type) || is_form_type(op->content_type)))
            return -1;
        v = json_loads(value, JSON_DECODE_ANY, NULL);
        if (!v)
            v = json_string(value);
        body = json_deep_copy(op->body);
        json_object_set_new(body, name, v);
    } else if (name) {
        for (size_t i = 0; i < op->n_params; i++) {
            if (op->params[i].in == in && str_eq(op->params[i].name, name))
                found = true;
        }
        if (!found)
            return -1;
    }
    if (!body && op->body)
        body = json_incref(op->body);

    buf_init(&url, 64 * 1024);
    buf_init(&cookie, 16 * 1024);
    buf_puts(&url, scan->target);
    /* The path template with each {param} replaced. */
    for (const char *p = so->path; *p;) {
        if (*p == '{' && strchr(p, '}')) {
            const char *end = strchr(p, '}');
            const char *v = NULL;

            for (size_t i = 0; i < op->n_params; i++) {
                const struct scan_param *sp = &op->params[i];

                if (sp->in == PROBE_IN_PATH && strlen(sp->name) == (size_t)(end - p - 1) &&
                    strncmp(sp->name, p + 1, (size_t)(end - p - 1)) == 0)
                    v = in == PROBE_IN_PATH && str_eq(name, sp->name) ? value : sp->value;
            }
            encode_into(&url, v ? v : "1", "/:@!$&'()*+,;=");
            p = end + 1;
        } else {
            buf_putc(&url, *p++);
        }
    }
    for (size_t i = 0; i < op->n_params; i++) {
        const struct scan_param *sp = &op->params[i];
        const char *v = sp->value;

        if (sp->in == in && str_eq(sp->name, name))
            v = value;
        if (!v)
            continue;
        if (sp->in == PROBE_IN_QUERY) {
            buf_putc(&url, first_query ? '?' : '&');
            first_query = false;
            encode_into(&url, sp->name, "");
            buf_putc(&url, '=');
            encode_into(&url, v, "");
        } else if (sp->in == PROBE_IN_HEADER && out->n_headers < 15) {
            out->headers[out->n_headers].name = sp->name;
            out->headers[out->n_headers++].value = header_safe(scan, v);
        } else if (sp->in == PROBE_IN_COOKIE) {
            buf_printf(&cookie, "%s%s=", cookie.len ? "; " : "", sp->name);
            encode_into(&cookie, v, "");
        }
    }
    if (cookie.len && out->n_headers < 15) {
        out->headers[out->n_headers].name = "Cookie";
        out->headers[out->n_headers++].value = arena_strdup(scan->arena, buf_str(&cookie));
    }
    out->url = arena_strdup(scan->arena, buf_str(&url));
    if (body) {
        if (is_form_type(op->content_type) && json_is_object(body)) {
            struct buf form;
            const char *k;
            json_t *v;

            buf_init(&form, BUF_UNLIMITED);
            json_object_foreach(body, k, v)
            {
                if (form.len)
                    buf_putc(&form, '&');
                encode_into(&form, k, "");
                buf_putc(&form, '=');
                encode_into(&form, scalar_text(scan, v), "");
            }
            out->body = arena_strdup(scan->arena, buf_str(&form));
            buf_cleanup(&form);
        } else {
            char *dump = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);

            out->body = arena_strdup(scan->arena, dump ? dump : "{}");
            free(dump);
        }
        out->body_len = strlen(out->body);
        if (out->n_headers < 16) {
            out->headers[out->n_headers].name = "Content-Type";
            out->headers[out->n_headers++].value =
                op->content_type ? op->content_type : "application/json";
        }
    }
    json_decref(body);
    buf_cleanup(&url);
    buf_cleanup(&cookie);
    return 0;
}
