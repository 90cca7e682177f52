/* SPDX-License-Identifier: MIT */
/* The route table, expanded from routes.def. */
#include "api/api_int.h"

#include "model/scope.h"

static const struct route api_route_table[] = {
#define ROUTE(method, pattern, handler, scope, body, flags)                                        \
    {method, pattern, handler, scope, body, flags},
#include "api/routes.def"
#undef ROUTE
};

const struct route *
api_routes(size_t *n)
{
    *n = sizeof(api_route_table) / sizeof(api_route_table[0]);
    return api_route_table;
}
