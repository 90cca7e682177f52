/* SPDX-License-Identifier: MIT */
/* Mass assignment: a create (POST), or an update (PUT/PATCH) of a resource the scan created,
 * is sent again with privilege properties the request schema does not declare (role, is_admin,
 * isAdmin, admin, roles, permissions). It is a finding only when the object, read back, shows an
 * injected value: by the id the answer gave, by the natural key the body sent (GET
 * /users/{username}), or, for a registration, by logging in as the new account and asking who
 * it is. An echo alone proves nothing (an endpoint may answer its input back). Unique fields
 * (names, emails) get fresh values so creates do not collide, passwords a strong one. */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"
#include "scan/scan.h"

struct injected {
    const char *key;
    const char *json; /* value as JSON text */
};

static const struct injected candidates[] = {
    {"role", "\"admin\""}, {"is_admin", "true"},     {"isAdmin", "true"},
    {"admin", "true"},     {"roles", "[\"admin\"]"}, {"permissions", "[\"admin\"]"},
};

#define N_CANDIDATES (sizeof(candidates) / sizeof(candidates[0]))

struct attempt {
    const struct scan_check *check;
    const struct scan_op *op;
    bool used[N_CANDIDATES];
    struct probe *write_probe; /* copies, for the evidence */
    struct probe_response *write_resp;
    const char *echoed; /* the key whose injected value came back */
    json_t *sent;       /* the body as sent */
    bool reported;
    int pending; /* read-backs in flight */
};

static bool
value_is_injected(json_t *v, const struct injected *c)
{
    json_t *want = json_loads(c->json, JSON_DECODE_ANY, NULL);
    bool same = v && want && json_equal(v, want);

    json_decref(want);
    return same;
}

static const char *
echoed_key(const struct attempt *a, json_t *answer)
{
    for (size_t i = 0; i < N_CANDIDATES; i++) {
        if (!a->used[i] || !json_is_object(answer))
            continue;
        if (value_is_injected(json_object_get(answer, candidates[i].key), &candidates[i]))
            return candidates[i].key;
    }
    return NULL;
}

static void
report(struct scan *scan, struct attempt *a, const char *how)
{
    if (a->reported)
        return;
    a->reported = true;
    struct check_finding cf = {
        .title = "Privilege property accepted from the client (mass assignment)",
        .description = "The operation accepted a privilege property that its request schema does "
                       "not declare, and the object read back afterwards shows the injected "
                       "value persisted.",
        .severity = SEVERITY_HIGH,
        .confidence = CONFIDENCE_HIGH,
        .notes = arena_printf(scan_arena(scan), "Injected property \"%s\"; %s.", a->echoed, how),
    };
    check_emit(scan, a->check, a->op, &cf, a->write_probe, a->write_resp);
}

static void
readback_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
              void *userdata)
{
    struct attempt *a = userdata;
    json_t *j = check_status_ok(resp->status) ? probe_json(scan, resp) : NULL;
    const char *key = j ? echoed_key(a, j) : NULL;

    a->pending--;
    /* Read back without the value: an echo is cosmetic, nothing persisted. */
    if (!key)
        return;
    a->echoed = key;
    report(scan, a,
           probe->label && strstr(probe->label, "as the new account")
               ? "logging in as the account it created and asking who that is shows the value"
               : "reading the object back shows the value");
}

/* Logged in as the account the write created: who is it? */
static void
new_login_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
               void *userdata)
{
    struct attempt *a = userdata;
    const char *token = check_login_token(scan, resp);
    const struct scan_op *whoami = check_whoami_op(scan);
    struct probe p;

    (void)probe;
    a->pending--;
    if (!token || !whoami)
        return;
    scan_probe_as(scan, whoami, SCAN_ID_NONE, &p);
    check_probe_add_header(&p, "Authorization", arena_printf(scan_arena(scan), "Bearer %s", token));
    p.label = "mass_assignment: who is the new account (as the new account)";
    if (scan_send(scan, &p, readback_done, a) == 0)
        a->pending++;
}

