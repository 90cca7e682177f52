/* SPDX-License-Identifier: MIT */
/* User enumeration. On the login: a known user (identity A's) with a wrong password and an
 * unknown user are each tried twice. When each pair answers the same way (stable) but the two pairs
 * differ in status or body (the random values removed), the answer tells an attacker which accounts
 * exist. Answers of 429 or 503 make the test inconclusive, never a finding; a 2xx is a failure
 * unless it grants a token. Without credentials: a list of users that names identity A, and a
 * lookup by username that answers 2xx for A and 4xx for an unknown name. */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"

struct attempt_result {
    long status;
    bool token;       /* the answer granted a token: a success, not a failure message */
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
        if (r[i].token)
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
    e->results[slot].token = check_login_token(scan, resp) != NULL;
    e->results[slot].body = check_strip_echo(scan, resp->body, e->random, 4);
    e->results[slot].probe = check_probe_copy(scan, probe);
    e->results[slot].resp = check_response_copy(scan, resp);
    if (--e->pending == 0)
        evaluate(scan, e);
}

/* ---- user lists and username oracles without credentials -------------------------------- */

static const char *const user_keys[] = {"username", "user_name", "userName", "login",
                                        "email",    "handle",    "user",     NULL};

static bool
is_user_key(const char *key)
{
    for (size_t i = 0; user_keys[i]; i++) {
        if (strcmp(key, user_keys[i]) == 0)
            return true;
    }
    return false;
}

/* Objects with a string member naming a user, in the first array found (two levels down). */
static size_t
user_objects(json_t *j, int depth)
{
    const char *key;
    json_t *v;
    size_t i, n = 0;

    if (json_is_array(j)) {
        json_array_foreach(j, i, v)
        {
            const char *k;
            json_t *m;
            bool user = false;

            json_object_foreach(v, k, m)
            {
                user = user || (is_user_key(k) && json_is_string(m) && *json_string_value(m));
            }
            n += user;
        }
        return n;
    }
    if (!json_is_object(j) || depth > 2)
        return 0;
    json_object_foreach(j, key, v)
    {
        if ((n = user_objects(v, depth + 1)) > 0)
            return n;
    }
    return 0;
}

struct lookup {
    const struct scan_check *check;
    const struct scan_op *op;
    const char *known;
    long status[2]; /* known, unknown */
    struct probe *probe;
    struct probe_response *resp;
    int pending;
};

static void
listing_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
             void *userdata)
{
    const struct lookup *l = userdata;
    json_t *j = check_status_ok(resp->status) ? probe_json(scan, resp) : NULL;
    size_t n = j ? user_objects(j, 0) : 0;

    /* Two users or more, and one the scan knows is real: a directory, not a public catalogue. */
    if (n < 2 || !check_json_has_value(j, l->known))
        return;
    struct check_finding cf = {
        .title = "User list readable without credentials",
        .description = "A request without credentials got a list of the API's users with their "
                       "usernames or emails: an attacker learns every account to attack.",
        .severity = SEVERITY_MEDIUM,
        .confidence = CONFIDENCE_HIGH,
        .cwe = "CWE-200",
        .notes = arena_printf(scan_arena(scan),
                              "Sent without credentials; the answer lists %zu users, among them "
                              "identity A (\"%s\").",
                              n, l->known),
    };
    check_emit(scan, l->check, l->op, &cf, probe, resp);
}

static void
oracle_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
            void *userdata)
{
    struct lookup *l = userdata;
    bool unknown = probe->label && strstr(probe->label, "unknown");

    l->status[unknown] = resp->status;
    if (!unknown) {
        l->probe = check_probe_copy(scan, probe);
        l->resp = check_response_copy(scan, resp);
    }
    if (--l->pending > 0)
        return;
    if (!check_status_ok(l->status[0]) || l->status[1] < 400 || l->status[1] >= 500 ||
        l->status[1] == 429)
        return;
    struct check_finding cf = {
        .title = "Username oracle without credentials",
        .description = "Looking a user up by name without credentials answers differently for "
                       "an existing and an unknown account: an attacker can test which "
                       "usernames exist.",
        .severity = SEVERITY_LOW,
        .confidence = CONFIDENCE_HIGH,
        .notes = arena_printf(scan_arena(scan),
                              "Without credentials: existing user \"%s\" HTTP %ld, unknown user "
                              "HTTP %ld.",
                              l->known, l->status[0], l->status[1]),
    };
    check_emit(scan, l->check, l->op, &cf, l->probe, l->resp);
}

static void
listing_or_oracle(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    static const char *const names[] = {"user", "login", "handle", "account", "email", NULL};
    struct check_credentials creds;
    struct check_param *params;
    size_t n;
    const char *param = NULL;
    int n_path = 0;
    struct lookup *l;
    struct probe p;

    if (!check_identity_login(scan, SCAN_ID_A, &creds) || !op->path)
        return;
    l = arena_alloc(scan_arena(scan), sizeof(*l));
    l->check = check;
    l->op = op;
    l->known = creds.user;
    if (!strchr(op->path, '{')) {
        scan_probe_as(scan, op, SCAN_ID_NONE, &p);
        p.label = "user_enum: list without credentials";
        scan_send(scan, &p, listing_done, l);
        return;
    }
    n = check_params(scan, op, &params);
    for (size_t i = 0; i < n; i++) {
        if (params[i].in != PROBE_IN_PATH)
            continue;
        n_path++;
        if (check_contains_any_ci(params[i].name, names))
            param = params[i].name;
    }
    if (n_path != 1 || !param)
        return;
    for (int i = 0; i < 2; i++) {
        const char *who =
            i == 0 ? creds.user
                   : arena_printf(scan_arena(scan), "vigil%s", check_random_token(scan, 10));

        if (scan_probe_variant(scan, op, SCAN_ID_NONE, PROBE_IN_PATH, param, who, &p) != 0)
            return;
        p.label = i == 0 ? "user_enum: known user without credentials"
                         : "user_enum: unknown user without credentials";
        if (scan_send(scan, &p, oracle_done, l) != 0)
            return;
        l->pending++;
    }
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    const char *user_key, *pass_key, *known, *u, *pw;
    struct check_credentials creds;
    json_t *body;
    struct enumeration *e;

    if (check_method_is(op, "GET")) {
        listing_or_oracle(scan, check, op);
        return;
    }
    if (!check_is_login(scan, op, &user_key, &pass_key) || check_login_op(scan, &u, &pw) != op)
        return;
    body = check_body_object(scan, op);
    /* A user the scan knows exists: identity A's, else the spec's example. */
    if (check_identity_login(scan, SCAN_ID_A, &creds) && strcmp(creds.user_key, user_key) == 0)
        json_object_set_new(body, user_key, json_string(creds.user));
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
