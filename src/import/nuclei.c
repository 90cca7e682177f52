/* SPDX-License-Identifier: MIT */
/* Nuclei JSON Lines (`nuclei -jsonl`): one result object per line, parsed and emitted one line
 * at a time, so memory is one line's DOM however long the file is. A JSON array of the same
 * objects (`-json-export`) is read whole. The key is (template-id, matcher-name, matched-at). */
#include "import/import_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

/* info.reference: a string or an array of strings. */
static void
references(json_t *info, struct finding *f, struct arena *a)
{
    json_t *refs = json_object_get(info, "reference"), *v;
    size_t i, n = 0;
    const char **out;

    if (json_is_string(refs)) {
        out = arena_alloc(a, sizeof(*out));
        out[0] = json_string_value(refs);
        f->references = out;
        f->n_references = 1;
        return;
    }
    if (!json_is_array(refs))
        return;
    out = arena_calloc(a, json_array_size(refs) + 1, sizeof(*out));
    json_array_foreach(refs, i, v)
    {
        if (json_is_string(v))
            out[n++] = json_string_value(v);
    }
    f->references = out;
    f->n_references = n;
}

static int
one(struct import_run *run, json_t *obj, const char *where, struct err *err)
{
    struct arena *a = run->item;
    json_t *info = json_object_get(obj, "info");
    json_t *cls = json_object_get(info, "classification");
    json_t *cwe = json_object_get(cls, "cwe-id");
    const char *template_id = import_jstr(obj, "template-id");
    const char *matcher = import_jstr(obj, "matcher-name");
    const char *matched = import_jstr(obj, "matched-at");
    const char *type = import_jstr(obj, "type");
    struct finding f = {.confidence = CONFIDENCE_MEDIUM};
    struct import_origin o = {.where = where, .tool = "nuclei"};
    json_t *extracted = json_object_get(obj, "extracted-results");

    if (!json_is_object(obj)) {
        import_reject(run, where, "", "a Nuclei result must be an object");
        return 0;
    }
    if (!template_id)
        template_id = import_jstr(obj, "templateID");
    f.title = import_jstr(info, "name");
    f.check_id = template_id;
    f.description = import_jstr(info, "description");
    f.remediation = import_jstr(info, "remediation");
    if (import_severity_word(import_jstr(info, "severity"), &f.severity) != 0)
        f.severity = SEVERITY_INFO;
    f.cwe = json_is_array(cwe) ? json_string_value(json_array_get(cwe, 0)) : json_string_value(cwe);
    f.cvss_vector = import_jstr(cls, "cvss-metrics");
    f.endpoint = matched ? matched : import_jstr(obj, "host");
    f.evidence.request = import_jstr(obj, "request");
    f.evidence.response = import_jstr(obj, "response");
    if (json_is_array(extracted) && json_array_size(extracted)) {
        char *joined = json_dumps(extracted, JSON_COMPACT);

        if (joined) {
            f.evidence.notes = arena_printf(a, "extracted: %s", joined);
            free(joined);
        }
    } else if (type) {
        f.evidence.notes =
            arena_printf(a, "%s match%s%s", type, matcher ? " " : "", matcher ? matcher : "");
    }
    references(info, &f, a);
    o.location = arena_printf(a, "%s|%s", matcher ? matcher : "", f.endpoint ? f.endpoint : "");
    if (!run->tool)
        run->tool = "nuclei";
    return import_emit(run, &f, &o, err);
}

int
import_nuclei(const char *data, size_t len, struct import_run *run, struct err *err)
{
    size_t pos = 0, line = 0;

    while (pos < len &&
           (data[pos] == ' ' || data[pos] == '\t' || data[pos] == '\r' || data[pos] == '\n'))
        pos++;
    if (pos < len && data[pos] == '[') {
        json_t *doc = import_json_load(data, len, err), *v;
        size_t i;
        int rc = 0;

        if (!doc)
            return -1;
        json_array_foreach(doc, i, v)
        {
            if ((rc = one(run, v, import_jptr_index(run->item, "", i), err)) != 0)
                break;
        }
        json_decref(doc);
        return rc;
    }
    pos = 0;
    while (pos < len) {
        const char *start = data + pos, *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        char where[32];
        json_error_t je;
        json_t *obj;
        int rc;
        bool blank = true;

        line++;
        pos += n + (nl ? 1 : 0);
        for (size_t i = 0; i < n && blank; i++)
            blank = start[i] == ' ' || start[i] == '\t' || start[i] == '\r';
        if (blank)
            continue;
        snprintf(where, sizeof(where), "line %zu", line);
        obj = json_loadb(start, n, 0, &je);
        if (!obj)
            return import_malformed(err, where, "column %d: %s", je.column, je.text);
        rc = one(run, obj, arena_strdup(run->item, where), err);
        json_decref(obj);
        if (rc)
            return rc;
    }
    return 0;
}
