/* SPDX-License-Identifier: MIT */
/* Helpers shared by the built-in checks: per-scan state, parameter lists, findings with a risk
 * score, deep copies for deferred evidence, echo-insensitive body comparison and JWT decoding.
 * All memory comes from the scan's arena; the state table is the one piece of process-wide data
 * and is guarded by a mutex, since several scans may run at once on different threads. */
#include "scan/checks/checks_int.h"

#include <assert.h>
#include <ctype.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "auth/b64url.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/id.h"
#include "core/str.h"
#include "scan/scan.h"

static void json_release(void *ptr);
static const char *url_decode(struct scan *scan, const char *s, size_t n);

/* ---- per-scan state ------------------------------------------------------------------------ */

struct state_node {
    struct state_node *next;
    const struct arena *arena;
    const struct scan_check *check;
    void *data;
};

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static struct state_node *state_head;

/* Runs when the scan's arena is freed, before its memory (which holds the node) goes. */
static void
state_forget(void *ptr)
{
    struct state_node **pp;

    pthread_mutex_lock(&state_lock);
    for (pp = &state_head; *pp; pp = &(*pp)->next) {
        if (*pp == ptr) {
            *pp = (*pp)->next;
            break;
        }
    }
    pthread_mutex_unlock(&state_lock);
}

void *
check_state(struct scan *scan, const struct scan_check *check, size_t size)
{
    struct arena *arena = scan_arena(scan);
    struct state_node *node;

    pthread_mutex_lock(&state_lock);
    for (node = state_head; node; node = node->next) {
        if (node->arena == arena && node->check == check) {
            pthread_mutex_unlock(&state_lock);
            return node->data;
        }
    }
    pthread_mutex_unlock(&state_lock);

    /* Only this scan's thread creates state for this arena, so no one can race us to it. */
    node = arena_alloc(arena, sizeof(*node));
    node->arena = arena;
    node->check = check;
    node->data = arena_alloc(arena, size ? size : 1);
    arena_defer(arena, state_forget, node);
    pthread_mutex_lock(&state_lock);
    node->next = state_head;
    state_head = node;
    pthread_mutex_unlock(&state_lock);
    return node->data;
}

/* ---- findings ------------------------------------------------------------------------------ */

int
check_risk_score(enum severity severity, enum confidence confidence)
{
    static const int base[SEVERITY_COUNT] = {5, 25, 50, 75, 92};
    int score = base[severity < SEVERITY_COUNT ? severity : SEVERITY_INFO];

    if (confidence == CONFIDENCE_HIGH)
        score += 6;
    else if (confidence == CONFIDENCE_LOW)
        score -= 12;
    if (score < 0)
        score = 0;
    return score > 100 ? 100 : score;
}

void
check_emit(struct scan *scan, const struct scan_check *check, const struct scan_op *op,
           const struct check_finding *cf, const struct probe *probe,
           const struct probe_response *resp)
{
    struct finding f = {0};

    f.title = cf->title;
    f.description = cf->description;
    f.severity = cf->severity;
    f.confidence = cf->confidence;
    f.status = FINDING_OPEN;
    f.endpoint = cf->endpoint ? cf->endpoint : (op ? op->endpoint : NULL);
    f.cwe = cf->cwe;
    f.cvss_score = -1;
    f.risk_score = check_risk_score(cf->severity, cf->confidence);
    f.check_id = check->id;
    f.evidence.notes = cf->notes;
    scan_report(scan, check, op, &f, probe, resp);
}

static const char *
dup_or_null(struct arena *arena, const char *s)
{
    return s ? arena_strdup(arena, s) : NULL;
}

