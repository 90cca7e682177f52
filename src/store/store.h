/* SPDX-License-Identifier: MIT */
/* The one storage interface. Everything above this header (api/, auth/, cmd/, jobs/) talks to
 * the database only through these functions; no SQL and no SQLite type leaves store/, so a
 * PostgreSQL backend can sit behind the same declarations.
 *
 * Two kinds of handle:
 * - `struct store` (one per process, thread-safe): opened once, holds a pool of connections.
 *   Unbound functions on it serve the operator and the auth layer (organizations, tokens,
 *   health).
 * - `struct db` (one per request, one thread): the store bound to ONE organization and to the
 *   request's arena. Every resource function takes a `struct db`, and every query it runs is
 *   restricted to that organization: an id of another organization's row is NOT_FOUND exactly
 *   like a missing id, and a reference to one (a project's client_id...) is a VALIDATION_ERROR
 *   on that field, as if it did not exist.
 *
 * Rules for every function here:
 * - It is one whole transaction: it commits fully or changes nothing.
 * - It returns 0 (or a pointer) on success, -1 (or NULL) on failure with `err` set:
 *   NOT_FOUND, CONFLICT, VALIDATION_ERROR (with err_field entries) as documented per function,
 *   SERVICE_UNAVAILABLE (retry_after = 1) if the database stayed locked past the busy timeout,
 *   or INTERNAL (database failure: the SQLite message is in err->cause, never in detail).
 * - Results are allocated from the db's arena (bound functions) or the `arena` argument
 *   (unbound functions) and stay valid until that arena is freed. Inputs are borrowed for the
 *   duration of the call only.
 * - Timestamps are unix seconds (int64_t). The store sets created_at/updated_at itself. */
#ifndef VIGIL_STORE_STORE_H
#define VIGIL_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "model/asset.h"
#include "model/audit.h"
#include "model/client.h"
#include "model/finding.h"
#include "model/org.h"
#include "model/project.h"
#include "model/token.h"
#include "model/user.h"
#include "model/webhook.h"

struct arena;
struct store;
struct db;
struct store_scan;
struct store_delivery;

/* ---- Opening ---------------------------------------------------------------------------- */

/* Opens the database at `url` and applies every migration not yet recorded in
 * schema_migrations (idempotent: reopening applies nothing).
 *
 * SQLite: "sqlite:PATH", "sqlite://PATH" or a plain PATH (":memory:" is refused: each pooled
 * connection would see its own empty database). Creates the file if needed, sets WAL,
 * foreign_keys=ON and a busy timeout; every write transaction's WAL frames are fdatasync'ed
 * before its function returns (group commit: one flush serves every commit that finished while
 * it ran), so an acknowledged write survives a power cut.
 *
 * PostgreSQL: "postgres://..." or "postgresql://...", handed to libpq as it is (a unix socket
 * directory as ?host=/dir, sslmode and the other libpq parameters work). Migrations run under an
 * advisory lock, so servers starting together migrate once.
 *
 * Connections are opened lazily and pooled: a request holds at most one, so the pool grows to
 * (server threads + 1) and is capped at STORE_POOL_MAX (or store_set_pool_size), beyond which
 * an acquire waits. Returns NULL with INTERNAL, SERVICE_UNAVAILABLE (PostgreSQL unreachable) or
 * VALIDATION_ERROR (an unusable URL). */
struct store *store_open(const char *url, struct err *err);
#define STORE_POOL_MAX 64
/* True when several servers may share this database (PostgreSQL): then nothing above the
 * store may cache what a write changes on the strength of this process's writes alone (the
 * API's data-version ETags are off). */
bool store_is_shared(const struct store *store);
/* Caps the pool at `size` connections (<= 0: STORE_POOL_MAX): `vigil serve --db-pool`. */
void store_set_pool_size(struct store *store, int size);

/* Closes every pooled connection. All bound handles must be gone (their arenas freed).
 * Accepts NULL. */
void store_close(struct store *store);

/* Runs a trivial query on a pooled connection, for /health. SERVICE_UNAVAILABLE if the
 * database cannot answer. */
int store_ping(struct store *store, struct err *err);

/* Whether writes can be stored, for /health. A write that meets a storage fault (disk full,
 * read-only database, I/O error) fails with SERVICE_UNAVAILABLE and Retry-After, and the fault
 * is remembered. While one is remembered, this runs a write probe (a committed transaction that
 * inserts and deletes a 16 KiB row), which clears it when it commits, and reports the fault
 * still met, if any; with none remembered it costs nothing. */
enum store_health {
    STORE_HEALTH_OK,
    STORE_HEALTH_FULL,      /* disk full (SQLite: also max_page_count reached) */
    STORE_HEALTH_READ_ONLY, /* the database refuses writes */
    STORE_HEALTH_IO_ERROR,  /* I/O errors, or the WAL could not be synced */
};
enum store_health store_write_health(struct store *store);

/* Latest migration version applied (for `vigil migrate` and tests). */
int store_schema_version(struct store *store, int *version /* out */, struct err *err);

/* ---- Binding to an organization --------------------------------------------------------- */

/* Returns a handle bound to org_id whose results live in `a`. Never fails and does not check
 * that the organization exists (the auth layer found it through a token). A pooled connection
 * is taken at the first call that needs one and given back when `a` is freed (arena_defer), so
 * one request holds at most one connection: bind once per request. `org_id` is copied. */
struct db *store_bind(struct store *store, const char *org_id, struct arena *a);

/* Who is acting, recorded in finding status history ("tok_...", "usr_..."). Default "system".
 * Copied. */
void store_db_set_actor(struct db *db, const char *actor);

/* ---- Lists ------------------------------------------------------------------------------ */

enum store_kind {
    STORE_CLIENTS,
    STORE_PROJECTS,
    STORE_ASSETS,
    STORE_FINDINGS,
    STORE_TOKENS,
    STORE_SCANS,
    STORE_SCAN_FINDINGS, /* one scan's findings (store_scan_findings_list) */
    STORE_WEBHOOKS,
    STORE_WEBHOOK_DELIVERIES,
};
#define STORE_KIND_COUNT 9

enum store_field_type {
    STORE_FIELD_TEXT, /* compared exactly (cwe, owasp...) */
    STORE_FIELD_ID,   /* an id of the given prefix; a malformed value matches nothing */
    STORE_FIELD_ENUM, /* case-insensitive input, canonical names; a bad value is an error */
    STORE_FIELD_INT,
    STORE_FIELD_REAL,
    STORE_FIELD_TIME,
    STORE_FIELD_DATE,
    STORE_FIELD_BOOL, /* filter only: exactly one value, "true" or "false" (any case) */
};

/* One row of the fixed table of list fields. The API validates query parameters against the
 * same table the store enforces. */
struct store_field {
    const char *name; /* wire name: "severity", "project_id", "created_at" */
    enum store_field_type type;
    bool filter;                    /* allowed as ?name=a,b */
    bool sort;                      /* allowed in ?sort=[-]name */
    const char *id_prefix;          /* STORE_FIELD_ID: "proj_" */
    const char *const *enum_values; /* STORE_FIELD_ENUM: canonical names */
    int n_enum_values;
};

/* The list fields of a kind; *n receives the count. Static storage. */
const struct store_field *store_list_fields(enum store_kind kind, size_t *n /* out */);
/* The row named `name` (exact, lowercase), or NULL if the kind has none. */
const struct store_field *store_list_field(enum store_kind kind, const char *name);

