/* SPDX-License-Identifier: MIT */
/* The import module's shared half: the format table, the dispatch to one parser per format and
 * the finishing of every finding a parser emits (limits, CWE, fingerprint). A parser only maps
 * fields; whatever must hold for every imported finding is enforced here, once. */
#include "import/import_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "core/arena.h"
#include "core/str.h"
#include "model/cvss.h"
#include "model/model.h"

static const char *const format_names[IMPORT_FORMAT_COUNT] = {
    "sarif", "zap-json", "zap-xml", "nuclei", "burp", "nessus", "trivy", "csv"};

const char *
import_format_name(enum import_format f)
{
    return (unsigned)f < IMPORT_FORMAT_COUNT ? format_names[f] : "?";
}

int
import_format_parse(const char *name, enum import_format *out)
{
    for (int i = 0; i < IMPORT_FORMAT_COUNT; i++) {
        if (strcasecmp(name, format_names[i]) == 0) {
            *out = (enum import_format)i;
            return 0;
        }
    }
    return -1;
}

/* ---- errors -------------------------------------------------------------------------------- */

int
import_malformed(struct err *err, const char *where, const char *fmt, ...)
{
    char text[ERR_TEXT_MAX / 2];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    err_set(err, IMPORT_MALFORMED, "The file is not a well-formed report: %s: %s", where, text);
    if (err && err->n_fields < ERR_FIELDS_MAX) {
        str_copy(err->fields[err->n_fields].field, where, sizeof(err->fields[0].field));
        str_copy(err->fields[err->n_fields].message, text, sizeof(err->fields[0].message));
        err->n_fields++;
    }
    return -1;
}

void
import_reject(struct import_run *run, const char *where, const char *field, const char *fmt, ...)
{
    char text[ERR_TEXT_MAX / 2];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    run->rejected++;
    if (run->reject)
        run->reject(run, where, field, text);
}

/* ---- mapping helpers ------------------------------------------------------------------------ */

int
import_severity_word(const char *s, enum severity *out)
{
    static const struct {
        const char *word;
        enum severity severity;
    } words[] = {
        {"critical", SEVERITY_CRITICAL},
        {"high", SEVERITY_HIGH},
        {"medium", SEVERITY_MEDIUM},
        {"moderate", SEVERITY_MEDIUM},
        {"low", SEVERITY_LOW},
        {"info", SEVERITY_INFO},
        {"informational", SEVERITY_INFO},
        {"information", SEVERITY_INFO},
        {"none", SEVERITY_INFO},
        {"unknown", SEVERITY_INFO},
    };

    if (!s)
        return -1;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcasecmp(s, words[i].word) == 0) {
            *out = words[i].severity;
            return 0;
        }
    }
    return -1;
}

enum severity
import_severity_score(double score)
{
    if (score >= 9.0)
        return SEVERITY_CRITICAL;
    if (score >= 7.0)
        return SEVERITY_HIGH;
    if (score >= 4.0)
        return SEVERITY_MEDIUM;
    if (score > 0.0)
        return SEVERITY_LOW;
    return SEVERITY_INFO;
}

const char *
import_cwe(struct arena *a, const char *s)
{
    long long n = 0;
    size_t digits = 0;

    if (!s)
        return NULL;
    while (*s == ' ' || *s == '\t')
        s++;
    if (strncasecmp(s, "CWE-", 4) == 0)
        s += 4;
    else if (strncasecmp(s, "CWE", 3) == 0)
        s += 3;
    while (*s == '0' && s[1] >= '0' && s[1] <= '9')
        s++; /* CodeQL writes cwe-089 */
    if (*s == '0')
        return NULL;
    for (; *s >= '0' && *s <= '9' && digits < 7; s++, digits++)
        n = n * 10 + (*s - '0');
    if (digits == 0 || (*s >= '0' && *s <= '9'))
        return NULL;
    return arena_printf(a, "CWE-%lld", n);
}

/* A copy of s in `a` (parsers' strings may point into a document freed before the sink
 * writes), cut to at most max bytes, never inside a UTF-8 sequence. */
static const char *
clip(struct arena *a, const char *s, size_t max)
{
    size_t n;

    if (!s)
        return NULL;
    n = strlen(s);
    if (n <= max)
        return arena_strndup(a, s, n);
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return arena_strndup(a, s, n);
}

static const char *
blank_to_null(const char *s)
{
    return s && *s ? s : NULL;
}

