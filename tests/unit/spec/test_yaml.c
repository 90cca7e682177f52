/* SPDX-License-Identifier: MIT */
/* Unit tests for spec/yaml.c: YAML 1.2 core typing, anchors and merge keys, and every refusal
 * (duplicate keys, depth, alias bombs, syntax errors) with its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "spec/spec.h"
#include "spec/spec_int.h"

static json_t *
parse_ok(const char *text)
{
    struct err err = {0};
    json_t *value = yaml_to_json(text, strlen(text), &err);

    if (!value)
        fail_msg("yaml_to_json failed: %s", err.detail);
    assert_int_equal(err.code, ERR_OK);
    return value;
}

static void
parse_fails(const char *text, const char *detail_part)
{
    struct err err = {0};
    json_t *value = yaml_to_json(text, strlen(text), &err);

    if (value)
        fail_msg("expected a failure for: %s", text);
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    if (!strstr(err.detail, detail_part))
        fail_msg("detail '%s' lacks '%s'", err.detail, detail_part);
}

/* Compares a parsed value with the JSON it should equal. */
static void
assert_yaml_is(const char *yaml, const char *json)
{
    json_t *got = parse_ok(yaml);
    json_t *want = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

    assert_non_null(want);
    if (!json_equal(got, want)) {
        char *text = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);

        fail_msg("YAML %s gave %s, want %s", yaml, text, json);
    }
    json_decref(got);
    json_decref(want);
}

static void
plain_scalars_follow_the_core_schema(void **state)
{
    (void)state;
    assert_yaml_is("[null, Null, NULL, ~, ]", "[null, null, null, null]");
    assert_yaml_is("a:\nb: ~", "{\"a\": null, \"b\": null}");
    assert_yaml_is("[true, True, TRUE, false, False, FALSE]",
                   "[true, true, true, false, false, false]");
    assert_yaml_is("[yes, no, on, off, y, n]", "[\"yes\", \"no\", \"on\", \"off\", \"y\", \"n\"]");
    assert_yaml_is("[0, -12, +7, 010, 0x1F, 0o17, 0x, 0o9]",
                   "[0, -12, 7, 10, 31, 15, \"0x\", \"0o9\"]");
    assert_yaml_is("[1.5, -0.25, .5, 1., 1e3, 2.5E-1]", "[1.5, -0.25, 0.5, 1.0, 1000.0, 0.25]");
    assert_yaml_is("[.inf, -.inf, .nan, .NaN, 1e999]",
                   "[\".inf\", \"-.inf\", \".nan\", \".NaN\", \"1e999\"]");
    assert_yaml_is("[3.0.1, 1_000, 12abc, 1e, -, 0x-1]",
                   "[\"3.0.1\", \"1_000\", \"12abc\", \"1e\", \"-\", \"0x-1\"]");
    /* Too big for an integer: kept as a real number. */
    json_t *big = parse_ok("18446744073709551616");
    assert_true(json_is_real(big));
    json_decref(big);
}

static void
quoted_and_block_scalars_are_strings(void **state)
{
    (void)state;
    assert_yaml_is("['1', \"true\", 'null', \"\", '~']",
                   "[\"1\", \"true\", \"null\", \"\", \"~\"]");
    assert_yaml_is("a: |\n  line 1\n  line 2\nb: >\n  folded\n  text\n",
                   "{\"a\": \"line 1\\nline 2\\n\", \"b\": \"folded text\\n\"}");
    assert_yaml_is("[!!str 12, !!int '12', !!float '1.5', !!bool 'true', ! 12]",
                   "[\"12\", 12, 1.5, true, \"12\"]");
    assert_yaml_is("\"tab\\tnul\\0end\"", "\"tab\\tnul\\u0000end\"");
}

static void
mapping_keys_are_stringified(void **state)
{
    (void)state;
    assert_yaml_is("200: ok\n2XX: ok\ntrue: t\n~: n\n1.5: f\n\"q\": s\n",
                   "{\"200\": \"ok\", \"2XX\": \"ok\", \"true\": \"t\", \"~\": \"n\", "
                   "\"1.5\": \"f\", \"q\": \"s\"}");
    assert_yaml_is("? [a, 1]\n: seq\n? {k: v}\n: map\n",
                   "{\"[\\\"a\\\",1]\": \"seq\", \"{\\\"k\\\":\\\"v\\\"}\": \"map\"}");
    assert_yaml_is("a: &k name\n*k : aliased\n", "{\"a\": \"name\", \"name\": \"aliased\"}");
    /* Keys in keys: each level escapes the one inside it again, so the text would double per
     * level without the cap. */
    char deep[200];
    memset(deep, '{', 60);
    memset(deep + 60, '}', 60);
    deep[120] = '\0';
    parse_fails(deep, "longer than 1024 characters");
}

static void
anchors_and_aliases_are_expanded(void **state)
{
    (void)state;
    assert_yaml_is("base: &b {x: 1, y: [1, 2]}\nuse: *b\nlist: [*b, *b]\n",
                   "{\"base\": {\"x\": 1, \"y\": [1, 2]}, \"use\": {\"x\": 1, \"y\": [1, 2]},"
                   " \"list\": [{\"x\": 1, \"y\": [1, 2]}, {\"x\": 1, \"y\": [1, 2]}]}");
    assert_yaml_is("a: &s hello\nb: *s\n", "{\"a\": \"hello\", \"b\": \"hello\"}");
    /* A redefined anchor refers to its latest definition from then on. */
    assert_yaml_is("- &a 1\n- *a\n- &a 2\n- *a\n", "[1, 1, 2, 2]");
}

