/* SPDX-License-Identifier: MIT */
/* Unit tests for spec/load.c over the documents in tests/unit/spec/corpus/: operations,
 * merged parameters, bodies, security flags and servers for OpenAPI 3.0 (JSON), 3.1 (YAML with
 * anchors) and Swagger 2.0, plus every broken document with the error it must give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "spec/spec.h"

static char *
corpus_path(const char *name)
{
    const char *root = getenv("VIGIL_SOURCE_DIR");
    static char path[4096];

    snprintf(path, sizeof(path), "%s/tests/unit/spec/corpus/%s", root ? root : ".", name);
    return path;
}

static struct spec *
load_ok(const char *name)
{
    struct err err = {0};
    struct spec *spec = spec_load_file(corpus_path(name), &err);

    if (!spec)
        fail_msg("%s: %s", name, err.detail);
    return spec;
}

static void
load_fails(const char *name, enum err_code code, const char *detail_part)
{
    struct err err = {0};
    struct spec *spec = spec_load_file(corpus_path(name), &err);

    if (spec)
        fail_msg("%s loaded, expected an error", name);
    assert_int_equal(err.code, code);
    if (!strstr(err.detail, detail_part))
        fail_msg("%s: detail '%s' lacks '%s'", name, err.detail, detail_part);
}

static const struct spec_operation *
find_op(const struct spec *spec, const char *method, const char *path)
{
    for (size_t i = 0; i < spec->n_ops; i++) {
        if (!strcmp(spec->ops[i].method, method) && !strcmp(spec->ops[i].path, path))
            return &spec->ops[i];
    }
    fail_msg("no operation %s %s", method, path);
    return NULL;
}

static const struct spec_param *
find_param(const struct spec_operation *op, const char *name, enum spec_param_in in)
{
    for (size_t i = 0; i < op->n_params; i++) {
        if (!strcmp(op->params[i].name, name) && op->params[i].in == in)
            return &op->params[i];
    }
    fail_msg("%s %s has no parameter %s", op->method, op->path, name);
    return NULL;
}

static const char *
str_at(json_t *node, const char *key)
{
    return json_string_value(json_object_get(node, key));
}

static bool
has_warning(const struct spec *spec, const char *part)
{
    for (size_t i = 0; i < spec->n_warnings; i++) {
        if (strstr(spec->warnings[i], part))
            return true;
    }
    return false;
}

static void
petstore_json_gives_every_operation(void **state)
{
    struct spec *spec = load_ok("petstore-3.0.json");
    const struct spec_operation *op;
    const struct spec_param *p;

    (void)state;
    assert_int_equal(spec->major, 3);
    assert_string_equal(spec->version, "3.0.3");
    assert_string_equal(spec->title, "Petstore");
    assert_string_equal(spec->server_url, "https://eu.petstore.example.com:8443/v1/");
    assert_string_equal(spec->base_path, "/v1");
    assert_int_equal(spec->n_ops, 5);
    assert_non_null(json_object_get(spec->security_schemes, "bearer"));

    op = find_op(spec, "GET", "/pets");
    assert_string_equal(op->operation_id, "listPets");
    assert_string_equal(op->summary, "List all pets");
    assert_int_equal(op->n_params, 2);
    p = find_param(op, "limit", SPEC_IN_QUERY);
    assert_false(p->required);
    assert_int_equal(json_integer_value(json_object_get(p->schema, "maximum")), 100);
    assert_int_equal(json_integer_value(p->example), 20);
    assert_string_equal(str_at(p->object, "in"), "query");
    p = find_param(op, "X-Trace-Id", SPEC_IN_HEADER); /* from a $ref */
    assert_true(p->required);
    assert_string_equal(str_at(p->schema, "format"), "uuid");
    assert_null(op->body_content_type);
    assert_null(op->body_schema);
    assert_true(op->secured); /* the global requirement */
    /* The "default" response was a $ref. */
    assert_string_equal(str_at(json_object_get(op->responses, "default"), "description"), "Error");

    op = find_op(spec, "POST", "/pets");
    assert_string_equal(op->body_content_type, "application/json");
    assert_true(op->body_required);
    assert_string_equal(str_at(op->body_schema, "type"), "object");
    assert_non_null(json_object_get(json_object_get(op->body_schema, "properties"), "name"));
    /* The first of `examples`, itself a $ref; its "$ref" member is data. */
    assert_string_equal(str_at(op->body_example, "name"), "Rex");
    assert_string_equal(str_at(op->body_example, "$ref"), "literal");
    assert_non_null(json_object_get(op->links, "GetPet"));

    op = find_op(spec, "GET", "/pets/{petId}");
    assert_false(op->secured); /* security: [] */
    assert_int_equal(op->n_params, 2);
    assert_true(find_param(op, "petId", SPEC_IN_PATH)->required);
    find_param(op, "X-Tenant", SPEC_IN_HEADER);
    assert_non_null(json_object_get(op->links, "DeletePet"));
    assert_string_equal(str_at(op->operation, "operationId"), "showPetById");

    op = find_op(spec, "PUT", "/pets/{petId}");
    assert_true(op->secured);
    assert_int_equal(op->n_params, 3); /* petId replaced, X-Tenant kept, session added */
    p = find_param(op, "petId", SPEC_IN_PATH);
    assert_string_equal(str_at(p->schema, "type"), "integer");
    find_param(op, "session", SPEC_IN_COOKIE);
    assert_string_equal(op->body_content_type, "application/merge-patch+json");
    assert_false(op->body_required);
    assert_string_equal(str_at(op->body_example, "name"), "Rex");

    /* [{}, {bearer: []}]: anonymous access is one of the alternatives. */
    assert_false(find_op(spec, "DELETE", "/pets/{petId}")->secured);

    /* allOf members were resolved in the root too; the example's "$ref" stayed data. */
    json_t *schemas = json_object_get(json_object_get(spec->root, "components"), "schemas");
    json_t *all_of = json_object_get(json_object_get(schemas, "Pet"), "allOf");
    assert_string_equal(str_at(json_array_get(all_of, 0), "type"), "object");
    assert_string_equal(
        str_at(json_object_get(json_object_get(schemas, "NewPet"), "example"), "$ref"),
        "not a reference, an example");
    assert_int_equal(spec->n_warnings, 0);
    spec_free(spec);
}

