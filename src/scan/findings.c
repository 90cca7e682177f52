/* SPDX-License-Identifier: MIT */
/* Findings as the engine records them: scan_report completes what a check leaves out (from the
 * check's table entry), builds the evidence from the probe and the answer with every credential
 * masked, computes a fingerprint that is stable across runs (check, endpoint, title), and keeps
 * only the first finding of each fingerprint. At the end they are sorted, most severe first. */
#include "scan/scan_int.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/str.h"
#include "spec/url.h"

#define EVIDENCE_BODY_MAX 4096

static const char *
dup(struct scan *scan, const char *s)
{
    return s ? arena_strdup(scan->arena, s) : NULL;
}

static void
append_body(struct buf *b, const char *body, size_t len)
{
    if (!body || !len)
        return;
    if (len > EVIDENCE_BODY_MAX) {
        buf_append(b, body, EVIDENCE_BODY_MAX);
        buf_printf(b, "\n[... %zu more bytes]", len - EVIDENCE_BODY_MAX);
    } else {
        buf_append(b, body, len);
    }
}

/* "GET /users/1 HTTP/1.1" + headers as sent (identity included) + body. */
static char *
evidence_request(struct scan *scan, const struct probe *p)
{
    struct buf b;
    const char *url = p->url ? p->url : "";
    const char *host = spec_url_authority(scan->arena, url);
    const char *target = spec_url_request_target(scan->arena, url);
    const struct scan_ident *id = p->identity <= SCAN_ID_B ? &scan->ident[p->identity] : NULL;
    bool overridden = false;
    char *out;

    buf_init(&b, 3 * EVIDENCE_BODY_MAX);
    buf_printf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", p->method ? p->method : "GET",
               target ? target : "/", host ? host : url);
    for (size_t i = 0; i < p->n_headers; i++) {
        buf_printf(&b, "%s: %s\r\n", p->headers[i].name, p->headers[i].value);
        if (id && id->present && str_eq_ci(p->headers[i].name, id->header_name))
            overridden = true;
    }
    if (id && id->present && !overridden)
        buf_printf(&b, "%s: %s\r\n", id->header_name, id->header_value);
    buf_puts(&b, "\r\n");
    append_body(&b, p->body, p->body ? (p->body_len ? p->body_len : strlen(p->body)) : 0);
    out = scan_mask(scan, buf_str(&b));
    buf_cleanup(&b);
    return out;
}

static char *
evidence_response(struct scan *scan, const struct probe_response *r)
{
    struct buf b;
    char *out;

    buf_init(&b, 3 * EVIDENCE_BODY_MAX + 64 * 1024);
    if (r->status == 0) {
        buf_printf(&b, "(no answer: %s)", r->error ? r->error : "transport error");
    } else {
        buf_puts(&b, r->headers ? r->headers : "");
        append_body(&b, r->body, r->body_len);
        if (r->truncated)
            buf_puts(&b, "\n[body truncated by the scanner's read cap]");
    }
    out = scan_mask(scan, buf_str(&b));
    buf_cleanup(&b);
    return out;
}

static const char *
fingerprint(struct scan *scan, const struct finding *f)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    char *text = arena_printf(scan->arena, "%s|%s|%s", f->check_id ? f->check_id : "",
                              f->endpoint ? f->endpoint : "", f->title ? f->title : "");

    EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[2 * n] = '\0';
    return arena_strndup(scan->arena, hex, 32);
}

static int
default_risk(enum severity s, enum confidence c)
{
    static const int base[SEVERITY_COUNT] = {5, 25, 50, 78, 95};
    int r = base[s < SEVERITY_COUNT ? s : 0];

    if (c == CONFIDENCE_LOW)
        r -= 15;
    else if (c == CONFIDENCE_MEDIUM)
        r -= 5;
    return r < 1 ? 1 : r;
}

static void
split_references(struct scan *scan, struct finding *f, const char *refs)
{
    char **parts;
    size_t n = 0;

    if (str_empty(refs))
        return;
    parts = str_split(scan->arena, refs, ' ', &n);
    f->references = arena_calloc(scan->arena, n + 1, sizeof(char *));
    f->n_references = 0;
    for (size_t i = 0; i < n; i++) {
        if (!str_empty(parts[i]))
            f->references[f->n_references++] = parts[i];
    }
}

