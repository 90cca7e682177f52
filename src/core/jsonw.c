/* SPDX-License-Identifier: MIT */
/* Streaming JSON writer. Comma placement is tracked with one bit per nesting level. */
#include "core/jsonw.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"

void
jsonw_init(struct jsonw *w, struct buf *out)
{
    w->out = out;
    w->depth = 0;
    w->has_items = 0;
    w->after_key = false;
}

/* Called before every value or key: writes the separating comma when needed. */
static void
jsonw_before_item(struct jsonw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0) {
        uint64_t bit = (uint64_t)1 << (w->depth - 1);

        if (w->has_items & bit)
            buf_putc(w->out, ',');
        w->has_items |= bit;
    }
}

static void
jsonw_open(struct jsonw *w, char c)
{
    jsonw_before_item(w);
    buf_putc(w->out, c);
    assert(w->depth < JSONW_MAX_DEPTH);
    w->depth++;
    w->has_items &= ~((uint64_t)1 << (w->depth - 1));
}

static void
jsonw_close(struct jsonw *w, char c)
{
    assert(w->depth > 0);
    w->depth--;
    buf_putc(w->out, c);
}

void
jsonw_obj_open(struct jsonw *w)
{
    jsonw_open(w, '{');
}

void
jsonw_obj_close(struct jsonw *w)
{
    jsonw_close(w, '}');
}

void
jsonw_arr_open(struct jsonw *w)
{
    jsonw_open(w, '[');
}

void
jsonw_arr_close(struct jsonw *w)
{
    jsonw_close(w, ']');
}

int
json_escape_into(struct buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    int rc = 0;

    rc |= buf_putc(b, '"');
    while (i < len) {
        unsigned char c = p[i];
        const char *esc = NULL;
        char ubuf[8];
        size_t n;

        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            run++;
            continue;
        }
        if (c >= 0x80) {
            n = str_utf8_seq_len(p + i, len - i);
            if (n > 0) {
                i += n;
                run += n;
                continue;
            }
        }
        /* Flush the run of plain bytes before the byte that needs escaping. */
        rc |= buf_append(b, p + i - run, run);
        run = 0;
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        default:
            if (c < 0x20) {
                snprintf(ubuf, sizeof(ubuf), "\\u%04x", c);
                esc = ubuf;
            } else {
                esc = "\\ufffd"; /* an invalid UTF-8 byte */
            }
        }
        rc |= buf_puts(b, esc);
        i++;
    }
    rc |= buf_append(b, p + i - run, run);
    rc |= buf_putc(b, '"');
    return rc ? -1 : 0;
}

void
jsonw_key(struct jsonw *w, const char *key)
{
    jsonw_before_item(w);
    json_escape_into(w->out, key, strlen(key));
    buf_putc(w->out, ':');
    w->after_key = true;
}

void
jsonw_strn(struct jsonw *w, const char *s, size_t len)
{
    jsonw_before_item(w);
    json_escape_into(w->out, s, len);
}

void
jsonw_str(struct jsonw *w, const char *s)
{
    if (!s) {
        jsonw_null(w);
        return;
    }
    jsonw_strn(w, s, strlen(s));
}

void
jsonw_int(struct jsonw *w, long long v)
{
    jsonw_before_item(w);
    buf_printf(w->out, "%lld", v);
}

void
jsonw_double(struct jsonw *w, double v)
{
    if (!isfinite(v)) {
        jsonw_null(w);
        return;
    }
    jsonw_before_item(w);
    /* The shortest of %.15g / %.17g that reads back as the same double: 6.578, not
     * 6.5780000000000003. */
    if (fabs(v) < 1e15 && v == (double)(long long)v) {
        buf_printf(w->out, "%.1f", v);
    } else {
        char text[40];

        snprintf(text, sizeof(text), "%.15g", v);
        if (strtod(text, NULL) != v)
            snprintf(text, sizeof(text), "%.17g", v);
        buf_puts(w->out, text);
    }
}

void
jsonw_bool(struct jsonw *w, bool v)
{
    jsonw_before_item(w);
    buf_puts(w->out, v ? "true" : "false");
}

void
jsonw_null(struct jsonw *w)
{
    jsonw_before_item(w);
    buf_puts(w->out, "null");
}

void
jsonw_raw(struct jsonw *w, const char *json, size_t len)
{
    jsonw_before_item(w);
    buf_append(w->out, json, len);
}

void
jsonw_kstr(struct jsonw *w, const char *key, const char *s)
{
    jsonw_key(w, key);
    jsonw_str(w, s);
}

void
jsonw_kint(struct jsonw *w, const char *key, long long v)
{
    jsonw_key(w, key);
    jsonw_int(w, v);
}

void
jsonw_kdouble(struct jsonw *w, const char *key, double v)
{
    jsonw_key(w, key);
    jsonw_double(w, v);
}

void
jsonw_kbool(struct jsonw *w, const char *key, bool v)
{
    jsonw_key(w, key);
    jsonw_bool(w, v);
}

void
jsonw_knull(struct jsonw *w, const char *key)
{
    jsonw_key(w, key);
    jsonw_null(w);
}

bool
jsonw_failed(const struct jsonw *w)
{
    return w->out->overflow;
}
