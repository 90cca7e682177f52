/* SPDX-License-Identifier: MIT */
/* The route table compiled into a segment tree: each node has literal children and at most one
 * {param} child, and per method the route that ends there. Matching walks the path once,
 * segment by segment, without allocating unless a segment is percent-encoded or a parameter
 * value is kept; a literal child is tried before the param child, and the walk backs up when a
 * literal branch dead-ends. The tree is immutable after router_new, so server threads share it
 * without locks. */
#include "http/http_int.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"

#define ROUTER_SEGMENTS_MAX 32

/* A compiled route: the route and the names of its params, in path order. */
struct router_entry {
    const struct route *route;
    const char *names[HTTP_PARAMS_MAX];
    size_t n_params;
};

struct router_node {
    const char *seg; /* literal text of this node (NULL for a param node) */
    size_t seg_len;
    struct router_node **children; /* literal children */
    size_t n_children;
    size_t cap_children;
    struct router_node *param;
    const struct router_entry *entries[HTTP_METHOD_COUNT];
    unsigned methods; /* bit per method with an entry */
};

struct router {
    struct arena *arena; /* owns every node and entry */
    struct router_node *root;
};

/* A path segment during matching: raw bytes, and the decoded text once needed. */
struct router_seg {
    const char *raw;
    size_t raw_len;
    const char *text; /* raw, or the decoded copy; NULL if the escape is bad */
    size_t len;
};

static const char *const method_names[HTTP_METHOD_COUNT] = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
};

const char *
http_method_name(enum http_method method)
{
    if ((unsigned)method >= HTTP_METHOD_COUNT)
        return "?";
    return method_names[method];
}

/* ---------------------------------------------------------------------------------------- */
/* Compiling */

static struct router_node *
node_new(struct arena *arena, const char *seg, size_t seg_len)
{
    struct router_node *node = arena_alloc(arena, sizeof(*node));

    node->seg = seg;
    node->seg_len = seg_len;
    return node;
}

static struct router_node *
node_literal_child(struct router *router, struct router_node *node, const char *seg, size_t len)
{
    size_t i;

    for (i = 0; i < node->n_children; i++) {
        struct router_node *child = node->children[i];

        if (child->seg_len == len && memcmp(child->seg, seg, len) == 0)
            return child;
    }
    if (node->n_children == node->cap_children) {
        size_t cap = node->cap_children ? node->cap_children * 2 : 4;
        struct router_node **grown = arena_calloc(router->arena, cap, sizeof(*grown));

        if (node->n_children)
            memcpy(grown, node->children, node->n_children * sizeof(*grown));
        node->children = grown;
        node->cap_children = cap;
    }
    node->children[node->n_children] =
        node_new(router->arena, arena_strndup(router->arena, seg, len), len);
    return node->children[node->n_children++];
}

static bool
segment_literal_ok(const char *seg, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)seg[i];

        /* Literals are compared with decoded path segments, so they hold no escapes. */
        if (c == '%' || c == '{' || c == '}' || c <= ' ' || c >= 0x7f)
            return false;
    }
    return len > 0;
}

static int
router_add(struct router *router, const struct route *route, struct err *err)
{
    struct router_entry *entry = arena_alloc(router->arena, sizeof(*entry));
    struct router_node *node = router->root;
    const char *p = route->pattern;
    size_t n_segments = 0;

    if (!p || p[0] != '/' || (unsigned)route->method >= HTTP_METHOD_COUNT || !route->handler)
        return err_internal(err, "route %s: bad pattern, method or handler", p ? p : "(null)");
    entry->route = route;
    p++;
    /* "/" is the root itself; otherwise each '/'-separated piece is one segment. */
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        if (++n_segments > ROUTER_SEGMENTS_MAX)
            return err_internal(err, "route %s: too many segments", route->pattern);
        if (len >= 2 && p[0] == '{' && p[len - 1] == '}') {
            if (len == 2 || entry->n_params == HTTP_PARAMS_MAX || memchr(p + 1, '{', len - 2) ||
                memchr(p + 1, '}', len - 2))
                return err_internal(err, "route %s: bad parameter", route->pattern);
            entry->names[entry->n_params++] = arena_strndup(router->arena, p + 1, len - 2);
            if (!node->param)
                node->param = node_new(router->arena, NULL, 0);
            node = node->param;
        } else {
            if (!segment_literal_ok(p, len))
                return err_internal(err, "route %s: bad segment", route->pattern);
            node = node_literal_child(router, node, p, len);
        }
        if (!end)
            break;
        p = end + 1;
        if (!*p)
            return err_internal(err, "route %s: trailing slash", route->pattern);
    }
    if (node->entries[route->method])
        return err_internal(err, "route %s %s: duplicate", http_method_name(route->method),
                            route->pattern);
    node->entries[route->method] = entry;
    node->methods |= 1u << route->method;
    return 0;
}