struct probe *
check_probe_copy(struct scan *scan, const struct probe *p)
{
    struct arena *arena = scan_arena(scan);
    struct probe *c = arena_alloc(arena, sizeof(*c));

    *c = *p;
    c->method = dup_or_null(arena, p->method);
    c->url = dup_or_null(arena, p->url);
    c->label = dup_or_null(arena, p->label);
    for (size_t i = 0; i < p->n_headers && i < sizeof(p->headers) / sizeof(p->headers[0]); i++) {
        c->headers[i].name = dup_or_null(arena, p->headers[i].name);
        c->headers[i].value = dup_or_null(arena, p->headers[i].value);
    }
    if (p->body)
        c->body = arena_memdup(arena, p->body, p->body_len);
    return c;
}

struct probe_response *
check_response_copy(struct scan *scan, const struct probe_response *r)
{
    struct arena *arena = scan_arena(scan);
    struct probe_response *c = arena_alloc(arena, sizeof(*c));
    char *body;

    *c = *r;
    c->headers = dup_or_null(arena, r->headers);
    c->error = dup_or_null(arena, r->error);
    body = arena_alloc(arena, r->body_len + 1);
    if (r->body && r->body_len)
        memcpy(body, r->body, r->body_len);
    c->body = body;
    return c;
}

/* ---- operations and parameters ------------------------------------------------------------- */

static const char *
schema_string(json_t *schema, const char *key)
{
    json_t *v = json_is_object(schema) ? json_object_get(schema, key) : NULL;

    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_array(v)) { /* OpenAPI 3.1: "type": ["string", "null"] */
        size_t i;
        json_t *item;

        json_array_foreach(v, i, item)
        {
            if (json_is_string(item) && strcmp(json_string_value(item), "null") != 0)
                return json_string_value(item);
        }
    }
    return NULL;
}

size_t
check_params(struct scan *scan, const struct scan_op *op, struct check_param **out)
{
    const struct spec_operation *so = op->spec_op;
    json_t *props = NULL;
    size_t n = 0, cap;
    struct check_param *params;

    if (so && so->body_schema && json_is_object(so->body_schema))
        props = json_object_get(so->body_schema, "properties");
    cap = (so ? so->n_params : 0) + (json_is_object(props) ? json_object_size(props) : 0);
    params = arena_calloc(scan_arena(scan), cap ? cap : 1, sizeof(*params));
    for (size_t i = 0; so && i < so->n_params; i++) {
        static const enum probe_param_in map[] = {
            [SPEC_IN_PATH] = PROBE_IN_PATH,
            [SPEC_IN_QUERY] = PROBE_IN_QUERY,
            [SPEC_IN_HEADER] = PROBE_IN_HEADER,
            [SPEC_IN_COOKIE] = PROBE_IN_COOKIE,
        };
        const struct spec_param *sp = &so->params[i];

        params[n].name = sp->name;
        params[n].in = map[sp->in];
        params[n].schema = sp->schema;
        params[n].type = schema_string(sp->schema, "type");
        params[n].format = schema_string(sp->schema, "format");
        n++;
    }
    if (json_is_object(props) && so->body_content_type &&
        strcasestr(so->body_content_type, "json")) {
        const char *key;
        json_t *schema;

        json_object_foreach(props, key, schema)
        {
            params[n].name = key;
            params[n].in = PROBE_IN_BODY;
            params[n].schema = schema;
            params[n].type = schema_string(schema, "type");
            params[n].format = schema_string(schema, "format");
            n++;
        }
    }
    *out = params;
    return n;
}

bool
check_status_ok(long status)
{
    return status >= 200 && status < 300;
}

bool
check_method_is(const struct scan_op *op, const char *method)
{
    return op->baseline.method && strcasecmp(op->baseline.method, method) == 0;
}

bool
check_contains_any_ci(const char *s, const char *const *words)
{
    for (size_t i = 0; s && words[i]; i++) {
        if (strcasestr(s, words[i]))
            return true;
    }
    return false;
}

