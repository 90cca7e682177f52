/* SPDX-License-Identifier: MIT */
/* store_findings_ingest: the reimport counts (created, updated, closed, reopened, skipped)
 * asserted exactly over three runs of one source, kept triage states, all-or-nothing versus
 * partial batches, and the import id in history. */
#include "unit/store/store_fixture.h"

#include <string.h>

static const char *
mk_project(struct db *db)
{
    struct project in = {.name = "p", .present = PROJECT_F_ALL}, out;

    OK(store_project_create(db, &in, &out, err));
    return out.id;
}

static struct finding
item(const char *title, const char *fingerprint)
{
    struct finding f = {.title = title, .severity = SEVERITY_HIGH, .cvss_score = -1};

    f.fingerprint = fingerprint;
    f.check_id = "rule-1";
    return f;
}

static void
reimport_counts_are_exact(void **state)
{
    struct fixture *fx = *state;
    const char *project = mk_project(fx->a);
    struct finding run1[] = {item("A", "fa"), item("B", "fb"), item("C", "fc"), item("A", "fa")};
    struct finding run2[] = {item("A", "fa"), item("D", "fd")};
    struct finding run3[] = {item("A", "fa"), item("B", "fb"), item("D", "fd")};
    struct store_ingest in = {.project_id = project, .source = "trivy", .complete = true};
    struct store_ingest_result r;
    struct finding_status_change *history;
    struct store_list q = {.per_page = 100};
    struct store_page page;
    size_t n;
    const char *b_id = NULL;

    in.items = run1;
    in.n_items = 4;
    OK(store_findings_ingest(fx->a, &in, &r, err));
    assert_int_equal(r.created, 3);
    assert_int_equal(r.updated, 0);
    assert_int_equal(r.skipped, 1); /* the second "fa" of the same run */
    assert_int_equal(r.closed, 0);
    assert_true(strncmp(r.import_id, "imp_", 4) == 0);

    in.items = run2;
    in.n_items = 2;
    OK(store_findings_ingest(fx->a, &in, &r, err));
    assert_int_equal(r.created, 1);
    assert_int_equal(r.updated, 1);
    assert_int_equal(r.closed, 2); /* B and C */
    assert_int_equal(r.reopened, 0);
    const char *run2_id = r.import_id;

    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.n, 4);
    for (size_t i = 0; i < page.n; i++) {
        if (strcmp(page.findings[i].title, "B") == 0) {
            b_id = page.findings[i].id;
            assert_int_equal(page.findings[i].status, FINDING_REMEDIATED);
        }
    }
    assert_non_null(b_id);
    OK(store_finding_history(fx->a, b_id, &history, &n, err));
    assert_int_equal(n, 2);
    assert_string_equal(history[1].to, "remediated");
    assert_string_equal(history[1].actor, run2_id);

    in.items = run3;
    in.n_items = 3;
    OK(store_findings_ingest(fx->a, &in, &r, err));
    assert_int_equal(r.created, 0);
    assert_int_equal(r.updated, 2);
    assert_int_equal(r.reopened, 1); /* B */
    assert_int_equal(r.closed, 0);   /* C stays remediated */
    OK(store_finding_history(fx->a, b_id, &history, &n, err));
    assert_int_equal(n, 3);
    assert_string_equal(history[2].from, "remediated");
    assert_string_equal(history[2].to, "open");
    assert_string_equal(history[2].actor, r.import_id);
}

static void
triaged_findings_keep_their_status(void **state)
{
    struct fixture *fx = *state;
    const char *project = mk_project(fx->a);
    struct finding run[] = {item("A", "fa"), item("B", "fb")};
    struct store_ingest in = {
        .project_id = project, .source = "zap", .complete = true, .items = run, .n_items = 2};
    struct store_ingest_result r;
    struct store_list q = {.per_page = 100};
    struct store_page page;
    struct finding patch = {.status = FINDING_FALSE_POSITIVE, .present = FINDING_F_STATUS}, out;

    OK(store_findings_ingest(fx->a, &in, &r, err));
    OK(store_finding_list(fx->a, &q, &page, err));
    for (size_t i = 0; i < page.n; i++)
        OK(store_finding_update(fx->a, page.findings[i].id, &patch, &out, err));
    in.n_items = 1; /* B is missing but is a false positive: not closed */
    OK(store_findings_ingest(fx->a, &in, &r, err));
    assert_int_equal(r.updated, 1);
    assert_int_equal(r.closed, 0);
    OK(store_finding_list(fx->a, &q, &page, err));
    for (size_t i = 0; i < page.n; i++)
        assert_int_equal(page.findings[i].status, FINDING_FALSE_POSITIVE);
}

static void
invalid_item_fails_all_unless_partial(void **state)
{
    struct fixture *fx = *state;
    const char *project = mk_project(fx->a);
    struct finding run[] = {item("A", "fa"), item("", "fb"), item("C", "fc")};
    struct store_ingest in = {.project_id = project, .source = "csv", .items = run, .n_items = 3};
    struct store_ingest_result r;
    struct store_list q = {.per_page = 100};
    struct store_page page;

    FAILS(store_findings_ingest(fx->a, &in, &r, err), VALIDATION_ERROR, "findings/1/title");
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 0);
    in.partial = true;
    OK(store_findings_ingest(fx->a, &in, &r, err));
    assert_int_equal(r.created, 2);
    assert_int_equal(r.skipped, 1);
    assert_int_equal(r.n_errors, 1);
    assert_int_equal(r.errors[0].index, 1);
    assert_string_equal(r.errors[0].field, "title");
    in.project_id = "proj_missing";
    FAILS(store_findings_ingest(fx->a, &in, &r, err), NOT_FOUND, NULL);
}

/* The batched form (imports): batches of one run are one import id and one transaction, so a
 * duplicate in a later batch is skipped, a complete run closes only what no batch saw, and an
 * aborted run leaves nothing behind. */
static void
batched_run_is_one_import(void **state)
{
    struct fixture *fx = *state;
    const char *project = mk_project(fx->a);
    struct finding first[] = {item("A", "fa"), item("B", "fb"), item("C", "fc")};
    struct finding batch1[] = {item("A", "fa")}, batch2[] = {item("B", "fb"), item("A", "fa")};
    struct finding extra[] = {item("X", "fx")};
    struct store_ingest in = {.project_id = project, .source = "nessus", .complete = true};
    struct store_ingest_result r;
    struct store_ingest_run *run;
    struct store_list q = {.per_page = 100};
    struct store_page page;

    in.items = first;
    in.n_items = 3;
    OK(store_findings_ingest(fx->a, &in, &r, err));
    OK(store_ingest_begin(fx->a, &in, &run, err));
    OK(store_ingest_add(run, batch1, 1, err));
    OK(store_ingest_add(run, batch2, 2, err));
    OK(store_ingest_finish(run, &r, err));
    assert_int_equal(r.updated, 2);
    assert_int_equal(r.skipped, 1); /* A again, in the second batch */
    assert_int_equal(r.closed, 1);  /* C */
    assert_int_equal(r.created, 0);

    OK(store_ingest_begin(fx->a, &in, &run, err));
    OK(store_ingest_add(run, extra, 1, err));
    store_ingest_abort(run);
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 3); /* X was rolled back */
    in.project_id = "proj_missing";
    FAILS(store_ingest_begin(fx->a, &in, &run, err), NOT_FOUND, NULL);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(reimport_counts_are_exact),
        T(triaged_findings_keep_their_status),
        T(invalid_item_fails_all_unless_partial),
        T(batched_run_is_one_import),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
