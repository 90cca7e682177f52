/* SPDX-License-Identifier: MIT */
/* Random identifiers and bytes from the kernel's CSPRNG. Resource ids are opaque strings with a
 * type prefix ("find_" + 20 base62 characters, about 119 bits), so they cannot be guessed or
 * enumerated. */
#ifndef VIGIL_CORE_ID_H
#define VIGIL_CORE_ID_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

#define ID_RANDOM_CHARS 20
#define ID_MAX          48 /* longest id including prefix and NUL */

/* Fills buf with len bytes from getrandom(2); aborts if the kernel cannot supply them. */
void random_bytes(void *buf, size_t len);

/* The base62 digits in value order, for ids, tokens and their checksums. */
extern const char ID_BASE62[];

/* Whether c is a base62 digit (ASCII letter or digit). */
bool id_is_base62(char c);

/* Writes n random base62 characters and a NUL to out (which holds n + 1 bytes). */
void random_base62(char *out, size_t n);

/* prefix + ID_RANDOM_CHARS base62 characters, e.g. id_new(a, "find_"). */
char *id_new(struct arena *arena, const char *prefix);
/* Same into caller storage (size >= strlen(prefix) + ID_RANDOM_CHARS + 1). */
void id_generate(const char *prefix, char *out, size_t size);

/* True if s is prefix followed by 1..40 characters of [A-Za-z0-9]: anything else can never
 * name a row, so callers answer 404 without asking the store. */
bool id_is_valid(const char *s, const char *prefix);

#endif
