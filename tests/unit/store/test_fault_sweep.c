/* SPDX-License-Identifier: MIT */
/* The fault sweep (issue 10): for every write operation of the store, fail its 1st counted call
 * (a transaction begun or a statement stepped), then its 2nd, and so on until it succeeds. Each
 * failure must be a clean INTERNAL error and leave the database exactly as it was: no row
 * added, removed or touched. Engine-neutral: runs on SQLite and, with VIGIL_TEST_DATABASE_URL,
 * on PostgreSQL.
 *
 * "Touched" is seen through the clock: it is moved forward before every attempt, so any write
 * that stamps a row (updated_at, revoked_at, used_at...) raises that table's maximum. */
#include "unit/store/store_fixture.h"

#include "core/clock.h"
#include "core/id.h"
#include "store/store_int.h"

#define SWEEP_MAX 400 /* counted calls one operation may make before the sweep gives up */

/* What a table's state is summed up by: its row count and the latest stamp it carries. */
static const char *const table_state_sql[] = {
    "SELECT count(*), coalesce(max(updated_at), 0) FROM clients",
    "SELECT count(*), coalesce(max(updated_at), 0) FROM projects",
    "SELECT count(*), coalesce(max(updated_at), 0) FROM assets",
    "SELECT count(*), coalesce(max(updated_at), 0) FROM findings",
    "SELECT count(*), 0 FROM finding_history",
    "SELECT count(*), coalesce(max(updated_at), 0) FROM users",
    "SELECT count(*), coalesce(max(updated_at), 0) FROM service_accounts",
    "SELECT count(*), coalesce(max(revoked_at), 0) FROM api_tokens",
    "SELECT count(*), coalesce(max(revoked_at), 0) FROM refresh_families",
    "SELECT count(*), coalesce(max(used_at), 0) FROM refresh_tokens",
    "SELECT count(*), coalesce(max(used_at), 0) FROM password_tokens",
    "SELECT count(*), 0 FROM audit_events",
    "SELECT count(*), coalesce(max(updated_at), 0) FROM jobs",
    "SELECT count(*), coalesce(max(updated_at), 0) FROM scans",
    "SELECT count(*), 0 FROM finding_imports",
    "SELECT count(*), 0 FROM idempotency_keys",
    "SELECT count(*), coalesce(max(updated_at), 0) FROM webhooks",
    "SELECT count(*), 0 FROM webhook_events",
    "SELECT count(*), coalesce(max(updated_at), 0) FROM webhook_deliveries",
    "SELECT count(*), 0 FROM project_reports",
};
#define N_TABLES (sizeof(table_state_sql) / sizeof(table_state_sql[0]))

struct db_state {
    int64_t rows[N_TABLES], stamp[N_TABLES];
};

static void
read_state(struct fixture *fx, struct db_state *out)
{
    struct err err = {0};
    struct conn *c = conn_acquire(fx->store, &err);

    assert_non_null(c);
    for (size_t i = 0; i < N_TABLES; i++) {
        struct stmt *st = stmt_get(c, table_state_sql[i], &err);

        if (!st)
            fail_msg("%s: %s", table_state_sql[i], err.cause);
        assert_int_equal(stmt_step(st), ST_ROW);
        out->rows[i] = col_int(st, 0);
        out->stamp[i] = col_int(st, 1);
        stmt_reset(st);
    }
    conn_release(fx->store, c);
}

static void
assert_same_state(const struct db_state *before, const struct db_state *after, const char *op,
                  long n)
{
    for (size_t i = 0; i < N_TABLES; i++) {
        if (before->rows[i] != after->rows[i] || before->stamp[i] != after->stamp[i])
            fail_msg("%s failed at call %ld but changed the database: %s gave %lld/%lld, "
                     "then %lld/%lld",
                     op, n, table_state_sql[i], (long long)before->rows[i],
                     (long long)before->stamp[i], (long long)after->rows[i],
                     (long long)after->stamp[i]);
    }
}

/* ---- The operations ------------------------------------------------------------------------ *
 * prepare (may be NULL) makes what the operation needs, unarmed; run is the operation. */

struct ctx {
    struct fixture *fx;
    struct client client;
    struct project project;
    struct asset asset;
    struct finding finding;
    struct webhook hook;
    struct user user;
    struct service_account svc;
    struct api_token token;
    struct store_scan scan;
    unsigned char digest[STORE_SECRET_DIGEST_LEN];
};

static int serial; /* makes every name and digest of the run unique */

static void
must(int rc, struct err *err, const char *what)
{
    if (rc)
        fail_msg("preparing %s: %s %s", what, err->detail, err->cause);
}