static void
yaml_with_anchors_and_merge_keys_loads(void **state)
{
    struct spec *spec = load_ok("anchors-3.1.yaml");
    const struct spec_operation *op;

    (void)state;
    assert_string_equal(spec->version, "3.1.0");
    assert_string_equal(spec->server_url, "/api/v2/");
    assert_string_equal(spec->base_path, "/api/v2");
    assert_int_equal(spec->n_ops, 4);

    op = find_op(spec, "GET", "/items");
    assert_string_equal(op->operation_id, "listItems");
    assert_true(op->secured); /* merged from base-op */
    assert_int_equal(op->n_params, 2);
    assert_int_equal(json_integer_value(json_object_get(
                         find_param(op, "per_page", SPEC_IN_QUERY)->schema, "maximum")),
                     100);
    assert_non_null(json_object_get(op->responses, "401"));

    op = find_op(spec, "POST", "/items");
    assert_false(op->secured); /* its own security: [] beats the merged one */
    assert_true(op->body_required);
    assert_int_equal(
        json_integer_value(json_object_get(
            json_object_get(json_object_get(op->body_schema, "properties"), "size"), "maximum")),
        100);
    assert_int_equal(json_integer_value(json_object_get(op->body_example, "size")), 3);

    op = find_op(spec, "GET", "/items/{id}");
    assert_string_equal(op->operation_id, "getItem"); /* explicit key wins */
    assert_string_equal(op->summary, "Get one item"); /* from the second merged map */
    assert_int_equal(op->n_params, 1);
    assert_true(find_param(op, "id", SPEC_IN_PATH)->required);

    op = find_op(spec, "DELETE", "/items/{id}");
    assert_false(op->secured); /* no global security */
    assert_non_null(json_object_get(op->responses, "200"));
    spec_free(spec);
}

