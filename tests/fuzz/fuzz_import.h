/* SPDX-License-Identifier: MIT */
/* The body shared by the fuzz_import_<format>.c targets: one parser over arbitrary bytes with a
 * sink that behaves like the API's (it frees the item arena every few findings, so a parser
 * that kept a pointer into an earlier finding's strings is caught by ASan). Each target file
 * defines FUZZ_IMPORT_FORMAT and includes this. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "import/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT (256 * 1024)

static int
fuzz_emit(struct import_run *run, const struct finding *f, struct err *err)
{
    size_t *count = run->ctx;

    (void)err;
    /* Touch every string, as the store will. */
    if (strlen(f->title) == 0 || (f->fingerprint && strlen(f->fingerprint) != 64))
        __builtin_trap();
    for (size_t i = 0; i < f->n_references; i++)
        (void)strlen(f->references[i]);
    if (++*count % 3 == 0) {
        arena_free(run->item);
        run->item = arena_new();
    }
    return 0;
}

static void
fuzz_reject(struct import_run *run, const char *where, const char *field, const char *message)
{
    (void)run;
    (void)strlen(where ? where : "");
    (void)strlen(field);
    (void)strlen(message);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct err err = {0};
    size_t count = 0;
    struct import_run run = {.emit = fuzz_emit, .reject = fuzz_reject, .ctx = &count};
    enum import_format detected;

    if (size > FUZZ_MAX_INPUT)
        return 0;
    run.doc = arena_new();
    run.item = arena_new();
#ifdef FUZZ_IMPORT_DETECT
    if (import_detect((const char *)data, size, &detected, &err) == 0)
        (void)import_parse(detected, (const char *)data, size, &run, &err);
#else
    (void)detected;
    (void)import_parse(FUZZ_IMPORT_FORMAT, (const char *)data, size, &run, &err);
#endif
    arena_free(run.item);
    arena_free(run.doc);
    return 0;
}
