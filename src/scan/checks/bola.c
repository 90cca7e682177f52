/* SPDX-License-Identifier: MIT */
/* Broken object level authorization, confirmed by content. First the scan learns what identifies
 * the first identity (A): the string claims of its JWT that differ from B's, or else the values
 * a "who am I" operation shows to A and not to B. Then every safe operation on an object (a path
 * with a parameter) whose baseline, as A, shows one of those markers is replayed as B: a
 * success that still carries A's marker means B read A's object. A status code alone never
 * makes a finding. */
#include "scan/checks/checks_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"

#define MAX_MARKERS 8

struct bola {
    const struct scan_check *check;
    const char *markers[MAX_MARKERS];
    size_t n_markers;
    json_t *whoami_a; /* "who am I" answers, while learning markers */
    json_t *whoami_b;
    int whoami_pending;
    void *writes; /* struct writes, for the tests on writes (on_finish) */
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

/* Whether the URL (percent-decoded, any case) contains s. */
static bool
url_names(struct scan *scan, const char *url, const char *s)
{
    char *decoded = arena_strdup(scan_arena(scan), url ? url : "");
    char *w = decoded;

    for (const char *r = decoded; *r; r++) {
        unsigned int c;

        if (r[0] == '%' && r[1] && r[2] && sscanf(r + 1, "%2x", &c) == 1) {
            *w++ = (char)c;
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return strcasestr(decoded, s) != NULL;
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
            /* A marker the request itself names (/users/alice) is an echo of the key, not a
             * sign that the object is A's: B could ask for any public profile that way. */
            if (check_json_has_value(op->baseline_json, st->markers[m]) &&
                !url_names(scan, op->baseline.url, st->markers[m]))
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

/* ---- writes: B changes A's account, confirmed by effect ----------------------------------- */

/* B sends a write through a path that names A (PUT /users/alice/password). The status says
 * nothing: a safe API may answer alike because it changed B's own account. So the effect is
 * read: A logs in with the new password, or A's account read back as A shows the new value.
 * Whatever changed (A's or B's account) is set back with the identity's own credentials. */
struct write_test {
    struct bola *st;
    const struct scan_op *op;
    const char *param; /* path parameter naming the account */
    const char *field; /* body member changed */
    bool password;     /* the member is the account's password */
    const char *value; /* what B sends */
    json_t *before_a;  /* A's and B's accounts as read before the write, or NULL */
    json_t *before_b;
    struct probe *write_probe;
    struct probe_response *write_resp;
    int pending;
};

struct writes {
    struct bola *st;
    const struct scan_check *check;
    struct check_credentials a, b;
    const struct scan_op *login; /* the login operation, for passwords */
    const char *login_user_key, *login_pass_key;
    const struct scan_op *whoami; /* for other members */
    struct write_test *tests;
    size_t n_tests, next;
};

static void write_next(struct scan *scan, struct writes *w);

static struct writes *writes_of(struct write_test *t);

static bool
is_password_key(const char *key)
{
    static const char *const words[] = {"password", "passwd", "passphrase", NULL};

    return check_contains_any_ci(key, words) || strcasecmp(key, "pass") == 0 ||
           strcasecmp(key, "pwd") == 0;
}

/* The path parameter that names an account, or NULL. */
static const char *
account_param(struct scan *scan, const struct scan_op *op)
{
    static const char *const names[] = {"user",   "name",  "login", "account",
                                        "handle", "email", NULL};
    static const char *const collections[] = {"/users/{", "/accounts/{", "/members/{",
                                              "/profiles/{", NULL};
    struct check_param *params;
    size_t n = check_params(scan, op, &params);
    const char *only = NULL;
    size_t n_path = 0;

    for (size_t i = 0; i < n; i++) {
        if (params[i].in != PROBE_IN_PATH)
            continue;
        n_path++;
        only = params[i].name;
        if (check_contains_any_ci(params[i].name, names))
            return params[i].name;
    }
    if (n_path == 1 && check_contains_any_ci(op->path, collections))
        return only;
    return NULL;
}

/* A write as `identity` to the account `user`, setting the test's member to value. */
static int
send_write(struct scan *scan, struct write_test *t, enum scan_identity identity, const char *user,
           const char *value, probe_done_fn done, const char *label)
{
    json_t *body = check_body_object(scan, t->op);
    struct probe p;

    if (!body || scan_probe_variant(scan, t->op, identity, PROBE_IN_PATH, t->param, user, &p) != 0)
        return -1;
    json_object_set_new(body, t->field, json_string(value));
    check_probe_set_body(&p, check_json_text(scan, body));
    p.label = label;
    return scan_send(scan, &p, done, t);
}

static void
restore_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
             void *userdata)
{
    (void)probe;
    (void)resp;
    write_next(scan, writes_of(userdata));
}

/* Sets the member back for the identity whose account changed; then the next test. */
static void
restore(struct scan *scan, struct write_test *t, enum scan_identity identity)
{
    struct writes *w = writes_of(t);
    const struct check_credentials *c = identity == SCAN_ID_A ? &w->a : &w->b;
    json_t *before = identity == SCAN_ID_A ? t->before_a : t->before_b;
    const char *old =
        t->password ? c->password : json_string_value(json_object_get(before, t->field));

    if (!old || send_write(scan, t, identity, c->user, old, restore_done, "bola: restore") != 0)
        write_next(scan, w);
}

static void
report_write(struct scan *scan, struct write_test *t, const char *how)
{
    struct writes *w = writes_of(t);
    struct check_finding cf = {
        .title = "Object of one user changed by another (BOLA on write)",
        .description = "The second identity (B) changed an account of the first identity (A) "
                       "through a path that names A, and the change took effect on A's account.",
        .severity = SEVERITY_HIGH,
        .confidence = CONFIDENCE_HIGH,
        .notes = arena_printf(scan_arena(scan),
                              "Identity B set \"%s\" of account \"%s\" (identity A); %s. The old "
                              "value was then set back by identity A.",
                              t->field, w->a.user, how),
    };
    check_emit(scan, w->check, t->op, &cf, t->write_probe, t->write_resp);
}

static void
login_b_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
             void *userdata)
{
    struct write_test *t = userdata;

    (void)probe;
    /* The API changed B's own password whatever the path said: safe, but set it back. */
    if (check_login_token(scan, resp))
        restore(scan, t, SCAN_ID_B);
    else
        write_next(scan, writes_of(t));
}

static void
login_a_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
             void *userdata)
{
    struct write_test *t = userdata;
    struct writes *w = writes_of(t);
    struct probe p;

    (void)probe;
    if (check_login_token(scan, resp)) {
        report_write(scan, t, "logging in as A with the new password then succeeded");
        restore(scan, t, SCAN_ID_A);
        return;
    }
    check_login_probe(scan, w->login, w->login_user_key, w->b.user, w->login_pass_key, t->value,
                      &p);
    p.label = "bola: log in as B with the new password";
    if (scan_send(scan, &p, login_b_done, t) != 0)
        write_next(scan, w);
}

static void
read_b_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
            void *userdata)
{
    struct write_test *t = userdata;
    json_t *j = check_status_ok(resp->status) ? probe_json(scan, resp) : NULL;

    (void)probe;
    if (j && check_json_has_value(j, t->value))
        restore(scan, t, SCAN_ID_B);
    else
        write_next(scan, writes_of(t));
}

