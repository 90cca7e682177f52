/* SPDX-License-Identifier: MIT */
/* Unit tests for spec/resolve.c: local refs with JSON-pointer escapes, cycles cut and marked,
 * shared targets, literals left alone, external refs left with a warning, and the caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "spec/spec_int.h"

struct fixture {
    struct arena *arena;
    struct spec_ctx ctx;
    struct err err;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    f->arena = arena_new();
    f->ctx.arena = f->arena;
    f->ctx.origin = "doc";
    f->ctx.warnings = arena_calloc(f->arena, SPEC_MAX_WARNINGS + 1, sizeof(char *));
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    arena_free(f->arena);
    free(f);
    return 0;
}

static json_t *
resolve_text(struct fixture *f, const char *json)
{
    json_error_t jerr;
    json_t *doc = json_loads(json, 0, &jerr), *out;

    if (!doc)
        fail_msg("bad test JSON: %s", jerr.text);
    out = spec_resolve(doc, &f->ctx, &f->err);
    json_decref(doc);
    return out;
}

static void
assert_json_path_equals(json_t *root, const char *path, const char *json)
{
    json_t *want = json_loads(json, JSON_DECODE_ANY, NULL);
    json_t *node = root;
    char part[128];

    assert_non_null(want);
    /* "a/b/0": object keys and array indexes separated by '/'. */
    for (const char *p = path; node && *p;) {
        size_t n = strcspn(p, "/");

        assert_true(n < sizeof(part));
        memcpy(part, p, n);
        part[n] = '\0';
        node = json_is_array(node) ? json_array_get(node, strtoul(part, NULL, 10))
                                   : json_object_get(node, part);
        p += n + (p[n] == '/');
    }
    if (!json_equal(node, want)) {
        char *got = node ? json_dumps(node, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

        fail_msg("%s is %s, want %s", path, got ? got : "(missing)", json);
    }
    json_decref(want);
}

static void
local_refs_are_replaced_by_their_targets(void **state)
{
    struct fixture *f = *state;
    json_t *out = resolve_text(
        f, "{\"a\": {\"$ref\": \"#/defs/x\"}, \"b\": {\"$ref\": \"#/defs/alias\"},"
           " \"defs\": {\"x\": {\"type\": \"string\"}, \"alias\": {\"$ref\": \"#/defs/x\"},"
           " \"arr\": [10, {\"v\": 11}]},"
           " \"c\": {\"$ref\": \"#/defs/arr/1\"}, \"d\": {\"$ref\": \"#/defs/x/type\"},"
           " \"e\": {\"$ref\": \"#/defs/x\", \"description\": \"beside\"}}");

    assert_non_null(out);
    assert_json_path_equals(out, "a", "{\"type\": \"string\"}");
    assert_json_path_equals(out, "b", "{\"type\": \"string\"}");
    assert_json_path_equals(out, "c", "{\"v\": 11}");
    assert_json_path_equals(out, "d", "\"string\"");
    assert_json_path_equals(out, "e", "{\"type\": \"string\", \"description\": \"beside\"}");
    /* Siblings go on a copy: the shared target keeps its own shape. */
    assert_json_path_equals(out, "defs/x", "{\"type\": \"string\"}");
    json_decref(out);
    assert_int_equal(f->ctx.n_warnings, 0);
}

static void
pointer_escapes_and_percent_encoding_are_decoded(void **state)
{
    struct fixture *f = *state;
    json_t *out = resolve_text(
        f, "{\"paths\": {\"/users/{id}\": {\"get\": {\"x\": 1}}},"
           " \"defs\": {\"a/b\": 2, \"m~n\": 3, \"sp ace\": 4, \"\": 5},"
           " \"r1\": {\"$ref\": \"#/paths/~1users~1%7Bid%7D/get\"},"
           " \"r2\": {\"$ref\": \"#/defs/a~1b\"}, \"r3\": {\"$ref\": \"#/defs/m~0n\"},"
           " \"r4\": {\"$ref\": \"#/defs/sp%20ace\"}, \"r5\": {\"$ref\": \"#/defs/\"}}");

    assert_non_null(out);
    assert_json_path_equals(out, "r1", "{\"x\": 1}");
    assert_json_path_equals(out, "r2", "2");
    assert_json_path_equals(out, "r3", "3");
    assert_json_path_equals(out, "r4", "4");
    assert_json_path_equals(out, "r5", "5");
    json_decref(out);
}

