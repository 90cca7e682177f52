/* SPDX-License-Identifier: MIT */
/* The bound resource functions: CRUD of each resource, tenancy isolation, delete rules,
 * derived finding fields and history, and the deduplicating record. */
#include "unit/store/store_fixture.h"

#include "model/fingerprint.h"

static struct client
mk_client(struct db *db, const char *name)
{
    struct client in = {.name = name, .present = CLIENT_F_ALL}, out;

    OK(store_client_create(db, &in, &out, err));
    return out;
}

static struct project
mk_project(struct db *db, const char *client_id, const char *name)
{
    struct project in = {.name = name, .client_id = client_id, .present = PROJECT_F_ALL}, out;

    OK(store_project_create(db, &in, &out, err));
    return out;
}

static struct asset
mk_asset(struct db *db, const char *project_id, const char *value)
{
    const char *tags[] = {"prod", "pci"};
    struct asset in = {.project_id = project_id,
                       .type = ASSET_API,
                       .value = value,
                       .tags = tags,
                       .n_tags = 2,
                       .criticality = CRITICALITY_HIGH,
                       .present = ASSET_F_ALL},
                 out;

    OK(store_asset_create(db, &in, &out, err));
    return out;
}

static struct finding
mk_finding(struct db *db, const char *project_id, const char *title, enum severity sev)
{
    struct finding in = {.project_id = project_id,
                         .title = title,
                         .severity = sev,
                         .confidence = CONFIDENCE_HIGH,
                         .cvss_score = -1,
                         .present = FINDING_F_ALL},
                   out;

    OK(store_finding_create(db, &in, &out, err));
    return out;
}

static void
client_crud_round_trip(void **state)
{
    struct fixture *fx = *state;
    struct client c = mk_client(fx->a, "ACME"), got, patch = {0}, replace = {0};

    assert_true(strncmp(c.id, "client_", 7) == 0);
    assert_true(c.created_at > 0 && c.updated_at == c.created_at);
    OK(store_client_get(fx->a, c.id, &got, err));
    assert_string_equal(got.name, "ACME");
    assert_null(got.contact);

    patch.contact = "sec@acme.example";
    patch.present = CLIENT_F_CONTACT;
    OK(store_client_update(fx->a, c.id, &patch, &got, err));
    assert_string_equal(got.name, "ACME");
    assert_string_equal(got.contact, "sec@acme.example");
    OK(store_client_get(fx->a, c.id, &got, err));
    assert_string_equal(got.contact, "sec@acme.example");

    replace.name = "ACME Corp";
    replace.present = CLIENT_F_ALL; /* PUT: contact absent = cleared */
    OK(store_client_update(fx->a, c.id, &replace, &got, err));
    OK(store_client_get(fx->a, c.id, &got, err));
    assert_string_equal(got.name, "ACME Corp");
    assert_null(got.contact);

    patch = (struct client){.present = CLIENT_F_NAME}; /* name cleared: refused */
    FAILS(store_client_update(fx->a, c.id, &patch, &got, err), VALIDATION_ERROR, "name");

    OK(store_client_delete(fx->a, c.id, err));
    FAILS(store_client_get(fx->a, c.id, &got, err), NOT_FOUND, NULL);
    FAILS(store_client_delete(fx->a, c.id, err), NOT_FOUND, NULL);
    FAILS(store_client_get(fx->a, "client_doesnotexist", &got, err), NOT_FOUND, NULL);
}

