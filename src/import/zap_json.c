/* SPDX-License-Identifier: MIT */
/* OWASP ZAP's JSON report (the "traditional-json" template): site[] -> alerts[] -> instances[].
 * Each instance (a URI, method and parameter) is one finding, as each is one place to fix; an
 * alert without instances is one finding at the site. Read whole with jansson. riskcode 0-3 is
 * informational to high (ZAP has no critical). The key is (pluginid, method, uri, param). */
#include "import/import_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

/* ZAP writes numbers as strings ("2"); accept either. */
static long long
num(json_t *obj, const char *key, long long dflt)
{
    json_t *v = json_object_get(obj, key);
    char *end;
    long long n;

    if (json_is_integer(v))
        return json_integer_value(v);
    if (!json_is_string(v))
        return dflt;
    n = strtoll(json_string_value(v), &end, 10);
    return end != json_string_value(v) && *end == '\0' ? n : dflt;
}

static const enum severity risk_severity[] = {SEVERITY_INFO, SEVERITY_LOW, SEVERITY_MEDIUM,
                                              SEVERITY_HIGH};

static int
alert_instance(struct import_run *run, json_t *alert, json_t *inst, const char *site,
               const char *where, struct err *err)
{
    struct arena *a = run->item;
    struct finding f = {.confidence = CONFIDENCE_MEDIUM};
    struct import_origin o = {.where = where, .tool = "zap"};
    long long risk = num(alert, "riskcode", 0), conf = num(alert, "confidence", 2);
    long long cwe = num(alert, "cweid", -1);
    const char *method = import_jstr(inst, "method"), *uri = import_jstr(inst, "uri");
    const char *param = import_jstr(inst, "param"), *attack = import_jstr(inst, "attack");
    const char *evidence = import_jstr(inst, "evidence"), *other = import_jstr(inst, "otherinfo");
    const char *plugin = import_jstr(alert, "pluginid");

    f.title = import_jstr(alert, "alert");
    if (!f.title)
        f.title = import_jstr(alert, "name");
    f.check_id = plugin ? arena_printf(a, "zap-%s", plugin) : NULL;
    f.severity = risk >= 0 && risk <= 3 ? risk_severity[risk] : SEVERITY_INFO;
    f.confidence = conf >= 3 ? CONFIDENCE_HIGH : conf == 2 ? CONFIDENCE_MEDIUM : CONFIDENCE_LOW;
    f.description = import_html_text(a, import_jstr(alert, "desc"));
    f.remediation = import_html_text(a, import_jstr(alert, "solution"));
    if (cwe > 0)
        f.cwe = arena_printf(a, "CWE-%lld", cwe);
    if (!uri)
        uri = site;
    f.endpoint = method && uri ? arena_printf(a, "%s %s", method, uri) : uri;
    f.evidence.request = attack && *attack ? arena_printf(a, "attack: %s", attack) : NULL;
    f.evidence.response = evidence && *evidence ? evidence : NULL;
    f.evidence.notes =
        other && *other ? other : import_html_text(a, import_jstr(alert, "otherinfo"));
    if (f.evidence.notes && !*f.evidence.notes)
        f.evidence.notes = NULL;
    if (param && *param)
        f.evidence.notes = arena_printf(a, "parameter: %s%s%s", param, f.evidence.notes ? "\n" : "",
                                        f.evidence.notes ? f.evidence.notes : "");
    f.n_references = import_urls(a, import_jstr(alert, "reference"), &f.references);
    o.location =
        arena_printf(a, "%s %s %s", method ? method : "", uri ? uri : "", param ? param : "");
    return import_emit(run, &f, &o, err);
}

int
import_zap_json(const char *data, size_t len, struct import_run *run, struct err *err)
{
    json_t *doc = import_json_load(data, len, err), *sites, *site;
    size_t i;
    int rc = 0;

    if (!doc)
        return -1;
    sites = json_object_get(doc, "site");
    if (json_is_object(sites)) {
        /* Older ZAP versions wrote a single site as an object. */
        json_t *one = json_array();

        json_array_append(one, sites);
        json_object_set_new(doc, "site", one);
        sites = one;
    }
    if (!json_is_object(doc) || !json_is_array(sites)) {
        json_decref(doc);
        return import_malformed(err, "/site", "a ZAP report needs a \"site\" array");
    }
    run->tool = "zap";
    json_array_foreach(sites, i, site)
    {
        const char *name = import_jstr(site, "@name");
        json_t *alerts = json_object_get(site, "alerts"), *alert;
        size_t k;

        json_array_foreach(alerts, k, alert)
        {
            json_t *instances = json_object_get(alert, "instances"), *inst;
            size_t j;

            if (!json_is_array(instances) || json_array_size(instances) == 0) {
                rc = alert_instance(run, alert, NULL, name,
                                    arena_printf(run->item, "/site/%zu/alerts/%zu", i, k), err);
            }
            json_array_foreach(instances, j, inst)
            {
                rc = alert_instance(
                    run, alert, inst, name,
                    arena_printf(run->item, "/site/%zu/alerts/%zu/instances/%zu", i, k, j), err);
                if (rc)
                    break;
            }
            if (rc)
                break;
        }
        if (rc)
            break;
    }
    json_decref(doc);
    return rc;
}