static void
cycles_are_cut_at_the_second_visit(void **state)
{
    struct fixture *f = *state;
    json_t *out = resolve_text(
        f, "{\"use\": {\"$ref\": \"#/s/A\"},"
           " \"s\": {\"A\": {\"properties\": {\"b\": {\"$ref\": \"#/s/B\"}}},"
           "        \"B\": {\"properties\": {\"a\": {\"$ref\": \"#/s/A\", \"title\": \"back\"}}},"
           "        \"Self\": {\"items\": {\"$ref\": \"#/s/Self\"}},"
           "        \"Root\": {\"$ref\": \"#\"}}}");

    assert_non_null(out);
    assert_json_path_equals(out, "use/properties/b/properties/a",
                            "{\"x-vigil-cycle\": \"#/s/A\", \"title\": \"back\"}");
    assert_json_path_equals(out, "s/Self/items", "{\"x-vigil-cycle\": \"#/s/Self\"}");
    assert_json_path_equals(out, "s/Root", "{\"x-vigil-cycle\": \"#\"}");
    json_decref(out);
}

/* Where a schema is first met must not cut a later use short: each use sees every schema of a
 * cycle at least once before the cut. */
static void
each_use_is_cut_at_its_own_second_visit(void **state)
{
    struct fixture *f = *state;
    json_t *out = resolve_text(
        f, "{\"p1\": {\"$ref\": \"#/s/B\"}, \"p2\": {\"$ref\": \"#/s/A\"},"
           " \"s\": {\"A\": {\"b\": {\"$ref\": \"#/s/B\"}, \"n\": {\"$ref\": \"#/s/N\"}},"
           "        \"B\": {\"a\": {\"$ref\": \"#/s/A\"}},"
           "        \"N\": {\"self\": {\"$ref\": \"#/s/N\"}}}}");

    assert_non_null(out);
    assert_json_path_equals(out, "p1/a/b", "{\"x-vigil-cycle\": \"#/s/B\"}");
    /* B was shared from p1, where it is complete on its own: p2 sees one more turn of the
     * cycle, never less than one. */
    assert_json_path_equals(out, "p2/b/a/b", "{\"x-vigil-cycle\": \"#/s/B\"}");
    assert_json_path_equals(out, "s/A/b/a/b", "{\"x-vigil-cycle\": \"#/s/B\"}");
    assert_json_path_equals(out, "s/B/a/b", "{\"x-vigil-cycle\": \"#/s/B\"}");
    /* A self-contained cycle is the same everywhere, so it is shared. */
    json_t *p1 = json_object_get(out, "p1"), *p2 = json_object_get(out, "p2");
    assert_ptr_equal(json_object_get(p2, "n"), json_object_get(json_object_get(p1, "a"), "n"));
    assert_json_path_equals(out, "p2/n/self", "{\"x-vigil-cycle\": \"#/s/N\"}");
    json_decref(out);
}

static void
literals_keep_their_refs(void **state)
{
    struct fixture *f = *state;
    json_t *out = resolve_text(
        f, "{\"schema\": {\"example\": {\"$ref\": \"#/nowhere\"}, \"default\": {\"$ref\": \"x\"},"
           " \"enum\": [{\"$ref\": \"#/no\"}], \"examples\": [{\"$ref\": \"#/no\"}],"
           " \"x-vendor\": {\"$ref\": \"#/no\"},"
           " \"properties\": {\"example\": {\"$ref\": \"#/t\"}}},"
           " \"responses\": {\"default\": {\"$ref\": \"#/t\"}},"
           " \"media\": {\"examples\": {\"one\": {\"value\": {\"$ref\": \"#/no\"}},"
           "                             \"two\": {\"$ref\": \"#/c/examples/ex\"}}},"
           " \"c\": {\"examples\": {\"ex\": {\"value\": {\"$ref\": \"#/no\"}}}},"
           " \"t\": {\"type\": \"integer\"}}");

    assert_non_null(out);
    assert_json_path_equals(out, "schema/example", "{\"$ref\": \"#/nowhere\"}");
    assert_json_path_equals(out, "schema/properties/example", "{\"type\": \"integer\"}");
    assert_json_path_equals(out, "responses/default", "{\"type\": \"integer\"}");
    assert_json_path_equals(out, "media/examples/one/value", "{\"$ref\": \"#/no\"}");
    assert_json_path_equals(out, "media/examples/two", "{\"value\": {\"$ref\": \"#/no\"}}");
    json_decref(out);
}

