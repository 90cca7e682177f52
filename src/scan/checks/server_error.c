/* SPDX-License-Identifier: MIT */
/* Server errors on malformed input: a truncated JSON body, a JSON array where an object is
 * expected, a string where an integer is expected and a number where a string is expected. A
 * 5xx to any of them, where the baseline was not a 5xx, means input reaches code that does not
 * validate it. One finding per operation. */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"
#include "scan/scan.h"

struct op_state {
    const struct scan_check *check;
    const struct scan_op *op;
    bool reported;
};

struct attempt {
    struct op_state *st;
    const char *what;
};

static void
attempt_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
             void *userdata)
{
    const struct attempt *a = userdata;

    if (resp->status < 500 || resp->status > 599 || a->st->reported)
        return;
    a->st->reported = true;
    struct check_finding cf = {
        .title = "Server error on malformed input",
        .description = "Malformed input made the server fail with a 5xx instead of a 400: the "
                       "input reaches code that does not validate it, which can leak internals "
                       "and hint at deeper bugs.",
        .severity = SEVERITY_LOW,
        .confidence = CONFIDENCE_HIGH,
        .notes = arena_printf(scan_arena(scan), "%s: HTTP %ld.", a->what, resp->status),
    };
    check_emit(scan, a->st->check, a->st->op, &cf, probe, resp);
}

static void
send_attempt(struct scan *scan, struct op_state *st, struct probe *p, const char *what)
{
    struct attempt *a = arena_alloc(scan_arena(scan), sizeof(*a));

    a->st = st;
    a->what = what;
    p->label = "server_error: malformed input";
    scan_send(scan, p, attempt_done, a);
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    struct arena *arena = scan_arena(scan);
    struct op_state *st;
    struct check_param *params;
    size_t n;
    struct probe p;

    if (op->baseline_status == 0 || op->baseline_status >= 500)
        return;
    if (op->destructive && !op->created_resource && !scan_options_of(scan)->allow_destructive)
        return;
    st = arena_alloc(arena, sizeof(*st));
    st->check = check;
    st->op = op;
    if (op->spec_op && op->spec_op->body_content_type &&
        strcasestr(op->spec_op->body_content_type, "json")) {
        scan_probe_as(scan, op, SCAN_ID_A, &p);
        check_probe_set_body(&p, "{\"vigil\": ");
        send_attempt(scan, st, &p, "truncated JSON body");
        scan_probe_as(scan, op, SCAN_ID_A, &p);
        check_probe_set_body(&p, "[]");
        send_attempt(scan, st, &p, "JSON array instead of an object");
    }
    n = check_params(scan, op, &params);
    for (size_t i = 0; i < n; i++) {
        const struct check_param *pr = &params[i];
        const char *value = NULL, *what = NULL;

        if (!pr->type || pr->in == PROBE_IN_HEADER || pr->in == PROBE_IN_COOKIE)
            continue;
        if (strcmp(pr->type, "integer") == 0 || strcmp(pr->type, "number") == 0) {
            value = pr->in == PROBE_IN_BODY ? "\"vigil\"" : "vigil";
            what = arena_printf(arena, "a string for the number \"%s\"", pr->name);
        } else if (strcmp(pr->type, "string") == 0 && pr->in == PROBE_IN_BODY) {
            value = "12345";
            what = arena_printf(arena, "a number for the string \"%s\"", pr->name);
        } else {
            continue;
        }
        if (scan_probe_variant(scan, op, SCAN_ID_A, pr->in, pr->name, value, &p) == 0)
            send_attempt(scan, st, &p, what);
    }
}

const struct scan_check check_server_error = {
    .id = "server_error",
    .title = "Server error on malformed input",
    .owasp = "API8:2023",
    .cwe = "CWE-20",
    .severity = SEVERITY_LOW,
    .remediation = "Validate every input against the schema before use and answer invalid "
                   "input with 400 and a problem document; treat any 5xx on client input as a "
                   "bug.",
    .references = "https://owasp.org/API-Security/editions/2023/en/"
                  "0xa8-security-misconfiguration/ "
                  "https://cwe.mitre.org/data/definitions/20.html",
    .on_operation = on_operation,
};
