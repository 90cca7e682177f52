/* SPDX-License-Identifier: MIT */
/* The compliance-controls catalog: the controls of SOC 2, ISO/IEC 27001, PCI DSS and OWASP
 * ASVS, each with the CWE ids and OWASP categories whose findings put it at risk. The catalog
 * is data (src/controls/catalog.json, embedded in the binary and parsed once at start) shared by
 * every organization; what is per organization (evidence, a manual status) is in the store.
 *
 * A control's status is derived from three facts (control_status_derive):
 *   at_risk        an open or confirmed finding of high or critical severity maps to it;
 *   implemented    evidence is attached and no such finding is open;
 *   not_assessed   otherwise.
 * A manual status set through PATCH /controls/{id} replaces the derived one, except that it
 * cannot hide a risk: while such a finding is open the control is at_risk unless it is marked
 * not_applicable (out of the organization's scope, so its findings do not count against it). */
#ifndef VIGIL_CONTROLS_CATALOG_H
#define VIGIL_CONTROLS_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct arena;

enum control_status {
    CONTROL_NOT_ASSESSED,
    CONTROL_IMPLEMENTED,
    CONTROL_AT_RISK,
    CONTROL_NOT_APPLICABLE, /* only ever set by hand */
};
#define CONTROL_STATUS_COUNT 4

struct control_framework {
    const char *id;      /* "pci-dss" */
    const char *name;    /* "PCI DSS" */
    const char *edition; /* "v4.0" */
};

struct control {
    const char *id;        /* "pci-dss-6.2.4" */
    const char *framework; /* a control_framework id */
    const char *reference; /* "6.2.4", as the standard numbers it */
    const char *name;
    const char *description;
    const char **cwes; /* "CWE-89", sorted, unique */
    size_t n_cwes;
    const char **owasp; /* "API1:2023", "A03:2021" */
    size_t n_owasp;
};

struct controls_catalog {
    struct arena *arena; /* owns everything below */
    const char *version;
    struct control_framework *frameworks;
    size_t n_frameworks;
    struct control *controls; /* in catalog order */
    size_t n_controls;
};

/* Parses and checks a catalog document (the JSON of catalog.json). Every defect is an
 * INTERNAL error naming the control and member at fault: unknown or missing members, a
 * duplicate id, a control of an unknown framework, a CWE or OWASP entry of the wrong shape. */
int controls_catalog_parse(const char *text, size_t len, struct controls_catalog **out,
                           struct err *err);
void controls_catalog_free(struct controls_catalog *cat); /* accepts NULL */

/* The built-in catalog, parsed on first use (thread-safe). NULL only if the embedded file is
 * broken, which tests/unit/controls rules out; controls_catalog_load reports why. */
const struct controls_catalog *controls_catalog(void);
int controls_catalog_load(struct err *err);

const struct control *controls_find(const struct controls_catalog *cat, const char *id);
const struct control_framework *controls_framework_find(const struct controls_catalog *cat,
                                                        const char *id);

/* True if a finding with this cwe and owasp (either may be NULL) bears on the control. */
bool control_covers(const struct control *c, const char *cwe, const char *owasp);

const char *control_status_name(enum control_status s);            /* "not_assessed" */
int control_status_parse(const char *s, enum control_status *out); /* 0 or -1 */

/* The status a control shows. at_risk_findings: open or confirmed high/critical findings that
 * map to it; manual: the status set by hand, or NULL. */
enum control_status control_status_derive(int64_t at_risk_findings, int64_t evidence_count,
                                          const enum control_status *manual);

#endif
