/* SPDX-License-Identifier: MIT */
/* A bump allocator that owns everything a request (or any other short task) allocates, plus a
 * list of cleanups for foreign objects (json_decref, statement finalizers...). Nothing allocated
 * from an arena is freed on its own: arena_free releases it all at once, running the deferred
 * cleanups in reverse order first. Not thread-safe: one arena belongs to one thread at a time. */
#ifndef VIGIL_CORE_ARENA_H
#define VIGIL_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

typedef void (*arena_cleanup_fn)(void *ptr);

struct arena *arena_new(void);
void arena_free(struct arena *arena); /* accepts NULL */

/* Allocations are aligned for any type and zero-filled. Aborts when memory is exhausted. */
void *arena_alloc(struct arena *arena, size_t size);
void *arena_calloc(struct arena *arena, size_t count, size_t size);
char *arena_strdup(struct arena *arena, const char *s);
char *arena_strndup(struct arena *arena, const char *s, size_t n);
void *arena_memdup(struct arena *arena, const void *p, size_t n);
char *arena_printf(struct arena *arena, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *arena, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Runs fn(ptr) when the arena is freed. */
void arena_defer(struct arena *arena, arena_cleanup_fn fn, void *ptr);

#endif