static void
new_digest(unsigned char *out)
{
    memset(out, 0, STORE_SECRET_DIGEST_LEN);
    snprintf((char *)out, STORE_SECRET_DIGEST_LEN, "digest-%d", ++serial);
}

static const char *
unique(struct ctx *x, const char *prefix)
{
    char name[64];

    snprintf(name, sizeof(name), "%s-%d", prefix, ++serial);
    return arena_strdup(x->fx->arena, name);
}

static void
prep_client(struct ctx *x)
{
    struct client in = {.name = unique(x, "client"), .present = CLIENT_F_ALL};
    struct err err = {0};

    must(store_client_create(x->fx->a, &in, &x->client, &err), &err, "client");
}

static void
prep_project(struct ctx *x)
{
    struct project in = {.name = unique(x, "project"), .present = PROJECT_F_ALL};
    struct err err = {0};

    must(store_project_create(x->fx->a, &in, &x->project, &err), &err, "project");
}

static void
prep_asset(struct ctx *x)
{
    const char *tags[] = {"prod"};
    struct asset in = {.project_id = x->project.id,
                       .type = ASSET_API,
                       .value = unique(x, "https://api.example.test/v"),
                       .tags = tags,
                       .n_tags = 1,
                       .criticality = CRITICALITY_HIGH,
                       .present = ASSET_F_ALL};
    struct err err = {0};

    prep_project(x);
    in.project_id = x->project.id;
    must(store_asset_create(x->fx->a, &in, &x->asset, &err), &err, "asset");
}

static struct finding
finding_in(struct ctx *x)
{
    struct finding in = {.project_id = x->project.id,
                         .title = unique(x, "SQL injection in /search"),
                         .severity = SEVERITY_HIGH,
                         .confidence = CONFIDENCE_HIGH,
                         .cvss_score = 8.1,
                         .cwe = "CWE-89",
                         .endpoint = "GET /search",
                         .present = FINDING_F_ALL};
    return in;
}

static void
prep_finding(struct ctx *x)
{
    struct finding in;
    struct err err = {0};

    prep_project(x);
    in = finding_in(x);
    must(store_finding_create(x->fx->a, &in, &x->finding, &err), &err, "finding");
}

static void
prep_user(struct ctx *x)
{
    struct user in = {.org_id = x->fx->org_a.id,
                      .username = unique(x, "user"),
                      .role = USER_ROLE_MEMBER,
                      .password_hash = "$argon2id$fake"};
    struct err err = {0};

    must(store_user_create(x->fx->a, &in, &x->user, &err), &err, "user");
}

static void
prep_svc(struct ctx *x)
{
    struct service_account in = {.org_id = x->fx->org_a.id,
                                 .name = unique(x, "ci"),
                                 .role = USER_ROLE_MEMBER,
                                 .created_by = "system"};
    struct err err = {0};

    must(store_service_account_create(x->fx->a, &in, &x->svc, &err), &err, "service account");
}

static struct api_token
token_in(struct ctx *x)
{
    struct api_token t = {.org_id = x->fx->org_a.id,
                          .name = unique(x, "token"),
                          .scopes = 1,
                          .token_prefix = "vgl_live_swee",
                          .created_at = clock_now(),
                          .created_by = "system"};

    t.id = id_new(x->fx->arena, "tok_");
    new_digest(t.digest);
    return t;
}

static void
prep_token(struct ctx *x)
{
    struct err err = {0};

    x->token = token_in(x);
    must(store_token_insert(x->fx->a, &x->token, &err), &err, "token");
}

static void
prep_refresh(struct ctx *x)
{
    struct err err = {0};
    int64_t now = clock_now();

    prep_user(x);
    new_digest(x->digest);
    must(store_refresh_family_create(x->fx->a, x->user.id, unique(x, "rtf_sweep"), now + 3600,
                                     x->digest, now + 600, now, &err),
         &err, "refresh family");
}

static void
prep_password_token(struct ctx *x)
{
    struct err err = {0};
    int64_t now = clock_now();

    prep_user(x);
    new_digest(x->digest);
    must(store_password_token_create(x->fx->a, x->user.id, x->digest, now + 600, now, &err), &err,
         "password token");
}

static void
prep_scan(struct ctx *x)
{
    struct store_scan in = {.target = "http://127.0.0.1:9", .request = "{\"spec\":\"x\"}"};
    struct err err = {0};

    must(store_scan_create(x->fx->a, &in, 1, &x->scan, &err), &err, "scan");
}