const char *
check_random_token(struct scan *scan, size_t n)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char raw[64];
    char *out;

    if (n == 0)
        return "";
    if (n >= sizeof(raw))
        n = sizeof(raw) - 1;
    random_bytes(raw, n);
    out = arena_alloc(scan_arena(scan), n + 1);
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
    out[0] = (char)('a' + raw[0] % 26); /* starts with a letter: valid in more fields */
    return out;
}

void
check_probe_set_body(struct probe *p, const char *body)
{
    p->body = body;
    p->body_len = body ? strlen(body) : 0;
}

bool
check_probe_add_header(struct probe *p, const char *name, const char *value)
{
    if (p->n_headers >= sizeof(p->headers) / sizeof(p->headers[0]))
        return false;
    p->headers[p->n_headers].name = name;
    p->headers[p->n_headers].value = value;
    p->n_headers++;
    return true;
}

static bool
str_decoded_eq(struct scan *scan, const char *s, size_t n, const char *want, size_t want_len)
{
    const char *dec;

    if (n == want_len && memcmp(s, want, n) == 0)
        return true;
    dec = url_decode(scan, s, n);
    return strcmp(dec, want) == 0;
}

static const char *
url_decode(struct scan *scan, const char *s, size_t n)
{
    int out_len = 0;
    char *plus = arena_strndup(scan_arena(scan), s, n);
    char *dec;
    const char *copy;

    for (char *c = plus; *c; c++) {
        if (*c == '+')
            *c = ' ';
    }
    dec = curl_easy_unescape(NULL, plus, 0, &out_len);
    if (!dec)
        return plus;
    copy = arena_strndup(scan_arena(scan), dec, (size_t)out_len);
    curl_free(dec);
    return copy;
}

/* The n-th segment from the end of a path ("" past the start). */
static const char *
segment_from_end(const char *path, size_t end_index, size_t *len)
{
    const char *end = path + strlen(path);

    for (;;) {
        const char *start = end;

        while (start > path && start[-1] != '/')
            start--;
        if (end_index == 0) {
            *len = (size_t)(end - start);
            return start;
        }
        if (start == path)
            break;
        end = start - 1;
        end_index--;
    }
    *len = 0;
    return "";
}

const char *
check_param_value(struct scan *scan, const struct scan_op *op, const struct check_param *param)
{
    const char *url = op->baseline.url ? op->baseline.url : "";
    const char *query = strchr(url, '?');

    if (param->in == PROBE_IN_QUERY && query) {
        size_t name_len = strlen(param->name);

        for (const char *p = query + 1; *p;) {
            size_t len = strcspn(p, "&");
            const char *eq = memchr(p, '=', len);
            size_t key_len = eq ? (size_t)(eq - p) : len;

            if (str_decoded_eq(scan, p, key_len, param->name, name_len))
                return eq ? url_decode(scan, eq + 1, len - key_len - 1) : "";
            p += len;
            if (*p == '&')
                p++;
        }
        return NULL;
    }
    if (param->in == PROBE_IN_PATH && op->path) {
        /* Align the template's segments with the URL path's from the right. */
        char *path =
            arena_strndup(scan_arena(scan), url, query ? (size_t)(query - url) : strlen(url));
        char want[256];
        size_t want_len;

        want_len = (size_t)snprintf(want, sizeof(want), "{%s}", param->name);
        for (size_t i = 0; i < 64; i++) {
            size_t tlen, ulen;
            const char *t = segment_from_end(op->path, i, &tlen);
            const char *u = segment_from_end(path, i, &ulen);

            if (tlen == want_len && memcmp(t, want, tlen) == 0)
                return url_decode(scan, u, ulen);
            if (t == op->path)
                break;
        }
        return NULL;
    }
    if (param->in == PROBE_IN_BODY) {
        json_t *body = check_body_object(scan, op);
        json_t *v = body ? json_object_get(body, param->name) : NULL;

        if (!v)
            return NULL;
        if (json_is_string(v))
            return arena_strdup(scan_arena(scan), json_string_value(v));
        if (json_is_integer(v))
            return arena_printf(scan_arena(scan), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return "";
    }
    return NULL;
}

json_t *
check_body_object(struct scan *scan, const struct scan_op *op)
{
    json_t *j;

    if (!op->baseline.body || op->baseline.body_len == 0)
        return NULL;
    j = json_loadb(op->baseline.body, op->baseline.body_len, 0, NULL);
    if (!j)
        return NULL;
    arena_defer(scan_arena(scan), json_release, j);
    return json_is_object(j) ? j : NULL;
}

char *
check_json_text(struct scan *scan, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    char *copy;

    if (!text)
        return arena_strdup(scan_arena(scan), "null");
    copy = arena_strdup(scan_arena(scan), text);
    free(text);
    return copy;
}

char *
check_json_quote(struct scan *scan, const char *s)
{
    json_t *j = json_string(s);
    char *text;

    if (!j) /* not UTF-8 */
        return arena_strdup(scan_arena(scan), "\"\"");
    text = check_json_text(scan, j);
    json_decref(j);
    return text;
}

static const char *const login_user_keys[] = {"username", "user_name", "email",  "login", "user",
                                              "userName", "account",   "handle", NULL};
static const char *const login_pass_keys[] = {"password", "passwd",     "pass", "pwd",
                                              "secret",   "passphrase", NULL};

/* The first of keys naming a string member of body, or NULL. */
static const char *
string_key(json_t *body, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++) {
        if (json_is_string(json_object_get(body, keys[i])))
            return keys[i];
    }
    return NULL;
}

