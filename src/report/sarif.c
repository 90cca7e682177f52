/* SPDX-License-Identifier: MIT */
/* SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, Azure DevOps). One run; one rule
 * per distinct check (manual findings share the rule "manual"); one result per finding, placed
 * by a logical location (the endpoint) and, when the target is a URL, by the endpoint's URL.
 * Rule properties carry GitHub's security-severity and tags. Every URI written is percent-
 * encoded so the log validates with the SARIF multitool (scripts/validate-sarif.sh). */
#include "report/report_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/jsonw.h"
#include "core/str.h"

#define SARIF_SCHEMA                                                                               \
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#define SARIF_MANUAL_RULE     "manual"
#define SARIF_FINGERPRINT_KEY "vigil/v1"

/* One rule: a check and what its findings say about it. */
struct sarif_rule {
    const char *id;
    const struct finding *first; /* the most severe finding of the check: its texts describe it */
    double security_severity;    /* max over the check's findings */
    enum confidence precision;   /* max over the check's findings */
};

/* ------------------------------------------------------------------------------------------ */
/* Mappings                                                                                   */

static const char *
sarif_level(enum severity s)
{
    switch (s) {
    case SEVERITY_CRITICAL:
    case SEVERITY_HIGH:
        return "error";
    case SEVERITY_MEDIUM:
        return "warning";
    default:
        return "note";
    }
}

/* GitHub's security-severity scale: critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9.
 * A CVSS score, when the finding has one, says it more precisely. */
static double
sarif_security_severity(const struct finding *f)
{
    static const double by_severity[SEVERITY_COUNT] = {0.0, 3.0, 5.5, 8.0, 9.5};

    if (f->cvss_score >= 0.0 && f->cvss_score <= 10.0)
        return f->cvss_score;
    return by_severity[(unsigned)f->severity < SEVERITY_COUNT ? f->severity : SEVERITY_INFO];
}

static const char *
sarif_precision(enum confidence c)
{
    switch (c) {
    case CONFIDENCE_HIGH:
        return "high";
    case CONFIDENCE_MEDIUM:
        return "medium";
    default:
        return "low";
    }
}

/* GitHub's non-security severity, shown where security-severity is not understood. */
static const char *
sarif_problem_severity(enum severity s)
{
    return s >= SEVERITY_HIGH ? "error" : s == SEVERITY_MEDIUM ? "warning" : "recommendation";
}

static const char *
sarif_rule_id(const struct finding *f)
{
    return str_empty(f->check_id) ? SARIF_MANUAL_RULE : f->check_id;
}

/* "jwt_alg_none" -> "JwtAlgNoneCheck": SARIF rule names are PascalCase identifiers a user can
 * read, and must differ from the id even ignoring case (multitool rule SARIF1001). */
static void
sarif_rule_name(struct buf *b, const char *id, bool manual)
{
    bool upper = true;

    if (manual) {
        buf_puts(b, "ManualFinding");
        return;
    }
    for (const char *p = id; *p; p++) {
        unsigned char c = (unsigned char)*p;

        if (c >= 0x80 || !isalnum(c)) {
            upper = true;
            continue;
        }
        buf_putc(b, (char)(upper ? toupper(c) : c));
        upper = false;
    }
    buf_puts(b, "Check");
}

/* ------------------------------------------------------------------------------------------ */
/* URIs                                                                                       */

static bool
uri_char_allowed(unsigned char c, bool in_path)
{
    if (isalnum(c) && c < 0x80)
        return true;
    if (strchr("-._~!$&'()*+,;=:@/", c) && c != '\0')
        return true;
    /* Brackets belong only to an IPv6 host, '?' and '#' only after the path. */
    return !in_path && strchr("[]?#", c) && c != '\0';
}

/* Appends s percent-encoded (RFC 3986): keeps the characters a URI may hold, encodes every other
 * byte, '%' included. Input escapes are not trusted: .NET's URI check, which the SARIF multitool
 * applies, rejects some mixes of kept escapes (such as "%7B" with "%41") that RFC 3986 allows. */
static void
uri_put_encoded(struct buf *b, const char *s, size_t len, bool in_path)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (uri_char_allowed(c, in_path))
            buf_putc(b, (char)c);
        else
            buf_printf(b, "%%%02X", c);
    }
}

static bool
has_non_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (*p >= 0x80)
            return true;
    }
    return false;
}

