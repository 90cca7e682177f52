/* SPDX-License-Identifier: MIT */
/* Lists: the fixed table of filterable and sortable fields per resource, and the one query
 * builder every list uses. SQL text is assembled only from this file's constants (column
 * names, operators, placeholders); every value a client sent (filter values, search text,
 * times, paging) is bound. Queries of the same shape produce the same text, so the statement
 * cache serves them after the first. */
#include "store/store_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/str.h"
#include "core/xalloc.h"

/* ---- The field tables --------------------------------------------------------------------- */

static const char *const severity_values[] = {"info", "low", "medium", "high", "critical"};
static const char *const finding_status_values[] = {"open", "confirmed", "remediated", "accepted",
                                                    "false_positive"};
static const char *const confidence_values[] = {"low", "medium", "high"};
static const char *const project_status_values[] = {"planned", "in_progress", "completed",
                                                    "archived"};
static const char *const asset_type_values[] = {"host",     "domain",     "url",   "api",
                                                "ip_range", "repository", "device"};
static const char *const criticality_values[] = {"low", "medium", "high", "critical"};

#define ENUM_OF(a) .enum_values = (a), .n_enum_values = (int)(sizeof(a) / sizeof((a)[0]))
#define IN(col)    .expr_prefix = col " IN ", .expr_suffix = ""
#define TIME_FIELD(n)                                                                              \
    {                                                                                              \
        .name = (n), .type = STORE_FIELD_TIME, .sort = true                                        \
    }

static const struct store_field client_fields[] = {
    {.name = "name", .type = STORE_FIELD_TEXT, .filter = true, .sort = true},
    TIME_FIELD("created_at"),
    TIME_FIELD("updated_at"),
};
static const struct list_column client_cols[] = {
    {IN("name"), .order = "name"},
    {.order = "created_at"},
    {.order = "updated_at"},
};

static const struct store_field project_fields[] = {
    {.name = "name", .type = STORE_FIELD_TEXT, .filter = true, .sort = true},
    {.name = "status",
     .type = STORE_FIELD_ENUM,
     .filter = true,
     .sort = true,
     ENUM_OF(project_status_values)},
    {.name = "client_id", .type = STORE_FIELD_ID, .filter = true, .id_prefix = "client_"},
    {.name = "start_date", .type = STORE_FIELD_DATE, .sort = true},
    {.name = "end_date", .type = STORE_FIELD_DATE, .sort = true},
    TIME_FIELD("created_at"),
    TIME_FIELD("updated_at"),
};
static const struct list_column project_cols[] = {
    {IN("name"), .order = "name"},
    {IN("status"), .order = "status"},
    {IN("client_id")},
    {.order = "start_date"},
    {.order = "end_date"},
    {.order = "created_at"},
    {.order = "updated_at"},
};

static const struct store_field asset_fields[] = {
    {.name = "project_id", .type = STORE_FIELD_ID, .filter = true, .id_prefix = "proj_"},
    {.name = "type",
     .type = STORE_FIELD_ENUM,
     .filter = true,
     .sort = true,
     ENUM_OF(asset_type_values)},
    {.name = "criticality",
     .type = STORE_FIELD_ENUM,
     .filter = true,
     .sort = true,
     ENUM_OF(criticality_values)},
    {.name = "tag", .type = STORE_FIELD_TEXT, .filter = true},
    {.name = "value", .type = STORE_FIELD_TEXT, .filter = true, .sort = true},
    TIME_FIELD("created_at"),
    TIME_FIELD("updated_at"),
};
static const struct list_column asset_cols[] = {
    {IN("project_id")},
    {IN("type"), .order = "type"},
    {IN("criticality"), .order = "criticality", .rank = true},
    {.expr_prefix = "EXISTS (SELECT 1 FROM json_each(assets.tags) WHERE json_each.value IN ",
     .expr_suffix = ")"},
    {IN("value"), .order = "value"},
    {.order = "created_at"},
    {.order = "updated_at"},
};

/* What sla_breached=true means (model/finding.h, finding_sla_breached): open or confirmed, and
 * past its due time. sla_due_at is kept in the row (store/findings.c), so this is an indexed
 * comparison on both engines. Never NULL: a NULL sla_due_at (info) makes the AND false. The one
 * value bound here is the current time, which also keys the count and id-list caches (they key
 * on the bound values, see count_key): an answer cached a second ago is never served for a
 * later second, and an SLA change is a write, which retires every cached entry. */
