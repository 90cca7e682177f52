/* SPDX-License-Identifier: MIT */
/* The controls catalog: parsing and checking catalog.json, and the status rule. */
#include "controls/catalog.h"

#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/xalloc.h"

#include "embed_files.h"

static const char *const control_status_names[CONTROL_STATUS_COUNT] = {
    [CONTROL_NOT_ASSESSED] = "not_assessed",
    [CONTROL_IMPLEMENTED] = "implemented",
    [CONTROL_AT_RISK] = "at_risk",
    [CONTROL_NOT_APPLICABLE] = "not_applicable",
};

const char *
control_status_name(enum control_status s)
{
    return (unsigned)s < CONTROL_STATUS_COUNT ? control_status_names[s] : "not_assessed";
}

int
control_status_parse(const char *s, enum control_status *out)
{
    for (int i = 0; s && i < CONTROL_STATUS_COUNT; i++) {
        if (strcmp(s, control_status_names[i]) == 0) {
            *out = (enum control_status)i;
            return 0;
        }
    }
    return -1;
}

enum control_status
control_status_derive(int64_t at_risk_findings, int64_t evidence_count,
                      const enum control_status *manual)
{
    if (manual && *manual == CONTROL_NOT_APPLICABLE)
        return CONTROL_NOT_APPLICABLE;
    if (at_risk_findings > 0)
        return CONTROL_AT_RISK;
    if (manual)
        return *manual;
    return evidence_count > 0 ? CONTROL_IMPLEMENTED : CONTROL_NOT_ASSESSED;
}

/* ---- parsing ---- */

/* Refuses members other than the NULL-terminated `known`. */
static int
only_members(json_t *obj, const char *const *known, const char *where, struct err *err)
{
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v)
    {
        bool ok = false;

        for (size_t i = 0; known[i]; i++)
            ok = ok || strcmp(k, known[i]) == 0;
        if (!ok)
            return err_internal(err, "controls catalog: %s has an unknown member \"%s\"", where, k);
    }
    return 0;
}

static const char *
member_text(json_t *obj, const char *key, const char *where, struct arena *a, struct err *err)
{
    const char *s = json_string_value(json_object_get(obj, key));

    if (!s || !*s) {
        err_internal(err, "controls catalog: %s needs a non-empty string \"%s\"", where, key);
        return NULL;
    }
    return arena_strdup(a, s);
}

static bool
is_cwe(const char *s)
{
    size_t n = strlen(s);

    if (n < 5 || n > 12 || strncmp(s, "CWE-", 4) != 0 || s[4] == '0')
        return false;
    return strspn(s + 4, "0123456789") == n - 4;
}

/* "API1:2023" .. "API10:2023" (API Security Top 10) or "A01:2021" .. "A10:2021" (Top 10). */
static bool
is_owasp(const char *s)
{
    unsigned n;
    char tail;

    if (sscanf(s, "API%u:2023%c", &n, &tail) == 1 && strncmp(s, "API0", 4) != 0)
        return n >= 1 && n <= 10 && strlen(s) == (n == 10 ? 10u : 9u);
    if (sscanf(s, "A%u:2021%c", &n, &tail) == 1)
        return n >= 1 && n <= 10 && strlen(s) == 8 && s[1] >= '0' && s[1] <= '1';
    return false;
}

static int
string_list(json_t *obj, const char *key, bool (*valid)(const char *), const char *where,
            const char ***out, size_t *n, struct arena *a, struct err *err)
{
    json_t *arr = json_object_get(obj, key), *v;
    size_t i;

    if (!json_is_array(arr))
        return err_internal(err, "controls catalog: %s needs an array \"%s\"", where, key);
    *n = json_array_size(arr);
    *out = arena_calloc(a, *n ? *n : 1, sizeof(**out));
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);

        if (!s || !valid(s))
            return err_internal(err, "controls catalog: %s.%s[%zu] is not a valid entry", where,
                                key, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp((*out)[j], s) == 0)
                return err_internal(err, "controls catalog: %s.%s lists \"%s\" twice", where, key,
                                    s);
        (*out)[i] = arena_strdup(a, s);
    }
    return 0;
}

static int
parse_frameworks(json_t *arr, struct controls_catalog *cat, struct err *err)
{
    static const char *const known[] = {"id", "name", "edition", NULL};
    json_t *v;
    size_t i;

    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return err_internal(err, "controls catalog: \"frameworks\" must be a non-empty array");
    cat->n_frameworks = json_array_size(arr);
    cat->frameworks = arena_calloc(cat->arena, cat->n_frameworks, sizeof(*cat->frameworks));
    json_array_foreach(arr, i, v)
    {
        struct control_framework *f = &cat->frameworks[i];
        char where[48];

        snprintf(where, sizeof(where), "frameworks[%zu]", i);
        if (!json_is_object(v))
            return err_internal(err, "controls catalog: %s is not an object", where);
        if (only_members(v, known, where, err) ||
            !(f->id = member_text(v, "id", where, cat->arena, err)) ||
            !(f->name = member_text(v, "name", where, cat->arena, err)) ||
            !(f->edition = member_text(v, "edition", where, cat->arena, err)))
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(cat->frameworks[j].id, f->id) == 0)
                return err_internal(err, "controls catalog: framework \"%s\" is listed twice",
                                    f->id);
    }
    return 0;
}

