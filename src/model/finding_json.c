/* SPDX-License-Identifier: MIT */
/* The finding codec. A client never sends the derived fields (cvss_score, fingerprint,
 * first_seen, last_seen): the store computes them from what was sent, so they cannot disagree
 * with the vector or the identifying fields. */
#include "model/finding.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "core/str.h"
#include "model/cvss.h"
#include "model/model_int.h"

static const char *const severity_wire[SEVERITY_COUNT] = {"info", "low", "medium", "high",
                                                          "critical"};
static const char *const status_wire[FINDING_STATUS_COUNT] = {"open", "confirmed", "remediated",
                                                              "accepted", "false_positive"};
static const char *const confidence_wire[] = {"low", "medium", "high"};

static const struct mfield evidence_fields[] = {
    {.name = "request",
     .kind = MF_STRING,
     .bit = FINDING_F_EVIDENCE_REQUEST,
     .offset = offsetof(struct finding, evidence.request),
     .max_len = MODEL_EVIDENCE_MAX},
    {.name = "response",
     .kind = MF_STRING,
     .bit = FINDING_F_EVIDENCE_RESPONSE,
     .offset = offsetof(struct finding, evidence.response),
     .max_len = MODEL_EVIDENCE_MAX},
    {.name = "notes",
     .kind = MF_STRING,
     .bit = FINDING_F_EVIDENCE_NOTES,
     .offset = offsetof(struct finding, evidence.notes),
     .max_len = MODEL_TEXT_MAX},
};

static const struct mfield finding_fields[] = {
    {.name = "project_id",
     .kind = MF_ID,
     .bit = FINDING_F_PROJECT_ID,
     .offset = offsetof(struct finding, project_id),
     .required = true,
     .max_len = MODEL_SHORT_MAX,
     .id_prefix = "proj_"},
    {.name = "asset_id",
     .kind = MF_ID,
     .bit = FINDING_F_ASSET_ID,
     .offset = offsetof(struct finding, asset_id),
     .max_len = MODEL_SHORT_MAX,
     .id_prefix = "asset_"},
    {.name = "scan_id",
     .kind = MF_ID,
     .bit = FINDING_F_SCAN_ID,
     .offset = offsetof(struct finding, scan_id),
     .max_len = MODEL_SHORT_MAX,
     .id_prefix = "scan_"},
    {.name = "title",
     .kind = MF_STRING,
     .bit = FINDING_F_TITLE,
     .offset = offsetof(struct finding, title),
     .required = true,
     .max_len = MODEL_TITLE_MAX},
    {.name = "severity",
     .kind = MF_ENUM,
     .bit = FINDING_F_SEVERITY,
     .offset = offsetof(struct finding, severity),
     .required = true,
     .enum_names = severity_wire,
     .n_enum = SEVERITY_COUNT},
    {.name = "status",
     .kind = MF_ENUM,
     .bit = FINDING_F_STATUS,
     .offset = offsetof(struct finding, status),
     .enum_names = status_wire,
     .n_enum = FINDING_STATUS_COUNT,
     .enum_default = FINDING_OPEN},
    {.name = "confidence",
     .kind = MF_ENUM,
     .bit = FINDING_F_CONFIDENCE,
     .offset = offsetof(struct finding, confidence),
     .enum_names = confidence_wire,
     .n_enum = 3,
     .enum_default = CONFIDENCE_MEDIUM},
    {.name = "description",
     .kind = MF_STRING,
     .bit = FINDING_F_DESCRIPTION,
     .offset = offsetof(struct finding, description),
     .max_len = MODEL_TEXT_MAX},
    {.name = "remediation",
     .kind = MF_STRING,
     .bit = FINDING_F_REMEDIATION,
     .offset = offsetof(struct finding, remediation),
     .max_len = MODEL_TEXT_MAX},
    {.name = "cvss_vector",
     .kind = MF_STRING,
     .bit = FINDING_F_CVSS_VECTOR,
     .offset = offsetof(struct finding, cvss_vector),
     .max_len = MODEL_VECTOR_MAX},
    {.name = "cwe",
     .kind = MF_STRING,
     .bit = FINDING_F_CWE,
     .offset = offsetof(struct finding, cwe),
     .max_len = MODEL_SHORT_MAX},
    {.name = "owasp",
     .kind = MF_STRING,
     .bit = FINDING_F_OWASP,
     .offset = offsetof(struct finding, owasp),
     .max_len = MODEL_SHORT_MAX},
    {.name = "endpoint",
     .kind = MF_STRING,
     .bit = FINDING_F_ENDPOINT,
     .offset = offsetof(struct finding, endpoint),
     .max_len = MODEL_VALUE_MAX},
    {.name = "risk_score",
     .kind = MF_INT,
     .bit = FINDING_F_RISK_SCORE,
     .offset = offsetof(struct finding, risk_score),
     .min = 0,
     .max = 100},
    {.name = "check_id",
     .kind = MF_STRING,
     .bit = FINDING_F_CHECK_ID,
     .offset = offsetof(struct finding, check_id),
     .max_len = MODEL_SHORT_MAX},
    {.name = "evidence",
     .kind = MF_OBJECT,
     .sub = evidence_fields,
     .n_sub = sizeof(evidence_fields) / sizeof(evidence_fields[0])},
    {.name = "references",
     .kind = MF_STRINGS,
     .bit = FINDING_F_REFERENCES,
     .offset = offsetof(struct finding, references),
     .count_offset = offsetof(struct finding, n_references),
     .max_len = MODEL_VALUE_MAX,
     .max_items = MODEL_REFERENCES_MAX},
};

