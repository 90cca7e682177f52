/* SPDX-License-Identifier: MIT */
/* Secretbox: the key file (created 0600, the same key on every load, refused when others may
 * read it or it holds no key) and sealing (round trip, fresh nonces, any change or another key
 * fails to open). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/secretbox.h"

static char dir[64];
static char path[128];

static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/vigil-secretbox-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/scan-credentials.key", dir);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

static void
key_file_is_created_private_and_loads_the_same_key(void **state)
{
    struct secretbox_key a, b;
    struct err err = {0};
    struct stat st;
    (void)state;

    assert_int_equal(secretbox_key_load_or_create(&a, path, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(secretbox_key_load_or_create(&b, path, &err), 0);
    assert_memory_equal(a.bytes, b.bytes, SECRETBOX_KEY_BYTES);
    secretbox_key_cleanup(&a);
    secretbox_key_cleanup(&b);
}

static void
key_file_readable_by_others_or_without_a_key_is_refused(void **state)
{
    struct secretbox_key k;
    struct err err = {0};
    FILE *f;
    (void)state;

    assert_int_equal(secretbox_key_load_or_create(&k, path, &err), 0);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(secretbox_key_load_or_create(&k, path, &err), -1);
    assert_int_equal(err.code, ERR_INTERNAL);
    assert_non_null(strstr(err.cause, "chmod 600"));
    unlink(path);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("not base64 at all!\n", f);
    fclose(f);
    chmod(path, 0600);
    memset(&err, 0, sizeof(err));
    assert_int_equal(secretbox_key_load_or_create(&k, path, &err), -1);
    assert_non_null(strstr(err.cause, "does not hold"));
}

static void
sealed_values_round_trip_with_fresh_nonces(void **state)
{
    struct secretbox_key k;
    struct err err = {0};
    unsigned char *a, *b;
    size_t na, nb, n;
    char *plain;
    const char *secret = "{\"auth\":{\"type\":\"bearer\",\"token\":\"tok-1234\"}}";
    (void)state;

    assert_int_equal(secretbox_key_load_or_create(&k, path, &err), 0);
    assert_int_equal(secretbox_seal(&k, secret, strlen(secret), &a, &na, &err), 0);
    assert_int_equal(secretbox_seal(&k, secret, strlen(secret), &b, &nb, &err), 0);
    assert_int_equal(na, strlen(secret) + SECRETBOX_OVERHEAD);
    assert_int_equal(na, nb);
    assert_memory_not_equal(a, b, na); /* another nonce, another ciphertext */
    assert_null(memmem(a, na, "tok-1234", 8));
    assert_int_equal(secretbox_open(&k, a, na, &plain, &n, &err), 0);
    assert_int_equal(n, strlen(secret));
    assert_string_equal(plain, secret);
    free(plain);
    free(a);
    free(b);
    secretbox_key_cleanup(&k);
}

static void
altered_or_foreign_values_do_not_open(void **state)
{
    struct secretbox_key k, other;
    struct err err = {0};
    unsigned char *box;
    size_t n, got;
    char *plain = NULL;
    (void)state;

    assert_int_equal(secretbox_key_load_or_create(&k, path, &err), 0);
    assert_int_equal(secretbox_seal(&k, "password", 8, &box, &n, &err), 0);
    for (size_t i = 0; i < n; i++) {
        box[i] ^= 1;
        assert_int_equal(secretbox_open(&k, box, n, &plain, &got, &err), -1);
        assert_null(plain);
        box[i] ^= 1;
    }
    assert_int_equal(secretbox_open(&k, box, n - 1, &plain, &got, &err), -1);
    assert_int_equal(secretbox_open(&k, box, 10, &plain, &got, &err), -1);
    other = k;
    other.bytes[0] ^= 0x80;
    assert_int_equal(secretbox_open(&other, box, n, &plain, &got, &err), -1);
    memset(&other, 0, sizeof(other)); /* not loaded */
    assert_int_equal(secretbox_open(&other, box, n, &plain, &got, &err), -1);
    free(box);
    assert_int_equal(secretbox_seal(&other, "x", 1, &box, &n, &err), -1);
    assert_null(box);
    secretbox_key_cleanup(&k);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(key_file_is_created_private_and_loads_the_same_key, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(key_file_readable_by_others_or_without_a_key_is_refused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(sealed_values_round_trip_with_fresh_nonces, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(altered_or_foreign_values_do_not_open, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
