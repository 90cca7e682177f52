/* SPDX-License-Identifier: MIT */
/* List query parameters. Everything a list route accepts is named here or in the store's
 * field table; anything else is a 400, because a silently ignored typo (`severty=high`)
 * returns the wrong rows with a 200. Out-of-range paging is a 400 too, never a clamp. */
#include "api/api_int.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/str.h"

static int
parse_paging(const char *name, const char *value, long long max, int64_t *out, struct err *err)
{
    long long v;

    if (str_to_ll(value, 1, max, &v))
        return err_field(err, name, "must be an integer from 1 to %lld", max);
    *out = v;
    return 0;
}

/* page, per_page and its alias limit, the same for every list (STORE_PAGE_MAX: beyond it the
 * OFFSET alone would make the query slow). 1 when name is one of them (parsed into q; given
 * twice is an error), 0 when it is not, -1 on error. */
static int
paging_param(const char *name, const char *value, struct store_list *q, bool *seen_page,
             bool *seen_per_page, struct err *err)
{
    bool per_page = strcmp(name, "per_page") == 0 || strcmp(name, "limit") == 0;

    if (!per_page && strcmp(name, "page") != 0)
        return 0;
    if (per_page ? *seen_per_page : *seen_page)
        return err_field(err, name,
                         per_page ? "give per_page (or its alias limit) once"
                                  : "given more than once");
    *(per_page ? seen_per_page : seen_page) = true;
    if (parse_paging(name, value, per_page ? STORE_PER_PAGE_MAX : STORE_PAGE_MAX,
                     per_page ? &q->per_page : &q->page, err))
        return -1;
    return 1;
}

static int
parse_time(const char *name, const char *value, bool *has, int64_t *out, struct err *err)
{
    if (clock_parse_rfc3339(value, out))
        return err_field(err, name, "must be an RFC 3339 date-time such as 2026-01-15T10:30:00Z");
    *has = true;
    return 0;
}

static int
parse_sort(enum store_kind kind, const char *value, struct arena *a, struct store_list *q,
           struct err *err)
{
    size_t n;
    char **keys = str_split(a, value, ',', &n);

    if (n > STORE_LIST_MAX_SORT)
        return err_field(err, "sort", "at most %d sort fields", STORE_LIST_MAX_SORT);
    for (size_t i = 0; i < n; i++) {
        const char *key = keys[i];
        bool desc = key[0] == '-';
        const struct store_field *f;

        if (desc || key[0] == '+')
            key++;
        f = store_list_field(kind, key);
        if (!f || !f->sort)
            return err_field(err, "sort", "cannot sort by '%.60s'", keys[i]);
        q->sort[q->n_sort].field = key;
        q->sort[q->n_sort].desc = desc;
        q->n_sort++;
    }
    return 0;
}

static struct store_filter *
filter_slot(struct store_list *q, const char *field)
{
    for (size_t i = 0; i < q->n_filters; i++) {
        if (strcmp(q->filters[i].field, field) == 0)
            return &q->filters[i];
    }
    if (q->n_filters >= STORE_LIST_MAX_FILTERS)
        return NULL;
    q->filters[q->n_filters].field = field;
    return &q->filters[q->n_filters++];
}

static int
add_filter(struct req *req, const struct store_field *f, const char *value, struct store_list *q,
           struct err *err)
{
    size_t n;
    char **values = str_split(req->arena, value, ',', &n);
    struct store_filter *slot = filter_slot(q, f->name);
    const char **merged;

    if (!slot)
        return err_field(err, f->name, "too many filters");
    /* One way to say OR, the spec's: a repeated name would be read as AND or last-wins by
     * other servers and proxies, so it is refused rather than guessed. */
    if (slot->n_values)
        return err_field(err, f->name, "given more than once; a comma means OR (%s=a,b)", f->name);
    if (slot->n_values + n > STORE_LIST_MAX_VALUES)
        return err_field(err, f->name, "at most %d values", STORE_LIST_MAX_VALUES);
    merged = arena_calloc(req->arena, slot->n_values + n, sizeof(*merged));
    if (slot->n_values)
        memcpy(merged, slot->values, slot->n_values * sizeof(*merged));
    for (size_t i = 0; i < n; i++) {
        if (values[i][0] == '\0')
            return err_field(err, f->name, "empty value");
        merged[slot->n_values + i] = values[i];
    }
    slot->values = merged;
    slot->n_values += n;
    return 0;
}