static void
read_a_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
            void *userdata)
{
    struct write_test *t = userdata;
    struct writes *w = writes_of(t);
    json_t *j = check_status_ok(resp->status) ? probe_json(scan, resp) : NULL;
    struct probe p;

    (void)probe;
    if (j && check_json_has_value(j, t->value)) {
        report_write(scan, t, "reading A's account back as A then showed the new value");
        restore(scan, t, SCAN_ID_A);
        return;
    }
    scan_probe_as(scan, w->whoami, SCAN_ID_B, &p);
    p.label = "bola: read B's account back";
    if (scan_send(scan, &p, read_b_done, t) != 0)
        write_next(scan, w);
}

static void
write_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
           void *userdata)
{
    struct write_test *t = userdata;
    struct writes *w = writes_of(t);
    struct probe p;

    if (!check_status_ok(resp->status)) {
        write_next(scan, w);
        return;
    }
    t->write_probe = check_probe_copy(scan, probe);
    t->write_resp = check_response_copy(scan, resp);
    if (t->password) {
        check_login_probe(scan, w->login, w->login_user_key, w->a.user, w->login_pass_key, t->value,
                          &p);
        p.label = "bola: log in as A with the new password";
        if (scan_send(scan, &p, login_a_done, t) != 0)
            write_next(scan, w);
        return;
    }
    scan_probe_as(scan, w->whoami, SCAN_ID_A, &p);
    p.label = "bola: read A's account back";
    if (scan_send(scan, &p, read_a_done, t) != 0)
        write_next(scan, w);
}

