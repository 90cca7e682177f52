/* SPDX-License-Identifier: MIT */
/* CVSS v3.x: known vectors with their published base scores, the Roundup function of the
 * specification's appendix A, and vectors that must be refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "model/cvss.c"

static void
known_vectors_score_as_published(void **state)
{
    static const struct {
        const char *vector;
        double score;
    } cases[] = {
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1}, /* typical reflected XSS */
        {"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8}, /* local privilege escalation */
        {"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 6.5},
        {"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5}, /* Heartbleed */
        {"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H", 9.0}, /* Log4Shell (NVD 10.0 is AC:L) */
        {"CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:C/C:H/I:N/A:N", 5.6}, /* Spectre/Meltdown class */
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", 5.3},
        {"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0.0}, /* no impact */
        {"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2},
        {"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9},
        {"CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8},
        {"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
        {"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1},
        /* metric order is free; temporal and environmental metrics do not change the base */
        {"CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N", 9.8},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 9.8},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/CR:H/MAV:L/MS:C/MA:N", 9.8},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double score = -1;
        char why[128] = "";

        if (cvss_base_score(cases[i].vector, &score, why, sizeof(why)) != 0)
            fail_msg("%s refused: %s", cases[i].vector, why);
        if (fabs(score - cases[i].score) > 1e-9)
            fail_msg("%s scored %.1f, expected %.1f", cases[i].vector, score, cases[i].score);
    }
}

static void
roundup_follows_appendix_a(void **state)
{
    (void)state;
    assert_true(roundup_31(4.02) == 4.1);
    assert_true(roundup_31(4.0) == 4.0);
    assert_true(roundup_31(4.000000000001) == 4.0); /* floating-point noise is not rounded up */
    assert_true(roundup_31(0.0) == 0.0);
    assert_true(roundup_31(9.72) == 9.8);
    assert_true(roundup_30(4.02) == 4.1);
    assert_true(roundup_30(4.0) == 4.0);
}

static void
bad_vectors_are_refused_with_a_reason(void **state)
{
    static const char *const bad[] = {
        "",
        "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",                  /* no prefix */
        "CVSS:2.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",         /* wrong version */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",             /* A missing */
        "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",    /* AV twice */
        "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",         /* bad value */
        "CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",         /* values are case-sensitive */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",        /* trailing slash */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:HH",        /* two-letter value */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",    /* unknown metric */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:Q",     /* bad temporal value */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/E:P", /* temporal twice */
        "CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H ' OR 1=1--",
    };
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        double score = 42;
        char why[128] = "";

        if (cvss_base_score(bad[i], &score, why, sizeof(why)) == 0)
            fail_msg("accepted bad vector '%s'", bad[i]);
        assert_true(strlen(why) > 0);
        assert_true(score == 42); /* untouched on failure */
    }
    assert_int_equal(cvss_base_score(NULL, &(double){0}, NULL, 0), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_vectors_score_as_published),
        cmocka_unit_test(roundup_follows_appendix_a),
        cmocka_unit_test(bad_vectors_are_refused_with_a_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
