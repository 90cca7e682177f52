/* SPDX-License-Identifier: MIT */
/* The one place a `struct err` becomes an RFC 9457 problem+json response, and the one place a
 * failed request is logged. The client sees the code, title, status and public detail; the
 * cause and origin go to the log only, and an INTERNAL error never shows its detail either. */
#include "http/http_int.h"

#include <stdio.h>

#include "core/arena.h"
#include "core/jsonw.h"
#include "core/log.h"

#define PROBLEM_TYPE_BASE       "https://vigil.dev/problems/"
#define PROBLEM_CONTENT_TYPE    "application/problem+json"
#define PROBLEM_INTERNAL_DETAIL "An internal error occurred."

void
problem_type_url(enum err_code code, char *out, size_t size)
{
    const char *name = err_code_name(code);
    size_t len, i;

    len = (size_t)snprintf(out, size, "%s", PROBLEM_TYPE_BASE);
    /* NOT_FOUND -> not-found */
    for (i = 0; name[i] && len + 1 < size; i++, len++) {
        char c = name[i];

        if (c == '_')
            c = '-';
        else if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        out[len] = c;
    }
    if (size)
        out[len < size ? len : size - 1] = '\0';
}

int
problem_render(struct buf *out, const struct err *err, const char *instance, const char *request_id)
{
    enum err_code code = err && err->code != ERR_OK ? err->code : ERR_INTERNAL;
    const char *detail = err ? err->detail : "";
    struct jsonw w;
    char type[128];
    int i;

    if (code == ERR_INTERNAL || (unsigned)code >= ERR_CODE_COUNT) {
        code = ERR_INTERNAL;
        detail = PROBLEM_INTERNAL_DETAIL;
    } else if (!detail[0]) {
        detail = err_title(code);
    }
    problem_type_url(code, type, sizeof(type));
    jsonw_init(&w, out);
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "type", type);
    jsonw_kstr(&w, "title", err_title(code));
    jsonw_kint(&w, "status", err_status(code));
    jsonw_kstr(&w, "detail", detail);
    jsonw_kstr(&w, "instance", instance ? instance : "");
    jsonw_kstr(&w, "code", err_code_name(code));
    jsonw_kstr(&w, "request_id", request_id ? request_id : "");
    if (code != ERR_INTERNAL && err->n_fields > 0) {
        jsonw_key(&w, "errors");
        jsonw_arr_open(&w);
        for (i = 0; i < err->n_fields && i < ERR_FIELDS_MAX; i++) {
            jsonw_obj_open(&w);
            jsonw_kstr(&w, "field", err->fields[i].field);
            jsonw_kstr(&w, "message", err->fields[i].message);
            jsonw_obj_close(&w);
        }
        jsonw_arr_close(&w);
    }
    jsonw_obj_close(&w);
    return jsonw_failed(&w) ? -1 : 0;
}

/* A server-side failure is logged once, here, with what the client must not see. */
static void
problem_log(const struct req *req, const struct err *err, enum err_code code)
{
    struct log_line line;

    log_begin(&line, LOG_ERROR, "request failed");
    jsonw_kstr(&line.w, "request_id", req->request_id);
    jsonw_kstr(&line.w, "method", http_method_name(req->method));
    jsonw_kstr(&line.w, "path", req->path);
    jsonw_kstr(&line.w, "code", err_code_name(code));
    if (err) {
        jsonw_kstr(&line.w, "detail", err->detail);
        jsonw_kstr(&line.w, "cause", err->cause);
        jsonw_kstr(&line.w, "origin", err->origin ? err->origin : "");
    } else {
        jsonw_kstr(&line.w, "cause", "no error was set");
    }
    log_end(&line);
}

int
resp_problem(struct req *req, const struct err *err)
{
    enum err_code code = err && err->code != ERR_OK ? err->code : ERR_INTERNAL;

    if ((unsigned)code >= ERR_CODE_COUNT)
        code = ERR_INTERNAL;
    /* A 500 is always a bug or an outage worth a line; another 5xx (503 while draining) only
     * when it carries a cause. */
    if (code == ERR_INTERNAL || (err_status(code) >= 500 && err && err->cause[0]))
        problem_log(req, err, code);
    buf_reset(&req->out);
    req->out.overflow = false;
    if (problem_render(&req->out, err, req->path, req->request_id)) {
        /* Only a tiny resp_max can get here; send the bare minimum. */
        buf_reset(&req->out);
    }
    if (err && err->retry_after > 0) {
        char seconds[24];

        snprintf(seconds, sizeof(seconds), "%d", err->retry_after);
        resp_header(req, "Retry-After", seconds);
    }
    req->etag = false;
    req->status = err_status(code);
    req->content_type = PROBLEM_CONTENT_TYPE;
    req->responded = true;
    return 0;
}
