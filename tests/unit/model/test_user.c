/* SPDX-License-Identifier: MIT */
/* The user, service account and audit event codecs, and the scopes each role allows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/jsonw.h"
#include "model/scope.h"
#include "model/audit.h"
#include "model/user.h"

static bool
has_field(const struct err *err, const char *field)
{
    for (int i = 0; i < err->n_fields; i++) {
        if (strcmp(err->fields[i].field, field) == 0)
            return true;
    }
    return false;
}

static void
roles_cap_scopes(void **state)
{
    uint32_t viewer = user_role_scopes(USER_ROLE_VIEWER);
    uint32_t member = user_role_scopes(USER_ROLE_MEMBER);

    (void)state;
    assert_true(viewer & SCOPE(CLIENTS_READ));
    assert_false(viewer & SCOPE(CLIENTS_WRITE));
    assert_false(viewer & SCOPE(ADMIN));
    assert_true(member & SCOPE(FINDINGS_WRITE));
    assert_true(member & SCOPE(CONTROLS_READ));
    assert_false(member & SCOPE(ADMIN));
    assert_int_equal(member, SCOPE_ALL & ~SCOPE(ADMIN));
    assert_int_equal(user_role_scopes(USER_ROLE_ADMIN), SCOPE_ALL);
}

static void
role_names_round_trip(void **state)
{
    enum user_role r;

    (void)state;
    assert_int_equal(user_role_parse("member", &r), 0);
    assert_int_equal(r, USER_ROLE_MEMBER);
    assert_string_equal(user_role_name(USER_ROLE_ADMIN), "admin");
    assert_int_equal(user_role_parse("Admin", &r), -1);
    assert_int_equal(user_role_parse("root", &r), -1);
}

static void
user_create_body_is_checked(void **state)
{
    struct arena *a = arena_new();
    struct user_write w;
    struct err err = {0};
    json_t *body = json_pack("{s:s, s:s, s:s}", "username", "alice@example.com", "role", "viewer",
                             "password", "long enough password");

    (void)state;
    assert_int_equal(user_write_from_json(&w, body, false, a, &err), 0);
    assert_string_equal(w.username, "alice@example.com");
    assert_int_equal(w.role, USER_ROLE_VIEWER);
    assert_true(w.present & USER_SET_PASSWORD);
    json_decref(body);

    body = json_pack("{s:s, s:s, s:s, s:b}", "username", "bad name", "role", "root",
                     "password_hash", "x", "disabled", 1);
    assert_int_equal(user_write_from_json(&w, body, false, a, &err), -1);
    assert_true(has_field(&err, "username"));
    assert_true(has_field(&err, "role"));
    assert_true(has_field(&err, "password_hash"));
    json_decref(body);

    err_clear(&err);
    body = json_pack("{s:s}", "role", "member");
    assert_int_equal(user_write_from_json(&w, body, false, a, &err), -1);
    assert_true(has_field(&err, "username"));
    json_decref(body);
    arena_free(a);
}

static void
user_patch_takes_role_and_disabled_only(void **state)
{
    struct arena *a = arena_new();
    struct user_write w;
    struct err err = {0};
    json_t *body = json_pack("{s:s, s:b}", "role", "admin", "disabled", 1);

    (void)state;
    assert_int_equal(user_write_from_json(&w, body, true, a, &err), 0);
    assert_int_equal(w.present, USER_SET_ROLE | USER_SET_DISABLED);
    assert_true(w.disabled);
    json_decref(body);
    body = json_pack("{s:s}", "username", "x");
    assert_int_equal(user_write_from_json(&w, body, true, a, &err), -1);
    assert_true(has_field(&err, "username"));
    json_decref(body);
    err_clear(&err);
    body = json_pack("{s:s}", "password", "long enough password");
    assert_int_equal(user_write_from_json(&w, body, true, a, &err), -1);
    assert_true(has_field(&err, "password"));
    json_decref(body);
    arena_free(a);
}

static void
encoders_never_write_the_hash(void **state)
{
    struct user u = {.id = "usr_1",
                     .username = "bob",
                     .password_hash = "$argon2id$secret",
                     .role = USER_ROLE_MEMBER,
                     .created_at = 1,
                     .updated_at = 2};
    struct audit_event e = {
        .id = "aud_1", .action = "login.success", .client_addr = "::1", .created_at = 3};
    struct buf b;
    struct jsonw w;
    json_t *v;

    (void)state;
    buf_init(&b, 4096);
    jsonw_init(&w, &b);
    user_to_json(&w, &u);
    assert_null(strstr(buf_str(&b), "argon2"));
    v = json_loads(buf_str(&b), 0, NULL);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "role")), "member");
    assert_true(json_is_false(json_object_get(v, "disabled")));
    json_decref(v);

    buf_reset(&b);
    jsonw_init(&w, &b);
    audit_event_to_json(&w, &e);
    v = json_loads(buf_str(&b), 0, NULL);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "client_address")), "::1");
    assert_true(json_is_null(json_object_get(v, "actor")));
    json_decref(v);
    buf_cleanup(&b);
}

static void
service_account_body_is_checked(void **state)
{
    struct arena *a = arena_new();
    struct service_account s;
    struct err err = {0};
    json_t *body = json_pack("{s:s}", "name", "ci");

    (void)state;
    assert_int_equal(service_account_from_json(&s, body, a, &err), 0);
    assert_int_equal(s.role, USER_ROLE_MEMBER);
    json_decref(body);
    body = json_pack("{s:s, s:s}", "role", "viewer", "id", "svc_x");
    assert_int_equal(service_account_from_json(&s, body, a, &err), -1);
    assert_true(has_field(&err, "name"));
    assert_true(has_field(&err, "id"));
    json_decref(body);
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roles_cap_scopes),
        cmocka_unit_test(role_names_round_trip),
        cmocka_unit_test(user_create_body_is_checked),
        cmocka_unit_test(user_patch_takes_role_and_disabled_only),
        cmocka_unit_test(encoders_never_write_the_hash),
        cmocka_unit_test(service_account_body_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
