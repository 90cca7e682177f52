/* SPDX-License-Identifier: MIT */
/* The shared write decoder. It walks the body's members (not the table), so every member the
 * client sent is accounted for: a writable one is checked and stored, anything else is
 * reported, read-only names with their own message. Then, on CREATE and REPLACE, it walks the
 * table to flag missing required members and set the defaults of absent ones. All errors of a
 * body are collected (up to ERR_FIELDS_MAX) rather than stopping at the first. */
#include "model/model_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/jsonw.h"

#define AT(base, off, type) ((type *)((char *)(base) + (off)))

int
model_enum_parse(const char *s, const char *const *names, int n)
{
    if (!s)
        return -1;
    for (int i = 0; i < n; i++) {
        if (strcasecmp(s, names[i]) == 0)
            return i;
    }
    return -1;
}

const char *
model_enum_name(int v, const char *const *names, int n)
{
    return v >= 0 && v < n ? names[v] : names[0];
}

void
model_kts(struct jsonw *w, const char *key, int64_t t)
{
    char ts[32];

    if (t == 0) {
        jsonw_knull(w, key);
        return;
    }
    jsonw_kstr(w, key, clock_format_rfc3339(t, ts, sizeof(ts)));
}

/* Field path for messages: "name", "evidence.request", "tags[3]". */
static void
field_path(char *out, size_t size, const char *parent, const char *name)
{
    int n = parent ? snprintf(out, size, "%s.%s", parent, name) : snprintf(out, size, "%s", name);

    /* A name longer than the field slot is cut: the message still names the member. */
    if (n < 0 && size)
        out[0] = '\0';
}

static bool
all_space(const char *s)
{
    for (; *s; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    }
    return true;
}

/* Checks a JSON string against a field's text rules; returns the arena copy or NULL (error
 * raised on `path`). */
static const char *
take_string(const struct mfield *f, json_t *v, const char *path, struct arena *a, struct err *err)
{
    const char *s;
    size_t len;

    if (!json_is_string(v)) {
        err_field(err, path, "must be a string");
        return NULL;
    }
    s = json_string_value(v);
    len = json_string_length(v);
    if (strlen(s) != len) {
        err_field(err, path, "must not contain NUL characters");
        return NULL;
    }
    if (len > f->max_len) {
        err_field(err, path, "must be at most %zu bytes long", f->max_len);
        return NULL;
    }
    if (f->required && all_space(s)) {
        err_field(err, path, "must not be empty");
        return NULL;
    }
    return arena_strndup(a, s, len);
}