static void
external_refs_stay_with_a_warning(void **state)
{
    struct fixture *f = *state;
    json_t *out = resolve_text(
        f, "{\"a\": {\"$ref\": \"other.yaml#/X\"}, \"b\": {\"$ref\": \"other.yaml#/X\"},"
           " \"c\": {\"$ref\": \"https://example.com/s.json\", \"d\": {\"$ref\": \"#/t\"}},"
           " \"e\": {\"$ref\": \"#anchor\"}, \"t\": 1}");

    assert_non_null(out);
    assert_json_path_equals(out, "a", "{\"$ref\": \"other.yaml#/X\"}");
    assert_json_path_equals(out, "c/d", "1");
    assert_json_path_equals(out, "e", "{\"$ref\": \"#anchor\"}");
    json_decref(out);
    assert_int_equal(f->ctx.n_warnings, 3); /* once per distinct ref */
    assert_non_null(strstr(f->ctx.warnings[0], "other.yaml#/X"));
    assert_non_null(strstr(f->ctx.warnings[0], "not followed"));
}

static void
refs_under_an_id_that_do_not_resolve_are_left_with_a_warning(void **state)
{
    struct fixture *f = *state;
    json_t *out = resolve_text(
        f,
        "{\"s\": {\"$id\": \"https://example.com/s\", \"$defs\": {\"x\": {\"type\": \"string\"}},"
        " \"properties\": {\"a\": {\"$ref\": \"#/$defs/x\"}, \"b\": {\"$ref\": \"#/t\"}}},"
        " \"t\": {\"type\": \"integer\"}}");

    assert_non_null(out);
    assert_json_path_equals(out, "s/properties/a", "{\"$ref\": \"#/$defs/x\"}");
    assert_json_path_equals(out, "s/properties/b", "{\"type\": \"integer\"}");
    assert_int_equal(f->ctx.n_warnings, 1);
    assert_non_null(strstr(f->ctx.warnings[0], "relative to a $id"));
    json_decref(out);
}

static void
bad_local_refs_are_errors_naming_the_ref(void **state)
{
    struct fixture *f = *state;

    assert_null(resolve_text(f, "{\"a\": {\"$ref\": \"#/components/schemas/Missing\"}}"));
    assert_int_equal(f->err.code, ERR_VALIDATION_ERROR);
    assert_non_null(strstr(f->err.detail, "unresolvable $ref '#/components/schemas/Missing'"));

    err_clear(&f->err);
    assert_null(resolve_text(f, "{\"a\": {\"$ref\": \"#/b~2\"}, \"b~2\": 1}"));
    assert_non_null(strstr(f->err.detail, "malformed $ref '#/b~2'"));

    err_clear(&f->err);
    assert_null(resolve_text(f, "{\"a\": {\"$ref\": \"#/b%zz\"}}"));
    assert_non_null(strstr(f->err.detail, "malformed $ref"));

    err_clear(&f->err);
    assert_null(resolve_text(f, "{\"a\": {\"$ref\": \"#/arr/01\"}, \"arr\": [1, 2]}"));
    assert_non_null(strstr(f->err.detail, "unresolvable"));
}

static void
targets_are_shared_not_copied(void **state)
{
    struct fixture *f = *state;
    json_t *out = resolve_text(f, "{\"a\": {\"$ref\": \"#/t\"}, \"b\": {\"$ref\": \"#/t\"},"
                                  " \"t\": {\"deep\": {\"x\": 1}}}");

    assert_non_null(out);
    assert_ptr_equal(json_object_get(out, "a"), json_object_get(out, "b"));
    json_decref(out);
}