/* The GET operation that reads what `a->op` wrote, and its URL. */
static const struct scan_op *
reader(struct scan *scan, const struct attempt *a, json_t *answer, const char **url)
{
    const char *wpath = a->op->path;
    size_t wlen = strlen(wpath);
    json_t *id = json_is_object(answer) ? json_object_get(answer, "id") : NULL;
    const char *id_text = NULL;

    if (json_is_integer(id))
        id_text = arena_printf(scan_arena(scan), "%" JSON_INTEGER_FORMAT, json_integer_value(id));
    else if (json_is_string(id) &&
             strspn(json_string_value(id), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789-_") == strlen(json_string_value(id)))
        id_text = json_string_value(id);
    for (size_t i = 0; i < scan_op_count(scan); i++) {
        const struct scan_op *op = scan_op_at(scan, i);

        if (!check_method_is(op, "GET") || !op->path)
            continue;
        if (!check_method_is(a->op, "POST") && strcmp(op->path, wpath) == 0) {
            *url = a->op->baseline.url;
            return op;
        }
        /* POST /users -> GET /users/{id} */
        if (check_method_is(a->op, "POST") && id_text && strncmp(op->path, wpath, wlen) == 0 &&
            op->path[wlen] == '/' && op->path[wlen + 1] == '{' &&
            !strchr(op->path + wlen + 1, '/')) {
            const char *base = a->op->baseline.url;
            size_t blen = strcspn(base, "?");

            *url = arena_printf(scan_arena(scan), "%.*s/%s", (int)blen, base, id_text);
            return op;
        }
    }
    return NULL;
}

/* GET /users/{username} for a create that sent "username": the object by its natural key, when
 * the reader's collection encloses the writer's path (/users/register -> /users/{username}). */
static int
natural_reader(struct scan *scan, const struct attempt *a, struct probe *out)
{
    for (size_t i = 0; i < scan_op_count(scan); i++) {
        const struct scan_op *op = scan_op_at(scan, i);
        const char *brace = op->path ? strchr(op->path, '{') : NULL;
        struct check_param *params;
        size_t n, prefix;
        const char *name = NULL;
        int n_path = 0;

        if (!check_method_is(op, "GET") || !brace || strchr(brace + 1, '{') || strchr(brace, '/') ||
            !check_status_ok(op->baseline_status))
            continue;
        prefix = (size_t)(brace - op->path);
        if (strncmp(op->path, a->op->path, prefix) != 0 &&
            strncmp(op->path, a->op->path, prefix - 1) != 0)
            continue;
        n = check_params(scan, op, &params);
        for (size_t k = 0; k < n; k++) {
            if (params[k].in == PROBE_IN_PATH) {
                n_path++;
                name = params[k].name;
            }
        }
        if (n_path != 1 || !json_is_string(json_object_get(a->sent, name)))
            continue;
        if (scan_probe_variant(scan, op, SCAN_ID_A, PROBE_IN_PATH, name,
                               json_string_value(json_object_get(a->sent, name)), out) == 0)
            return 0;
    }
    return -1;
}

static void
write_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
           void *userdata)
{
    struct attempt *a = userdata;
    json_t *j;
    const struct scan_op *get;
    const char *url = NULL;
    const char *user_key, *pass_key;
    const struct scan_op *login;
    struct probe p;

    if (!check_status_ok(resp->status))
        return;
    j = probe_json(scan, resp);
    a->echoed = echoed_key(a, j);
    a->write_probe = check_probe_copy(scan, probe);
    a->write_resp = check_response_copy(scan, resp);
    get = reader(scan, a, j, &url);
    if (get) {
        scan_probe_as(scan, get, SCAN_ID_A, &p);
        p.url = url;
        p.label = "mass_assignment: read back";
        if (scan_send(scan, &p, readback_done, a) == 0)
            a->pending++;
    }
    if (!get && natural_reader(scan, a, &p) == 0) {
        p.label = "mass_assignment: read back by its key";
        if (scan_send(scan, &p, readback_done, a) == 0)
            a->pending++;
    }
    /* A registration: log in as the new account and ask who it is. */
    login = check_method_is(a->op, "POST") ? check_login_op(scan, &user_key, &pass_key) : NULL;
    if (login && login != a->op && json_is_string(json_object_get(a->sent, user_key)) &&
        json_is_string(json_object_get(a->sent, pass_key))) {
        check_login_probe(scan, login, user_key,
                          json_string_value(json_object_get(a->sent, user_key)), pass_key,
                          json_string_value(json_object_get(a->sent, pass_key)), &p);
        p.label = "mass_assignment: log in as the new account";
        if (scan_send(scan, &p, new_login_done, a) == 0)
            a->pending++;
    }
}

static bool
is_password_key(const char *key)
{
    static const char *const words[] = {"password", "passwd", "passphrase", NULL};

    return check_contains_any_ci(key, words);
}

static bool
unique_field(const char *key)
{
    static const char *const words[] = {"name",   "user", "email", "mail", "login",
                                        "handle", "slug", "title", NULL};

    return check_contains_any_ci(key, words);
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    json_t *body, *props = NULL, *v;
    struct attempt *a;
    const char *key;
    const char *token;
    bool any = false;
    struct probe p;

    /* A create that conflicted (409) still proves the operation works: our body is unique. A
     * 400/422 may be the spec's example failing a policy ("pass1"): ours carries a strong
     * password. Only a read-back ever makes a finding, so trying costs one request. */
    if (!(check_status_ok(op->baseline_status) || op->baseline_status == 409 ||
          op->baseline_status == 400 || op->baseline_status == 422) ||
        !op->spec_op)
        return;
    if (!check_method_is(op, "POST") &&
        !((check_method_is(op, "PUT") || check_method_is(op, "PATCH")) &&
          (op->created_resource || scan_options_of(scan)->allow_destructive)))
        return;
    body = check_body_object(scan, op);
    if (!body)
        return;
    if (json_is_object(op->baseline_json)) {
        for (size_t i = 0; i < N_CANDIDATES; i++) {
            if (value_is_injected(json_object_get(op->baseline_json, candidates[i].key),
                                  &candidates[i]))
                return; /* already privileged: nothing to learn */
        }
    }
    if (json_is_object(op->spec_op->body_schema))
        props = json_object_get(op->spec_op->body_schema, "properties");
    a = arena_alloc(scan_arena(scan), sizeof(*a));
    a->check = check;
    a->op = op;
    for (size_t i = 0; i < N_CANDIDATES; i++) {
        if (json_object_get(props, candidates[i].key) || json_object_get(body, candidates[i].key))
            continue; /* declared: setting it is the API's design */
        json_object_set_new(body, candidates[i].key,
                            json_loads(candidates[i].json, JSON_DECODE_ANY, NULL));
        a->used[i] = true;
        any = true;
    }
    if (!any)
        return;
    token = check_random_token(scan, 8);
    json_object_foreach(body, key, v)
    {
        /* An example password ("pass1") may fail the policy: send one any policy takes. */
        if (json_is_string(v) && is_password_key(key)) {
            json_object_set_new(body, key, json_string(check_strong_password(scan)));
            continue;
        }
        if (!json_is_string(v) || !unique_field(key))
            continue;
        if (strchr(json_string_value(v), '@'))
            json_object_set_new(
                body, key,
                json_string(arena_printf(scan_arena(scan), "vigil%s@example.com", token)));
        else
            json_object_set_new(body, key,
                                json_string(arena_printf(scan_arena(scan), "vigil%s", token)));
    }
    scan_probe_as(scan, op, SCAN_ID_A, &p);
    a->sent = body;
    check_probe_set_body(&p, check_json_text(scan, body));
    p.label = "mass_assignment: privilege properties";
    scan_send(scan, &p, write_done, a);
}

const struct scan_check check_mass_assignment = {
    .id = "mass_assignment",
    .title = "Mass assignment",
    .owasp = "API3:2023",
    .cwe = "CWE-915",
    .severity = SEVERITY_HIGH,
    .remediation = "Bind request bodies to an explicit list of writable properties per "
                   "operation (a DTO or allowlist); never copy client JSON onto stored objects. "
                   "Set privilege fields such as role only through dedicated, authorized "
                   "operations.",
    .references = "https://owasp.org/API-Security/editions/2023/en/"
                  "0xa3-broken-object-property-level-authorization/ "
                  "https://cwe.mitre.org/data/definitions/915.html",
    .on_operation = on_operation,
};
