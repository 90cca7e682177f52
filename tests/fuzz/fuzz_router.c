/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the router (http/router.c): the first byte picks the method, the rest
 * is the raw request path. Matching must never crash, read out of bounds or hand out a
 * parameter that is not a NUL-free string. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "http/http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_handler(struct req *req, struct err *err)
{
    (void)req;
    (void)err;
    return 0;
}

static const struct route fuzz_routes[] = {
    {HTTP_GET, "/", fuzz_handler, 0, 0, 0},
    {HTTP_GET, "/health", fuzz_handler, 0, 0, 0},
    {HTTP_GET, "/api/v1/findings", fuzz_handler, 0, 0, 0},
    {HTTP_POST, "/api/v1/findings", fuzz_handler, 0, HTTP_BODY_DEFAULT, 0},
    {HTTP_GET, "/api/v1/findings/{id}", fuzz_handler, 0, 0, 0},
    {HTTP_PATCH, "/api/v1/findings/{id}", fuzz_handler, 0, HTTP_BODY_DEFAULT, 0},
    {HTTP_GET, "/api/v1/findings/export", fuzz_handler, 0, 0, 0},
    {HTTP_GET, "/api/v1/projects/{project}/findings/{id}", fuzz_handler, 0, 0, 0},
    {HTTP_GET, "/api/v1/scans/{id}/report", fuzz_handler, 0, 0, 0},
    {HTTP_DELETE, "/api/v1/scans/{id}", fuzz_handler, 0, 0, 0},
    {HTTP_GET, "/api/v1/a/{b}/c/{d}/e/{f}/g/{h}", fuzz_handler, 0, 0, 0},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct router *router;
    struct router_match match;
    struct arena *arena;
    enum router_result result;
    size_t i;

    if (!router) {
        router = router_new(fuzz_routes, sizeof(fuzz_routes) / sizeof(fuzz_routes[0]), NULL);
        if (!router)
            abort();
    }
    if (size == 0)
        return 0;
    arena = arena_new();
    result = router_match(router, (enum http_method)(data[0] % (HTTP_METHOD_COUNT + 1)),
                          (const char *)data + 1, size - 1, arena, &match);
    if (result == ROUTER_MATCH) {
        if (!match.route || match.n_params > HTTP_PARAMS_MAX)
            abort();
        for (i = 0; i < match.n_params; i++) {
            /* A value can be no longer than the path it came from. */
            if (!match.params[i].name || !match.params[i].value ||
                strlen(match.params[i].value) >= size)
                abort();
        }
    }
    if (result != ROUTER_NOT_FOUND && router_allow_header(match.allowed, arena)[0] == '\0')
        abort();
    arena_free(arena);
    return 0;
}
