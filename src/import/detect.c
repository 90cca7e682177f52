/* SPDX-License-Identifier: MIT */
/* Format detection when the client names none. XML is told apart by its root element (read
 * with the same hardened reader the parsers use); JSON by marker members in the first 64 KiB
 * (a SARIF log's "runs" and version, Trivy's "SchemaVersion"/"Results", ZAP's "site" and
 * "@programName", Nuclei's "template-id" in a one-object-per-line file); CSV by a header row
 * naming a "title" column. Anything else is IMPORT_FORMAT_UNKNOWN: a guess is never made. */
#include "import/import_int.h"

#include <string.h>
#include <strings.h>

#include "core/arena.h"

#define DETECT_HEAD 65536

static bool
has(const char *head, size_t n, const char *marker)
{
    return memmem(head, n, marker, strlen(marker)) != NULL;
}

static int
found(enum import_format f, enum import_format *out)
{
    *out = f;
    return 0;
}

/* The first line is a whole JSON object: the shape of JSON Lines. */
static bool
first_line_is_object(const char *p, size_t len)
{
    const char *nl = memchr(p, '\n', len);
    json_t *v;
    bool ok;

    if (!nl)
        return false;
    v = json_loadb(p, (size_t)(nl - p), 0, NULL);
    ok = json_is_object(v);
    json_decref(v);
    return ok;
}

static bool
csv_header(const char *p, size_t len)
{
    const char *nl = memchr(p, '\n', len);
    size_t n = nl ? (size_t)(nl - p) : len;
    size_t start = 0;

    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == ',' || p[i] == '\r') {
            const char *cell = p + start;
            size_t cn = i - start;

            if (cn >= 2 && cell[0] == '"' && cell[cn - 1] == '"') {
                cell++;
                cn -= 2;
            }
            if (cn == 5 && strncasecmp(cell, "title", 5) == 0)
                return true;
            start = i + 1;
        }
    }
    return false;
}

int
import_detect(const char *data, size_t len, enum import_format *out, struct err *err)
{
    const char *p = data;
    size_t n = len, head;

    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
        n -= 3;
    }
    while (n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
        p++;
        n--;
    }
    head = n < DETECT_HEAD ? n : DETECT_HEAD;
    if (n && *p == '<') {
        struct arena *a = arena_new();
        const char *root = import_xml_root(data, len, a, err);
        int rc = -1;

        if (!root) {
            arena_free(a);
            return -1; /* broken before its root: say where, rather than "unknown" */
        }
        if (root && strcmp(root, "OWASPZAPReport") == 0)
            rc = found(IMPORT_ZAP_XML, out);
        else if (root && strcmp(root, "NessusClientData_v2") == 0)
            rc = found(IMPORT_NESSUS, out);
        else if (root && strcmp(root, "issues") == 0)
            rc = found(IMPORT_BURP, out);
        arena_free(a);
        if (rc == 0)
            return 0;
    } else if (n && (*p == '{' || *p == '[')) {
        if (has(p, head, "\"template-id\"") &&
            (*p == '[' || first_line_is_object(p, n) || !memchr(p, '\n', n)))
            return found(IMPORT_NUCLEI, out);
        if (*p == '{' && has(p, head, "\"runs\"") &&
            (has(p, head, "sarif") || has(p, head, "\"2.1.0\"")))
            return found(IMPORT_SARIF, out);
        if (*p == '{' && has(p, head, "\"SchemaVersion\"") && has(p, head, "\"Results\""))
            return found(IMPORT_TRIVY, out);
        if (*p == '{' && has(p, head, "\"site\"") &&
            (has(p, head, "\"@programName\"") || has(p, head, "\"alerts\"")))
            return found(IMPORT_ZAP_JSON, out);
    } else if (n && csv_header(p, n)) {
        return found(IMPORT_CSV, out);
    }
    return err_set(err, IMPORT_FORMAT_UNKNOWN,
                   "The format of the file could not be recognised; name it with ?format= "
                   "(sarif, zap-json, zap-xml, nuclei, burp, nessus, trivy, csv).");
}