#define STORE_PAGE_MAX         10000000 /* pages past this are a VALIDATION_ERROR on "page" */
#define STORE_PER_PAGE_DEFAULT 50
#define STORE_PER_PAGE_MAX     100
#define STORE_LIST_MAX_SORT    4
#define STORE_LIST_MAX_FILTERS 12
#define STORE_LIST_MAX_VALUES  32  /* values OR-ed within one filter */
#define STORE_SEARCH_MAX       256 /* bytes of search text */

struct store_sort {
    const char *field; /* a sortable field of the kind */
    bool desc;
};

struct store_filter {
    const char *field;   /* a filterable field of the kind */
    const char **values; /* OR-ed; 1..STORE_LIST_MAX_VALUES */
    size_t n_values;
};

/* A list query. Zero-initialise, then set what the request asked for. Every value is bound as
 * a parameter, never spliced into SQL; field names are checked against the fixed table. */
struct store_list {
    int64_t page;     /* 1..STORE_PAGE_MAX; 0 = 1 */
    int64_t per_page; /* 1..STORE_PER_PAGE_MAX; 0 = STORE_PER_PAGE_DEFAULT */
    struct store_sort sort[STORE_LIST_MAX_SORT]; /* none = created_at desc; id breaks ties */
    size_t n_sort;
    struct store_filter filters[STORE_LIST_MAX_FILTERS]; /* AND-ed between fields */
    size_t n_filters;
    bool has_created_after; /* created_at > created_after */
    int64_t created_after;
    bool has_created_before; /* created_at < created_before */
    int64_t created_before;
    bool has_updated_after; /* updated_at > updated_after */
    int64_t updated_after;
    /* Free text, or NULL. Findings: FTS5 over title, description, remediation, endpoint, cwe,
     * owasp (every word must match, as a prefix; operators in the text are plain words).
     * Other kinds: case-insensitive substring of their text fields. */
    const char *search;
};

/* One page of a list. The union member matching the kind is set. */
struct store_page {
    size_t n;      /* items on this page */
    int64_t total; /* items matching the query on all pages */
    union {
        struct client *clients;
        struct project *projects;
        struct asset *assets;
        struct finding *findings;
        struct api_token *tokens;
        struct user *users;
        struct service_account *service_accounts;
        struct audit_event *audit_events;
        struct store_scan *scans;
        struct webhook *webhooks;
        struct store_delivery *deliveries;
    };
};

/* Every list function raises VALIDATION_ERROR, with the field "page", "per_page", "sort",
 * "search" or the filter's name, for: a page or per_page out of range, an unknown or disallowed
 * field, more than the maximum number of sort keys, filters or values, a bad enum value, an
 * over-long search. A page past the end is not an error: it is empty, with the total. */

/* ---- Clients ---------------------------------------------------------------------------- */

/* Updates of every kind take a decoded write (`in->present` says which fields to change: all
 * writable bits after MODEL_CREATE/MODEL_REPLACE, some after MODEL_PATCH) and return the row as
 * stored after the change in *out. So PUT and PATCH are both `store_*_update`. */

/* Inserts; *out gets the new row (id, created_at, updated_at). */
int store_client_create(struct db *db, const struct client *in, struct client *out /* out */,
                        struct err *err);
/* NOT_FOUND */
int store_client_get(struct db *db, const char *id, struct client *out /* out */, struct err *err);
/* NOT_FOUND; VALIDATION_ERROR if a PATCH would clear a required field. */
int store_client_update(struct db *db, const char *id, const struct client *in,
                        struct client *out /* out */, struct err *err);
/* NOT_FOUND; CONFLICT while projects refer to the client (delete or detach them first). */
int store_client_delete(struct db *db, const char *id, struct err *err);
/* Filters: name. Sort: name, created_at, updated_at. Search: name, contact, notes. */
int store_client_list(struct db *db, const struct store_list *q, struct store_page *page /* out */,
                      struct err *err);

/* ---- Projects --------------------------------------------------------------------------- */

/* VALIDATION_ERROR on "client_id" if it names no client of this organization; on "end_date"
 * if it is before start_date. */
int store_project_create(struct db *db, const struct project *in, struct project *out /* out */,
                         struct err *err);
int store_project_get(struct db *db, const char *id, struct project *out /* out */,
                      struct err *err);
int store_project_update(struct db *db, const char *id, const struct project *in,
                         struct project *out /* out */, struct err *err);
/* NOT_FOUND; CONFLICT while the project still has findings or assets: they are evidence of
 * work done and a cascade would destroy them silently. Archive the project instead (status
 * archived), or delete its findings and assets first. */
int store_project_delete(struct db *db, const char *id, struct err *err);
/* Filters: status, client_id. Sort: name, status, start_date, end_date, created_at,
 * updated_at. Search: name, description. */
int store_project_list(struct db *db, const struct store_list *q, struct store_page *page /* out */,
                       struct err *err);

/* ---- Assets ----------------------------------------------------------------------------- */

/* VALIDATION_ERROR on "project_id" if it names no project of this organization. */
int store_asset_create(struct db *db, const struct asset *in, struct asset *out /* out */,
                       struct err *err);
int store_asset_get(struct db *db, const char *id, struct asset *out /* out */, struct err *err);
int store_asset_update(struct db *db, const char *id, const struct asset *in,
                       struct asset *out /* out */, struct err *err);
/* NOT_FOUND; CONFLICT while findings refer to the asset. */
int store_asset_delete(struct db *db, const char *id, struct err *err);
/* Filters: project_id, type, criticality, tag (assets carrying any of the tags). Sort: type,
 * value, criticality (by rank), created_at, updated_at. Search: value, tags.
 * GET /projects/{id}/assets is this list with a project_id filter. */
int store_asset_list(struct db *db, const struct store_list *q, struct store_page *page /* out */,
                     struct err *err);

/* ---- Findings --------------------------------------------------------------------------- */

/* Inserts a finding. The store computes cvss_score (from cvss_vector), fingerprint,
 * first_seen = last_seen = created_at, and records the first history entry (from NULL to the
 * status, by the db's actor). VALIDATION_ERROR on "project_id" / "asset_id" if they name no
 * row of this organization, or on "asset_id" if the asset belongs to another project. */
int store_finding_create(struct db *db, const struct finding *in, struct finding *out /* out */,
                         struct err *err);
/* Reads one finding. An acceptance that has expired (expires_at <= clock_now()) is first
 * reopened, as store_acceptances_expire does, so no caller sees one. NOT_FOUND. */
int store_finding_get(struct db *db, const char *id, struct finding *out /* out */,
                      struct err *err);
/* Applies the present fields, recomputes cvss_score, fingerprint and sla_due_at, and records
 * a history entry when the status changes. A status other than accepted clears the
 * acceptance. */
int store_finding_update(struct db *db, const char *id, const struct finding *in,
                         struct finding *out /* out */, struct err *err);
/* Deletes the finding and its history. NOT_FOUND. */
int store_finding_delete(struct db *db, const char *id, struct err *err);
/* Filters: severity, status, confidence, project_id, asset_id, scan_id, cwe, owasp, check_id,
 * fingerprint, sla_breached ("true" or "false", against clock_now()). The organization's
 * expired acceptances are reopened first (see store_finding_get). Sort: severity (by rank), status,
 * title, risk_score, cvss_score, created_at, updated_at, first_seen, last_seen. Search: FTS5 (see
 * struct store_list). */
int store_finding_list(struct db *db, const struct store_list *q, struct store_page *page /* out */,
                       struct err *err);