bool
check_credential_keys(json_t *body, const char **user_key, const char **pass_key)
{
    *user_key = string_key(body, login_user_keys);
    *pass_key = string_key(body, login_pass_keys);
    return *user_key && *pass_key;
}

bool
check_answer_is_failure(json_t *j)
{
    static const char *const keys[] = {"status", "result", "outcome"};
    static const char *const words[] = {"fail", "error", "denied", "invalid", NULL};
    json_t *v;

    if (!json_is_object(j))
        return false;
    if (json_is_false(json_object_get(j, "success")) || json_is_false(json_object_get(j, "ok")))
        return true;
    v = json_object_get(j, "error");
    if (v && !json_is_null(v) && !json_is_false(v))
        return true;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *t = json_string_value(json_object_get(j, keys[i]));

        if (t && check_contains_any_ci(t, words))
            return true;
    }
    return false;
}

bool
check_is_login(struct scan *scan, const struct scan_op *op, const char **user_key,
               const char **pass_key)
{
    static const char *const paths[] = {"login",   "signin", "sign-in", "sign_in", "authenticate",
                                        "session", "token",  "auth",    NULL};
    json_t *body;

    if (!check_method_is(op, "POST") || !check_contains_any_ci(op->path, paths))
        return false;
    body = check_body_object(scan, op);
    if (!body)
        return false;
    *user_key = string_key(body, login_user_keys);
    *pass_key = string_key(body, login_pass_keys);
    return *user_key && *pass_key;
}

static const struct scan_auth *
identity_auth(struct scan *scan, enum scan_identity identity)
{
    const struct scan_options *o = scan_options_of(scan);

    if (identity == SCAN_ID_A)
        return &o->auth;
    if (identity == SCAN_ID_B)
        return &o->auth2;
    return NULL;
}

bool
check_identity_login(struct scan *scan, enum scan_identity identity, struct check_credentials *out)
{
    const struct scan_auth *a = identity_auth(scan, identity);
    json_t *body;

    memset(out, 0, sizeof(*out));
    if (!a || a->type != SCAN_AUTH_LOGIN || !a->login_body)
        return false;
    body = json_loads(a->login_body, 0, NULL);
    if (!json_is_object(body)) {
        json_decref(body);
        return false;
    }
    out->user_key = string_key(body, login_user_keys);
    out->pass_key = string_key(body, login_pass_keys);
    if (out->user_key && out->pass_key) {
        out->user =
            arena_strdup(scan_arena(scan), json_string_value(json_object_get(body, out->user_key)));
        out->password =
            arena_strdup(scan_arena(scan), json_string_value(json_object_get(body, out->pass_key)));
    }
    json_decref(body);
    return out->user && out->password;
}

