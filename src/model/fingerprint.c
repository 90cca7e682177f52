/* SPDX-License-Identifier: MIT */
/* Finding fingerprints. The hash input is a versioned, normalised tuple, fields separated by
 * the ASCII unit separator (0x1f, which none of them can contain after normalisation):
 *
 *   "vigil-fp-1" US scope US kind US endpoint US title
 *
 * - scope: asset_id when the finding names an asset, else project_id. Two projects (or two
 *   assets) with the same weakness are two findings to fix.
 * - kind: check_id lower-cased when a scanner check produced the finding, else the CWE id
 *   ("CWE-639"), else empty. It says what is wrong independently of the wording.
 * - endpoint: "METHOD /path" with the method upper-cased; scheme, host, query and fragment
 *   dropped; repeated and trailing slashes removed; every path parameter ("{id}", "{userId}",
 *   ":id") and every segment that looks like a concrete id (all digits, a UUID, 16+ hex digits)
 *   folded to "{}". So "GET /users/42", "get /users/{id}/" and "GET /users/{user_id}?x=1" are
 *   one endpoint: a scan of a live API and a spec-driven scan agree.
 * - title: lower-cased, white space runs folded to one space, trimmed.
 * Left out on purpose: severity, status, confidence, descriptions, evidence, scan_id and dates,
 * which legitimately change between runs for the same weakness. Changing any rule here changes
 * every fingerprint, so the version tag must then change too. */
#include "model/fingerprint.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/buf.h"
#include "core/str.h"

#define FP_FIELD_MAX 4096

static void
put_lower(struct buf *b, const char *s)
{
    for (; s && *s; s++)
        buf_putc(b, (char)tolower((unsigned char)*s));
}

static void
put_title(struct buf *b, const char *s)
{
    bool space = false, any = false;

    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (isspace(c) || c == 0x1f) {
            space = any;
            continue;
        }
        if (space)
            buf_putc(b, ' ');
        space = false;
        any = true;
        buf_putc(b, (char)tolower(c));
    }
}

static bool
all_of(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++) {
        if (!strchr(set, s[i]))
            return false;
    }
    return true;
}

/* True if the path segment names one object rather than a collection or an action. */
static bool
segment_is_id(const char *s, size_t n)
{
    if (n >= 2 && ((s[0] == '{' && s[n - 1] == '}') || s[0] == ':'))
        return true;
    if (n > 0 && all_of(s, n, "0123456789"))
        return true;
    if (n == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' &&
        all_of(s, n, "0123456789abcdefABCDEF-"))
        return true;
    return n >= 16 && all_of(s, n, "0123456789abcdefABCDEF");
}

static void
put_endpoint(struct buf *b, const char *s)
{
    const char *path, *end;
    size_t method_len;

    if (!s)
        return;
    while (isspace((unsigned char)*s))
        s++;
    method_len = strcspn(s, " \t/");
    if (method_len > 0 && !strchr("/", s[0]) && (s[method_len] == ' ' || s[method_len] == '\t')) {
        for (size_t i = 0; i < method_len; i++)
            buf_putc(b, (char)toupper((unsigned char)s[i]));
        buf_putc(b, ' ');
        path = s + method_len;
        while (isspace((unsigned char)*path))
            path++;
    } else {
        path = s;
    }
    /* An absolute URL keeps only its path. */
    if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0) {
        const char *slash = strchr(strstr(path, "//") + 2, '/');

        path = slash ? slash : "";
    }
    end = path + strcspn(path, "?# \t");
    buf_putc(b, '/');
    for (const char *p = path; p < end;) {
        size_t n;

        while (p < end && *p == '/')
            p++;
        if (p >= end)
            break;
        n = strcspn(p, "/?# \t");
        if (p + n > end)
            n = (size_t)(end - p);
        if (b->len > 0 && b->data[b->len - 1] != '/')
            buf_putc(b, '/');
        if (segment_is_id(p, n))
            buf_puts(b, "{}");
        else
            buf_append(b, p, n);
        p += n;
    }
}

int
finding_fingerprint(const struct finding *f, char out[FINGERPRINT_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    struct buf b;
    int rc = 0;

    buf_init(&b, 4 * FP_FIELD_MAX + 64);
    buf_puts(&b, "vigil-fp-1\x1f");
    buf_puts(&b, f->asset_id ? f->asset_id : f->project_id ? f->project_id : "");
    buf_putc(&b, 0x1f);
    if (f->check_id && *f->check_id)
        put_lower(&b, f->check_id);
    else if (f->cwe)
        buf_puts(&b, f->cwe);
    buf_putc(&b, 0x1f);
    put_endpoint(&b, f->endpoint);
    buf_putc(&b, 0x1f);
    put_title(&b, f->title);

    if (b.overflow || EVP_Digest(b.data, b.len, md, &md_len, EVP_sha256(), NULL) != 1 ||
        md_len != 32) {
        rc = -1;
    } else {
        str_hex(md, md_len, out);
    }
    buf_cleanup(&b);
    return rc;
}