/* ---- SLAs and risk acceptance (issue 11) ------------------------------------------------ */

struct finding_sla;
struct finding_acceptance;

/* The organization's SLA days (model/sla.h defaults when it set none) and when they were last
 * set (*updated_at 0: never). */
int store_sla_get(struct db *db, struct finding_sla *out /* out */, int64_t *updated_at /* out */,
                  struct err *err);
/* Replaces the organization's SLA days (in->days of low..critical, validated by the caller)
 * and recomputes sla_due_at of all its findings, in one transaction. */
int store_sla_put(struct db *db, const struct finding_sla *in, struct err *err);
/* Accepts the risk of finding `id`: status accepted, the acceptance (in->reason, expires_at;
 * by = db's actor, at = now), a history entry noted "risk accepted" and the finding.updated
 * event, in one transaction; *out is the row after. NOT_FOUND; CONFLICT for a remediated or
 * false-positive finding. The caller validated `in` (finding_acceptance_from_json). */
int store_finding_accept(struct db *db, const char *id, const struct finding_acceptance *in,
                         struct finding *out /* out */, struct err *err);
/* The next moment after `now` at which a finding answer of db's organization changes with no
 * write: the earliest of an open or confirmed finding's sla_due_at + 1 (when sla_breached
 * turns true) and an acceptance's expires_at; 0 when none is pending. The API puts it in the
 * findings' ETags. */
int store_finding_next_change(struct db *db, int64_t now, int64_t *at /* out */, struct err *err);
/* Unbound housekeeping (the sweep of `vigil serve` and `vigil worker`): reopens every
 * finding, of any organization, whose acceptance expired at `now` (expires_at <= now): status
 * open, acceptance cleared, a history entry by "system" noted "acceptance expired", the
 * finding.updated event. Batches of 500 a transaction; *expired counts them. */
int store_acceptances_expire(struct store *store, int64_t now, size_t *expired /* out */,
                             struct err *err);

/* The status history of a finding, oldest first. NOT_FOUND if the finding is not visible. */
int store_finding_history(struct db *db, const char *finding_id,
                          struct finding_status_change **items /* out */, size_t *n /* out */,
                          struct err *err);
/* Deduplicating insert for scan results: if a finding of the same project has the same
 * fingerprint, only its last_seen (and scan_id, when set) is updated and *created is false;
 * otherwise the finding is created as by store_finding_create and *created is true. A
 * remediated finding seen again is not reopened here (the caller decides). */
int store_finding_record(struct db *db, const struct finding *in, struct finding *out /* out */,
                         bool *created /* out */, struct err *err);

/* ---- Idempotency keys ------------------------------------------------------------------- */

enum store_idem_state {
    STORE_IDEM_NEW,       /* key recorded as in flight: run the handler, then finish or abort */
    STORE_IDEM_REPLAY,    /* same key and request: send the stored response (*reply) */
    STORE_IDEM_MISMATCH,  /* same key, another request: 422 IDEMPOTENCY_KEY_REUSED */
    STORE_IDEM_IN_FLIGHT, /* same key still being handled: 409 CONFLICT */
    STORE_IDEM_SECRET,    /* same key and request, succeeded, answer held a once-only secret:
                           * not replayable (409); reply->status and ->location are set */
};

/* Whose key it is: a key is unique per (organization, principal, method, route template). */
struct store_idem_scope {
    const char *principal; /* "usr_..." for a user's JWTs and sessions, else the token id */
    const char *method;    /* "POST" */
    const char *route;     /* the route template, "/api/v1/service-accounts/{id}/tokens" */
    const char *key;       /* the Idempotency-Key header */
};

struct store_idem_reply {
    int status;
    const char *content_type;
    const char *location; /* the Location header of the first answer, or NULL */
    const char *body;     /* not NUL-terminated in general; len bytes */
    size_t len;
};

#define STORE_IDEM_KEY_MAX 255
#define STORE_IDEM_TTL     (24 * 3600) /* keys are forgotten after a day */
#define STORE_IDEM_STALE   (10 * 60)   /* an in-flight key this old is abandoned: taken over */

/* Looks up the key of `scope` in the bound organization. `request_hash` identifies the
 * request within that scope (the caller hashes the concrete path and the body; any string up
 * to 128 bytes). Keys older than STORE_IDEM_TTL are treated as absent and replaced.
 * VALIDATION_ERROR on "Idempotency-Key" if the key is empty or too long. */
int store_idem_begin(struct db *db, const struct store_idem_scope *scope, const char *request_hash,
                     int64_t now, enum store_idem_state *state /* out */,
                     struct store_idem_reply *reply /* out, set for REPLAY and SECRET */,
                     struct err *err);
/* Stores the 2xx answer of a NEW key (content type, location and body copied). With
 * `once_secret` the answer is not kept, only that the request succeeded (state SECRET from
 * then on). NOT_FOUND if the key is not in flight. */
int store_idem_finish(struct db *db, const struct store_idem_scope *scope,
                      const struct store_idem_reply *answer, bool once_secret, struct err *err);
/* Forgets a NEW key whose handler did not succeed, so a retry runs again. Missing: no error. */
int store_idem_abort(struct db *db, const struct store_idem_scope *scope, struct err *err);
/* Deletes expired keys of every organization (housekeeping); *deleted may be NULL. */
int store_idem_purge(struct store *store, int64_t now, int64_t *deleted /* out */, struct err *err);

/* ---- Server keys (unbound: shared by every server on the database) ---------------------- */

/* The sealed key stored under name ("jwt", "scan-credentials"): *found false when there is
 * none yet; *sealed (len bytes) lives in arena. */
int store_server_key_get(struct store *store, const char *name, struct arena *arena,
                         unsigned char **sealed /* out */, size_t *len /* out */,
                         bool *found /* out */, struct err *err);
/* Stores the sealed key under name unless one is there already (*added says which): a key,
 * once written, is never replaced, so servers starting at once agree on the first. */
int store_server_key_add(struct store *store, const char *name, const unsigned char *sealed,
                         size_t len, bool *added /* out */, struct err *err);

/* ---- Organizations (unbound) ------------------------------------------------------------ */

/* Creates an organization named `name` (1..MODEL_NAME_MAX, else VALIDATION_ERROR "name"). */
int store_org_create(struct store *store, const char *name, struct arena *arena,
                     struct org *out /* out */, struct err *err);
/* NOT_FOUND */
int store_org_get(struct store *store, const char *id, struct arena *arena,
                  struct org *out /* out */, struct err *err);
int store_org_count(struct store *store, int64_t *count /* out */, struct err *err);
/* The first `max` organizations, oldest first (for operator commands). */
int store_org_list(struct store *store, struct arena *arena, size_t max,
                   struct org **items /* out */, size_t *n /* out */, struct err *err);

/* ---- API tokens ------------------------------------------------------------------------- *
 * Bound to the organization, except the two calls of authentication: the lookup by digest
 * (which yields the organization) and the touch that records a use. */

/* Inserts t into db's organization as given (the caller sets id "tok_...", name, scopes,
 * token_prefix, digest, created_at, expires_at, created_by; last_used_at and revoked_at are
 * stored as given, normally 0; t->org_id is not read). NOT_FOUND if the organization does not
 * exist; CONFLICT if the id or digest is taken. */
int store_token_insert(struct db *db, const struct api_token *t, struct err *err);
/* The token whose digest is `digest`, whatever its state (the caller checks revoked_at and
 * expires_at, e.g. with api_token_is_active). One lookup on a unique index. NOT_FOUND. */
