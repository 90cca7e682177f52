/* SPDX-License-Identifier: MIT */
/* CVSS v3.0 and v3.1 base vectors: strict validation and the base score, per the FIRST
 * specification (https://www.first.org/cvss/v3.1/specification-document, section 7). */
#ifndef VIGIL_MODEL_CVSS_H
#define VIGIL_MODEL_CVSS_H

#include <stddef.h>

/* Parses "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" (or CVSS:3.0/...): the prefix, then
 * each metric at most once, all eight base metrics required, temporal and environmental
 * metrics allowed (validated, then ignored: the score is the base score). Metric names and
 * values are case-sensitive, as in the specification. On success stores the base score
 * (0.0-10.0, one decimal) in *score and returns 0. On failure returns -1 and, if why is not
 * NULL, writes a short reason for the API client ("metric AV is missing"). */
int cvss_base_score(const char *vector, double *score /* out */, char *why, size_t why_size);

#endif
