/* SPDX-License-Identifier: MIT */
/* Blocks are chained; a request that needs more than the first block gets a larger one, and
 * an allocation bigger than a block gets a block of its own. */
#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define ARENA_BLOCK_SIZE (16 * 1024)

struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct arena_deferred {
    struct arena_deferred *next;
    arena_cleanup_fn fn;
    void *ptr;
};

struct arena {
    struct arena_block *head;
    struct arena_deferred *deferred;
    size_t used;
};

static struct arena_block *
arena_block_new(size_t size)
{
    struct arena_block *block = xmalloc(sizeof(*block) + size);

    block->next = NULL;
    block->size = size;
    block->used = 0;
    return block;
}

struct arena *
arena_new(void)
{
    struct arena *arena = xcalloc(1, sizeof(*arena));

    arena->head = arena_block_new(ARENA_BLOCK_SIZE);
    return arena;
}

void
arena_free(struct arena *arena)
{
    struct arena_block *block, *next_block;
    struct arena_deferred *d, *next_d;

    if (!arena)
        return;
    /* Deferred cleanups were pushed at the head, so this runs them newest first. */
    for (d = arena->deferred; d; d = next_d) {
        next_d = d->next;
        d->fn(d->ptr);
    }
    for (block = arena->head; block; block = next_block) {
        next_block = block->next;
        free(block);
    }
    free(arena);
}

void *
arena_alloc(struct arena *arena, size_t size)
{
    const size_t align = alignof(max_align_t);
    struct arena_block *block = arena->head;
    size_t need = (size + align - 1) & ~(align - 1);
    void *p;

    if (need == 0)
        need = align;
    if (block->size - block->used < need) {
        size_t block_size = need > ARENA_BLOCK_SIZE ? need : ARENA_BLOCK_SIZE;

        if (need <= ARENA_BLOCK_SIZE && block->size < 8 * ARENA_BLOCK_SIZE)
            block_size = block->size * 2;
        block = arena_block_new(block_size);
        /* An oversized block goes behind the head so the head's free space stays usable. */
        if (need > ARENA_BLOCK_SIZE) {
            block->next = arena->head->next;
            arena->head->next = block;
        } else {
            block->next = arena->head;
            arena->head = block;
        }
    }
    p = block->data + block->used;
    block->used += need;
    arena->used += need;
    memset(p, 0, need);
    return p;
}

void *
arena_calloc(struct arena *arena, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        abort();
    return arena_alloc(arena, count * size);
}

char *
arena_strndup(struct arena *arena, const char *s, size_t n)
{
    char *p = arena_alloc(arena, n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
arena_strdup(struct arena *arena, const char *s)
{
    if (!s)
        return NULL;
    return arena_strndup(arena, s, strlen(s));
}

void *
arena_memdup(struct arena *arena, const void *p, size_t n)
{
    void *q = arena_alloc(arena, n);

    memcpy(q, p, n);
    return q;
}

char *
arena_vprintf(struct arena *arena, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *p;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return arena_strdup(arena, "");
    p = arena_alloc(arena, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *
arena_printf(struct arena *arena, const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = arena_vprintf(arena, fmt, ap);
    va_end(ap);
    return p;
}

void
arena_defer(struct arena *arena, arena_cleanup_fn fn, void *ptr)
{
    struct arena_deferred *d = arena_alloc(arena, sizeof(*d));

    d->fn = fn;
    d->ptr = ptr;
    d->next = arena->deferred;
    arena->deferred = d;
}
