/* SPDX-License-Identifier: MIT */
/* An audit log entry and its wire shape (GET /api/v1/audit-events). Strings are borrowed. */
#ifndef VIGIL_MODEL_AUDIT_H
#define VIGIL_MODEL_AUDIT_H

#include <stdint.h>

struct jsonw;

/* One audit log entry. Never holds a secret: credentials are named by id only. */
struct audit_event {
    const char *id;            /* "aud_..." */
    const char *org_id;        /* NULL for a failed login naming no known user */
    const char *actor;         /* "usr_...", "svc_...", "tok_..." (operator token) or NULL */
    const char *credential_id; /* "tok_..." or a JWT's jti, or NULL */
    const char *action;        /* "login.success", "clients.create", "refresh.reuse"... */
    const char *target;        /* the id acted upon, or a username for logins, or NULL */
    const char *request_id;
    const char *client_addr;
    int64_t created_at;
};

/* {"id", "actor", "credential_id", "action", "target", "request_id", "client_address",
 * "created_at"} */
void audit_event_to_json(struct jsonw *w, const struct audit_event *e);

#endif
