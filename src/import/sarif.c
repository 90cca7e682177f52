/* SPDX-License-Identifier: MIT */
/* SARIF 2.1.0 (any tool: CodeQL, Semgrep, vigil itself). Read whole with jansson: a SARIF log
 * is one JSON document whose results refer back to rules by index, so it is not streamed; the
 * DOM is the peak memory (about 5-10 times the file). Severity comes from, in order: the
 * result's properties.severity (vigil), the rule's security-severity (CodeQL, GitHub), the
 * result's level, the rule's default level. partialFingerprints, when given, are the key. */
#include "import/import_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"

static const char *
text_of(json_t *obj, const char *key)
{
    return import_jstr(json_object_get(obj, key), "text");
}

static int
level_severity(const char *level, enum severity *out)
{
    if (!level)
        return -1;
    if (strcmp(level, "error") == 0)
        *out = SEVERITY_HIGH;
    else if (strcmp(level, "warning") == 0)
        *out = SEVERITY_MEDIUM;
    else if (strcmp(level, "note") == 0)
        *out = SEVERITY_LOW;
    else if (strcmp(level, "none") == 0)
        *out = SEVERITY_INFO;
    else
        return -1;
    return 0;
}

/* The rule a result names: rule.index, ruleIndex, or the id looked up in the driver's rules. */
static json_t *
rule_of(json_t *rules, json_t *result, const char *rule_id)
{
    json_t *idx = json_object_get(json_object_get(result, "rule"), "index");
    size_t i;
    json_t *r;

    if (!json_is_integer(idx))
        idx = json_object_get(result, "ruleIndex");
    if (json_is_integer(idx) && json_integer_value(idx) >= 0)
        return json_array_get(rules, (size_t)json_integer_value(idx));
    if (!rule_id)
        return NULL;
    json_array_foreach(rules, i, r)
    {
        const char *id = import_jstr(r, "id");

        if (id && strcmp(id, rule_id) == 0)
            return r;
    }
    return NULL;
}

static const char *
cwe_from_tags(json_t *props, struct arena *a)
{
    json_t *tag;
    size_t i;

    json_array_foreach(json_object_get(props, "tags"), i, tag)
    {
        const char *t = json_string_value(tag);
        const char *cwe;

        if (!t)
            continue;
        if (strncmp(t, "external/cwe/", 13) == 0)
            t += 13;
        if ((cwe = import_cwe(a, t)))
            return cwe;
    }
    return NULL;
}

static const char *
fingerprint_of(json_t *result, struct arena *a)
{
    json_t *fps = json_object_get(result, "partialFingerprints"), *v;
    const char *key;
    struct buf b;
    const char *out;

    if (!json_is_object(fps) || json_object_size(fps) == 0)
        fps = json_object_get(result, "fingerprints");
    if (!json_is_object(fps) || json_object_size(fps) == 0)
        return NULL;
    buf_init(&b, 4096);
    json_object_foreach(fps, key, v)
    {
        if (json_is_string(v))
            buf_printf(&b, "%s=%s;", key, json_string_value(v));
    }
    out = b.len ? arena_strdup(a, buf_str(&b)) : NULL;
    buf_cleanup(&b);
    return out;
}

