/* SPDX-License-Identifier: MIT */
/* Dangerous operations without authentication: operations whose path, operationId or summary
 * say they reset, seed, initialise, drop or debug (GET /createdb, POST /reset, GET
 * /users/_debug). A safe one (debug, dump) is called without credentials and is a finding when
 * it answers 2xx. A destructive one is never called unless --allow-destructive, and then last
 * (on_finish) and without credentials; otherwise the spec's own word is the evidence: a finding
 * of medium confidence when the spec documents it with no security requirement. */
#include "scan/checks/checks_int.h"

#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "scan/scan.h"

struct dangerous {
    const struct scan_check *check;
    const struct scan_op *op;
    const char *word; /* what the spec says */
};

/* The dangerous word in the operation's path, operationId or summary, or NULL. */
static const char *
dangerous_word(const struct scan_op *op)
{
    static const char *const words[] = {"createdb", "initdb",   "resetdb", "reset", "seed",
                                        "populate", "truncate", "wipe",    "purge", "drop",
                                        "debug",    "dump",     NULL};
    const struct spec_operation *so = op->spec_op;
    const char *texts[] = {so->path, so->operation_id, so->summary};

    for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
        for (size_t i = 0; texts[t] && words[i]; i++) {
            if (strcasestr(texts[t], words[i]))
                return words[i];
        }
    }
    /* "init" only as a whole path segment: "/init", "/db/init/" (not "/initial"). */
    for (const char *p = so->path; p && (p = strstr(p, "/init")) != NULL; p++) {
        if (p[5] == '/' || p[5] == '\0')
            return "init";
    }
    return NULL;
}

static void
report(struct scan *scan, const struct dangerous *d, const char *how, enum confidence confidence,
       const struct probe *probe, const struct probe_response *resp)
{
    struct check_finding cf = {
        .title = "Dangerous operation reachable without credentials",
        .description = "An operation that, by its own documentation, resets, seeds or exposes "
                       "internal data can be used by anyone, without a credential.",
        .severity = SEVERITY_HIGH,
        .confidence = confidence,
        .notes = arena_printf(scan_arena(scan), "The spec names it \"%s\"%s%s%s; %s.", d->word,
                              d->op->spec_op->summary ? " (summary: \"" : "",
                              d->op->spec_op->summary ? d->op->spec_op->summary : "",
                              d->op->spec_op->summary ? "\")" : "", how),
    };
    check_emit(scan, d->check, d->op, &cf, probe, resp);
}

static void
anonymous_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
               void *userdata)
{
    const struct dangerous *d = userdata;
    json_t *j;

    if (!check_status_ok(resp->status) || resp->body_len == 0)
        return;
    j = probe_json(scan, resp);
    if (j && check_answer_is_failure(j))
        return;
    report(scan, d,
           arena_printf(scan_arena(scan), "called without credentials, it answered HTTP %ld",
                        resp->status),
           CONFIDENCE_HIGH, probe, resp);
}

static void
call_anonymously(struct scan *scan, struct dangerous *d)
{
    struct probe p;

    scan_probe_as(scan, d->op, SCAN_ID_NONE, &p);
    p.label = "dangerous_ops: without credentials";
    scan_send(scan, &p, anonymous_done, d);
}

static struct dangerous *
dangerous_of(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    struct dangerous *d;
    const char *word;

    if (!op->spec_op || !op->baseline.url || !(word = dangerous_word(op)))
        return NULL;
    d = arena_alloc(scan_arena(scan), sizeof(*d));
    d->check = check;
    d->op = op;
    d->word = word;
    return d;
}

static void
on_scan(struct scan *scan, const struct scan_check *check)
{
    for (size_t i = 0; i < scan_op_count(scan); i++) {
        const struct scan_op *op = scan_op_at(scan, i);
        struct dangerous *d = op->destructive ? NULL : dangerous_of(scan, check, op);

        if (d)
            call_anonymously(scan, d);
    }
}

static void
on_finish(struct scan *scan, const struct scan_check *check)
{
    bool allowed = scan_options_of(scan)->allow_destructive;

    for (size_t i = 0; i < scan_op_count(scan); i++) {
        const struct scan_op *op = scan_op_at(scan, i);
        struct dangerous *d = op->destructive ? dangerous_of(scan, check, op) : NULL;

        if (!d)
            continue;
        if (allowed)
            call_anonymously(scan, d);
        else if (!op->spec_op->secured)
            report(scan, d,
                   "the spec documents it without any security requirement; it was not called "
                   "(destructive: --allow-destructive calls it, last)",
                   CONFIDENCE_MEDIUM, NULL, NULL);
    }
}

const struct scan_check check_dangerous_ops = {
    .id = "dangerous_ops",
    .title = "Dangerous operation without authentication",
    .owasp = "API2:2023",
    .cwe = "CWE-306",
    .severity = SEVERITY_HIGH,
    .remediation = "Remove reset, seed and debug operations from production builds, or require "
                   "an administrator's credential for each of them and document it in the spec.",
    .references = "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/ "
                  "https://cwe.mitre.org/data/definitions/306.html",
    .on_scan = on_scan,
    .on_finish = on_finish,
};