static void
swagger_body_form_data_and_base_path(void **state)
{
    struct spec *spec = load_ok("swagger-2.0.yaml");
    const struct spec_operation *op;
    const struct spec_param *p;
    json_t *props;

    (void)state;
    assert_int_equal(spec->major, 2);
    assert_string_equal(spec->version, "2.0");
    assert_string_equal(spec->title, "Legacy Store");
    assert_string_equal(spec->server_url, "https://store.example.com:8443/v1");
    assert_string_equal(spec->base_path, "/v1");
    assert_int_equal(spec->n_ops, 5);
    assert_non_null(json_object_get(spec->security_schemes, "api_key"));

    op = find_op(spec, "POST", "/orders");
    assert_true(op->secured);
    assert_int_equal(op->n_params, 1); /* the body is not a parameter */
    p = find_param(op, "dryRun", SPEC_IN_QUERY);
    assert_string_equal(str_at(p->schema, "type"), "boolean");
    assert_true(json_is_false(json_object_get(p->schema, "default")));
    assert_string_equal(op->body_content_type, "application/json");
    assert_true(op->body_required);
    props = json_object_get(op->body_schema, "properties");
    assert_string_equal(str_at(json_object_get(props, "id"), "format"), "int64");
    /* Order -> items -> LineItem -> order -> Order: cut where it closes. */
    json_t *line = json_object_get(json_object_get(props, "items"), "items");
    assert_string_equal(
        str_at(json_object_get(json_object_get(line, "properties"), "order"), "x-vigil-cycle"),
        "#/definitions/Order");

    op = find_op(spec, "GET", "/orders/{orderId}");
    assert_false(op->secured);
    assert_int_equal(op->n_params, 2);
    p = find_param(op, "orderId", SPEC_IN_PATH);
    assert_string_equal(str_at(p->schema, "type"), "integer");
    assert_int_equal(json_integer_value(json_object_get(p->schema, "minimum")), 1);
    p = find_param(op, "X-Request-Id", SPEC_IN_HEADER);
    assert_string_equal(json_string_value(p->example), "abc-123");
    assert_null(op->body_schema);

    assert_true(find_op(spec, "DELETE", "/orders/{orderId}")->secured);

    op = find_op(spec, "POST", "/upload");
    assert_string_equal(op->body_content_type, "multipart/form-data");
    assert_true(op->body_required);
    assert_string_equal(str_at(op->body_schema, "type"), "object");
    props = json_object_get(op->body_schema, "properties");
    assert_string_equal(str_at(json_object_get(props, "file"), "format"), "binary");
    assert_string_equal(str_at(json_object_get(props, "tags"), "type"), "array");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(op->body_schema, "required"), 0)), "note");

    op = find_op(spec, "POST", "/login");
    assert_string_equal(op->body_content_type, "application/x-www-form-urlencoded");
    assert_false(op->body_required);
    assert_int_equal(op->n_params, 0); /* a cookie and a nameless parameter were skipped */
    assert_true(has_warning(spec, "unknown location 'cookie'"));
    assert_true(has_warning(spec, "has no name"));
    spec_free(spec);
}