/* The URL without its query, as an arena string. */
static const char *
url_path_part(struct scan *scan, const char *url)
{
    return arena_strndup(scan_arena(scan), url, strcspn(url, "?#"));
}

const struct scan_op *
check_login_op(struct scan *scan, const char **user_key, const char **pass_key)
{
    const struct scan_auth *a = identity_auth(scan, SCAN_ID_A);
    const struct scan_op *first = NULL;
    const char *fu = NULL, *fp = NULL;
    const char *login_url = NULL;

    if (a->type == SCAN_AUTH_LOGIN && a->login_url)
        login_url =
            str_has_prefix(a->login_url, "http://") || str_has_prefix(a->login_url, "https://")
                ? a->login_url
                : scan_url(scan, a->login_url);
    for (size_t i = 0; i < scan_op_count(scan); i++) {
        const struct scan_op *op = scan_op_at(scan, i);
        const char *u, *p;

        if (!op->baseline.url || !check_is_login(scan, op, &u, &p))
            continue;
        if (login_url &&
            strcmp(url_path_part(scan, op->baseline.url), url_path_part(scan, login_url)) == 0) {
            *user_key = u;
            *pass_key = p;
            return op;
        }
        if (!first) {
            first = op;
            fu = u;
            fp = p;
        }
    }
    /* The identities log in elsewhere: the spec's login is not the one in use. */
    if (login_url)
        return NULL;
    *user_key = fu;
    *pass_key = fp;
    return first;
}

bool
check_is_login_op(struct scan *scan, const struct scan_op *op)
{
    const char *u, *p;

    return op && check_login_op(scan, &u, &p) == op;
}

/* The member at a JSON pointer ("/data/token"), or NULL. */
static json_t *
json_at_pointer(json_t *j, const char *ptr)
{
    char part[128];

    while (j && ptr && *ptr == '/') {
        size_t n = strcspn(ptr + 1, "/");

        if (n >= sizeof(part))
            return NULL;
        memcpy(part, ptr + 1, n);
        part[n] = '\0';
        j = json_is_array(j) ? json_array_get(j, (size_t)strtoul(part, NULL, 10))
                             : json_object_get(j, part);
        ptr += n + 1;
    }
    return j;
}

/* A string member whose name says token, at most two levels down. */
static const char *
token_member(json_t *j, int depth)
{
    const char *key;
    json_t *v;

    if (!json_is_object(j) || depth > 2)
        return NULL;
    json_object_foreach(j, key, v)
    {
        if (json_is_string(v) && strlen(json_string_value(v)) >= 16 && strcasestr(key, "token") &&
            !strcasestr(key, "type"))
            return json_string_value(v);
    }
    json_object_foreach(j, key, v)
    {
        const char *t = token_member(v, depth + 1);

        if (t)
            return t;
    }
    return NULL;
}

const char *
check_login_token(struct scan *scan, const struct probe_response *r)
{
    const struct scan_auth *a = identity_auth(scan, SCAN_ID_A);
    json_t *j, *t;

    if (!check_status_ok(r->status))
        return NULL;
    j = probe_json(scan, r);
    if (!j)
        return NULL;
    if (a->type == SCAN_AUTH_LOGIN && a->login_token_pointer) {
        t = json_at_pointer(j, a->login_token_pointer);
        if (json_is_string(t) && *json_string_value(t))
            return arena_strdup(scan_arena(scan), json_string_value(t));
    }
    return token_member(j, 0) ? arena_strdup(scan_arena(scan), token_member(j, 0)) : NULL;
}