static void
project_and_asset_crud_round_trip(void **state)
{
    struct fixture *fx = *state;
    struct client c = mk_client(fx->a, "ACME");
    struct project p = mk_project(fx->a, c.id, "Pentest"), got;
    struct project patch = {.status = PROJECT_COMPLETED,
                            .end_date = "2026-02-01",
                            .present = PROJECT_F_STATUS | PROJECT_F_END_DATE};
    struct asset a = mk_asset(fx->a, p.id, "https://api.acme.example"), agot;
    struct asset apatch = {.n_tags = 0, .present = ASSET_F_TAGS};

    OK(store_project_update(fx->a, p.id, &patch, &got, err));
    OK(store_project_get(fx->a, p.id, &got, err));
    assert_int_equal(got.status, PROJECT_COMPLETED);
    assert_string_equal(got.client_id, c.id);
    assert_string_equal(got.end_date, "2026-02-01");
    /* a start after the stored end is refused once merged */
    patch = (struct project){.start_date = "2026-03-01", .present = PROJECT_F_START_DATE};
    FAILS(store_project_update(fx->a, p.id, &patch, &got, err), VALIDATION_ERROR, "end_date");

    OK(store_asset_get(fx->a, a.id, &agot, err));
    assert_int_equal(agot.n_tags, 2);
    assert_string_equal(agot.tags[1], "pci");
    assert_int_equal(agot.type, ASSET_API);
    assert_int_equal(agot.criticality, CRITICALITY_HIGH);
    OK(store_asset_update(fx->a, a.id, &apatch, &agot, err));
    OK(store_asset_get(fx->a, a.id, &agot, err));
    assert_int_equal(agot.n_tags, 0);
    assert_string_equal(agot.value, "https://api.acme.example");

    OK(store_asset_delete(fx->a, a.id, err));
    OK(store_project_delete(fx->a, p.id, err));
    OK(store_client_delete(fx->a, c.id, err));
}

static void
deletes_conflict_while_children_exist(void **state)
{
    struct fixture *fx = *state;
    struct client c = mk_client(fx->a, "ACME");
    struct project p = mk_project(fx->a, c.id, "P");
    struct asset a = mk_asset(fx->a, p.id, "host-1");
    struct finding in = {.project_id = p.id,
                         .asset_id = a.id,
                         .title = "Open port",
                         .severity = SEVERITY_LOW,
                         .present = FINDING_F_ALL},
                   f;

    OK(store_finding_create(fx->a, &in, &f, err));
    FAILS(store_client_delete(fx->a, c.id, err), CONFLICT, NULL);
    FAILS(store_project_delete(fx->a, p.id, err), CONFLICT, NULL);
    FAILS(store_asset_delete(fx->a, a.id, err), CONFLICT, NULL);
    OK(store_finding_delete(fx->a, f.id, err));
    FAILS(store_project_delete(fx->a, p.id, err), CONFLICT, NULL); /* the asset remains */
    OK(store_asset_delete(fx->a, a.id, err));
    OK(store_project_delete(fx->a, p.id, err));
    OK(store_client_delete(fx->a, c.id, err));
}

