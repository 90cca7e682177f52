/* SPDX-License-Identifier: MIT */
/* Weak password policy: a registration (a POST that is not the login, whose body carries a user
 * and a password) is sent with a fresh account and a one-character password. Accepted, it is
 * confirmed by logging in as that account with that password; where the spec has no login, a
 * 2xx answer that does not say it failed makes a medium-confidence finding. */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"

#define WEAK_PASSWORD "a"

struct attempt {
    const struct scan_check *check;
    const struct scan_op *op;
    const char *user;
    json_t *body;        /* the registration as sent */
    struct probe *probe; /* the registration, for the evidence */
    struct probe_response *resp;
};

static void
report(struct scan *scan, struct attempt *a, bool confirmed)
{
    struct check_finding cf = {
        .title = "Weak password accepted at registration",
        .description = "The registration accepted a one-character password: accounts can be "
                       "created with passwords that any guessing attack finds at once.",
        .severity = SEVERITY_LOW,
        .confidence = confirmed ? CONFIDENCE_HIGH : CONFIDENCE_MEDIUM,
        .notes = arena_printf(scan_arena(scan),
                              "Account \"%s\" was registered with the password \"%s\"%s.", a->user,
                              WEAK_PASSWORD,
                              confirmed ? "; logging in with it then granted a token"
                                        : "; the API has no login to confirm it with"),
    };
    check_emit(scan, a->check, a->op, &cf, a->probe, a->resp);
}

static void
login_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
           void *userdata)
{
    (void)probe;
    if (check_login_token(scan, resp))
        report(scan, userdata, true);
}

static void
register_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
              void *userdata)
{
    struct attempt *a = userdata;
    const char *user_key, *pass_key;
    const struct scan_op *login;
    struct probe p;

    if (!check_status_ok(resp->status) || check_answer_is_failure(probe_json(scan, resp)))
        return;
    a->probe = check_probe_copy(scan, probe);
    a->resp = check_response_copy(scan, resp);
    login = check_login_op(scan, &user_key, &pass_key);
    if (!login) {
        report(scan, a, false);
        return;
    }
    /* The login names the user by its own member ("login"), which the body may have too. */
    if (json_is_string(json_object_get(a->body, user_key)))
        a->user = json_string_value(json_object_get(a->body, user_key));
    check_login_probe(scan, login, user_key, a->user, pass_key, WEAK_PASSWORD, &p);
    p.label = "password_policy: log in with the weak password";
    scan_send(scan, &p, login_done, a);
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    const char *user_key, *pass_key, *key;
    json_t *body, *v;
    struct attempt *a;
    const char *token = check_random_token(scan, 10);
    struct probe p;

    if (!check_method_is(op, "POST") || !op->path || strchr(op->path, '{') ||
        check_is_login(scan, op, &user_key, &pass_key))
        return;
    body = check_body_object(scan, op);
    if (!body || !check_credential_keys(body, &user_key, &pass_key))
        return;
    a = arena_alloc(scan_arena(scan), sizeof(*a));
    a->check = check;
    a->op = op;
    /* A fresh account: every string member unique (a login, a name, an email). */
    json_object_foreach(body, key, v)
    {
        if (!json_is_string(v) || strcmp(key, pass_key) == 0)
            continue;
        if (strchr(json_string_value(v), '@') || strcasestr(key, "mail"))
            json_object_set_new(
                body, key,
                json_string(arena_printf(scan_arena(scan), "vigil%s@example.com", token)));
        else
            json_object_set_new(body, key,
                                json_string(arena_printf(scan_arena(scan), "vigil%s", token)));
    }
    a->body = body;
    a->user = json_string_value(json_object_get(body, user_key));
    json_object_set_new(body, pass_key, json_string(WEAK_PASSWORD));
    scan_probe_as(scan, op, op->spec_op && op->spec_op->secured ? SCAN_ID_A : SCAN_ID_NONE, &p);
    check_probe_set_body(&p, check_json_text(scan, body));
    p.label = "password_policy: one-character password";
    scan_send(scan, &p, register_done, a);
}

const struct scan_check check_password_policy = {
    .id = "password_policy",
    .title = "Weak password policy",
    .owasp = "API2:2023",
    .cwe = "CWE-521",
    .severity = SEVERITY_LOW,
    .remediation = "Enforce a minimum password length of at least 8 characters (NIST SP 800-63B) "
                   "on registration and password change, and reject passwords found in breach "
                   "lists.",
    .references = "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/ "
                  "https://cwe.mitre.org/data/definitions/521.html",
    .on_operation = on_operation,
};
