/* SPDX-License-Identifier: MIT */
/* Lists: filters, sorting, paging, time windows, full-text and substring search, the field
 * table, and hostile input in every place a client's text reaches the query builder. */
#include "unit/store/store_fixture.h"

#include "store/store_int.h"

static struct project
mk_project(struct db *db, const char *name)
{
    struct project in = {.name = name, .present = PROJECT_F_ALL}, out;

    OK(store_project_create(db, &in, &out, err));
    return out;
}

static struct finding
mk_finding(struct db *db, const char *project_id, const char *title, enum severity sev,
           enum finding_status status, const char *cwe, const char *description)
{
    struct finding in = {.project_id = project_id,
                         .title = title,
                         .severity = sev,
                         .status = status,
                         .cwe = cwe,
                         .description = description,
                         .present = FINDING_F_ALL},
                   out;

    OK(store_finding_create(db, &in, &out, err));
    return out;
}

/* Org A: 25 findings in two projects, severities cycling info..critical, statuses cycling. */
static void
seed(struct fixture *fx, struct project *p1, struct project *p2)
{
    char title[64];

    *p1 = mk_project(fx->a, "P1");
    *p2 = mk_project(fx->a, "P2");
    for (int i = 0; i < 25; i++) {
        snprintf(title, sizeof(title), "Finding number %02d", i);
        mk_finding(fx->a, i < 15 ? p1->id : p2->id, title, (enum severity)(i % SEVERITY_COUNT),
                   (enum finding_status)(i % 2 ? FINDING_CONFIRMED : FINDING_OPEN),
                   i % 3 ? "CWE-79" : "CWE-89", "generic description");
    }
}

static void
filters_are_or_within_a_field_and_and_between_fields(void **state)
{
    struct fixture *fx = *state;
    struct project p1, p2;
    const char *sev[] = {"HIGH", "critical"}; /* case-insensitive input */
    const char *proj[1];
    const char *cwe[] = {"cwe-89"};
    struct store_list q = {0};
    struct store_page page;

    seed(fx, &p1, &p2);
    proj[0] = p2.id;
    q.filters[0] = (struct store_filter){.field = "severity", .values = sev, .n_values = 2};
    q.n_filters = 1;
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 10); /* 5 high + 5 critical */
    for (size_t i = 0; i < page.n; i++)
        assert_true(page.findings[i].severity >= SEVERITY_HIGH);

    q.filters[1] = (struct store_filter){.field = "project_id", .values = proj, .n_values = 1};
    q.n_filters = 2;
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 4); /* i in 15..24 with i%5 in {3,4}: 18,19,23,24 */

    q.filters[0] = (struct store_filter){.field = "cwe", .values = cwe, .n_values = 1};
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 4); /* i in 15..24 divisible by 3: 15, 18, 21, 24 */
}

static void
sorting_paging_and_totals(void **state)
{
    struct fixture *fx = *state;
    struct project p1, p2;
    struct store_list q = {0};
    struct store_page page;

    seed(fx, &p1, &p2);
    q.sort[0] = (struct store_sort){.field = "severity", .desc = true};
    q.sort[1] = (struct store_sort){.field = "title", .desc = false};
    q.n_sort = 2;
    q.per_page = 10;
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 25);
    assert_int_equal(page.n, 10);
    assert_int_equal(page.findings[0].severity, SEVERITY_CRITICAL);
    assert_string_equal(page.findings[0].title, "Finding number 04");
    assert_string_equal(page.findings[1].title, "Finding number 09");
    for (size_t i = 1; i < page.n; i++)
        assert_true(page.findings[i - 1].severity >= page.findings[i].severity);

    q.page = 3;
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.n, 5);
    assert_int_equal(page.findings[4].severity, SEVERITY_INFO);
    assert_string_equal(page.findings[4].title, "Finding number 20");
    q.page = 4; /* past the end: empty, not an error */
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.n, 0);
    assert_int_equal(page.total, 25);

    q = (struct store_list){.per_page = 101};
    FAILS(store_finding_list(fx->a, &q, &page, err), VALIDATION_ERROR, "per_page");
    q = (struct store_list){.page = -1};
    FAILS(store_finding_list(fx->a, &q, &page, err), VALIDATION_ERROR, "page");
    q = (struct store_list){.n_sort = 1, .sort = {{.field = "description"}}};
    FAILS(store_finding_list(fx->a, &q, &page, err), VALIDATION_ERROR, "sort");
    q = (struct store_list){.n_sort = 5};
    FAILS(store_finding_list(fx->a, &q, &page, err), VALIDATION_ERROR, "sort");
}

