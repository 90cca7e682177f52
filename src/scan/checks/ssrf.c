/* SPDX-License-Identifier: MIT */
/* Server-side request forgery, detected out of band: every URL-like parameter (by name or by
 * format uri/url) gets a unique URL on the scanner's own loopback listener. If the target
 * requests it, the target fetches URLs its clients choose. The hits are read in on_finish, after
 * the engine's grace period, so slow or asynchronous fetches are caught too. */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"
#include "scan/scan.h"

#define MAX_PLANTS 256

struct plant {
    const struct scan_op *op;
    const char *param;
    const char *tag;
    struct probe *probe; /* copies for the evidence */
    struct probe_response *resp;
};

struct ssrf {
    struct plant plants[MAX_PLANTS];
    size_t n;
};

static bool
url_like(const struct check_param *p)
{
    static const char *const words[] = {
        "url",       "uri",      "link",  "href",     "callback", "webhook", "redirect",
        "return_to", "returnto", "next",  "image",    "avatar",   "feed",    "fetch",
        "src",       "source",   "proxy", "endpoint", "target",   "dest",    NULL};

    if (p->type && strcmp(p->type, "string") != 0)
        return false;
    if (p->format && (strcmp(p->format, "uri") == 0 || strcmp(p->format, "url") == 0 ||
                      strcmp(p->format, "iri") == 0 || strcmp(p->format, "uri-reference") == 0))
        return true;
    return check_contains_any_ci(p->name, words);
}

static void
plant_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
           void *userdata)
{
    struct plant *pl = userdata;

    pl->probe = check_probe_copy(scan, probe);
    pl->resp = check_response_copy(scan, resp);
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    struct ssrf *st;
    struct check_param *params;
    size_t n;

    if (op->baseline_status == 0 ||
        (op->destructive && !op->created_resource && !scan_options_of(scan)->allow_destructive))
        return;
    n = check_params(scan, op, &params);
    st = check_state(scan, check, sizeof(*st));
    for (size_t i = 0; i < n && st->n < MAX_PLANTS; i++) {
        struct plant *pl;
        const char *url;
        struct probe p;

        if (params[i].in == PROBE_IN_PATH || !url_like(&params[i]))
            continue;
        pl = &st->plants[st->n];
        pl->op = op;
        pl->param = params[i].name;
        pl->tag =
            arena_printf(scan_arena(scan), "ssrf-%zu-%s", st->n, check_random_token(scan, 10));
        url = scan_oob_url(scan, pl->tag);
        if (!url)
            return; /* no listener: nothing can be detected */
        if (scan_probe_variant(scan, op, SCAN_ID_A, params[i].in, params[i].name,
                               params[i].in == PROBE_IN_BODY ? check_json_quote(scan, url) : url,
                               &p) != 0)
            continue;
        p.label = "ssrf: out-of-band URL";
        if (scan_send(scan, &p, plant_done, pl) == 0)
            st->n++;
    }
}

static void
on_finish(struct scan *scan, const struct scan_check *check)
{
    struct ssrf *st = check_state(scan, check, sizeof(*st));

    for (size_t i = 0; i < st->n; i++) {
        const struct plant *pl = &st->plants[i];

        if (!scan_oob_hit(scan, pl->tag))
            continue;
        struct check_finding cf = {
            .title = "Server-side request forgery",
            .description = "The server fetched a URL supplied by the client: it can be made to "
                           "reach internal services, cloud metadata or other hosts on an "
                           "attacker's behalf.",
            .severity = SEVERITY_HIGH,
            .confidence = CONFIDENCE_HIGH,
            .notes = arena_printf(scan_arena(scan),
                                  "Parameter \"%s\" was set to a unique URL on the scanner's "
                                  "listener, and the target requested it.",
                                  pl->param),
        };
        check_emit(scan, check, pl->op, &cf, pl->probe, pl->resp);
    }
}

const struct scan_check check_ssrf = {
    .id = "ssrf",
    .title = "Server-side request forgery",
    .owasp = "API7:2023",
    .cwe = "CWE-918",
    .severity = SEVERITY_HIGH,
    .remediation = "Fetch only from an allowlist of hosts and schemes; resolve the host and "
                   "refuse private, loopback and link-local addresses at connect time; do not "
                   "follow redirects blindly or return raw fetched content.",
    .references = "https://owasp.org/API-Security/editions/2023/en/"
                  "0xa7-server-side-request-forgery/ "
                  "https://cwe.mitre.org/data/definitions/918.html",
    .on_operation = on_operation,
    .on_finish = on_finish,
};
