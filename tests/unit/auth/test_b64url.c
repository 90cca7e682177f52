/* SPDX-License-Identifier: MIT */
/* Unit tests for auth/b64url.c: unpadded base64url of every remainder, the URL alphabet only,
 * impossible lengths refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "auth/b64url.h"

static void
decodes_unpadded_url_alphabet(void **state)
{
    unsigned char out[32];

    (void)state;
    assert_int_equal(auth_b64url_decode("", 0, out), 0);
    assert_int_equal(auth_b64url_decode("YQ", 2, out), 1);
    assert_memory_equal(out, "a", 1);
    assert_int_equal(auth_b64url_decode("YWI", 3, out), 2);
    assert_memory_equal(out, "ab", 2);
    assert_int_equal(auth_b64url_decode("YWJj", 4, out), 3);
    assert_memory_equal(out, "abc", 3);
    assert_int_equal(auth_b64url_decode("-_8", 3, out), 2); /* 0xfb 0xff: the URL alphabet */
    assert_int_equal(out[0], 0xfb);
    assert_int_equal(out[1], 0xff);
}

static void
refuses_other_alphabets_and_lengths(void **state)
{
    unsigned char out[32];

    (void)state;
    assert_int_equal(auth_b64url_decode("+/8", 3, out), -1);   /* standard alphabet */
    assert_int_equal(auth_b64url_decode("YQ==", 4, out), -1);  /* padded */
    assert_int_equal(auth_b64url_decode("YWJjZ", 5, out), -1); /* n % 4 == 1 */
    assert_int_equal(auth_b64url_decode("Y Q", 3, out), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_unpadded_url_alphabet),
        cmocka_unit_test(refuses_other_alphabets_and_lengths),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
