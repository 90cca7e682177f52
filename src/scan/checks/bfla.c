/* SPDX-License-Identifier: MIT */
/* Broken function level authorization: operations that look administrative (path, operation
 * id, tags or summary mention admin) are called as the second identity, which the scan takes
 * to be an ordinary user (without one the check does not run). A success there, where an
 * anonymous call is refused, means the function is reachable by a user who should not have it.
 * Only safe methods are called unless destructive tests are allowed. */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"
#include "scan/scan.h"

static const char *const admin_words[] = {"admin", "superuser", "backoffice", "back-office",
                                          "staff", "internal",  "manage",     NULL};

static bool
looks_admin(const struct scan_op *op)
{
    const struct spec_operation *so = op->spec_op;
    json_t *tags = so && so->operation ? json_object_get(so->operation, "tags") : NULL;
    size_t i;
    json_t *tag;

    if (check_contains_any_ci(op->path, admin_words))
        return true;
    if (so && (check_contains_any_ci(so->operation_id, admin_words) ||
               check_contains_any_ci(so->summary, admin_words)))
        return true;
    json_array_foreach(tags, i, tag)
    {
        if (json_is_string(tag) && check_contains_any_ci(json_string_value(tag), admin_words))
            return true;
    }
    return false;
}

struct call {
    const struct scan_check *check;
    const struct scan_op *op;
};

static void
user_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
          void *userdata)
{
    const struct call *c = userdata;
    json_t *j;

    if (!check_status_ok(resp->status))
        return;
    j = probe_json(scan, resp);
    if (json_is_object(j) && (json_object_get(j, "error") || json_object_get(j, "errors")))
        return; /* an error document served with 200 */
    struct check_finding cf = {
        .title = "Administrative operation reachable by an ordinary user",
        .description = "The second (non-privileged) identity called an administrative "
                       "operation and got a successful answer, although the operation refuses "
                       "anonymous callers.",
        .severity = SEVERITY_HIGH,
        .confidence = CONFIDENCE_HIGH,
    };
    check_emit(scan, c->check, c->op, &cf, probe, resp);
}

/* Only an operation that refuses anonymous callers has a function-level policy to break; one
 * that answers anybody is public (or auth_bypass's finding). */
static void
anonymous_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
               void *userdata)
{
    struct call *c = userdata;
    struct probe p;

    (void)probe;
    if (resp->status != 401 && resp->status != 403)
        return;
    scan_probe_as(scan, c->op, SCAN_ID_B, &p);
    p.label = "bfla: ordinary identity";
    scan_send(scan, &p, user_done, c);
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    struct call *c;
    struct probe p;
    bool safe = check_method_is(op, "GET") || check_method_is(op, "HEAD");

    /* The first identity may well be an administrator: only the second, ordinary one tells. */
    if (!scan_has_identity_b(scan) || !looks_admin(op) || op->baseline_status == 0)
        return;
    if ((!safe && !scan_options_of(scan)->allow_destructive) ||
        !scan_identity_token(scan, SCAN_ID_B))
        return;
    c = arena_alloc(scan_arena(scan), sizeof(*c));
    c->check = check;
    c->op = op;
    scan_probe_as(scan, op, SCAN_ID_NONE, &p);
    p.label = "bfla: anonymous (control)";
    scan_send(scan, &p, anonymous_done, c);
}

const struct scan_check check_bfla = {
    .id = "bfla",
    .title = "Broken function level authorization",
    .owasp = "API5:2023",
    .cwe = "CWE-285",
    .severity = SEVERITY_HIGH,
    .remediation = "Deny by default: check the caller's role or permission for every "
                   "administrative function on the server, not only in the client, and keep "
                   "administrative operations behind a separate authorization policy.",
    .references = "https://owasp.org/API-Security/editions/2023/en/"
                  "0xa5-broken-function-level-authorization/ "
                  "https://cwe.mitre.org/data/definitions/285.html",
    .on_operation = on_operation,
};