#define FINDING_SLA_BREACHED                                                                       \
    "(status IN ('open', 'confirmed') AND sla_due_at IS NOT NULL AND sla_due_at < ?)"

static const struct store_field finding_fields[] = {
    {.name = "severity",
     .type = STORE_FIELD_ENUM,
     .filter = true,
     .sort = true,
     ENUM_OF(severity_values)},
    {.name = "status",
     .type = STORE_FIELD_ENUM,
     .filter = true,
     .sort = true,
     ENUM_OF(finding_status_values)},
    {.name = "confidence", .type = STORE_FIELD_ENUM, .filter = true, ENUM_OF(confidence_values)},
    {.name = "project_id", .type = STORE_FIELD_ID, .filter = true, .id_prefix = "proj_"},
    {.name = "asset_id", .type = STORE_FIELD_ID, .filter = true, .id_prefix = "asset_"},
    {.name = "scan_id", .type = STORE_FIELD_ID, .filter = true, .id_prefix = "scan_"},
    {.name = "cwe", .type = STORE_FIELD_TEXT, .filter = true},
    {.name = "owasp", .type = STORE_FIELD_TEXT, .filter = true},
    {.name = "check_id", .type = STORE_FIELD_TEXT, .filter = true},
    {.name = "fingerprint", .type = STORE_FIELD_TEXT, .filter = true},
    {.name = "sla_breached", .type = STORE_FIELD_BOOL, .filter = true},
    {.name = "title", .type = STORE_FIELD_TEXT, .sort = true},
    {.name = "risk_score", .type = STORE_FIELD_INT, .sort = true},
    {.name = "cvss_score", .type = STORE_FIELD_REAL, .sort = true},
    TIME_FIELD("created_at"),
    TIME_FIELD("updated_at"),
    TIME_FIELD("first_seen"),
    TIME_FIELD("last_seen"),
};
static const struct list_column finding_cols[] = {
    {IN("severity"), .order = "severity", .rank = true},
    {IN("status"), .order = "status"},
    {IN("confidence"), .rank = true},
    {IN("project_id")},
    {IN("asset_id")},
    {IN("scan_id")},
    {IN("cwe")},
    {IN("owasp")},
    {IN("check_id")},
    {IN("fingerprint")},
    {.condition = FINDING_SLA_BREACHED},
    {.order = "title"},
    {.order = "risk_score"},
    {.order = "cvss_score"},
    {.order = "created_at"},
    {.order = "updated_at"},
    {.order = "first_seen"},
    {.order = "last_seen"},
};

