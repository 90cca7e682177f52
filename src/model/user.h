/* SPDX-License-Identifier: MIT */
/* Users, service accounts and audit events: the identities that hold credentials and the record
 * of what they did. A role (admin, member, viewer) caps the scopes of every credential its
 * holder uses: viewer reads, member reads and writes, admin also administers. Strings are
 * borrowed (arena-owned by whoever decoded or loaded them). */
#ifndef VIGIL_MODEL_USER_H
#define VIGIL_MODEL_USER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct arena;
struct jsonw;

enum user_role {
    USER_ROLE_VIEWER,
    USER_ROLE_MEMBER,
    USER_ROLE_ADMIN,
};

#define USER_USERNAME_MAX 100 /* bytes of [A-Za-z0-9._@+-] */

/* "viewer", "member", "admin". */
const char *user_role_name(enum user_role role);
/* Exact lowercase name -> role; 0, or -1 if unknown. */
int user_role_parse(const char *s, enum user_role *out /* out */);
/* The scopes (model/scope.h mask) a role allows: viewer every :read scope, member every :read
 * and :write scope, admin all of them including admin. */
uint32_t user_role_scopes(enum user_role role);

struct user {
    const char *id; /* "usr_..." */
    const char *org_id;
    const char *username;      /* unique in its organization, case-insensitively */
    const char *password_hash; /* argon2id PHC string, or NULL until one is set */
    enum user_role role;
    bool disabled;
    int64_t created_at;
    int64_t updated_at;
};

/* Which members of a user write were present. */
#define USER_SET_ROLE     0x1u
#define USER_SET_DISABLED 0x2u
#define USER_SET_PASSWORD 0x4u

struct user_write {
    const char *username; /* create only */
    const char *password; /* create only, optional (else set through an invite) */
    enum user_role role;  /* default member */
    bool disabled;
    unsigned present; /* USER_SET_* */
};

/* POST /users: {"username" (required), "role" (default "member"), "password" (optional),
 * "disabled" (optional)}. PATCH /users/{id} (patch = true): {"role", "disabled"} only.
 * VALIDATION_ERROR per bad, unknown or read-only member. The password policy is checked by the
 * caller (auth/password.h). */
int user_write_from_json(struct user_write *out /* out */, json_t *body, bool patch,
                         struct arena *a, struct err *err);

/* {"id", "username", "role", "disabled", "created_at", "updated_at"}: never the hash. */
void user_to_json(struct jsonw *w, const struct user *u);

struct service_account {
    const char *id; /* "svc_..." */
    const char *org_id;
    const char *name;
    enum user_role role;
    const char *created_by; /* actor that created it, or NULL */
    int64_t created_at;
    int64_t updated_at;
};

/* POST /service-accounts: {"name" (required), "role" (default "member")}. */
int service_account_from_json(struct service_account *out /* out */, json_t *body, struct arena *a,
                              struct err *err);
/* {"id", "name", "role", "created_by", "created_at", "updated_at"} */
void service_account_to_json(struct jsonw *w, const struct service_account *s);

#endif