int store_token_find_by_digest(struct store *store,
                               const unsigned char digest[API_TOKEN_DIGEST_LEN],
                               struct arena *arena, struct api_token *out /* out */,
                               struct err *err);
/* NOT_FOUND, also when the token belongs to another organization. */
int store_token_get(struct db *db, const char *id, struct api_token *out /* out */,
                    struct err *err);
/* The organization's tokens, newest first; q may be NULL (first page, default size). Only
 * page and per_page of q are used. */
int store_token_list(struct db *db, const struct store_list *q,
                     struct store_page *page /* out, .tokens */, struct err *err);
/* Sets revoked_at = now. NOT_FOUND (also for another organization's token); revoking a revoked
 * token keeps the first revoked_at and succeeds. */
int store_token_revoke(struct db *db, const char *id, int64_t now, struct err *err);
/* Records a use: writes last_used_at = now only if the stored value is older than
 * STORE_TOKEN_TOUCH_INTERVAL seconds, so authenticating a burst of requests costs one write a
 * minute per token rather than one per request. A missing token is not an error. */
int store_token_touch(struct store *store, const char *id, int64_t now, struct err *err);
#define STORE_TOKEN_TOUCH_INTERVAL 60

/* The tokens of one owner (user_id or service_account_id, exactly one non-NULL), newest first;
 * only page and per_page of q are used. */
int store_token_list_owned(struct db *db, const char *user_id, const char *service_account_id,
                           const struct store_list *q, struct store_page *page /* out, .tokens */,
                           struct err *err);

/* ---- Users (identity.c) ---------------------------------------------------------------- *
 * Bound to the organization (another organization's user is NOT_FOUND), except the lookup a
 * login makes before any organization is known. */

/* Inserts a user into db's organization (username, role, disabled, password_hash may be NULL;
 * in->org_id is not read); sets id, org_id, created_at, updated_at in *out. CONFLICT if the
 * username is taken in the organization (case-insensitively); NOT_FOUND if the organization
 * does not exist. */
int store_user_create(struct db *db, const struct user *in, struct user *out /* out */,
                      struct err *err);
/* NOT_FOUND */
int store_user_get(struct db *db, const char *id, struct user *out /* out */, struct err *err);
/* Unbound. The user a login names: username (case-insensitive) within org_id, or across every
 * organization when org_id is NULL (then a name held in two organizations is NOT_FOUND:
 * the client must name its organization). NOT_FOUND. */
int store_user_find_login(struct store *store, const char *org_id, const char *username,
                          struct arena *arena, struct user *out /* out */, struct err *err);
/* The organization's users, oldest first; page and per_page of q are used. */
int store_user_list(struct db *db, const struct store_list *q,
                    struct store_page *page /* out, .users */, struct err *err);
/* Applies role and/or disabled (w->present) and returns the row after the change in *out and
 * the role before it in *old_role. Disabling also revokes, for good, every personal token and
 * refresh family of the user (so its JWTs' sessions end too): re-enabling revives none.
 * NOT_FOUND. */
int store_user_update(struct db *db, const char *id, const struct user_write *w,
                      struct user *out /* out */, enum user_role *old_role /* out */,
                      struct err *err);
/* Stores a new password hash and revokes the user's refresh families. NOT_FOUND. */
int store_user_set_password(struct db *db, const char *id, const char *password_hash,
                            struct err *err);
/* Deletes the user, revokes its personal tokens and refresh families and forgets its
 * password-set tokens. NOT_FOUND. */
int store_user_delete(struct db *db, const char *id, struct err *err);

/* ---- Service accounts (identity.c) ------------------------------------------------------- */

/* Inserts (name, role, created_by) into db's organization; sets id, org_id and times in *out. */
int store_service_account_create(struct db *db, const struct service_account *in,
                                 struct service_account *out /* out */, struct err *err);
int store_service_account_get(struct db *db, const char *id, struct service_account *out /* out */,
                              struct err *err);
int store_service_account_list(struct db *db, const struct store_list *q,
                               struct store_page *page /* out, .service_accounts */,
                               struct err *err);
/* Deletes it and revokes its tokens. NOT_FOUND. */
int store_service_account_delete(struct db *db, const char *id, struct err *err);

/* ---- Refresh tokens and password-set tokens (identity.c) --------------------------------- *
 * Creating one is bound to the organization; the calls keyed by a secret's digest or a
 * session's family id are the credential side (authentication, logout) and unbound. */

#define STORE_SECRET_DIGEST_LEN 32

/* A new login: family `family_id` of user_id ending at family_expires_at, and its first token
 * (digest, expires_at). */
int store_refresh_family_create(struct db *db, const char *user_id, const char *family_id,
                                int64_t family_expires_at,
                                const unsigned char digest[STORE_SECRET_DIGEST_LEN],
                                int64_t expires_at, int64_t now, struct err *err);

/* A stored refresh token with its family (the fields of auth/refresh.h's refresh_record). */
struct store_refresh_row {
    const char *family_id;
    const char *org_id;
    const char *user_id;
    int64_t expires_at;
    int64_t used_at;
    int64_t family_expires_at;
    int64_t family_revoked_at;
};

/* The token whose digest is `digest`, whatever its state. NOT_FOUND. */
int store_refresh_find(struct store *store, const unsigned char digest[STORE_SECRET_DIGEST_LEN],
                       struct arena *arena, struct store_refresh_row *out /* out */,
                       struct err *err);
/* Exchanges a token the caller judged REFRESH_OK: marks it used and inserts its successor
 * (next_digest, next_expires_at) in one transaction. CONFLICT if it was used meanwhile or its
 * family revoked (a concurrent exchange won: the caller treats it as reuse). */
int store_refresh_rotate(struct store *store, const unsigned char digest[STORE_SECRET_DIGEST_LEN],
                         const unsigned char next_digest[STORE_SECRET_DIGEST_LEN],
                         int64_t next_expires_at, int64_t now, struct err *err);
/* Revokes a family (logout, reuse); revoking twice keeps the first time. Missing: no error. */
int store_refresh_family_revoke(struct store *store, const char *family_id, int64_t now,
                                struct err *err);

/* How long this process trusts a "session live" answer of store_refresh_family_live before
 * reading the store again: a revocation by another process sharing the database (several
 * servers) ends that session here within this time. Revocations in this process end it at
 * once. */
#define STORE_FAMILY_CACHE_TTL_MS 1000
/* *live is true when family_id is a refresh family of user_id that is not revoked (the
 * session of an access JWT's `sid`). A missing family is not live. Read from the store or a
 * bounded cache (see STORE_FAMILY_CACHE_TTL_MS). */
int store_refresh_family_live(struct store *store, const char *family_id, const char *user_id,
                              bool *live /* out */, struct err *err);

/* Records a one-time password-set token of a user. NOT_FOUND if the user is not in db's
 * organization. */
int store_password_token_create(struct db *db, const char *user_id,
                                const unsigned char digest[STORE_SECRET_DIGEST_LEN],
                                int64_t expires_at, int64_t now, struct err *err);
/* The user a live (unused, unexpired at now) password-set token belongs to. UNAUTHORIZED
 * otherwise. */
int store_password_token_user(struct store *store,
                              const unsigned char digest[STORE_SECRET_DIGEST_LEN], int64_t now,
                              struct arena *arena, struct user *user /* out */, struct err *err);
/* Consumes the token: if it is unused and unexpired at `now` and its user still exists, stores
 * password_hash for the user, marks the token used and revokes the user's refresh families.
 * *user gets the user. UNAUTHORIZED for an unknown, used or expired token. */
