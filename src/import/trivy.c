/* SPDX-License-Identifier: MIT */
/* Trivy JSON (`trivy ... --format json`, SchemaVersion 2): Results[] per target, each with
 * Vulnerabilities (a package at a version has a CVE), Misconfigurations and Secrets. Read whole
 * with jansson. The key is (VulnerabilityID or check ID, target, package). */
#include "import/import_int.h"

#include <string.h>

#include "core/arena.h"

static void
string_array(json_t *arr, struct finding *f, struct arena *a)
{
    json_t *v;
    size_t i, n = 0;
    const char **out;

    if (!json_is_array(arr))
        return;
    out = arena_calloc(a, json_array_size(arr) + 1, sizeof(*out));
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v))
            out[n++] = json_string_value(v);
    }
    f->references = out;
    f->n_references = n;
}

static void
severity(json_t *obj, struct finding *f)
{
    if (import_severity_word(import_jstr(obj, "Severity"), &f->severity) != 0)
        f->severity = SEVERITY_INFO;
}

/* The first V3 vector among the CVSS sources, NVD first. */
static const char *
cvss_vector(json_t *cvss)
{
    const char *key, *v = import_jstr(json_object_get(cvss, "nvd"), "V3Vector");
    json_t *src;

    if (v)
        return v;
    json_object_foreach(cvss, key, src)
    {
        if ((v = import_jstr(src, "V3Vector")))
            return v;
    }
    return NULL;
}

static int
vulnerability(struct import_run *run, json_t *v, const char *target, const char *where,
              struct err *err)
{
    struct arena *a = run->item;
    struct finding f = {.confidence = CONFIDENCE_MEDIUM};
    struct import_origin o = {.where = where, .tool = "trivy"};
    const char *id = import_jstr(v, "VulnerabilityID"), *pkg = import_jstr(v, "PkgName");
    const char *installed = import_jstr(v, "InstalledVersion");
    const char *fixed = import_jstr(v, "FixedVersion"), *title = import_jstr(v, "Title");

    f.check_id = id;
    f.title = title ? arena_printf(a, "%s: %s", id ? id : "vulnerability", title)
              : id  ? arena_printf(a, "%s in %s", id, pkg ? pkg : "a package")
                    : NULL;
    f.description = import_jstr(v, "Description");
    severity(v, &f);
    f.cwe = json_string_value(json_array_get(json_object_get(v, "CweIDs"), 0));
    f.cvss_vector = cvss_vector(json_object_get(v, "CVSS"));
    f.remediation =
        fixed ? arena_printf(a, "Upgrade %s to %s or later.", pkg ? pkg : "the package", fixed)
              : NULL;
    f.endpoint = arena_printf(a, "%s %s@%s", target ? target : "", pkg ? pkg : "",
                              installed ? installed : "");
    f.evidence.notes = arena_printf(a, "package %s %s installed; fixed in %s", pkg ? pkg : "?",
                                    installed ? installed : "?", fixed ? fixed : "no release yet");
    string_array(json_object_get(v, "References"), &f, a);
    if (!f.n_references && import_jstr(v, "PrimaryURL")) {
        const char **refs = arena_alloc(a, sizeof(*refs));

        refs[0] = import_jstr(v, "PrimaryURL");
        f.references = refs;
        f.n_references = 1;
    }
    o.location = arena_printf(a, "%s|%s", target ? target : "", pkg ? pkg : "");
    return import_emit(run, &f, &o, err);
}

static int
misconfiguration(struct import_run *run, json_t *m, const char *target, const char *where,
                 struct err *err)
{
    struct arena *a = run->item;
    struct finding f = {.confidence = CONFIDENCE_MEDIUM};
    struct import_origin o = {.where = where, .tool = "trivy"};
    const char *id = import_jstr(m, "AVDID");
    const char *status = import_jstr(m, "Status");
    json_t *cause = json_object_get(m, "CauseMetadata");

    if (status && strcmp(status, "PASS") == 0)
        return 0; /* a passed check is not a finding */
    if (!id)
        id = import_jstr(m, "ID");
    f.check_id = id;
    f.title = import_jstr(m, "Title");
    f.description = import_jstr(m, "Description");
    f.remediation = import_jstr(m, "Resolution");
    f.evidence.notes = import_jstr(m, "Message");
    severity(m, &f);
    string_array(json_object_get(m, "References"), &f, a);
    if (json_is_integer(json_object_get(cause, "StartLine")))
        f.endpoint =
            arena_printf(a, "%s:%lld", target ? target : "",
                         (long long)json_integer_value(json_object_get(cause, "StartLine")));
    else
        f.endpoint = target;
    o.location = f.endpoint;
    return import_emit(run, &f, &o, err);
}

static int
secret(struct import_run *run, json_t *s, const char *target, const char *where, struct err *err)
{
    struct arena *a = run->item;
    struct finding f = {.confidence = CONFIDENCE_MEDIUM};
    struct import_origin o = {.where = where, .tool = "trivy"};
    json_t *line = json_object_get(s, "StartLine");

    f.check_id = import_jstr(s, "RuleID");
    f.title = import_jstr(s, "Title");
    f.cwe = "CWE-798";
    severity(s, &f);
    f.evidence.notes = import_jstr(s, "Match"); /* Trivy masks the secret itself */
    f.endpoint = json_is_integer(line) ? arena_printf(a, "%s:%lld", target ? target : "",
                                                      (long long)json_integer_value(line))
                                       : target;
    o.location = f.endpoint;
    return import_emit(run, &f, &o, err);
}

int
import_trivy(const char *data, size_t len, struct import_run *run, struct err *err)
{
    json_t *doc = import_json_load(data, len, err), *results, *r;
    size_t i;
    int rc = 0;

    if (!doc)
        return -1;
    results = json_object_get(doc, "Results");
    if (!json_is_object(doc) || (results && !json_is_array(results))) {
        json_decref(doc);
        return import_malformed(err, "/Results", "a Trivy report needs a \"Results\" array");
    }
    run->tool = "trivy";
    json_array_foreach(results, i, r)
    {
        const char *target = import_jstr(r, "Target");
        static const char *const kinds[] = {"Vulnerabilities", "Misconfigurations", "Secrets"};

        for (size_t k = 0; k < 3 && rc == 0; k++) {
            json_t *items = json_object_get(r, kinds[k]), *item;
            size_t j;

            json_array_foreach(items, j, item)
            {
                const char *where = arena_printf(run->item, "/Results/%zu/%s/%zu", i, kinds[k], j);

                rc = k == 0   ? vulnerability(run, item, target, where, err)
                     : k == 1 ? misconfiguration(run, item, target, where, err)
                              : secret(run, item, target, where, err);
                if (rc)
                    break;
            }
        }
        if (rc)
            break;
    }
    json_decref(doc);
    return rc;
}
