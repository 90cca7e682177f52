/* SPDX-License-Identifier: MIT */
/* Missing or bypassable authentication: an operation the spec marks as secured is replayed
 * without credentials, then with a malformed bearer token. The answer counts only if it is a
 * success that looks like the authenticated one (same JSON shape), so a friendly error page
 * served with 200 is not a finding. Only safe methods are replayed. */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"

struct replay {
    const struct scan_check *check;
    const struct scan_op *op;
    int step; /* 0: no credentials, 1: a garbage token */
};

static void replay_done(struct scan *scan, const struct probe *probe,
                        const struct probe_response *resp, void *userdata);

static void
send_step(struct scan *scan, struct replay *r)
{
    struct probe p;

    scan_probe_as(scan, r->op, SCAN_ID_NONE, &p);
    if (r->step == 1)
        check_probe_add_header(&p, "Authorization", "Bearer vigil.invalid.token");
    p.label = r->step == 0 ? "auth_bypass: no credentials" : "auth_bypass: invalid token";
    scan_send(scan, &p, replay_done, r);
}

static bool
looks_authenticated(struct scan *scan, const struct scan_op *op, const struct probe_response *resp)
{
    json_t *j;

    if (!check_status_ok(resp->status) || resp->body_len == 0)
        return false;
    j = probe_json(scan, resp);
    if (op->baseline_json)
        return j && check_json_shape_similarity(op->baseline_json, j) >= 0.8;
    return true;
}

static void
replay_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
            void *userdata)
{
    struct replay *r = userdata;

    if (looks_authenticated(scan, r->op, resp)) {
        struct check_finding cf = {
            .severity = SEVERITY_HIGH,
            .confidence = r->op->baseline_json ? CONFIDENCE_HIGH : CONFIDENCE_MEDIUM,
            .notes = r->op->baseline_json
                         ? "The answer has the JSON shape of the authenticated baseline."
                         : "The answer is a success with a body, like the authenticated "
                           "baseline.",
        };

        if (r->step == 0) {
            cf.title = "Secured operation answers without credentials";
            cf.description = "The API description requires authentication for this operation, "
                             "but a request without any credentials got a successful answer "
                             "shaped like the authenticated one.";
        } else {
            cf.title = "Secured operation accepts an invalid token";
            cf.description = "A request carrying a malformed bearer token got a successful "
                             "answer shaped like the authenticated one: the token is not "
                             "validated.";
        }
        check_emit(scan, r->check, r->op, &cf, probe, resp);
        return;
    }
    if (r->step == 0) {
        r->step = 1;
        send_step(scan, r);
    }
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    struct replay *r;

    if (!op->spec_op || !op->spec_op->secured || !check_status_ok(op->baseline_status))
        return;
    if (!check_method_is(op, "GET") && !check_method_is(op, "HEAD"))
        return;
    if (!scan_identity_token(scan, SCAN_ID_A))
        return; /* the baseline itself went without credentials */
    r = arena_alloc(scan_arena(scan), sizeof(*r));
    r->check = check;
    r->op = op;
    send_step(scan, r);
}

const struct scan_check check_auth_bypass = {
    .id = "auth_bypass",
    .title = "Missing or bypassable authentication",
    .owasp = "API2:2023",
    .cwe = "CWE-306",
    .severity = SEVERITY_HIGH,
    .remediation = "Enforce authentication on every operation that requires it, in one place "
                   "(a middleware or gateway) that rejects requests without valid credentials "
                   "before any handler runs; reject malformed or unverifiable tokens with 401.",
    .references = "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/ "
                  "https://cwe.mitre.org/data/definitions/306.html",
    .on_operation = on_operation,
};
