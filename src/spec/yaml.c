/* SPDX-License-Identifier: MIT */
/* YAML to jansson over libyaml's event parser. Only the first document of a stream is read.
 * Plain scalars are typed with the YAML 1.2 core schema (null, booleans, integers, floats;
 * .inf and .nan stay strings because JSON cannot hold them); quoted and block scalars are
 * strings. An alias shares the anchored value (a jansson reference, not a copy), and the nodes
 * it stands for are counted, so a "billion laughs" document fails early instead of exploding
 * in whoever walks the result. Merge keys (`<<`) are applied, duplicate keys are refused. */
#include "spec/spec.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/xalloc.h"
#include "spec/spec_int.h"

#define YAML_TAG_STR    "tag:yaml.org,2002:str"
#define YAML_TAG_BINARY "tag:yaml.org,2002:binary"

/* Longest text of a stringified non-scalar mapping key. */
#define YAML_MAX_COMPLEX_KEY 1024

/* One mapping or sequence being built. */
struct yframe {
    json_t *node; /* object or array */
    bool is_map;
    char *anchor; /* owned, or NULL */
    size_t vsize; /* nodes it stands for, aliases expanded */
    /* Mapping state: a key waiting for its value. */
    bool have_key;
    bool key_is_merge;
    char *key; /* owned */
    size_t key_len;
    yaml_mark_t key_mark;
    json_t *merges; /* array of [source, vsize] for `<<`, or NULL */
};

struct yctx {
    const char *origin;
    struct err *err;
    struct yframe *stack;
    size_t depth;
    json_t *anchors; /* name -> [value, vsize] */
    size_t alias_nodes;
    json_t *root;
    bool done;
};

/* ---------------------------------------------------------------------------------------- */
/* Errors */

static int yerr(struct yctx *c, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
yerr(struct yctx *c, yaml_mark_t mark, const char *fmt, ...)
{
    char what[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return err_set(c->err, VALIDATION_ERROR, "%s%sinvalid YAML at line %zu, column %zu: %s",
                   c->origin ? c->origin : "", c->origin ? ": " : "", (size_t)mark.line + 1,
                   (size_t)mark.column + 1, what);
}

static int
parser_error(struct yctx *c, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR)
        return err_internal(c->err, "libyaml: out of memory");
    if (p->error == YAML_READER_ERROR) {
        yaml_mark_t mark = {.index = p->problem_offset};
        return err_set(c->err, VALIDATION_ERROR, "%s%sinvalid YAML at byte %zu: %s",
                       c->origin ? c->origin : "", c->origin ? ": " : "", (size_t)mark.index,
                       p->problem ? p->problem : "unreadable input");
    }
    if (p->context)
        return yerr(c, p->problem_mark, "%s %s", p->problem ? p->problem : "syntax error",
                    p->context);
    return yerr(c, p->problem_mark, "%s", p->problem ? p->problem : "syntax error");
}

/* ---------------------------------------------------------------------------------------- */
/* Scalars */

static bool
all_in(const char *s, size_t n, const char *set)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!s[i] || !strchr(set, s[i]))
            return false;
    }
    return true;
}

static bool
is_float_text(const char *s, size_t n)
{
    size_t i = 0, digits = 0;

    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;

        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return false;
    }
    return i == n;
}

/* Numbers longer than this are kept as strings: no real number needs more digits. */
#define NUMBER_TEXT_MAX 64