void
check_login_probe(struct scan *scan, const struct scan_op *op, const char *user_key,
                  const char *user, const char *pass_key, const char *password, struct probe *out)
{
    json_t *body = check_body_object(scan, op);

    json_object_set_new(body, user_key, json_string(user));
    json_object_set_new(body, pass_key, json_string(password));
    scan_probe_as(scan, op, SCAN_ID_NONE, out);
    check_probe_set_body(out, check_json_text(scan, body));
}

const char *
check_strong_password(struct scan *scan)
{
    return arena_printf(scan_arena(scan), "Vigil-%s-7q!", check_random_token(scan, 12));
}

/* A GET without path parameters that tells who the caller is. */
const struct scan_op *
check_whoami_op(struct scan *scan)
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

/* ---- response comparison ------------------------------------------------------------------- */

static void
strip_all(char *s, const char *needle)
{
    size_t n = strlen(needle);
    char *hit;

    if (n == 0)
        return;
    while ((hit = strstr(s, needle)) != NULL)
        memmove(hit, hit + n, strlen(hit + n) + 1);
}

char *
check_strip_echo(struct scan *scan, const char *body, const char *const *needles, size_t n)
{
    struct arena *arena = scan_arena(scan);
    char *out = arena_strdup(arena, body ? body : "");

    for (size_t i = 0; i < n; i++) {
        struct buf esc;
        char *copy;

        buf_init(&esc, 4096);
        for (const char *c = needles[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                buf_putc(&esc, '\\');
            buf_putc(&esc, *c);
        }
        copy = arena_strdup(arena, buf_str(&esc));
        buf_cleanup(&esc);
        strip_all(out, copy);
        strip_all(out, needles[i]);
    }
    return out;
}

json_t *
check_answer_json(struct scan *scan, const struct probe_response *r, const char *const *needles,
                  size_t n)
{
    const char *text = check_strip_echo(scan, r && r->body ? r->body : "", needles, n);
    json_t *body = json_loads(text, JSON_DECODE_ANY, NULL);
    json_t *j;

    if (!body)
        body = json_string(text);
    if (!body)
        body = json_null(); /* not UTF-8: the answer then compares by status alone */
    j = json_pack("{s:I, s:o}", "status", (json_int_t)(r ? r->status : 0), "body", body);
    assert(j);
    arena_defer(scan_arena(scan), json_release, j);
    return j;
}

static bool
same_value(json_t *x, json_t *y)
{
    return (!x && !y) || (x && y && json_equal(x, y));
}

#define DIFF_PAIRS_MAX 8

static bool
differs_in_members(json_t *a, json_t *b, json_t *const *controls, size_t n_pairs, bool object)
{
    json_t *sub[2 * DIFF_PAIRS_MAX];
    json_t *sides[2] = {a, b};

    if (object) {
        for (int side = 0; side < 2; side++) {
            const char *key;
            json_t *v;

            json_object_foreach(sides[side], key, v)
            {
                if (side == 1 && json_object_get(a, key))
                    continue; /* seen from a's side */
                for (size_t i = 0; i < 2 * n_pairs; i++)
                    sub[i] = json_is_object(controls[i]) ? json_object_get(controls[i], key) : NULL;
                if (check_json_differs_beyond(json_object_get(a, key), json_object_get(b, key), sub,
                                              n_pairs))
                    return true;
            }
        }
        return false;
    }
    for (size_t k = 0; k < json_array_size(a); k++) {
        for (size_t i = 0; i < 2 * n_pairs; i++)
            sub[i] = json_is_array(controls[i]) ? json_array_get(controls[i], k) : NULL;
        if (check_json_differs_beyond(json_array_get(a, k), json_array_get(b, k), sub, n_pairs))
            return true;
    }
    return false;
}

bool
check_json_differs_beyond(json_t *a, json_t *b, json_t *const *controls, size_t n_pairs)
{
    bool noisy = false;

    assert(n_pairs <= DIFF_PAIRS_MAX);
    if (same_value(a, b))
        return false;
    for (size_t i = 0; i < n_pairs; i++)
        noisy = noisy || !same_value(controls[2 * i], controls[2 * i + 1]);
    if (!noisy)
        return true;
    /* Some control pair differs here too: look for a quiet member below, else it is noise. */
    if (json_is_object(a) && json_is_object(b))
        return differs_in_members(a, b, controls, n_pairs, true);
    if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b))
        return differs_in_members(a, b, controls, n_pairs, false);
    return false;
}

