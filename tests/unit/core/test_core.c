/* SPDX-License-Identifier: MIT */
/* Unit tests for core/: arena, buf, jsonw (round-tripped through jansson), clock, id, str. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/id.h"
#include "core/jsonw.h"
#include "core/str.h"

static int deferred_calls;

static void
count_deferred(void *p)
{
    (void)p;
    deferred_calls++;
}

static void
arena_allocations_are_zeroed_aligned_and_freed_with_cleanups(void **state)
{
    struct arena *a = arena_new();
    (void)state;

    deferred_calls = 0;
    for (int i = 0; i < 1000; i++) {
        unsigned char *p = arena_alloc(a, (size_t)i * 7 + 1);

        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        for (int k = 0; k < i * 7 + 1; k++)
            assert_int_equal(p[k], 0);
        memset(p, 0xAB, (size_t)i * 7 + 1);
    }
    void *big = arena_alloc(a, 1 << 20);
    assert_non_null(big);
    assert_string_equal(arena_printf(a, "%s-%d", "x", 42), "x-42");
    arena_defer(a, count_deferred, NULL);
    arena_defer(a, count_deferred, NULL);
    arena_free(a);
    assert_int_equal(deferred_calls, 2);
    arena_free(NULL);
}

static void
buf_refuses_appends_past_its_cap(void **state)
{
    struct buf b;
    (void)state;

    buf_init(&b, 10);
    assert_int_equal(buf_puts(&b, "0123456789"), 0);
    assert_int_equal(buf_putc(&b, 'x'), -1);
    assert_true(b.overflow);
    assert_int_equal(b.len, 10);
    assert_string_equal(buf_str(&b), "0123456789");
    buf_cleanup(&b);
}

static void
jsonw_output_round_trips_through_jansson(void **state)
{
    struct buf b;
    struct jsonw w;
    json_error_t jerr;
    json_t *root;
    const char weird[] = "quote\" back\\ nl\n ctl\x01 bad\xff utf8 \xc3\xa9 end";
    (void)state;

    buf_init(&b, BUF_UNLIMITED);
    jsonw_init(&w, &b);
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "s", weird);
    jsonw_kint(&w, "i", -42);
    jsonw_kdouble(&w, "d", 7.5);
    jsonw_kdouble(&w, "ms", 6.578);
    jsonw_kdouble(&w, "third", 1.0 / 3.0);
    jsonw_kbool(&w, "t", true);
    jsonw_knull(&w, "n");
    jsonw_key(&w, "a");
    jsonw_arr_open(&w);
    jsonw_int(&w, 1);
    jsonw_obj_open(&w);
    jsonw_obj_close(&w);
    jsonw_arr_open(&w);
    jsonw_arr_close(&w);
    jsonw_str(&w, NULL);
    jsonw_arr_close(&w);
    jsonw_obj_close(&w);

    root = json_loads(buf_str(&b), JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "s")),
                        "quote\" back\\ nl\n ctl\x01 bad\xef\xbf\xbd utf8 \xc3\xa9 end");
    assert_int_equal(json_integer_value(json_object_get(root, "i")), -42);
    assert_true(json_real_value(json_object_get(root, "d")) == 7.5);
    assert_true(json_real_value(json_object_get(root, "third")) == 1.0 / 3.0);
    assert_non_null(strstr(buf_str(&b), "\"ms\":6.578,"));
    assert_true(json_is_true(json_object_get(root, "t")));
    assert_true(json_is_null(json_object_get(root, "n")));
    assert_int_equal(json_array_size(json_object_get(root, "a")), 4);
    json_decref(root);
    buf_cleanup(&b);
}

static void
clock_parses_strict_rfc3339(void **state)
{
    int64_t t;
    char out[32];
    (void)state;

    assert_int_equal(clock_parse_rfc3339("2026-01-15T10:30:00Z", &t), 0);
    assert_string_equal(clock_format_rfc3339(t, out, sizeof(out)), "2026-01-15T10:30:00Z");
    assert_int_equal(clock_parse_rfc3339("2026-01-15T12:30:00.5+02:00", &t), 0);
    assert_string_equal(clock_format_rfc3339(t, out, sizeof(out)), "2026-01-15T10:30:00Z");
    assert_int_equal(clock_parse_rfc3339("2026-02-30T00:00:00Z", &t), -1);
    assert_int_equal(clock_parse_rfc3339("2026-01-15", &t), -1);
    assert_int_equal(clock_parse_rfc3339("2026-01-15T10:30:00", &t), -1);
    assert_int_equal(clock_parse_rfc3339("yesterday", &t), -1);
    assert_int_equal(clock_parse_rfc3339("2026-01-15T10:30:00Zjunk", &t), -1);
    assert_int_equal(clock_parse_date("2024-02-29", &t), 0);
    assert_int_equal(clock_parse_date("2023-02-29", &t), -1);
}

static void
ids_have_prefix_and_are_validated(void **state)
{
    struct arena *a = arena_new();
    char *id = id_new(a, "find_");
    (void)state;

    assert_int_equal(strlen(id), 5 + ID_RANDOM_CHARS);
    assert_true(id_is_valid(id, "find_"));
    assert_false(id_is_valid(id, "proj_"));
    assert_false(id_is_valid("find_../../etc/passwd", "find_"));
    assert_false(id_is_valid("find_", "find_"));
    assert_string_not_equal(id, id_new(a, "find_"));
    arena_free(a);
}

static void
base62_alphabet_and_digits_agree(void **state)
{
    (void)state;
    assert_int_equal(strlen(ID_BASE62), 62);
    for (size_t i = 0; i < 62; i++)
        assert_true(id_is_base62(ID_BASE62[i]));
    for (int c = 1; c < 256; c++)
        assert_int_equal(id_is_base62((char)c), strchr(ID_BASE62, c) != NULL);
}

static void
str_hex_digit_reads_either_case_only(void **state)
{
    (void)state;
    assert_int_equal(str_hex_digit('0'), 0);
    assert_int_equal(str_hex_digit('9'), 9);
    assert_int_equal(str_hex_digit('a'), 10);
    assert_int_equal(str_hex_digit('F'), 15);
    assert_int_equal(str_hex_digit('g'), -1);
    assert_int_equal(str_hex_digit('/'), -1);
    assert_int_equal(str_hex_digit(0xc3), -1); /* a UTF-8 lead byte */
    assert_int_equal(str_hex_digit('\0'), -1);
}

