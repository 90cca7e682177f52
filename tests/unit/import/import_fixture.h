/* SPDX-License-Identifier: MIT */
/* Shared by the import parser tests: runs a parser over a sample file of tests/import/samples/
 * (or a string) with a sink that keeps every finding and every rejected item, so a test can
 * assert exactly what was mapped. Included by each test_*.c of this folder. */
#ifndef VIGIL_TESTS_IMPORT_FIXTURE_H
#define VIGIL_TESTS_IMPORT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "import/import.h"

#define FIX_MAX 512

struct collected {
    struct finding items[FIX_MAX];
    size_t n;
    const char *rejected_where[FIX_MAX];
    const char *rejected_field[FIX_MAX];
    size_t n_rejected;
    struct arena *keep;
    struct import_run run;
    struct err err;
    char *data; /* the file's bytes (malloc'ed) */
    size_t len;
};

__attribute__((unused)) static int
fix_emit(struct import_run *run, const struct finding *f, struct err *err)
{
    struct collected *c = run->ctx;

    (void)err;
    assert_true(c->n < FIX_MAX);
    c->items[c->n++] = *f;
    return 0;
}

__attribute__((unused)) static void
fix_reject(struct import_run *run, const char *where, const char *field, const char *message)
{
    struct collected *c = run->ctx;

    (void)message;
    c->rejected_where[c->n_rejected] = arena_strdup(c->keep, where ? where : "");
    c->rejected_field[c->n_rejected] = arena_strdup(c->keep, field ? field : "");
    c->n_rejected++;
}

__attribute__((unused)) static struct collected *
fix_new(void)
{
    struct collected *c = calloc(1, sizeof(*c));

    c->keep = arena_new();
    c->run.doc = arena_new();
    c->run.item = arena_new();
    c->run.emit = fix_emit;
    c->run.reject = fix_reject;
    c->run.ctx = c;
    return c;
}

__attribute__((unused)) static void
fix_free(struct collected *c)
{
    arena_free(c->run.item);
    arena_free(c->run.doc);
    arena_free(c->keep);
    free(c->data);
    free(c);
}

/* Reads tests/import/samples/<name> into c->data. */
__attribute__((unused)) static void
fix_load(struct collected *c, const char *name)
{
    const char *src = getenv("VIGIL_SOURCE_DIR");
    char path[1024];
    FILE *f;
    long n;

    snprintf(path, sizeof(path), "%s/tests/import/samples/%s", src ? src : ".", name);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    c->data = malloc((size_t)n + 1);
    assert_int_equal(fread(c->data, 1, (size_t)n, f), (size_t)n);
    c->data[n] = '\0';
    c->len = (size_t)n;
    fclose(f);
}

/* Parses sample `name` as `format`; returns the parser's result (c->err holds the error). */
__attribute__((unused)) static int
fix_parse_file(struct collected *c, enum import_format format, const char *name)
{
    fix_load(c, name);
    return import_parse(format, c->data, c->len, &c->run, &c->err);
}

__attribute__((unused)) static int
fix_parse_text(struct collected *c, enum import_format format, const char *text)
{
    return import_parse(format, text, strlen(text), &c->run, &c->err);
}

/* The detected format of sample `name` (-1 when detection fails). */
__attribute__((unused)) static int
fix_detect_file(const char *name)
{
    struct collected *c = fix_new();
    enum import_format f;
    int rc;

    fix_load(c, name);
    rc = import_detect(c->data, c->len, &f, &c->err) == 0 ? (int)f : -1;
    fix_free(c);
    return rc;
}

/* The finding whose title is `title` (fails the test if none). */
__attribute__((unused)) static const struct finding *
fix_find(const struct collected *c, const char *title)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->items[i].title && strcmp(c->items[i].title, title) == 0)
            return &c->items[i];
    }
    fail_msg("no finding titled \"%s\"", title);
    return NULL;
}

__attribute__((unused)) static void
fix_assert_malformed(const struct collected *c, const char *where_prefix)
{
    assert_int_equal(c->err.code, ERR_IMPORT_MALFORMED);
    assert_true(c->err.n_fields >= 1);
    if (strncmp(c->err.fields[0].field, where_prefix, strlen(where_prefix)) != 0)
        fail_msg("error at \"%s\", expected \"%s...\"", c->err.fields[0].field, where_prefix);
}

#endif
