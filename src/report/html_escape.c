/* SPDX-License-Identifier: MIT */
/* HTML and XML text escaping for the HTML and JUnit reports. Everything those reports print
 * comes from the scanned target or from users, so each byte is either copied as part of a valid,
 * XML-legal UTF-8 character that is not markup, or replaced: the output can never open a tag,
 * close a <pre>, end an attribute or start an entity the input chose. A fuzz target checks it. */
#include "report/report.h"

#include "core/str.h"
#include "report/report_int.h"

/* The code point of the valid sequence of n bytes at p (n from str_utf8_seq_len). */
static unsigned
utf8_decode(const unsigned char *p, size_t n)
{
    static const unsigned char lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    unsigned cp = p[0] & lead_mask[n];

    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (p[i] & 0x3Fu);
    return cp;
}

/* True for the characters XML 1.0 allows (Char production) minus DEL, which it merely
 * discourages but no report needs. Surrogates never get here: str_utf8_seq_len rejects them. */
static bool
xml_char_allowed(unsigned cp)
{
    if (cp < 0x20)
        return cp == '\t' || cp == '\n' || cp == '\r';
    if (cp == 0x7F)
        return false;
    return cp != 0xFFFE && cp != 0xFFFF;
}

int
report_html_escape(struct buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    int rc = 0;

    while (i < len) {
        const char *rep = NULL;
        size_t n = str_utf8_seq_len(p + i, len - i);

        switch (p[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            if (n == 0 || !xml_char_allowed(utf8_decode(p + i, n))) {
                /* A whole forbidden character, or one invalid byte (then resynchronise on the
                 * next byte), becomes one U+FFFD. */
                rep = REPORT_REPLACEMENT;
            }
        }
        if (!rep) {
            i += n;
            run += n;
            continue;
        }
        /* Flush the plain run before the character that needs replacing. */
        rc |= buf_append(out, p + i - run, run);
        run = 0;
        rc |= buf_puts(out, rep);
        i += n ? n : 1; /* n is 0 for an invalid byte */
    }
    rc |= buf_append(out, p + i - run, run);
    return rc ? -1 : 0;
}