static const char *const finding_read_only[] = {
    "id",         "org_id",  "cvss_score", "fingerprint",  "first_seen", "last_seen", "created_at",
    "updated_at", "history", "sla_due_at", "sla_breached", "acceptance", NULL};

/* "CWE-79", "cwe-79" and "79" all name CWE-79; anything else is not a CWE id. Returns the
 * canonical form or NULL. */
static const char *
cwe_normalise(const char *s, struct arena *a)
{
    const char *digits = s;
    long long n;

    if (strncasecmp(s, "CWE-", 4) == 0)
        digits = s + 4;
    if (*digits == '0' || str_to_ll(digits, 1, 9999999, &n) != 0)
        return NULL;
    return arena_printf(a, "CWE-%lld", n);
}

int
finding_from_json(struct finding *out, json_t *body, enum model_write mode, struct arena *a,
                  struct err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    out->cvss_score = -1;
    out->confidence = CONFIDENCE_MEDIUM;
    rc = decode_object(out, &out->present, body, mode, finding_fields,
                       sizeof(finding_fields) / sizeof(finding_fields[0]), finding_read_only, a,
                       err);
    /* Cross-member checks run even after a failure above so every bad member is reported. */
    if (out->cwe) {
        const char *cwe = cwe_normalise(out->cwe, a);

        if (!cwe)
            rc = err_field(err, "cwe", "must be a CWE id such as \"CWE-79\"");
        out->cwe = cwe;
    }
    if (out->cvss_vector) {
        char why[128];
        double score;

        if (cvss_base_score(out->cvss_vector, &score, why, sizeof(why)) != 0)
            rc = err_field(err, "cvss_vector", "is not a valid CVSS v3 vector: %s", why);
        else
            out->cvss_score = score;
    }
    return rc ? -1 : 0;
}

void
finding_to_json(struct jsonw *w, const struct finding *f)
{
    jsonw_obj_open(w);
    finding_json_members(w, f);
    finding_json_tracking(w, f, clock_now());
    jsonw_obj_close(w);
}

bool
finding_sla_breached(const struct finding *f, int64_t now)
{
    return (f->status == FINDING_OPEN || f->status == FINDING_CONFIRMED) && f->sla_due_at != 0 &&
           now > f->sla_due_at;
}

void
finding_json_tracking(struct jsonw *w, const struct finding *f, int64_t now)
{
    model_kts(w, "sla_due_at", f->sla_due_at);
    jsonw_key(w, "sla_breached");
    jsonw_bool(w, finding_sla_breached(f, now));
    jsonw_key(w, "acceptance");
    if (!f->acceptance.reason) {
        jsonw_null(w);
        return;
    }
    jsonw_obj_open(w);
    jsonw_kstr(w, "reason", f->acceptance.reason);
    model_kts(w, "expires_at", f->acceptance.expires_at);
    jsonw_kstr(w, "accepted_by", f->acceptance.by);
    model_kts(w, "accepted_at", f->acceptance.accepted_at);
    jsonw_obj_close(w);
}

void
finding_json_members(struct jsonw *w, const struct finding *f)
{
    char score[16];

    jsonw_kstr(w, "id", f->id);
    jsonw_kstr(w, "project_id", f->project_id);
    jsonw_kstr(w, "asset_id", f->asset_id);
    jsonw_kstr(w, "scan_id", f->scan_id);
    jsonw_kstr(w, "title", f->title);
    jsonw_kstr(w, "severity", severity_name(f->severity));
    jsonw_kstr(w, "status", finding_status_name(f->status));
    jsonw_kstr(w, "confidence", confidence_name(f->confidence));
    jsonw_kstr(w, "description", f->description);
    jsonw_kstr(w, "remediation", f->remediation);
    jsonw_kstr(w, "cvss_vector", f->cvss_vector);
    jsonw_key(w, "cvss_score");
    if (f->cvss_score >= 0 && f->cvss_score <= 10) {
        /* One decimal, as CVSS defines it: 9.8, never 9.8000000000000007. */
        int n = snprintf(score, sizeof(score), "%.1f", f->cvss_score);

        jsonw_raw(w, score, (size_t)n);
    } else {
        jsonw_null(w);
    }
    jsonw_kstr(w, "cwe", f->cwe);
    jsonw_kstr(w, "owasp", f->owasp);
    jsonw_kstr(w, "endpoint", f->endpoint);
    jsonw_kint(w, "risk_score", f->risk_score);
    jsonw_kstr(w, "check_id", f->check_id);
    jsonw_key(w, "evidence");
    jsonw_obj_open(w);
    jsonw_kstr(w, "request", f->evidence.request);
    jsonw_kstr(w, "response", f->evidence.response);
    jsonw_kstr(w, "notes", f->evidence.notes);
    jsonw_obj_close(w);
    jsonw_key(w, "references");
    jsonw_arr_open(w);
    for (size_t i = 0; i < f->n_references; i++)
        jsonw_str(w, f->references[i]);
    jsonw_arr_close(w);
    jsonw_kstr(w, "fingerprint", f->fingerprint);
    model_kts(w, "first_seen", f->first_seen);
    model_kts(w, "last_seen", f->last_seen);
    model_kts(w, "created_at", f->created_at);
    model_kts(w, "updated_at", f->updated_at);
}

void
finding_status_change_to_json(struct jsonw *w, const struct finding_status_change *c)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "from", c->from);
    jsonw_kstr(w, "to", c->to);
    model_kts(w, "at", c->at);
    jsonw_kstr(w, "actor", c->actor);
    jsonw_kstr(w, "note", c->note);
    jsonw_obj_close(w);
}