static void
enum_allowed(const struct mfield *f, char *out, size_t size)
{
    size_t used = 0;

    out[0] = '\0';
    for (int i = 0; i < f->n_enum && used < size; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "", f->enum_names[i]);

        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Stores the default (or the cleared value) of a field. */
static void
set_default(void *out, const struct mfield *f)
{
    switch (f->kind) {
    case MF_STRING:
    case MF_ID:
    case MF_DATE:
        *AT(out, f->offset, const char *) = NULL;
        break;
    case MF_ENUM:
        *AT(out, f->offset, int) = f->enum_default;
        break;
    case MF_INT:
        *AT(out, f->offset, int) = (int)f->int_default;
        break;
    case MF_STRINGS:
        *AT(out, f->offset, const char **) = NULL;
        *AT(out, f->count_offset, size_t) = 0;
        break;
    case MF_OBJECT:
        for (size_t i = 0; i < f->n_sub; i++)
            set_default(out, &f->sub[i]);
        break;
    }
}

static uint64_t
field_bits(const struct mfield *f)
{
    uint64_t bits = f->bit;

    if (f->kind == MF_OBJECT) {
        for (size_t i = 0; i < f->n_sub; i++)
            bits |= field_bits(&f->sub[i]);
    }
    return bits;
}

static int decode_members(void *out, uint64_t *present, json_t *body, enum model_write mode,
                          const struct mfield *fields, size_t n_fields,
                          const char *const *read_only, const char *parent, struct arena *a,
                          struct err *err);

static int
decode_strings(void *out, const struct mfield *f, json_t *v, const char *path, struct arena *a,
               struct err *err)
{
    size_t n = json_array_size(v), kept = 0;
    const char **items;
    char item_path[ERR_FIELD_NAME_MAX];
    bool bad = false;

    if (!json_is_array(v))
        return err_field(err, path, "must be an array of strings");
    if (n > f->max_items)
        return err_field(err, path, "must have at most %zu items", f->max_items);
    items = arena_calloc(a, n + 1, sizeof(*items));
    for (size_t i = 0; i < n; i++) {
        const char *s;
        bool dup = false;

        if (snprintf(item_path, sizeof(item_path), "%s[%zu]", path, i) < 0)
            item_path[0] = '\0';
        s = take_string(f, json_array_get(v, i), item_path, a, err);
        if (!s) {
            bad = true;
            continue;
        }
        if (all_space(s)) {
            err_field(err, item_path, "must not be empty");
            bad = true;
            continue;
        }
        /* Duplicates carry no meaning in a set of labels; keep the first. */
        for (size_t k = 0; k < kept; k++)
            dup = dup || strcmp(items[k], s) == 0;
        if (!dup)
            items[kept++] = s;
    }
    if (bad)
        return -1;
    *AT(out, f->offset, const char **) = items;
    *AT(out, f->count_offset, size_t) = kept;
    return 0;
}

/* Decodes one member value (non-null) of a known writable field. */
static int
decode_value(void *out, uint64_t *present, const struct mfield *f, json_t *v, enum model_write mode,
             const char *path, struct arena *a, struct err *err)
{
    const char *s;
    char allowed[256];
    int64_t day;

    switch (f->kind) {
    case MF_STRING:
        s = take_string(f, v, path, a, err);
        if (!s)
            return -1;
        *AT(out, f->offset, const char *) = s;
        break;
    case MF_ID:
        s = take_string(f, v, path, a, err);
        if (!s)
            return -1;
        if (!id_is_valid(s, f->id_prefix))
            return err_field(err, path, "must be an id starting with \"%s\"", f->id_prefix);
        *AT(out, f->offset, const char *) = s;
        break;
    case MF_DATE:
        s = take_string(f, v, path, a, err);
        if (!s)
            return -1;
        if (strlen(s) != MODEL_DATE_LEN || clock_parse_date(s, &day) != 0)
            return err_field(err, path, "must be a date as YYYY-MM-DD");
        *AT(out, f->offset, const char *) = s;
        break;
    case MF_ENUM: {
        int i;

        enum_allowed(f, allowed, sizeof(allowed));
        if (!json_is_string(v))
            return err_field(err, path, "must be a string, one of: %s", allowed);
        i = model_enum_parse(json_string_value(v), f->enum_names, f->n_enum);
        if (i < 0)
            return err_field(err, path, "must be one of: %s", allowed);
        *AT(out, f->offset, int) = i;
        break;
    }
    case MF_INT: {
        long long n;

        if (!json_is_integer(v))
            return err_field(err, path, "must be an integer");
        n = json_integer_value(v);
        if (n < f->min || n > f->max)
            return err_field(err, path, "must be between %lld and %lld", f->min, f->max);
        *AT(out, f->offset, int) = (int)n;
        break;
    }
    case MF_STRINGS:
        if (decode_strings(out, f, v, path, a, err))
            return -1;
        break;
    case MF_OBJECT:
        if (!json_is_object(v))
            return err_field(err, path, "must be an object");
        /* A nested object is merge-patched member by member on PATCH, and replaced whole
         * (absent members cleared) on CREATE and REPLACE. */
        return decode_members(out, present, v, mode, f->sub, f->n_sub, NULL, path, a, err);
    }
    *present |= f->bit;
    return 0;
}

static bool
is_read_only(const char *name, const char *const *read_only)
{
    for (size_t i = 0; read_only && read_only[i]; i++) {
        if (strcmp(name, read_only[i]) == 0)
            return true;
    }
    return false;
}

static int
decode_members(void *out, uint64_t *present, json_t *body, enum model_write mode,
               const struct mfield *fields, size_t n_fields, const char *const *read_only,
               const char *parent, struct arena *a, struct err *err)
{
    const char *key;
    json_t *value;
    bool bad = false;
    char path[ERR_FIELD_NAME_MAX];

    json_object_foreach(body, key, value)
    {
        const struct mfield *f = NULL;

        field_path(path, sizeof(path), parent, key);
        for (size_t i = 0; i < n_fields && !f; i++) {
            if (strcmp(fields[i].name, key) == 0)
                f = &fields[i];
        }
        if (!f) {
            if (is_read_only(key, read_only))
                err_field(err, path, "is read-only");
            else
                err_field(err, path, "is not a known field");
            bad = true;
            continue;
        }
        if (json_is_null(value)) {
            bool nullable = !f->required && f->kind != MF_ENUM && f->kind != MF_INT;

            if (!nullable) {
                err_field(err, path, "must not be null");
                bad = true;
                continue;
            }
            set_default(out, f);
            *present |= field_bits(f);
            continue;
        }
        if (decode_value(out, present, f, value, mode, path, a, err))
            bad = true;
    }
    if (mode == MODEL_PATCH)
        return bad ? -1 : 0;

    for (size_t i = 0; i < n_fields; i++) {
        const struct mfield *f = &fields[i];

        if (json_object_get(body, f->name))
            continue;
        if (f->required) {
            field_path(path, sizeof(path), parent, f->name);
            err_field(err, path, "is required");
            bad = true;
            continue;
        }
        set_default(out, f);
        *present |= field_bits(f);
    }
    return bad ? -1 : 0;
}

int
decode_object(void *out, uint64_t *present, json_t *body, enum model_write mode,
              const struct mfield *fields, size_t n_fields, const char *const *read_only,
              struct arena *a, struct err *err)
{
    if (!json_is_object(body))
        return err_set(err, VALIDATION_ERROR, "The request body must be a JSON object.");
    *present = 0;
    if (decode_members(out, present, body, mode, fields, n_fields, read_only, NULL, a, err))
        return -1;
    return 0;
}
