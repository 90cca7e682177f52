/* SPDX-License-Identifier: MIT */
/* Turns an OpenAPI 3.0/3.1 or Swagger 2.0 document into struct spec: format detection, version
 * check, $ref resolution (resolve.c), then one spec_operation per path item method with its
 * merged parameters, request body, security flag, responses and links. Malformed pieces are
 * skipped with a warning so one bad operation does not hide the others; only a document that
 * is not a usable API description at all is an error. Everything handed out lives in the
 * spec's arena or in json values the arena releases. */
#include "spec/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "spec/spec_int.h"
#include "spec/url.h"

/* The spec handed out is the first member, so spec_free can find the arena. */
struct spec_impl {
    struct spec pub;
    struct arena *arena;
    json_t *owned; /* values built here (Swagger schemas, merged links): released with it */
    json_t *empty; /* the one {} schema shared by every parameter or body without one */
};

static const char *const METHODS[] = {"get",     "put",  "post",  "delete",
                                      "options", "head", "patch", "trace"};
static const char *const METHODS_UPPER[] = {"GET",     "PUT",  "POST",  "DELETE",
                                            "OPTIONS", "HEAD", "PATCH", "TRACE"};

/* ---------------------------------------------------------------------------------------- */
/* Small helpers */

void
spec_warn(struct spec_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    if (ctx->n_warnings >= SPEC_MAX_WARNINGS) {
        ctx->n_dropped++;
        return;
    }
    va_start(ap, fmt);
    ctx->warnings[ctx->n_warnings++] = arena_vprintf(ctx->arena, fmt, ap);
    va_end(ap);
}

static void
decref_cleanup(void *value)
{
    json_decref(value);
}

