/* SPDX-License-Identifier: MIT */
/* Allocation wrappers that abort on exhaustion: running out of memory is not an error a caller
 * can sensibly recover from, so no caller checks for NULL. */
#ifndef VIGIL_CORE_XALLOC_H
#define VIGIL_CORE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
