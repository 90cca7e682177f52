/* SPDX-License-Identifier: MIT */
/* An organization: the tenant. Every other row belongs to exactly one. */
#ifndef VIGIL_MODEL_ORG_H
#define VIGIL_MODEL_ORG_H

#include <stdint.h>

struct jsonw;

struct org {
    const char *id;   /* "org_..." */
    const char *name; /* 1..MODEL_NAME_MAX */
    int64_t created_at;
};

/* {"id", "name", "created_at"} */
void org_to_json(struct jsonw *w, const struct org *o);

#endif
