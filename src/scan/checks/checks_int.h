/* SPDX-License-Identifier: MIT */
/* Private helpers shared by the built-in checks (src/scan/checks/): per-scan state, parameter
 * enumeration, finding construction with a risk score, response comparison and JWT pieces.
 * Everything allocates from the scan's arena and runs on the scan's one thread; the only shared
 * object is the per-scan state table, which guards itself with a mutex. */
#ifndef VIGIL_SCAN_CHECKS_INT_H
#define VIGIL_SCAN_CHECKS_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "scan/check.h"

struct arena;

/* The built-in checks, one per file; registry.c lists them in order. */
extern const struct scan_check check_bola;
extern const struct scan_check check_auth_bypass;
extern const struct scan_check check_jwt;
extern const struct scan_check check_mass_assignment;
extern const struct scan_check check_data_exposure;
extern const struct scan_check check_user_enum;
extern const struct scan_check check_rate_limit;
extern const struct scan_check check_bfla;
extern const struct scan_check check_ssrf;
extern const struct scan_check check_injection;
extern const struct scan_check check_redos;
extern const struct scan_check check_misconfig;
extern const struct scan_check check_undocumented;
extern const struct scan_check check_server_error;
extern const struct scan_check check_default_credentials;
extern const struct scan_check check_password_policy;
extern const struct scan_check check_dangerous_ops;

/* ---- per-scan state --------------------------------------------------------------------- */

/* The state of `check` in `scan`: `size` zeroed bytes from the scan arena, made on first use and
 * forgotten when that arena is freed. Lets on_operation, on_scan and on_finish share data. */
void *check_state(struct scan *scan, const struct scan_check *check, size_t size);

/* ---- findings --------------------------------------------------------------------------- */

struct check_finding {
    const char *title;
    const char *description;
    enum severity severity;
    enum confidence confidence;
    const char *endpoint; /* NULL: the operation's */
    const char *notes;    /* evidence notes, may be NULL */
    const char *cwe;      /* NULL: the check's */
};

/* 0-100 from severity and confidence: how urgently a reader should look. */
int check_risk_score(enum severity severity, enum confidence confidence);

/* Builds a finding from `cf` (risk score, endpoint) and hands it to scan_report. */
void check_emit(struct scan *scan, const struct scan_check *check, const struct scan_op *op,
                const struct check_finding *cf, const struct probe *probe,
                const struct probe_response *resp);

/* Deep copies into the scan arena, for evidence reported after the callback returned. */
struct probe *check_probe_copy(struct scan *scan, const struct probe *p);
struct probe_response *check_response_copy(struct scan *scan, const struct probe_response *r);

/* ---- operations and parameters ---------------------------------------------------------- */

struct check_param {
    const char *name;
    enum probe_param_in in;
    json_t *schema;     /* borrowed, may be NULL */
    const char *type;   /* "string", "integer"... or NULL */
    const char *format; /* or NULL */
};

/* The operation's parameters (path, query, header, cookie) and the top-level properties of its
 * JSON object body. Returns the count; *out is an arena array. */
size_t check_params(struct scan *scan, const struct scan_op *op, struct check_param **out);

bool check_status_ok(long status); /* 2xx */
bool check_method_is(const struct scan_op *op, const char *method);
/* True if `s` contains any of the NULL-terminated `words`, ignoring ASCII case. */
bool check_contains_any_ci(const char *s, const char *const *words);

/* A random lowercase token of n (< 64) characters, for unique values and markers. */
const char *check_random_token(struct scan *scan, size_t n);

/* The probe's body replaced by `body` (a JSON text), content type kept. */
void check_probe_set_body(struct probe *p, const char *body);
/* Adds a header to a probe; false if it has no room left. */
bool check_probe_add_header(struct probe *p, const char *name, const char *value);

/* The value the baseline sends for a parameter, decoded ("" for a body value that is not a
 * string or number), or NULL when it is not sent. Arena string. */
const char *check_param_value(struct scan *scan, const struct scan_op *op,
                              const struct check_param *param);

/* The baseline's JSON body as a new object the caller may change (arena-owned), or NULL. */
json_t *check_body_object(struct scan *scan, const struct scan_op *op);
/* Serialises j compactly into the arena. */
char *check_json_text(struct scan *scan, json_t *j);
/* A JSON string literal for s (quotes and escapes), for PROBE_IN_BODY values. */
char *check_json_quote(struct scan *scan, const char *s);

/* A login operation: POST to an auth-looking path whose JSON body has a user field and a
 * password field (names returned). */
bool check_is_login(struct scan *scan, const struct scan_op *op, const char **user_key /* out */,
                    const char **pass_key /* out */);

/* The member names of a user and a password among body's string members (a login or a
 * registration body); false unless both are there. */
