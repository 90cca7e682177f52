/* SPDX-License-Identifier: MIT */
/* A small streaming JSON writer for hot responses: building a jansson tree for a page of 50
 * findings and dumping it costs about five times more than writing the text directly. The writer
 * keeps the commas and nesting right and always emits valid UTF-8 (invalid input bytes become
 * U+FFFD), so its output parses with jansson; tests round-trip it and a fuzz target feeds it. */
#ifndef VIGIL_CORE_JSONW_H
#define VIGIL_CORE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define JSONW_MAX_DEPTH 64

struct jsonw {
    struct buf *out;    /* not owned */
    int depth;          /* open containers */
    uint64_t has_items; /* bit d: container at depth d already has a member */
    bool after_key;     /* a key was written, its value comes next */
};

void jsonw_init(struct jsonw *w, struct buf *out);

void jsonw_obj_open(struct jsonw *w);
void jsonw_obj_close(struct jsonw *w);
void jsonw_arr_open(struct jsonw *w);
void jsonw_arr_close(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);

void jsonw_str(struct jsonw *w, const char *s); /* NULL writes null */
void jsonw_strn(struct jsonw *w, const char *s, size_t len);
void jsonw_int(struct jsonw *w, long long v);
void jsonw_double(struct jsonw *w, double v); /* NaN/inf write null */
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* Writes already-encoded JSON text as one value; the caller vouches for it. */
void jsonw_raw(struct jsonw *w, const char *json, size_t len);

/* key + value in one call */
void jsonw_kstr(struct jsonw *w, const char *key, const char *s);
void jsonw_kint(struct jsonw *w, const char *key, long long v);
void jsonw_kdouble(struct jsonw *w, const char *key, double v);
void jsonw_kbool(struct jsonw *w, const char *key, bool v);
void jsonw_knull(struct jsonw *w, const char *key);

/* Appends s as a JSON string literal (quotes included) to b. Returns -1 on overflow. */
int json_escape_into(struct buf *b, const char *s, size_t len);

/* True once the underlying buffer refused an append (the output is then incomplete). */
bool jsonw_failed(const struct jsonw *w);

#endif