static const char *
get_string(const json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

/* Takes a value built here: it lives until the spec is freed. */
static json_t *
own(struct spec_impl *impl, json_t *value)
{
    json_array_append_new(impl->owned, value);
    return value;
}

/* ---------------------------------------------------------------------------------------- */
/* Version and servers */

static int
detect_version(struct spec *spec, json_t *doc, const char *origin, struct err *err)
{
    json_t *openapi = json_object_get(doc, "openapi");
    json_t *swagger = json_object_get(doc, "swagger");
    const char *v;

    if (!json_is_object(doc) || (!openapi && !swagger))
        return err_set(err, VALIDATION_ERROR,
                       "%s: not an OpenAPI or Swagger document: missing 'openapi' or 'swagger' "
                       "field",
                       origin);
    if (openapi) {
        /* An unquoted `openapi: 3.0` in YAML is a number: accept it as written. */
        if (json_is_real(openapi) &&
            (json_real_value(openapi) == 3.0 || json_real_value(openapi) == 3.1))
            v = json_real_value(openapi) == 3.0 ? "3.0" : "3.1";
        else
            v = json_string_value(openapi);
        if (!v || !(str_has_prefix(v, "3.0") || str_has_prefix(v, "3.1")) ||
            (v[3] != '\0' && v[3] != '.'))
            return err_set(err, VALIDATION_ERROR,
                           "%s: unsupported OpenAPI version '%.40s' (supported: 3.0.x, 3.1.x, "
                           "Swagger 2.0)",
                           origin, v ? v : "(not a string)");
        spec->major = 3;
    } else {
        if (json_is_real(swagger) && json_real_value(swagger) == 2.0)
            v = "2.0";
        else
            v = json_string_value(swagger);
        if (!str_eq(v, "2.0"))
            return err_set(err, VALIDATION_ERROR,
                           "%s: unsupported Swagger version '%.40s' (supported: 2.0)", origin,
                           v ? v : "(not a string)");
        spec->major = 2;
    }
    spec->version = v;
    return 0;
}

/* The base path a server URL (or a Swagger basePath) names: relative to the document's own URL
 * when it has one (OpenAPI 3: a relative server URL is relative to where the document is
 * served), else to the root. "" when it names none or does not parse. */
static const char *
server_path(struct spec_ctx *ctx, const char *url, bool relative_to_document)
{
    const char *path =
        spec_url_base_path(ctx->arena, relative_to_document ? ctx->origin : NULL, url);

    if (!path) {
        spec_warn(ctx, "server URL '%.80s' does not parse: no base path", url);
        return "";
    }
    return path;
}

/* servers[0].url with each {variable} replaced by its default. */
static void
servers_v3(struct spec *spec, struct spec_ctx *ctx, json_t *root)
{
    json_t *server = json_array_get(json_object_get(root, "servers"), 0);
    json_t *variables = json_object_get(server, "variables");
    const char *url = get_string(server, "url");
    struct buf b;

    if (!url) {
        if (server)
            spec_warn(ctx, "servers[0] has no url: no server URL");
        return;
    }
    buf_init(&b, 8192);
    for (const char *p = url; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;

        if (close) {
            char *name = arena_strndup(ctx->arena, p + 1, (size_t)(close - p - 1));
            const char *value = get_string(json_object_get(variables, name), "default");

            if (value) {
                buf_puts(&b, value);
            } else {
                spec_warn(ctx, "server variable '{%.60s}' has no default: kept as written", name);
                buf_append(&b, p, (size_t)(close - p + 1));
            }
            p = close + 1;
        } else {
            buf_putc(&b, *p++);
        }
    }
    if (b.overflow)
        spec_warn(ctx, "servers[0].url is too long: ignored");
    else
        spec->server_url = arena_strdup(ctx->arena, buf_str(&b));
    buf_cleanup(&b);
    if (spec->server_url)
        spec->base_path = server_path(ctx, spec->server_url, true);
}

/* Swagger 2.0: schemes[0]://host + basePath, or basePath alone without a host. */
static void
servers_v2(struct spec *spec, struct spec_ctx *ctx, json_t *root)
{
    const char *host = get_string(root, "host");
    const char *base = get_string(root, "basePath");
    const char *scheme = json_string_value(json_array_get(json_object_get(root, "schemes"), 0));

    spec->base_path = base ? server_path(ctx, base, false) : "";
    if (host && *host)
        spec->server_url =
            arena_printf(ctx->arena, "%s://%s%s", scheme ? scheme : "https", host, spec->base_path);
    else if (*spec->base_path)
        spec->server_url = spec->base_path;
}

/* ---------------------------------------------------------------------------------------- */
/* Parameters */

struct op_ctx {
    struct spec_impl *impl;
    struct spec_ctx *ctx;
    json_t *root;
    const char *method; /* upper case */
    const char *path;
};

static bool
param_in(const char *in, enum spec_param_in *out)
{
    static const char *const names[] = {"path", "query", "header", "cookie"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (str_eq(in, names[i])) {
            *out = (enum spec_param_in)i;
            return true;
        }
    }
    return false;
}

/* Path-item parameters first, then the operation's: an operation parameter replaces the one
 * with the same name and location. Unusable entries are skipped with a warning. */
static size_t
merge_params(struct op_ctx *oc, json_t *lists[2], json_t ***out)
{
    size_t cap = json_array_size(lists[0]) + json_array_size(lists[1]), n = 0;
    json_t **merged = arena_calloc(oc->ctx->arena, cap ? cap : 1, sizeof(*merged));
    json_t *index = json_object(); /* "in\nname" -> position in merged */
    struct buf key;

    buf_init(&key, BUF_UNLIMITED);
    for (int level = 0; level < 2; level++) {
        size_t i;
        json_t *p;

        if (lists[level] && !json_is_array(lists[level])) {
            spec_warn(oc->ctx, "%s %.80s: 'parameters' is not an array: ignored", oc->method,
                      oc->path);
            continue;
        }
        json_array_foreach(lists[level], i, p)
        {
            const char *name = get_string(p, "name"), *in = get_string(p, "in");
            json_t *seen;
            size_t k;

            if (!json_is_object(p) || !name || !in) {
                const char *ref = get_string(p, "$ref");

                spec_warn(oc->ctx, "%s %.80s: parameter %zu %s: skipped", oc->method, oc->path, i,
                          ref                  ? "is an unresolved $ref"
                          : !json_is_object(p) ? "is not an object"
                          : !name              ? "has no name"
                                               : "has no 'in'");
                continue;
            }
            buf_reset(&key);
            buf_printf(&key, "%s\n%s", in, name);
            seen = json_object_get(index, buf_str(&key));
            k = seen ? (size_t)json_integer_value(seen) : n++;
            if (!seen)
                json_object_set_new(index, buf_str(&key), json_integer((json_int_t)k));
            merged[k] = p;
        }
    }
    buf_cleanup(&key);
    json_decref(index);
    *out = merged;
    return n;
}

/* The first schema of a `content` map (a 3.x parameter may use content instead of schema). */
static json_t *
content_schema(json_t *content)
{
    const char *key;
    json_t *media;

    json_object_foreach(content, key, media)
    {
        return json_object_get(media, "schema");
    }
    return NULL;
}

/* The value of the first Example object of an `examples` map. */
static json_t *
first_example(json_t *examples)
{
    const char *key;
    json_t *example;

    json_object_foreach(examples, key, example)
    {
        json_t *value = json_object_get(example, "value");

        if (value)
            return value;
    }
    return NULL;
}

/* Swagger 2.0 keeps a non-body parameter's type on the parameter itself: move it into a
 * schema so callers see one shape. */
static json_t *
swagger_param_schema(struct spec_impl *impl, json_t *p)
{
    static const char *const keys[] = {
        "type",     "format",           "items",     "default",    "maximum", "exclusiveMaximum",
        "minimum",  "exclusiveMinimum", "maxLength", "minLength",  "pattern", "maxItems",
        "minItems", "uniqueItems",      "enum",      "multipleOf",
    };
    json_t *schema = own(impl, json_object());

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *value = json_object_get(p, keys[i]);

        if (value)
            json_object_set(schema, keys[i], value);
    }
    if (str_eq(get_string(p, "type"), "file")) {
        json_object_set_new(schema, "type", json_string("string"));
        json_object_set_new(schema, "format", json_string("binary"));
    }
    return schema;
}