static void
refs_cycles_and_escapes_resolve(void **state)
{
    struct spec *spec = load_ok("refs.yaml");
    const struct spec_operation *op;
    json_t *schema;

    (void)state;
    assert_int_equal(spec->n_ops, 5);
    assert_string_equal(spec->base_path, "");
    assert_null(spec->server_url);

    /* A -> B -> A */
    op = find_op(spec, "GET", "/users/{id}");
    schema = json_object_get(json_object_get(json_object_get(op->responses, "200"), "content"),
                             "application/json");
    schema = json_object_get(schema, "schema");
    json_t *b = json_object_get(json_object_get(schema, "properties"), "b");
    assert_string_equal(str_at(json_object_get(json_object_get(b, "properties"), "name"), "type"),
                        "string");
    assert_string_equal(
        str_at(json_object_get(json_object_get(b, "properties"), "a"), "x-vigil-cycle"),
        "#/components/schemas/A");

    /* A parameter and a response reached through ~1 and %7B escapes. */
    op = find_op(spec, "GET", "/users/{id}/copy");
    assert_true(find_param(op, "id", SPEC_IN_PATH)->required);
    assert_string_equal(str_at(json_object_get(op->responses, "200"), "description"), "OK");

    /* Self reference, with a sibling description on the ref. */
    op = find_op(spec, "POST", "/tree");
    assert_string_equal(str_at(op->body_schema, "description"), "a tree root");
    json_t *items = json_object_get(
        json_object_get(json_object_get(op->body_schema, "properties"), "children"), "items");
    assert_string_equal(str_at(items, "x-vigil-cycle"), "#/components/schemas/Node");

    /* A ref to a ref, and a schema name with ~ and / escaped. */
    op = find_op(spec, "GET", "/chain");
    const struct spec_param *p = find_param(op, "tilde~name", SPEC_IN_QUERY);
    assert_int_equal(json_array_size(json_object_get(p->schema, "enum")), 2);

    /* External refs: the parameter is skipped, the schema left as written. */
    op = find_op(spec, "GET", "/remote");
    assert_int_equal(op->n_params, 1);
    assert_string_equal(str_at(find_param(op, "q", SPEC_IN_QUERY)->schema, "$ref"),
                        "https://schemas.example.com/q.json");
    assert_true(has_warning(spec, "'common.yaml#/parameters/Page' points to another document"));
    assert_true(has_warning(spec, "is an unresolved $ref"));
    spec_free(spec);
}

static void
server_variables_take_their_defaults(void **state)
{
    struct spec *spec = load_ok("server-vars.yaml");

    (void)state;
    assert_string_equal(spec->server_url, "https://api.example.com/v3/{unknown}/");
    assert_string_equal(spec->base_path, "/v3/{unknown}");
    assert_int_equal(spec->n_ops, 0);
    assert_true(has_warning(spec, "'{unknown}' has no default"));
    spec_free(spec);
}

static void
broken_documents_give_clear_errors(void **state)
{
    (void)state;
    load_fails("broken-invalid.json", ERR_VALIDATION_ERROR, "invalid JSON at line 2");
    load_fails("broken-invalid.yaml", ERR_VALIDATION_ERROR, "invalid YAML at line 4");
    load_fails("broken-not-openapi.yaml", ERR_VALIDATION_ERROR,
               "not an OpenAPI or Swagger document: missing 'openapi' or 'swagger' field");
    load_fails("broken-version.yaml", ERR_VALIDATION_ERROR, "unsupported OpenAPI version '4.0.0'");
    load_fails("broken-unresolvable-ref.yaml", ERR_VALIDATION_ERROR,
               "unresolvable $ref '#/components/schemas/Missing'");
    load_fails("broken-billion-laughs.yaml", ERR_VALIDATION_ERROR,
               "document too large after alias expansion");
    load_fails("broken-deep-nesting.yaml", ERR_VALIDATION_ERROR, "nested deeper than 256 levels");
    load_fails("broken-deep-nesting.json", ERR_VALIDATION_ERROR, "nested too deeply");
    load_fails("broken-paths-not-object.yaml", ERR_VALIDATION_ERROR, "'paths' must be an object");
    load_fails("does-not-exist.yaml", ERR_VALIDATION_ERROR, "cannot open spec file");
}