bool
check_json_has_value(json_t *j, const char *s)
{
    size_t i;
    const char *key;
    json_t *v;

    if (!j || !s)
        return false;
    switch (json_typeof(j)) {
    case JSON_STRING:
        return strcmp(json_string_value(j), s) == 0;
    case JSON_INTEGER: {
        char num[32];

        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        return strcmp(num, s) == 0;
    }
    case JSON_ARRAY:
        json_array_foreach(j, i, v)
        {
            if (check_json_has_value(v, s))
                return true;
        }
        return false;
    case JSON_OBJECT:
        json_object_foreach(j, key, v)
        {
            if (check_json_has_value(v, s))
                return true;
        }
        return false;
    default:
        return false;
    }
}

static double
shape(json_t *a, json_t *b, int depth)
{
    if (!a || !b || json_typeof(a) != json_typeof(b))
        return 0.0;
    if (json_is_array(a)) {
        if (json_array_size(a) == 0 || json_array_size(b) == 0)
            return 1.0;
        return depth > 2 ? 1.0 : shape(json_array_get(a, 0), json_array_get(b, 0), depth + 1);
    }
    if (json_is_object(a)) {
        const char *key;
        json_t *v;
        double sum = 0;
        size_t n = 0;

        json_object_foreach(a, key, v)
        {
            json_t *w = json_object_get(b, key);

            n++;
            if (w)
                sum += depth > 2 ? 1.0 : (0.5 + 0.5 * shape(v, w, depth + 1));
        }
        return n ? sum / (double)n : (json_object_size(b) == 0 ? 1.0 : 0.0);
    }
    return 1.0;
}

double
check_json_shape_similarity(json_t *a, json_t *b)
{
    return shape(a, b, 0);
}

/* ---- evidence signatures ------------------------------------------------------------------- */

static const char *const sql_errors[] = {"you have an error in your sql syntax",
                                         "warning: mysql",
                                         "mysqli_sql_exception",
                                         "unclosed quotation mark",
                                         "quoted string not properly terminated",
                                         "unterminated quoted string",
                                         "syntax error at or near",
                                         "pg::syntaxerror",
                                         "psycopg2.",
                                         "sqlstate[",
                                         "ora-00933",
                                         "ora-01756",
                                         "sqlite3.operationalerror",
                                         "sqlite_error",
                                         "unrecognized token:",
                                         "java.sql.sqlexception",
                                         "org.hibernate",
                                         "microsoft ole db",
                                         "odbc sql server driver",
                                         "sql command not properly ended",
                                         "incorrect syntax near",
                                         NULL};

/* "uid=0(root) gid=0(root)": output of `id`. */
bool
check_has_id_output(const char *s)
{
    for (const char *p = strstr(s, "uid="); p; p = strstr(p + 4, "uid=")) {
        const char *q = p + 4;

        if (!isdigit((unsigned char)*q))
            continue;
        while (isdigit((unsigned char)*q))
            q++;
        if (*q == '(' && strstr(q, ") gid=") && strstr(q, ") gid=") - q < 64)
            return true;
    }
    return false;
}

/* A passwd line such as "root:x:0:0:". */
bool
check_has_passwd_line(const char *s)
{
    for (const char *p = strstr(s, "root:"); p; p = strstr(p + 5, "root:")) {
        const char *q = p + 5;

        while (*q && *q != ':' && *q != '\n' && q - p < 40)
            q++;
        if (strncmp(q, ":0:0:", 5) == 0)
            return true;
    }
    return false;
}

