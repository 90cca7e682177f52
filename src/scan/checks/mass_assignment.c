/* SPDX-License-Identifier: MIT */
/* Mass assignment: a create (POST), or an update (PUT/PATCH) of a resource the scan created,
 * is sent again with privilege properties the request schema does not declare (role, is_admin,
 * admin). It is a finding when the answer echoes the injected value and reading the object back
 * shows it persisted; when it cannot be read back, the echo alone makes a medium-confidence
 * finding. Unique fields (names, emails) get fresh values so creates do not collide. */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"
#include "scan/scan.h"

struct injected {
    const char *key;
    const char *json; /* value as JSON text */
};

static const struct injected candidates[] = {
    {"role", "\"admin\""},
    {"is_admin", "true"},
    {"isAdmin", "true"},
    {"admin", "true"},
};

#define N_CANDIDATES (sizeof(candidates) / sizeof(candidates[0]))

struct attempt {
    const struct scan_check *check;
    const struct scan_op *op;
    bool used[N_CANDIDATES];
    struct probe *write_probe; /* copies, for the evidence */
    struct probe_response *write_resp;
    const char *echoed; /* the key whose injected value came back */
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

static const struct injected *
candidate(const char *key)
{
    for (size_t i = 0; i < N_CANDIDATES; i++) {
        if (strcmp(candidates[i].key, key) == 0)
            return &candidates[i];
    }
    return NULL;
}

static void
report(struct scan *scan, const struct attempt *a, bool read_back)
{
    struct check_finding cf = {
        .title = "Privilege property accepted from the client (mass assignment)",
        .description =
            read_back
                ? "The operation accepted a privilege property that its request schema does not "
                  "declare, and reading the object back shows the injected value persisted."
                : "The operation accepted a privilege property that its request schema does not "
                  "declare and echoed the injected value; the object could not be read back to "
                  "confirm that it persisted.",
        .severity = SEVERITY_HIGH,
        .confidence = read_back ? CONFIDENCE_HIGH : CONFIDENCE_MEDIUM,
        .notes = arena_printf(scan_arena(scan), "Injected property \"%s\" came back as sent%s.",
                              a->echoed, read_back ? " and again when read back" : ""),
    };
    check_emit(scan, a->check, a->op, &cf, a->write_probe, a->write_resp);
}

static void
readback_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
              void *userdata)
{
    struct attempt *a = userdata;
    json_t *j;

    (void)probe;
    if (!check_status_ok(resp->status)) {
        report(scan, a, false);
        return;
    }
    j = probe_json(scan, resp);
    if (json_is_object(j) && value_is_injected(json_object_get(j, a->echoed), candidate(a->echoed)))
        report(scan, a, true);
    /* Read back without the value: the echo was cosmetic, nothing persisted. */
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

static void
write_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
           void *userdata)
{
    struct attempt *a = userdata;
    json_t *j;
    const struct scan_op *get;
    const char *url = NULL;
    struct probe p;

    if (!check_status_ok(resp->status))
        return;
    j = probe_json(scan, resp);
    a->echoed = echoed_key(a, j);
    if (!a->echoed)
        return;
    a->write_probe = check_probe_copy(scan, probe);
    a->write_resp = check_response_copy(scan, resp);
    get = reader(scan, a, j, &url);
    if (!get) {
        report(scan, a, false);
        return;
    }
    scan_probe_as(scan, get, SCAN_ID_A, &p);
    p.url = url;
    p.label = "mass_assignment: read back";
    if (scan_send(scan, &p, readback_done, a) != 0)
        report(scan, a, false);
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

    /* A create that conflicted (409) still proves the operation works: our body is unique. */
    if (!(check_status_ok(op->baseline_status) || op->baseline_status == 409) || !op->spec_op)
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