/* Hex SHA-256 of the parts joined by '\n'. */
static const char *
digest(struct arena *a, const char *const *parts, size_t n)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    char *hex;
    int ok;

    if (!ctx)
        return NULL;
    ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        const char *p = parts[i] ? parts[i] : "";

        ok = EVP_DigestUpdate(ctx, p, strlen(p)) == 1 && EVP_DigestUpdate(ctx, "\n", 1) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return NULL;
    hex = arena_alloc(a, md_len * 2 + 1);
    for (unsigned int i = 0; i < md_len; i++)
        snprintf(hex + i * 2, 3, "%02x", md[i]);
    return hex;
}

int
import_emit(struct import_run *run, struct finding *f, const struct import_origin *o,
            struct err *err)
{
    struct arena *a = run->item;
    const char *tool = o->tool ? o->tool : run->tool ? run->tool : "unknown";
    size_t n_refs = 0;

    f->title = blank_to_null(f->title);
    if (!f->title) {
        import_reject(run, o->where, "title", "the finding has no title or name");
        return 0;
    }
    f->title = clip(a, f->title, MODEL_TITLE_MAX);
    f->description = clip(a, blank_to_null(f->description), MODEL_TEXT_MAX);
    f->remediation = clip(a, blank_to_null(f->remediation), MODEL_TEXT_MAX);
    f->endpoint = clip(a, blank_to_null(f->endpoint), MODEL_VALUE_MAX);
    f->owasp = clip(a, blank_to_null(f->owasp), MODEL_SHORT_MAX);
    f->check_id = clip(a, blank_to_null(f->check_id), MODEL_SHORT_MAX);
    f->evidence.request = clip(a, blank_to_null(f->evidence.request), MODEL_EVIDENCE_MAX);
    f->evidence.response = clip(a, blank_to_null(f->evidence.response), MODEL_EVIDENCE_MAX);
    f->evidence.notes = clip(a, blank_to_null(f->evidence.notes), MODEL_TEXT_MAX);
    f->cwe = f->cwe ? import_cwe(a, f->cwe) : NULL;
    f->scan_id = NULL;
    f->asset_id = NULL;
    f->project_id = NULL;
    if (f->cvss_vector) {
        char why[128];
        double score;

        if (strlen(f->cvss_vector) > MODEL_VECTOR_MAX ||
            cvss_base_score(f->cvss_vector, &score, why, sizeof(why)) != 0)
            f->cvss_vector = NULL; /* a v2 or malformed vector: the severity still says it */
        else
            f->cvss_vector = arena_strdup(a, f->cvss_vector);
    }
    f->cvss_score = -1;
    if (f->n_references) {
        const char **refs = arena_calloc(a, f->n_references, sizeof(*refs));

        for (size_t i = 0; i < f->n_references && n_refs < MODEL_REFERENCES_MAX; i++) {
            if (f->references[i] && *f->references[i] &&
                strlen(f->references[i]) <= MODEL_VALUE_MAX)
                refs[n_refs++] = arena_strdup(a, f->references[i]);
        }
        f->references = refs;
    }
    f->n_references = n_refs;
    if (o->tool_fingerprint && *o->tool_fingerprint) {
        const char *parts[] = {tool, "tool-fingerprint", o->tool_fingerprint};

        f->fingerprint = digest(a, parts, 3);
    } else {
        const char *parts[] = {tool, f->check_id ? f->check_id : f->title,
                               o->location ? o->location : f->endpoint};

        f->fingerprint = digest(a, parts, 3);
    }
    if (!f->fingerprint)
        return err_internal(err, "import: hashing failed");
    run->emitted++;
    return run->emit(run, f, err);
}

/* ---- JSON helpers --------------------------------------------------------------------------- */

json_t *
import_json_load(const char *data, size_t len, struct err *err)
{
    json_error_t je;
    json_t *doc = json_loadb(data, len, 0, &je);
    char where[64];

    if (!doc) {
        snprintf(where, sizeof(where), "line %d, column %d", je.line, je.column);
        import_malformed(err, where, "%s", je.text);
        return NULL;
    }
    return doc;
}