/* Callers walk schemas as objects: a 3.1 boolean schema, or a malformed one, becomes {}. */
static json_t *
object_schema(struct op_ctx *oc, json_t *schema)
{
    if (json_is_object(schema))
        return schema;
    if (schema && !json_is_boolean(schema))
        spec_warn(oc->ctx, "%s %.80s: a schema is not an object: {} used", oc->method, oc->path);
    return oc->impl->empty;
}

static void
fill_param(struct op_ctx *oc, struct spec_param *out, json_t *p, enum spec_param_in in)
{
    json_t *schema;

    out->name = get_string(p, "name");
    out->in = in;
    out->object = p;
    /* A path parameter is always required, whatever the document says. */
    out->required = in == SPEC_IN_PATH || json_is_true(json_object_get(p, "required"));
    if (oc->impl->pub.major == 2) {
        schema = swagger_param_schema(oc->impl, p);
        out->example = json_object_get(p, "x-example");
    } else {
        schema = json_object_get(p, "schema");
        if (!schema)
            schema = content_schema(json_object_get(p, "content"));
        out->example = json_object_get(p, "example");
        if (!out->example)
            out->example = first_example(json_object_get(p, "examples"));
    }
    out->schema = object_schema(oc, schema);
}

/* ---------------------------------------------------------------------------------------- */
/* Bodies */

/* application/json if offered, else another JSON type, else the first one. */
static const char *
pick_media_type(const char *const *types, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (str_eq_ci(types[i], "application/json"))
            return types[i];
    }
    for (size_t i = 0; i < n; i++) {
        if (strstr(types[i], "json"))
            return types[i];
    }
    return n ? types[0] : NULL;
}

static void
body_v3(struct op_ctx *oc, struct spec_operation *op, json_t *operation)
{
    json_t *body = json_object_get(operation, "requestBody");
    json_t *content = json_object_get(body, "content");
    size_t n = json_object_size(content), i = 0;
    const char **types, *key, *chosen;
    json_t *media;

    if (!body)
        return;
    if (!json_is_object(content) || n == 0) {
        spec_warn(oc->ctx, "%s %.80s: requestBody has no content: ignored", oc->method, oc->path);
        return;
    }
    types = arena_calloc(oc->ctx->arena, n, sizeof(*types));
    json_object_foreach(content, key, media)
    {
        types[i++] = key;
    }
    chosen = pick_media_type(types, n);
    media = json_object_get(content, chosen);
    op->body_content_type = chosen;
    op->body_schema = json_object_get(media, "schema");
    if (op->body_schema)
        op->body_schema = object_schema(oc, op->body_schema);
    op->body_example = json_object_get(media, "example");
    if (!op->body_example)
        op->body_example = first_example(json_object_get(media, "examples"));
    op->body_required = json_is_true(json_object_get(body, "required"));
}