static void
other_organizations_rows_are_invisible(void **state)
{
    struct fixture *fx = *state;
    struct client c = mk_client(fx->a, "A's client");
    struct project p = mk_project(fx->a, c.id, "A's project");
    struct asset a = mk_asset(fx->a, p.id, "a.example");
    struct finding f = mk_finding(fx->a, p.id, "A's finding", SEVERITY_HIGH);
    struct project pb = mk_project(fx->b, NULL, "B's project");
    struct client cg;
    struct project pg;
    struct asset ag;
    struct finding fg;
    struct client cpatch = {.name = "stolen", .present = CLIENT_F_NAME};
    struct project ppatch = {.name = "stolen", .present = PROJECT_F_NAME};
    struct asset apatch = {.value = "stolen", .present = ASSET_F_VALUE};
    struct finding fpatch = {.title = "stolen", .present = FINDING_F_TITLE};
    struct store_list q = {0};
    struct store_page page;
    struct finding_status_change *hist;
    size_t n;
    const char *values[] = {p.id};

    /* get, update, delete: NOT_FOUND exactly like a missing id */
    FAILS(store_client_get(fx->b, c.id, &cg, err), NOT_FOUND, NULL);
    FAILS(store_project_get(fx->b, p.id, &pg, err), NOT_FOUND, NULL);
    FAILS(store_asset_get(fx->b, a.id, &ag, err), NOT_FOUND, NULL);
    FAILS(store_finding_get(fx->b, f.id, &fg, err), NOT_FOUND, NULL);
    FAILS(store_client_update(fx->b, c.id, &cpatch, &cg, err), NOT_FOUND, NULL);
    FAILS(store_project_update(fx->b, p.id, &ppatch, &pg, err), NOT_FOUND, NULL);
    FAILS(store_asset_update(fx->b, a.id, &apatch, &ag, err), NOT_FOUND, NULL);
    FAILS(store_finding_update(fx->b, f.id, &fpatch, &fg, err), NOT_FOUND, NULL);
    FAILS(store_finding_history(fx->b, f.id, &hist, &n, err), NOT_FOUND, NULL);
    FAILS(store_finding_delete(fx->b, f.id, err), NOT_FOUND, NULL);
    FAILS(store_asset_delete(fx->b, a.id, err), NOT_FOUND, NULL);
    FAILS(store_project_delete(fx->b, p.id, err), NOT_FOUND, NULL);
    FAILS(store_client_delete(fx->b, c.id, err), NOT_FOUND, NULL);

    /* lists: B sees none of A's rows, even when filtering by A's ids */
    OK(store_client_list(fx->b, &q, &page, err));
    assert_int_equal(page.total, 0);
    OK(store_project_list(fx->b, &q, &page, err));
    assert_int_equal(page.total, 1);
    assert_string_equal(page.projects[0].id, pb.id);
    OK(store_asset_list(fx->b, &q, &page, err));
    assert_int_equal(page.total, 0);
    q.filters[0] = (struct store_filter){.field = "project_id", .values = values, .n_values = 1};
    q.n_filters = 1;
    OK(store_finding_list(fx->b, &q, &page, err));
    assert_int_equal(page.total, 0);
    assert_int_equal(page.n, 0);
    q.search = "finding";
    OK(store_finding_list(fx->b, &q, &page, err));
    assert_int_equal(page.n, 0);

    /* references into A from B are validation errors on the field */
    {
        struct project in = {.name = "x", .client_id = c.id, .present = PROJECT_F_ALL}, out;
        struct asset ain = {.project_id = p.id, .value = "v", .present = ASSET_F_ALL}, aout;
        struct finding fin = {.project_id = p.id, .title = "t", .present = FINDING_F_ALL}, fout;
        struct finding fin2 = {
            .project_id = pb.id, .asset_id = a.id, .title = "t", .present = FINDING_F_ALL};

        FAILS(store_project_create(fx->b, &in, &out, err), VALIDATION_ERROR, "client_id");
        FAILS(store_asset_create(fx->b, &ain, &aout, err), VALIDATION_ERROR, "project_id");
        FAILS(store_finding_create(fx->b, &fin, &fout, err), VALIDATION_ERROR, "project_id");
        FAILS(store_finding_create(fx->b, &fin2, &fout, err), VALIDATION_ERROR, "asset_id");
        /* and B cannot move its own project onto A's client */
        in = (struct project){.client_id = c.id, .present = PROJECT_F_CLIENT_ID};
        FAILS(store_project_update(fx->b, pb.id, &in, &out, err), VALIDATION_ERROR, "client_id");
    }

    /* A's rows are untouched */
    OK(store_finding_get(fx->a, f.id, &fg, err));
    assert_string_equal(fg.title, "A's finding");
    OK(store_client_get(fx->a, c.id, &cg, err));
    assert_string_equal(cg.name, "A's client");
}

