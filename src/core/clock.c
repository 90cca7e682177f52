/* SPDX-License-Identifier: MIT */
/* Time helpers. Parsing is strict on purpose: a filter like created_after that silently
 * accepted "yesterday" would return the wrong rows. */
#include "core/clock.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Seconds added to the wall clock by clock_test_advance(); 0 outside the test hooks. */
static _Atomic int64_t test_offset;

void
clock_test_advance(int64_t seconds)
{
    atomic_fetch_add(&test_offset, seconds);
}

int64_t
clock_now(void)
{
    return (int64_t)time(NULL) + atomic_load(&test_offset);
}

int64_t
clock_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec + atomic_load(&test_offset)) * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

char *
clock_format_rfc3339(int64_t unix_seconds, char *out, size_t size)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

char *
clock_format_rfc3339_ms(int64_t unix_ms, char *out, size_t size)
{
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    char base[32];

    gmtime_r(&t, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%03dZ", base, (int)(unix_ms % 1000));
    return out;
}

/* Reads exactly n digits. */
static bool
read_digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool
days_valid(int year, int month, int day)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int max;

    if (month < 1 || month > 12 || day < 1)
        return false;
    max = mdays[month - 1];
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        max = 29;
    return day <= max;
}

static int64_t
days_from_civil(int y, int m, int d)
{
    /* Howard Hinnant's algorithm: exact for the proleptic Gregorian calendar. */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static const char *
parse_date_part(const char *p, int64_t *days)
{
    int year, month, day;

    if (!read_digits(&p, 4, &year) || *p++ != '-' || !read_digits(&p, 2, &month) || *p++ != '-' ||
        !read_digits(&p, 2, &day))
        return NULL;
    if (!days_valid(year, month, day))
        return NULL;
    *days = days_from_civil(year, month, day);
    return p;
}

int
clock_parse_date(const char *s, int64_t *out)
{
    int64_t days;
    const char *p = parse_date_part(s, &days);

    if (!p || *p)
        return -1;
    *out = days * 86400;
    return 0;
}

int
clock_parse_rfc3339(const char *s, int64_t *out)
{
    int64_t days;
    int hour, minute, second, oh, om;
    const char *p = parse_date_part(s, &days);
    int64_t offset = 0;

    if (!p || (*p != 'T' && *p != 't'))
        return -1;
    p++;
    if (!read_digits(&p, 2, &hour) || *p++ != ':' || !read_digits(&p, 2, &minute) || *p++ != ':' ||
        !read_digits(&p, 2, &second))
        return -1;
    if (hour > 23 || minute > 59 || second > 60)
        return -1;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;

        p++;
        if (!read_digits(&p, 2, &oh) || *p++ != ':' || !read_digits(&p, 2, &om) || oh > 23 ||
            om > 59)
            return -1;
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*p)
        return -1;
    *out = days * 86400 + hour * 3600 + minute * 60 + second - offset;
    return 0;
}
