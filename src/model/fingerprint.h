/* SPDX-License-Identifier: MIT */
/* The deduplication fingerprint of a finding: the same weakness, found again at the same
 * place by a later scan or typed in again by hand, gets the same fingerprint. */
#ifndef VIGIL_MODEL_FINGERPRINT_H
#define VIGIL_MODEL_FINGERPRINT_H

#include <stddef.h>

#include "model/finding.h"

#define FINGERPRINT_HEX_LEN 64 /* hex SHA-256, without the NUL */

/* Writes the fingerprint of f (65 bytes with the NUL) into out. Inputs, each normalised (see
 * fingerprint.c for the exact rules): the scope (asset_id if set, else project_id), the kind of
 * weakness (check_id if set, else cwe, else nothing), the endpoint as "METHOD /path/template"
 * (parameter names and concrete ids folded), and the title lower-cased with white space
 * collapsed. Severity, status, descriptions and evidence are left out on purpose: they change
 * between runs for the same weakness. Returns 0, or -1 if hashing failed (OpenSSL). */
int finding_fingerprint(const struct finding *f, char out[FINGERPRINT_HEX_LEN + 1]);

#endif