static int
parse_control(json_t *v, size_t i, struct controls_catalog *cat, struct err *err)
{
    static const char *const known[] = {"id",          "framework", "reference", "name",
                                        "description", "cwes",      "owasp",     NULL};
    struct control *c = &cat->controls[i];
    char where[96];

    snprintf(where, sizeof(where), "controls[%zu]", i);
    if (!json_is_object(v))
        return err_internal(err, "controls catalog: %s is not an object", where);
    if (!(c->id = member_text(v, "id", where, cat->arena, err)))
        return -1;
    snprintf(where, sizeof(where), "control \"%.64s\"", c->id);
    if (strlen(c->id) > 64 ||
        strspn(c->id, "abcdefghijklmnopqrstuvwxyz0123456789-.") != strlen(c->id))
        return err_internal(err, "controls catalog: %s: an id is 1..64 of [a-z0-9.-]", where);
    if (only_members(v, known, where, err) ||
        !(c->framework = member_text(v, "framework", where, cat->arena, err)) ||
        !(c->reference = member_text(v, "reference", where, cat->arena, err)) ||
        !(c->name = member_text(v, "name", where, cat->arena, err)) ||
        !(c->description = member_text(v, "description", where, cat->arena, err)) ||
        string_list(v, "cwes", is_cwe, where, &c->cwes, &c->n_cwes, cat->arena, err) ||
        string_list(v, "owasp", is_owasp, where, &c->owasp, &c->n_owasp, cat->arena, err))
        return -1;
    if (!controls_framework_find(cat, c->framework))
        return err_internal(err, "controls catalog: %s names the unknown framework \"%s\"", where,
                            c->framework);
    for (size_t j = 0; j < i; j++)
        if (strcmp(cat->controls[j].id, c->id) == 0)
            return err_internal(err, "controls catalog: %s is listed twice", where);
    return 0;
}

int
controls_catalog_parse(const char *text, size_t len, struct controls_catalog **out, struct err *err)
{
    static const char *const known[] = {"version", "frameworks", "controls", NULL};
    struct controls_catalog *cat;
    json_error_t jerr;
    json_t *doc, *arr, *v;
    size_t i;

    *out = NULL;
    doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return err_internal(err, "controls catalog: line %d: %s", jerr.line, jerr.text);
    cat = xcalloc(1, sizeof(*cat));
    cat->arena = arena_new();
    if (!json_is_object(doc)) {
        err_internal(err, "controls catalog: the document is not an object");
        goto fail;
    }
    arr = json_object_get(doc, "controls");
    if (only_members(doc, known, "the document", err) ||
        !(cat->version = member_text(doc, "version", "the document", cat->arena, err)) ||
        parse_frameworks(json_object_get(doc, "frameworks"), cat, err))
        goto fail;
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        err_internal(err, "controls catalog: \"controls\" must be a non-empty array");
        goto fail;
    }
    cat->n_controls = json_array_size(arr);
    cat->controls = arena_calloc(cat->arena, cat->n_controls, sizeof(*cat->controls));
    json_array_foreach(arr, i, v)
    {
        if (parse_control(v, i, cat, err))
            goto fail;
    }
    json_decref(doc);
    *out = cat;
    return 0;
fail:
    json_decref(doc);
    controls_catalog_free(cat);
    return -1;
}

void
controls_catalog_free(struct controls_catalog *cat)
{
    if (!cat)
        return;
    arena_free(cat->arena);
    free(cat);
}

/* ---- the built-in catalog ---- */

static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static struct controls_catalog *builtin;
static struct err builtin_err;

static void
builtin_parse(void)
{
    (void)controls_catalog_parse((const char *)embed_src_controls_catalog_json,
                                 embed_src_controls_catalog_json_len, &builtin, &builtin_err);
}

const struct controls_catalog *
controls_catalog(void)
{
    pthread_once(&builtin_once, builtin_parse);
    return builtin;
}

int
controls_catalog_load(struct err *err)
{
    if (controls_catalog())
        return 0;
    *err = builtin_err;
    return -1;
}

const struct control *
controls_find(const struct controls_catalog *cat, const char *id)
{
    for (size_t i = 0; cat && id && i < cat->n_controls; i++)
        if (strcmp(cat->controls[i].id, id) == 0)
            return &cat->controls[i];
    return NULL;
}

const struct control_framework *
controls_framework_find(const struct controls_catalog *cat, const char *id)
{
    for (size_t i = 0; cat && id && i < cat->n_frameworks; i++)
        if (strcmp(cat->frameworks[i].id, id) == 0)
            return &cat->frameworks[i];
    return NULL;
}

static bool
listed(const char *const *items, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(items[i], s) == 0)
            return true;
    return false;
}

/* The category a finding's owasp names: its leading [A-Za-z0-9:] run, upper-cased, so that
 * imported text such as "A03:2021-Injection" or "API1:2023 Broken Object Level Authorization"
 * matches the catalog's "A03:2021" and "API1:2023". */
static const char *
owasp_key(const char *owasp, char *key, size_t size)
{
    size_t n = 0;

    if (!owasp)
        return NULL;
    while (n + 1 < size && (isalnum((unsigned char)owasp[n]) || owasp[n] == ':')) {
        key[n] = (char)toupper((unsigned char)owasp[n]);
        n++;
    }
    key[n] = '\0';
    return key;
}

bool
control_covers(const struct control *c, const char *cwe, const char *owasp)
{
    char key[16];

    return listed(c->cwes, c->n_cwes, cwe) ||
           listed(c->owasp, c->n_owasp, owasp_key(owasp, key, sizeof(key)));
}
