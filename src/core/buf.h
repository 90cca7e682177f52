/* SPDX-License-Identifier: MIT */
/* A growable byte buffer with a hard cap fixed at init. Every buffer fed by outside input
 * (request bodies, scanned responses, reports) is a buf, so a hostile peer cannot make one grow
 * past its cap: an append that would cross it fails and leaves the buffer as it was. The data is
 * always NUL-terminated (the terminator is not counted in len). */
#ifndef VIGIL_CORE_BUF_H
#define VIGIL_CORE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data; /* heap, owned by the buf; NULL until the first append */
    size_t len;
    size_t cap;    /* allocated bytes */
    size_t max;    /* hard limit on len */
    bool overflow; /* set once an append was refused */
};

#define BUF_UNLIMITED ((size_t)-1)

void buf_init(struct buf *b, size_t max);
void buf_cleanup(struct buf *b); /* frees data; the buf may be reused after buf_init */
void buf_reset(struct buf *b);   /* len = 0, keeps memory */

/* Each returns 0, or -1 (and sets b->overflow) if the result would exceed b->max. */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Hands the data to the caller (free() it) and leaves the buf empty. Never NULL. */
char *buf_take(struct buf *b, size_t *len /* out, may be NULL */);

/* Same contents as a NUL-terminated string ("" when empty). Borrowed. */
const char *buf_str(const struct buf *b);

#endif
