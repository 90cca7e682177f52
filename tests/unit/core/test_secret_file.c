/* SPDX-License-Identifier: MIT */
/* secret_file_read: the checks every key file passes before a byte of it is used. */
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

#include "core/secret_file.h"

struct dir {
    char path[64];
    char file[96];
    char link[96];
};

static int
setup(void **state)
{
    struct dir *d = calloc(1, sizeof(*d));

    snprintf(d->path, sizeof(d->path), "/tmp/vigil-secret-XXXXXX");
    if (!mkdtemp(d->path))
        return -1;
    snprintf(d->file, sizeof(d->file), "%s/key", d->path);
    snprintf(d->link, sizeof(d->link), "%s/link", d->path);
    *state = d;
    return 0;
}

static int
teardown(void **state)
{
    struct dir *d = *state;

    unlink(d->link);
    unlink(d->file);
    rmdir(d->path);
    free(d);
    return 0;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void
a_private_file_is_read_whole(void **state)
{
    struct dir *d = *state;
    char buf[33];
    size_t len = 99;
    struct err err = {0};

    write_file(d->file, "0123456789abcdef0123456789abcdef", 0600);
    assert_int_equal(secret_file_read(d->file, "test key", false, buf, 32, &len, &err), 0);
    assert_int_equal(len, 32);
    assert_string_equal(buf, "0123456789abcdef0123456789abcdef");
}

static void
a_missing_file_is_1_not_an_error(void **state)
{
    struct dir *d = *state;
    char buf[8];
    size_t len;
    struct err err = {0};

    assert_int_equal(secret_file_read(d->file, "test key", false, buf, 7, &len, &err), 1);
    assert_int_equal(err.code, ERR_OK);
}

static void
refusals_name_the_file_and_the_problem(void **state)
{
    struct dir *d = *state;
    char buf[17], want[160];
    size_t len;
    struct err err = {0};

    write_file(d->file, "secret", 0640);
    assert_int_equal(secret_file_read(d->file, "test key", false, buf, 16, &len, &err), -1);
    assert_int_equal(err.code, ERR_INTERNAL);
    snprintf(want, sizeof(want), "test key %s: group or others may access it (chmod 600)", d->file);
    assert_string_equal(err.cause, want);

    write_file(d->file, "0123456789abcdef0", 0600); /* 17 bytes, 16 allowed */
    memset(&err, 0, sizeof(err));
    assert_int_equal(secret_file_read(d->file, "test key", false, buf, 16, &len, &err), -1);
    assert_non_null(strstr(err.cause, "larger than 16 bytes"));

    memset(&err, 0, sizeof(err));
    assert_int_equal(secret_file_read(d->path, "test key", false, buf, 16, &len, &err), -1);
    assert_non_null(strstr(err.cause, "not a regular file"));
}

static void
links_are_followed_only_when_asked(void **state)
{
    struct dir *d = *state;
    char buf[17];
    size_t len;
    struct err err = {0};

    write_file(d->file, "secret", 0600);
    assert_int_equal(symlink(d->file, d->link), 0);
    assert_int_equal(secret_file_read(d->link, "test key", false, buf, 16, &len, &err), -1);
    assert_non_null(strstr(err.cause, d->link));
    assert_int_equal(secret_file_read(d->link, "test key", true, buf, 16, &len, &err), 0);
    assert_string_equal(buf, "secret");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_private_file_is_read_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(a_missing_file_is_1_not_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(refusals_name_the_file_and_the_problem, setup, teardown),
        cmocka_unit_test_setup_teardown(links_are_followed_only_when_asked, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