/* Each level refers to the next one twice: 2^40 nodes if copied. Shared targets keep the
 * work linear: both branches of every level are the same value. */
static void
doubling_refs_stay_linear(void **state)
{
    struct fixture *f = *state;
    struct buf b;
    json_t *out, *node;

    buf_init(&b, BUF_UNLIMITED);
    buf_puts(&b, "{\"use\": {\"$ref\": \"#/d/s0\"}, \"d\": {");
    for (int i = 0; i < 40; i++)
        buf_printf(&b, "\"s%d\": {\"l\": {\"$ref\": \"#/d/s%d\"}, \"r\": {\"$ref\": \"#/d/s%d\"}},",
                   i, i + 1, i + 1);
    buf_puts(&b, "\"s40\": {\"type\": \"string\"}}}");
    out = resolve_text(f, b.data);
    buf_cleanup(&b);
    assert_non_null(out);
    node = json_object_get(out, "use");
    for (int i = 0; i < 40; i++) {
        assert_ptr_equal(json_object_get(node, "l"), json_object_get(node, "r"));
        node = json_object_get(node, "l");
    }
    assert_string_equal(json_string_value(json_object_get(node, "type")), "string");
    assert_int_equal(f->ctx.n_warnings, 0);
    json_decref(out);
}

/* A chain of distinct refs longer than the cut is cut and marked, not an error. */
static void
long_ref_chains_are_cut(void **state)
{
    struct fixture *f = *state;
    struct buf b;
    json_t *out, *node;
    int levels = 0;

    buf_init(&b, BUF_UNLIMITED);
    buf_puts(&b, "{\"use\": {\"$ref\": \"#/d/s0\"}, \"d\": {");
    for (int i = 0; i < 400; i++)
        buf_printf(&b, "\"s%d\": {\"n\": {\"$ref\": \"#/d/s%d\"}},", i, i + 1);
    buf_puts(&b, "\"s400\": {}}}");
    out = resolve_text(f, b.data);
    buf_cleanup(&b);
    assert_non_null(out);
    for (node = json_object_get(out, "use"); json_object_get(node, "n"); levels++)
        node = json_object_get(node, "n");
    assert_true(levels > 50 && levels < 400);
    assert_non_null(json_object_get(node, "x-vigil-depth-cut"));
    assert_int_equal(f->ctx.n_warnings, 1);
    json_decref(out);
}

static void
deep_documents_are_refused(void **state)
{
    struct fixture *f = *state;
    struct buf b;

    buf_init(&b, BUF_UNLIMITED);
    for (int i = 0; i < 1500; i++)
        buf_puts(&b, "{\"a\": ");
    buf_puts(&b, "1");
    for (int i = 0; i < 1500; i++)
        buf_putc(&b, '}');
    assert_null(resolve_text(f, b.data));
    buf_cleanup(&b);
    assert_int_equal(f->err.code, ERR_VALIDATION_ERROR);
    assert_non_null(strstr(f->err.detail, "nested too deeply"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(local_refs_are_replaced_by_their_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(pointer_escapes_and_percent_encoding_are_decoded, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(cycles_are_cut_at_the_second_visit, setup, teardown),
        cmocka_unit_test_setup_teardown(each_use_is_cut_at_its_own_second_visit, setup, teardown),
        cmocka_unit_test_setup_teardown(literals_keep_their_refs, setup, teardown),
        cmocka_unit_test_setup_teardown(external_refs_stay_with_a_warning, setup, teardown),
        cmocka_unit_test_setup_teardown(
            refs_under_an_id_that_do_not_resolve_are_left_with_a_warning, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_local_refs_are_errors_naming_the_ref, setup, teardown),
        cmocka_unit_test_setup_teardown(targets_are_shared_not_copied, setup, teardown),
        cmocka_unit_test_setup_teardown(doubling_refs_stay_linear, setup, teardown),
        cmocka_unit_test_setup_teardown(long_ref_chains_are_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(deep_documents_are_refused, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
