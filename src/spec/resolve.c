/* SPDX-License-Identifier: MIT */
/* Local $ref resolution. The document is copied into a new tree in which each {"$ref": "#/..."}
 * becomes its resolved target. The resolver keeps the logical location it is at (the document
 * path, then the target path of each $ref it followed); a ref whose target contains that
 * location is a cycle, cut there and marked {"x-vigil-cycle": ref}. A target whose resolution
 * does not depend on where it was met is resolved once and shared by every use (a jansson
 * reference), which keeps the work near linear. Literal values (examples, defaults, enums, x-
 * extensions) are copied as written: a "$ref" inside an example is data, not a reference. */
#include "spec/spec_int.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/xalloc.h"

/* One step of a location: an object key or an array index. */
struct seg {
    const char *s;
    size_t len;
    size_t index;
    bool is_index;
};

/* A $ref being followed: where its target path starts in the location stack. */
struct frame {
    size_t start;
};

struct resolver {
    json_t *doc;
    struct spec_ctx *ctx;
    struct err *err;
    struct seg *segs; /* the current logical location */
    size_t n_segs, cap_segs;
    struct frame *frames; /* frames[0] is the walk of the document itself */
    size_t n_frames, cap_frames;
    json_t *cache;    /* "%p" of a target -> its resolved value */
    json_t *warned;   /* refs already warned about */
    size_t built;     /* containers created */
    size_t in_id;     /* objects with a "$id" the walk is inside of (3.1 schema resources) */
    size_t cut_floor; /* outermost frame a cycle cut since the last reset matched */
    bool depth_warned;
};

/* ---------------------------------------------------------------------------------------- */
/* Locations */

static void
seg_push(struct resolver *r, struct seg seg)
{
    if (r->n_segs == r->cap_segs) {
        r->cap_segs = r->cap_segs ? r->cap_segs * 2 : 64;
        r->segs = xrealloc(r->segs, r->cap_segs * sizeof(*r->segs));
    }
    r->segs[r->n_segs++] = seg;
}

static void
seg_push_key(struct resolver *r, const char *key)
{
    seg_push(r, (struct seg){.s = key, .len = strlen(key)});
}

static void
seg_push_index(struct resolver *r, size_t index)
{
    seg_push(r, (struct seg){.index = index, .is_index = true});
}

static bool
seg_eq(const struct seg *a, const struct seg *b)
{
    char text[24];
    const struct seg *word;
    size_t n;

    if (a->is_index && b->is_index)
        return a->index == b->index;
    if (!a->is_index && !b->is_index)
        return a->len == b->len && !memcmp(a->s, b->s, a->len);
    word = a->is_index ? b : a;
    n = (size_t)snprintf(text, sizeof(text), "%zu", a->is_index ? a->index : b->index);
    return word->len == n && !memcmp(word->s, text, n);
}

/* The key `back` steps up from the current location (0 = the last), or NULL. */
static bool
seg_is(const struct resolver *r, size_t back, const char *word)
{
    const struct seg *seg;

    if (back >= r->n_segs)
        return false;
    seg = &r->segs[r->n_segs - 1 - back];
    return !seg->is_index && seg->len == strlen(word) && !memcmp(seg->s, word, seg->len);
}

/* Objects whose keys are names chosen by the author, not keywords: a schema named "example"
 * or a response named "default" is still structure. */
static bool
parent_is_name_map(const struct resolver *r)
{
    static const char *const maps[] = {
        "properties",
        "patternProperties",
        "schemas",
        "definitions",
        "$defs",
        "responses",
        "parameters",
        "requestBodies",
        "headers",
        "securitySchemes",
        "securityDefinitions",
        "links",
        "callbacks",
        "examples",
        "pathItems",
        "encoding",
        "variables",
        "content",
        "paths",
        "dependentSchemas",
    };

    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
        if (seg_is(r, 1, maps[i]))
            return true;
    }
    return false;
}

/* Values that are data, not structure, keep their text: a "$ref" in an example is an example. */
static bool
is_literal(const struct resolver *r, const json_t *value)
{
    const struct seg *key;

    if (r->n_segs == 0)
        return false;
    key = &r->segs[r->n_segs - 1];
    if (key->is_index || parent_is_name_map(r))
        return false;
    if (seg_is(r, 0, "example") || seg_is(r, 0, "default") || seg_is(r, 0, "enum") ||
        seg_is(r, 0, "const"))
        return true;
    if (seg_is(r, 0, "examples") && json_is_array(value))
        return true;
    if (seg_is(r, 0, "value") && seg_is(r, 2, "examples"))
        return true;
    return key->len >= 2 && !memcmp(key->s, "x-", 2);
}