const char *
import_jstr(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

const char *
import_jptr(struct arena *a, const char *base, const char *key)
{
    size_t n = strlen(key), extra = 0;
    char *out, *p;

    for (size_t i = 0; i < n; i++)
        extra += key[i] == '~' || key[i] == '/';
    out = arena_alloc(a, strlen(base) + n + extra + 2);
    p = out + strlen(base);
    memcpy(out, base, strlen(base));
    *p++ = '/';
    for (size_t i = 0; i < n; i++) {
        if (key[i] == '~' || key[i] == '/') {
            *p++ = '~';
            *p++ = key[i] == '~' ? '0' : '1';
        } else {
            *p++ = key[i];
        }
    }
    *p = '\0';
    return out;
}

const char *
import_jptr_index(struct arena *a, const char *base, size_t index)
{
    return arena_printf(a, "%s/%zu", base, index);
}

/* ---- dispatch ------------------------------------------------------------------------------- */

/* The 1-based line of byte offset off. */
static size_t
line_of(const char *data, size_t off)
{
    size_t line = 1;

    for (size_t i = 0; i < off; i++)
        line += data[i] == '\n';
    return line;
}

/* Every format is UTF-8 text (XML declares it, JSON requires it): check once, up front, so no
 * parser has to and no invalid byte reaches the store. NUL is refused with it. */
static int
utf8_check(const char *data, size_t len, struct err *err)
{
    size_t i = 0;
    char where[32];

    while (i < len) {
        size_t n = (unsigned char)data[i] < 0x80
                       ? 1
                       : str_utf8_seq_len((const unsigned char *)data + i, len - i);

        if (n == 0 || data[i] == '\0') {
            snprintf(where, sizeof(where), "line %zu", line_of(data, i));
            return import_malformed(err, where, "%s at byte %zu",
                                    data[i] ? "invalid UTF-8" : "a NUL byte", i);
        }
        i += n;
    }
    return 0;
}

int
import_parse(enum import_format format, const char *data, size_t len, struct import_run *run,
             struct err *err)
{
    static int (*const parsers[IMPORT_FORMAT_COUNT])(const char *, size_t, struct import_run *,
                                                     struct err *) = {
        [IMPORT_SARIF] = import_sarif,     [IMPORT_ZAP_JSON] = import_zap_json,
        [IMPORT_ZAP_XML] = import_zap_xml, [IMPORT_NUCLEI] = import_nuclei,
        [IMPORT_BURP] = import_burp,       [IMPORT_NESSUS] = import_nessus,
        [IMPORT_TRIVY] = import_trivy,     [IMPORT_CSV] = import_csv,
    };

    if ((unsigned)format >= IMPORT_FORMAT_COUNT)
        return err_set(err, VALIDATION_ERROR, "Unknown import format.");
    if (len == 0)
        return import_malformed(err, "line 1", "the file is empty");
    if (utf8_check(data, len, err))
        return -1;
    return parsers[format](data, len, run, err);
}

/* ---- text helpers --------------------------------------------------------------------------- */

const char *
import_html_text(struct arena *a, const char *s)
{
    char *out, *p;
    bool in_tag = false;

    if (!s)
        return NULL;
    out = arena_alloc(a, strlen(s) + 1);
    p = out;
    for (const char *c = s; *c; c++) {
        if (*c == '<') {
            in_tag = true;
            /* A closing paragraph or a line break becomes a line break. */
            if ((strncasecmp(c, "</p>", 4) == 0 || strncasecmp(c, "<br", 3) == 0 ||
                 strncasecmp(c, "</li>", 5) == 0) &&
                p > out && p[-1] != '\n')
                *p++ = '\n';
            continue;
        }
        if (*c == '>' && in_tag) {
            in_tag = false;
            continue;
        }
        if (!in_tag)
            *p++ = *c;
    }
    while (p > out && (p[-1] == '\n' || p[-1] == ' '))
        p--;
    *p = '\0';
    return out;
}

size_t
import_urls(struct arena *a, const char *s, const char ***out)
{
    size_t n = 0, cap = 8;
    const char **urls = arena_calloc(a, cap, sizeof(*urls));

    while (s && (s = strstr(s, "http")) != NULL) {
        size_t len = 0;

        if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0) {
            s += 4;
            continue;
        }
        while (s[len] && s[len] != '<' && s[len] != '"' && s[len] != '\'' && s[len] != ' ' &&
               s[len] != '\n' && s[len] != '\r' && s[len] != '\t' && s[len] != '>')
            len++;
        if (n == cap) {
            const char **grown = arena_calloc(a, cap * 2, sizeof(*grown));

            memcpy(grown, urls, n * sizeof(*urls));
            urls = grown;
            cap *= 2;
        }
        if (n < MODEL_REFERENCES_MAX)
            urls[n++] = arena_strndup(a, s, len);
        s += len;
    }
    *out = urls;
    return n;
}
