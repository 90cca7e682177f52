/* SPDX-License-Identifier: MIT */
/* Broken object level authorization, confirmed by content. First the scan learns what identifies
 * the first identity (A): the string claims of its JWT that differ from B's, or else the values
 * a "who am I" operation shows to A and not to B. Then every safe operation on an object (a path
 * with a parameter) whose baseline, as A, shows one of those markers is replayed as B: a
 * success that still carries A's marker means B read A's object. A status code alone never
 * makes a finding. */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"

#define MAX_MARKERS 8

struct bola {
    const struct scan_check *check;
    const char *markers[MAX_MARKERS];
    size_t n_markers;
    json_t *whoami_a; /* "who am I" answers, while learning markers */
    json_t *whoami_b;
    int whoami_pending;
};

struct replay {
    struct bola *st;
    const struct scan_op *op;
    const char *marker;
    struct probe *b_probe; /* B's successful request, for the evidence */
    struct probe_response *b_resp;
};

static bool
marker_known(const struct bola *st, const char *s)
{
    for (size_t i = 0; i < st->n_markers; i++) {
        if (strcmp(st->markers[i], s) == 0)
            return true;
    }
    return false;
}

static void
add_marker(struct scan *scan, struct bola *st, const char *s)
{
    static const char *const generic[] = {"user",   "users",  "admin",   "true",   "false", "null",
                                          "bearer", "access", "refresh", "active", NULL};

    if (!s || strlen(s) < 3 || st->n_markers >= MAX_MARKERS || marker_known(st, s))
        return;
    for (size_t i = 0; generic[i]; i++) {
        if (strcmp(s, generic[i]) == 0)
            return;
    }
    st->markers[st->n_markers++] = arena_strdup(scan_arena(scan), s);
}

/* String claims of A's token that B's token does not share: A's username, email, subject. */
static void
markers_from_jwt(struct scan *scan, struct bola *st)
{
    static const char *const skip[] = {"iss", "aud", "typ",        "scope", "scp", "role", "roles",
                                       "jti", "azp", "token_type", "nonce", "kid", NULL};
    struct check_jwt a, b;
    bool have_b;
    const char *key;
    json_t *v;

    if (check_jwt_parse(scan, scan_identity_token(scan, SCAN_ID_A), &a) != 0)
        return;
    have_b = check_jwt_parse(scan, scan_identity_token(scan, SCAN_ID_B), &b) == 0;
    json_object_foreach(a.claims, key, v)
    {
        bool skipped = false;
        char num[32];
        const char *text = NULL;

        for (size_t i = 0; skip[i]; i++)
            skipped = skipped || strcmp(key, skip[i]) == 0;
        if (skipped)
            continue;
        if (json_is_string(v))
            text = json_string_value(v);
        else if (json_is_integer(v) && strcmp(key, "sub") == 0) {
            snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            text = num;
        }
        if (!text || (have_b && json_equal(v, json_object_get(b.claims, key))))
            continue;
        if (strcmp(key, "sub") == 0 && strspn(text, "0123456789") == strlen(text) &&
            strlen(text) < 5)
            continue; /* a small numeric id also appears in unrelated objects */
        add_marker(scan, st, text);
    }
}

static void
collect_strings(struct scan *scan, struct bola *st, json_t *a, json_t *b, int depth)
{
    const char *key;
    json_t *v;
    size_t i;

    if (depth > 3)
        return;
    if (json_is_string(a) && strlen(json_string_value(a)) >= 4 &&
        !check_json_has_value(b, json_string_value(a)))
        add_marker(scan, st, json_string_value(a));
    else if (json_is_object(a)) {
        json_object_foreach(a, key, v)
        {
            collect_strings(scan, st, v, b, depth + 1);
        }
    } else if (json_is_array(a)) {
        json_array_foreach(a, i, v)
        {
            collect_strings(scan, st, v, b, depth + 1);
        }
    }
}

static bool
carries_marker(struct scan *scan, const struct replay *r, const struct probe_response *resp)
{
    json_t *j;

    if (!check_status_ok(resp->status))
        return false;
    j = probe_json(scan, resp);
    return j && check_json_has_value(j, r->marker);
}

/* The same object without credentials: if anybody may read it, it is public, not A's. */
static void
anonymous_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
               void *userdata)
{
    struct replay *r = userdata;

    (void)probe;
    if (carries_marker(scan, r, resp))
        return;
    struct check_finding cf = {
        .title = "Object of one user readable by another (BOLA)",
        .description = "The second identity (B) requested an object that belongs to the first "
                       "identity (A) and got it: the answer contains A's identifying data, "
                       "while an anonymous request for it is refused.",
        .severity = SEVERITY_HIGH,
        .confidence = CONFIDENCE_HIGH,
        .notes = arena_printf(scan_arena(scan),
                              "Requested as identity B; the answer contains \"%s\", which "
                              "identifies identity A.",
                              r->marker),
    };
    check_emit(scan, r->st->check, r->op, &cf, r->b_probe, r->b_resp);
}