static void
default_order_is_newest_first_and_time_windows_apply(void **state)
{
    struct fixture *fx = *state;
    struct project p1, p2;
    struct store_list q = {0};
    struct store_page page;
    int64_t newest;

    seed(fx, &p1, &p2);
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.n, 25);
    for (size_t i = 1; i < page.n; i++) {
        const struct finding *x = &page.findings[i - 1], *y = &page.findings[i];

        assert_true(x->created_at > y->created_at ||
                    (x->created_at == y->created_at && strcmp(x->id, y->id) > 0));
    }
    newest = page.findings[0].created_at;
    q.has_created_after = true;
    q.created_after = newest;
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 0);
    q = (struct store_list){.has_created_before = true, .created_before = newest + 1};
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 25);
    q = (struct store_list){.has_updated_after = true, .updated_after = newest - 3600};
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 25);
}

static void
full_text_search_finds_words_and_prefixes_and_follows_changes(void **state)
{
    struct fixture *fx = *state;
    struct project p = mk_project(fx->a, "P");
    struct finding sqli =
        mk_finding(fx->a, p.id, "SQL injection in login", SEVERITY_HIGH, FINDING_OPEN, "CWE-89",
                   "The password parameter is concatenated into a query.");
    struct finding xss = mk_finding(fx->a, p.id, "Reflected XSS", SEVERITY_MEDIUM, FINDING_OPEN,
                                    "CWE-79", "Echoes the q parameter unescaped.");
    struct finding patch = {.title = "Boolean-based blind injection", .present = FINDING_F_TITLE},
                   out;
    struct store_list q = {0};
    struct store_page page;

    (void)xss;
    q.search = "inject";
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
    assert_string_equal(page.findings[0].id, sqli.id);
    q.search = "PARAMETER";
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 2);
    q.search = "parameter password"; /* every word must match */
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
    q.search = "cwe-79";
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);

    OK(store_finding_update(fx->a, sqli.id, &patch, &out, err));
    q.search = "login";
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 0); /* the old title is gone from the index */
    q.search = "boolean";
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
    OK(store_finding_delete(fx->a, sqli.id, err));
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 0);
    q.search = "   "; /* blank: no condition */
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
}