static void
finding_derived_fields_follow_the_stored_row(void **state)
{
    struct fixture *fx = *state;
    struct project p = mk_project(fx->a, NULL, "P");
    struct finding in = {.project_id = p.id,
                         .title = "SQL injection",
                         .severity = SEVERITY_CRITICAL,
                         .cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                         .cvss_score = 1.0, /* ignored: the store computes it */
                         .cwe = "CWE-89",
                         .endpoint = "POST /login",
                         .fingerprint = "forged",
                         .present = FINDING_F_ALL},
                   f, got, patch;
    char before[FINGERPRINT_HEX_LEN + 1];

    OK(store_finding_create(fx->a, &in, &f, err));
    assert_true(f.cvss_score > 9.79 && f.cvss_score < 9.81);
    assert_int_equal(strlen(f.fingerprint), FINGERPRINT_HEX_LEN);
    assert_string_not_equal(f.fingerprint, "forged");
    assert_true(f.first_seen == f.created_at && f.last_seen == f.created_at);
    OK(store_finding_get(fx->a, f.id, &got, err));
    assert_true(got.cvss_score > 9.79 && got.cvss_score < 9.81);
    assert_string_equal(got.fingerprint, f.fingerprint);
    assert_string_equal(got.cwe, "CWE-89");
    memcpy(before, f.fingerprint, sizeof(before));

    patch = (struct finding){.severity = SEVERITY_LOW, .present = FINDING_F_SEVERITY};
    OK(store_finding_update(fx->a, f.id, &patch, &got, err));
    assert_string_equal(got.fingerprint, before); /* severity is not part of it */
    patch = (struct finding){.title = "SQL injection (blind)",
                             .cvss_vector = NULL,
                             .present = FINDING_F_TITLE | FINDING_F_CVSS_VECTOR};
    OK(store_finding_update(fx->a, f.id, &patch, &got, err));
    assert_string_not_equal(got.fingerprint, before);
    OK(store_finding_get(fx->a, f.id, &got, err));
    assert_true(got.cvss_score < 0);
    assert_null(got.cvss_vector);
    assert_int_equal(got.severity, SEVERITY_LOW);
    assert_string_equal(got.endpoint, "POST /login");

    patch = (struct finding){.cvss_vector = "CVSS:3.1/AV:N", .present = FINDING_F_CVSS_VECTOR};
    FAILS(store_finding_update(fx->a, f.id, &patch, &got, err), VALIDATION_ERROR, "cvss_vector");
}

static void
finding_asset_must_belong_to_its_project(void **state)
{
    struct fixture *fx = *state;
    struct project p1 = mk_project(fx->a, NULL, "P1"), p2 = mk_project(fx->a, NULL, "P2");
    struct asset a2 = mk_asset(fx->a, p2.id, "other");
    struct finding in = {.project_id = p1.id,
                         .asset_id = a2.id,
                         .title = "t",
                         .present = FINDING_F_ALL},
                   out;
    const char *refs[] = {"https://example.org/a", "https://example.org/b"};

    FAILS(store_finding_create(fx->a, &in, &out, err), VALIDATION_ERROR, "asset_id");
    in.project_id = p2.id;
    in.references = refs;
    in.n_references = 2;
    in.evidence.request = "GET / HTTP/1.1";
    OK(store_finding_create(fx->a, &in, &out, err));
    OK(store_finding_get(fx->a, out.id, &out, err));
    assert_int_equal(out.n_references, 2);
    assert_string_equal(out.references[1], "https://example.org/b");
    assert_string_equal(out.evidence.request, "GET / HTTP/1.1");
    assert_null(out.evidence.response);
    /* moving the asset away from its findings' project is refused */
    {
        struct asset move = {.project_id = p1.id, .present = ASSET_F_PROJECT_ID}, moved;

        FAILS(store_asset_update(fx->a, a2.id, &move, &moved, err), VALIDATION_ERROR, "project_id");
    }
}

