/* SPDX-License-Identifier: MIT */
/* Shared by the files of api/: the per-request state the hooks leave for handlers, route
 * flags, list-query helpers and the handler declarations that routes.def names. */
#ifndef VIGIL_API_INT_H
#define VIGIL_API_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "auth/authn.h"
#include "auth/jwt.h"
#include "auth/refresh.h"
#include "auth/ratelimit.h"
#include "core/jsonw.h"
#include "http/http.h"
#include "model/user.h"
#include "store/store.h"

/* The one 401 detail for a credential that was sent but refused, whatever the reason
 * (malformed, unknown, expired, revoked, owner disabled or deleted): the audit log keeps it. */
#define API_CREDENTIAL_REFUSED                                                                     \
    "The credential is not valid: it is malformed, unknown, expired or revoked, or its owner is "  \
    "disabled."

/* The one 401 detail of a refused refresh token (refresh, logout, session refresh). */
#define API_REFRESH_REFUSED                                                                        \
    "The refresh token is not valid: it is malformed, unknown, expired, used or revoked, or its "  \
    "user is disabled."

/* Route flags (bits 0..23 are ours; see http.h). */
#define API_PUBLIC 0x1u /* no credential needed */

/* What the hooks learned about a request; req->auth points to it. */
struct api_state {
    struct principal who;
    /* Set while an Idempotency-Key is in flight for this request (idem_scope.key != NULL). */
    struct store_idem_scope idem_scope;
    /* The answer carries a secret shown once (a token's plaintext): it is never stored for an
     * idempotent replay. Set through api_once_secret. */
    bool once_secret;
    bool limited; /* rate was taken: `rate` holds the X-RateLimit-* values */
    /* A header or cookie credential came (a 401's WWW-Authenticate then says invalid_token). */
    bool credential_sent;
    /* The route scope a 403 named (WWW-Authenticate: insufficient_scope), or NULL. */
    const char *missing_scope;
    struct ratelimit_result rate;
    /* The audit entry the after hook writes for a successful write; a handler may name the
     * action and target more precisely than the route does ("token.revoke"), or set
     * audit_done when it recorded its events itself. */
    const char *audit_action;
    const char *audit_target;
    bool audit_done;
    /* The store handle of api_org_db, kept so that authentication and the handler share one
     * pooled connection: the request's db is this one when the organizations agree. */
    struct db *org_db;
    const char *org_db_id;
};

static inline struct api_state *
api_state(struct req *req)
{
    return (struct api_state *)req->auth;
}

/* Marks this request's answer as holding a secret shown only once (an API token, an invite
 * token): an Idempotency-Key then records that the request succeeded, not the answer, and a
 * replay is a 409 CONFLICT naming the created resource's Location, never the secret again. */
static inline void
api_once_secret(struct req *req)
{
    api_state(req)->once_secret = true;
}

static inline struct app *
api_app(struct req *req)
{
    return (struct app *)req->app;
}

static inline struct db *
api_db(struct req *req)
{
    return (struct db *)req->db;
}

/* A store handle bound to org_id for this request (in its arena): the request's own when the
 * organization is the principal's, else one made once per request. Authentication and login
 * use it before the request's handle exists. */
struct db *api_org_db(struct req *req, const char *org_id);

/* ---- list.c: query parameters of list routes ---- */

/* Extra query parameters a list route accepts besides paging, sorting, dates, search and the
 * kind's filters. */
#define API_LIST_FORMAT 0x1u /* ?format=json|csv */

/* Reads page, per_page/limit, sort, search, created_after/before, updated_after and the
 * kind's filters (a repeated filter adds OR values) into q. Any other parameter, a repeated
 * paging parameter or a bad value is a VALIDATION_ERROR naming it. `fixed` (may be NULL) is a
 * filter set by the route (the project of /projects/{id}/findings): the query may not set it. */
int api_list_query(struct req *req, enum store_kind kind, unsigned extra,
                   const struct store_filter *fixed, struct store_list *q /* out */,
                   struct err *err);

/* Writes "meta" for a page and sets the Link header (first, prev, next, last). */
void api_list_meta(struct req *req, struct jsonw *w, const struct store_list *q,
                   const struct store_page *page);

/* ---- helpers.c ---- */

/* Conditional GET on a resource route: sets an ETag built from the data version, the caller's
 * organization and `variant` (one letter per representation), and answers 304 when the client
 * already holds it. True means the response is queued and the handler is done. */
bool api_not_modified(struct req *req, char variant);
/* api_not_modified with `moment` in the ETag too (0: none): for representations that change
 * at a known time without a write (findings: store_finding_next_change). */
bool api_not_modified_at(struct req *req, char variant, uint64_t moment);

/* NOT_FOUND with the one detail every missing (or foreign, or malformed) id gets, so an
 * attacker cannot tell "exists elsewhere" from "does not exist". Returns -1. */
