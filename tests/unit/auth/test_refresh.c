/* SPDX-License-Identifier: MIT */
/* Refresh tokens: shape, checksum, digest, and the rotation verdicts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "auth/refresh.h"
#include "core/id.h"

#define NOW 1767225600LL

static void
generated_tokens_are_well_formed_and_distinct(void **state)
{
    char a[REFRESH_LEN + 1], b[REFRESH_LEN + 1];
    (void)state;

    refresh_generate(a);
    refresh_generate(b);
    assert_int_equal(strlen(a), 56);
    assert_memory_equal(a, "vgl_rt_", 7);
    assert_true(refresh_well_formed(a, strlen(a)));
    assert_string_not_equal(a, b);
}

static void
any_changed_character_breaks_the_checksum(void **state)
{
    char a[REFRESH_LEN + 1];
    (void)state;

    refresh_generate(a);
    for (size_t i = 0; i < REFRESH_LEN; i++) {
        char saved = a[i];

        a[i] = saved == 'x' ? 'y' : 'x';
        assert_false(refresh_well_formed(a, REFRESH_LEN));
        a[i] = saved;
    }
    assert_true(refresh_well_formed(a, REFRESH_LEN));
}

static void
other_shapes_are_rejected(void **state)
{
    char a[REFRESH_LEN + 1], api[REFRESH_LEN + 3];
    (void)state;

    refresh_generate(a);
    assert_false(refresh_well_formed(NULL, 0));
    assert_false(refresh_well_formed("", 0));
    assert_false(refresh_well_formed(a, REFRESH_LEN - 1));
    /* An API key is not a refresh token, whatever its length. */
    memcpy(api, "vgl_live_", 9);
    memcpy(api + 9, a + 7, REFRESH_LEN - 7);
    assert_false(refresh_well_formed(api, REFRESH_LEN));
    /* A non-base62 character with a recomputed checksum is still refused. */
    a[10] = '-';
    assert_false(refresh_well_formed(a, REFRESH_LEN));
}

static void
digest_is_sha256_hex(void **state)
{
    unsigned char d[REFRESH_DIGEST_LEN];
    char hex[65];
    (void)state;

    refresh_digest("abc", 3, d);
    refresh_digest_hex(d, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
family_ids_have_their_prefix(void **state)
{
    char id[ID_MAX];
    (void)state;

    refresh_family_id(id, sizeof(id));
    assert_true(id_is_valid(id, "rtf_"));
}

static void
verdicts_follow_the_rotation_rules(void **state)
{
    struct refresh_record r = {.expires_at = NOW + 100, .family_expires_at = NOW + 1000};
    struct err err = {0};
    (void)state;

    assert_int_equal(refresh_judge(&r, NOW), REFRESH_OK);
    assert_int_equal(refresh_verdict_err(REFRESH_OK, &err), 0);
    assert_int_equal(err.code, ERR_OK);

    assert_int_equal(refresh_judge(&r, NOW + 100), REFRESH_EXPIRED);
    r.expires_at = NOW + 5000;
    assert_int_equal(refresh_judge(&r, NOW + 1000), REFRESH_EXPIRED); /* the family ended */

    r.used_at = NOW - 1;
    assert_int_equal(refresh_judge(&r, NOW), REFRESH_REUSED);
    assert_int_equal(refresh_judge(&r, NOW + 2000), REFRESH_REUSED); /* reuse beats expiry */
    r.family_revoked_at = NOW - 1;
    assert_int_equal(refresh_judge(&r, NOW), REFRESH_REVOKED);
    r.used_at = 0;
    assert_int_equal(refresh_judge(&r, NOW), REFRESH_REVOKED);

    assert_int_equal(refresh_verdict_err(REFRESH_REUSED, &err), -1);
    assert_int_equal(err.code, ERR_UNAUTHORIZED);
    assert_string_equal(err.detail, "refresh token reused: the session has been revoked");
    err_clear(&err);
    assert_int_equal(refresh_verdict_err(REFRESH_EXPIRED, &err), -1);
    assert_string_equal(err.detail, "refresh token expired");
    err_clear(&err);
    assert_int_equal(refresh_verdict_err(REFRESH_REVOKED, &err), -1);
    assert_string_equal(err.detail, "refresh token revoked");
}

static void
next_expiry_never_passes_the_family_end(void **state)
{
    (void)state;

    assert_int_equal(refresh_next_expiry(NOW + REFRESH_FAMILY_TTL, NOW), NOW + REFRESH_TTL);
    assert_int_equal(refresh_next_expiry(NOW + 10, NOW), NOW + 10);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generated_tokens_are_well_formed_and_distinct),
        cmocka_unit_test(any_changed_character_breaks_the_checksum),
        cmocka_unit_test(other_shapes_are_rejected),
        cmocka_unit_test(digest_is_sha256_hex),
        cmocka_unit_test(family_ids_have_their_prefix),
        cmocka_unit_test(verdicts_follow_the_rotation_rules),
        cmocka_unit_test(next_expiry_never_passes_the_family_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