static json_t *
typed_number(const char *s, size_t n)
{
    char text[NUMBER_TEXT_MAX + 1];
    char *end;
    bool sign = n > 0 && (s[0] == '-' || s[0] == '+');

    if (n == 0 || n > NUMBER_TEXT_MAX)
        return NULL;
    memcpy(text, s, n);
    text[n] = '\0';

    if (n > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'o')) {
        int base = text[1] == 'x' ? 16 : 8;
        const char *set = base == 16 ? "0123456789abcdefABCDEF" : "01234567";
        unsigned long long v;

        if (!all_in(text + 2, n - 2, set))
            return NULL;
        errno = 0;
        v = strtoull(text + 2, &end, base);
        if (errno || *end || v > (unsigned long long)INT64_MAX)
            return NULL;
        return json_integer((json_int_t)v);
    }
    if (all_in(text + sign, n - sign, "0123456789")) {
        long long v;

        errno = 0;
        v = strtoll(text, &end, 10);
        if (!errno && !*end)
            return json_integer((json_int_t)v);
        /* Too big for an integer: a real keeps its magnitude. */
    } else if (!is_float_text(text, n)) {
        return NULL;
    }
    errno = 0;
    double d = strtod(text, &end);
    if (*end || !isfinite(d))
        return NULL;
    return json_real(d);
}

/* The value of a plain (unquoted) scalar under the core schema. */
static json_t *
typed_plain(const char *s, size_t n)
{
    static const char *const nulls[] = {"null", "Null", "NULL", "~"};
    static const char *const trues[] = {"true", "True", "TRUE"};
    static const char *const falses[] = {"false", "False", "FALSE"};
    json_t *number;

    if (n == 0)
        return json_null();
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++) {
        if (strlen(nulls[i]) == n && !memcmp(s, nulls[i], n))
            return json_null();
    }
    for (size_t i = 0; i < sizeof(trues) / sizeof(trues[0]); i++) {
        if (strlen(trues[i]) == n && !memcmp(s, trues[i], n))
            return json_true();
        if (strlen(falses[i]) == n && !memcmp(s, falses[i], n))
            return json_false();
    }
    number = typed_number(s, n);
    if (number)
        return number;
    return json_stringn(s, n);
}

static json_t *
scalar_value(const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;

    if (tag && (!strcmp(tag, YAML_TAG_STR) || !strcmp(tag, YAML_TAG_BINARY) || !strcmp(tag, "!")))
        return json_stringn(s, n);
    /* !!int, !!float, !!bool and !!null ask for typing even when the scalar is quoted. */
    if (tag && (!strcmp(tag, "tag:yaml.org,2002:int") || !strcmp(tag, "tag:yaml.org,2002:float") ||
                !strcmp(tag, "tag:yaml.org,2002:bool") || !strcmp(tag, "tag:yaml.org,2002:null")))
        return typed_plain(s, n);
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        return typed_plain(s, n);
    return json_stringn(s, n);
}

/* ---------------------------------------------------------------------------------------- */
/* Building */

static size_t
sat_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static void
anchor_register(struct yctx *c, const char *name, json_t *value, size_t vsize)
{
    json_object_set_new(c->anchors, name, json_pack("[O,I]", value, (json_int_t)vsize));
}

/* The text a node stands for when it is used as a mapping key: the scalar as written, or the
 * compact JSON of anything else (non-string keys are stringified). NULL if not representable. */