static void
prep_hook(struct ctx *x)
{
    static const char *const all[] = {"*"};
    struct webhook in = {.url = "http://127.0.0.1:9/hook",
                         .events = (const char **)all,
                         .n_events = 1,
                         .secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                         .active = true};
    struct err err = {0};

    must(store_webhook_create(x->fx->a, &in, &x->hook, &err), &err, "webhook");
}

static int
op_client_create(struct ctx *x, struct err *err)
{
    struct client in = {.name = unique(x, "new client"), .present = CLIENT_F_ALL}, out;

    return store_client_create(x->fx->a, &in, &out, err);
}

static int
op_client_update(struct ctx *x, struct err *err)
{
    struct client in = {.name = unique(x, "renamed"), .present = CLIENT_F_NAME}, out;

    return store_client_update(x->fx->a, x->client.id, &in, &out, err);
}

static int
op_client_delete(struct ctx *x, struct err *err)
{
    return store_client_delete(x->fx->a, x->client.id, err);
}

static int
op_project_create(struct ctx *x, struct err *err)
{
    struct project in = {.name = unique(x, "new project"), .present = PROJECT_F_ALL}, out;

    return store_project_create(x->fx->a, &in, &out, err);
}

static int
op_project_update(struct ctx *x, struct err *err)
{
    struct project in = {.name = unique(x, "renamed"), .present = PROJECT_F_NAME}, out;

    return store_project_update(x->fx->a, x->project.id, &in, &out, err);
}

static int
op_project_delete(struct ctx *x, struct err *err)
{
    return store_project_delete(x->fx->a, x->project.id, err);
}

static int
op_asset_create(struct ctx *x, struct err *err)
{
    struct asset in = {.project_id = x->project.id,
                       .type = ASSET_DOMAIN,
                       .value = unique(x, "host"),
                       .present = ASSET_F_ALL},
                 out;

    return store_asset_create(x->fx->a, &in, &out, err);
}

static int
op_asset_update(struct ctx *x, struct err *err)
{
    struct asset in = {.criticality = CRITICALITY_LOW, .present = ASSET_F_CRITICALITY}, out;

    return store_asset_update(x->fx->a, x->asset.id, &in, &out, err);
}

static int
op_asset_delete(struct ctx *x, struct err *err)
{
    return store_asset_delete(x->fx->a, x->asset.id, err);
}

static int
op_finding_create(struct ctx *x, struct err *err)
{
    struct finding in = finding_in(x), out;

    return store_finding_create(x->fx->a, &in, &out, err);
}

static int
op_finding_update(struct ctx *x, struct err *err)
{
    struct finding in = {.status = FINDING_CONFIRMED, .present = FINDING_F_STATUS}, out;

    return store_finding_update(x->fx->a, x->finding.id, &in, &out, err);
}

static int
op_finding_delete(struct ctx *x, struct err *err)
{
    return store_finding_delete(x->fx->a, x->finding.id, err);
}

static int
op_finding_record(struct ctx *x, struct err *err)
{
    struct finding in = finding_in(x), out;
    bool created;

    in.title = x->finding.title; /* the same finding again: updates last_seen */
    return store_finding_record(x->fx->a, &in, &out, &created, err);
}

static int
op_findings_ingest(struct ctx *x, struct err *err)
{
    struct finding items[3];
    struct store_ingest in = {.project_id = x->project.id, .source = "trivy", .complete = true};
    struct store_ingest_result r;

    for (int i = 0; i < 3; i++) {
        items[i] = (struct finding){.title = unique(x, "imported"),
                                    .severity = SEVERITY_MEDIUM,
                                    .cvss_score = -1,
                                    .check_id = "rule-1"};
        items[i].fingerprint = unique(x, "fp");
    }
    in.items = items;
    in.n_items = 3;
    return store_findings_ingest(x->fx->a, &in, &r, err);
}

static int
op_scan_create(struct ctx *x, struct err *err)
{
    struct store_scan in = {.target = "http://127.0.0.1:9", .request = "{\"spec\":\"x\"}"}, out;

    return store_scan_create(x->fx->a, &in, 1, &out, err);
}

static int
op_scan_cancel(struct ctx *x, struct err *err)
{
    bool was_running;

    return store_scan_cancel(x->fx->a, x->scan.id, &was_running, err);
}

static int
op_webhook_create(struct ctx *x, struct err *err)
{
    static const char *const events[] = {"finding.created"};
    struct webhook in = {.url = "http://127.0.0.1:9/other",
                         .events = (const char **)events,
                         .n_events = 1,
                         .secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                         .active = true},
                   out;

    return store_webhook_create(x->fx->a, &in, &out, err);
}