/* True if s starts with an http(s) scheme and has a host: the only targets vigil scans. */
static bool
uri_is_http(const char *s)
{
    if (!s)
        return false;
    if (strncasecmp(s, "http://", 7) == 0)
        return s[7] != '\0' && s[7] != '/';
    if (strncasecmp(s, "https://", 8) == 0)
        return s[8] != '\0' && s[8] != '/';
    return false;
}

/* The path part of an endpoint "GET /users/{id}" (or of a bare "/users"), or NULL. */
static const char *
endpoint_path(const char *endpoint)
{
    const char *sp;

    if (str_empty(endpoint))
        return NULL;
    if (endpoint[0] == '/')
        return endpoint;
    sp = strchr(endpoint, ' ');
    if (!sp)
        return NULL;
    while (*sp == ' ')
        sp++;
    return *sp == '/' ? sp : NULL;
}

/* target + the endpoint's path, as a valid absolute URI, into b. False if there is none. */
static bool
sarif_location_uri(struct buf *b, const char *target, const char *endpoint)
{
    const char *path = endpoint_path(endpoint);
    size_t tlen;

    /* The multitool rejects encoded non-ASCII next to other escapes (a .NET quirk), so such an
     * endpoint keeps only its logical location. */
    if (!uri_is_http(target) || has_non_ascii(target) || has_non_ascii(path))
        return false;
    tlen = strlen(target);
    if (path && tlen > 0 && target[tlen - 1] == '/')
        tlen--;
    uri_put_encoded(b, target, tlen, false);
    if (path)
        uri_put_encoded(b, path, strlen(path), true);
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Rules                                                                                      */

/* Groups the sorted findings by check. rule_of[i] receives the rule index of sorted[i]. */
static struct sarif_rule *
sarif_collect_rules(const struct finding **sorted, size_t n, size_t *rule_of, size_t *n_rules,
                    struct arena *arena)
{
    struct sarif_rule *rules = arena_calloc(arena, n + 1, sizeof(*rules));
    size_t count = 0;

    for (size_t i = 0; i < n; i++) {
        const struct finding *f = sorted[i];
        const char *id = sarif_rule_id(f);
        size_t r;

        for (r = 0; r < count; r++) {
            if (strcmp(rules[r].id, id) == 0)
                break;
        }
        if (r == count) {
            rules[count].id = id;
            rules[count].first = f;
            rules[count].security_severity = -1.0;
            rules[count].precision = CONFIDENCE_LOW;
            count++;
        }
        if (sarif_security_severity(f) > rules[r].security_severity)
            rules[r].security_severity = sarif_security_severity(f);
        if (f->confidence > rules[r].precision && (unsigned)f->confidence <= CONFIDENCE_HIGH)
            rules[r].precision = f->confidence;
        rule_of[i] = r;
    }
    *n_rules = count;
    return rules;
}

static void
tag_add(const char **tags, size_t *n, const char *tag)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(tags[i], tag) == 0)
            return;
    }
    tags[(*n)++] = tag;
}

/* "security", then "OWASP-API1:2023", "CWE-639", "external/cwe/cwe-639" of each finding of the
 * rule, without duplicates (SARIF tags are a set). */
static void
sarif_rule_tags(struct jsonw *w, const struct finding **sorted, const size_t *rule_of, size_t n,
                size_t rule, struct arena *arena)
{
    const char **tags = arena_calloc(arena, 3 * n + 1, sizeof(*tags));
    size_t n_tags = 0;

    tag_add(tags, &n_tags, "security");
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = sorted[i];
        long long cwe;

        if (rule_of[i] != rule)
            continue;
        if (!str_empty(f->owasp))
            tag_add(tags, &n_tags, arena_printf(arena, "OWASP-%s", f->owasp));
        if (!str_empty(f->cwe)) {
            tag_add(tags, &n_tags, f->cwe);
            if (strncasecmp(f->cwe, "CWE-", 4) == 0 && str_to_ll(f->cwe + 4, 1, 1000000, &cwe) == 0)
                tag_add(tags, &n_tags, arena_printf(arena, "external/cwe/cwe-%lld", cwe));
        }
    }
    jsonw_key(w, "tags");
    jsonw_arr_open(w);
    for (size_t i = 0; i < n_tags; i++)
        jsonw_str(w, tags[i]);
    jsonw_arr_close(w);
}

