/* SPDX-License-Identifier: MIT */
/* A client: the customer a project is done for. Strings are borrowed (from the arena the
 * decoder or the store was given); NULL means absent (null on the wire). */
#ifndef VIGIL_MODEL_CLIENT_H
#define VIGIL_MODEL_CLIENT_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "model/model.h"

struct arena;
struct jsonw;

/* `present` bits: which writable fields a decoded write carries. */
#define CLIENT_F_NAME    ((uint64_t)1 << 0)
#define CLIENT_F_CONTACT ((uint64_t)1 << 1)
#define CLIENT_F_NOTES   ((uint64_t)1 << 2)
#define CLIENT_F_ALL     (CLIENT_F_NAME | CLIENT_F_CONTACT | CLIENT_F_NOTES)

struct client {
    const char *id; /* "client_..." */
    const char *org_id;
    const char *name;    /* required, 1..MODEL_NAME_MAX */
    const char *contact; /* optional, <= MODEL_CONTACT_MAX */
    const char *notes;   /* optional, <= MODEL_TEXT_MAX */
    int64_t created_at;  /* unix seconds */
    int64_t updated_at;
    uint64_t present; /* CLIENT_F_* set by client_from_json */
};

/* Decodes a write body {"name", "contact", "notes"} (see enum model_write). Zeroes *out first;
 * strings are copied into `a`. Raises VALIDATION_ERROR with one err_field per bad member. */
int client_from_json(struct client *out /* out */, json_t *body, enum model_write mode,
                     struct arena *a, struct err *err);

/* Writes the response object: id, name, contact, notes, created_at, updated_at. */
void client_to_json(struct jsonw *w, const struct client *c);

#endif
