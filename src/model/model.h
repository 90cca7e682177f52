/* SPDX-License-Identifier: MIT */
/* What every resource codec shares: the write modes and the length limits. Each resource type
 * (client.h, project.h, asset.h, finding.h, org.h, token.h) defines its struct, its `present`
 * bits, its decoder for writes (`*_from_json`) and its encoder for responses (`*_to_json`), so
 * its wire shape is written down once. Decoded strings are copied into the caller's arena. */
#ifndef VIGIL_MODEL_MODEL_H
#define VIGIL_MODEL_MODEL_H

#include <stdint.h>

/* How a decoder reads a write body.
 * - MODEL_CREATE (POST): required fields must be present and non-null; absent optional fields
 *   take their defaults. Every writable bit is set in `present` afterwards.
 * - MODEL_REPLACE (PUT): the same rules as CREATE: the body replaces every writable field, an
 *   absent optional field becomes null (or its default). Every writable bit is set.
 * - MODEL_PATCH (RFC 7396 merge-patch): only the members present are set in `present`; null
 *   clears a nullable field (value NULL, bit set) and is an error for a required one.
 * In every mode, unknown members and read-only members (id, created_at, ...) are each a
 * VALIDATION_ERROR with one err_field naming them: no mass assignment. */
enum model_write {
    MODEL_CREATE,
    MODEL_REPLACE,
    MODEL_PATCH,
};

/* Length limits in bytes (UTF-8), enforced by every decoder. */
#define MODEL_NAME_MAX       200          /* client, project, organization and token names */
#define MODEL_CONTACT_MAX    500          /* client contact */
#define MODEL_TEXT_MAX       (64 * 1024)  /* notes, description, remediation, evidence notes */
#define MODEL_TITLE_MAX      300          /* finding title */
#define MODEL_VALUE_MAX      2048         /* asset value, endpoint, reference URL */
#define MODEL_TAG_MAX        64           /* one asset tag */
#define MODEL_TAGS_MAX       50           /* tags per asset */
#define MODEL_REFERENCES_MAX 50           /* references per finding */
#define MODEL_EVIDENCE_MAX   (128 * 1024) /* evidence request, evidence response */
#define MODEL_SHORT_MAX      64           /* cwe, owasp, check_id */
#define MODEL_VECTOR_MAX     256          /* cvss_vector */

/* Dates are "YYYY-MM-DD" strings (project start_date/end_date). */
#define MODEL_DATE_LEN 10

#endif
