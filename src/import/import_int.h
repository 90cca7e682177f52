/* SPDX-License-Identifier: MIT */
/* Internal to import/: the helpers every parser shares (emitting and rejecting findings,
 * errors that name a place, severity and CWE mapping, the hardened libxml2 reader and the
 * jansson loader) and the parser entry points import.c dispatches to. */
#ifndef VIGIL_IMPORT_INT_H
#define VIGIL_IMPORT_INT_H

#include <jansson.h>
#include <libxml/xmlreader.h>

#include "import/import.h"

/* Finishes f (truncates fields to the model's limits, normalises the CWE, drops a CVSS vector
 * the model would refuse, computes the fingerprint from the tool, rule and location, or from
 * the tool's own fingerprint) and hands it to the sink. A finding without a title is rejected
 * instead. Returns the sink's answer. */
int import_emit(struct import_run *run, struct finding *f, const struct import_origin *o,
                struct err *err);
void import_reject(struct import_run *run, const char *where, const char *field, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
/* IMPORT_MALFORMED with `where` as the error field and the detail. Returns -1. */
int import_malformed(struct err *err, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "critical", "high", "medium"/"moderate", "low", "info"/"informational"/"information"/
 * "none"/"unknown" (case-insensitive) into *out; -1 for anything else. */
int import_severity_word(const char *s, enum severity *out /* out */);
/* A CVSS base score's qualitative rating (0 info, <4 low, <7 medium, <9 high, else critical). */
enum severity import_severity_score(double score);
/* "CWE-79", "cwe-79", "79" or a text that starts with one of them -> "CWE-79"; else NULL. */
const char *import_cwe(struct arena *a, const char *s);

/* HTML fragment (ZAP, Burp descriptions) as plain text: tags dropped, paragraphs and line
 * breaks kept as newlines. Entities are left as written. */
const char *import_html_text(struct arena *a, const char *s);
/* The http(s) URLs in a text, in order (at most MODEL_REFERENCES_MAX). */
size_t import_urls(struct arena *a, const char *s, const char ***out /* out */);

/* ---- JSON ---- */

/* Loads a whole JSON document (jansson; the depth cap is jansson's). IMPORT_MALFORMED naming
 * the line and column. The caller decrefs. */
json_t *import_json_load(const char *data, size_t len, struct err *err);
/* Member `key` as a string (NULL when absent or not a string). */
const char *import_jstr(json_t *obj, const char *key);
/* Appends "/key" or "/index" to a JSON pointer (RFC 6901 escaping). */
const char *import_jptr(struct arena *a, const char *base, const char *key);
const char *import_jptr_index(struct arena *a, const char *base, size_t index);

/* ---- XML (xml.c) ---- */

/* A libxml2 streaming reader over memory with network access, DTD loading and validation,
 * entity substitution and huge mode off, and errors captured instead of printed. */
struct import_xml {
    xmlTextReaderPtr reader;
    char error[200]; /* the first error libxml2 reported */
    int error_line;
};
int import_xml_open(struct import_xml *x, const char *data, size_t len, struct err *err);
void import_xml_close(struct import_xml *x);
/* Advances to the next node: 1 read, 0 at the end, -1 with IMPORT_MALFORMED naming the line
 * (a parse error, or an entity reference, which is never expanded). */
int import_xml_next(struct import_xml *x, struct err *err);
/* Moves past the current node's subtree to its next sibling (or up); returns as above. */
int import_xml_skip(struct import_xml *x, struct err *err);
/* True when the reader is on the start of an element called `name`. */
bool import_xml_at(struct import_xml *x, const char *name);
/* Opens data and reads up to its root element, which must be `root`: IMPORT_MALFORMED
 * otherwise. On success the reader is on the root's start tag. */
int import_xml_open_root(struct import_xml *x, const char *data, size_t len, const char *root,
                         struct err *err);
/* The name of the root element (first element), or NULL with IMPORT_MALFORMED when the
 * document breaks before it (detect.c). */
const char *import_xml_root(const char *data, size_t len, struct arena *a, struct err *err);
/* The current element's subtree as a small tree (freed when the reader moves past it). NULL +
 * IMPORT_MALFORMED if it is broken. */
xmlNodePtr import_xml_expand(struct import_xml *x, struct err *err);
/* The first child element of n named `name` (NULL if none). */
xmlNodePtr import_xml_child(xmlNodePtr n, const char *name);
/* The text content of n (or of its child `name` when name is not NULL) copied into `a`, with
 * leading and trailing white space trimmed; NULL when absent or empty. */
const char *import_xml_text(xmlNodePtr n, const char *name, struct arena *a);
/* Attribute `name` of n copied into `a`, or NULL. */
const char *import_xml_attr(xmlNodePtr n, const char *name, struct arena *a);
/* Current element's name, depth and attribute from the reader (no copy: valid until the next
 * read). */
const char *import_xml_name(struct import_xml *x);
const char *import_xml_reader_attr(struct import_xml *x, const char *name, struct arena *a);

/* ---- parsers (one file each) ---- */
int import_sarif(const char *data, size_t len, struct import_run *run, struct err *err);
int import_zap_json(const char *data, size_t len, struct import_run *run, struct err *err);
int import_zap_xml(const char *data, size_t len, struct import_run *run, struct err *err);
int import_nuclei(const char *data, size_t len, struct import_run *run, struct err *err);
int import_burp(const char *data, size_t len, struct import_run *run, struct err *err);
int import_nessus(const char *data, size_t len, struct import_run *run, struct err *err);
int import_trivy(const char *data, size_t len, struct import_run *run, struct err *err);
int import_csv(const char *data, size_t len, struct import_run *run, struct err *err);

#endif