/* ---------------------------------------------------------------------------------------- */
/* JSON pointers */

enum decode_result { DECODE_OK, DECODE_MALFORMED, DECODE_UNSUPPORTED };

/* Decodes the fragment of a local ref ("#/a~1b/c%20d") into segments pointing into *buf
 * (heap, the caller frees it, also on failure). */
static enum decode_result
decode_ref(const char *ref, char **buf, struct seg **segs, size_t *n_segs)
{
    const char *frag = ref + 1;
    size_t n = strlen(frag), w = 0, count = 0;
    char *p;

    *buf = xmalloc(n + 1);
    *segs = NULL;
    *n_segs = 0;
    for (size_t i = 0; i < n; i++) {
        if (frag[i] == '%') {
            int hi = i + 2 < n ? str_hex_digit((unsigned char)frag[i + 1]) : -1;
            int lo = hi >= 0 ? str_hex_digit((unsigned char)frag[i + 2]) : -1;

            if (hi < 0 || lo < 0)
                return DECODE_MALFORMED;
            (*buf)[w++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            (*buf)[w++] = frag[i];
        }
    }
    (*buf)[w] = '\0';
    if (w == 0)
        return DECODE_OK; /* "#": the whole document */
    if ((*buf)[0] != '/')
        return DECODE_UNSUPPORTED; /* "#name": a plain-name fragment ($anchor) */
    for (size_t i = 0; i < w; i++)
        count += (*buf)[i] == '/';
    *segs = xcalloc(count, sizeof(**segs));

    p = *buf + 1;
    for (size_t k = 0; k < count; k++) {
        char *end = p, *out = p, *limit = *buf + w;

        while (end < limit && *end != '/')
            end++;
        for (char *in = p; in < end; in++) {
            if (*in == '~') {
                if (in + 1 >= end || (in[1] != '0' && in[1] != '1'))
                    return DECODE_MALFORMED;
                *out++ = in[1] == '0' ? '~' : '/';
                in++;
            } else {
                *out++ = *in;
            }
        }
        (*segs)[k] = (struct seg){.s = p, .len = (size_t)(out - p)};
        p = end + 1;
    }
    *n_segs = count;
    return DECODE_OK;
}

static bool
parse_index(const struct seg *seg, size_t *index)
{
    size_t v = 0;

    if (seg->len == 0 || seg->len > 18 || (seg->len > 1 && seg->s[0] == '0'))
        return false;
    for (size_t i = 0; i < seg->len; i++) {
        if (seg->s[i] < '0' || seg->s[i] > '9')
            return false;
        v = v * 10 + (size_t)(seg->s[i] - '0');
    }
    *index = v;
    return true;
}

static json_t *
pointer_get(json_t *doc, const struct seg *segs, size_t n)
{
    json_t *node = doc;

    for (size_t i = 0; i < n && node; i++) {
        size_t index;

        if (json_is_object(node))
            node = json_object_getn(node, segs[i].s, segs[i].len);
        else if (json_is_array(node) && parse_index(&segs[i], &index))
            node = json_array_get(node, index);
        else
            node = NULL;
    }
    return node;
}

/* The innermost frame whose location the target path is a prefix of (following the ref would
 * enter that location again), or NO_FRAME. */
#define NO_FRAME SIZE_MAX

static size_t
cycle_frame(const struct resolver *r, const struct seg *target, size_t n)
{
    for (size_t f = r->n_frames; f-- > 0;) {
        size_t start = r->frames[f].start;
        size_t end = f + 1 < r->n_frames ? r->frames[f + 1].start : r->n_segs;
        size_t k;

        if (n > end - start)
            continue;
        for (k = 0; k < n && seg_eq(&target[k], &r->segs[start + k]); k++)
            ;
        if (k == n)
            return f;
    }
    return NO_FRAME;
}

/* ---------------------------------------------------------------------------------------- */
/* Walking */

static json_t *resolve_value(struct resolver *r, json_t *node, size_t depth);

static void
warn_once(struct resolver *r, const char *ref, const char *what)
{
    if (json_object_get(r->warned, ref))
        return;
    json_object_set_new(r->warned, ref, json_true());
    spec_warn(r->ctx, "$ref '%.120s' %s", ref, what);
}

static int
count_built(struct resolver *r)
{
    if (++r->built > SPEC_MAX_BUILT_NODES)
        return err_set(r->err, VALIDATION_ERROR,
                       "%s: document too large after $ref expansion (more than %u nodes)",
                       r->ctx->origin, SPEC_MAX_BUILT_NODES);
    return 0;
}

/* Resolves the members of `src` into `out` (replacing keys already there). A "$ref" member
 * is dropped when `skip_ref`, else a string "$ref" is kept as written. */
static int
add_members(struct resolver *r, json_t *src, json_t *out, bool skip_ref, size_t depth)
{
    const char *key;
    json_t *value;
    bool has_id = r->n_segs > 0 && json_is_string(json_object_get(src, "$id"));
    int rc = 0;

    r->in_id += has_id;

    json_object_foreach(src, key, value)
    {
        json_t *child;
        bool is_ref = !strcmp(key, "$ref") && json_is_string(value);

        if (is_ref && skip_ref)
            continue;
        seg_push_key(r, key);
        if (is_ref || is_literal(r, value))
            child = json_incref(value);
        else
            child = resolve_value(r, value, depth + 1);
        r->n_segs--;
        if (!child) {
            rc = -1;
            break;
        }
        json_object_set_new(out, key, child);
    }
    r->in_id -= has_id;
    return rc;
}

static json_t *
resolve_object(struct resolver *r, json_t *node, bool skip_ref, size_t depth)
{
    json_t *out;

    if (count_built(r))
        return NULL;
    out = json_object();
    if (add_members(r, node, out, skip_ref, depth)) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static json_t *
resolve_array(struct resolver *r, json_t *node, size_t depth)
{
    json_t *out, *value;
    size_t i;

    if (count_built(r))
        return NULL;
    out = json_array();
    json_array_foreach(node, i, value)
    {
        json_t *child;

        seg_push_index(r, i);
        child = resolve_value(r, value, depth + 1);
        r->n_segs--;
        if (!child) {
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, child);
    }
    return out;
}

/* {marker: ref} plus the ref's siblings: where a reference was not followed, and why. */
static json_t *
marked(struct resolver *r, json_t *node, const char *marker, const char *ref, size_t depth)
{
    json_t *out = resolve_object(r, node, true, depth);

    if (out)
        json_object_set_new(out, marker, json_string(ref));
    return out;
}

static void
cache_key(char *key, size_t size, const json_t *node)
{
    snprintf(key, size, "%p", (const void *)node);
}

static json_t *
follow(struct resolver *r, json_t *target, const struct seg *segs, size_t n, size_t depth)
{
    json_t *value;

    if (r->n_frames == r->cap_frames) {
        r->cap_frames = r->cap_frames * 2;
        r->frames = xrealloc(r->frames, r->cap_frames * sizeof(*r->frames));
    }
    r->frames[r->n_frames++] = (struct frame){.start = r->n_segs};
    for (size_t i = 0; i < n; i++)
        seg_push(r, segs[i]);
    value = resolve_value(r, target, depth + 1);
    r->n_segs = r->frames[--r->n_frames].start;
    return value;
}

static json_t *
resolve_ref(struct resolver *r, json_t *node, const char *ref, size_t depth)
{
    char *buf = NULL, key[32];
    struct seg *segs = NULL;
    size_t n_segs = 0, cut;
    json_t *target, *value = NULL, *cached;
    enum decode_result decoded;

    if (ref[0] != '#') {
        warn_once(r, ref, "points to another document: not followed, left as written");
        return resolve_object(r, node, false, depth);
    }
    decoded = decode_ref(ref, &buf, &segs, &n_segs);
    if (decoded == DECODE_MALFORMED) {
        err_set(r->err, VALIDATION_ERROR, "%s: malformed $ref '%.120s'", r->ctx->origin, ref);
        goto out;
    }
    if (decoded == DECODE_UNSUPPORTED) {
        warn_once(r, ref, "is not a JSON pointer: not followed, left as written");
        value = resolve_object(r, node, false, depth);
        goto out;
    }
    target = pointer_get(r->doc, segs, n_segs);
    if (!target && r->in_id) {
        /* Under a "$id" a fragment is relative to that schema resource, which we do not
         * track: not an error in the document, only one we cannot follow. */
        warn_once(r, ref, "is relative to a $id schema resource: not followed, left as written");
        value = resolve_object(r, node, false, depth);
        goto out;
    }
    if (!target) {
        err_set(r->err, VALIDATION_ERROR, "%s: unresolvable $ref '%.120s'", r->ctx->origin, ref);
        goto out;
    }
    cut = cycle_frame(r, segs, n_segs);
    if (cut != NO_FRAME) {
        r->cut_floor = cut < r->cut_floor ? cut : r->cut_floor;
        value = marked(r, node, "x-vigil-cycle", ref, depth);
        goto out;
    }
    if (depth > SPEC_REF_DEPTH_CUT) {
        if (!r->depth_warned)
            spec_warn(r->ctx, "$refs nested deeper than %d levels were cut (x-vigil-depth-cut)",
                      SPEC_REF_DEPTH_CUT);
        r->depth_warned = true;
        r->cut_floor = 0; /* where the cut falls depends on the context */
        value = marked(r, node, "x-vigil-depth-cut", ref, depth);
        goto out;
    }

    /* A resolution is shared by every later use when it is the same in any context: when each
     * cycle it cut closes inside it (frame index >= its own). One cut at an outer location
     * (A -> B -> A, B resolved inside A) must be redone elsewhere, which can cost exponential
     * work in a large web of schemas: past SPEC_SHARE_ALL_AFTER built nodes every resolution
     * is shared, and a cut then sits where the cycle closed the first time. */
    cache_key(key, sizeof(key), target);
    cached = json_object_get(r->cache, key);
    if (cached) {
        value = json_incref(cached);
    } else {
        size_t outer_floor = r->cut_floor, own_frame = r->n_frames;

        r->cut_floor = NO_FRAME;
        value = follow(r, target, segs, n_segs, depth);
        if (!value)
            goto out;
        if (r->cut_floor >= own_frame || r->built > SPEC_SHARE_ALL_AFTER)
            json_object_set(r->cache, key, value);
        r->cut_floor = r->cut_floor < outer_floor ? r->cut_floor : outer_floor;
    }

    /* Keywords beside a $ref (a 3.1 description, a schema constraint) apply on top of it. */
    if (json_object_size(node) > 1 && json_is_object(value)) {
        json_t *merged = json_object();

        json_object_update(merged, value);
        json_decref(value);
        value = merged;
        if (count_built(r) || add_members(r, node, value, true, depth)) {
            json_decref(value);
            value = NULL;
        }
    }
out:
    free(buf);
    free(segs);
    return value;
}

static json_t *
resolve_value(struct resolver *r, json_t *node, size_t depth)
{
    json_t *ref, *cached;
    char key[32];

    if (depth > SPEC_MAX_DEPTH) {
        err_set(r->err, VALIDATION_ERROR,
                "%s: document nested too deeply (more than %d levels with $refs expanded)",
                r->ctx->origin, SPEC_MAX_DEPTH);
        return NULL;
    }
    if (!json_is_object(node) && !json_is_array(node))
        return json_incref(node);

    /* A target already resolved (components walked after the paths that use them). */
    cache_key(key, sizeof(key), node);
    cached = json_object_get(r->cache, key);
    if (cached)
        return json_incref(cached);
    if (json_is_array(node))
        return resolve_array(r, node, depth);
    ref = json_object_get(node, "$ref");
    if (json_is_string(ref))
        return resolve_ref(r, node, json_string_value(ref), depth);
    return resolve_object(r, node, false, depth);
}

json_t *
spec_resolve(json_t *doc, struct spec_ctx *ctx, struct err *err)
{
    struct resolver r = {.doc = doc, .ctx = ctx, .err = err};
    json_t *out;

    r.cap_frames = 16;
    r.frames = xcalloc(r.cap_frames, sizeof(*r.frames));
    r.frames[r.n_frames++] = (struct frame){.start = 0};
    r.cache = json_object();
    r.warned = json_object();
    r.cut_floor = NO_FRAME;
    out = resolve_value(&r, doc, 0);
    json_decref(r.cache);
    json_decref(r.warned);
    free(r.frames);
    free(r.segs);
    return out;
}
