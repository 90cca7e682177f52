/* SPDX-License-Identifier: MIT */
/* One error struct travels from the place a failure is known to the edge that reports it
 * (http/problem.c, a command, the job runner). The table below is the single list of problem
 * codes: each row gives the HTTP status and the title. `detail` is for the API client and
 * never holds internals; `cause` is logged and never sent. */
#ifndef VIGIL_CORE_ERR_H
#define VIGIL_CORE_ERR_H

#include <stdbool.h>
#include <stdio.h>

/* X(name, http status, title) */
#define ERR_CODE_TABLE(X)                                                                          \
    X(OK, 200, "OK")                                                                               \
    X(VALIDATION_ERROR, 400, "Validation failed")                                                  \
    X(UNAUTHORIZED, 401, "Authentication required")                                                \
    X(FORBIDDEN, 403, "Forbidden")                                                                 \
    X(NOT_FOUND, 404, "Resource not found")                                                        \
    X(METHOD_NOT_ALLOWED, 405, "Method not allowed")                                               \
    X(NOT_ACCEPTABLE, 406, "Not acceptable")                                                       \
    X(CSRF_TOKEN_INVALID, 403, "CSRF token missing or invalid")                                    \
    X(CONFLICT, 409, "Conflict")                                                                   \
    X(PAYLOAD_TOO_LARGE, 413, "Payload too large")                                                 \
    X(UNSUPPORTED_MEDIA_TYPE, 415, "Unsupported media type")                                       \
    X(IDEMPOTENCY_KEY_REUSED, 422, "Idempotency key reused with another request")                  \
    X(TARGET_NOT_ALLOWED, 422, "Target not allowed by the scan policy")                            \
    X(RATE_LIMIT_EXCEEDED, 429, "Too many requests")                                               \
    X(INTERNAL, 500, "Internal server error")                                                      \
    X(SERVICE_UNAVAILABLE, 503, "Service unavailable")                                             \
    X(BAD_REQUEST, 400, "Bad request")                                                             \
    X(URI_TOO_LONG, 414, "URI too long")                                                           \
    X(HEADERS_TOO_LARGE, 431, "Request header fields too large")                                   \
    X(NOT_IMPLEMENTED, 501, "Not implemented")                                                     \
    X(REQUEST_TIMEOUT, 408, "Request timeout")                                                     \
    X(IMPORT_FORMAT_UNKNOWN, 400, "Import format not recognised")                                  \
    X(IMPORT_MALFORMED, 422, "Import file is malformed")

enum err_code {
#define ERR_ENUM(name, status, title) ERR_##name,
    ERR_CODE_TABLE(ERR_ENUM)
#undef ERR_ENUM
        ERR_CODE_COUNT
};

#define ERR_FIELDS_MAX     16
#define ERR_TEXT_MAX       256
#define ERR_FIELD_NAME_MAX 64

struct err_field {
    char field[ERR_FIELD_NAME_MAX];
    char message[ERR_TEXT_MAX / 2];
};

struct err {
    enum err_code code;                      /* ERR_OK until something fails */
    char detail[ERR_TEXT_MAX];               /* for the API client: never internals */
    struct err_field fields[ERR_FIELDS_MAX]; /* {field, message} pairs for VALIDATION_ERROR */
    int n_fields;
    char cause[ERR_TEXT_MAX]; /* SQL error, errno...: logged, never sent */
    const char *origin;       /* __func__ of the raise site: logged only */
    int retry_after;          /* seconds, for RATE_LIMIT_EXCEEDED / SERVICE_UNAVAILABLE */
};

/* Raise: records code, detail (printf format) and the calling function; returns -1 so a
 * failing function can `return err_set(err, ...)`. `err` may be NULL (the error is dropped). */
#define err_set(err, code, ...) err_raise((err), __func__, ERR_##code, __VA_ARGS__)
int err_raise(struct err *err, const char *origin, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Adds a {field, message} pair to a VALIDATION_ERROR (sets the code if still ERR_OK, and a
 * default detail). Extra pairs beyond ERR_FIELDS_MAX are dropped. Returns -1. */
int err_field(struct err *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records an internal cause (logged, never sent to the client). Returns -1. */
int err_cause(struct err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like err_set(err, INTERNAL, ...) with a public generic detail and a private cause. */
#define err_internal(err, ...) err_raise_internal((err), __func__, __VA_ARGS__)
int err_raise_internal(struct err *err, const char *origin, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void err_clear(struct err *err);
/* Renders an error for a terminal, as http/problem.c does for HTTP: one line per problem on
 * `out`, each starting with `who` (a command name such as "vigil serve"): "who: detail: cause",
 * or "who: field: message" for each invalid field. The operator sees the cause, an API client
 * never does. */
void err_print(FILE *out, const char *who, const struct err *err);
bool err_is_set(const struct err *err);

int err_status(enum err_code code);
const char *err_title(enum err_code code);
const char *err_code_name(enum err_code code); /* "NOT_FOUND" */

#endif