static void
status_changes_are_recorded_with_their_actor(void **state)
{
    struct fixture *fx = *state;
    struct project p = mk_project(fx->a, NULL, "P");
    struct finding f = mk_finding(fx->a, p.id, "XSS", SEVERITY_MEDIUM), got;
    struct finding patch = {.status = FINDING_CONFIRMED, .present = FINDING_F_STATUS};
    struct finding_status_change *h;
    size_t n;

    store_db_set_actor(fx->a, "tok_reviewer");
    OK(store_finding_update(fx->a, f.id, &patch, &got, err));
    patch = (struct finding){.title = "Stored XSS", .present = FINDING_F_TITLE};
    OK(store_finding_update(fx->a, f.id, &patch, &got, err)); /* no status change: no entry */
    patch = (struct finding){.status = FINDING_CONFIRMED, .present = FINDING_F_STATUS};
    OK(store_finding_update(fx->a, f.id, &patch, &got, err)); /* same status: no entry */
    store_db_set_actor(fx->a, "usr_fixer");
    patch = (struct finding){.status = FINDING_REMEDIATED, .present = FINDING_F_STATUS};
    OK(store_finding_update(fx->a, f.id, &patch, &got, err));

    OK(store_finding_history(fx->a, f.id, &h, &n, err));
    assert_int_equal(n, 3);
    assert_null(h[0].from);
    assert_string_equal(h[0].to, "open");
    assert_string_equal(h[0].actor, "system");
    assert_string_equal(h[1].from, "open");
    assert_string_equal(h[1].to, "confirmed");
    assert_string_equal(h[1].actor, "tok_reviewer");
    assert_string_equal(h[2].from, "confirmed");
    assert_string_equal(h[2].to, "remediated");
    assert_string_equal(h[2].actor, "usr_fixer");
    assert_true(h[2].at >= h[0].at);

    OK(store_finding_delete(fx->a, f.id, err));
    FAILS(store_finding_history(fx->a, f.id, &h, &n, err), NOT_FOUND, NULL);
}

static void
record_deduplicates_by_fingerprint(void **state)
{
    struct fixture *fx = *state;
    struct project p = mk_project(fx->a, NULL, "P");
    struct finding in = {.project_id = p.id,
                         .scan_id = "scan_1",
                         .check_id = "bola",
                         .endpoint = "GET /users/1",
                         .title = "BOLA",
                         .severity = SEVERITY_HIGH,
                         .present = FINDING_F_ALL},
                   first, second;
    bool created;
    struct store_list q = {0};
    struct store_page page;

    OK(store_finding_record(fx->a, &in, &first, &created, err));
    assert_true(created);
    in.scan_id = "scan_2";
    in.endpoint = "GET /users/2"; /* another concrete id: same endpoint template */
    OK(store_finding_record(fx->a, &in, &second, &created, err));
    assert_false(created);
    assert_string_equal(second.id, first.id);
    assert_string_equal(second.scan_id, "scan_2");
    assert_true(second.last_seen >= first.last_seen);
    assert_true(second.first_seen == first.first_seen);
    in.endpoint = "DELETE /users/2";
    OK(store_finding_record(fx->a, &in, &second, &created, err));
    assert_true(created);
    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 2);
}

static void
injected_fault_fails_one_call_cleanly(void **state)
{
    struct fixture *fx = *state;
    struct client in = {.name = "c", .present = CLIENT_F_ALL}, out;
    struct store_list q = {0};
    struct store_page page;
    long per_create;

    store_fault_arm(1);
    FAILS(store_client_create(fx->a, &in, &out, err), INTERNAL, NULL);
    OK(store_client_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, 0); /* the failed call wrote nothing */
    store_fault_arm(0);              /* count one create's calls (its transaction and statements) */
    OK(store_client_create(fx->a, &in, &out, err));
    per_create = store_fault_calls();
    assert_true(per_create >= 2);
    store_fault_arm(per_create + 1); /* the create passes, the get after it fails, once */
    OK(store_client_create(fx->a, &in, &out, err));
    FAILS(store_client_get(fx->a, out.id, &out, err), INTERNAL, NULL);
    OK(store_client_get(fx->a, out.id, &out, err));
    store_fault_disarm();
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(client_crud_round_trip),
        T(project_and_asset_crud_round_trip),
        T(deletes_conflict_while_children_exist),
        T(other_organizations_rows_are_invisible),
        T(finding_derived_fields_follow_the_stored_row),
        T(finding_asset_must_belong_to_its_project),
        T(status_changes_are_recorded_with_their_actor),
        T(record_deduplicates_by_fingerprint),
        T(injected_fault_fails_one_call_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
