/* SPDX-License-Identifier: MIT */
/* libFuzzer target for report_html_escape, the function that keeps hostile response bodies from
 * becoming markup in the HTML and JUnit reports. For any input the output must be valid UTF-8
 * holding only XML 1.0 characters, contain no raw < > " ', and every & must start one of the five
 * entities the escaper writes; for clean input, unescaping gives the input back. A cap one byte
 * short must be refused, never overrun. The input also goes through a whole HTML report, which
 * must then contain exactly one <pre> per evidence block and no <script. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
static const char entity_chars[] = "&<>\"'";

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* Checks the escaper's output invariants; writes the unescaped text to plain. */
static void
check_escaped(const char *s, size_t len, struct buf *plain)
{
    const unsigned char *p = (const unsigned char *)s;

    CHECK(str_utf8_valid(s, len)); /* also: no NUL */
    for (size_t i = 0; i < len;) {
        size_t n = str_utf8_seq_len(p + i, len - i);

        CHECK(n > 0);
        CHECK(p[i] != '<' && p[i] != '>' && p[i] != '"' && p[i] != '\'');
        CHECK(!(p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') && p[i] != 0x7F);
        /* U+FFFE and U+FFFF are EF BF BE / EF BF BF. */
        CHECK(!(n == 3 && p[i] == 0xEF && p[i + 1] == 0xBF && (p[i + 2] & 0xFE) == 0xBE));
        if (p[i] == '&') {
            size_t k;

            for (k = 0; k < 5; k++) {
                size_t elen = strlen(entities[k]);

                if (len - i >= elen && memcmp(s + i, entities[k], elen) == 0) {
                    buf_putc(plain, entity_chars[k]);
                    i += elen;
                    break;
                }
            }
            CHECK(k < 5);
            continue;
        }
        buf_append(plain, s + i, n);
        i += n;
    }
}

/* True when escaping must be lossless: valid UTF-8 of XML characters, no U+FFFD of its own. */
static bool
input_is_clean(const uint8_t *data, size_t size)
{
    if (!str_utf8_valid((const char *)data, size))
        return false;
    for (size_t i = 0; i < size; i++) {
        uint8_t c = data[i];

        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
            return false;
        if (c == 0xEF && i + 2 < size && data[i + 1] == 0xBF && data[i + 2] >= 0xBD)
            return false; /* U+FFFD, U+FFFE, U+FFFF */
    }
    return true;
}

static void
fuzz_report(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct finding f = {0};
    struct report_input in = {0};
    struct err err = {0};
    struct buf out;
    const char *page, *p;
    size_t pres = 0;

    memcpy(text, data, size);
    text[size] = '\0'; /* the report sees the input up to its first NUL */
    f.title = f.description = f.endpoint = f.evidence.request = f.evidence.response = text;
    f.cvss_score = -1;
    in.title = in.target = text;
    in.findings = &f;
    in.n_findings = 1;
    buf_init(&out, 1 << 24);
    CHECK(report_render(REPORT_HTML, &in, &out, &err) == 0);
    page = buf_str(&out);
    CHECK(strcasestr(page, "<script") == NULL);
    for (p = strstr(page, "<pre>"); p; p = strstr(p + 5, "<pre>"))
        pres++;
    CHECK(pres == (text[0] ? 2u : 0u));
    buf_cleanup(&out);
    free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf out, plain, tight;

    if (size > 1 << 16)
        return 0;
    buf_init(&out, BUF_UNLIMITED);
    buf_init(&plain, BUF_UNLIMITED);
    CHECK(report_html_escape(&out, (const char *)data, size) == 0);
    check_escaped(buf_str(&out), out.len, &plain);
    if (input_is_clean(data, size))
        CHECK(plain.len == size && memcmp(plain.data ? plain.data : "", data, size) == 0);

    /* One byte less room than the escaped text needs: refused, and nothing past the cap. */
    if (out.len > 0) {
        buf_init(&tight, out.len - 1);
        CHECK(report_html_escape(&tight, (const char *)data, size) == -1);
        CHECK(tight.overflow && tight.len <= out.len - 1);
        buf_cleanup(&tight);
    }
    buf_cleanup(&out);
    buf_cleanup(&plain);

    if (size <= 4096)
        fuzz_report(data, size);
    return 0;
}