static int
one_result(struct import_run *run, json_t *rules, json_t *result, const char *where,
           const char *tool, struct err *err)
{
    struct arena *a = run->item;
    struct finding f = {.confidence = CONFIDENCE_MEDIUM};
    struct import_origin o = {.where = where, .tool = tool};
    const char *rule_id = import_jstr(result, "ruleId");
    json_t *rule, *rprops, *props = json_object_get(result, "properties");
    json_t *loc = json_array_get(json_object_get(result, "locations"), 0);
    json_t *phys = json_object_get(loc, "physicalLocation");
    json_t *logical = json_array_get(json_object_get(loc, "logicalLocations"), 0);
    json_t *ev = json_object_get(props, "evidence");
    const char *uri = import_jstr(json_object_get(phys, "artifactLocation"), "uri");
    json_t *line = json_object_get(json_object_get(phys, "region"), "startLine");
    const char *sec, *help_uri, *precision;

    if (!json_is_object(result)) {
        import_reject(run, where, "", "a result must be an object");
        return 0;
    }
    if (!rule_id)
        rule_id = import_jstr(json_object_get(result, "rule"), "id");
    rule = rule_of(rules, result, rule_id);
    if (!rule_id)
        rule_id = import_jstr(rule, "id");
    rprops = json_object_get(rule, "properties");
    f.check_id = rule_id;
    f.title = text_of(rule, "shortDescription");
    if (!f.title)
        f.title = import_jstr(rule, "name");
    if (!f.title)
        f.title = text_of(result, "message");
    if (!f.title)
        f.title = rule_id;
    f.description = text_of(rule, "fullDescription");
    f.evidence.notes = text_of(result, "message");
    f.remediation = text_of(rule, "help");
    if ((help_uri = import_jstr(rule, "helpUri"))) {
        const char **refs = arena_alloc(a, sizeof(*refs));

        refs[0] = help_uri;
        f.references = refs;
        f.n_references = 1;
    }
    /* Severity: the most specific statement wins. */
    f.severity = SEVERITY_MEDIUM;
    sec = import_jstr(rprops, "security-severity");
    if (import_severity_word(import_jstr(props, "severity"), &f.severity) == 0) {
        /* vigil's own */
    } else if (sec) {
        char *end;
        double score = strtod(sec, &end);

        if (end != sec && score >= 0 && score <= 10)
            f.severity = import_severity_score(score);
    } else if (level_severity(import_jstr(result, "level"), &f.severity) != 0) {
        level_severity(import_jstr(json_object_get(rule, "defaultConfiguration"), "level"),
                       &f.severity);
    }
    precision = import_jstr(rprops, "precision");
    if (precision && (strcmp(precision, "very-high") == 0 || strcmp(precision, "high") == 0))
        f.confidence = CONFIDENCE_HIGH;
    else if (precision && strcmp(precision, "low") == 0)
        f.confidence = CONFIDENCE_LOW;
    if (import_jstr(props, "confidence"))
        confidence_parse(import_jstr(props, "confidence"), &f.confidence);
    f.cwe = import_jstr(props, "cwe");
    if (!f.cwe)
        f.cwe = cwe_from_tags(rprops, a);
    f.owasp = import_jstr(props, "owasp");
    f.cvss_vector = import_jstr(props, "cvss_vector");
    f.evidence.request = import_jstr(ev, "request");
    f.evidence.response = import_jstr(ev, "response");
    if (import_jstr(ev, "notes"))
        f.evidence.notes = import_jstr(ev, "notes");
    if (uri && json_is_integer(line))
        o.location = arena_printf(a, "%s:%lld", uri, (long long)json_integer_value(line));
    else
        o.location = uri;
    f.endpoint = import_jstr(props, "endpoint");
    if (!f.endpoint)
        f.endpoint = import_jstr(logical, "fullyQualifiedName");
    if (!f.endpoint)
        f.endpoint = o.location;
    if (!o.location)
        o.location = f.endpoint;
    o.tool_fingerprint = fingerprint_of(result, a);
    return import_emit(run, &f, &o, err);
}

int
import_sarif(const char *data, size_t len, struct import_run *run, struct err *err)
{
    json_t *doc = import_json_load(data, len, err), *runs, *r;
    const char *version;
    size_t i;
    int rc = 0;

    if (!doc)
        return -1;
    version = import_jstr(doc, "version");
    runs = json_object_get(doc, "runs");
    if (!json_is_object(doc) || !json_is_array(runs)) {
        json_decref(doc);
        return import_malformed(err, "/runs", "a SARIF log needs a \"runs\" array");
    }
    if (version && strcmp(version, "2.1.0") != 0) {
        /* The message quotes the version, which lives in doc: free it after. */
        rc = import_malformed(err, "/version", "SARIF %s is not supported (2.1.0 is)", version);
        json_decref(doc);
        return rc;
    }
    json_array_foreach(runs, i, r)
    {
        json_t *driver = json_object_get(json_object_get(r, "tool"), "driver");
        json_t *rules = json_object_get(driver, "rules"), *results = json_object_get(r, "results");
        const char *base = import_jptr_index(run->doc, "/runs", i);
        const char *tool = import_jstr(driver, "name");
        json_t *res;
        size_t k;

        if (tool)
            tool = arena_strdup(run->doc, tool);
        if (tool && (!run->tool || i == 0))
            run->tool = tool;
        if (results && !json_is_array(results)) {
            rc = import_malformed(err, import_jptr(run->doc, base, "results"),
                                  "\"results\" must be an array");
            break;
        }
        json_array_foreach(results, k, res)
        {
            const char *where = arena_printf(run->item, "%s/results/%zu", base, k);

            if ((rc = one_result(run, rules, res, where, tool, err)) != 0)
                break;
        }
        if (rc)
            break;
    }
    json_decref(doc);
    return rc;
}