void
scan_report(struct scan *scan, const struct scan_check *check, const struct scan_op *op,
            const struct finding *in, const struct probe *probe, const struct probe_response *resp)
{
    struct finding f = *in;
    int64_t now = clock_now();

    f.check_id = dup(scan, f.check_id ? f.check_id : (check ? check->id : NULL));
    f.title = dup(scan, f.title ? f.title : (check ? check->title : "Finding"));
    f.owasp = dup(scan, f.owasp ? f.owasp : (check ? check->owasp : NULL));
    f.cwe = dup(scan, f.cwe ? f.cwe : (check ? check->cwe : NULL));
    f.remediation = dup(scan, f.remediation ? f.remediation : (check ? check->remediation : NULL));
    f.description = dup(scan, f.description);
    f.cvss_vector = dup(scan, f.cvss_vector);
    if (!f.cvss_vector)
        f.cvss_score = -1;
    if (f.endpoint)
        f.endpoint = dup(scan, f.endpoint);
    else if (op)
        f.endpoint = op->endpoint;
    else if (probe) {
        char path[1024];

        spec_url_path(probe->url, path, sizeof(path));
        f.endpoint =
            arena_printf(scan->arena, "%s %s", probe->method ? probe->method : "GET", path);
    }
    if (in->references && in->n_references) {
        f.references = arena_calloc(scan->arena, in->n_references + 1, sizeof(char *));
        for (size_t i = 0; i < in->n_references; i++)
            f.references[i] = dup(scan, in->references[i]);
    } else {
        f.references = NULL;
        f.n_references = 0;
        split_references(scan, &f, check ? check->references : NULL);
    }
    if (f.risk_score <= 0)
        f.risk_score = default_risk(f.severity, f.confidence);
    if (f.risk_score > 100)
        f.risk_score = 100;

    f.evidence.request = in->evidence.request ? scan_mask(scan, in->evidence.request)
                         : probe              ? evidence_request(scan, probe)
                                              : NULL;
    f.evidence.response = in->evidence.response ? scan_mask(scan, in->evidence.response)
                          : resp                ? evidence_response(scan, resp)
                                                : NULL;
    f.evidence.notes = in->evidence.notes ? scan_mask(scan, in->evidence.notes) : NULL;

    f.fingerprint = in->fingerprint ? dup(scan, in->fingerprint) : fingerprint(scan, &f);
    for (size_t i = 0; i < scan->n_findings; i++) {
        if (str_eq(scan->findings[i].fingerprint, f.fingerprint))
            return; /* the first report of a weakness stands */
    }
    f.id = id_new(scan->arena, "find_");
    f.status = FINDING_OPEN;
    f.org_id = dup(scan, f.org_id);
    f.project_id = dup(scan, f.project_id);
    f.asset_id = dup(scan, f.asset_id);
    f.scan_id = dup(scan, f.scan_id);
    f.first_seen = f.last_seen = f.created_at = f.updated_at = now;
    scan_grow((void **)&scan->findings, &scan->cap_findings, scan->n_findings + 1,
              sizeof(*scan->findings));
    scan->findings[scan->n_findings++] = f;
    scan->progress.findings = scan->n_findings;
}

static int
cmp_findings(const void *a, const void *b)
{
    const struct finding *x = a;
    const struct finding *y = b;
    int c;

    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->risk_score != y->risk_score)
        return x->risk_score > y->risk_score ? -1 : 1;
    c = strcmp(x->endpoint ? x->endpoint : "", y->endpoint ? y->endpoint : "");
    if (c)
        return c;
    return strcmp(x->fingerprint, y->fingerprint);
}

void
scan_findings_finish(struct scan *scan, struct scan_result *result)
{
    struct finding *out = arena_calloc(result->arena, scan->n_findings + 1, sizeof(*out));

    if (scan->n_findings)
        memcpy(out, scan->findings, scan->n_findings * sizeof(*out));
    qsort(out, scan->n_findings, sizeof(*out), cmp_findings);
    result->findings = out;
    result->n_findings = scan->n_findings;
}

void
scan_findings_cleanup(struct scan *scan)
{
    free(scan->findings);
    scan->findings = NULL;
    scan->n_findings = scan->cap_findings = 0;
}
