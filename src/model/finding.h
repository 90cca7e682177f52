/* SPDX-License-Identifier: MIT */
/* A finding: one weakness in one place. The same struct carries a finding the API stores and
 * one the scanner reports, so a scan's results can be stored, listed and rendered without
 * conversion. Strings are borrowed (usually from a request's or a scan's arena); NULL means
 * absent. The enums' string forms (lowercase) are the wire forms. */
#ifndef VIGIL_MODEL_FINDING_H
#define VIGIL_MODEL_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/err.h"
#include "model/model.h"

enum severity {
    SEVERITY_INFO,
    SEVERITY_LOW,
    SEVERITY_MEDIUM,
    SEVERITY_HIGH,
    SEVERITY_CRITICAL,
};
#define SEVERITY_COUNT 5

enum finding_status {
    FINDING_OPEN,
    FINDING_CONFIRMED,
    FINDING_REMEDIATED,
    FINDING_ACCEPTED,
    FINDING_FALSE_POSITIVE,
};
#define FINDING_STATUS_COUNT 5

enum confidence {
    CONFIDENCE_LOW,
    CONFIDENCE_MEDIUM,
    CONFIDENCE_HIGH,
};

struct finding_evidence {
    const char *request;  /* the exact request, credentials masked, truncated */
    const char *response; /* status line, headers and body, truncated */
    const char *notes;
};

/* A risk acceptance (POST /findings/{id}/accept): present while the finding is `accepted`
 * through that route, cleared when its status changes or the acceptance expires. */
struct finding_acceptance {
    const char *reason;  /* NULL: no acceptance */
    int64_t expires_at;  /* unix seconds */
    const char *by;      /* the accepting principal's id ("usr_...", "sa_...", "tok_...") */
    int64_t accepted_at; /* unix seconds */
};

struct finding {
    /* identity and placement */
    const char *id; /* "find_..." */
    const char *org_id;
    const char *project_id;
    const char *asset_id; /* optional */
    const char *scan_id;  /* optional */

    /* what was found */
    const char *title;
    enum severity severity;
    enum finding_status status;
    enum confidence confidence;
    const char *description;
    const char *remediation;
    const char *cvss_vector; /* CVSS:3.1/AV:N/... or NULL */
    double cvss_score;       /* 0.0-10.0, or -1 when there is no vector */
    const char *cwe;         /* "CWE-639" */
    const char *owasp;       /* "API1:2023" */
    const char *endpoint;    /* "GET /users/{id}" */
    int risk_score;          /* 0-100 */
    const char *check_id;    /* scanner check that produced it ("bola"), NULL for manual */
    struct finding_evidence evidence;
    const char **references; /* URLs */
    size_t n_references;
    const char *fingerprint; /* stable across runs: deduplication key */

    /* bookkeeping, unix seconds */
    int64_t first_seen;
    int64_t last_seen;
    int64_t created_at;
    int64_t updated_at;

    /* tracking, kept by the store (read-only on the wire) */
    int64_t sla_due_at; /* first_seen + the SLA days of its severity; 0 = none (info) */
    struct finding_acceptance acceptance;

    /* FINDING_F_* bits: which writable fields a decoded write carries (finding_from_json). */
    uint64_t present;
};

const char *severity_name(enum severity s);            /* "high" */
int severity_parse(const char *s, enum severity *out); /* case-insensitive; 0 or -1 */
const char *finding_status_name(enum finding_status s);
int finding_status_parse(const char *s, enum finding_status *out);
const char *confidence_name(enum confidence c);
int confidence_parse(const char *s, enum confidence *out);

/* ---- JSON codec (model/finding_json.c) ---------------------------------------------------- */

struct arena;
struct jsonw;