/* The rule's help: its remediation and references, as text and as Markdown. */
static void
sarif_rule_help(struct jsonw *w, const struct finding *f, struct buf *scratch)
{
    jsonw_key(w, "help");
    jsonw_obj_open(w);

    report_scratch_reset(scratch, w->out);
    buf_puts(scratch, str_empty(f->remediation) ? "No remediation recorded." : f->remediation);
    if (f->n_references > 0)
        buf_puts(scratch, "\n\nReferences:");
    for (size_t i = 0; i < f->n_references; i++)
        buf_printf(scratch, "\n- %s", f->references[i] ? f->references[i] : "");
    jsonw_kstr(w, "text", buf_str(scratch));

    report_scratch_reset(scratch, w->out);
    buf_puts(scratch, "**Remediation**\n\n");
    buf_puts(scratch, str_empty(f->remediation) ? "No remediation recorded." : f->remediation);
    if (f->n_references > 0)
        buf_puts(scratch, "\n\n**References**\n");
    for (size_t i = 0; i < f->n_references; i++) {
        const char *ref = f->references[i] ? f->references[i] : "";

        /* An autolink only for a clean URL: anything else stays text. */
        if (report_url_is_safe(ref) && !strchr(ref, '>'))
            buf_printf(scratch, "\n- <%s>", ref);
        else
            buf_printf(scratch, "\n- %s", ref);
    }
    jsonw_kstr(w, "markdown", buf_str(scratch));
    jsonw_obj_close(w);
}

static void
sarif_text_obj(struct jsonw *w, const char *key, const char *text)
{
    jsonw_key(w, key);
    jsonw_obj_open(w);
    jsonw_kstr(w, "text", text);
    jsonw_obj_close(w);
}

static void
sarif_rule(struct jsonw *w, const struct sarif_rule *rule, size_t index,
           const struct finding **sorted, const size_t *rule_of, size_t n, struct buf *scratch,
           struct arena *arena)
{
    const struct finding *f = rule->first;
    bool manual = strcmp(rule->id, SARIF_MANUAL_RULE) == 0 && str_empty(f->check_id);
    char severity[16];

    jsonw_obj_open(w);
    jsonw_kstr(w, "id", rule->id);
    report_scratch_reset(scratch, w->out);
    sarif_rule_name(scratch, rule->id, manual);
    jsonw_kstr(w, "name", buf_str(scratch));
    if (manual) {
        sarif_text_obj(w, "shortDescription", "Finding recorded manually.");
        sarif_text_obj(w, "fullDescription",
                       "A finding entered by a person rather than produced by a scanner check.");
    } else {
        sarif_text_obj(w, "shortDescription", str_empty(f->title) ? rule->id : f->title);
        sarif_text_obj(w, "fullDescription",
                       !str_empty(f->description) ? f->description
                       : !str_empty(f->title)     ? f->title
                                                  : rule->id);
    }
    for (size_t i = 0; i < f->n_references; i++) {
        if (report_url_is_safe(f->references[i])) {
            jsonw_kstr(w, "helpUri", f->references[i]);
            break;
        }
    }
    sarif_rule_help(w, f, scratch);
    jsonw_key(w, "defaultConfiguration");
    jsonw_obj_open(w);
    jsonw_kstr(w, "level", sarif_level(f->severity));
    jsonw_obj_close(w);
    jsonw_key(w, "properties");
    jsonw_obj_open(w);
    snprintf(severity, sizeof(severity), "%.1f", rule->security_severity);
    jsonw_kstr(w, "security-severity", severity);
    sarif_rule_tags(w, sorted, rule_of, n, index, arena);
    jsonw_kstr(w, "precision", sarif_precision(rule->precision));
    jsonw_kstr(w, "problem.severity", sarif_problem_severity(f->severity));
    jsonw_obj_close(w);
    jsonw_obj_close(w);
}

/* ------------------------------------------------------------------------------------------ */
/* Results                                                                                    */

static void
sarif_locations(struct jsonw *w, const struct report_input *in, const struct finding *f,
                struct buf *scratch)
{
    bool has_uri;

