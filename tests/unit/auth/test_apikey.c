/* SPDX-License-Identifier: MIT */
/* API token secrets: shape, checksum, digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "auth/apikey.h"

static void
generated_secrets_are_well_formed_and_distinct(void **state)
{
    char a[APIKEY_LEN + 1], b[APIKEY_LEN + 1];
    (void)state;

    apikey_generate(a);
    apikey_generate(b);
    assert_int_equal(strlen(a), APIKEY_LEN);
    assert_memory_equal(a, "vgl_live_", 9);
    assert_true(apikey_well_formed(a, strlen(a)));
    assert_string_not_equal(a, b);
}

static void
any_changed_character_breaks_the_checksum(void **state)
{
    char a[APIKEY_LEN + 1];
    (void)state;

    apikey_generate(a);
    for (size_t i = APIKEY_PREFIX_LEN; i < APIKEY_LEN; i++) {
        char saved = a[i];

        a[i] = saved == 'x' ? 'y' : 'x';
        assert_false(apikey_well_formed(a, APIKEY_LEN));
        a[i] = saved;
    }
    assert_true(apikey_well_formed(a, APIKEY_LEN));
}

static void
wrong_shapes_are_rejected(void **state)
{
    char a[APIKEY_LEN + 1];
    (void)state;

    apikey_generate(a);
    assert_false(apikey_well_formed("", 0));
    assert_false(apikey_well_formed(a, APIKEY_LEN - 1));
    a[0] = 'V';
    assert_false(apikey_well_formed(a, APIKEY_LEN));
    assert_false(apikey_well_formed("vgl_live_' OR 1=1--", 19));
}

static void
digest_is_sha256(void **state)
{
    unsigned char d[APIKEY_DIGEST_LEN];
    char hex[65];
    (void)state;

    apikey_digest("abc", 3, d);
    apikey_digest_hex(d, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generated_secrets_are_well_formed_and_distinct),
        cmocka_unit_test(any_changed_character_breaks_the_checksum),
        cmocka_unit_test(wrong_shapes_are_rejected),
        cmocka_unit_test(digest_is_sha256),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
