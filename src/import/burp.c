/* SPDX-License-Identifier: MIT */
/* Burp Suite's XML issues export ("Report selected issues" -> XML): issues -> issue, each with
 * name, host, path, location, severity, confidence, backgrounds and details (HTML), CWE links
 * in vulnerabilityClassifications, and request/response pairs, usually base64. Burp writes an
 * inline DTD (element declarations only): it is read but never loaded or expanded. Streamed,
 * one issue at a time. The key is (type, host, path, location). */
#include "import/import_int.h"

#include <string.h>

#include <openssl/evp.h>

#include "core/arena.h"
#include "core/str.h"
#include "model/model.h"

/* The element's text, base64-decoded when it says base64="true". Bytes that are not UTF-8 (a
 * binary response) end the text: evidence must be text. */
static const char *
message_text(xmlNodePtr n, struct arena *a)
{
    const char *text = import_xml_text(n, NULL, a), *b64 = import_xml_attr(n, "base64", a);
    size_t in_len, cap;
    unsigned char *out;
    int got;
    size_t len, valid = 0;

    if (!text || !b64 || strcmp(b64, "true") != 0)
        return text;
    in_len = strlen(text);
    if (in_len > MODEL_EVIDENCE_MAX * 2)
        in_len = (MODEL_EVIDENCE_MAX * 2) & ~(size_t)3;
    cap = in_len / 4 * 3 + 4;
    out = arena_alloc(a, cap + 1);
    got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)(in_len & ~(size_t)3));
    if (got < 0)
        return NULL;
    len = (size_t)got;
    /* EVP_DecodeBlock counts padding as zero bytes. */
    while (len > 0 && in_len >= 1 && out[len - 1] == '\0')
        len--;
    while (valid < len) {
        size_t s =
            out[valid] < 0x80 ? (out[valid] ? 1 : 0) : str_utf8_seq_len(out + valid, len - valid);

        if (s == 0)
            break;
        valid += s;
    }
    out[valid] = '\0';
    return (const char *)out;
}

static int
issue(struct import_run *run, xmlNodePtr n, long line, struct err *err)
{
    struct arena *a = run->item;
    struct finding f = {.confidence = CONFIDENCE_MEDIUM};
    struct import_origin o = {.where = arena_printf(a, "line %ld", line), .tool = "burp"};
    const char *type = import_xml_text(n, "type", a), *host = import_xml_text(n, "host", a);
    const char *path = import_xml_text(n, "path", a), *location = import_xml_text(n, "location", a);
    const char *severity = import_xml_text(n, "severity", a);
    const char *confidence = import_xml_text(n, "confidence", a);
    const char *background = import_xml_text(n, "issueBackground", a);
    const char *detail = import_xml_text(n, "issueDetail", a);
    const char *classes = import_xml_text(n, "vulnerabilityClassifications", a);
    const char *fix = import_xml_text(n, "remediationBackground", a);
    const char *fix_detail = import_xml_text(n, "remediationDetail", a);
    const char *refs = import_xml_text(n, "references", a);
    xmlNodePtr rr = import_xml_child(n, "requestresponse");
    const char *cwe = classes ? strstr(classes, "CWE-") : NULL;

    f.title = import_xml_text(n, "name", a);
    f.check_id = type ? arena_printf(a, "burp-%s", type) : NULL;
    if (import_severity_word(severity, &f.severity) != 0)
        f.severity = SEVERITY_INFO;
    f.confidence = confidence && strcmp(confidence, "Certain") == 0 ? CONFIDENCE_HIGH
                   : confidence && strcmp(confidence, "Firm") == 0  ? CONFIDENCE_MEDIUM
                                                                    : CONFIDENCE_LOW;
    background = import_html_text(a, background);
    detail = import_html_text(a, detail);
    f.description = background && detail ? arena_printf(a, "%s\n\n%s", detail, background)
                    : detail             ? detail
                                         : background;
    fix = import_html_text(a, fix);
    fix_detail = import_html_text(a, fix_detail);
    f.remediation = fix && fix_detail ? arena_printf(a, "%s\n\n%s", fix_detail, fix)
                    : fix_detail      ? fix_detail
                                      : fix;
    f.cwe = cwe;
    f.endpoint = arena_printf(a, "%s%s", host ? host : "", path ? path : "");
    f.evidence.request = message_text(import_xml_child(rr, "request"), a);
    f.evidence.response = message_text(import_xml_child(rr, "response"), a);
    f.evidence.notes = location;
    f.n_references = import_urls(a, refs, &f.references);
    o.location =
        arena_printf(a, "%s|%s|%s", host ? host : "", path ? path : "", location ? location : "");
    return import_emit(run, &f, &o, err);
}

int
import_burp(const char *data, size_t len, struct import_run *run, struct err *err)
{
    struct import_xml x;
    int rc;

    if (import_xml_open_root(&x, data, len, "issues", err))
        return -1;
    run->tool = "burp";
    rc = import_xml_next(&x, err);
    while (rc == 1) {
        if (import_xml_at(&x, "issue")) {
            xmlNodePtr n = import_xml_expand(&x, err);
            long line = n ? xmlGetLineNo(n) : 0;

            if (!n || issue(run, n, line, err)) {
                rc = -1;
                break;
            }
            rc = import_xml_skip(&x, err);
            continue;
        }
        rc = import_xml_next(&x, err);
    }
    import_xml_close(&x);
    return rc < 0 ? -1 : 0;
}