static const char *
swagger_content_type(struct op_ctx *oc, json_t *operation, bool form, bool has_file)
{
    json_t *consumes = json_object_get(operation, "consumes");
    size_t n, i;
    json_t *item;
    const char **types;

    if (!json_is_array(consumes))
        consumes = json_object_get(oc->root, "consumes");
    n = json_array_size(consumes);
    types = arena_calloc(oc->ctx->arena, n ? n : 1, sizeof(*types));
    size_t k = 0;
    json_array_foreach(consumes, i, item)
    {
        if (json_is_string(item))
            types[k++] = json_string_value(item);
    }
    if (!form)
        return k ? pick_media_type(types, k) : "application/json";
    for (i = 0; i < k; i++) {
        if (str_eq_ci(types[i],
                      has_file ? "multipart/form-data" : "application/x-www-form-urlencoded"))
            return types[i];
    }
    for (i = 0; i < k; i++) {
        if (str_has_prefix(types[i], "multipart/") ||
            str_eq_ci(types[i], "application/x-www-form-urlencoded"))
            return types[i];
    }
    return has_file ? "multipart/form-data" : "application/x-www-form-urlencoded";
}

/* Swagger 2.0: the `in: body` parameter is the body; else `in: formData` parameters become
 * the properties of an object schema. */
