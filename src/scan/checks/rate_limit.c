/* SPDX-License-Identifier: MIT */
/* Unrestricted resource consumption, two ways. Authentication: a burst of failed logins at the
 * operation the identities log in with, for identity A's account, must meet a 429 (or 503, a
 * Retry-After or RateLimit header) before it ends; then A's right password must still log in
 * (else the account locked, which is a defence). Page size: a
 * list operation's page-size parameter set to 100000 must not be honoured: a finding when the
 * answer echoes that size or returns more items than max(100, the documented maximum). */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"

#define LOGIN_BURST 50
#define HUGE_PAGE   100000

struct burst {
    const struct scan_check *check;
    const struct scan_op *op;
    const char *user_key, *pass_key;
    struct check_credentials creds; /* identity A's, when it logs in here: the confirmation */
    bool have_creds;
    int pending;
    int answered;
    bool throttled;
    bool unusable; /* a success or a transport failure: the burst proves nothing */
    struct probe *last_probe;
    struct probe_response *last_resp;
};

static void
report_burst(struct scan *scan, struct burst *b, bool confirmed)
{
    struct check_finding cf = {
        .title = "No rate limiting on authentication",
        .description = "A burst of failed logins for one account was answered in full, without "
                       "throttling or lockout: passwords can be guessed at full speed.",
        .severity = SEVERITY_MEDIUM,
        .confidence = CONFIDENCE_HIGH,
        .cwe = "CWE-307",
        .notes = arena_printf(scan_arena(scan),
                              "%d failed logins in a row, none answered with 429, 503, "
                              "Retry-After or RateLimit headers%s.",
                              LOGIN_BURST,
                              confirmed ? "; the right password then still logged in (no "
                                          "lockout)"
                                        : ""),
    };
    check_emit(scan, b->check, b->op, &cf, b->last_probe, b->last_resp);
}

static void
confirm_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
             void *userdata)
{
    (void)probe;
    /* The account is locked after the burst: that is a defence, not a flaw. */
    if (check_login_token(scan, resp))
        report_burst(scan, userdata, true);
}

static bool
throttled(struct scan *scan, const struct probe_response *resp)
{
    return resp->status == 429 || resp->status == 503 ||
           probe_header_get(scan, resp, "Retry-After") ||
           probe_header_get(scan, resp, "RateLimit-Remaining") ||
           probe_header_get(scan, resp, "X-RateLimit-Remaining") ||
           probe_header_get(scan, resp, "RateLimit");
}

static void
burst_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
           void *userdata)
{
    struct burst *b = userdata;
    struct probe p;

    if (throttled(scan, resp))
        b->throttled = true;
    else if (resp->status == 0 || resp->status >= 500 || check_login_token(scan, resp))
        b->unusable = true;
    else
        b->answered++; /* a 4xx, or a 2xx failure message ({"status": "fail"}) */
    if (!b->last_probe) {
        b->last_probe = check_probe_copy(scan, probe);
        b->last_resp = check_response_copy(scan, resp);
    }
    if (--b->pending > 0 || b->throttled || b->unusable || b->answered < LOGIN_BURST)
        return;
    if (!b->have_creds) {
        report_burst(scan, b, false);
        return;
    }
    check_login_probe(scan, b->op, b->user_key, b->creds.user, b->pass_key, b->creds.password, &p);
    p.label = "rate_limit: right password after the burst";
    scan_send(scan, &p, confirm_done, b);
}

static void
login_burst(struct scan *scan, const struct scan_check *check, const struct scan_op *op,
            const char *user_key, const char *pass_key)
{
    json_t *body = check_body_object(scan, op);
    struct burst *b = arena_alloc(scan_arena(scan), sizeof(*b));

    b->check = check;
    b->op = op;
    b->user_key = user_key;
    b->pass_key = pass_key;
    /* The burst aims at a real account (identity A's) so that a lockout can show. */
    b->have_creds = check_identity_login(scan, SCAN_ID_A, &b->creds) &&
                    strcmp(b->creds.user_key, user_key) == 0;
    if (b->have_creds)
        json_object_set_new(body, user_key, json_string(b->creds.user));
    for (int i = 0; i < LOGIN_BURST; i++) {
        struct probe p;

        json_object_set_new(body, pass_key, json_string(check_random_token(scan, 14)));
        scan_probe_as(scan, op, SCAN_ID_NONE, &p);
        check_probe_set_body(&p, check_json_text(scan, body));
        p.label = "rate_limit: failed login";
        if (scan_send(scan, &p, burst_done, b) != 0)
            return;
        b->pending++;
    }
}

/* ---- page size ---------------------------------------------------------------------------- */

