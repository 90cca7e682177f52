/* SPDX-License-Identifier: MIT */
/* The store side of the controls (store/controls.c), on both engines: the grouped exposure of
 * open findings, manual statuses set and cleared, evidence stored with its bytes and digest,
 * listed, fetched and deleted, the findings behind a control, and tenancy for each. Projects
 * keep their frameworks. */
#include "unit/store/store_fixture.h"

#include "core/str.h"
#include "model/finding.h"
#include "model/project.h"

static struct project
mk_project(struct db *db, const char *name)
{
    const char *fws[] = {"pci-dss", "soc2"};
    struct project in = {.name = name,
                         .frameworks = fws,
                         .n_frameworks = 2,
                         .present = PROJECT_F_ALL},
                   out;

    OK(store_project_create(db, &in, &out, err));
    return out;
}

static struct finding
mk_finding(struct db *db, const char *project_id, enum severity sev, const char *cwe,
           const char *owasp, enum finding_status status)
{
    struct finding in = {.project_id = project_id,
                         .title = "a finding",
                         .severity = sev,
                         .status = status,
                         .confidence = CONFIDENCE_HIGH,
                         .cvss_score = -1,
                         .cwe = cwe,
                         .owasp = owasp,
                         .present = FINDING_F_ALL},
                   out;

    OK(store_finding_create(db, &in, &out, err));
    return out;
}

static int64_t
exposure_count(const struct store_exposure *rows, size_t n, const char *cwe, const char *owasp,
               int severity)
{
    for (size_t i = 0; i < n; i++)
        if (str_eq(rows[i].cwe, cwe) && str_eq(rows[i].owasp, owasp) &&
            rows[i].severity == severity)
            return rows[i].count;
    return 0;
}

static void
exposure_groups_open_findings_by_cwe_owasp_and_severity(void **state)
{
    struct fixture *fx = *state;
    struct project p = mk_project(fx->a, "p"), q = mk_project(fx->a, "q");
    struct store_exposure *rows;
    size_t n;

    mk_finding(fx->a, p.id, SEVERITY_HIGH, "CWE-89", NULL, FINDING_OPEN);
    mk_finding(fx->a, p.id, SEVERITY_HIGH, "CWE-89", NULL, FINDING_CONFIRMED);
    mk_finding(fx->a, q.id, SEVERITY_HIGH, "CWE-89", NULL, FINDING_OPEN);
    mk_finding(fx->a, p.id, SEVERITY_LOW, "CWE-89", "API8:2023", FINDING_OPEN);
    mk_finding(fx->a, p.id, SEVERITY_CRITICAL, "CWE-89", NULL, FINDING_REMEDIATED);
    mk_finding(fx->a, p.id, SEVERITY_CRITICAL, "CWE-89", NULL, FINDING_ACCEPTED);
    mk_finding(fx->a, p.id, SEVERITY_CRITICAL, "CWE-89", NULL, FINDING_FALSE_POSITIVE);
    mk_finding(fx->a, p.id, SEVERITY_CRITICAL, NULL, NULL, FINDING_OPEN); /* maps nowhere */
    mk_finding(fx->b, mk_project(fx->b, "b").id, SEVERITY_HIGH, "CWE-89", NULL, FINDING_OPEN);

    OK(store_control_exposure(fx->a, NULL, &rows, &n, err));
    assert_int_equal(n, 2);
    assert_int_equal(exposure_count(rows, n, "CWE-89", NULL, SEVERITY_HIGH), 3);
    assert_int_equal(exposure_count(rows, n, "CWE-89", "API8:2023", SEVERITY_LOW), 1);
    OK(store_control_exposure(fx->a, p.id, &rows, &n, err));
    assert_int_equal(exposure_count(rows, n, "CWE-89", NULL, SEVERITY_HIGH), 2);
    OK(store_control_exposure(fx->b, NULL, &rows, &n, err));
    assert_int_equal(n, 1);
    assert_int_equal(exposure_count(rows, n, "CWE-89", NULL, SEVERITY_HIGH), 1);
}

