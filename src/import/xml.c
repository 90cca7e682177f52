/* SPDX-License-Identifier: MIT */
/* The one way import/ reads XML: libxml2's streaming reader over memory. Options: NONET (no
 * network), no DTD loading or validation, no entity substitution (NOENT is off, so an entity
 * reference stays a reference, and we refuse it), no HUGE (libxml2's depth and size caps stay
 * on). An external entity loader that refuses everything backs this up process-wide, so not
 * even a default attribute or an XInclude could make libxml2 open a file or a URL. */
#include "import/import_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "core/arena.h"

#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)

static xmlParserInputPtr
refuse_entity(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static void
quiet_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void
xml_init(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(refuse_entity);
    xmlThrDefSetGenericErrorFunc(NULL, quiet_generic);
    xmlSetGenericErrorFunc(NULL, quiet_generic);
}

static void
on_error(void *arg, xmlErrorPtr e)
{
    struct import_xml *x = arg;

    if (x->error[0] || !e)
        return;
    x->error_line = e->line;
    snprintf(x->error, sizeof(x->error), "%s", e->message ? e->message : "parse error");
    /* libxml2's messages end with a newline. */
    for (size_t n = strlen(x->error); n > 0 && (x->error[n - 1] == '\n' || x->error[n - 1] == ' ');
         n--)
        x->error[n - 1] = '\0';
}

int
import_xml_open(struct import_xml *x, const char *data, size_t len, struct err *err)
{
    pthread_once(&xml_once, xml_init);
    memset(x, 0, sizeof(*x));
    if (len > (size_t)INT32_MAX)
        return err_set(err, PAYLOAD_TOO_LARGE, "The file is too large.");
    x->reader = xmlReaderForMemory(data, (int)len, NULL, "UTF-8", XML_OPTIONS);
    if (!x->reader)
        return import_malformed(err, "line 1", "the XML reader could not start");
    xmlTextReaderSetStructuredErrorHandler(x->reader, on_error, x);
    return 0;
}

void
import_xml_close(struct import_xml *x)
{
    if (x->reader)
        xmlFreeTextReader(x->reader);
    x->reader = NULL;
}

static int
xml_failed(struct import_xml *x, struct err *err)
{
    char where[32];
    int line = x->error_line > 0 ? x->error_line : xmlTextReaderGetParserLineNumber(x->reader);

    snprintf(where, sizeof(where), "line %d", line > 0 ? line : 1);
    return import_malformed(err, where, "%s", x->error[0] ? x->error : "XML parse error");
}

int
import_xml_next(struct import_xml *x, struct err *err)
{
    int rc = xmlTextReaderRead(x->reader);

    if (rc < 0 || x->error[0])
        return xml_failed(x, err);
    if (rc == 1 && xmlTextReaderNodeType(x->reader) == XML_READER_TYPE_ENTITY_REFERENCE) {
        char where[32];

        snprintf(where, sizeof(where), "line %d", xmlTextReaderGetParserLineNumber(x->reader));
        return import_malformed(err, where, "entity references are not expanded: &%s;",
                                (const char *)xmlTextReaderConstName(x->reader));
    }
    return rc;
}

int
import_xml_skip(struct import_xml *x, struct err *err)
{
    int rc = xmlTextReaderNext(x->reader);

    if (rc < 0 || x->error[0])
        return xml_failed(x, err);
    if (rc == 1 && xmlTextReaderNodeType(x->reader) == XML_READER_TYPE_ENTITY_REFERENCE) {
        char where[32];

        snprintf(where, sizeof(where), "line %d", xmlTextReaderGetParserLineNumber(x->reader));
        return import_malformed(err, where, "entity references are not expanded: &%s;",
                                (const char *)xmlTextReaderConstName(x->reader));
    }
    return rc;
}

bool
import_xml_at(struct import_xml *x, const char *name)
{
    return xmlTextReaderNodeType(x->reader) == XML_READER_TYPE_ELEMENT &&
           strcmp(import_xml_name(x), name) == 0;
}

/* Entity references inside an expanded subtree are refused like those the reader meets. */
static int
tree_check(xmlNodePtr n, struct err *err)
{
    for (; n; n = n->next) {
        if (n->type == XML_ENTITY_REF_NODE) {
            char where[32];

            snprintf(where, sizeof(where), "line %ld", xmlGetLineNo(n));
            return import_malformed(err, where, "entity references are not expanded: &%s;",
                                    (const char *)n->name);
        }
        if (n->children && n->type == XML_ELEMENT_NODE && tree_check(n->children, err))
            return -1;
    }
    return 0;
}

xmlNodePtr
import_xml_expand(struct import_xml *x, struct err *err)
{
    xmlNodePtr n = xmlTextReaderExpand(x->reader);

    if (!n || x->error[0]) {
        xml_failed(x, err);
        return NULL;
    }
    if (n->children && tree_check(n->children, err))
        return NULL;
    return n;
}

xmlNodePtr
import_xml_child(xmlNodePtr n, const char *name)
{
    if (!n)
        return NULL;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    }
    return NULL;
}