static void
str_hex_is_lowercase_and_terminated(void **state)
{
    const unsigned char in[] = {0x00, 0x0f, 0xa5, 0xff};
    char out[2 * sizeof(in) + 2];
    (void)state;

    memset(out, 'x', sizeof(out));
    str_hex(in, sizeof(in), out);
    assert_string_equal(out, "000fa5ff");
    assert_int_equal(out[sizeof(out) - 1], 'x'); /* nothing past the NUL */
    str_hex(in, 0, out);
    assert_string_equal(out, "");
}

static void
str_to_ll_rejects_junk_and_overflow(void **state)
{
    long long v;
    (void)state;

    assert_int_equal(str_to_ll("42", 1, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(str_to_ll("0", 1, 100, &v), -1);
    assert_int_equal(str_to_ll("abc", 1, 100, &v), -1);
    assert_int_equal(str_to_ll(" 4", 1, 100, &v), -1);
    assert_int_equal(str_to_ll("4x", 1, 100, &v), -1);
    assert_int_equal(str_to_ll("+4", 1, 100, &v), -1);
    assert_int_equal(str_to_ll("9223372036854775808", 1, 100, &v), -1);
    assert_true(str_utf8_valid("h\xc3\xa9", 3));
    assert_false(str_utf8_valid("\xc0\xaf", 2));
    assert_false(str_utf8_valid("\xed\xa0\x80", 3));
}

static void
err_table_maps_codes_to_statuses(void **state)
{
    struct err e = {0};
    (void)state;

    assert_int_equal(err_set(&e, NOT_FOUND, "no %s", "thing"), -1);
    assert_int_equal(err_status(e.code), 404);
    assert_string_equal(err_code_name(e.code), "NOT_FOUND");
    assert_string_equal(e.detail, "no thing");
    err_clear(&e);
    err_field(&e, "severity", "must be one of %s", "critical, high");
    assert_int_equal(e.code, ERR_VALIDATION_ERROR);
    assert_int_equal(e.n_fields, 1);
    assert_int_equal(err_status(ERR_PAYLOAD_TOO_LARGE), 413);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arena_allocations_are_zeroed_aligned_and_freed_with_cleanups),
        cmocka_unit_test(buf_refuses_appends_past_its_cap),
        cmocka_unit_test(jsonw_output_round_trips_through_jansson),
        cmocka_unit_test(clock_parses_strict_rfc3339),
        cmocka_unit_test(ids_have_prefix_and_are_validated),
        cmocka_unit_test(str_to_ll_rejects_junk_and_overflow),
        cmocka_unit_test(base62_alphabet_and_digits_agree),
        cmocka_unit_test(str_hex_digit_reads_either_case_only),
        cmocka_unit_test(str_hex_is_lowercase_and_terminated),
        cmocka_unit_test(err_table_maps_codes_to_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