static void
start_write(struct scan *scan, struct write_test *t)
{
    struct writes *w = writes_of(t);

    if (send_write(scan, t, SCAN_ID_B, w->a.user, t->value, write_done,
                   "bola: write A's account as B") != 0)
        write_next(scan, w);
}

static void
before_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
            void *userdata)
{
    struct write_test *t = userdata;
    json_t *j = check_status_ok(resp->status) ? probe_json(scan, resp) : NULL;

    if (probe->identity == SCAN_ID_A)
        t->before_a = j;
    else
        t->before_b = j;
    if (--t->pending == 0)
        start_write(scan, t);
}

static void
write_next(struct scan *scan, struct writes *w)
{
    struct write_test *t;
    struct probe p;

    if (w->next >= w->n_tests)
        return;
    t = &w->tests[w->next++];
    if (t->password) {
        start_write(scan, t);
        return;
    }
    /* The old values, to set back whichever account the write changes. */
    for (int i = 0; i < 2; i++) {
        scan_probe_as(scan, w->whoami, i == 0 ? SCAN_ID_A : SCAN_ID_B, &p);
        p.label = "bola: account before the write";
        if (scan_send(scan, &p, before_done, t) == 0)
            t->pending++;
    }
    if (t->pending == 0)
        write_next(scan, w);
}

static struct writes *
writes_of(struct write_test *t)
{
    return (struct writes *)t->st->writes;
}

static void
plan_writes(struct scan *scan, const struct scan_check *check, struct bola *st)
{
    struct writes *w = arena_alloc(scan_arena(scan), sizeof(*w));

    w->st = st;
    w->check = check;
    if (!check_identity_login(scan, SCAN_ID_A, &w->a) ||
        !check_identity_login(scan, SCAN_ID_B, &w->b) || strcmp(w->a.user, w->b.user) == 0)
        return;
    w->login = check_login_op(scan, &w->login_user_key, &w->login_pass_key);
    w->whoami = check_whoami_op(scan);
    w->tests = arena_calloc(scan_arena(scan), scan_op_count(scan) + 1, sizeof(*w->tests));
    for (size_t i = 0; i < scan_op_count(scan); i++) {
        const struct scan_op *op = scan_op_at(scan, i);
        struct write_test *t = &w->tests[w->n_tests];
        json_t *body, *v;
        const char *key;

        if (!(check_method_is(op, "PUT") || check_method_is(op, "PATCH") ||
              check_method_is(op, "POST")) ||
            !op->path || !strchr(op->path, '{') || !op->baseline.url)
            continue;
        t->param = account_param(scan, op);
        body = check_body_object(scan, op);
        if (!t->param || !json_is_object(body))
            continue;
        json_object_foreach(body, key, v)
        {
            if (json_is_string(v) && is_password_key(key) && w->login) {
                t->field = key;
                t->password = true;
                break;
            }
            if (json_is_string(v) && !t->field && w->whoami)
                t->field = key;
        }
        if (!t->field)
            continue;
        t->st = st;
        t->op = op;
        if (t->password)
            t->value = check_strong_password(scan);
        else if (t->field && strcasestr(t->field, "mail"))
            t->value =
                arena_printf(scan_arena(scan), "vigil%s@example.com", check_random_token(scan, 10));
        else
            t->value = arena_printf(scan_arena(scan), "vigil%s", check_random_token(scan, 10));
        w->n_tests++;
    }
    st->writes = w;
    write_next(scan, w);
}

static void
on_finish(struct scan *scan, const struct scan_check *check)
{
    struct bola *st;

    if (!scan_has_identity_b(scan))
        return;
    st = arena_alloc(scan_arena(scan), sizeof(*st));
    plan_writes(scan, check, st);
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
    whoami = check_whoami_op(scan);
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
    .on_finish = on_finish,
};
