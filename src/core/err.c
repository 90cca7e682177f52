/* SPDX-License-Identifier: MIT */
/* The error table's lookups and the raise helpers. Nothing here allocates, so an error can be
 * raised when memory is short. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int status;
    const char *title;
} err_table[] = {
#define ERR_ROW(name, status, title) {#name, status, title},
    ERR_CODE_TABLE(ERR_ROW)
#undef ERR_ROW
};

int
err_raise(struct err *err, const char *origin, enum err_code code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return -1;
    err->code = code;
    err->origin = origin;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
    return -1;
}

int
err_field(struct err *err, const char *field, const char *fmt, ...)
{
    va_list ap;
    struct err_field *slot;

    if (!err)
        return -1;
    if (err->code == ERR_OK) {
        err->code = ERR_VALIDATION_ERROR;
        snprintf(err->detail, sizeof(err->detail), "The request has invalid fields.");
    }
    if (err->n_fields >= ERR_FIELDS_MAX)
        return -1;
    slot = &err->fields[err->n_fields++];
    snprintf(slot->field, sizeof(slot->field), "%s", field);
    va_start(ap, fmt);
    vsnprintf(slot->message, sizeof(slot->message), fmt, ap);
    va_end(ap);
    return -1;
}

int
err_cause(struct err *err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return -1;
    va_start(ap, fmt);
    vsnprintf(err->cause, sizeof(err->cause), fmt, ap);
    va_end(ap);
    return -1;
}

int
err_raise_internal(struct err *err, const char *origin, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return -1;
    err->code = ERR_INTERNAL;
    err->origin = origin;
    snprintf(err->detail, sizeof(err->detail), "An internal error occurred.");
    va_start(ap, fmt);
    vsnprintf(err->cause, sizeof(err->cause), fmt, ap);
    va_end(ap);
    return -1;
}

void
err_clear(struct err *err)
{
    memset(err, 0, sizeof(*err));
}

void
err_print(FILE *out, const char *who, const struct err *err)
{
    if (err->n_fields) {
        for (int i = 0; i < err->n_fields; i++)
            fprintf(out, "%s: %s: %s\n", who, err->fields[i].field, err->fields[i].message);
        return;
    }
    const char *detail = err->detail[0] ? err->detail : err_title(err->code);
    size_t len = strlen(detail);

    /* The operator reads the cause: an internal error's detail is the generic sentence HTTP
     * clients get, so only the cause is shown; another detail loses its full stop before it. */
    if (err->cause[0] && err->code == ERR_INTERNAL) {
        fprintf(out, "%s: %s\n", who, err->cause);
        return;
    }
    if (err->cause[0] && len > 0 && detail[len - 1] == '.')
        len--;
    fprintf(out, "%s: %.*s%s%s\n", who, (int)len, detail, err->cause[0] ? ": " : "", err->cause);
}

bool
err_is_set(const struct err *err)
{
    return err && err->code != ERR_OK;
}

int
err_status(enum err_code code)
{
    if ((unsigned)code >= ERR_CODE_COUNT)
        return 500;
    return err_table[code].status;
}

const char *
err_title(enum err_code code)
{
    if ((unsigned)code >= ERR_CODE_COUNT)
        return "Internal server error";
    return err_table[code].title;
}

const char *
err_code_name(enum err_code code)
{
    if ((unsigned)code >= ERR_CODE_COUNT)
        return "INTERNAL";
    return err_table[code].name;
}
