/* SPDX-License-Identifier: MIT */
/* Names of the finding enums. Input is case-insensitive ("High" is high); output is always
 * the canonical lowercase name. */
#include "model/finding.h"

#include <strings.h>

static const char *const severity_names[SEVERITY_COUNT] = {"info", "low", "medium", "high",
                                                           "critical"};
static const char *const status_names[FINDING_STATUS_COUNT] = {"open", "confirmed", "remediated",
                                                               "accepted", "false_positive"};
static const char *const confidence_names[] = {"low", "medium", "high"};

static int
parse_name(const char *s, const char *const *names, int count)
{
    if (!s)
        return -1;
    for (int i = 0; i < count; i++) {
        if (strcasecmp(s, names[i]) == 0)
            return i;
    }
    return -1;
}

const char *
severity_name(enum severity s)
{
    return (unsigned)s < SEVERITY_COUNT ? severity_names[s] : "info";
}

int
severity_parse(const char *s, enum severity *out)
{
    int i = parse_name(s, severity_names, SEVERITY_COUNT);

    if (i < 0)
        return -1;
    *out = (enum severity)i;
    return 0;
}

const char *
finding_status_name(enum finding_status s)
{
    return (unsigned)s < FINDING_STATUS_COUNT ? status_names[s] : "open";
}

int
finding_status_parse(const char *s, enum finding_status *out)
{
    int i = parse_name(s, status_names, FINDING_STATUS_COUNT);

    if (i < 0)
        return -1;
    *out = (enum finding_status)i;
    return 0;
}

const char *
confidence_name(enum confidence c)
{
    return (unsigned)c < 3 ? confidence_names[c] : "low";
}

int
confidence_parse(const char *s, enum confidence *out)
{
    int i = parse_name(s, confidence_names, 3);

    if (i < 0)
        return -1;
    *out = (enum confidence)i;
    return 0;
}
