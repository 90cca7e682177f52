/* SPDX-License-Identifier: MIT */
/* SLAs and risk acceptance (issue 11): an organization's SLA days per severity
 * (GET/PUT /settings/sla) and the body of POST /findings/{id}/accept. The due time of a finding
 * is its first_seen plus the days of its severity (info has no SLA); the store keeps it in the
 * finding's row (store/findings.c). */
#ifndef VIGIL_MODEL_SLA_H
#define VIGIL_MODEL_SLA_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "model/finding.h"

#define SLA_DAYS_MIN 1
#define SLA_DAYS_MAX 3650

/* SLA_DEFAULT_DAYS for critical, high, medium, low. */
#define SLA_DEFAULT_CRITICAL 7
#define SLA_DEFAULT_HIGH     30
#define SLA_DEFAULT_MEDIUM   90
#define SLA_DEFAULT_LOW      180

/* Days to fix a finding, indexed by enum severity; days[SEVERITY_INFO] is always 0 (none). */
struct finding_sla {
    int days[SEVERITY_COUNT];
};

/* The defaults: critical 7, high 30, medium 90, low 180, info none. */
void finding_sla_defaults(struct finding_sla *out /* out */);

/* The due time of a finding of `severity` first seen at first_seen; 0 for none (info). */
int64_t finding_sla_due(const struct finding_sla *sla, enum severity severity, int64_t first_seen);

/* Decodes a PUT body {"critical", "high", "medium", "low"}: each required, an integer in
 * SLA_DAYS_MIN..SLA_DAYS_MAX. Unknown members (info included: it has no SLA) are errors on
 * their name. VALIDATION_ERROR with every bad member. */
int finding_sla_from_json(struct finding_sla *out /* out */, json_t *body, struct err *err);

struct jsonw;
/* {"critical", "high", "medium", "low", "updated_at"} (updated_at null: never set). */
void finding_sla_to_json(struct jsonw *w, const struct finding_sla *sla, int64_t updated_at);

#define ACCEPT_REASON_MAX  2000                    /* characters (code points) of a reason */
#define ACCEPT_HORIZON_MAX ((int64_t)1096 * 86400) /* 3 years (one leap day included) */

/* Decodes a POST /findings/{id}/accept body {"reason", "expires_at"}: reason a string of 1 to
 * ACCEPT_REASON_MAX characters, not only white space; expires_at an RFC 3339 date-time after
 * `now` and at most ACCEPT_HORIZON_MAX after it. The reason is copied into `a`. Unknown members
 * are errors on their name. VALIDATION_ERROR with every bad member. */
int finding_acceptance_from_json(struct finding_acceptance *out /* out */, json_t *body,
                                 int64_t now, struct arena *a, struct err *err);

#endif