int api_not_found(struct err *err, const char *what, const char *id);
/* Refuses query parameters other than `allowed` (NULL-terminated): VALIDATION_ERROR. */
int api_query_only(struct req *req, const char *const *allowed, struct err *err);
/* The path parameter {id} if it has the shape of a `prefix` id, else NOT_FOUND. */
const char *api_path_id(struct req *req, const char *prefix, const char *what, struct err *err);
/* Turns a store NOT_FOUND about `id` into api_not_found; other errors pass. Returns -1. */
int api_store_failed(struct err *err, const char *what, const char *id);

/* ---- audit.c ---- */

/* Appends an audit event for this request (request id and client address from req; actor and
 * credential from the authenticated caller unless given). Failures are logged, never
 * answered: the action already happened. org_id NULL = the caller's organization. */
void api_audit(struct req *req, const char *org_id, const char *actor, const char *credential_id,
               const char *action, const char *target);
/* The after hook's entry for a successful write: the handler's audit_action, else one named
 * after the route ("clients.create", "users.update", "users.invite"); the target is the
 * handler's audit_target, else the path's {id}, else the id a Location header names. */
void api_audit_write(struct req *req);
/* Reads page and per_page (limit), checked as api_list_query does, and the extra parameter
 * names (NULL-terminated; each value, or NULL, lands in values[k], which the caller zeroes) of
 * a list without filters or sorts (list.c). A parameter given twice or not named is a
 * VALIDATION_ERROR on its name. */
int api_paging_query(struct req *req, const char *const *extra, struct store_list *q /* out */,
                     const char **values /* out */, struct err *err);
/* The caller as an audit actor: user id, service account id or token id. */
const char *api_actor(struct req *req);

/* ---- tokens.c ---- */

/* Decodes a token creation body and issues the token to the given owner (both NULL: an
 * operator token). FORBIDDEN for a scope the caller lacks (unless it is an admin) or one
 * outside `cap`, the scopes of the owner's role. Answers 201 with the secret once. */
int api_token_mint(struct req *req, const char *user_id, const char *service_account_id,
                   uint32_t cap, struct err *err);

/* Authorization beyond the route's scope, for handlers that have some. Dispatch runs the
 * route's check before looking up an Idempotency-Key (so a replay never answers what the
 * caller could not do now), and the handler runs it again itself. */
typedef int (*api_authorize_fn)(struct req *req, struct err *err);
/* The checks of api_token_mint without minting: the body decodes and its scopes fit. */
int api_token_authorize_cap(struct req *req, uint32_t cap, struct err *err);
/* POST /tokens: the requested scopes against the caller's and its role's (FORBIDDEN). */
int api_tokens_authorize(struct req *req, struct err *err);
/* POST /service-accounts/{id}/tokens: the account exists (NOT_FOUND) and the scopes fit its
 * role (FORBIDDEN). */
int api_service_accounts_token_authorize(struct req *req, struct err *err);

/* ---- auth.c: the pieces of a login, shared with session.c's cookie sessions ---- */

struct session {
    char access[JWT_TOKEN_MAX];
    char refresh[REFRESH_LEN + 1];
    int64_t expires_in;
    const char *jti;
};

void session_wipe(struct session *s);
/* Checks a username and password (throttled, audited); UNAUTHORIZED for any failure. */
int login_check(struct req *req, const char *organization, const char *username,
                const char *password, struct user *u, struct err *err);
/* A new login for u: an access token and the first refresh token of a new family. */
int session_start(struct req *req, const struct user *u, struct session *s, struct err *err);
/* Rotates a refresh token into s (reuse revokes the family); UNAUTHORIZED when not live. */
int refresh_exchange(struct req *req, const char *token, struct session *s, struct err *err);

/* ---- session.c: the dashboard's cookie session ---- */

/* The access token of the request's session cookie into *secret: 1 when a cookie is there, 0
 * when none is (use the headers), -1 with UNAUTHORIZED for a malformed cookie or
 * CSRF_TOKEN_INVALID for a write without the session's X-CSRF-Token header. */
int api_session_credential(struct req *req, const char **secret, struct err *err);

/* ---- reports.c: project reports (issue 11) ---- */

/* FORBIDDEN naming `need` unless the caller holds it: for routes whose scope depends on the
 * resource (GET /reports/{id}: scans:read for a scan_ id, reports:read for a rpt_ id). */
int api_require_scope(struct req *req, uint32_t need, struct err *err);
/* GET /reports/{id} for a project report id ("rpt_..."). */
int api_project_report_get(struct req *req, const char *id, struct err *err);

/* ---- handlers (routes.def names them) ---- */
#define ROUTE(method, pattern, handler, scope, body, flags)                                        \
    int handler(struct req *req, struct err *err);
#include "api/routes.def"
#undef ROUTE

#endif
