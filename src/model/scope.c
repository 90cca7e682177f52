/* SPDX-License-Identifier: MIT */
/* Scope names and masks. */
#include "model/scope.h"

#include <string.h>

static const char *const scope_names[SCOPE_BIT_COUNT] = {
#define SCOPE_NAME(name, wire) wire,
    SCOPE_TABLE(SCOPE_NAME)
#undef SCOPE_NAME
};

uint32_t
scope_parse_one(const char *name)
{
    for (int i = 0; i < SCOPE_BIT_COUNT; i++) {
        if (strcmp(name, scope_names[i]) == 0)
            return (uint32_t)1 << i;
    }
    return 0;
}

int
scope_parse_list(const char *names, uint32_t *mask)
{
    uint32_t out = 0;
    const char *p = names;

    while (*p) {
        char word[64];
        size_t n = strcspn(p, " ,");
        uint32_t bit;

        if (n == 0) {
            p++;
            continue;
        }
        if (n >= sizeof(word))
            return -1;
        memcpy(word, p, n);
        word[n] = '\0';
        bit = scope_parse_one(word);
        if (!bit)
            return -1;
        out |= bit;
        p += n;
    }
    *mask = out;
    return 0;
}

const char *
scope_name(enum scope_bit bit)
{
    return (unsigned)bit < SCOPE_BIT_COUNT ? scope_names[bit] : "";
}

int
scope_format(uint32_t mask, char sep, struct buf *out)
{
    bool first = true;
    int rc = 0;

    for (int i = 0; i < SCOPE_BIT_COUNT; i++) {
        if (!(mask & ((uint32_t)1 << i)))
            continue;
        if (!first)
            rc |= buf_putc(out, sep);
        rc |= buf_puts(out, scope_names[i]);
        first = false;
    }
    return rc ? -1 : 0;
}

bool
scope_allows(uint32_t have, uint32_t need)
{
    if (have & SCOPE(ADMIN))
        return true;
    return (have & need) == need;
}
