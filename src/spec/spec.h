/* SPDX-License-Identifier: MIT */
/* OpenAPI 3.0 / 3.1 and Swagger 2.0 loader. A document (JSON or YAML, from memory or a file)
 * becomes one list of operations with their parameters and request body schemas, local $refs
 * resolved (a reference cycle is cut and marked, never followed forever). Nothing here touches
 * the network: fetching a document from a URL is the caller's job. The loaded spec owns every
 * string and json_t it hands out; they live until spec_free. */
#ifndef VIGIL_SPEC_H
#define VIGIL_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

enum spec_param_in { SPEC_IN_PATH, SPEC_IN_QUERY, SPEC_IN_HEADER, SPEC_IN_COOKIE };

struct spec_param {
    const char *name;
    enum spec_param_in in;
    bool required;
    json_t *schema;  /* resolved JSON Schema (borrowed), never NULL: {} when absent */
    json_t *example; /* parameter-level example or NULL (borrowed) */
    json_t *object;  /* added: the resolved parameter object itself, for style, explode,
                      * deprecated, collectionFormat... (borrowed); NULL for a path
                      * parameter the template names but the document does not declare */
};

struct spec_operation {
    const char *method;        /* upper case: "GET" */
    const char *path;          /* template as written: "/users/{id}" */
    const char *operation_id;  /* may be NULL */
    const char *summary;       /* may be NULL */
    struct spec_param *params; /* path-item and operation parameters merged */
    size_t n_params;
    const char *body_content_type; /* "application/json", or NULL if no body */
    json_t *body_schema;           /* resolved, or NULL */
    json_t *body_example;          /* media-type example, or NULL */
    bool body_required;
    bool secured;      /* an effective security requirement is non-empty */
    json_t *responses; /* resolved responses object (status -> response), or NULL */
    json_t *links;     /* merged OpenAPI links of its responses, or NULL */
    json_t *operation; /* the resolved operation object itself */
};

struct spec {
    int major;              /* 2 (Swagger) or 3 (OpenAPI) */
    const char *version;    /* "3.1.0", "2.0" */
    const char *title;      /* info.title or NULL */
    const char *server_url; /* servers[0].url or scheme://host+basePath, may be NULL */
    const char *base_path;  /* path part of server_url, "" when none */
    struct spec_operation *ops;
    size_t n_ops;
    /* The whole document, $refs resolved. Each resolved target is shared between its uses:
     * root is a read-only DAG, walk it with a depth or node budget. A cycle ends in an
     * {"x-vigil-cycle": "#/..."} object. */
    json_t *root;
    json_t *security_schemes; /* components.securitySchemes / securityDefinitions, or NULL */
    /* Added: what the loader skipped or did not follow (malformed parameters, external $refs,
     * cut $ref chains...), one sentence each, in document order. */
    const char **warnings;
    size_t n_warnings;
};

/* Parses a document from memory. The format is detected (JSON if it parses as JSON, else YAML).
 * `origin` names it in error messages. Raises VALIDATION_ERROR with a clear detail for a
 * document that is not JSON/YAML, is not OpenAPI/Swagger, or is malformed. */
struct spec *spec_load_buffer(const char *data, size_t len, const char *origin, struct err *err);
/* Reads a file (capped at SPEC_MAX_BYTES) and parses it as above. */
struct spec *spec_load_file(const char *path, struct err *err);
/* Added: loads an already parsed document (an inline `spec` in an API request). `doc` is
 * borrowed: the spec keeps its own resolved copy. Raises as spec_load_buffer. */
struct spec *spec_load_json(json_t *doc, const char *origin, struct err *err);
void spec_free(struct spec *spec); /* accepts NULL */

#define SPEC_MAX_BYTES (32u * 1024 * 1024)

/* Converts a YAML document (one document; anchors and aliases expanded) to a jansson value.
 * Returns a new reference, or NULL with VALIDATION_ERROR. */
json_t *yaml_to_json(const char *data, size_t len, struct err *err);

#endif