int store_password_token_consume(struct store *store,
                                 const unsigned char digest[STORE_SECRET_DIGEST_LEN],
                                 const char *password_hash, int64_t now, struct arena *arena,
                                 struct user *user /* out */, struct err *err);

/* ---- Audit log (audit.c) ------------------------------------------------------------------ */

/* Appends an event of db's organization (e->org_id is not read; id and created_at are set
 * here when NULL/0). */
int store_audit_record(struct db *db, const struct audit_event *e, struct err *err);
/* Appends an event that names no organization (a failed login naming no known user). */
int store_audit_record_unbound(struct store *store, const struct audit_event *e, struct err *err);

struct store_audit_filter {
    const char *actor, *action, *target; /* exact match each, NULL = any */
    bool has_created_after, has_created_before;
    int64_t created_after, created_before;
};

/* The organization's events matching f, newest first; page and per_page of q are used. */
int store_audit_list(struct db *db, const struct store_audit_filter *f, const struct store_list *q,
                     struct store_page *page /* out, .audit_events */, struct err *err);

/* ---- Scans (scans.c) ------------------------------------------------------------------------ */

/* A server-launched scan and the job (kind "scan", payload {"scan_id": "..."}) that runs it. */
enum store_scan_status {
    STORE_SCAN_QUEUED,
    STORE_SCAN_RUNNING,
    STORE_SCAN_COMPLETE,
    STORE_SCAN_FAILED,
    STORE_SCAN_CANCELLED,
};
const char *store_scan_status_name(enum store_scan_status s);

struct store_scan {
    const char *id; /* "scan_..." */
    const char *org_id;
    const char *project_id; /* may be NULL */
    enum store_scan_status status;
    const char *target;
    const char *request; /* the accepted create body (JSON text, no credentials) */
    const char *job_id;
    int64_t endpoints_discovered, endpoints_tested, requests_sent, findings;
    const char *summary; /* JSON object of counts by severity once finished, else NULL */
    int exit_status;     /* -1 until finished */
    const char *error;   /* why it failed, else NULL */
    int64_t created_at, started_at, finished_at, updated_at;
    /* Target credentials (migration 009). `credentials` is the sealed blob, set on create and
     * never read back into this struct (store_scan_credentials loads it for the worker). */
    const unsigned char *credentials;
    size_t credentials_len;
    const char *credentials_state; /* "none", "stored" or "wiped" */
    bool keep_credentials;         /* not wiped when the scan ends, for reruns */
    const char *auth_summary;      /* JSON: types and non-secret fields of auth/auth_secondary */
    const char *rerun_of;          /* the scan this one reran, or NULL */
};

/* One rendered report of a scan. */
struct store_scan_report {
    const char *format; /* "json", "sarif", ... */
    const char *content_type;
    const char *body;
    size_t len;
};

#define STORE_SCAN_JOB_KIND "scan"

/* A scan's wire shape, written once: GET /scans and the scan.* webhook events (the request's
 * credentials never: only their types and non-secret fields from auth_summary). */
struct jsonw;
void store_scan_to_json(struct jsonw *w, const struct store_scan *s);

/* Inserts a queued scan (in: project_id, target, request) and its job, claimable now, in one
 * transaction. VALIDATION_ERROR on "project_id" if it names no project of this organization. */
int store_scan_create(struct db *db, const struct store_scan *in, int max_attempts,
                      struct store_scan *out /* out */, struct err *err);
/* NOT_FOUND */
int store_scan_get(struct db *db, const char *id, struct store_scan *out /* out */,
                   struct err *err);
/* Cancels: a queued scan becomes cancelled at once with its job; a running one has its job's
 * cancel requested (the worker stops and marks it cancelled). *was_running says which.
 * NOT_FOUND; CONFLICT when the scan has finished. */
int store_scan_cancel(struct db *db, const char *id, bool *was_running /* out */, struct err *err);
/* (A queued scan cancelled here has its credentials wiped unless it keeps them.) */
/* Filters: status, project_id. Sort: status, created_at, updated_at. No search. */
int store_scan_list(struct db *db, const struct store_list *q, struct store_page *page /* out */,
                    struct err *err);
/* The stored report in `format`; NOT_FOUND for no scan, CONFLICT while it has none yet. */
int store_scan_report_get(struct db *db, const char *id, const char *format,
                          struct store_scan_report *out /* out */, struct err *err);

/* A new queued scan with the target, request, project and stored credentials of scan `id`
 * (rerun_of = id). NOT_FOUND; CONFLICT when the original's credentials were wiped. */
int store_scan_rerun(struct db *db, const char *id, int max_attempts,
                     struct store_scan *out /* out */, struct err *err);
/* The organization's allowed scan networks ("cidr,cidr", "" if never set) and when they were
 * last set (0 = never). */
int store_scan_policy_get(struct db *db, const char **allow /* out */,
                          int64_t *updated_at /* out */, struct err *err);
/* Replaces them. */
int store_scan_policy_put(struct db *db, const char *allow, struct err *err);
/* A scan's findings (kind STORE_SCAN_FINDINGS: filters severity, status; sorts severity,
 * risk_score, created_at), with the platform status and id of each one the scan landed in its
 * project. NOT_FOUND for no such scan. */
int store_scan_findings_list(struct db *db, const char *id, const struct store_list *q,
                             struct store_page *page /* out, .findings */, struct err *err);

/* Workers (unbound). */
/* The sealed credentials of a scan: *blob NULL when it has none (or they were wiped). */
int store_scan_credentials(struct store *store, const char *id, struct arena *arena,
                           const unsigned char **blob /* out */, size_t *len /* out */,
                           struct err *err);
/* Replaces the findings the scan reports (GET /scans/{id}/findings); source_key is the
 * platform source their project copies carry (NULL without a project). */
int store_scan_findings_put(struct store *store, const struct store_scan *scan,
                            const char *source_key, const struct finding *findings, size_t n,
                            int64_t now, struct err *err);
/* NOT_FOUND */
int store_scan_load(struct store *store, const char *id, struct arena *arena,
                    struct store_scan *out /* out */, struct err *err);
/* The scan starts (again, after a lost worker: progress restarts from zero): running. */
int store_scan_started(struct store *store, const char *id, int64_t now, struct err *err);
/* Writes the live progress counters. */
int store_scan_progress(struct store *store, const char *id, int64_t endpoints_discovered,
                        int64_t endpoints_tested, int64_t requests_sent, int64_t findings,
                        int64_t now, struct err *err);
/* Ends the scan: final status (complete, failed or cancelled), counters in `final` (its
 * progress fields, summary, exit_status, error) and its rendered reports, replacing any. Its
 * credentials are wiped in the same transaction unless it keeps them. */
int store_scan_finish(struct store *store, const char *id, enum store_scan_status status,
                      const struct store_scan *final, const struct store_scan_report *reports,
                      size_t n_reports, int64_t now, struct err *err);

/* ---- Job queue (unbound; jobs.c) ----------------------------------------------------------- */

/* The durable queue behind server-launched scans (kind "scan") and, later, other background
 * work: `kind` is a free string and `payload` the kind's JSON text. Every function takes the
 * time as `now` (unix seconds) so tests drive the clock.
 *
 * States: queued -> running (claimed, leased) -> done | failed | cancelled; a failed attempt
 * may go back to queued with a later run_after (store_job_retry). A running job whose lease
 * expired is claimable again, exactly like a queued one: its next worker reruns it from the
 * start. */
