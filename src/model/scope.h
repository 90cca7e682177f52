/* SPDX-License-Identifier: MIT */
/* API token scopes. One table gives each scope its bit and its wire name; a token's scopes are
 * a bitmask in memory and a space-separated list of names in storage and on the wire (as an
 * array). `admin` implies every other scope. */
#ifndef VIGIL_MODEL_SCOPE_H
#define VIGIL_MODEL_SCOPE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"

/* X(enum suffix, wire name) — order fixes the bit; append only. */
#define SCOPE_TABLE(X)                                                                             \
    X(PROJECTS_READ, "projects:read")                                                              \
    X(PROJECTS_WRITE, "projects:write")                                                            \
    X(FINDINGS_READ, "findings:read")                                                              \
    X(FINDINGS_WRITE, "findings:write")                                                            \
    X(ASSETS_READ, "assets:read")                                                                  \
    X(ASSETS_WRITE, "assets:write")                                                                \
    X(CLIENTS_READ, "clients:read")                                                                \
    X(CLIENTS_WRITE, "clients:write")                                                              \
    X(SCANS_READ, "scans:read")                                                                    \
    X(SCANS_WRITE, "scans:write")                                                                  \
    X(REPORTS_READ, "reports:read")                                                                \
    X(REPORTS_WRITE, "reports:write")                                                              \
    X(WEBHOOKS_READ, "webhooks:read")                                                              \
    X(WEBHOOKS_WRITE, "webhooks:write")                                                            \
    X(CONTROLS_READ, "controls:read")                                                              \
    X(CONTROLS_WRITE, "controls:write")                                                            \
    X(ADMIN, "admin")

enum scope_bit {
#define SCOPE_ENUM(name, wire) SCOPE_BIT_##name,
    SCOPE_TABLE(SCOPE_ENUM)
#undef SCOPE_ENUM
        SCOPE_BIT_COUNT
};

#define SCOPE(name) ((uint32_t)1 << SCOPE_BIT_##name)
#define SCOPE_NONE  ((uint32_t)0)
#define SCOPE_ALL   (((uint32_t)1 << SCOPE_BIT_COUNT) - 1)

/* "findings:read" -> bit mask, 0 if unknown. */
uint32_t scope_parse_one(const char *name);
/* Space- or comma-separated names -> mask. Returns 0 on success; -1 if a name is unknown
 */
int scope_parse_list(const char *names, uint32_t *mask /* out */);
/* Wire name of a single bit's scope. */
const char *scope_name(enum scope_bit bit);
/* Appends the names of mask, separated by sep, to out. */
int scope_format(uint32_t mask, char sep, struct buf *out);
/* True if `have` grants `need` (admin grants everything). */
bool scope_allows(uint32_t have, uint32_t need);

#endif