static void
buffers_detect_their_format(void **state)
{
    struct err err = {0};
    const char *json = "  \n{\"swagger\": \"2.0\", \"paths\": {\"/a\": {\"get\": {}}}}";
    const char *flow = "{openapi: 3.1.0, paths: {/a: {get: {}}}}";
    const char *big = "{\"openapi\": \"3.0.0\", \"x-n\": 18446744073709551616, \"paths\": {}}";
    const char *bom = "\xEF\xBB\xBFopenapi: '3.0.2'\npaths: {}\n";
    const char *number = "swagger: 2.0\npaths: {}\n";
    const char *relative = "openapi: 3.0.0\nservers: [{url: '/go?to=http://x/y'}]\npaths: {}\n";
    struct spec *spec;

    (void)state;
    spec = spec_load_buffer(json, strlen(json), "inline", &err);
    assert_non_null(spec);
    assert_int_equal(spec->n_ops, 1);
    spec_free(spec);
    /* Not JSON, but YAML reads it. */
    spec = spec_load_buffer(flow, strlen(flow), "inline", &err);
    assert_non_null(spec);
    assert_string_equal(spec->ops[0].method, "GET");
    spec_free(spec);
    spec = spec_load_buffer(big, strlen(big), "inline", &err);
    assert_non_null(spec);
    spec_free(spec);
    spec = spec_load_buffer(bom, strlen(bom), "inline", &err);
    assert_non_null(spec);
    assert_string_equal(spec->version, "3.0.2");
    spec_free(spec);
    spec = spec_load_buffer(number, strlen(number), "inline", &err);
    assert_non_null(spec);
    assert_string_equal(spec->version, "2.0");
    spec_free(spec);
    spec = spec_load_buffer(relative, strlen(relative), "inline", &err);
    assert_non_null(spec);
    assert_string_equal(spec->base_path, "/go");
    spec_free(spec);

    assert_null(spec_load_buffer("[1, 2]", 6, "inline", &err));
    assert_string_equal(err.detail,
                        "inline: not an OpenAPI or Swagger document: missing 'openapi' or "
                        "'swagger' field");
    err_clear(&err);
    assert_null(
        spec_load_buffer("{\"openapi\": \"3.0.0\", \"openapi\": \"3.1.0\"}", 40, "dup", &err));
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    err_clear(&err);
    assert_null(spec_load_buffer("", 0, "empty", &err));
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    err_clear(&err);
    assert_null(spec_load_buffer("x", SPEC_MAX_BYTES + 1u, "huge", &err));
    assert_int_equal(err.code, ERR_PAYLOAD_TOO_LARGE);
}

static void
malformed_shapes_are_skipped_with_warnings(void **state)
{
    struct err err = {0};
    const char *text = "openapi: 3.0.0\n"
                       "paths:\n"
                       "  x-ext: {get: {}}\n"
                       "  nopath: {get: {}}\n"
                       "  /str: just a string\n"
                       "  /ok:\n"
                       "    parameters: 5\n"
                       "    summary: not a method\n"
                       "    get: 7\n"
                       "    Post:\n"
                       "      parameters: [3, {in: query}, {name: n}, {name: m, in: body}]\n"
                       "      requestBody: {description: no content}\n"
                       "      security: yes\n"
                       "      responses: [1]\n"
                       "  /t/{a}/{b}/{a}:\n"
                       "    get: {parameters: [{name: b, in: path, schema: {type: integer}}]}\n"
                       "    put:\n"
                       "      parameters: [{name: b, in: path, schema: 7}, {name: c, in: query, "
                       "schema: true}]\n"
                       "      requestBody: {content: {text/plain: {schema: false}}}\n"
                       "security: [{k: []}]\n"
                       "servers: [{description: no url}]\n";
    struct spec *spec = spec_load_buffer(text, strlen(text), "shapes.yaml", &err);

    (void)state;
    assert_non_null(spec);
    assert_int_equal(spec->n_ops, 3);
    assert_string_equal(spec->ops[0].method, "POST");
    assert_int_equal(spec->ops[0].n_params, 0);
    assert_null(spec->ops[0].body_schema);
    assert_null(spec->ops[0].responses);
    assert_true(spec->ops[0].secured); /* the global one, as the own one is unusable */
    /* {a} was not declared (and appears twice), {b} was. */
    const struct spec_operation *op = find_op(spec, "GET", "/t/{a}/{b}/{a}");
    assert_int_equal(op->n_params, 2);
    assert_string_equal(str_at(find_param(op, "b", SPEC_IN_PATH)->schema, "type"), "integer");
    const struct spec_param *a = find_param(op, "a", SPEC_IN_PATH);
    assert_true(a->required);
    assert_null(a->object);
    assert_string_equal(str_at(a->schema, "type"), "string");
    assert_true(has_warning(spec, "path parameter 'a' is not declared"));
    op = find_op(spec, "PUT", "/t/{a}/{b}/{a}");
    assert_true(json_is_object(find_param(op, "b", SPEC_IN_PATH)->schema));
    assert_true(json_is_object(find_param(op, "c", SPEC_IN_QUERY)->schema));
    assert_true(json_is_object(op->body_schema));
    assert_true(has_warning(spec, "PUT /t/{a}/{b}/{a}: a schema is not an object"));
    assert_true(has_warning(spec, "path 'nopath' does not start with '/'"));
    assert_true(has_warning(spec, "path '/str' is not an object"));
    assert_true(has_warning(spec, "GET /ok: the operation is not an object"));
    assert_true(has_warning(spec, "'parameters' is not an array"));
    assert_true(has_warning(spec, "parameter 0 is not an object"));
    assert_true(has_warning(spec, "parameter 1 has no name"));
    assert_true(has_warning(spec, "parameter 2 has no 'in'"));
    assert_true(has_warning(spec, "unknown location 'body'"));
    assert_true(has_warning(spec, "requestBody has no content"));
    assert_true(has_warning(spec, "'security' is not an array"));
    assert_true(has_warning(spec, "servers[0] has no url"));
    spec_free(spec);
}

