/* SPDX-License-Identifier: MIT */
/* OWASP ZAP's XML report: OWASPZAPReport -> site (name = the base URL) -> alerts -> alertitem
 * -> instances -> instance. Streamed with the libxml2 reader, one alertitem at a time; mapped
 * like the JSON report (zap_json.c): one finding per instance. */
#include "import/import_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

static const enum severity risk_severity[] = {SEVERITY_INFO, SEVERITY_LOW, SEVERITY_MEDIUM,
                                              SEVERITY_HIGH};

static long
num(xmlNodePtr n, const char *name, long dflt, struct arena *a)
{
    const char *s = import_xml_text(n, name, a);
    char *end;
    long v;

    if (!s)
        return dflt;
    v = strtol(s, &end, 10);
    return end != s && *end == '\0' ? v : dflt;
}

static int
instance(struct import_run *run, xmlNodePtr alert, xmlNodePtr inst, const char *site,
         const char *where, struct err *err)
{
    struct arena *a = run->item;
    struct finding f = {.confidence = CONFIDENCE_MEDIUM};
    struct import_origin o = {.where = where, .tool = "zap"};
    long risk = num(alert, "riskcode", 0, a), conf = num(alert, "confidence", 2, a);
    long cwe = num(alert, "cweid", -1, a);
    const char *plugin = import_xml_text(alert, "pluginid", a);
    const char *method = import_xml_text(inst, "method", a), *uri = import_xml_text(inst, "uri", a);
    const char *param = import_xml_text(inst, "param", a);
    const char *attack = import_xml_text(inst, "attack", a);
    const char *evidence = import_xml_text(inst, "evidence", a);
    const char *other = import_xml_text(inst, "otherinfo", a);

    f.title = import_xml_text(alert, "alert", a);
    if (!f.title)
        f.title = import_xml_text(alert, "name", a);
    f.check_id = plugin ? arena_printf(a, "zap-%s", plugin) : NULL;
    f.severity = risk >= 0 && risk <= 3 ? risk_severity[risk] : SEVERITY_INFO;
    f.confidence = conf >= 3 ? CONFIDENCE_HIGH : conf == 2 ? CONFIDENCE_MEDIUM : CONFIDENCE_LOW;
    f.description = import_html_text(a, import_xml_text(alert, "desc", a));
    f.remediation = import_html_text(a, import_xml_text(alert, "solution", a));
    if (cwe > 0)
        f.cwe = arena_printf(a, "CWE-%ld", cwe);
    if (!uri)
        uri = site;
    f.endpoint = method && uri ? arena_printf(a, "%s %s", method, uri) : uri;
    f.evidence.request = attack ? arena_printf(a, "attack: %s", attack) : NULL;
    f.evidence.response = evidence;
    f.evidence.notes = other ? other : import_html_text(a, import_xml_text(alert, "otherinfo", a));
    if (param)
        f.evidence.notes = arena_printf(a, "parameter: %s%s%s", param, f.evidence.notes ? "\n" : "",
                                        f.evidence.notes ? f.evidence.notes : "");
    f.n_references = import_urls(a, import_xml_text(alert, "reference", a), &f.references);
    o.location =
        arena_printf(a, "%s %s %s", method ? method : "", uri ? uri : "", param ? param : "");
    return import_emit(run, &f, &o, err);
}

static int
alert_item(struct import_run *run, xmlNodePtr alert, const char *site, long line, struct err *err)
{
    xmlNodePtr instances = import_xml_child(alert, "instances");
    size_t k = 0;
    int rc = 0;

    for (xmlNodePtr c = instances ? instances->children : NULL; c && rc == 0; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "instance") != 0)
            continue;
        rc = instance(
            run, alert, c, site,
            arena_printf(run->item, "line %ld", xmlGetLineNo(c) > 0 ? xmlGetLineNo(c) : line), err);
        k++;
    }
    if (rc == 0 && k == 0)
        rc = instance(run, alert, NULL, site, arena_printf(run->item, "line %ld", line), err);
    return rc;
}

int
import_zap_xml(const char *data, size_t len, struct import_run *run, struct err *err)
{
    struct import_xml x;
    const char *site = NULL;
    int rc;

    if (import_xml_open_root(&x, data, len, "OWASPZAPReport", err))
        return -1;
    run->tool = "zap";
    rc = import_xml_next(&x, err);
    while (rc == 1) {
        if (import_xml_at(&x, "site")) {
            site = import_xml_reader_attr(&x, "name", run->doc);
        } else if (import_xml_at(&x, "alertitem")) {
            xmlNodePtr n = import_xml_expand(&x, err);
            long line = n ? xmlGetLineNo(n) : 0;

            if (!n || alert_item(run, n, site, line, err)) {
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