static void
body_v2(struct op_ctx *oc, struct spec_operation *op, json_t *operation, json_t *body,
        json_t **form, size_t n_form)
{
    if (body) {
        json_t *schema = json_object_get(body, "schema");

        if (n_form)
            spec_warn(oc->ctx, "%s %.80s: both body and formData parameters: formData ignored",
                      oc->method, oc->path);
        op->body_content_type = swagger_content_type(oc, operation, false, false);
        op->body_schema = object_schema(oc, schema);
        op->body_example = json_object_get(body, "x-example");
        op->body_required = json_is_true(json_object_get(body, "required"));
        return;
    }
    if (n_form) {
        json_t *schema = own(oc->impl, json_object());
        json_t *properties = json_object(), *required = json_array();
        bool has_file = false;

        for (size_t i = 0; i < n_form; i++) {
            const char *name = get_string(form[i], "name");

            has_file = has_file || str_eq(get_string(form[i], "type"), "file");
            json_object_set(properties, name, swagger_param_schema(oc->impl, form[i]));
            if (json_is_true(json_object_get(form[i], "required"))) {
                json_array_append_new(required, json_string(name));
                op->body_required = true;
            }
        }
        json_object_set_new(schema, "type", json_string("object"));
        json_object_set_new(schema, "properties", properties);
        if (json_array_size(required))
            json_object_set_new(schema, "required", required);
        else
            json_decref(required);
        op->body_content_type = swagger_content_type(oc, operation, true, has_file);
        op->body_schema = schema;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Operations */

/* An effective requirement is non-empty when it lists at least one alternative and none of
 * them is the empty object (which means "anonymous access is allowed"). */
static bool
is_secured(json_t *requirements)
{
    size_t i;
    json_t *alternative;

    if (json_array_size(requirements) == 0)
        return false;
    json_array_foreach(requirements, i, alternative)
    {
        if (json_is_object(alternative) && json_object_size(alternative) == 0)
            return false;
    }
    return true;
}

static json_t *
merged_links(struct spec_impl *impl, json_t *responses)
{
    json_t *links = NULL, *response, *link;
    const char *status, *name;

    json_object_foreach(responses, status, response)
    {
        json_object_foreach(json_object_get(response, "links"), name, link)
        {
            if (!links)
                links = own(impl, json_object());
            if (!json_object_get(links, name))
                json_object_set(links, name, link);
        }
    }
    return links;
}

static size_t
count_char(const char *s, char c)
{
    size_t n = 0;

    for (; *s; s++)
        n += *s == c;
    return n;
}

/* A `{name}` in the path template without a declared path parameter gets one (a required
 * string), so a caller filling the template never sends the braces. */
static void
add_template_params(struct op_ctx *oc, struct spec_operation *op)
{
    json_t *declared = json_object();

    for (size_t i = 0; i < op->n_params; i++) {
        if (op->params[i].in == SPEC_IN_PATH)
            json_object_set_new(declared, op->params[i].name, json_true());
    }
    for (const char *p = strchr(oc->path, '{'); p; p = strchr(p + 1, '{')) {
        const char *close = strchr(p, '}');
        const char *name;
        struct spec_param *param;

        if (!close)
            break;
        name = arena_strndup(oc->ctx->arena, p + 1, (size_t)(close - p - 1));
        if (json_object_get(declared, name))
            continue;
        json_object_set_new(declared, name, json_true());
        spec_warn(oc->ctx, "%s %.80s: path parameter '%.60s' is not declared: added as a string",
                  oc->method, oc->path, name);
        param = &op->params[op->n_params++];
        param->name = name;
        param->in = SPEC_IN_PATH;
        param->required = true;
        param->schema = own(oc->impl, json_pack("{s:s}", "type", "string"));
    }
    json_decref(declared);
}

static void
build_operation(struct op_ctx *oc, struct spec_operation *op, json_t *item, json_t *operation)
{
    json_t *lists[2] = {json_object_get(item, "parameters"),
                        json_object_get(operation, "parameters")};
    json_t **merged, *body = NULL, **form, *security;
    size_t n = merge_params(oc, lists, &merged), n_form = 0;

    op->method = oc->method;
    op->path = oc->path;
    op->operation_id = get_string(operation, "operationId");
    op->summary = get_string(operation, "summary");
    op->operation = operation;
    /* Room for path-template variables nobody declared. */
    op->params =
        arena_calloc(oc->ctx->arena, n + count_char(oc->path, '{') + 1, sizeof(*op->params));
    form = arena_calloc(oc->ctx->arena, n ? n : 1, sizeof(*form));

    for (size_t i = 0; i < n; i++) {
        const char *in = get_string(merged[i], "in");
        enum spec_param_in where;

        if (oc->impl->pub.major == 2 && str_eq(in, "body"))
            body = merged[i];
        else if (oc->impl->pub.major == 2 && str_eq(in, "formData"))
            form[n_form++] = merged[i];
        else if (param_in(in, &where) && !(oc->impl->pub.major == 2 && where == SPEC_IN_COOKIE))
            fill_param(oc, &op->params[op->n_params++], merged[i], where);
        else
            spec_warn(oc->ctx, "%s %.80s: parameter '%.60s' has unknown location '%.20s': skipped",
                      oc->method, oc->path, get_string(merged[i], "name"), in);
    }
    add_template_params(oc, op);
    if (oc->impl->pub.major == 2)
        body_v2(oc, op, operation, body, form, n_form);
    else
        body_v3(oc, op, operation);

    security = json_object_get(operation, "security");
    if (security && !json_is_array(security)) {
        spec_warn(oc->ctx, "%s %.80s: 'security' is not an array: the global one applies",
                  oc->method, oc->path);
        security = NULL;
    }
    op->secured = is_secured(security ? security : json_object_get(oc->root, "security"));

    op->responses = json_object_get(operation, "responses");
    if (!json_is_object(op->responses))
        op->responses = NULL;
    op->links = merged_links(oc->impl, op->responses);
}

static int
method_index(const char *key)
{
    for (size_t i = 0; i < sizeof(METHODS) / sizeof(METHODS[0]); i++) {
        if (str_eq_ci(key, METHODS[i]))
            return (int)i;
    }
    return -1;
}

static int
build_operations(struct spec_impl *impl, struct spec_ctx *ctx, json_t *root, struct err *err)
{
    json_t *paths = json_object_get(root, "paths"), *item, *operation;
    const char *path, *key;
    size_t cap = 0;

    if (!paths) {
        spec_warn(ctx, "the document has no 'paths': no operations");
        return 0;
    }
    if (!json_is_object(paths))
        return err_set(err, VALIDATION_ERROR, "%s: 'paths' must be an object", ctx->origin);
    json_object_foreach(paths, path, item)
    {
        json_object_foreach(item, key, operation)
        {
            cap += method_index(key) >= 0;
        }
    }
    impl->pub.ops = arena_calloc(ctx->arena, cap ? cap : 1, sizeof(*impl->pub.ops));

    json_object_foreach(paths, path, item)
    {
        if (str_has_prefix(path, "x-"))
            continue;
        if (path[0] != '/') {
            spec_warn(ctx, "path '%.80s' does not start with '/': skipped", path);
            continue;
        }
        if (!json_is_object(item) || get_string(item, "$ref")) {
            spec_warn(ctx, "path '%.80s' %s: skipped", path,
                      json_is_object(item) ? "is an unresolved $ref" : "is not an object");
            continue;
        }
        json_object_foreach(item, key, operation)
        {
            int m = method_index(key);
            struct op_ctx oc = {impl, ctx, root, NULL, path};

            if (m < 0)
                continue;
            oc.method = METHODS_UPPER[m];
            if (!json_is_object(operation)) {
                spec_warn(ctx, "%s %.80s: the operation is not an object: skipped", oc.method,
                          path);
                continue;
            }
            build_operation(&oc, &impl->pub.ops[impl->pub.n_ops++], item, operation);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Entry points */

void
spec_free(struct spec *spec)
{
    if (spec)
        arena_free(((struct spec_impl *)spec)->arena);
}

struct spec *
spec_load_json(json_t *doc, const char *origin, struct err *err)
{
    struct arena *arena = arena_new();
    struct spec_impl *impl = arena_calloc(arena, 1, sizeof(*impl));
    struct spec *spec = &impl->pub;
    struct spec_ctx ctx = {.arena = arena};
    json_t *root, *schemes;

    ctx.origin = arena_strdup(arena, origin ? origin : "spec");
    ctx.warnings = arena_calloc(arena, SPEC_MAX_WARNINGS + 1, sizeof(*ctx.warnings));
    impl->arena = arena;
    impl->owned = json_array();
    impl->empty = own(impl, json_object());
    arena_defer(arena, decref_cleanup, impl->owned);

    if (detect_version(spec, doc, ctx.origin, err))
        goto fail;
    spec->version = arena_strdup(arena, spec->version);
    root = spec_resolve(doc, &ctx, err);
    if (!root)
        goto fail;
    arena_defer(arena, decref_cleanup, root);
    spec->root = root;

    spec->title = get_string(json_object_get(root, "info"), "title");
    spec->base_path = "";
    if (spec->major == 3) {
        servers_v3(spec, &ctx, root);
        schemes = json_object_get(json_object_get(root, "components"), "securitySchemes");
    } else {
        servers_v2(spec, &ctx, root);
        schemes = json_object_get(root, "securityDefinitions");
    }
    spec->security_schemes = json_is_object(schemes) ? schemes : NULL;
    if (build_operations(impl, &ctx, root, err))
        goto fail;

    if (ctx.n_dropped)
        ctx.warnings[ctx.n_warnings++] =
            arena_printf(arena, "... and %zu more warnings", ctx.n_dropped);
    spec->warnings = ctx.warnings;
    spec->n_warnings = ctx.n_warnings;
    return spec;
fail:
    arena_free(arena);
    return NULL;
}

static bool
looks_like_json(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')
            continue;
        return data[i] == '{';
    }
    return false;
}

struct spec *
spec_load_buffer(const char *data, size_t len, const char *origin, struct err *err)
{
    struct spec *spec;
    json_t *doc = NULL;

    if (!origin)
        origin = "spec";
    if (!data)
        data = "";
    if (len > SPEC_MAX_BYTES) {
        err_set(err, PAYLOAD_TOO_LARGE, "%s: the document is larger than %u bytes", origin,
                SPEC_MAX_BYTES);
        return NULL;
    }
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
        data += 3;
        len -= 3;
    }
    if (looks_like_json(data, len)) {
        json_error_t jerr;
        struct err yaml_err = {0};

        doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
        /* YAML is a superset of JSON in practice (numbers too big for jansson, flow mappings
         * with unquoted keys): if it reads the text, take that; else report the JSON error. */
        if (!doc)
            doc = spec_yaml_parse(data, len, origin, &yaml_err);
        if (!doc) {
            err_set(err, VALIDATION_ERROR, "%s: invalid JSON at line %d, column %d: %s", origin,
                    jerr.line, jerr.column, jerr.text);
            return NULL;
        }
    } else {
        doc = spec_yaml_parse(data, len, origin, err);
        if (!doc)
            return NULL;
    }
    spec = spec_load_json(doc, origin, err);
    json_decref(doc);
    return spec;
}

struct spec *
spec_load_file(const char *path, struct err *err)
{
    struct buf b;
    char chunk[65536];
    struct spec *spec = NULL;
    ssize_t got;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        err_set(err, VALIDATION_ERROR, "cannot open spec file '%.160s': %s", path, strerror(errno));
        return NULL;
    }
    buf_init(&b, SPEC_MAX_BYTES);
    while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            err_set(err, VALIDATION_ERROR, "cannot read spec file '%.160s': %s", path,
                    strerror(errno));
            goto out;
        }
        if (buf_append(&b, chunk, (size_t)got)) {
            err_set(err, PAYLOAD_TOO_LARGE, "spec file '%.160s' is larger than %u bytes", path,
                    SPEC_MAX_BYTES);
            goto out;
        }
    }
    spec = spec_load_buffer(b.data ? b.data : "", b.len, path, err);
out:
    close(fd);
    buf_cleanup(&b);
    return spec;
}
