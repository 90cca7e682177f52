/* SPDX-License-Identifier: MIT */
/* Internal to model/: the table-driven write decoder the resource codecs share, and small
 * encoding helpers. A resource describes each writable member once (name, kind, limits, where
 * it lives in the struct, its `present` bit) and decode_object() applies the write-mode rules
 * of model/model.h to a jansson object. */
#ifndef VIGIL_MODEL_MODEL_INT_H
#define VIGIL_MODEL_MODEL_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "model/model.h"

struct arena;
struct jsonw;

enum mfield_kind {
    MF_STRING,  /* const char * */
    MF_ID,      /* const char *, id_is_valid(value, id_prefix) */
    MF_DATE,    /* const char *, "YYYY-MM-DD" */
    MF_ENUM,    /* int-sized enum, parsed case-insensitively against enum_names */
    MF_INT,     /* int, in [min, max] */
    MF_STRINGS, /* const char ** + size_t count, each <= max_len, at most max_items */
    MF_OBJECT,  /* nested object whose members are `sub` (merge-patched member by member) */
};

struct mfield {
    const char *name;
    enum mfield_kind kind;
    uint64_t bit;
    size_t offset;       /* of the member in the decoded struct */
    size_t count_offset; /* MF_STRINGS: the size_t count member */
    bool required;       /* must be present on CREATE/REPLACE; null is never allowed */
    size_t max_len;      /* strings: bytes; MF_STRINGS: bytes per item */
    size_t max_items;    /* MF_STRINGS */
    const char *id_prefix;
    const char *const *enum_names;
    int n_enum;
    int enum_default;
    long long min, max, int_default;
    const struct mfield *sub; /* MF_OBJECT */
    size_t n_sub;
};

/* Decodes `body` into the struct at `out` (already zeroed by the caller, which also sets any
 * default not expressible here). Read-only names are reported as such; any other unknown
 * member as unknown. Sets bits in *present. Returns 0, or -1 with VALIDATION_ERROR fields. */
int decode_object(void *out, uint64_t *present, json_t *body, enum model_write mode,
                  const struct mfield *fields, size_t n_fields, const char *const *read_only,
                  struct arena *a, struct err *err);

/* Enum helpers over a names table. */
int model_enum_parse(const char *s, const char *const *names, int n);
const char *model_enum_name(int v, const char *const *names, int n);

/* Writes key: RFC 3339 timestamp, or null when t is 0. */
void model_kts(struct jsonw *w, const char *key, int64_t t);

#endif