static char *
key_text(json_t *value, const char *raw, size_t raw_len, size_t *len /* out */)
{
    char *text;
    size_t needed;

    if (raw || json_is_string(value)) {
        const char *from = raw ? raw : json_string_value(value);

        /* Copied by length: a quoted key may hold a NUL, which the caller refuses. */
        *len = raw ? raw_len : json_string_length(value);
        text = xmalloc(*len + 1);
        memcpy(text, from, *len);
        text[*len] = '\0';
        return text;
    }
    /* A key nested in a key is escaped once more at each level, doubling its text: capping
     * each one keeps a {{{{...}}}} document from growing exponentially. */
    needed = json_dumpb(value, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    if (needed == 0 || needed > YAML_MAX_COMPLEX_KEY)
        return NULL;
    text = xmalloc(needed + 1);
    json_dumpb(value, text, needed, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    text[needed] = '\0';
    *len = needed;
    return text;
}

/* Hands a finished node (stolen) to its parent, or makes it the document root. `raw` is the
 * scalar text for a scalar node (used when the node is a key), `plain` its style. */
static int
add_node(struct yctx *c, json_t *value, size_t vsize, const char *raw, size_t raw_len, bool plain,
         yaml_mark_t mark)
{
    struct yframe *f;

    if (!value)
        return yerr(c, mark, "scalar is not valid UTF-8");
    if (c->depth == 0) {
        c->root = value;
        return 0;
    }
    f = &c->stack[c->depth - 1];
    if (!f->is_map) {
        json_array_append_new(f->node, value);
        f->vsize = sat_add(f->vsize, vsize);
        return 0;
    }
    if (!f->have_key) {
        f->key = key_text(value, raw, raw_len, &f->key_len);
        json_decref(value);
        if (!f->key)
            return yerr(c, mark,
                        "mapping key is not a scalar and longer than %d characters as JSON",
                        YAML_MAX_COMPLEX_KEY);
        if (memchr(f->key, '\0', f->key_len)) {
            free(f->key);
            f->key = NULL;
            return yerr(c, mark, "mapping key contains a NUL character");
        }
        f->have_key = true;
        f->key_is_merge = raw && plain && raw_len == 2 && !memcmp(raw, "<<", 2);
        f->key_mark = mark;
        return 0;
    }

    f->have_key = false;
    if (f->key_is_merge) {
        bool ok = json_is_object(value);

        if (json_is_array(value)) {
            size_t i;
            json_t *item;

            ok = true;
            json_array_foreach(value, i, item)
            {
                ok = ok && json_is_object(item);
            }
        }
        free(f->key);
        f->key = NULL;
        if (!ok) {
            json_decref(value);
            return yerr(c, f->key_mark, "merge key '<<' needs a mapping or a sequence of mappings");
        }
        if (!f->merges)
            f->merges = json_array();
        json_array_append_new(f->merges, json_pack("[o,I]", value, (json_int_t)vsize));
        return 0;
    }
    if (json_object_getn(f->node, f->key, f->key_len)) {
        int rc = yerr(c, f->key_mark, "duplicate key '%.80s'", f->key);

        json_decref(value);
        free(f->key);
        f->key = NULL;
        return rc;
    }
    json_object_setn_new(f->node, f->key, f->key_len, value);
    free(f->key);
    f->key = NULL;
    f->vsize = sat_add(f->vsize, vsize);
    return 0;
}

/* Keys written in the mapping win over merged ones; among merged mappings the first wins. */
static void
merge_into(json_t *target, json_t *source)
{
    const char *key;
    size_t key_len;
    json_t *value;

    json_object_keylen_foreach(source, key, key_len, value)
    {
        if (!json_object_getn(target, key, key_len))
            json_object_setn(target, key, key_len, value);
    }
}

static void
apply_merges(struct yframe *f)
{
    size_t i, j;
    json_t *entry, *item;

    if (!f->merges)
        return;
    json_array_foreach(f->merges, i, entry)
    {
        json_t *source = json_array_get(entry, 0);

        if (json_is_object(source)) {
            merge_into(f->node, source);
        } else {
            json_array_foreach(source, j, item)
            {
                merge_into(f->node, item);
            }
        }
        f->vsize = sat_add(f->vsize, (size_t)json_integer_value(json_array_get(entry, 1)));
    }
    json_decref(f->merges);
    f->merges = NULL;
}

static void
frame_cleanup(struct yframe *f)
{
    json_decref(f->node);
    json_decref(f->merges);
    free(f->anchor);
    free(f->key);
    memset(f, 0, sizeof(*f));
}

static int
on_start(struct yctx *c, const yaml_event_t *ev, bool is_map)
{
    const yaml_char_t *anchor =
        is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    struct yframe *f;

    if (c->depth >= SPEC_YAML_MAX_DEPTH)
        return yerr(c, ev->start_mark, "nested deeper than %d levels", SPEC_YAML_MAX_DEPTH);
    f = &c->stack[c->depth++];
    memset(f, 0, sizeof(*f));
    f->node = is_map ? json_object() : json_array();
    f->is_map = is_map;
    f->anchor = anchor ? xstrdup((const char *)anchor) : NULL;
    f->vsize = 1;
    return 0;
}

static int
on_end(struct yctx *c, const yaml_event_t *ev)
{
    struct yframe f;

    assert(c->depth > 0);
    f = c->stack[--c->depth];
    memset(&c->stack[c->depth], 0, sizeof(c->stack[c->depth]));
    apply_merges(&f);
    if (f.anchor)
        anchor_register(c, f.anchor, f.node, f.vsize);
    free(f.anchor);
    free(f.key);
    return add_node(c, f.node, f.vsize, NULL, 0, false, ev->start_mark);
}

static int
on_alias(struct yctx *c, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    json_t *entry, *value;
    size_t vsize;

    for (size_t i = 0; i < c->depth; i++) {
        if (c->stack[i].anchor && !strcmp(c->stack[i].anchor, name))
            return yerr(c, ev->start_mark, "alias '*%.60s' refers to a node that contains it",
                        name);
    }
    entry = json_object_get(c->anchors, name);
    if (!entry)
        return yerr(c, ev->start_mark, "unknown alias '*%.60s'", name);
    value = json_array_get(entry, 0);
    vsize = (size_t)json_integer_value(json_array_get(entry, 1));
    c->alias_nodes = sat_add(c->alias_nodes, vsize);
    if (c->alias_nodes > SPEC_YAML_MAX_ALIAS_NODES)
        return err_set(c->err, VALIDATION_ERROR,
                       "%s%sdocument too large after alias expansion (more than %u nodes)",
                       c->origin ? c->origin : "", c->origin ? ": " : "",
                       SPEC_YAML_MAX_ALIAS_NODES);
    return add_node(c, json_incref(value), vsize, NULL, 0, false, ev->start_mark);
}

static int
on_scalar(struct yctx *c, const yaml_event_t *ev)
{
    json_t *value = scalar_value(ev);
    const char *anchor = (const char *)ev->data.scalar.anchor;

    if (value && anchor)
        anchor_register(c, anchor, value, 1);
    return add_node(c, value, 1, (const char *)ev->data.scalar.value, ev->data.scalar.length,
                    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag,
                    ev->start_mark);
}

static int
on_event(struct yctx *c, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_END_EVENT:
        c->done = true; /* only the first document counts */
        return 0;
    case YAML_MAPPING_START_EVENT:
        return on_start(c, ev, true);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(c, ev, false);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        return on_end(c, ev);
    case YAML_ALIAS_EVENT:
        return on_alias(c, ev);
    case YAML_SCALAR_EVENT:
        return on_scalar(c, ev);
    default:
        return 0;
    }
}

json_t *
spec_yaml_parse(const char *data, size_t len, const char *origin, struct err *err)
{
    struct yctx c = {.origin = origin, .err = err};
    yaml_parser_t parser;
    int rc = 0;

    if (!yaml_parser_initialize(&parser)) {
        err_internal(err, "libyaml: cannot initialize the parser");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    c.stack = xcalloc(SPEC_YAML_MAX_DEPTH, sizeof(*c.stack));
    c.anchors = json_object();

    while (!c.done && rc == 0) {
        yaml_event_t ev;

        if (!yaml_parser_parse(&parser, &ev)) {
            rc = parser_error(&c, &parser);
            break;
        }
        rc = on_event(&c, &ev);
        yaml_event_delete(&ev);
    }

    for (size_t i = 0; i < c.depth; i++)
        frame_cleanup(&c.stack[i]);
    free(c.stack);
    json_decref(c.anchors);
    yaml_parser_delete(&parser);
    if (rc) {
        json_decref(c.root);
        return NULL;
    }
    /* An empty stream is a null document, as an empty plain scalar is. */
    return c.root ? c.root : json_null();
}

json_t *
yaml_to_json(const char *data, size_t len, struct err *err)
{
    return spec_yaml_parse(data, len, NULL, err);
}
