/* SPDX-License-Identifier: MIT */
/* Security misconfiguration, each reported once per scan at the first operation that shows it:
 * CORS that reflects any Origin together with credentials; answers carrying credentials or
 * personal data without `X-Content-Type-Options: nosniff` or `Cache-Control: no-store`; stack
 * traces in error answers to malformed input; TRACE answered by echoing the request; and `Server`
 * or `X-Powered-By` banners that name a product version. */
#include "scan/checks/checks_int.h"

#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "scan/scan.h"

#define EVIL_ORIGIN "https://vigil-cors-probe.example"

enum issue {
    ISSUE_CORS,
    ISSUE_NOSNIFF,
    ISSUE_NO_STORE,
    ISSUE_STACK,
    ISSUE_TRACE,
    ISSUE_BANNER,
    ISSUE_COUNT
};

struct misconfig {
    bool reported[ISSUE_COUNT];
};

struct ctx {
    const struct scan_check *check;
    const struct scan_op *op;
};

/* Once per scan per issue: true the first time only. */
static bool
first_time(struct scan *scan, const struct scan_check *check, enum issue issue)
{
    struct misconfig *st = check_state(scan, check, sizeof(*st));

    if (st->reported[issue])
        return false;
    st->reported[issue] = true;
    return true;
}

/* Credentials or personal data in an answer: what must not be cached or sniffed. */
static bool
sensitive(json_t *j, int depth)
{
    static const char *const keys[] = {"token", "password", "secret",  "api_key", "apikey",
                                       "email", "phone",    "address", "ssn",     "birth",
                                       "iban",  "card",     "session", NULL};
    const char *key;
    json_t *v;
    size_t i;

    if (depth > 4)
        return false;
    if (json_is_object(j)) {
        json_object_foreach(j, key, v)
        {
            if ((json_is_string(v) && json_string_length(v) > 0 &&
                 check_contains_any_ci(key, keys)) ||
                sensitive(v, depth + 1))
                return true;
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v)
        {
            if (i >= 3)
                break;
            if (sensitive(v, depth + 1))
                return true;
        }
    }
    return false;
}

/* A product token with a version: "nginx/1.25.3", "Apache/2.4 (Debian)", "PHP 8.2.1",
 * "Express/4.18" — a '/' or a space, then a digit and a '.' or another digit. "nginx" or
 * "Express" alone name no version. */
static bool
names_version(const char *v)
{
    for (const char *p = v; p && *p; p++) {
        if ((*p == '/' || *p == ' ') && p[1] >= '0' && p[1] <= '9' &&
            (p[2] == '.' || (p[2] >= '0' && p[2] <= '9')))
            return true;
    }
    return false;
}

static void
banner(struct scan *scan, const struct ctx *c, const struct probe *probe,
       const struct probe_response *resp)
{
    static const char *const names[] = {"Server", "X-Powered-By", "X-AspNet-Version"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = probe_header_get(scan, resp, names[i]);

        if (v && names_version(v) && first_time(scan, c->check, ISSUE_BANNER)) {
            struct check_finding cf = {
                .title = "Version banner in response headers",
                .description = "The answers name the server software and its version, which "
                               "tells an attacker which known vulnerabilities to try.",
                .severity = SEVERITY_LOW,
                .confidence = CONFIDENCE_HIGH,
                .cwe = "CWE-497",
                .notes = arena_printf(scan_arena(scan), "header %s: %s", names[i], v),
            };
            check_emit(scan, c->check, c->op, &cf, probe, resp);
            return;
        }
    }
}

static void
headers_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
             void *userdata)
{
    const struct ctx *c = userdata;
    const char *acao = probe_header_get(scan, resp, "Access-Control-Allow-Origin");
    const char *acac = probe_header_get(scan, resp, "Access-Control-Allow-Credentials");
    const char *nosniff = probe_header_get(scan, resp, "X-Content-Type-Options");
    const char *cache = probe_header_get(scan, resp, "Cache-Control");
    json_t *j;

    if (resp->status > 0)
        banner(scan, c, probe, resp);
    if (!check_status_ok(resp->status))
        return;
    if (acao && acac && strcasecmp(acac, "true") == 0 &&
        (strcmp(acao, EVIL_ORIGIN) == 0 || strcmp(acao, "null") == 0) &&
        first_time(scan, c->check, ISSUE_CORS)) {
        struct check_finding cf = {
            .title = "CORS reflects any origin with credentials",
            .description = "The API answered a request from an arbitrary Origin with that origin "
                           "in Access-Control-Allow-Origin and Access-Control-Allow-Credentials: "
                           "true: any web site can read authenticated answers in its visitors' "
                           "browsers.",
            .severity = SEVERITY_HIGH,
            .confidence = CONFIDENCE_HIGH,
            .cwe = "CWE-942",
        };
        check_emit(scan, c->check, c->op, &cf, probe, resp);
    }
    j = probe_json(scan, resp);
    if (!j || !sensitive(j, 0))
        return;
    if ((!nosniff || strcasecmp(nosniff, "nosniff") != 0) &&
        first_time(scan, c->check, ISSUE_NOSNIFF)) {
        struct check_finding cf = {
            .title = "Missing X-Content-Type-Options: nosniff",
            .description = "An answer carrying credentials or personal data has no "
                           "X-Content-Type-Options: nosniff header, so browsers may sniff and "
                           "render it as another content type.",
            .severity = SEVERITY_LOW,
            .confidence = CONFIDENCE_HIGH,
            .cwe = "CWE-693",
        };
        check_emit(scan, c->check, c->op, &cf, probe, resp);
    }
    if ((!cache || !strcasestr(cache, "no-store")) && first_time(scan, c->check, ISSUE_NO_STORE)) {
        struct check_finding cf = {
            .title = "Sensitive answer cacheable (no Cache-Control: no-store)",
            .description = "An answer carrying credentials or personal data lacks "
                           "Cache-Control: no-store, so browsers and intermediaries may keep it.",
            .severity = SEVERITY_LOW,
            .confidence = CONFIDENCE_HIGH,
            .cwe = "CWE-525",
        };
        check_emit(scan, c->check, c->op, &cf, probe, resp);
    }
}