struct router *
router_new(const struct route *routes, size_t n_routes, struct err *err)
{
    struct router *router;
    struct arena *arena = arena_new();
    size_t i;

    router = arena_alloc(arena, sizeof(*router));
    router->arena = arena;
    router->root = node_new(arena, "", 0);
    for (i = 0; i < n_routes; i++) {
        if (router_add(router, &routes[i], err)) {
            arena_free(arena);
            return NULL;
        }
    }
    return router;
}

void
router_free(struct router *router)
{
    if (router)
        arena_free(router->arena);
}

/* ---------------------------------------------------------------------------------------- */
/* Matching */

/* Depth-first walk; on success, taken[] holds the index of each segment a param consumed. */
static const struct router_node *
walk(const struct router_node *node, const struct router_seg *segs, size_t i, size_t n,
     size_t *taken, size_t n_taken, size_t *n_taken_out)
{
    const struct router_node *found;
    size_t c;

    if (i == n) {
        if (!node->methods)
            return NULL;
        *n_taken_out = n_taken;
        return node;
    }
    if (!segs[i].text)
        return NULL; /* a bad escape matches nothing */
    for (c = 0; c < node->n_children; c++) {
        const struct router_node *child = node->children[c];

        if (child->seg_len == segs[i].len && memcmp(child->seg, segs[i].text, segs[i].len) == 0) {
            found = walk(child, segs, i + 1, n, taken, n_taken, n_taken_out);
            if (found)
                return found;
            break; /* literal children are unique */
        }
    }
    if (node->param && n_taken < HTTP_PARAMS_MAX) {
        taken[n_taken] = i;
        return walk(node->param, segs, i + 1, n, taken, n_taken + 1, n_taken_out);
    }
    return NULL;
}

static unsigned
allowed_mask(unsigned methods)
{
    unsigned mask = methods | (1u << HTTP_OPTIONS);

    if (methods & (1u << HTTP_GET))
        mask |= 1u << HTTP_HEAD;
    return mask;
}

enum router_result
router_match(const struct router *router, enum http_method method, const char *path, size_t len,
             struct arena *arena, struct router_match *out)
{
    struct router_seg segs[ROUTER_SEGMENTS_MAX];
    size_t taken[HTTP_PARAMS_MAX];
    size_t n = 0, n_taken = 0, pos, i;
    const struct router_node *node;
    const struct router_entry *entry;

    memset(out, 0, sizeof(*out));
    if (len == 0 || path[0] != '/' || (unsigned)method >= HTTP_METHOD_COUNT)
        return ROUTER_NOT_FOUND;
    /* One trailing slash is tolerated: "/a/b/" is "/a/b". */
    if (len > 1 && path[len - 1] == '/' && path[len - 2] != '/')
        len--;
    pos = 1;
    while (pos < len) {
        const char *seg = path + pos;
        const char *slash = memchr(seg, '/', len - pos);
        size_t seg_len = slash ? (size_t)(slash - seg) : len - pos;

        if (seg_len == 0 || n == ROUTER_SEGMENTS_MAX)
            return ROUTER_NOT_FOUND;
        segs[n].raw = seg;
        segs[n].raw_len = seg_len;
        if (memchr(seg, '%', seg_len) || memchr(seg, '\0', seg_len)) {
            /* Rare: decode this one segment (NUL bytes never match anything). */
            segs[n].text = memchr(seg, '\0', seg_len)
                               ? NULL
                               : http_pct_decode(seg, seg_len, false, arena, &segs[n].len);
        } else {
            segs[n].text = seg;
            segs[n].len = seg_len;
        }
        n++;
        pos += seg_len + 1;
    }
    node = walk(router->root, segs, 0, n, taken, 0, &n_taken);
    if (!node)
        return ROUTER_NOT_FOUND;
    out->allowed = allowed_mask(node->methods);
    entry = node->entries[method];
    if (!entry && method == HTTP_HEAD)
        entry = node->entries[HTTP_GET];
    if (!entry)
        return ROUTER_METHOD_NOT_ALLOWED;
    out->route = entry->route;
    out->n_params = n_taken < entry->n_params ? n_taken : entry->n_params;
    for (i = 0; i < out->n_params; i++) {
        const struct router_seg *s = &segs[taken[i]];

        out->params[i].name = entry->names[i];
        out->params[i].value =
            s->text == s->raw ? arena_strndup(arena, s->raw, s->raw_len) : s->text;
    }
    return ROUTER_MATCH;
}

char *
router_allow_header(unsigned allowed, struct arena *arena)
{
    char text[64];
    size_t len = 0;
    int m;

    text[0] = '\0';
    for (m = 0; m < HTTP_METHOD_COUNT; m++) {
        if (!(allowed & (1u << m)))
            continue;
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", len ? ", " : "",
                                method_names[m]);
    }
    return arena_strdup(arena, text);
}