static void
replay_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
            void *userdata)
{
    struct replay *r = userdata;
    struct probe p;

    if (!carries_marker(scan, r, resp))
        return;
    r->b_probe = check_probe_copy(scan, probe);
    r->b_resp = check_response_copy(scan, resp);
    scan_probe_as(scan, r->op, SCAN_ID_NONE, &p);
    p.label = "bola: anonymous (control)";
    scan_send(scan, &p, anonymous_done, r);
}

static void
replay_objects(struct scan *scan, struct bola *st)
{
    for (size_t i = 0; i < scan_op_count(scan); i++) {
        const struct scan_op *op = scan_op_at(scan, i);
        const char *marker = NULL;
        struct replay *r;
        struct probe p;

        if (!check_method_is(op, "GET") || !op->path || !strchr(op->path, '{'))
            continue;
        if (!check_status_ok(op->baseline_status) || !op->baseline_json)
            continue;
        for (size_t m = 0; m < st->n_markers && !marker; m++) {
            if (check_json_has_value(op->baseline_json, st->markers[m]))
                marker = st->markers[m];
        }
        if (!marker)
            continue; /* not visibly A's object */
        r = arena_alloc(scan_arena(scan), sizeof(*r));
        r->st = st;
        r->op = op;
        r->marker = marker;
        scan_probe_as(scan, op, SCAN_ID_B, &p);
        p.label = "bola: A's object as B";
        scan_send(scan, &p, replay_done, r);
    }
}

static void
whoami_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
            void *userdata)
{
    struct bola *st = userdata;
    json_t *j = check_status_ok(resp->status) ? probe_json(scan, resp) : NULL;

    if (probe->identity == SCAN_ID_A)
        st->whoami_a = j;
    else
        st->whoami_b = j;
    if (--st->whoami_pending > 0)
        return;
    if (st->whoami_a && st->whoami_b)
        collect_strings(scan, st, st->whoami_a, st->whoami_b, 0);
    if (st->n_markers)
        replay_objects(scan, st);
}

/* A GET without path parameters that tells who the caller is. */
static const struct scan_op *
find_whoami(struct scan *scan)
{
    static const char *const ends[] = {"/me",       "/profile",  "/account",       "/whoami",
                                       "/user",     "/users/me", "/users/current", "/self",
                                       "/userinfo", NULL};

    for (size_t i = 0; i < scan_op_count(scan); i++) {
        const struct scan_op *op = scan_op_at(scan, i);

        if (!check_method_is(op, "GET") || !op->path || strchr(op->path, '{') ||
            !check_status_ok(op->baseline_status))
            continue;
        for (size_t e = 0; ends[e]; e++) {
            size_t n = strlen(op->path), m = strlen(ends[e]);

            if (n >= m && strcmp(op->path + n - m, ends[e]) == 0)
                return op;
        }
    }
    return NULL;
}

static void
on_scan(struct scan *scan, const struct scan_check *check)
{
    struct bola *st;
    const struct scan_op *whoami;
    struct probe p;

    if (!scan_has_identity_b(scan) || !scan_identity_token(scan, SCAN_ID_A))
        return;
    st = arena_alloc(scan_arena(scan), sizeof(*st));
    st->check = check;
    markers_from_jwt(scan, st);
    if (st->n_markers) {
        replay_objects(scan, st);
        return;
    }
    whoami = find_whoami(scan);
    if (!whoami)
        return;
    scan_probe_as(scan, whoami, SCAN_ID_A, &p);
    p.label = "bola: who is A";
    if (scan_send(scan, &p, whoami_done, st) == 0)
        st->whoami_pending++;
    scan_probe_as(scan, whoami, SCAN_ID_B, &p);
    p.label = "bola: who is B";
    if (scan_send(scan, &p, whoami_done, st) == 0)
        st->whoami_pending++;
}

const struct scan_check check_bola = {
    .id = "bola",
    .title = "Broken object level authorization",
    .owasp = "API1:2023",
    .cwe = "CWE-639",
    .severity = SEVERITY_HIGH,
    .remediation = "Verify that the authenticated user is authorized to access the requested "
                   "object before returning or changing it: look objects up through the "
                   "caller's own scope (owner, tenant) rather than by id alone.",
    .references = "https://owasp.org/API-Security/editions/2023/en/"
                  "0xa1-broken-object-level-authorization/ "
                  "https://cwe.mitre.org/data/definitions/639.html",
    .on_scan = on_scan,
};