enum store_job_state {
    STORE_JOB_QUEUED,
    STORE_JOB_RUNNING,
    STORE_JOB_DONE,
    STORE_JOB_FAILED,
    STORE_JOB_CANCELLED,
};
const char *store_job_state_name(enum store_job_state s);

struct store_job {
    const char *id; /* "job_..." */
    const char *org_id;
    const char *kind;
    const char *payload;
    enum store_job_state state;
    int attempts; /* claims so far, this one included */
    int max_attempts;
    int64_t run_after;
    const char *lease_owner; /* NULL unless running */
    int64_t lease_expires_at;
    bool cancel_requested;
    const char *last_error; /* NULL if none */
    int64_t created_at;
    int64_t updated_at;
    int64_t finished_at; /* 0 until done, failed or cancelled */
};

/* Queues a job claimable from run_after on. max_attempts (>= 1) bounds the claims, counting
 * reclaims after an expired lease. *out gets the row. VALIDATION_ERROR on "kind" (empty),
 * "payload" (NULL) or "max_attempts". */
int store_job_enqueue(struct store *store, const char *org_id, const char *kind,
                      const char *payload, int64_t run_after, int max_attempts, int64_t now,
                      struct arena *arena, struct store_job *out /* out */, struct err *err);

/* Atomically takes the oldest claimable job of `kind`: queued with run_after <= now, or
 * running with lease_expires_at <= now (an abandoned lease), and, when max_per_org > 0, of an
 * organization with fewer than max_per_org live (unexpired) running jobs of this kind. The job
 * becomes running, leased to `owner` until now + lease_seconds, attempts + 1. A reclaimed job
 * that has used all its attempts is marked failed instead ("worker lost ...") and the search
 * goes on. *claimed is false when nothing is claimable. The selection and the update are one
 * statement in one write transaction (on PostgreSQL the same statement's subquery takes
 * FOR UPDATE SKIP LOCKED), so two workers never hold the same job. */
int store_job_claim(struct store *store, const char *kind, const char *owner, int64_t now,
                    int64_t lease_seconds, int max_per_org, struct arena *arena,
                    struct store_job *out /* out */, bool *claimed /* out */, struct err *err);

/* Extends the lease of a job `owner` holds to now + lease_seconds and reports whether a cancel
 * was requested. CONFLICT if the job is no longer running under `owner` (the lease expired and
 * another worker took it, or it finished): the caller must stop and write nothing more. */
int store_job_renew(struct store *store, const char *id, const char *owner, int64_t now,
                    int64_t lease_seconds, bool *cancel_requested /* out */, struct err *err);

/* Ends a job `owner` holds: state done, failed or cancelled, with an optional error text.
 * CONFLICT if it no longer holds the job. */
int store_job_finish(struct store *store, const char *id, const char *owner,
                     enum store_job_state state, const char *error, int64_t now, struct err *err);

/* A failed attempt: back to queued, claimable from run_after, if attempts remain; otherwise
 * failed. *requeued says which. CONFLICT if `owner` no longer holds the job. */
int store_job_retry(struct store *store, const char *id, const char *owner, int64_t run_after,
                    const char *error, int64_t now, bool *requeued /* out */, struct err *err);

/* Cancels a job of org_id: a queued one becomes cancelled at once (*was_running false); a
 * running one gets cancel_requested, which its worker sees at the next renew (*was_running
 * true). NOT_FOUND for a job of another organization; CONFLICT once it is done, failed or
 * cancelled. */
int store_job_cancel(struct store *store, const char *org_id, const char *id, int64_t now,
                     bool *was_running /* out */, struct err *err);

/* NOT_FOUND. org_id NULL reads any organization's job (workers). */
int store_job_get(struct store *store, const char *org_id, const char *id, struct arena *arena,
                  struct store_job *out /* out */, struct err *err);

/* ---- Fault injection (tests) ------------------------------------------------------------ */

/* Makes the n-th counted call from now (1 = the next one) fail with INTERNAL before touching the
 * database, once; 0 only counts. Counted: every transaction begun, every statement step, and
 * the reads that run without a transaction. Process wide; for tests only. */
void store_fault_arm(long n);
/* Stops counting (and failing). */
void store_fault_disarm(void);
/* Number of calls counted since the last store_fault_arm (to size a sweep). */
long store_fault_calls(void);

/* ---- Finding ingest (store/ingest.c): imports, bulk writes, scan results ---------------- */

#define STORE_INGEST_MAX 10000 /* findings in one bulk request */

/* One ingest: findings of one source (a tool or scan_type, on one asset or the whole project)
 * written to one project. Items are plain findings, so a scan's findings map onto them as they
 * are: title, severity, cwe, owasp, endpoint, evidence, remediation, risk_score, check_id (the
 * tool's rule id), scan_id and optionally fingerprint (the tool's own, e.g. SARIF
 * partialFingerprints; when NULL model/fingerprint.h's is used). That key is kept with the row
 * as its source fingerprint, so an edit that changes the computed `fingerprint` does not break
 * reimport matching. Their project_id and asset_id are ignored: the ingest's apply. */
struct store_ingest {
    const char *project_id;
    const char *asset_id; /* optional; part of the source key */
    const char *source;   /* tool or scan_type; NULL = "manual" */
    bool complete;        /* a full run: open findings of the source it did not see close */
    bool partial;         /* invalid items are skipped and reported instead of failing all */
    const struct finding *items;
    size_t n_items;
};

struct store_ingest_error {
    size_t index;        /* position in items */
    const char *field;   /* "title"... */
    const char *message; /* "is required" */
};

struct store_ingest_result {
    const char *import_id; /* "imp_...": named by the history entries it wrote */
    size_t created, updated, closed, reopened, skipped;
    struct store_ingest_error *errors;
    size_t n_errors;
};

/* Writes an ingest in ONE transaction. For each item, by fingerprint within (project, source
 * key): unknown -> created (status as given, default open); known -> last_seen and scan_id
 * updated (updated), and if it was remediated it is reopened to open with a history entry whose
 * actor is the import id (reopened, counted instead of updated); false_positive and accepted
 * keep their status (updated); a second item with a fingerprint already seen in this ingest
 * is skipped. With `complete`, every open or confirmed finding of the source that this ingest
 * did not see becomes remediated, with a history entry whose actor is the import id (closed).
 * An invalid item: without `partial`, VALIDATION_ERROR naming "findings/<index>/<field>" and
 * nothing is written; with `partial`, it is skipped and listed in out->errors. NOT_FOUND if
 * the project is not visible; VALIDATION_ERROR on "asset_id" for an asset not of the project;
 * VALIDATION_ERROR on "findings" for more than STORE_INGEST_MAX items. */
int store_findings_ingest(struct db *db, const struct store_ingest *in,
                          struct store_ingest_result *out /* out */, struct err *err);

/* The same writer, fed in batches (scanner-report imports of any length): begin opens the
 * write transaction and checks the project and asset (as above); each add writes a batch with
 * the rules above, item indexes counting on across batches (a failing add leaves the run to be
 * aborted); finish closes the missing findings of a complete run, records the run and commits;
 * abort rolls everything back. The run lives in db's arena; between begin and finish/abort the
 * caller holds the store's write lock, so it should feed batches without waiting on anything
 * slow. Item allocations are freed after each add, so memory is bounded by the batch. An add
 * past STORE_INGEST_RUN_MAX items in all raises PAYLOAD_TOO_LARGE. */