    report_scratch_reset(scratch, w->out);
    has_uri = sarif_location_uri(scratch, in->target, f->endpoint);
    if (!has_uri && str_empty(f->endpoint))
        return;
    jsonw_key(w, "locations");
    jsonw_arr_open(w);
    jsonw_obj_open(w);
    if (has_uri) {
        jsonw_key(w, "physicalLocation");
        jsonw_obj_open(w);
        jsonw_key(w, "artifactLocation");
        jsonw_obj_open(w);
        jsonw_kstr(w, "uri", buf_str(scratch));
        jsonw_obj_close(w);
        jsonw_obj_close(w);
    }
    if (!str_empty(f->endpoint)) {
        jsonw_key(w, "logicalLocations");
        jsonw_arr_open(w);
        jsonw_obj_open(w);
        jsonw_kstr(w, "name",
                   endpoint_path(f->endpoint) ? endpoint_path(f->endpoint) : f->endpoint);
        jsonw_kstr(w, "fullyQualifiedName", f->endpoint);
        jsonw_kstr(w, "kind", "resource");
        jsonw_obj_close(w);
        jsonw_arr_close(w);
    }
    jsonw_obj_close(w);
    jsonw_arr_close(w);
}

static void
sarif_result(struct jsonw *w, const struct report_input *in, const struct finding *f,
             size_t rule_index, const char *rule_id, struct buf *scratch)
{
    size_t len;

    jsonw_obj_open(w);
    jsonw_kstr(w, "ruleId", rule_id);
    jsonw_kint(w, "ruleIndex", (long long)rule_index);
    jsonw_kstr(w, "level", sarif_level(f->severity));

    /* "Title at GET /users/{id}." : SARIF messages are sentences. */
    report_scratch_reset(scratch, w->out);
    buf_puts(scratch, str_empty(f->title) ? rule_id : f->title);
    if (!str_empty(f->endpoint))
        buf_printf(scratch, " at %s", f->endpoint);
    len = scratch->len;
    if (len == 0 || scratch->data[len - 1] != '.')
        buf_putc(scratch, '.');
    jsonw_key(w, "message");
    jsonw_obj_open(w);
    jsonw_kstr(w, "text", buf_str(scratch));
    jsonw_obj_close(w);

    sarif_locations(w, in, f, scratch);
    if (!str_empty(f->fingerprint)) {
        jsonw_key(w, "partialFingerprints");
        jsonw_obj_open(w);
        jsonw_kstr(w, SARIF_FINGERPRINT_KEY, f->fingerprint);
        jsonw_obj_close(w);
    }
    if (f->status == FINDING_ACCEPTED || f->status == FINDING_FALSE_POSITIVE) {
        /* A triaged finding is still reported, marked as suppressed outside the code. */
        jsonw_key(w, "suppressions");
        jsonw_arr_open(w);
        jsonw_obj_open(w);
        jsonw_kstr(w, "kind", "external");
        jsonw_kstr(w, "status", "accepted");
        jsonw_kstr(w, "justification", finding_status_name(f->status));
        jsonw_obj_close(w);
        jsonw_arr_close(w);
    }
    jsonw_key(w, "properties");
    jsonw_obj_open(w);
    jsonw_kstr(w, "finding_id", f->id);
    jsonw_kstr(w, "severity", severity_name(f->severity));
    jsonw_kint(w, "risk_score", f->risk_score);
    jsonw_kstr(w, "confidence", confidence_name(f->confidence));
    jsonw_kstr(w, "status", finding_status_name(f->status));
    jsonw_kstr(w, "owasp", f->owasp);
    jsonw_kstr(w, "cwe", f->cwe);
    if (f->cvss_score >= 0) {
        jsonw_kdouble(w, "cvss_score", f->cvss_score);
        jsonw_kstr(w, "cvss_vector", f->cvss_vector);
    }
    jsonw_kstr(w, "endpoint", f->endpoint);
    jsonw_key(w, "evidence");
    jsonw_obj_open(w);
    jsonw_kstr(w, "request", f->evidence.request);
    jsonw_kstr(w, "response", f->evidence.response);
    jsonw_kstr(w, "notes", f->evidence.notes);
    jsonw_obj_close(w);
    jsonw_obj_close(w);
    jsonw_obj_close(w);
}

/* ------------------------------------------------------------------------------------------ */
/* The log                                                                                    */