struct page {
    const struct scan_check *check;
    const struct scan_op *op;
    const char *param;
    long long documented_max; /* 0 when the schema has none */
};

static size_t
largest_array(json_t *j, int depth)
{
    size_t best = 0;
    const char *key;
    json_t *v;

    if (json_is_array(j))
        return json_array_size(j);
    if (!json_is_object(j) || depth > 2)
        return 0;
    json_object_foreach(j, key, v)
    {
        size_t n = largest_array(v, depth + 1);

        if (n > best)
            best = n;
    }
    return best;
}

static void
page_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
          void *userdata)
{
    const struct page *pg = userdata;
    json_t *j, *echo;
    size_t items;
    long long cap = pg->documented_max > 100 ? pg->documented_max : 100;
    bool echoed;

    if (!check_status_ok(resp->status))
        return;
    j = probe_json(scan, resp);
    if (!j)
        return;
    echo = json_is_object(j) ? json_object_get(j, pg->param) : NULL;
    echoed = json_is_integer(echo) && json_integer_value(echo) == HUGE_PAGE;
    items = largest_array(j, 0);
    /* Without an echo, more items than the cap only count if the parameter caused them: a list
     * that was already that long without it is unpaginated, not this parameter's fault. */
    if (!echoed && ((long long)items <= cap || items <= largest_array(pg->op->baseline_json, 0)))
        return;
    struct check_finding cf = {
        .title = "Unbounded page size",
        .description = "The list operation honoured a page size of 100000: one request can make "
                       "the server read and serialise an unbounded number of records.",
        .severity = SEVERITY_MEDIUM,
        .confidence = echoed && (long long)items > cap ? CONFIDENCE_HIGH : CONFIDENCE_MEDIUM,
        .cwe = "CWE-770",
        .notes = arena_printf(scan_arena(scan),
                              "%s=%d was %s; the answer holds %zu items (documented maximum: "
                              "%lld).",
                              pg->param, HUGE_PAGE, echoed ? "echoed back" : "accepted", items,
                              pg->documented_max),
    };
    check_emit(scan, pg->check, pg->op, &cf, probe, resp);
}

static void
page_size(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    static const char *const names[] = {
        "limit",   "per_page",    "perpage",    "page_size",  "pagesize", "pageSize",
        "perPage", "size",        "count",      "max",        "top",      "take",
        "first",   "max_results", "maxResults", "page[size]", NULL};
    struct check_param *params;
    size_t n = check_params(scan, op, &params);

    for (size_t i = 0; i < n; i++) {
        struct page *pg;
        struct probe p;
        json_t *max;
        bool match = false;

        if (params[i].in != PROBE_IN_QUERY)
            continue;
        for (size_t k = 0; names[k] && !match; k++)
            match = strcmp(params[i].name, names[k]) == 0;
        if (!match)
            continue;
        pg = arena_alloc(scan_arena(scan), sizeof(*pg));
        pg->check = check;
        pg->op = op;
        pg->param = params[i].name;
        max =
            json_is_object(params[i].schema) ? json_object_get(params[i].schema, "maximum") : NULL;
        pg->documented_max = json_is_integer(max) ? json_integer_value(max) : 0;
        if (scan_probe_variant(scan, op, SCAN_ID_A, PROBE_IN_QUERY, params[i].name, "100000", &p) !=
            0)
            continue;
        p.label = "rate_limit: huge page";
        scan_send(scan, &p, page_done, pg);
        return; /* one page-size parameter per operation */
    }
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    const char *user_key, *pass_key;

    if (check_is_login(scan, op, &user_key, &pass_key)) {
        /* Only the operation the scan's identities log in with: a second login-looking path
         * (an admin console, a legacy endpoint) is not hammered on a guess. */
        if (check_login_op(scan, &user_key, &pass_key) == op)
            login_burst(scan, check, op, user_key, pass_key);
        return;
    }
    if (check_method_is(op, "GET") && check_status_ok(op->baseline_status))
        page_size(scan, check, op);
}

const struct scan_check check_rate_limit = {
    .id = "rate_limit",
    .title = "Unrestricted resource consumption",
    .owasp = "API4:2023",
    .cwe = "CWE-770",
    .severity = SEVERITY_MEDIUM,
    .remediation = "Throttle authentication per account and per client (429 with Retry-After, "
                   "then lockout or CAPTCHA), and cap every page size on the server, rejecting "
                   "or clamping values above the documented maximum.",
    .references = "https://owasp.org/API-Security/editions/2023/en/"
                  "0xa4-unrestricted-resource-consumption/ "
                  "https://cwe.mitre.org/data/definitions/307.html "
                  "https://cwe.mitre.org/data/definitions/770.html",
    .on_operation = on_operation,
};