int
api_list_query(struct req *req, enum store_kind kind, unsigned extra,
               const struct store_filter *fixed, struct store_list *q, struct err *err)
{
    bool seen_page = false, seen_per_page = false, seen_sort = false, seen_search = false;
    bool seen_ca = false, seen_cb = false, seen_ua = false, seen_format = false;

    memset(q, 0, sizeof(*q));
    for (size_t i = 0; i < req_query_count(req); i++) {
        const struct http_kv *kv = req_query_at(req, i);
        const char *name = kv->name, *value = kv->value;
        const struct store_field *f;
        bool *seen = NULL;

        int paging = paging_param(name, value, q, &seen_page, &seen_per_page, err);

        if (paging < 0)
            return -1;
        if (paging > 0)
            continue;
        if (strcmp(name, "sort") == 0)
            seen = &seen_sort;
        else if (strcmp(name, "search") == 0)
            seen = &seen_search;
        else if (strcmp(name, "created_after") == 0)
            seen = &seen_ca;
        else if (strcmp(name, "created_before") == 0)
            seen = &seen_cb;
        else if (strcmp(name, "updated_after") == 0)
            seen = &seen_ua;
        else if ((extra & API_LIST_FORMAT) && strcmp(name, "format") == 0)
            seen = &seen_format;
        if (seen) {
            if (*seen)
                return err_field(err, name, "given more than once");
            *seen = true;
        }

        if (strcmp(name, "sort") == 0) {
            if (parse_sort(kind, value, req->arena, q, err))
                return -1;
        } else if (strcmp(name, "search") == 0) {
            if (strlen(value) > STORE_SEARCH_MAX)
                return err_field(err, "search", "at most %d bytes", STORE_SEARCH_MAX);
            q->search = value[0] ? value : NULL;
        } else if (strcmp(name, "created_after") == 0) {
            if (parse_time(name, value, &q->has_created_after, &q->created_after, err))
                return -1;
        } else if (strcmp(name, "created_before") == 0) {
            if (parse_time(name, value, &q->has_created_before, &q->created_before, err))
                return -1;
        } else if (strcmp(name, "updated_after") == 0) {
            if (parse_time(name, value, &q->has_updated_after, &q->updated_after, err))
                return -1;
        } else if (seen == &seen_format) {
            if (strcmp(value, "json") != 0 && strcmp(value, "csv") != 0)
                return err_field(err, "format", "must be json or csv");
        } else if ((f = store_list_field(kind, name)) && f->filter &&
                   !(fixed && strcmp(fixed->field, name) == 0)) {
            if (add_filter(req, f, value, q, err))
                return -1;
        } else {
            return err_field(err, name, "unknown query parameter");
        }
    }
    if (fixed) {
        struct store_filter *slot = filter_slot(q, fixed->field);

        if (!slot)
            return err_field(err, fixed->field, "too many filters");
        *slot = *fixed;
    }
    if (q->page == 0)
        q->page = 1;
    if (q->per_page == 0)
        q->per_page = STORE_PER_PAGE_DEFAULT;
    return 0;
}

int
api_paging_query(struct req *req, const char *const *extra, struct store_list *q,
                 const char **values, struct err *err)
{
    bool seen_page = false, seen_per_page = false;

    memset(q, 0, sizeof(*q));
    for (size_t i = 0; i < req_query_count(req); i++) {
        const struct http_kv *kv = req_query_at(req, i);
        int paging = paging_param(kv->name, kv->value, q, &seen_page, &seen_per_page, err);
        size_t k = 0;

        if (paging < 0)
            return -1;
        if (paging > 0)
            continue;
        while (extra && extra[k] && strcmp(kv->name, extra[k]) != 0)
            k++;
        if (!extra || !extra[k])
            return err_field(err, kv->name, "unknown query parameter");
        if (values[k])
            return err_field(err, kv->name, "given more than once");
        values[k] = kv->value;
    }
    if (q->page == 0)
        q->page = 1;
    if (q->per_page == 0)
        q->per_page = STORE_PER_PAGE_DEFAULT;
    return 0;
}

/* Appends the request's query string with `page` replaced. Names and values are re-encoded. */
static void
link_url(struct req *req, struct buf *out, int64_t page)
{
    static const char unreserved[] = "-._~";

    buf_puts(out, "<");
    buf_puts(out, req->path);
    buf_printf(out, "?page=%lld", (long long)page);
    for (size_t i = 0; i < req_query_count(req); i++) {
        const struct http_kv *kv = req_query_at(req, i);
        const char *parts[2] = {kv->name, kv->value};

        if (strcmp(kv->name, "page") == 0)
            continue;
        buf_putc(out, '&');
        for (int k = 0; k < 2; k++) {
            for (const unsigned char *p = (const unsigned char *)parts[k]; *p; p++) {
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || (*p && strchr(unreserved, *p)) || *p == ',')
                    buf_putc(out, (char)*p);
                else
                    buf_printf(out, "%%%02X", *p);
            }
            if (k == 0)
                buf_putc(out, '=');
        }
    }
    buf_puts(out, ">");
}

void
api_list_meta(struct req *req, struct jsonw *w, const struct store_list *q,
              const struct store_page *page)
{
    int64_t pages = (page->total + q->per_page - 1) / q->per_page;
    struct buf link;
    const struct {
        const char *rel;
        int64_t page;
        bool show;
    } rels[] = {
        {"first", 1, true},
        {"prev", q->page - 1, q->page > 1},
        {"next", q->page + 1, q->page < pages},
        {"last", pages > 0 ? pages : 1, true},
    };

    jsonw_key(w, "meta");
    jsonw_obj_open(w);
    jsonw_kint(w, "page", q->page);
    jsonw_kint(w, "per_page", q->per_page);
    jsonw_kint(w, "total", page->total);
    jsonw_kint(w, "pages", pages);
    jsonw_obj_close(w);

    buf_init(&link, 16 * 1024);
    for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
        if (!rels[i].show)
            continue;
        if (link.len)
            buf_puts(&link, ", ");
        link_url(req, &link, rels[i].page);
        buf_printf(&link, "; rel=\"%s\"", rels[i].rel);
    }
    resp_header(req, "Link", buf_str(&link));
    buf_cleanup(&link);
}
