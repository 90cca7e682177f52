/* SPDX-License-Identifier: MIT */
/* Identifier generation. Base62 characters are drawn by rejection sampling so every character
 * is equally likely. */
#include "core/id.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/arena.h"

const char ID_BASE62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool
id_is_base62(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

void
random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;

    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            abort();
        }
        p += n;
        len -= (size_t)n;
    }
}

void
random_base62(char *out, size_t n)
{
    unsigned char pool[64];
    size_t have = 0, used = 0, i = 0;

    while (i < n) {
        if (used == have) {
            random_bytes(pool, sizeof(pool));
            have = sizeof(pool);
            used = 0;
        }
        /* 248 = 4 * 62: bytes at or above it would bias the first characters. */
        unsigned char b = pool[used++];
        if (b < 248)
            out[i++] = ID_BASE62[b % 62];
    }
    out[n] = '\0';
}

void
id_generate(const char *prefix, char *out, size_t size)
{
    size_t plen = strlen(prefix);

    if (size < plen + ID_RANDOM_CHARS + 1)
        abort();
    memcpy(out, prefix, plen); /* NOLINT(bugprone-not-null-terminated-result): ended below */
    random_base62(out + plen, ID_RANDOM_CHARS);
}

char *
id_new(struct arena *arena, const char *prefix)
{
    size_t size = strlen(prefix) + ID_RANDOM_CHARS + 1;
    char *out = arena_alloc(arena, size);

    id_generate(prefix, out, size);
    return out;
}

bool
id_is_valid(const char *s, const char *prefix)
{
    size_t plen = strlen(prefix), n = 0;

    if (!s || strncmp(s, prefix, plen) != 0)
        return false;
    for (s += plen; *s; s++, n++) {
        if (!isalnum((unsigned char)*s) || n >= 40)
            return false;
    }
    return n > 0;
}