static int
op_webhook_update(struct ctx *x, struct err *err)
{
    struct webhook in = {.description = unique(x, "described"), .present = WEBHOOK_F_DESCRIPTION},
                   out;

    return store_webhook_update(x->fx->a, x->hook.id, &in, &out, err);
}

static int
op_webhook_rotate(struct ctx *x, struct err *err)
{
    struct webhook out;

    return store_webhook_rotate(x->fx->a, x->hook.id, "whsec_NewSecretNewSecretNewSecretNewS",
                                clock_now() + 3600, &out, err);
}

static int
op_webhook_delete(struct ctx *x, struct err *err)
{
    return store_webhook_delete(x->fx->a, x->hook.id, err);
}

static int
op_user_create(struct ctx *x, struct err *err)
{
    struct user in = {.org_id = x->fx->org_a.id,
                      .username = unique(x, "newuser"),
                      .role = USER_ROLE_VIEWER,
                      .password_hash = "$argon2id$fake"},
                out;

    return store_user_create(x->fx->a, &in, &out, err);
}

static int
op_user_disable(struct ctx *x, struct err *err)
{
    struct user_write w = {.disabled = true, .present = USER_SET_DISABLED};
    struct user out;
    enum user_role old_role;

    return store_user_update(x->fx->a, x->user.id, &w, &out, &old_role, err);
}

static int
op_user_set_password(struct ctx *x, struct err *err)
{
    return store_user_set_password(x->fx->a, x->user.id, "$argon2id$new", err);
}

static int
op_user_delete(struct ctx *x, struct err *err)
{
    return store_user_delete(x->fx->a, x->user.id, err);
}

static int
op_svc_create(struct ctx *x, struct err *err)
{
    struct service_account in = {.org_id = x->fx->org_a.id,
                                 .name = unique(x, "deploy"),
                                 .role = USER_ROLE_MEMBER,
                                 .created_by = "system"},
                           out;

    return store_service_account_create(x->fx->a, &in, &out, err);
}

static int
op_svc_delete(struct ctx *x, struct err *err)
{
    return store_service_account_delete(x->fx->a, x->svc.id, err);
}

static int
op_token_insert(struct ctx *x, struct err *err)
{
    struct api_token t = token_in(x);

    return store_token_insert(x->fx->a, &t, err);
}

static int
op_token_revoke(struct ctx *x, struct err *err)
{
    return store_token_revoke(x->fx->a, x->token.id, clock_now(), err);
}

static int
op_refresh_create(struct ctx *x, struct err *err)
{
    unsigned char d[STORE_SECRET_DIGEST_LEN];
    int64_t now = clock_now();

    new_digest(d);
    return store_refresh_family_create(x->fx->a, x->user.id, unique(x, "rtf_new"), now + 3600, d,
                                       now + 600, now, err);
}

static int
op_refresh_rotate(struct ctx *x, struct err *err)
{
    unsigned char next[STORE_SECRET_DIGEST_LEN];
    int64_t now = clock_now();

    new_digest(next);
    return store_refresh_rotate(x->fx->store, x->digest, next, now + 600, now, err);
}

static int
op_password_consume(struct ctx *x, struct err *err)
{
    struct user u;

    return store_password_token_consume(x->fx->store, x->digest, "$argon2id$chosen", clock_now(),
                                        x->fx->arena, &u, err);
}

static int
op_audit_record(struct ctx *x, struct err *err)
{
    struct audit_event e = {.org_id = x->fx->org_a.id,
                            .actor = "system",
                            .action = "user.created",
                            .target = unique(x, "usr_x")};

    return store_audit_record(x->fx->a, &e, err);
}

static struct store_idem_scope
idem_scope(const char *key)
{
    struct store_idem_scope scope = {
        .principal = "tok_sweep", .method = "POST", .route = "/api/v1/clients", .key = key};
    return scope;
}

static const char *idem_key; /* the key prep_idem began */

static void
prep_idem(struct ctx *x)
{
    struct store_idem_scope scope = idem_scope(unique(x, "key"));
    struct store_idem_reply reply = {0};
    enum store_idem_state state;
    struct err err = {0};

    must(store_idem_begin(x->fx->a, &scope, "hash", clock_now(), &state, &reply, &err), &err,
         "idempotency key");
    idem_key = scope.key;
}

