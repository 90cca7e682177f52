/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the scan policy's allow list (scan_policy_parse), which an
 * organization's admin now sends through PUT /settings/scan-policy: any bytes either parse into
 * at most SCAN_POLICY_MAX_ALLOW networks whose formatted list parses back to the same networks,
 * or fail with VALIDATION_ERROR on the field; adding the list to a server list never overflows
 * the policy. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/jobs.h"
#include "scan/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scan_policy p = {0}, again = {0}, server = {0}, merged;
    struct err err = {0};
    char *text = malloc(size + 1);
    char formatted[SCAN_POLICY_MAX_ALLOW * 48];

    memcpy(text, data, size);
    text[size] = '\0';
    if (scan_policy_parse(&p, text, "allow", &err) == 0) {
        if (p.n_allow > SCAN_POLICY_MAX_ALLOW)
            abort();
        scan_policy_format(&p, formatted, sizeof(formatted));
        if (scan_policy_parse(&again, formatted, "allow", &err) != 0 || again.n_allow != p.n_allow)
            abort();
        for (size_t i = 0; i < p.n_allow; i++) {
            if (again.allow[i].family != p.allow[i].family ||
                again.allow[i].prefix != p.allow[i].prefix ||
                memcmp(again.allow[i].addr, p.allow[i].addr, sizeof(p.allow[i].addr)) != 0)
                abort();
        }
        scan_policy_parse(&server, "10.0.0.0/8,::1", "VIGIL_SCAN_ALLOW", &err);
        if (jobs_org_policy(&server, formatted, &merged, &err) == 0 &&
            merged.n_allow != server.n_allow + p.n_allow)
            abort();
    } else if (err.code != ERR_VALIDATION_ERROR || strcmp(err.fields[0].field, "allow") != 0) {
        abort();
    }
    free(text);
    return 0;
}