static void
error_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
           void *userdata)
{
    const struct ctx *c = userdata;
    const char *sig = resp->body ? check_stack_trace_in(resp->body) : NULL;

    if (!sig ||
        (c->op->baseline_json && check_stack_trace_in(check_json_text(scan, c->op->baseline_json))))
        return;
    if (!first_time(scan, c->check, ISSUE_STACK))
        return;
    struct check_finding cf = {
        .title = "Stack trace in error answer",
        .description = "Malformed input produced an answer with a stack trace: it reveals code "
                       "paths, file names and library versions that help an attacker.",
        .severity = SEVERITY_MEDIUM,
        .confidence = CONFIDENCE_HIGH,
        .cwe = "CWE-209",
        .notes = arena_printf(scan_arena(scan), "The answer contains \"%s\".", sig),
    };
    check_emit(scan, c->check, c->op, &cf, probe, resp);
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    struct ctx *c;
    struct probe p;
    struct check_param *params;
    size_t n;
    const char *user_key, *pass_key;

    if (op->baseline_status == 0)
        return;
    c = arena_alloc(scan_arena(scan), sizeof(*c));
    c->check = check;
    c->op = op;
    if (check_status_ok(op->baseline_status) &&
        (check_method_is(op, "GET") || check_is_login(scan, op, &user_key, &pass_key))) {
        scan_probe_as(scan, op, SCAN_ID_A, &p);
        check_probe_add_header(&p, "Origin", EVIL_ORIGIN);
        p.label = "misconfig: headers and CORS";
        scan_send(scan, &p, headers_done, c);
    }
    if (op->destructive && !op->created_resource && !scan_options_of(scan)->allow_destructive)
        return;
    /* Malformed input: a broken JSON body, or a quote-laden first parameter. */
    if (op->spec_op && op->spec_op->body_content_type &&
        strcasestr(op->spec_op->body_content_type, "json")) {
        scan_probe_as(scan, op, SCAN_ID_A, &p);
        check_probe_set_body(&p, "{\"vigil\": [");
        p.label = "misconfig: malformed JSON";
        scan_send(scan, &p, error_done, c);
        return;
    }
    n = check_params(scan, op, &params);
    for (size_t i = 0; i < n; i++) {
        if (params[i].in != PROBE_IN_QUERY && params[i].in != PROBE_IN_PATH)
            continue;
        if (scan_probe_variant(scan, op, SCAN_ID_A, params[i].in, params[i].name, "vigil'\"%[]{}",
                               &p) != 0)
            continue;
        p.label = "misconfig: malformed parameter";
        scan_send(scan, &p, error_done, c);
        return;
    }
}

static void
trace_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
           void *userdata)
{
    const struct scan_check *check = userdata;

    if (!check_status_ok(resp->status) || !resp->body || !strstr(resp->body, "TRACE "))
        return;
    struct check_finding cf = {
        .title = "HTTP TRACE enabled",
        .description = "The server answers TRACE by echoing the request, headers included; "
                       "with other flaws this exposes cookies and credentials (cross-site "
                       "tracing).",
        .severity = SEVERITY_LOW,
        .confidence = CONFIDENCE_HIGH,
        .cwe = "CWE-693",
        .endpoint =
            arena_printf(scan_arena(scan), "TRACE %s", probe->url + strlen(scan_target(scan))),
    };
    check_emit(scan, check, NULL, &cf, probe, resp);
}

static void
on_scan(struct scan *scan, const struct scan_check *check)
{
    struct probe p = {0};
    const char *path = "/";

    for (size_t i = 0; i < scan_op_count(scan); i++) {
        const struct scan_op *op = scan_op_at(scan, i);

        if (check_method_is(op, "GET") && op->path && !strchr(op->path, '{')) {
            path = op->path;
            break;
        }
    }
    p.method = "TRACE";
    p.url = scan_url(scan, path);
    p.identity = SCAN_ID_NONE;
    p.label = "misconfig: TRACE";
    scan_send(scan, &p, trace_done, (void *)check);
}

const struct scan_check check_misconfig = {
    .id = "misconfig",
    .title = "Security misconfiguration",
    .owasp = "API8:2023",
    .cwe = "CWE-16",
    .severity = SEVERITY_MEDIUM,
    .remediation = "Allow only known origins in CORS (never reflect Origin with credentials), "
                   "send X-Content-Type-Options: nosniff and Cache-Control: no-store on API "
                   "answers, return generic error bodies without stack traces, and disable "
                   "TRACE.",
    .references = "https://owasp.org/API-Security/editions/2023/en/"
                  "0xa8-security-misconfiguration/ "
                  "https://cwe.mitre.org/data/definitions/942.html "
                  "https://cwe.mitre.org/data/definitions/209.html",
    .on_operation = on_operation,
    .on_scan = on_scan,
};