static void
merge_keys_apply_with_explicit_keys_winning(void **state)
{
    (void)state;
    assert_yaml_is("base: &b {x: 1, y: 2}\nm:\n  y: 20\n  <<: *b\n  z: 3\n",
                   "{\"base\": {\"x\": 1, \"y\": 2}, \"m\": {\"x\": 1, \"y\": 20, \"z\": 3}}");
    /* In a sequence of merged mappings the first one wins. */
    assert_yaml_is("a: &a {k: a, only_a: 1}\nb: &b {k: b, only_b: 2}\nm:\n  <<: [*a, *b]\n",
                   "{\"a\": {\"k\": \"a\", \"only_a\": 1}, \"b\": {\"k\": \"b\", \"only_b\": 2},"
                   " \"m\": {\"k\": \"a\", \"only_a\": 1, \"only_b\": 2}}");
    /* The merged source is not changed by the merge. */
    assert_yaml_is("a: &a {k: 1}\nm: {<<: *a, k: 2}\nn: *a\n",
                   "{\"a\": {\"k\": 1}, \"m\": {\"k\": 2}, \"n\": {\"k\": 1}}");
    /* A quoted "<<" is an ordinary key. */
    assert_yaml_is("a: &a {k: 1}\nm: {'<<': *a}\n",
                   "{\"a\": {\"k\": 1}, \"m\": {\"<<\": {\"k\": 1}}}");
    parse_fails("m:\n  <<: 5\n", "merge key '<<' needs a mapping");
    parse_fails("m:\n  <<: [{a: 1}, 2]\n", "line 2, column 3");
}

static void
duplicate_keys_are_refused_with_their_position(void **state)
{
    (void)state;
    parse_fails("a: 1\nb: 2\na: 3\n", "duplicate key 'a'");
    parse_fails("a: 1\nb: 2\na: 3\n", "line 3, column 1");
    parse_fails("{x: 1, x: 2}", "duplicate key 'x'");
}

static void
only_the_first_document_is_read(void **state)
{
    (void)state;
    assert_yaml_is("---\na: 1\n---\nb: 2\n", "{\"a\": 1}");
    assert_yaml_is("a: 1\n---\n: : [ broken\n", "{\"a\": 1}");
    assert_yaml_is("", "null");
    assert_yaml_is("# only a comment\n", "null");
}

static void
syntax_errors_report_line_and_column(void **state)
{
    struct err err = {0};
    const char *text = "a: 1\nb:\n  c: 2\n   d: 3\n";

    (void)state;
    assert_null(yaml_to_json(text, strlen(text), &err));
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    assert_non_null(strstr(err.detail, "invalid YAML at line 4"));
    parse_fails("a: [1, 2\n", "invalid YAML at line");
    parse_fails("a: *nowhere\n", "unknown alias '*nowhere'");
    parse_fails("a: \"bad \\x\"\n", "invalid YAML");
    parse_fails("a: \"\xff\xfe\"\n", "invalid YAML");
    parse_fails("\"a\\0b\": 1\n", "mapping key contains a NUL character");
    parse_fails("x: &k \"a\\0b\"\n*k : 1\n", "mapping key contains a NUL character");

    json_t *named = spec_yaml_parse("a: [", 4, "api.yaml", &err);
    assert_null(named);
    assert_int_equal(strncmp(err.detail, "api.yaml: invalid YAML", 22), 0);
}

static void
nesting_is_capped(void **state)
{
    struct buf b;
    struct err err = {0};

    (void)state;
    buf_init(&b, BUF_UNLIMITED);
    for (int i = 0; i < SPEC_YAML_MAX_DEPTH; i++)
        buf_putc(&b, '[');
    for (int i = 0; i < SPEC_YAML_MAX_DEPTH; i++)
        buf_putc(&b, ']');
    json_t *ok = yaml_to_json(b.data, b.len, &err);
    assert_non_null(ok);
    json_decref(ok);

    buf_reset(&b);
    for (int i = 0; i <= SPEC_YAML_MAX_DEPTH; i++)
        buf_puts(&b, "{a: ");
    for (int i = 0; i <= SPEC_YAML_MAX_DEPTH; i++)
        buf_putc(&b, '}');
    assert_null(yaml_to_json(b.data, b.len, &err));
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    assert_non_null(strstr(err.detail, "nested deeper than 256 levels"));
    buf_cleanup(&b);
}

static void
alias_bombs_are_refused(void **state)
{
    const char *lol = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                      "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                      "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";

    (void)state;
    parse_fails(lol, "document too large after alias expansion");
    /* An alias to the node that contains it would be infinite. */
    parse_fails("a: &x [1, *x]\n", "refers to a node that contains it");
    /* Below the cap, expansion works. */
    json_t *ok = parse_ok("a: &a [1, 2, 3]\nb: &b [*a, *a, *a]\nc: [*b, *b]\n");
    assert_int_equal(json_array_size(json_array_get(json_object_get(ok, "c"), 1)), 3);
    json_decref(ok);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_scalars_follow_the_core_schema),
        cmocka_unit_test(quoted_and_block_scalars_are_strings),
        cmocka_unit_test(mapping_keys_are_stringified),
        cmocka_unit_test(anchors_and_aliases_are_expanded),
        cmocka_unit_test(merge_keys_apply_with_explicit_keys_winning),
        cmocka_unit_test(duplicate_keys_are_refused_with_their_position),
        cmocka_unit_test(only_the_first_document_is_read),
        cmocka_unit_test(syntax_errors_report_line_and_column),
        cmocka_unit_test(nesting_is_capped),
        cmocka_unit_test(alias_bombs_are_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
