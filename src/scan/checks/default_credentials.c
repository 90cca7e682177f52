/* SPDX-License-Identifier: MIT */
/* Default credentials: the operation the identities log in with is tried with a short list of
 * vendor and tutorial defaults (admin/admin, root/root...). A login that grants a token is a
 * finding; the token is removed from the evidence. Bounded: one request per pair, none at all
 * when the spec has no login, and it stops at the first success. */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"

struct pair {
    const char *user;
    const char *password;
};

static const struct pair defaults[] = {
    {"admin", "admin"},  {"admin", "password"}, {"admin", "admin123"},
    {"admin", "123456"}, {"admin", "changeme"}, {"administrator", "administrator"},
    {"root", "root"},    {"root", "toor"},      {"test", "test"},
    {"user", "user"},    {"guest", "guest"},    {"demo", "demo"},
};

#define N_DEFAULTS (sizeof(defaults) / sizeof(defaults[0]))

struct attempts {
    const struct scan_check *check;
    const struct scan_op *op;
    bool found;
};

struct attempt {
    struct attempts *all;
    const struct pair *pair;
};

static void
login_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
           void *userdata)
{
    struct attempt *a = userdata;
    const char *token = check_login_token(scan, resp);
    struct probe_response shown;

    if (!token || a->all->found)
        return;
    a->all->found = true;
    /* The granted token is a live credential: it stays out of the report. */
    shown = *resp;
    shown.body = check_strip_echo(scan, resp->body, &token, 1);
    shown.body_len = strlen(shown.body);
    struct check_finding cf = {
        .title = "Default credentials accepted",
        .description = "The login accepted a well-known default username and password: anyone "
                       "can log in as that account.",
        .severity = SEVERITY_HIGH,
        .confidence = CONFIDENCE_HIGH,
        .notes = arena_printf(scan_arena(scan),
                              "User \"%s\" with the default password \"%.2s***\" logged in: the "
                              "answer granted a token (removed here).",
                              a->pair->user, a->pair->password),
    };
    check_emit(scan, a->all->check, a->all->op, &cf, probe, &shown);
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    const char *user_key, *pass_key;
    struct check_credentials a, b;
    bool have_a, have_b;
    struct attempts *all;

    if (check_login_op(scan, &user_key, &pass_key) != op)
        return;
    have_a = check_identity_login(scan, SCAN_ID_A, &a);
    have_b = check_identity_login(scan, SCAN_ID_B, &b);
    all = arena_alloc(scan_arena(scan), sizeof(*all));
    all->check = check;
    all->op = op;
    for (size_t i = 0; i < N_DEFAULTS; i++) {
        struct attempt *t;
        struct probe p;

        /* The scan's own accounts are known, not defaults. */
        if ((have_a && strcmp(a.user, defaults[i].user) == 0) ||
            (have_b && strcmp(b.user, defaults[i].user) == 0))
            continue;
        t = arena_alloc(scan_arena(scan), sizeof(*t));
        t->all = all;
        t->pair = &defaults[i];
        check_login_probe(scan, op, user_key, defaults[i].user, pass_key, defaults[i].password, &p);
        p.label = "default_credentials: default login";
        if (scan_send(scan, &p, login_done, t) != 0)
            return;
    }
}

const struct scan_check check_default_credentials = {
    .id = "default_credentials",
    .title = "Default credentials",
    .owasp = "API2:2023",
    .cwe = "CWE-1392",
    .severity = SEVERITY_HIGH,
    .remediation = "Ship no account with a default password: create administrators with a "
                   "random one-time password that must be changed at first login, and remove "
                   "sample accounts from production data.",
    .references = "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/ "
                  "https://cwe.mitre.org/data/definitions/1392.html",
    .on_operation = on_operation,
};