static const struct store_control_state *
state_of(const struct store_control_state *rows, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].control_id, id) == 0)
            return &rows[i];
    return NULL;
}

static void
manual_statuses_are_set_replaced_and_cleared_per_organization(void **state)
{
    struct fixture *fx = *state;
    struct store_control_state *rows;
    size_t n;

    OK(store_control_states(fx->a, NULL, &rows, &n, err));
    assert_int_equal(n, 0);
    OK(store_control_status_set(fx->a, "soc2-cc6.1", "implemented", "SSO everywhere", "usr_1", 100,
                                err));
    OK(store_control_status_set(fx->a, "soc2-cc6.1", "not_applicable", "No users", "usr_2", 200,
                                err));
    OK(store_control_states(fx->a, NULL, &rows, &n, err));
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].status, "not_applicable");
    assert_string_equal(rows[0].reason, "No users");
    assert_string_equal(rows[0].set_by, "usr_2");
    assert_int_equal(rows[0].set_at, 200);
    assert_int_equal(rows[0].evidence_count, 0);
    OK(store_control_states(fx->b, NULL, &rows, &n, err));
    assert_int_equal(n, 0);
    OK(store_control_status_set(fx->a, "soc2-cc6.1", NULL, NULL, "usr_2", 300, err));
    OK(store_control_states(fx->a, NULL, &rows, &n, err));
    assert_int_equal(n, 0);
}

static void
evidence_is_stored_with_its_bytes_and_digest_and_stays_in_its_organization(void **state)
{
    struct fixture *fx = *state;
    static const unsigned char bytes[] = {'%', 'P', 'D', 'F', 0, 0xff, '\n'};
    struct store_evidence note = {.control_id = "pci-dss-6.2.4",
                                  .kind = "note",
                                  .note = "n",
                                  .created_by = "usr_1",
                                  .created_at = 10},
                          file = {.control_id = "pci-dss-6.2.4",
                                  .kind = "file",
                                  .filename = "soa.pdf",
                                  .content_type = "application/pdf",
                                  .created_by = "usr_1",
                                  .created_at = 20},
                          a, b, got, *items;
    struct store_control_state *rows;
    const void *content;
    size_t len, n;
    int64_t total;

    OK(store_evidence_add(fx->a, &note, NULL, 0, &a, err));
    OK(store_evidence_add(fx->a, &file, bytes, sizeof(bytes), &b, err));
    assert_true(str_has_prefix(a.id, "evd_"));
    assert_null(a.sha256);
    assert_int_equal(b.size, sizeof(bytes));
    /* sha256 of the seven bytes, computed by `printf '%%PDF\0\377\n' | sha256sum`. */
    assert_string_equal(b.sha256,
                        "46a683de3a1c47e5c5c7fd82c292619c92ab5793f064138ad1561fb5db1e7bd0");

    OK(store_evidence_get(fx->a, "pci-dss-6.2.4", b.id, &got, &content, &len, err));
    assert_int_equal(len, sizeof(bytes));
    assert_memory_equal(content, bytes, sizeof(bytes));
    assert_string_equal(got.filename, "soa.pdf");
    OK(store_evidence_get(fx->a, "pci-dss-6.2.4", a.id, &got, &content, &len, err));
    assert_null(content);
    assert_string_equal(got.note, "n");

    OK(store_evidence_list(fx->a, "pci-dss-6.2.4", 1, 1, &items, &n, &total, err));
    assert_int_equal(total, 2);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].id, b.id); /* newest first */
    OK(store_evidence_list(fx->a, "pci-dss-6.2.4", 2, 1, &items, &n, &total, err));
    assert_string_equal(items[0].id, a.id);
    OK(store_control_states(fx->a, "pci-dss-6.2.4", &rows, &n, err));
    assert_int_equal(n, 1);
    assert_null(rows[0].status);
    assert_int_equal(rows[0].evidence_count, 2);

    /* Another organization, or another control, does not see it. */
    FAILS(store_evidence_get(fx->b, "pci-dss-6.2.4", b.id, &got, &content, &len, err), NOT_FOUND,
          NULL);
    FAILS(store_evidence_get(fx->a, "soc2-cc6.1", b.id, &got, &content, &len, err), NOT_FOUND,
          NULL);
    FAILS(store_evidence_delete(fx->b, "pci-dss-6.2.4", b.id, err), NOT_FOUND, NULL);
    OK(store_evidence_list(fx->b, "pci-dss-6.2.4", 1, 10, &items, &n, &total, err));
    assert_int_equal(total, 0);

    OK(store_evidence_delete(fx->a, "pci-dss-6.2.4", b.id, err));
    FAILS(store_evidence_delete(fx->a, "pci-dss-6.2.4", b.id, err), NOT_FOUND, NULL);
    OK(store_control_states(fx->a, NULL, &rows, &n, err));
    assert_int_equal(state_of(rows, n, "pci-dss-6.2.4")->evidence_count, 1);
}