bool check_credential_keys(json_t *body, const char **user_key /* out */,
                           const char **pass_key /* out */);
/* A 2xx answer that says it failed: {"status": "fail"}, {"success": false}, {"error": ...}. */
bool check_answer_is_failure(json_t *j);

/* ---- logins --------------------------------------------------------------------------------- */

/* An identity's username and password, from its --auth login body (arena strings). */
struct check_credentials {
    const char *user_key; /* the body's member names, "username" and "password" */
    const char *pass_key;
    const char *user;
    const char *password;
};

/* The credentials of identity A or B when it logs in with a JSON body; false otherwise. */
bool check_identity_login(struct scan *scan, enum scan_identity identity,
                          struct check_credentials *out /* out */);
/* The operation used as login: the spec's login at the path identity A logs in with, or, when A
 * does not log in at all, the first check_is_login operation. NULL when there is none. */
const struct scan_op *check_login_op(struct scan *scan, const char **user_key /* out */,
                                     const char **pass_key /* out */);
bool check_is_login_op(struct scan *scan, const struct scan_op *op);
/* The token a login answer grants (at identity A's token pointer, else a string member named
 * like "token"), or NULL: a non-2xx answer, or a 2xx that is a failure message. Arena string. */
const char *check_login_token(struct scan *scan, const struct probe_response *r);
/* A login at op (its baseline body with the user and password members set), no credentials. */
void check_login_probe(struct scan *scan, const struct scan_op *op, const char *user_key,
                       const char *user, const char *pass_key, const char *password,
                       struct probe *out /* out */);
/* A GET without path parameters that tells who the caller is (/me, /profile, /users/me...),
 * whose baseline answered 2xx; NULL if none. */
const struct scan_op *check_whoami_op(struct scan *scan);
/* A fresh password any sane policy accepts (mixed case, digits, a symbol, 20 characters). */
const char *check_strong_password(struct scan *scan);

/* ---- response comparison ---------------------------------------------------------------- */

/* `body` with every occurrence of each of the n needles removed, raw and JSON-escaped, so that a
 * server echoing the payload does not make two answers differ. Arena string. */
char *check_strip_echo(struct scan *scan, const char *body, const char *const *needles, size_t n);

/* The answer as {"status": N, "body": B} (arena-owned): B is the body parsed as JSON, else the
 * body as one string, after check_strip_echo of the n needles. */
json_t *check_answer_json(struct scan *scan, const struct probe_response *r,
                          const char *const *needles, size_t n);

/* True if a and b differ at some member (an object key or array index, recursively; a leaf or
 * a whole non-JSON body at worst) where each of the n_pairs (<= 8) control pairs agrees:
 * controls holds 2 * n_pairs values, the two sides of a pair next to each other (NULL where a
 * side has no such member). A member that any control pair also changes is noise: timestamps,
 * new ids, hashes of the input. Pairs to use: two requests that should answer alike. */
bool check_json_differs_beyond(json_t *a, json_t *b, json_t *const *controls, size_t n_pairs);

/* True if j (any JSON value) holds a string equal to s, or a number whose text is s. */
bool check_json_has_value(json_t *j, const char *s);

/* Share (0..1) of the object keys of a found in b, looking one level into arrays and one object
 * level down; both non-objects compare by JSON type. */
double check_json_shape_similarity(json_t *a, json_t *b);

/* ---- evidence signatures ---------------------------------------------------------------- */

/* The database error message in s (lower case, as listed), or NULL. */
const char *check_sql_error_in(const char *s);
/* Output of `id` ("uid=0(root) gid=0(root)") in s. */
bool check_has_id_output(const char *s);
/* A passwd line for root ("root:x:0:0:") in s. */
bool check_has_passwd_line(const char *s);
/* A stack-trace marker in s (Python, Java, .NET, Node, Go, PHP, Ruby), or NULL. */
const char *check_stack_trace_in(const char *s);

/* ---- JWT -------------------------------------------------------------------------------- */

struct check_jwt {
    const char *header_b64; /* the three parts as sent */
    const char *payload_b64;
    const char *signature_b64;
    json_t *header; /* decoded (kept alive by the scan) */
    json_t *claims;
    unsigned char *signature; /* decoded */
    size_t signature_len;
};

/* Splits and decodes a compact JWT (a "Bearer " prefix is skipped). 0, or -1 if it is not one. */
int check_jwt_parse(struct scan *scan, const char *token, struct check_jwt *out);
/* base64url without padding of n bytes. Arena string. */
char *check_b64url_encode(struct scan *scan, const void *data, size_t n);
/* Decodes base64url (padding optional); NULL if malformed. *n receives the length. */
unsigned char *check_b64url_decode(struct scan *scan, const char *s, size_t *n /* out */);

#endif
