/* SPDX-License-Identifier: MIT */
/* A project: one engagement (a pentest, an application under continuous scanning), optionally
 * for a client. Findings and assets belong to a project. Strings are borrowed; NULL = absent. */
#ifndef VIGIL_MODEL_PROJECT_H
#define VIGIL_MODEL_PROJECT_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "model/model.h"

struct arena;
struct jsonw;

enum project_status {
    PROJECT_PLANNED,
    PROJECT_IN_PROGRESS,
    PROJECT_COMPLETED,
    PROJECT_ARCHIVED,
};
#define PROJECT_STATUS_COUNT 4

#define PROJECT_F_NAME        ((uint64_t)1 << 0)
#define PROJECT_F_CLIENT_ID   ((uint64_t)1 << 1)
#define PROJECT_F_STATUS      ((uint64_t)1 << 2)
#define PROJECT_F_START_DATE  ((uint64_t)1 << 3)
#define PROJECT_F_END_DATE    ((uint64_t)1 << 4)
#define PROJECT_F_DESCRIPTION ((uint64_t)1 << 5)
#define PROJECT_F_FRAMEWORKS  ((uint64_t)1 << 6)
#define PROJECT_F_ALL         ((uint64_t)0x7f)

struct project {
    const char *id; /* "proj_..." */
    const char *org_id;
    const char *name;           /* required, 1..MODEL_NAME_MAX */
    const char *client_id;      /* optional "client_..." of the same organization */
    enum project_status status; /* default planned */
    const char *start_date;     /* optional "YYYY-MM-DD" */
    const char *end_date;       /* optional "YYYY-MM-DD", not before start_date */
    const char *description;    /* optional, <= MODEL_TEXT_MAX */
    const char **frameworks;    /* controls-catalog framework ids ("soc2"), unique */
    size_t n_frameworks;
    int64_t created_at;
    int64_t updated_at;
    uint64_t present; /* PROJECT_F_* */
};

const char *project_status_name(enum project_status s);            /* "in_progress" */
int project_status_parse(const char *s, enum project_status *out); /* case-insensitive; 0/-1 */

/* Decodes {"name", "client_id", "status", "start_date", "end_date", "description",
 * "frameworks"}. Checks
 * formats only (the store checks that client_id exists in the caller's organization, and that
 * end_date >= start_date after a PATCH is merged). VALIDATION_ERROR per bad member. */
int project_from_json(struct project *out /* out */, json_t *body, enum model_write mode,
                      struct arena *a, struct err *err);

void project_to_json(struct jsonw *w, const struct project *p);

#endif