static void
the_findings_behind_a_control_are_the_open_ones_most_severe_first(void **state)
{
    struct fixture *fx = *state;
    struct project p = mk_project(fx->a, "p");
    struct finding low = mk_finding(fx->a, p.id, SEVERITY_LOW, "CWE-89", NULL, FINDING_OPEN);
    struct finding crit =
        mk_finding(fx->a, p.id, SEVERITY_CRITICAL, NULL, "A03:2021-Injection", FINDING_CONFIRMED);
    const char *cwes[] = {"CWE-89"}, *owasp[] = {"A03:2021-Injection"};
    struct store_finding_ref *items;
    size_t n;

    mk_finding(fx->a, p.id, SEVERITY_HIGH, "CWE-89", NULL, FINDING_REMEDIATED);
    mk_finding(fx->a, p.id, SEVERITY_HIGH, "CWE-79", NULL, FINDING_OPEN);
    OK(store_control_findings(fx->a, cwes, 1, owasp, 1, NULL, 10, &items, &n, err));
    assert_int_equal(n, 2);
    assert_string_equal(items[0].id, crit.id);
    assert_int_equal(items[0].severity, SEVERITY_CRITICAL);
    assert_string_equal(items[0].status, "confirmed");
    assert_string_equal(items[1].id, low.id);
    OK(store_control_findings(fx->a, cwes, 1, owasp, 1, NULL, 1, &items, &n, err));
    assert_int_equal(n, 1);
    OK(store_control_findings(fx->a, cwes, 1, NULL, 0, NULL, 10, &items, &n, err));
    assert_int_equal(n, 1);
    OK(store_control_findings(fx->a, NULL, 0, NULL, 0, NULL, 10, &items, &n, err));
    assert_int_equal(n, 0);
    OK(store_control_findings(fx->b, cwes, 1, owasp, 1, NULL, 10, &items, &n, err));
    assert_int_equal(n, 0);
}

static void
projects_keep_their_frameworks(void **state)
{
    struct fixture *fx = *state;
    struct project p = mk_project(fx->a, "fw"), got, patch = {0}, out;
    const char *one[] = {"iso27001"};

    OK(store_project_get(fx->a, p.id, &got, err));
    assert_int_equal(got.n_frameworks, 2);
    assert_string_equal(got.frameworks[0], "pci-dss");
    assert_string_equal(got.frameworks[1], "soc2");
    patch.frameworks = one;
    patch.n_frameworks = 1;
    patch.present = PROJECT_F_FRAMEWORKS;
    OK(store_project_update(fx->a, p.id, &patch, &out, err));
    OK(store_project_get(fx->a, p.id, &got, err));
    assert_int_equal(got.n_frameworks, 1);
    assert_string_equal(got.frameworks[0], "iso27001");
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(exposure_groups_open_findings_by_cwe_owasp_and_severity),
        T(manual_statuses_are_set_replaced_and_cleared_per_organization),
        T(evidence_is_stored_with_its_bytes_and_digest_and_stays_in_its_organization),
        T(the_findings_behind_a_control_are_the_open_ones_most_severe_first),
        T(projects_keep_their_frameworks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