#define STORE_INGEST_RUN_MAX 1000000
struct store_ingest_run;
int store_ingest_begin(struct db *db, const struct store_ingest *in,
                       struct store_ingest_run **run /* out */, struct err *err);
int store_ingest_add(struct store_ingest_run *run, const struct finding *items, size_t n,
                     struct err *err);
int store_ingest_finish(struct store_ingest_run *run, struct store_ingest_result *out /* out */,
                        struct err *err);
void store_ingest_abort(struct store_ingest_run *run); /* accepts NULL and a finished run */

/* ---- Webhooks (store/webhooks.c): endpoints, the event outbox, deliveries ------------------ */

/* Events are written by the store functions that make the change, in the same transaction, and
 * only when an active endpoint of the organization subscribes to them (store_finding_create:
 * finding.created; store_finding_update: finding.updated; store_finding_delete:
 * finding.deleted, data {id}; store_project_create: project.created; store_findings_ingest:
 * finding.created per created finding and finding.updated per reopened or closed one;
 * store_scan_finish: scan.completed or scan.failed). So a rolled-back change sends nothing and
 * an acknowledged one cannot lose its event. The body of an event is fixed when it is written:
 * {"event", "timestamp", "data"}, data being the resource as its GET shows it. */

#define STORE_WEBHOOK_JOB_KIND     "webhook"
#define STORE_WEBHOOK_MAX_ATTEMPTS 8    /* the first try and seven retries */
#define STORE_WEBHOOK_RESPONSE_MAX 4096 /* bytes of an answer body kept in the log */

enum store_delivery_status {
    STORE_DELIVERY_PENDING,
    STORE_DELIVERY_SUCCEEDED,
    STORE_DELIVERY_FAILED,
};
const char *store_delivery_status_name(enum store_delivery_status s);

/* One attempt of a delivery, as logged. */
struct store_attempt {
    int attempt;     /* 1, 2, ... over the delivery's life, redeliveries included */
    int64_t at;      /* when it was sent */
    int status_code; /* 0 when no answer came */
    int64_t latency_ms;
    const char *error;    /* NULL on success */
    const char *response; /* the first STORE_WEBHOOK_RESPONSE_MAX bytes of the answer body */
};

/* One event's delivery to one endpoint. */
struct store_delivery {
    const char *id;         /* "dlv_..." */
    const char *webhook_id; /* "wh_..." */
    const char *message_id; /* the webhook-id header: the event's "msg_..." */
    const char *event;
    enum store_delivery_status status;
    int attempts;
    int64_t next_attempt_at; /* 0 once settled */
    int64_t created_at, updated_at;
    struct store_attempt *log; /* oldest first */
    size_t n_log;
};

/* Inserts an endpoint; in->secret must be set (the caller generates one when the client gave
 * none). *out is the stored row, its secret included. */
int store_webhook_create(struct db *db, const struct webhook *in, struct webhook *out /* out */,
                         struct err *err);
/* NOT_FOUND. The secret is not read (out->secret NULL). */
int store_webhook_get(struct db *db, const char *id, struct webhook *out /* out */,
                      struct err *err);
/* Applies the present fields of a PATCH (url, events, active, description; not the secret).
 * Setting active true clears failing_since and disabled_reason. NOT_FOUND. */
int store_webhook_update(struct db *db, const char *id, const struct webhook *in,
                         struct webhook *out /* out */, struct err *err);
/* Deletes the endpoint and its delivery log; its queued jobs end without sending. NOT_FOUND. */
int store_webhook_delete(struct db *db, const char *id, struct err *err);
/* Sort: created_at, updated_at. No filters, no search. */
int store_webhook_list(struct db *db, const struct store_list *q, struct store_page *page /* out */,
                       struct err *err);
/* Replaces the secret by new_secret; the old one keeps signing beside it until
 * previous_expires_at. *out carries the new secret. NOT_FOUND. */
int store_webhook_rotate(struct db *db, const char *id, const char *new_secret,
                         int64_t previous_expires_at, struct webhook *out /* out */,
                         struct err *err);
/* Queues a `ping` event ({"webhook_id"}) to this endpoint only. NOT_FOUND; CONFLICT if the
 * endpoint is not active. */
int store_webhook_ping(struct db *db, const char *id, struct store_delivery *out /* out */,
                       struct err *err);
/* The endpoint's deliveries, each with its attempt log. q must carry the webhook_id filter
 * (the API's fixed filter). Filters: status, event. Sort: created_at, updated_at. NOT_FOUND
 * when the endpoint is not visible. */
int store_webhook_deliveries(struct db *db, const char *webhook_id, const struct store_list *q,
                             struct store_page *page /* out */, struct err *err);
/* Sends a settled delivery again now, with the same webhook-id: pending again, a new job.
 * NOT_FOUND (endpoint or delivery); CONFLICT while it is still pending or when the endpoint is
 * not active. */
int store_webhook_redeliver(struct db *db, const char *webhook_id, const char *delivery_id,
                            struct store_delivery *out /* out */, struct err *err);

/* Workers (unbound). */

/* Fans out up to `limit` undispatched events, oldest first: one pending delivery and one job
 * (kind STORE_WEBHOOK_JOB_KIND, payload {"delivery_id"}) per active endpoint subscribed at this
 * moment; marks them dispatched. *n gets the number of events handled. Cheap when there is
 * nothing to do (one read). */
int store_webhook_dispatch(struct store *store, int64_t now, size_t limit, size_t *n /* out */,
                           struct err *err);

/* What one attempt needs. */
struct store_webhook_send {
    const char *delivery_id, *org_id, *webhook_id, *url, *message_id, *event;
    const char *body;
    size_t body_len;
    const char *secret;
    const char *previous_secret; /* NULL unless still signing at `now` */
    int attempt;                 /* the number this attempt gets in the log */
    const char *skip;            /* non-NULL: do not send, settle the job (why) */
};

/* Loads the delivery a job names. A delivery that is gone (endpoint deleted), settled, or of an
 * endpoint no longer active comes back with `skip` set. NOT_FOUND for a malformed payload. */
int store_webhook_send_load(struct store *store, const char *job_payload, int64_t now,
                            struct arena *arena, struct store_webhook_send *out /* out */,
                            struct err *err);

/* How an attempt ended, decided by the sender. */
struct store_webhook_outcome {
    struct store_attempt attempt; /* attempt number is taken from the send */
    bool success;                 /* a 2xx answer */
    bool gone;                    /* 410: deactivate the endpoint */
    int64_t retry_at;             /* failed: try again from then; 0 = give up now */
    int64_t disable_after;        /* seconds of failing after which the endpoint is deactivated */
};

/* Records an attempt in ONE transaction with its consequences: the attempt row; the delivery
 * (succeeded; pending with next_attempt_at; or failed when there is no retry or the job has
 * no attempt left); the endpoint (failing_since set on the first failure and cleared on a
 * success; deactivated by a 410, or when it has been failing for disable_after seconds); the
 * job (done, queued again at retry_at, or failed). A job whose delivery was skipped is just
 * finished (outcome NULL). *disabled (may be NULL) says whether this deactivated the endpoint,
 * and *reason why. CONFLICT if `owner` no longer holds the job: nothing is written. */
int store_webhook_attempt_record(struct store *store, const char *job_id, const char *owner,
                                 const struct store_webhook_send *send,
                                 const struct store_webhook_outcome *outcome, int64_t now,
                                 bool *disabled /* out */, const char **reason /* out */,
                                 struct arena *arena, struct err *err);