static void
oversized_and_binary_inputs_are_refused(void **state)
{
    struct err err = {0};
    char path[] = "/tmp/vigil-spec-test-XXXXXX";
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    /* A sparse file: one byte over the cap costs no disk. */
    assert_int_equal(ftruncate(fd, (off_t)SPEC_MAX_BYTES + 1), 0);
    close(fd);
    assert_null(spec_load_file(path, &err));
    unlink(path);
    assert_int_equal(err.code, ERR_PAYLOAD_TOO_LARGE);

    err_clear(&err);
    assert_null(spec_load_buffer("openapi: 3.0.0\n\0\n", 17, "nul", &err));
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    assert_non_null(strstr(err.detail, "nul: invalid YAML"));
}

static void
warnings_are_capped(void **state)
{
    struct err err = {0};
    json_t *paths = json_object(), *doc;
    struct spec *spec;
    char name[32];

    (void)state;
    for (int i = 0; i < 150; i++) {
        snprintf(name, sizeof(name), "bad%d", i);
        json_object_set_new(paths, name, json_object());
    }
    doc = json_pack("{s:s, s:o}", "openapi", "3.0.0", "paths", paths);
    spec = spec_load_json(doc, "many", &err);
    json_decref(doc);
    assert_non_null(spec);
    assert_int_equal(spec->n_warnings, 101);
    assert_string_equal(spec->warnings[100], "... and 50 more warnings");
    spec_free(spec);
}

static void
inline_json_documents_are_borrowed(void **state)
{
    struct err err = {0};
    json_t *doc =
        json_pack("{s:s, s:{s:{s:{s:{s:s}}}}, s:{s:{s:{s:s}}}}", "openapi", "3.1.0", "paths", "/a",
                  "get", "requestBody", "$ref", "#/c/b", "c", "b", "content", "text/plain", "x");
    struct spec *spec = spec_load_json(doc, NULL, &err);

    (void)state;
    assert_non_null(spec);
    assert_int_equal(doc->refcount, 1);
    assert_string_equal(spec->ops[0].body_content_type, "text/plain");
    /* The document's own $ref is untouched. */
    assert_non_null(json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(doc, "paths"), "/a"), "get"),
            "requestBody"),
        "$ref"));
    json_decref(doc);
    spec_free(spec);
    spec_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(petstore_json_gives_every_operation),
        cmocka_unit_test(yaml_with_anchors_and_merge_keys_loads),
        cmocka_unit_test(swagger_body_form_data_and_base_path),
        cmocka_unit_test(refs_cycles_and_escapes_resolve),
        cmocka_unit_test(server_variables_take_their_defaults),
        cmocka_unit_test(broken_documents_give_clear_errors),
        cmocka_unit_test(buffers_detect_their_format),
        cmocka_unit_test(malformed_shapes_are_skipped_with_warnings),
        cmocka_unit_test(oversized_and_binary_inputs_are_refused),
        cmocka_unit_test(warnings_are_capped),
        cmocka_unit_test(inline_json_documents_are_borrowed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
