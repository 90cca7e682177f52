/* SPDX-License-Identifier: MIT */
/* Wall and monotonic time, and RFC 3339 timestamps (UTC, "2026-01-15T10:30:00Z"), the only
 * timestamp format vigil writes. */
#ifndef VIGIL_CORE_CLOCK_H
#define VIGIL_CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_now(void);     /* unix seconds */
int64_t clock_now_ms(void);  /* unix milliseconds */
int64_t clock_mono_ns(void); /* monotonic nanoseconds, for durations */

/* Moves clock_now() and clock_now_ms() forward by seconds (negative: back), process-wide.
 * For tests only: the server calls it solely through a test hook (core/testhook.h). */
void clock_test_advance(int64_t seconds);

/* "2026-01-15T10:30:00Z"; out needs 21 bytes. Returns out. */
char *clock_format_rfc3339(int64_t unix_seconds, char *out, size_t size);
/* "2026-01-15T10:30:00.123Z" */
char *clock_format_rfc3339_ms(int64_t unix_ms, char *out, size_t size);

/* Parses an RFC 3339 date-time (seconds required, optional fraction, "Z" or "+hh:mm") into
 * unix seconds (fraction dropped). Returns 0, or -1 if s is not one. */
int clock_parse_rfc3339(const char *s, int64_t *out /* out */);

/* Parses a full date "2026-01-15" into unix seconds at midnight UTC. Returns 0 or -1. */
int clock_parse_date(const char *s, int64_t *out /* out */);

#endif
