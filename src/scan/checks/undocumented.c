/* SPDX-License-Identifier: MIT */
/* Undocumented endpoints: a short list of well-known debug, admin and configuration paths that
 * the API description does not list. A path counts when it answers 2xx with content that is not
 * the server's fallback page: a random path is requested first, and an answer like its answer
 * (a single-page app's index, a catch-all) is ignored. Some paths also need their telltale
 * content (.env lines, a git config section). */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"

struct candidate {
    const char *path;
    const char *must_contain; /* NULL: any non-fallback content */
    enum severity severity;
    const char *what;
};

static const struct candidate candidates[] = {
    {"/.env", "=", SEVERITY_HIGH, "an environment file"},
    {"/.git/config", "[core]", SEVERITY_HIGH, "the git repository configuration"},
    {"/actuator/env", "propert", SEVERITY_HIGH, "the Spring actuator environment"},
    {"/actuator", "_links", SEVERITY_MEDIUM, "the Spring actuator index"},
    {"/debug", NULL, SEVERITY_MEDIUM, "a debug endpoint"},
    {"/debug/vars", NULL, SEVERITY_MEDIUM, "Go expvar debug variables"},
    {"/debug/pprof/", "profile", SEVERITY_MEDIUM, "the Go profiler"},
    {"/admin", NULL, SEVERITY_MEDIUM, "an administration page"},
    {"/console", NULL, SEVERITY_MEDIUM, "a console"},
    {"/server-status", "Apache", SEVERITY_MEDIUM, "the Apache status page"},
    {"/phpinfo.php", "PHP Version", SEVERITY_MEDIUM, "phpinfo()"},
    {"/config.json", "{", SEVERITY_MEDIUM, "a configuration file"},
    {"/api/debug", NULL, SEVERITY_MEDIUM, "a debug endpoint"},
    {"/api/admin", NULL, SEVERITY_MEDIUM, "an administration endpoint"},
};

#define N_CANDIDATES (sizeof(candidates) / sizeof(candidates[0]))

struct undocumented {
    const struct scan_check *check;
    long fallback_status;
    const char *fallback_body;
};

struct attempt {
    struct undocumented *st;
    const struct candidate *c;
};

static bool
documented(struct scan *scan, const char *path)
{
    for (size_t i = 0; i < scan_op_count(scan); i++) {
        const struct scan_op *op = scan_op_at(scan, i);

        if (op->path && strcmp(op->path, path) == 0)
            return true;
    }
    return false;
}

/* Same answer as the random path's, give or take a tenth of its length (echoed paths). */
static bool
like_fallback(const struct undocumented *st, const struct probe_response *resp)
{
    size_t a = resp->body_len, b = st->fallback_body ? strlen(st->fallback_body) : 0;
    size_t diff = a > b ? a - b : b - a;

    if (!check_status_ok(st->fallback_status))
        return false;
    return diff <= b / 10 + 16;
}

static void
attempt_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
             void *userdata)
{
    const struct attempt *a = userdata;

    if (!check_status_ok(resp->status) || resp->body_len == 0 || like_fallback(a->st, resp))
        return;
    if (a->c->must_contain && !strstr(resp->body, a->c->must_contain))
        return;
    struct check_finding cf = {
        .title = arena_printf(scan_arena(scan), "Undocumented endpoint %s answers", a->c->path),
        .description = arena_printf(scan_arena(scan),
                                    "%s is not in the API description but answers with %s. "
                                    "Forgotten debug, admin and configuration endpoints widen "
                                    "the attack surface and often leak secrets.",
                                    a->c->path, a->c->what),
        .severity = a->c->severity,
        .confidence = a->c->must_contain ? CONFIDENCE_HIGH : CONFIDENCE_MEDIUM,
        .endpoint = arena_printf(scan_arena(scan), "GET %s", a->c->path),
    };
    check_emit(scan, a->st->check, NULL, &cf, probe, resp);
}

static void
fallback_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
              void *userdata)
{
    struct undocumented *st = userdata;

    (void)probe;
    if (resp->status == 0)
        return; /* the target is gone: nothing to compare against */
    st->fallback_status = resp->status;
    st->fallback_body = arena_strdup(scan_arena(scan), resp->body ? resp->body : "");
    for (size_t i = 0; i < N_CANDIDATES; i++) {
        struct attempt *a;
        struct probe p = {0};

        if (documented(scan, candidates[i].path))
            continue;
        a = arena_alloc(scan_arena(scan), sizeof(*a));
        a->st = st;
        a->c = &candidates[i];
        p.method = "GET";
        p.url = scan_url(scan, candidates[i].path);
        p.identity = SCAN_ID_A;
        p.label = "undocumented: known path";
        scan_send(scan, &p, attempt_done, a);
    }
}

static void
on_scan(struct scan *scan, const struct scan_check *check)
{
    struct undocumented *st = arena_alloc(scan_arena(scan), sizeof(*st));
    struct probe p = {0};

    st->check = check;
    p.method = "GET";
    p.url =
        scan_url(scan, arena_printf(scan_arena(scan), "/vigil-%s", check_random_token(scan, 12)));
    p.identity = SCAN_ID_A;
    p.label = "undocumented: random path (fallback)";
    scan_send(scan, &p, fallback_done, st);
}

const struct scan_check check_undocumented = {
    .id = "undocumented",
    .title = "Undocumented endpoints",
    .owasp = "API9:2023",
    .cwe = "CWE-1059",
    .severity = SEVERITY_MEDIUM,
    .remediation = "Remove debug, admin and configuration endpoints from production builds or "
                   "put them behind authentication on an internal interface; keep the API "
                   "inventory (the OpenAPI document) complete.",
    .references = "https://owasp.org/API-Security/editions/2023/en/"
                  "0xa9-improper-inventory-management/",
    .on_scan = on_scan,
};
