/* SPDX-License-Identifier: MIT */
/* Nessus v2 (.nessus) XML: Report -> ReportHost (name = the host) -> ReportItem (one plugin's
 * result on one port). Streamed with the libxml2 reader: one ReportItem subtree is in memory at
 * a time, whatever the file's size. severity 0-4 is info to critical. The key is (pluginID,
 * host, port, protocol). */
#include "import/import_int.h"

#include <string.h>

#include "core/arena.h"

static const enum severity nessus_severity[] = {SEVERITY_INFO, SEVERITY_LOW, SEVERITY_MEDIUM,
                                                SEVERITY_HIGH, SEVERITY_CRITICAL};

static int
report_item(struct import_run *run, xmlNodePtr n, const char *host, long line, struct err *err)
{
    struct arena *a = run->item;
    struct finding f = {.confidence = CONFIDENCE_MEDIUM};
    struct import_origin o = {.where = arena_printf(a, "line %ld", line), .tool = "nessus"};
    const char *port = import_xml_attr(n, "port", a), *proto = import_xml_attr(n, "protocol", a);
    const char *svc = import_xml_attr(n, "svc_name", a), *sev = import_xml_attr(n, "severity", a);
    const char *plugin = import_xml_attr(n, "pluginID", a);
    const char *synopsis = import_xml_text(n, "synopsis", a);
    const char *description = import_xml_text(n, "description", a);
    const char *see_also = import_xml_text(n, "see_also", a);

    f.title = import_xml_attr(n, "pluginName", a);
    if (!f.title)
        f.title = import_xml_text(n, "plugin_name", a);
    f.check_id = plugin ? arena_printf(a, "nessus-%s", plugin) : NULL;
    f.severity = sev && sev[0] >= '0' && sev[0] <= '4' && !sev[1] ? nessus_severity[sev[0] - '0']
                                                                  : SEVERITY_INFO;
    if (synopsis && description)
        f.description = arena_printf(a, "%s\n\n%s", synopsis, description);
    else
        f.description = synopsis ? synopsis : description;
    f.remediation = import_xml_text(n, "solution", a);
    f.cwe = import_xml_text(n, "cwe", a);
    f.cvss_vector = import_xml_text(n, "cvss3_vector", a);
    f.evidence.notes = import_xml_text(n, "plugin_output", a);
    f.endpoint = arena_printf(a, "%s:%s/%s%s%s", host ? host : "", port ? port : "0",
                              proto ? proto : "tcp", svc ? " " : "", svc ? svc : "");
    if (see_also)
        f.n_references = import_urls(a, see_also, &f.references);
    o.location =
        arena_printf(a, "%s|%s|%s", host ? host : "", port ? port : "", proto ? proto : "");
    return import_emit(run, &f, &o, err);
}

int
import_nessus(const char *data, size_t len, struct import_run *run, struct err *err)
{
    struct import_xml x;
    const char *host = NULL;
    int rc;

    if (import_xml_open_root(&x, data, len, "NessusClientData_v2", err))
        return -1;
    run->tool = "nessus";
    rc = import_xml_next(&x, err);
    while (rc == 1) {
        if (import_xml_at(&x, "ReportHost")) {
            host = import_xml_reader_attr(&x, "name", run->doc);
        } else if (import_xml_at(&x, "ReportItem")) {
            xmlNodePtr n = import_xml_expand(&x, err);
            long line = n ? xmlGetLineNo(n) : 0;

            if (!n || report_item(run, n, host, line, err)) {
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