/* `present` bits of a decoded write (see model/model.h for the write modes). */
#define FINDING_F_PROJECT_ID        ((uint64_t)1 << 0)
#define FINDING_F_ASSET_ID          ((uint64_t)1 << 1)
#define FINDING_F_SCAN_ID           ((uint64_t)1 << 2)
#define FINDING_F_TITLE             ((uint64_t)1 << 3)
#define FINDING_F_SEVERITY          ((uint64_t)1 << 4)
#define FINDING_F_STATUS            ((uint64_t)1 << 5)
#define FINDING_F_CONFIDENCE        ((uint64_t)1 << 6)
#define FINDING_F_DESCRIPTION       ((uint64_t)1 << 7)
#define FINDING_F_REMEDIATION       ((uint64_t)1 << 8)
#define FINDING_F_CVSS_VECTOR       ((uint64_t)1 << 9)
#define FINDING_F_CWE               ((uint64_t)1 << 10)
#define FINDING_F_OWASP             ((uint64_t)1 << 11)
#define FINDING_F_ENDPOINT          ((uint64_t)1 << 12)
#define FINDING_F_RISK_SCORE        ((uint64_t)1 << 13)
#define FINDING_F_CHECK_ID          ((uint64_t)1 << 14)
#define FINDING_F_EVIDENCE_REQUEST  ((uint64_t)1 << 15)
#define FINDING_F_EVIDENCE_RESPONSE ((uint64_t)1 << 16)
#define FINDING_F_EVIDENCE_NOTES    ((uint64_t)1 << 17)
#define FINDING_F_REFERENCES        ((uint64_t)1 << 18)
#define FINDING_F_ALL               ((uint64_t)0x7ffff)

/* Decodes a write body. Writable: project_id (required), asset_id, scan_id, title (required),
 * severity (required), status (default open), confidence (default medium), description,
 * remediation, cvss_vector (validated with model/cvss.h), cwe ("CWE-79"; "cwe-79" and "79" are
 * normalised), owasp, endpoint, risk_score (0-100, default 0), check_id, evidence (object of
 * request/response/notes, merge-patched member by member), references (array of strings).
 * Read-only (VALIDATION_ERROR if sent): id, org_id, cvss_score, fingerprint, first_seen,
 * last_seen, created_at, updated_at, history. Zeroes *out first (cvss_score = -1); strings are
 * copied into `a`. Enum input is case-insensitive; messages list the allowed values. */
int finding_from_json(struct finding *out /* out */, json_t *body, enum model_write mode,
                      struct arena *a, struct err *err);

/* Writes the response object: every field of the struct except org_id and present, with
 * canonical lowercase enums, RFC 3339 timestamps, null for absent optionals, cvss_score as a
 * number or null, evidence as an object and references as an array; then the platform's
 * tracking members (finding_json_tracking) as of clock_now(). */
void finding_to_json(struct jsonw *w, const struct finding *f);
/* sla_due_at (RFC 3339 or null), sla_breached (finding_sla_breached at `now`) and acceptance
 * ({reason, expires_at, accepted_by, accepted_at} or null). A finding the scanner reports has
 * none of them (null, false, null). */
void finding_json_tracking(struct jsonw *w, const struct finding *f, int64_t now);
/* True when the finding is open or confirmed, has an SLA and `now` is past its due time. */
bool finding_sla_breached(const struct finding *f, int64_t now);
/* The members of that object alone but the tracking ones, for a writer that adds its own
 * (the JSON report adds org_id, then finding_json_tracking): the one place a finding's wire
 * shape is written. */
void finding_json_members(struct jsonw *w, const struct finding *f);

/* One status change of a finding (the first entry of a finding has from = NULL: its creation). */
struct finding_status_change {
    const char *from; /* canonical status name, or NULL at creation */
    const char *to;
    int64_t at;        /* unix seconds */
    const char *actor; /* who made it ("tok_...", "usr_...", "system"), never NULL */
    const char *note;  /* why, when not a plain edit ("risk accepted", "acceptance expired") */
};

/* {"from", "to", "at", "actor", "note"} */
void finding_status_change_to_json(struct jsonw *w, const struct finding_status_change *c);

#endif