/* Several attempts of one worker in ONE transaction (what the delivery threads use: one disk
 * flush for a batch of finished transfers), each as store_webhook_attempt_record describes, in a
 * savepoint of its own: an item whose job `owner` no longer holds gets `lost` and writes
 * nothing, the others are recorded. Fails whole only when the store does. */
struct store_webhook_record {
    const char *job_id;
    const struct store_webhook_send *send;
    const struct store_webhook_outcome *outcome; /* NULL: the job was skipped (send->skip) */
    bool disabled;                               /* out: this deactivated the endpoint */
    const char *reason;                          /* out: why */
    bool lost;                                   /* out: the lease was lost, nothing written */
};
int store_webhook_attempts_record(struct store *store, const char *owner,
                                  struct store_webhook_record *items, size_t n, int64_t now,
                                  struct arena *arena, struct err *err);

/* Claims up to `max` due webhook jobs (queued with run_after <= now, or running with an expired
 * lease) in one write transaction, oldest first, leased to `owner` until now + lease_seconds;
 * jobs[0..*n) get them. An expired lease on the job's last attempt is not run again: the job
 * and its delivery fail ("worker lost"). Nothing due costs one read. */
int store_webhook_claim(struct store *store, const char *owner, int64_t now, int lease_seconds,
                        size_t max, struct arena *arena, struct store_job *jobs /* out */,
                        size_t *n /* out */, struct err *err);

/* Test hook: the calling thread's next write commit is rolled back and fails with INTERNAL (the
 * black-box test that a rolled-back change sends no event; fault.c). */
void store_fault_fail_next_commit(void);

/* ---- Project reports (issue 11; reports.c) ---------------------------------------------- */

#define STORE_REPORT_JOB_KIND "report" /* payload {"report_id": "rpt_..."} */

/* A project report: queued -> running -> ready | failed. */
struct store_report {
    const char *id; /* "rpt_..." */
    const char *project_id;
    const char *format; /* report_format_name */
    const char *title;
    const char *filters; /* JSON {"severity": [...], "status": [...]} as accepted */
    const char *status;  /* "queued", "running", "ready", "failed" */
    const char *job_id;
    int64_t findings;         /* rendered findings, once ready */
    const char *counts;       /* JSON {"critical": n, ...} once ready, or NULL */
    const char *error;        /* why it failed, or NULL */
    const char *content_type; /* once ready */
    int64_t size;             /* bytes of the file */
    int64_t created_at, started_at, finished_at;
    int64_t render_ms; /* time spent loading and rendering, milliseconds */
};

/* A project report's wire shape, written once: GET /reports/{id} and report.generated. */
void store_report_to_json(struct jsonw *w, const struct store_report *r);

/* Creates a queued report of the project and its job (kind STORE_REPORT_JOB_KIND) in one
 * transaction. NOT_FOUND for a project that is not visible. */
int store_report_create(struct db *db, const char *project_id, const char *format,
                        const char *title, const char *filters, int max_attempts, int64_t now,
                        struct store_report *out /* out */, struct err *err);
/* NOT_FOUND. */
int store_report_get(struct db *db, const char *id, struct store_report *out /* out */,
                     struct err *err);
/* One page (1-based) of the project's reports, newest first; NOT_FOUND for the project. */
int store_report_list(struct db *db, const char *project_id, int64_t page, int64_t per_page,
                      struct store_report **items /* out */, size_t *n /* out */,
                      int64_t *total /* out */, struct err *err);
/* The rendered file (empty until ready). NOT_FOUND. */
int store_report_content(struct db *db, const char *id, const void **data /* out */,
                         size_t *len /* out */, struct err *err);
/* Every finding of the project whose severity bit (1 << severity) is in `severities` and whose
 * status bit (1 << status) is in `statuses`, oldest first. */
int store_report_findings(struct db *db, const char *project_id, unsigned severities,
                          unsigned statuses, struct finding **items /* out */, size_t *n /* out */,
                          struct err *err);
/* Marks the report running (started_at = now). */
int store_report_start(struct db *db, const char *id, int64_t now, struct err *err);
/* Ends it: done's status, findings, counts, error, content_type and render_ms, and the file. */
int store_report_finish(struct db *db, const char *id, const struct store_report *done,
                        const void *content, size_t len, int64_t now, struct err *err);

/* ---- controls (controls.c): per-organization records about the built-in catalog ---- */

/* Open or confirmed findings grouped by the facts a control maps: (cwe, owasp, severity) and
 * how many. Findings with neither cwe nor owasp are left out. */
struct store_exposure {
    const char *cwe;   /* as stored, or NULL */
    const char *owasp; /* as stored, or NULL */
    int severity;      /* enum severity */
    int64_t count;
};
/* project_id NULL = the whole organization. */
int store_control_exposure(struct db *db, const char *project_id,
                           struct store_exposure **rows /* out */, size_t *n /* out */,
                           struct err *err);

/* What the organization recorded about one control: rows exist only for controls with a
 * manual status or evidence. */
struct store_control_state {
    const char *control_id;
    const char *status; /* manual status (control_status_name), or NULL */
    const char *reason; /* why, with the manual status */
    const char *set_by; /* actor */
    int64_t set_at;
    int64_t evidence_count;
};
/* control_id NULL = every control with a row, ordered by id. */
int store_control_states(struct db *db, const char *control_id,
                         struct store_control_state **rows /* out */, size_t *n /* out */,
                         struct err *err);
/* Sets (status non-NULL) or clears (NULL) the manual status. */
int store_control_status_set(struct db *db, const char *control_id, const char *status,
                             const char *reason, const char *actor, int64_t now, struct err *err);

/* Evidence attached to a control: a note, a link or a file (content kept in the database). */
struct store_evidence {
    const char *id; /* "evd_..." */
    const char *control_id;
    const char *kind; /* "note", "link", "file" */
    const char *note, *url, *filename, *content_type;
    int64_t size;       /* bytes of the file, 0 otherwise */
    const char *sha256; /* hex digest of the file, or NULL */
    const char *created_by;
    int64_t created_at;
};
/* Stores in (id, size and sha256 are set here) with the file content (NULL for a note or a
 * link); out is the stored row. */
int store_evidence_add(struct db *db, const struct store_evidence *in, const void *content,
                       size_t len, struct store_evidence *out /* out */, struct err *err);
/* Newest first. */
int store_evidence_list(struct db *db, const char *control_id, int64_t page, int64_t per_page,
                        struct store_evidence **items /* out */, size_t *n /* out */,
                        int64_t *total /* out */, struct err *err);
/* NOT_FOUND. content/len (may be NULL) receive the file, NULL for a note or a link. */
int store_evidence_get(struct db *db, const char *control_id, const char *id,
                       struct store_evidence *out /* out */, const void **content, size_t *len,
                       struct err *err);
/* NOT_FOUND. */
int store_evidence_delete(struct db *db, const char *control_id, const char *id, struct err *err);

/* An open finding, as a control lists it. */
struct store_finding_ref {
    const char *id, *project_id, *asset_id, *title;
    int severity; /* enum severity */
    const char *status, *cwe, *owasp, *endpoint;
    int64_t first_seen;
};
/* Open or confirmed findings whose cwe is one of cwes or whose owasp is one of owasp (exact
 * stored values), most severe first, at most limit. */
int store_control_findings(struct db *db, const char *const *cwes, size_t n_cwes,
                           const char *const *owasp, size_t n_owasp, const char *project_id,
                           int64_t limit, struct store_finding_ref **items /* out */,
                           size_t *n /* out */, struct err *err);

#endif
