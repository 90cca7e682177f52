/* SPDX-License-Identifier: MIT */
/* Small string helpers shared by every module: strict integer parsing, case-insensitive
 * comparison, splitting on a separator into an arena. */
#ifndef VIGIL_CORE_STR_H
#define VIGIL_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

bool str_eq(const char *a, const char *b); /* NULL-safe */
bool str_eq_ci(const char *a, const char *b);
bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
bool str_empty(const char *s); /* NULL or "" */

/* Lowercase hex of n bytes into out (2n characters and a NUL: out holds 2n + 1). */
void str_hex(const void *in, size_t n, char *out);
/* The value of one hex digit (either case), -1 for any other character. */
int str_hex_digit(int c);

/* Lower-cases ASCII letters in place; returns s. */
char *str_lower(char *s);

/* Parses a whole string as a base-10 integer in [min, max]: no sign tricks, no spaces, no
 * trailing text, no overflow. Returns 0, or -1 with *out untouched. */
int str_to_ll(const char *s, long long min, long long max, long long *out /* out */);

/* Splits s on sep into a NULL-terminated array of arena strings; empty items are kept.
 * *count (may be NULL) receives the number of items. */
char **str_split(struct arena *arena, const char *s, char sep, size_t *count /* out */);

/* Copies s into dst of size n, always NUL-terminated; returns the length that was wanted. */
size_t str_copy(char *dst, const char *s, size_t n);

/* Length (1-4) of the valid UTF-8 sequence at s, or 0 if the bytes there are not one
 * (overlong forms, surrogates and code points past U+10FFFF are not). */
size_t str_utf8_seq_len(const unsigned char *s, size_t avail);

/* True if the n bytes at s are valid UTF-8 without NUL bytes. */
bool str_utf8_valid(const char *s, size_t n);

/* Constant-time comparison of two equal-length byte strings (for secrets). */
bool str_ct_equal(const void *a, const void *b, size_t n);

/* Zeroes memory in a way the compiler cannot remove (secrets before free). */
void str_wipe(void *p, size_t n);

#endif