static void
hostile_text_is_harmless_everywhere(void **state)
{
    static const char *const hostile[] = {
        "' OR 1=1--",
        "\" OR \"\"=\"",
        "*",
        "NEAR(",
        "NEAR(a b",
        "title:x",
        ")",
        "(",
        "^x",
        "a OR b",
        "a AND NOT b",
        "'; DROP TABLE findings; --",
        "%",
        "_",
        "\\",
        "\"",
        "x\" OR 1=1 --",
        "-x",
        "+",
        "{}",
        "NOT",
        "''",
        "\xc3\xa9t\xc3\xa9",
        "\xf0\x9f\x92\xa3",
    };
    struct fixture *fx = *state;
    struct project p1, p2;
    struct store_list q = {0};
    struct store_page page;
    struct client in = {.name = "Client 100% _real_", .present = CLIENT_F_ALL}, c;

    seed(fx, &p1, &p2);
    OK(store_client_create(fx->a, &in, &c, err));
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        const char *v[] = {hostile[i]};

        /* search: findings (FTS5) and the substring search of the other kinds */
        q = (struct store_list){.search = hostile[i]};
        OK(store_finding_list(fx->a, &q, &page, err));
        assert_true(page.total <= 25);
        OK(store_client_list(fx->a, &q, &page, err));
        OK(store_project_list(fx->a, &q, &page, err));
        OK(store_asset_list(fx->a, &q, &page, err));
        /* text and id filters: bound values, matching nothing */
        q = (struct store_list){.n_filters = 1};
        q.filters[0] = (struct store_filter){.field = "cwe", .values = v, .n_values = 1};
        OK(store_finding_list(fx->a, &q, &page, err));
        assert_int_equal(page.total, 0);
        q.filters[0].field = "project_id";
        OK(store_finding_list(fx->a, &q, &page, err));
        assert_int_equal(page.total, 0);
        /* enum filters: refused as a bad value */
        q.filters[0].field = "severity";
        FAILS(store_finding_list(fx->a, &q, &page, err), VALIDATION_ERROR, "severity");
        /* sort and filter names: refused against the table */
        q = (struct store_list){.n_sort = 1, .sort = {{.field = hostile[i]}}};
        FAILS(store_finding_list(fx->a, &q, &page, err), VALIDATION_ERROR, "sort");
        q = (struct store_list){.n_filters = 1};
        q.filters[0] = (struct store_filter){.field = hostile[i], .values = v, .n_values = 1};
        FAILS(store_finding_list(fx->a, &q, &page, err), VALIDATION_ERROR, NULL);
    }
    /* the table is intact and the injection in a search matched nothing it should not */
    q = (struct store_list){.search = "' OR 1=1--"};
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 0);
    q = (struct store_list){0};
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 25);
    /* substring search treats LIKE wildcards literally */
    q = (struct store_list){.search = "100% _real_"};
    OK(store_client_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
    q = (struct store_list){.search = "%"};
    OK(store_client_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
    q = (struct store_list){.search = "x%y"};
    OK(store_client_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 0);
}

static void
fts_query_quotes_every_word(void **state)
{
    struct fixture *fx = *state;
    char *s;

    s = fts_query("sql \"inj\" NEAR( * --", fx->arena);
    assert_string_equal(s, "\"sql\"* \"\"\"inj\"\"\"* \"NEAR(\"*");
    assert_null(fts_query("' -- * \"", fx->arena));
}

static void
asset_filters_by_tag_type_and_project(void **state)
{
    struct fixture *fx = *state;
    struct project p1 = mk_project(fx->a, "P1"), p2 = mk_project(fx->a, "P2");
    const char *t1[] = {"prod", "pci"}, *t2[] = {"staging"};
    struct asset a1 = {.project_id = p1.id,
                       .type = ASSET_HOST,
                       .value = "db.internal",
                       .tags = t1,
                       .n_tags = 2,
                       .criticality = CRITICALITY_CRITICAL,
                       .present = ASSET_F_ALL},
                 a2 = {.project_id = p2.id,
                       .type = ASSET_URL,
                       .value = "https://stg.example",
                       .tags = t2,
                       .n_tags = 1,
                       .criticality = CRITICALITY_LOW,
                       .present = ASSET_F_ALL},
                 out;
    const char *tag[] = {"pci", "nope"}, *type[] = {"URL"}, *proj[1];
    struct store_list q = {0};
    struct store_page page;

    OK(store_asset_create(fx->a, &a1, &out, err));
    OK(store_asset_create(fx->a, &a2, &out, err));
    proj[0] = p1.id;
    q.n_filters = 1;
    q.filters[0] = (struct store_filter){.field = "tag", .values = tag, .n_values = 2};
    OK(store_asset_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
    assert_string_equal(page.assets[0].value, "db.internal");
    q.filters[0] = (struct store_filter){.field = "type", .values = type, .n_values = 1};
    OK(store_asset_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
    assert_int_equal(page.assets[0].type, ASSET_URL);
    q.filters[0] = (struct store_filter){.field = "project_id", .values = proj, .n_values = 1};
    OK(store_asset_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
    q = (struct store_list){.n_sort = 1, .sort = {{.field = "criticality", .desc = true}}};
    OK(store_asset_list(fx->a, &q, &page, err));
    assert_int_equal(page.assets[0].criticality, CRITICALITY_CRITICAL);
    q = (struct store_list){.search = "STAGING"};
    OK(store_asset_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
}

static void
field_table_is_exposed_and_matches_the_model(void **state)
{
    size_t n;
    const struct store_field *fields = store_list_fields(STORE_FINDINGS, &n);
    const struct store_field *sev = store_list_field(STORE_FINDINGS, "severity");
    (void)state;

    assert_true(n > 10);
    assert_non_null(fields);
    assert_non_null(sev);
    assert_true(sev->filter && sev->sort);
    for (int i = 0; i < sev->n_enum_values; i++)
        assert_string_equal(sev->enum_values[i], severity_name((enum severity)i));
    sev = store_list_field(STORE_PROJECTS, "status");
    for (int i = 0; i < sev->n_enum_values; i++)
        assert_string_equal(sev->enum_values[i], project_status_name((enum project_status)i));
    sev = store_list_field(STORE_ASSETS, "type");
    for (int i = 0; i < sev->n_enum_values; i++)
        assert_string_equal(sev->enum_values[i], asset_type_name((enum asset_type)i));
    sev = store_list_field(STORE_ASSETS, "criticality");
    for (int i = 0; i < sev->n_enum_values; i++)
        assert_string_equal(sev->enum_values[i], criticality_name((enum criticality)i));
    sev = store_list_field(STORE_FINDINGS, "status");
    for (int i = 0; i < sev->n_enum_values; i++)
        assert_string_equal(sev->enum_values[i], finding_status_name((enum finding_status)i));
    assert_null(store_list_field(STORE_FINDINGS, "description"));
    assert_null(store_list_field(STORE_CLIENTS, "severity"));
    assert_non_null(store_list_field(STORE_FINDINGS, "project_id"));
    assert_false(store_list_field(STORE_FINDINGS, "title")->filter);
}

typedef int (*list_fn)(struct db *db, const struct store_list *q, struct store_page *page,
                       struct err *err);

/* Every filter and sort field of every kind runs: a typo in a column name fails here. */
static void
every_listed_field_filters_and_sorts(void **state)
{
    static const struct {
        enum store_kind kind;
        list_fn list;
    } kinds[] = {{STORE_CLIENTS, store_client_list},
                 {STORE_PROJECTS, store_project_list},
                 {STORE_ASSETS, store_asset_list},
                 {STORE_FINDINGS, store_finding_list}};
    struct fixture *fx = *state;
    struct project p1, p2;

    seed(fx, &p1, &p2);
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        size_t n;
        const struct store_field *fields = store_list_fields(kinds[k].kind, &n);

        for (size_t i = 0; i < n; i++) {
            const struct store_field *f = &fields[i];
            const char *v[] = {f->type == STORE_FIELD_ENUM   ? f->enum_values[0]
                               : f->type == STORE_FIELD_BOOL ? "true"
                                                             : "x"};
            struct store_list q = {0};
            struct store_page page;

            if (f->filter) {
                q.filters[0] = (struct store_filter){.field = f->name, .values = v, .n_values = 1};
                q.n_filters = 1;
                OK(kinds[k].list(fx->a, &q, &page, err));
            }
            if (f->sort) {
                for (int desc = 0; desc < 2; desc++) {
                    q = (struct store_list){.n_sort = 1};
                    q.sort[0] = (struct store_sort){.field = f->name, .desc = desc};
                    OK(kinds[k].list(fx->a, &q, &page, err));
                    if (kinds[k].kind == STORE_FINDINGS)
                        assert_int_equal(page.total, 25);
                }
            }
        }
    }
}

static void
totals_stay_right_after_deletes(void **state)
{
    struct fixture *fx = *state;
    struct project p = mk_project(fx->a, "P");
    struct finding f1 = mk_finding(fx->a, p.id, "a", SEVERITY_LOW, FINDING_OPEN, NULL, NULL);
    struct store_list q = {0};
    struct store_page page;

    mk_finding(fx->a, p.id, "b", SEVERITY_LOW, FINDING_OPEN, NULL, NULL);
    mk_finding(fx->b, mk_project(fx->b, "B").id, "c", SEVERITY_LOW, FINDING_OPEN, NULL, NULL);
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 2);
    OK(store_finding_delete(fx->a, f1.id, err));
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
    assert_int_equal(page.n, 1);
    OK(store_finding_list(fx->b, &q, &page, err));
    assert_int_equal(page.total, 1);
}

/* Filtered totals are cached, and every kind of write invalidates them: a create, a status
 * change that moves a row out of the filter, a delete. */
static void
cached_totals_follow_every_write(void **state)
{
    struct fixture *fx = *state;
    struct project p = mk_project(fx->a, "P");
    const char *open_status[] = {"open"};
    struct store_list q = {0};
    struct store_page page;
    struct finding f, patch = {.status = FINDING_REMEDIATED, .present = FINDING_F_STATUS}, out;
    uint64_t generation;

    q.filters[0] = (struct store_filter){.field = "status", .values = open_status, .n_values = 1};
    q.n_filters = 1;
    f = mk_finding(fx->a, p.id, "a", SEVERITY_LOW, FINDING_OPEN, NULL, NULL);
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
    generation = fx->store->generation;
    OK(store_finding_list(fx->a, &q, &page, err)); /* served from the cache */
    assert_int_equal(page.total, 1);
    assert_int_equal(fx->store->generation, generation);

    mk_finding(fx->a, p.id, "b", SEVERITY_LOW, FINDING_OPEN, NULL, NULL);
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 2);
    OK(store_finding_update(fx->a, f.id, &patch, &out, err));
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
    OK(store_finding_delete(fx->a, f.id, err));
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 1);
    /* The other organization's identical filter is a different key. */
    OK(store_finding_list(fx->b, &q, &page, err));
    assert_int_equal(page.total, 0);
}

/* A query that sorts is paged from a cached ordered id list from its second request on: the
 * pages must be exactly what the direct query gave, and follow writes. */
static void
expensive_queries_page_from_cached_id_lists(void **state)
{
    struct fixture *fx = *state;
    struct project p1, p2;
    const char *sev[] = {"high", "critical"};
    struct store_list q = {0};
    struct store_page page;
    char first[3][4][64];
    int64_t first_total = 0;

    seed(fx, &p1, &p2);
    q.filters[0] = (struct store_filter){.field = "severity", .values = sev, .n_values = 2};
    q.n_filters = 1;
    q.sort[0] = (struct store_sort){.field = "title", .desc = true};
    q.n_sort = 1;
    q.per_page = 4;
    for (int round = 0; round < 3; round++) { /* direct, then build, then cached */
        for (int pg = 0; pg < 3; pg++) {
            q.page = pg + 1;
            OK(store_finding_list(fx->a, &q, &page, err));
            assert_int_equal(page.n, pg < 2 ? 4 : 2);
            if (round == 0)
                first_total = page.total;
            assert_int_equal(page.total, first_total);
            for (size_t i = 0; i < page.n; i++) {
                if (round == 0)
                    snprintf(first[pg][i], sizeof(first[pg][i]), "%s", page.findings[i].title);
                else
                    assert_string_equal(page.findings[i].title, first[pg][i]);
                if (i > 0)
                    assert_true(strcmp(page.findings[i - 1].title, page.findings[i].title) > 0);
            }
        }
    }
    assert_int_equal(first_total, 10);
    /* A write: the cached list is for an older generation and is rebuilt. */
    q.page = 1;
    OK(store_finding_list(fx->a, &q, &page, err));
    OK(store_finding_delete(fx->a, page.findings[0].id, err));
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 9);
    assert_string_equal(page.findings[0].title, first[0][1]);
    /* Another organization's identical query shares nothing. */
    OK(store_finding_list(fx->b, &q, &page, err));
    assert_int_equal(page.total, 0);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(filters_are_or_within_a_field_and_and_between_fields),
        T(sorting_paging_and_totals),
        T(default_order_is_newest_first_and_time_windows_apply),
        T(full_text_search_finds_words_and_prefixes_and_follows_changes),
        T(hostile_text_is_harmless_everywhere),
        T(fts_query_quotes_every_word),
        T(asset_filters_by_tag_type_and_project),
        T(field_table_is_exposed_and_matches_the_model),
        T(every_listed_field_filters_and_sorts),
        T(totals_stay_right_after_deletes),
        T(cached_totals_follow_every_write),
        T(expensive_queries_page_from_cached_id_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
