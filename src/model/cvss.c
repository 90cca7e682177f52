/* SPDX-License-Identifier: MIT */
/* CVSS v3.x base score. The metric table lists every metric of the specification (base,
 * temporal, environmental) with its allowed values, so a vector is validated completely even
 * though only the eight base metrics enter the score. The weights and formulas are those of
 * CVSS v3.1 section 7.1 and appendix A (Roundup); v3.0 differs only in its Roundup. */
#include "model/cvss.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum cvss_metric {
    CV_AV,
    CV_AC,
    CV_PR,
    CV_UI,
    CV_S,
    CV_C,
    CV_I,
    CV_A, /* base: all required */
    CV_E,
    CV_RL,
    CV_RC, /* temporal */
    CV_CR,
    CV_IR,
    CV_AR,
    CV_MAV,
    CV_MAC,
    CV_MPR,
    CV_MUI,
    CV_MS,
    CV_MC,
    CV_MI,
    CV_MA, /* environmental */
    CV_COUNT
};
#define CVSS_BASE_COUNT 8

static const struct {
    const char *name;
    const char *values; /* each allowed value is one letter */
} cvss_metrics[CV_COUNT] = {
    [CV_AV] = {"AV", "NALP"},  [CV_AC] = {"AC", "LH"},     [CV_PR] = {"PR", "NLH"},
    [CV_UI] = {"UI", "NR"},    [CV_S] = {"S", "UC"},       [CV_C] = {"C", "HLN"},
    [CV_I] = {"I", "HLN"},     [CV_A] = {"A", "HLN"},      [CV_E] = {"E", "XUPFH"},
    [CV_RL] = {"RL", "XOTWU"}, [CV_RC] = {"RC", "XURC"},   [CV_CR] = {"CR", "XLMH"},
    [CV_IR] = {"IR", "XLMH"},  [CV_AR] = {"AR", "XLMH"},   [CV_MAV] = {"MAV", "XNALP"},
    [CV_MAC] = {"MAC", "XLH"}, [CV_MPR] = {"MPR", "XNLH"}, [CV_MUI] = {"MUI", "XNR"},
    [CV_MS] = {"MS", "XUC"},   [CV_MC] = {"MC", "XNLH"},   [CV_MI] = {"MI", "XNLH"},
    [CV_MA] = {"MA", "XNLH"},
};

/* Roundup of CVSS v3.1 appendix A: the smallest number with one decimal that is >= x, computed
 * on integers so that floating-point noise (4.000000001) does not round 4.0 up to 4.1. */
static double
roundup_31(double x)
{
    int64_t i = (int64_t)llround(x * 100000.0);

    if (i % 10000 == 0)
        return (double)i / 100000.0;
    int64_t tenths = i / 10000 + 1; /* integer division on purpose: truncate, then up one */

    return (double)tenths / 10.0;
}

/* Roundup of CVSS v3.0: ceil to one decimal. */
static double
roundup_30(double x)
{
    return ceil(x * 10.0) / 10.0;
}

/* Writes the reason for a refusal and returns -1. */
__attribute__((format(printf, 3, 4))) static int
why_set(char *why, size_t size, const char *fmt, ...)
{
    va_list ap;

    if (why && size) {
        va_start(ap, fmt);
        vsnprintf(why, size, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static double
weight(enum cvss_metric m, char v, bool changed)
{
    switch (m) {
    case CV_AV:
        return v == 'N' ? 0.85 : v == 'A' ? 0.62 : v == 'L' ? 0.55 : 0.2;
    case CV_AC:
        return v == 'L' ? 0.77 : 0.44;
    case CV_PR:
        if (v == 'N')
            return 0.85;
        if (v == 'L')
            return changed ? 0.68 : 0.62;
        return changed ? 0.5 : 0.27;
    case CV_UI:
        return v == 'N' ? 0.85 : 0.62;
    case CV_C:
    case CV_I:
    case CV_A:
        return v == 'H' ? 0.56 : v == 'L' ? 0.22 : 0.0;
    default:
        return 0.0;
    }
}

int
cvss_base_score(const char *vector, double *score, char *why, size_t why_size)
{
    char values[CV_COUNT] = {0};
    const char *p;
    bool v30;
    double iss, impact, exploitability, base;
    bool changed;

    if (!vector)
        return why_set(why, why_size, "%s", "missing vector");
    if (strncmp(vector, "CVSS:3.1/", 9) == 0)
        v30 = false;
    else if (strncmp(vector, "CVSS:3.0/", 9) == 0)
        v30 = true;
    else
        return why_set(why, why_size, "%s", "must start with CVSS:3.1/ or CVSS:3.0/");

    for (p = vector + 9;;) {
        const char *colon = strchr(p, ':');
        const char *slash;
        size_t name_len;
        int m;

        if (!colon)
            return why_set(why, why_size, "%s", "expected METRIC:VALUE");
        name_len = (size_t)(colon - p);
        for (m = 0; m < CV_COUNT; m++) {
            if (strlen(cvss_metrics[m].name) == name_len &&
                memcmp(cvss_metrics[m].name, p, name_len) == 0)
                break;
        }
        if (m == CV_COUNT) {
            return why_set(why, why_size, "unknown metric %.*s", (int)(name_len < 8 ? name_len : 8),
                           p);
        }
        if (values[m])
            return why_set(why, why_size, "metric %s appears twice", cvss_metrics[m].name);
        slash = colon + 1;
        if (!slash[0] || (slash[1] != '/' && slash[1] != '\0') ||
            !strchr(cvss_metrics[m].values, slash[0]))
            return why_set(why, why_size, "bad value for metric %s", cvss_metrics[m].name);
        values[m] = slash[0];
        if (slash[1] == '\0')
            break;
        p = slash + 2;
    }
    for (int m = 0; m < CVSS_BASE_COUNT; m++) {
        if (!values[m])
            return why_set(why, why_size, "metric %s is missing", cvss_metrics[m].name);
    }

    changed = values[CV_S] == 'C';
    iss = 1.0 - (1.0 - weight(CV_C, values[CV_C], changed)) *
                    (1.0 - weight(CV_I, values[CV_I], changed)) *
                    (1.0 - weight(CV_A, values[CV_A], changed));
    if (changed)
        impact = 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15);
    else
        impact = 6.42 * iss;
    exploitability = 8.22 * weight(CV_AV, values[CV_AV], changed) *
                     weight(CV_AC, values[CV_AC], changed) * weight(CV_PR, values[CV_PR], changed) *
                     weight(CV_UI, values[CV_UI], changed);
    if (impact <= 0) {
        base = 0.0;
    } else {
        double sum = changed ? 1.08 * (impact + exploitability) : impact + exploitability;

        if (sum > 10.0)
            sum = 10.0;
        base = v30 ? roundup_30(sum) : roundup_31(sum);
    }
    *score = base;
    return 0;
}
