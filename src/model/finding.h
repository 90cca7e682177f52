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

#include "core/err.h"

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
};

const char *severity_name(enum severity s);          /* "high" */
int severity_parse(const char *s, enum severity *out); /* case-insensitive; 0 or -1 */
const char *finding_status_name(enum finding_status s);
int finding_status_parse(const char *s, enum finding_status *out);
const char *confidence_name(enum confidence c);
int confidence_parse(const char *s, enum confidence *out);

#endif