static int
op_idem_begin(struct ctx *x, struct err *err)
{
    struct store_idem_scope scope = idem_scope(unique(x, "key"));
    struct store_idem_reply reply = {0};
    enum store_idem_state state;

    return store_idem_begin(x->fx->a, &scope, "hash", clock_now(), &state, &reply, err);
}

static int
op_idem_finish(struct ctx *x, struct err *err)
{
    struct store_idem_scope scope = idem_scope(idem_key);
    struct store_idem_reply answer = {
        .status = 201, .content_type = "application/json", .body = "{}", .len = 2};

    return store_idem_finish(x->fx->a, &scope, &answer, false, err);
}

static int
op_report_create(struct ctx *x, struct err *err)
{
    struct store_report out;

    return store_report_create(x->fx->a, x->project.id, "markdown", "Sweep", "{}", 1, clock_now(),
                               &out, err);
}

struct op {
    const char *name;
    void (*prepare)(struct ctx *x);
    int (*run)(struct ctx *x, struct err *err);
};

static const struct op ops[] = {
    {"client create", NULL, op_client_create},
    {"client update", prep_client, op_client_update},
    {"client delete", prep_client, op_client_delete},
    {"project create", NULL, op_project_create},
    {"project update", prep_project, op_project_update},
    {"project delete", prep_project, op_project_delete},
    {"asset create", prep_project, op_asset_create},
    {"asset update", prep_asset, op_asset_update},
    {"asset delete", prep_asset, op_asset_delete},
    {"finding create", prep_project, op_finding_create},
    {"finding update", prep_finding, op_finding_update},
    {"finding delete", prep_finding, op_finding_delete},
    {"finding record", prep_finding, op_finding_record},
    {"findings ingest", prep_project, op_findings_ingest},
    {"scan create", NULL, op_scan_create},
    {"scan cancel", prep_scan, op_scan_cancel},
    {"webhook create", NULL, op_webhook_create},
    {"webhook update", prep_hook, op_webhook_update},
    {"webhook rotate", prep_hook, op_webhook_rotate},
    {"webhook delete", prep_hook, op_webhook_delete},
    {"user create", NULL, op_user_create},
    {"user disable", prep_user, op_user_disable},
    {"user set password", prep_user, op_user_set_password},
    {"user delete", prep_user, op_user_delete},
    {"service account create", NULL, op_svc_create},
    {"service account delete", prep_svc, op_svc_delete},
    {"token insert", NULL, op_token_insert},
    {"token revoke", prep_token, op_token_revoke},
    {"refresh family create", prep_user, op_refresh_create},
    {"refresh rotate", prep_refresh, op_refresh_rotate},
    {"password token consume", prep_password_token, op_password_consume},
    {"audit record", NULL, op_audit_record},
    {"idempotency key begin", NULL, op_idem_begin},
    {"idempotency key finish", prep_idem, op_idem_finish},
    {"report create", prep_project, op_report_create},
};

/* Sweeps one operation; returns how many failing calls it survived. */
static long
sweep(struct fixture *fx, const struct op *op)
{
    struct ctx x = {.fx = fx};

    for (long n = 1; n <= SWEEP_MAX; n++) {
        struct db_state before, after;
        struct err err = {0};
        int rc;

        if (op->prepare)
            op->prepare(&x);
        clock_test_advance(100); /* any stamp this attempt writes is a new maximum */
        read_state(fx, &before);
        store_fault_arm(n);
        rc = op->run(&x, &err);
        store_fault_disarm();
        if (rc == 0)
            return n - 1;
        if (err.code != ERR_INTERNAL || !err.detail[0])
            fail_msg("%s failed at call %ld with %s (%s), not a clean INTERNAL", op->name, n,
                     err_code_name(err.code), err.cause);
        read_state(fx, &after);
        assert_same_state(&before, &after, op->name, n);
    }
    fail_msg("%s still failing after %d injected faults", op->name, SWEEP_MAX);
    return -1;
}

static void
every_write_fails_cleanly_at_every_call(void **state)
{
    struct fixture *fx = *state;
    struct ctx x = {.fx = fx};
    long total = 0;

    prep_hook(&x); /* an endpoint that subscribes to every event: writes also queue events */
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        long survived = sweep(fx, &ops[i]);

        /* Every operation has at least its transaction and one statement to fail. */
        if (survived < 2)
            fail_msg("%s: only %ld calls could be failed", ops[i].name, survived);
        total += survived;
    }
    print_message("fault sweep: %zu operations, %ld injected faults, each clean\n",
                  sizeof(ops) / sizeof(ops[0]), total);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_write_fails_cleanly_at_every_call, fixture_setup,
                                        fixture_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
