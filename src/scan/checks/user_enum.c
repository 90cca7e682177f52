/* SPDX-License-Identifier: MIT */
/* User enumeration on login: a known user with a wrong password and an unknown user are each
 * tried twice. When each pair answers the same way (stable) but the two pairs differ in status
 * or body (the random values removed), the answer tells an attacker which accounts exist.
 * Answers of 429 or 503 make the test inconclusive, never a finding. */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"

struct attempt_result {
    long status;
    const char *body; /* random values stripped */
    struct probe *probe;
    struct probe_response *resp;
};

struct enumeration {
    const struct scan_check *check;
    const struct scan_op *op;
    const char *random[4];            /* values to strip: unknown user, 3 wrong passwords */
    struct attempt_result results[4]; /* known/wrong x2, unknown x2 */
    int pending;
};

static void
evaluate(struct scan *scan, struct enumeration *e)
{
    struct attempt_result *r = e->results;
    bool status_differs, body_differs;

    for (int i = 0; i < 4; i++) {
        if (r[i].status == 0 || r[i].status == 429 || r[i].status == 503 || !r[i].body)
            return;
        if (check_status_ok(r[i].status))
            return; /* a wrong password let us in? not this check's business */
    }
    if (r[0].status != r[1].status || strcmp(r[0].body, r[1].body) != 0)
        return;
    if (r[2].status != r[3].status || strcmp(r[2].body, r[3].body) != 0)
        return;
    status_differs = r[0].status != r[2].status;
    body_differs = strcmp(r[0].body, r[2].body) != 0;
    if (!status_differs && !body_differs)
        return;
    struct check_finding cf = {
        .title = "Login reveals whether an account exists",
        .description = "A wrong password for an existing account and a login for an unknown "
                       "account get different answers, consistently: an attacker can enumerate "
                       "valid usernames before guessing passwords.",
        .severity = SEVERITY_MEDIUM,
        .confidence = CONFIDENCE_HIGH,
        .notes = arena_printf(
            scan_arena(scan), "Existing user, wrong password: HTTP %ld. Unknown user: HTTP %ld%s.",
            r[0].status, r[2].status, body_differs ? "; the bodies differ too" : ""),
    };
    check_emit(scan, e->check, e->op, &cf, r[2].probe, r[2].resp);
}

static void
attempt_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
             void *userdata)
{
    struct enumeration *e = userdata;
    int slot = probe->label && strstr(probe->label, "unknown") ? 2 : 0;

    if (e->results[slot].probe)
        slot++;
    e->results[slot].status = resp->status;
    e->results[slot].body = check_strip_echo(scan, resp->body, e->random, 4);
    e->results[slot].probe = check_probe_copy(scan, probe);
    e->results[slot].resp = check_response_copy(scan, resp);
    if (--e->pending == 0)
        evaluate(scan, e);
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    const char *user_key, *pass_key, *known;
    json_t *body;
    struct enumeration *e;

    if (!check_is_login(scan, op, &user_key, &pass_key))
        return;
    body = check_body_object(scan, op);
    known = json_string_value(json_object_get(body, user_key));
    if (!known || !*known)
        return;
    known = arena_strdup(scan_arena(scan), known); /* the body's own string is replaced below */
    e = arena_alloc(scan_arena(scan), sizeof(*e));
    e->check = check;
    e->op = op;
    e->random[0] =
        strchr(known, '@')
            ? arena_printf(scan_arena(scan), "vigil%s@example.com", check_random_token(scan, 10))
            : arena_printf(scan_arena(scan), "vigil%s", check_random_token(scan, 10));
    for (int i = 0; i < 4; i++) {
        bool unknown = i >= 2;
        const char *password = check_random_token(scan, 14);
        struct probe p;

        if (i < 3)
            e->random[i + 1] = password;
        else
            password = e->random[3];
        json_object_set_new(body, pass_key, json_string(password));
        json_object_set_new(body, user_key, json_string(unknown ? e->random[0] : known));
        scan_probe_as(scan, op, SCAN_ID_NONE, &p);
        check_probe_set_body(&p, check_json_text(scan, body));
        p.label = unknown ? "user_enum: unknown user" : "user_enum: known user, wrong password";
        if (scan_send(scan, &p, attempt_done, e) == 0)
            e->pending++;
        else
            return; /* a limit: the evaluation never runs with missing answers */
    }
}

const struct scan_check check_user_enum = {
    .id = "user_enum",
    .title = "User enumeration",
    .owasp = "API2:2023",
    .cwe = "CWE-204",
    .severity = SEVERITY_MEDIUM,
    .remediation = "Answer a failed login the same way whether or not the account exists: same "
                   "status, same message, similar timing.",
    .references = "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/ "
                  "https://cwe.mitre.org/data/definitions/204.html",
    .on_operation = on_operation,
};