static const char *
trimmed(const char *s, struct arena *a)
{
    size_t n;

    if (!s)
        return NULL;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return n ? arena_strndup(a, s, n) : NULL;
}

const char *
import_xml_text(xmlNodePtr n, const char *name, struct arena *a)
{
    xmlChar *content;
    const char *out;

    if (name)
        n = import_xml_child(n, name);
    if (!n)
        return NULL;
    content = xmlNodeGetContent(n);
    out = trimmed((const char *)content, a);
    xmlFree(content);
    return out;
}

const char *
import_xml_attr(xmlNodePtr n, const char *name, struct arena *a)
{
    xmlChar *v;
    const char *out;

    if (!n)
        return NULL;
    v = xmlGetProp(n, (const xmlChar *)name);
    out = v ? arena_strdup(a, (const char *)v) : NULL;
    xmlFree(v);
    return out;
}

const char *
import_xml_name(struct import_xml *x)
{
    return (const char *)xmlTextReaderConstLocalName(x->reader);
}

const char *
import_xml_reader_attr(struct import_xml *x, const char *name, struct arena *a)
{
    xmlChar *v = xmlTextReaderGetAttribute(x->reader, (const xmlChar *)name);
    const char *out = v ? arena_strdup(a, (const char *)v) : NULL;

    xmlFree(v);
    return out;
}

const char *
import_xml_root(const char *data, size_t len, struct arena *a, struct err *err)
{
    struct import_xml x;
    const char *name = NULL;
    int rc;

    if (import_xml_open(&x, data, len, err))
        return NULL;
    while ((rc = import_xml_next(&x, err)) == 1) {
        if (xmlTextReaderNodeType(x.reader) == XML_READER_TYPE_ELEMENT) {
            name = arena_strdup(a, import_xml_name(&x));
            break;
        }
    }
    if (rc == 0)
        import_malformed(err, "line 1", "the document has no root element");
    import_xml_close(&x);
    return name;
}

int
import_xml_open_root(struct import_xml *x, const char *data, size_t len, const char *root,
                     struct err *err)
{
    int rc;

    if (import_xml_open(x, data, len, err))
        return -1;
    while ((rc = import_xml_next(x, err)) == 1) {
        if (xmlTextReaderNodeType(x->reader) == XML_READER_TYPE_ELEMENT) {
            if (strcmp(import_xml_name(x), root) == 0)
                return 0;
            import_malformed(err, "line 1", "the root element is <%.40s>, not <%s>",
                             import_xml_name(x), root);
            rc = -1;
            break;
        }
    }
    if (rc == 0)
        import_malformed(err, "line 1", "the document has no root element");
    import_xml_close(x);
    return -1;
}