static const struct store_field token_fields[] = {
    TIME_FIELD("created_at"),
};
static const struct list_column token_cols[] = {
    {.order = "created_at"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const client_search[] = {"name", "contact", "notes", NULL};
static const char *const project_search[] = {"name", "description", NULL};
static const char *const asset_search[] = {"value", "tags", NULL};

const struct list_kind list_clients = {
    .table = "clients",
    .columns = CLIENT_COLUMNS,
    .count_kind = "clients",
    .fields = client_fields,
    .cols = client_cols,
    .n_fields = N(client_fields),
    .search_columns = client_search,
};

const struct list_kind list_projects = {
    .table = "projects",
    .columns = PROJECT_COLUMNS,
    .count_kind = "projects",
    .fields = project_fields,
    .cols = project_cols,
    .n_fields = N(project_fields),
    .search_columns = project_search,
};

const struct list_kind list_assets = {
    .table = "assets",
    .columns = ASSET_COLUMNS,
    .count_kind = "assets",
    .fields = asset_fields,
    .cols = asset_cols,
    .n_fields = N(asset_fields),
    .search_columns = asset_search,
};

const struct list_kind list_findings = {
    .table = "findings",
    .columns = FINDING_COLUMNS,
    .count_kind = "findings",
    .fields = finding_fields,
    .cols = finding_cols,
    .n_fields = N(finding_fields),
    .fts = true,
};

const struct list_kind list_tokens = {
    .table = "api_tokens",
    .columns = TOKEN_COLUMNS,
    .fields = token_fields,
    .cols = token_cols,
    .n_fields = N(token_fields),
};

static const char *const scan_status_values[] = {"queued", "running", "complete", "failed",
                                                 "cancelled"};
static const struct store_field scan_fields[] = {
    {.name = "status",
     .type = STORE_FIELD_ENUM,
     .filter = true,
     .sort = true,
     ENUM_OF(scan_status_values)},
    {.name = "project_id", .type = STORE_FIELD_ID, .filter = true, .id_prefix = "proj_"},
    TIME_FIELD("created_at"),
    TIME_FIELD("updated_at"),
};
static const struct list_column scan_cols[] = {
    {IN("status"), .order = "status"},
    {IN("project_id")},
    {.order = "created_at"},
    {.order = "updated_at"},
};

const struct list_kind list_scans = {
    .table = "scans",
    .columns = SCAN_COLUMNS,
    .fields = scan_fields,
    .cols = scan_cols,
    .n_fields = N(scan_fields),
    .uncached = true,
};

/* One scan's findings (store_scan_findings_list fixes scan_id), through the view that adds
 * each landed finding's platform status. */
static const struct store_field scan_finding_fields[] = {
    {.name = "severity",
     .type = STORE_FIELD_ENUM,
     .filter = true,
     .sort = true,
     ENUM_OF(severity_values)},
    {.name = "status",
     .type = STORE_FIELD_ENUM,
     .filter = true,
     .sort = true,
     ENUM_OF(finding_status_values)},
    {.name = "scan_id", .type = STORE_FIELD_ID, .filter = true, .id_prefix = "scan_"},
    {.name = "risk_score", .type = STORE_FIELD_INT, .sort = true},
    TIME_FIELD("created_at"),
};
static const struct list_column scan_finding_cols[] = {
    {IN("severity"), .order = "severity", .rank = true},
    {IN("status"), .order = "status"},
    {IN("scan_id")},
    {.order = "risk_score"},
    {.order = "created_at"},
};

const struct list_kind list_scan_findings = {
    .table = "scan_findings_view",
    .columns = FINDING_COLUMNS,
    .fields = scan_finding_fields,
    .cols = scan_finding_cols,
    .n_fields = N(scan_finding_fields),
    .uncached = true, /* written by workers in other processes; a view has no rowid */
};

/* Webhook endpoints and their deliveries (issue 9). Both change under the workers (a 410
 * deactivates an endpoint, every attempt updates a delivery), so neither is cached. */
static const struct store_field webhook_fields[] = {
    TIME_FIELD("created_at"),
    TIME_FIELD("updated_at"),
};
static const struct list_column webhook_cols[] = {
    {.order = "created_at"},
    {.order = "updated_at"},
};

const struct list_kind list_webhooks = {
    .table = "webhooks",
    .columns = WEBHOOK_COLUMNS,
    .fields = webhook_fields,
    .cols = webhook_cols,
    .n_fields = N(webhook_fields),
    .uncached = true,
};

static const char *const delivery_status_values[] = {"pending", "succeeded", "failed"};
static const struct store_field delivery_fields[] = {
    {.name = "status",
     .type = STORE_FIELD_ENUM,
     .filter = true,
     .sort = true,
     ENUM_OF(delivery_status_values)},
    {.name = "event", .type = STORE_FIELD_TEXT, .filter = true, .sort = true},
    {.name = "webhook_id", .type = STORE_FIELD_ID, .filter = true, .id_prefix = "wh_"},
    TIME_FIELD("created_at"),
    TIME_FIELD("updated_at"),
};
static const struct list_column delivery_cols[] = {
    {IN("status"), .order = "status"}, {IN("event"), .order = "event"}, {IN("webhook_id")},
    {.order = "created_at"},           {.order = "updated_at"},
};

const struct list_kind list_webhook_deliveries = {
    .table = "webhook_deliveries",
    .columns = DELIVERY_COLUMNS,
    .fields = delivery_fields,
    .cols = delivery_cols,
    .n_fields = N(delivery_fields),
    .uncached = true,
};

static const struct list_kind *
kind_of(enum store_kind kind)
{
    switch (kind) {
    case STORE_CLIENTS:
        return &list_clients;
    case STORE_PROJECTS:
        return &list_projects;
    case STORE_ASSETS:
        return &list_assets;
    case STORE_FINDINGS:
        return &list_findings;
    case STORE_TOKENS:
        return &list_tokens;
    case STORE_SCANS:
        return &list_scans;
    case STORE_SCAN_FINDINGS:
        return &list_scan_findings;
    case STORE_WEBHOOKS:
        return &list_webhooks;
    case STORE_WEBHOOK_DELIVERIES:
        return &list_webhook_deliveries;
    }
    return &list_tokens;
}

const struct store_field *
store_list_fields(enum store_kind kind, size_t *n)
{
    const struct list_kind *k = kind_of(kind);

    *n = k->n_fields;
    return k->fields;
}

static int
field_index(const struct list_kind *k, const char *name)
{
    for (size_t i = 0; name && i < k->n_fields; i++) {
        if (strcmp(k->fields[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

const struct store_field *
store_list_field(enum store_kind kind, const char *name)
{
    const struct list_kind *k = kind_of(kind);
    int i = field_index(k, name);

    return i < 0 ? NULL : &k->fields[i];
}

/* ---- Full-text query ---------------------------------------------------------------------- */

char *
fts_query(const char *text, struct arena *a)
{
    struct buf b;
    const char *p = text;
    char *out = NULL;

    buf_init(&b, 4 * STORE_SEARCH_MAX + 64);
    while (p && *p) {
        size_t n;
        bool searchable = false;

        while (*p && isspace((unsigned char)*p))
            p++;
        n = 0;
        while (p[n] && !isspace((unsigned char)p[n]))
            n++;
        if (n == 0)
            break;
        /* A word of punctuation only (' -- * ") has no token to match; dropping it keeps the
         * AND of the others meaningful. Bytes >= 0x80 are letters of other scripts. */
        for (size_t i = 0; i < n; i++)
            searchable = searchable || isalnum((unsigned char)p[i]) || (unsigned char)p[i] >= 0x80;
        if (searchable) {
            /* Inside double quotes FTS5 syntax is off: operators (OR, NEAR, *, ^, :) are
             * plain text; a quote is escaped by doubling it. The trailing * makes the word a
             * prefix, so "inject" finds "injection". */
            if (b.len)
                buf_putc(&b, ' ');
            buf_putc(&b, '"');
            for (size_t i = 0; i < n; i++) {
                if (p[i] == '"')
                    buf_putc(&b, '"');
                buf_putc(&b, p[i]);
            }
            buf_puts(&b, "\"*");
        }
        p += n;
    }
    if (b.len && !b.overflow)
        out = arena_strndup(a, b.data, b.len);
    buf_cleanup(&b);
    return out;
}

/* Same text for PostgreSQL's to_tsquery('simple', ...): each word's tokens (runs of ASCII
 * letters and digits or of bytes >= 0x80, as the findings.search column splits them: see
 * sql/pg/001_init.sql) quoted and chained with <-> (a phrase, as inside FTS5 quotes), the last one
 * a prefix (:*), and the words AND-ed with &. NULL if nothing searchable is left. */
char *
tsquery_text(const char *text, struct arena *a)
{
    struct buf b;
    const char *p = text;
    char *out = NULL;

    buf_init(&b, 8 * STORE_SEARCH_MAX + 64);
    while (p && *p) {
        bool in_word = false;

        while (*p && isspace((unsigned char)*p))
            p++;
        for (; *p && !isspace((unsigned char)*p); p++) {
            unsigned char ch = (unsigned char)*p;

            if (!(isalnum(ch) || ch >= 0x80)) {
                if (in_word)
                    buf_puts(&b, "'");
                in_word = false;
                continue;
            }
            if (!in_word) {
                /* a new token: joined to the word's previous one, or the first of a word */
                if (b.len && b.data[b.len - 1] == '\'')
                    buf_puts(&b, " <-> ");
                else if (b.len)
                    buf_puts(&b, " & ");
                buf_putc(&b, '\'');
                in_word = true;
            }
            buf_putc(&b, (char)ch); /* letters and digits only: nothing to escape */
        }
        if (in_word)
            buf_puts(&b, "'");
        if (b.len && b.data[b.len - 1] == '\'')
            buf_puts(&b, ":*");
    }
    if (b.len && !b.overflow)
        out = arena_strndup(a, b.data, b.len);
    buf_cleanup(&b);
    return out;
}

/* ---- The query builder ------------------------------------------------------------------- */

enum bind_type {
    B_TEXT,
    B_INT,
};

struct bind {
    enum bind_type type;
    const char *text;
    int64_t i;
};

#define BINDS_MAX (1 + STORE_LIST_MAX_FILTERS * STORE_LIST_MAX_VALUES + 16)

struct query {
    struct buf where;
    struct bind binds[BINDS_MAX];
    int n_binds;
};

static void
push_text(struct query *q, const char *s)
{
    if (q->n_binds < BINDS_MAX)
        q->binds[q->n_binds++] = (struct bind){.type = B_TEXT, .text = s};
}

static void
push_int(struct query *q, int64_t v)
{
    if (q->n_binds < BINDS_MAX)
        q->binds[q->n_binds++] = (struct bind){.type = B_INT, .i = v};
}

static void
bind_all(struct stmt *st, const struct query *q, int n)
{
    for (int i = 0; i < n; i++) {
        if (q->binds[i].type == B_TEXT)
            bind_text(st, i + 1, q->binds[i].text);
        else
            bind_int(st, i + 1, q->binds[i].i);
    }
}

static int
add_filter(struct query *q, const struct list_kind *k, const struct store_filter *f,
           struct arena *a, struct err *err)
{
    int i = field_index(k, f->field);
    const struct store_field *field;
    const struct list_column *col;

    if (i < 0 || !k->fields[i].filter)
        return err_field(err, f->field ? f->field : "filter", "is not a filter of this list");
    field = &k->fields[i];
    col = &k->cols[i];
    if (field->type == STORE_FIELD_BOOL) {
        bool yes = f->n_values == 1 && f->values[0] && strcasecmp(f->values[0], "true") == 0;
        bool no = f->n_values == 1 && f->values[0] && strcasecmp(f->values[0], "false") == 0;

        if (!yes && !no)
            return err_field(err, field->name, "must be true or false");
        buf_puts(&q->where, yes ? " AND " : " AND NOT ");
        buf_puts(&q->where, col->condition);
        push_int(q, clock_now());
        return 0;
    }
    if (f->n_values == 0 || f->n_values > STORE_LIST_MAX_VALUES)
        return err_field(err, field->name, "must have between 1 and %d values",
                         STORE_LIST_MAX_VALUES);
    buf_puts(&q->where, " AND ");
    buf_puts(&q->where, col->expr_prefix);
    buf_putc(&q->where, '(');
    for (size_t v = 0; v < f->n_values; v++) {
        const char *value = f->values[v] ? f->values[v] : "";

        buf_puts(&q->where, v ? ", ?" : "?");
        switch (field->type) {
        case STORE_FIELD_ENUM: {
            int e = -1;

            for (int n = 0; n < field->n_enum_values && e < 0; n++) {
                if (strcasecmp(value, field->enum_values[n]) == 0)
                    e = n;
            }
            if (e < 0) {
                struct buf allowed;

                buf_init(&allowed, 200);
                for (int n = 0; n < field->n_enum_values; n++)
                    buf_printf(&allowed, "%s%s", n ? ", " : "", field->enum_values[n]);
                err_field(err, field->name, "must be one of: %s", buf_str(&allowed));
                buf_cleanup(&allowed);
                return -1;
            }
            if (col->rank)
                push_int(q, e);
            else
                push_text(q, field->enum_values[e]);
            break;
        }
        case STORE_FIELD_TEXT:
            /* CWE ids are stored in their canonical upper-case form. */
            if (strcmp(field->name, "cwe") == 0) {
                char *upper = arena_strdup(a, value);

                for (char *c = upper; *c; c++)
                    *c = (char)toupper((unsigned char)*c);
                if (isdigit((unsigned char)upper[0]))
                    upper = arena_printf(a, "CWE-%s", upper);
                push_text(q, upper);
            } else {
                push_text(q, value);
            }
            break;
        default:
            /* Ids and other text: a malformed id simply matches nothing. */
            push_text(q, value);
            break;
        }
    }
    buf_putc(&q->where, ')');
    buf_puts(&q->where, col->expr_suffix);
    return 0;
}

static int
add_search(struct query *q, const struct list_kind *k, const char *search, enum sql_dialect dialect,
           struct arena *a, struct err *err)
{
    const char *p = search;

    if (!search)
        return 0;
    if (strlen(search) > STORE_SEARCH_MAX)
        return err_field(err, "search", "must be at most %d bytes long", STORE_SEARCH_MAX);
    while (*p && isspace((unsigned char)*p))
        p++;
    if (!*p)
        return 0; /* blank search: no condition */
    if (k->fts) {
        bool pg = dialect == DIALECT_POSTGRES;
        char *match = pg ? tsquery_text(search, a) : fts_query(search, a);

        if (!match) {
            buf_puts(&q->where, " AND 1 = 0"); /* nothing searchable: nothing matches */
            return 0;
        }
        buf_puts(&q->where,
                 pg ? " AND search @@ to_tsquery('simple', ?)"
                    : " AND seq IN (SELECT rowid FROM findings_fts WHERE findings_fts MATCH ?)");
        push_text(q, match);
        return 0;
    }
    buf_puts(&q->where, " AND (");
    for (size_t i = 0; k->search_columns && k->search_columns[i]; i++) {
        if (i)
            buf_puts(&q->where, " OR ");
        buf_puts(&q->where, dialect == DIALECT_POSTGRES ? "strpos(" : "instr(");
        buf_puts(&q->where, "lower(coalesce(");
        buf_puts(&q->where, k->search_columns[i]);
        buf_puts(&q->where, ", '')), lower(?)) > 0");
        push_text(q, p);
    }
    buf_putc(&q->where, ')');
    return 0;
}

static int
build_order(struct buf *order, const struct list_kind *k, const struct store_list *q,
            struct err *err)
{
    bool last_desc = true;

    if (q->n_sort > STORE_LIST_MAX_SORT)
        return err_field(err, "sort", "must have at most %d keys", STORE_LIST_MAX_SORT);
    buf_puts(order, " ORDER BY ");
    if (q->n_sort == 0) {
        buf_puts(order, "created_at DESC, id DESC");
        return 0;
    }
    for (size_t s = 0; s < q->n_sort; s++) {
        int i = field_index(k, q->sort[s].field);

        if (i < 0 || !k->fields[i].sort)
            return err_field(err, "sort", "cannot sort by \"%.40s\"",
                             q->sort[s].field ? q->sort[s].field : "");
        buf_puts(order, k->cols[i].order);
        buf_puts(order, q->sort[s].desc ? " DESC, " : " ASC, ");
        last_desc = q->sort[s].desc;
    }
    buf_puts(order, last_desc ? "id DESC" : "id ASC");
    return 0;
}

/* The count query and its values as one cache key: the SQL text (which names the filtered
 * fields) followed by each bound value, typed and NUL-separated. */
static void
count_key(struct buf *key, const struct buf *sql, const struct query *q)
{
    buf_append(key, sql->data, sql->len + 1);
    for (int i = 0; i < q->n_binds; i++) {
        if (q->binds[i].type == B_TEXT) {
            buf_putc(key, 't');
            buf_append(key, q->binds[i].text, strlen(q->binds[i].text) + 1);
        } else {
            buf_printf(key, "i%lld", (long long)q->binds[i].i);
            buf_putc(key, '\0');
        }
    }
}

/* The count query runs only if this generation has not counted it yet. The generation is read
 * BEFORE counting (see count_remember), so a write racing with a count only ever makes the
 * entry look older than it is. */
static bool
count_cached(struct conn *c, struct buf *sql, const struct query *q, int64_t *total)
{
    struct buf key;
    bool hit = false;

    if (!c->store || !c->store->counts)
        return false;
    c->count_generation = atomic_load(&c->store->generation);
    buf_init(&key, 128 * 1024);
    count_key(&key, sql, q);
    if (!key.overflow)
        hit = count_cache_get(c->store->counts, key.data, key.len, c->count_generation, total);
    buf_cleanup(&key);
    return hit;
}

static void
count_remember(struct conn *c, struct buf *sql, const struct query *q, int64_t total)
{
    struct buf key;

    if (!c->store || !c->store->counts)
        return;
    buf_init(&key, 128 * 1024);
    count_key(&key, sql, q);
    if (!key.overflow)
        count_cache_put(c->store->counts, key.data, key.len, c->count_generation, total);
    buf_cleanup(&key);
}

/* Remembers that this query (whatever the page) is worth an ordered id list. */
static void
mark_expensive(struct conn *c, const struct list_kind *k, const struct query *query,
               const struct buf *order)
{
    struct buf sql, key;

    buf_init(&sql, 80 * 1024);
    buf_init(&key, 128 * 1024);
    buf_printf(&sql, "SELECT rowid FROM %s WHERE %s%s", k->table, buf_str(&query->where),
               buf_str(order));
    count_key(&key, &sql, query);
    if (!sql.overflow && !key.overflow)
        id_cache_mark(c->store->id_lists, key.data, key.len);
    buf_cleanup(&sql);
    buf_cleanup(&key);
}

/* A page query is expensive when it sorted, or stepped through many rows (a deep OFFSET, a
 * filter the index does not cover): the engine keeps the counters (engine.h). */
static bool
page_was_expensive(struct stmt *st)
{
    return st->engine->was_expensive(st);
}

/* Serves the page from the ordered id list of an expensive query (see count_cache.c),
 * building the list if the query is known to be expensive. Returns 0 when it served the page,
 * 1 when the caller should run the query directly, -1 on error. */
static int
list_from_ids(struct conn *c, const struct list_kind *k, const char *org_id,
              const struct query *query, const struct buf *order, int64_t page, int64_t per_page,
              size_t item_size, list_row_fn read, struct arena *a, void **items, size_t *n,
              int64_t *total, struct err *err)
{
    struct store *store = c->store;
    uint64_t generation = atomic_load(&store->generation);
    size_t offset = (size_t)((page - 1) * per_page), got = 0, all = 0, count = 0;
    int64_t *page_ids = arena_calloc(a, (size_t)per_page, sizeof(*page_ids));
    struct buf sql, key;
    enum id_lookup found;
    struct stmt *st;
    char *out;
    int rc = -1, step;

    buf_init(&sql, 80 * 1024);
    buf_init(&key, 128 * 1024);
    buf_printf(&sql, "SELECT rowid FROM %s WHERE %s%s", k->table, buf_str(&query->where),
               buf_str(order));
    count_key(&key, &sql, query);
    if (sql.overflow || key.overflow) {
        rc = 1;
        goto done;
    }
    found = id_cache_get(store->id_lists, key.data, key.len, generation, offset, (size_t)per_page,
                         page_ids, &got, &all);
    if (found == ID_UNKNOWN) {
        rc = 1;
        goto done;
    }
    if (found == ID_EXPENSIVE) {
        size_t cap = 4096;
        int64_t *ids = xmalloc(cap * sizeof(*ids));

        st = stmt_get(c, buf_str(&sql), err);
        if (!st) {
            free(ids);
            goto done;
        }
        bind_all(st, query, query->n_binds);
        while ((step = stmt_step(st)) == ST_ROW && all < ID_LIST_MAX) {
            if (all == cap) {
                cap *= 2;
                ids = xrealloc(ids, cap * sizeof(*ids));
            }
            ids[all++] = col_int(st, 0);
        }
        stmt_reset(st);
        if (step == ST_ROW) { /* too long to keep: page it directly */
            free(ids);
            rc = 1;
            goto done;
        }
        if (step != ST_DONE) {
            free(ids);
            sql_fail(c, step, "list ids", err);
            goto done;
        }
        for (size_t i = offset; i < all && got < (size_t)per_page; i++)
            page_ids[got++] = ids[i];
        id_cache_put(store->id_lists, key.data, key.len, generation, ids, all);
    }

    /* The rows, in list order. org_id again: the list was built for this organization, and
     * the lookup says so once more. */
    buf_reset(&sql);
    buf_printf(&sql, "SELECT %s FROM %s WHERE rowid = ? AND org_id = ?", k->columns, k->table);
    st = stmt_get(c, buf_str(&sql), err);
    if (!st)
        goto done;
    out = arena_calloc(a, (size_t)per_page, item_size);
    for (size_t i = 0; i < got; i++) {
        bind_int(st, 1, page_ids[i]);
        bind_text(st, 2, org_id);
        step = stmt_step(st);
        if (step == ST_ROW)
            read(st, out + count++ * item_size, a);
        stmt_reset(st);
        if (step != ST_ROW && step != ST_DONE) {
            sql_fail(c, step, "list row", err);
            goto done;
        }
    }
    *items = out;
    *n = count;
    *total = (int64_t)all;
    rc = 0;
done:
    buf_cleanup(&sql);
    buf_cleanup(&key);
    return rc;
}

/* Totals and id lists are cached per process, valid until this process's next write. On
 * PostgreSQL several servers write one database, and a cache only its own writes invalidate
 * would serve stale totals: there every list counts afresh (the indexes make that cheap). */
static bool
cacheable(const struct conn *c, const struct list_kind *k)
{
    return !k->uncached && c->store && c->store->engine->dialect == DIALECT_SQLITE;
}

int
list_run(struct conn *c, const struct list_kind *k, const char *org_id, const struct store_list *q,
         size_t item_size, list_row_fn read, struct arena *a, void **items, size_t *n,
         int64_t *total, struct err *err)
{
    static const struct store_list defaults = {0};
    struct query *query;
    struct buf order, sql;
    int64_t page, per_page;
    struct stmt *st;
    bool filtered;
    int rc = -1, step;
    char *out;
    size_t count = 0;

    if (!q)
        q = &defaults;
    page = q->page ? q->page : 1;
    per_page = q->per_page ? q->per_page : STORE_PER_PAGE_DEFAULT;
    if (page < 1 || page > STORE_PAGE_MAX)
        return err_field(err, "page", "must be between 1 and %d", STORE_PAGE_MAX);
    if (per_page < 1 || per_page > STORE_PER_PAGE_MAX)
        return err_field(err, "per_page", "must be between 1 and %d", STORE_PER_PAGE_MAX);
    if (q->n_filters > STORE_LIST_MAX_FILTERS)
        return err_field(err, "filter", "at most %d filters", STORE_LIST_MAX_FILTERS);

    query = arena_alloc(a, sizeof(*query));
    buf_init(&query->where, 64 * 1024);
    buf_init(&order, 1024);
    buf_init(&sql, 80 * 1024);
    buf_puts(&query->where, "org_id = ?");
    push_text(query, org_id);
    for (size_t f = 0; f < q->n_filters; f++) {
        if (add_filter(query, k, &q->filters[f], a, err))
            goto done;
    }
    if (q->has_created_after) {
        buf_puts(&query->where, " AND created_at > ?");
        push_int(query, q->created_after);
    }
    if (q->has_created_before) {
        buf_puts(&query->where, " AND created_at < ?");
        push_int(query, q->created_before);
    }
    if (q->has_updated_after) {
        buf_puts(&query->where, " AND updated_at > ?");
        push_int(query, q->updated_after);
    }
    if (add_search(query, k, q->search, c->store->engine->dialect, a, err) ||
        build_order(&order, k, q, err))
        goto done;
    filtered = query->n_binds > 1 || strcmp(buf_str(&query->where), "org_id = ?") != 0;

    /* A query known to be expensive pages from its cached ordered id list. */
    if (cacheable(c, k) && c->store->id_lists) {
        int served = list_from_ids(c, k, org_id, query, &order, page, per_page, item_size, read, a,
                                   items, n, total, err);

        if (served <= 0) {
            rc = served;
            goto done;
        }
    }

    /* The page. */
    buf_printf(&sql, "SELECT %s FROM %s WHERE %s%s LIMIT ? OFFSET ?", k->columns, k->table,
               buf_str(&query->where), buf_str(&order));
    if (query->where.overflow || sql.overflow || order.overflow) {
        err_internal(err, "list query too long");
        goto done;
    }
    st = stmt_get(c, buf_str(&sql), err);
    if (!st)
        goto done;
    bind_all(st, query, query->n_binds);
    bind_int(st, query->n_binds + 1, per_page);
    bind_int(st, query->n_binds + 2, (page - 1) * per_page);
    out = arena_calloc(a, (size_t)per_page, item_size);
    while ((step = stmt_step(st)) == ST_ROW)
        read(st, out + count++ * item_size, a);
    stmt_reset(st);
    if (step != ST_DONE) {
        sql_fail(c, step, "list", err);
        goto done;
    }
    if (cacheable(c, k) && page_was_expensive(st) && c->store->id_lists)
        mark_expensive(c, k, query, &order);

    /* The total: one counter row when nothing narrows the list. */
    buf_reset(&sql);
    if (!filtered && k->count_kind) {
        st = stmt_get(c, "SELECT n FROM row_counts WHERE org_id = ? AND kind = ?", err);
        if (!st)
            goto done;
        bind_text(st, 1, org_id);
        bind_text(st, 2, k->count_kind);
        *total = 0;
    } else {
        buf_printf(&sql, "SELECT count(*) FROM %s WHERE %s", k->table, buf_str(&query->where));
        if (cacheable(c, k) && count_cached(c, &sql, query, total)) {
            *items = out;
            *n = count;
            rc = 0;
            goto done;
        }
        st = stmt_get(c, buf_str(&sql), err);
        if (!st)
            goto done;
        bind_all(st, query, query->n_binds);
    }
    *total = 0;
    step = stmt_step(st);
    if (step == ST_ROW)
        *total = col_int(st, 0);
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE) {
        sql_fail(c, step, "count", err);
        goto done;
    }
    if (sql.len)
        if (cacheable(c, k))
            count_remember(c, &sql, query, *total);
    *items = out;
    *n = count;
    rc = 0;
done:
    buf_cleanup(&query->where);
    buf_cleanup(&order);
    buf_cleanup(&sql);
    return rc;
}

int
list_bound(struct db *db, const struct list_kind *kind, const struct store_list *q,
           size_t item_size, list_row_fn read, struct store_page *page, void **items,
           struct err *err)
{
    struct conn *c;

    memset(page, 0, sizeof(*page));
    *items = NULL;
    if (!(c = db_conn(db, err)) || tx_begin(c, false, err))
        return -1;
    if (list_run(c, kind, db->org_id, q, item_size, read, db->arena, items, &page->n, &page->total,
                 err)) {
        tx_rollback(c);
        return -1;
    }
    return tx_commit(c, err);
}