static void
sarif_invocation(struct jsonw *w, const struct report_input *in, struct buf *scratch)
{
    char when[21];

    jsonw_key(w, "invocations");
    jsonw_arr_open(w);
    jsonw_obj_open(w);
    /* The tool ran and stopped under control even when a budget cut the scan short; per SARIF
     * appendix I, an error-level notification is what tells consumers the results are partial. */
    jsonw_kbool(w, "executionSuccessful", true);
    if (report_time(in->started_at, when))
        jsonw_kstr(w, "startTimeUtc", when);
    if (report_time(in->finished_at, when))
        jsonw_kstr(w, "endTimeUtc", when);
    if (in->incomplete) {
        report_scratch_reset(scratch, w->out);
        buf_printf(scratch, "The scan stopped early (%s): %zu of %zu endpoints were tested.",
                   str_empty(in->stop_reason) ? "reason unknown" : in->stop_reason,
                   in->endpoints_tested, in->endpoints_discovered);
        jsonw_key(w, "toolExecutionNotifications");
        jsonw_arr_open(w);
        jsonw_obj_open(w);
        jsonw_key(w, "descriptor");
        jsonw_obj_open(w);
        jsonw_kstr(w, "id", "scan-incomplete");
        jsonw_obj_close(w);
        jsonw_kstr(w, "level", "error");
        jsonw_key(w, "message");
        jsonw_obj_open(w);
        jsonw_kstr(w, "text", buf_str(scratch));
        jsonw_obj_close(w);
        jsonw_obj_close(w);
        jsonw_arr_close(w);
    }
    jsonw_obj_close(w);
    jsonw_arr_close(w);
}

static void
sarif_run_properties(struct jsonw *w, const struct report_input *in)
{
    jsonw_key(w, "properties");
    jsonw_obj_open(w);
    jsonw_kstr(w, "title", in->title);
    jsonw_kstr(w, "scan_id", in->scan_id);
    jsonw_kstr(w, "target", in->target);
    jsonw_kstr(w, "spec_title", in->spec_title);
    jsonw_kint(w, "endpoints_discovered", (long long)in->endpoints_discovered);
    jsonw_kint(w, "endpoints_tested", (long long)in->endpoints_tested);
    jsonw_kint(w, "requests_sent", (long long)in->requests_sent);
    jsonw_kbool(w, "incomplete", in->incomplete);
    if (in->incomplete)
        jsonw_kstr(w, "stop_reason", in->stop_reason);
    jsonw_key(w, "checks_run");
    jsonw_arr_open(w);
    for (size_t i = 0; i < in->n_checks_run; i++)
        jsonw_str(w, in->checks_run[i]);
    jsonw_arr_close(w);
    jsonw_obj_close(w);
}

void
report_render_sarif(const struct report_input *in, struct buf *out)
{
    struct arena *arena = arena_new();
    const struct finding **sorted = report_sorted_findings(in, arena);
    size_t *rule_of = arena_calloc(arena, in->n_findings + 1, sizeof(*rule_of));
    size_t n_rules;
    struct sarif_rule *rules =
        sarif_collect_rules(sorted, in->n_findings, rule_of, &n_rules, arena);
    struct buf scratch;
    struct jsonw w;

    /* Scratch text never exceeds what the whole report may hold. */
    buf_init(&scratch, out->max);
    jsonw_init(&w, out);
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "$schema", SARIF_SCHEMA);
    jsonw_kstr(&w, "version", "2.1.0");
    jsonw_key(&w, "runs");
    jsonw_arr_open(&w);
    jsonw_obj_open(&w);

    jsonw_key(&w, "tool");
    jsonw_obj_open(&w);
    jsonw_key(&w, "driver");
    jsonw_obj_open(&w);
    jsonw_kstr(&w, "name", "vigil");
    jsonw_kstr(&w, "version", report_tool_version(in));
    jsonw_kstr(&w, "informationUri", REPORT_TOOL_URI);
    jsonw_key(&w, "rules");
    jsonw_arr_open(&w);
    for (size_t r = 0; r < n_rules; r++)
        sarif_rule(&w, &rules[r], r, sorted, rule_of, in->n_findings, &scratch, arena);
    jsonw_arr_close(&w);
    jsonw_obj_close(&w);
    jsonw_obj_close(&w);

    sarif_invocation(&w, in, &scratch);
    jsonw_key(&w, "results");
    jsonw_arr_open(&w);
    for (size_t i = 0; i < in->n_findings; i++)
        sarif_result(&w, in, sorted[i], rule_of[i], rules[rule_of[i]].id, &scratch);
    jsonw_arr_close(&w);
    jsonw_kstr(&w, "columnKind", "unicodeCodePoints");
    sarif_run_properties(&w, in);

    jsonw_obj_close(&w);
    jsonw_arr_close(&w);
    jsonw_obj_close(&w);
    buf_putc(out, '\n');
    if (scratch.overflow)
        out->overflow = true;
    buf_cleanup(&scratch);
    arena_free(arena);
}