const char *
check_sql_error_in(const char *s)
{
    for (size_t i = 0; s && sql_errors[i]; i++) {
        if (strcasestr(s, sql_errors[i]))
            return sql_errors[i];
    }
    return NULL;
}

static const char *const stack_signatures[] = {"Traceback (most recent call last)",
                                               "Exception in thread \"",
                                               "\tat java.",
                                               "\n\tat ",
                                               "at java.lang.",
                                               "at org.springframework.",
                                               "System.NullReferenceException",
                                               "   at System.",
                                               "at Object.<anonymous>",
                                               "node_modules/",
                                               "goroutine 1 [running]",
                                               "panic: runtime error",
                                               "Fatal error: Uncaught",
                                               "on line <b>",
                                               "NoMethodError",
                                               "/usr/lib/python3",
                                               "site-packages/",
                                               "\", line ",
                                               "Stack trace:",
                                               "\"stack\": \"Error",
                                               "\"stack\":\"Error",
                                               NULL};

const char *
check_stack_trace_in(const char *s)
{
    for (size_t i = 0; stack_signatures[i]; i++) {
        if (strstr(s, stack_signatures[i]))
            return stack_signatures[i];
    }
    return NULL;
}

/* ---- JWT ----------------------------------------------------------------------------------- */

char *
check_b64url_encode(struct scan *scan, const void *data, size_t n)
{
    char *out = arena_alloc(scan_arena(scan), 4 * ((n + 2) / 3) + 1);
    int len = EVP_EncodeBlock((unsigned char *)out, data, (int)n);

    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (char *c = out; *c; c++) {
        if (*c == '+')
            *c = '-';
        else if (*c == '/')
            *c = '_';
    }
    return out;
}

unsigned char *
check_b64url_decode(struct scan *scan, const char *s, size_t *n)
{
    size_t len = strlen(s);
    unsigned char *out;
    long got;

    if (len > (1u << 20))
        return NULL;
    out = arena_alloc(scan_arena(scan), len * 3 / 4 + 4);
    got = auth_b64url_decode(s, len, out);
    if (got < 0)
        return NULL;
    *n = (size_t)got;
    return out;
}

static void
json_release(void *ptr)
{
    json_decref(ptr);
}

static json_t *
decode_json_part(struct scan *scan, const char *part)
{
    size_t n;
    unsigned char *raw = check_b64url_decode(scan, part, &n);
    json_t *j;

    if (!raw)
        return NULL;
    j = json_loadb((const char *)raw, n, 0, NULL);
    if (!j)
        return NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    arena_defer(scan_arena(scan), json_release, j);
    return j;
}

int
check_jwt_parse(struct scan *scan, const char *token, struct check_jwt *out)
{
    struct arena *arena = scan_arena(scan);
    const char *dot1, *dot2;

    memset(out, 0, sizeof(*out));
    if (!token)
        return -1;
    if (strncasecmp(token, "Bearer ", 7) == 0)
        token += 7;
    while (*token == ' ')
        token++;
    dot1 = strchr(token, '.');
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot1 || !dot2 || strchr(dot2 + 1, '.'))
        return -1;
    out->header_b64 = arena_strndup(arena, token, (size_t)(dot1 - token));
    out->payload_b64 = arena_strndup(arena, dot1 + 1, (size_t)(dot2 - dot1 - 1));
    out->signature_b64 = arena_strdup(arena, dot2 + 1);
    out->header = decode_json_part(scan, out->header_b64);
    out->claims = out->header ? decode_json_part(scan, out->payload_b64) : NULL;
    if (!out->header || !out->claims)
        return -1;
    out->signature = check_b64url_decode(scan, out->signature_b64, &out->signature_len);
    if (!out->signature)
        return -1;
    return 0;
}
