/* SPDX-License-Identifier: MIT */
/* Small helpers every handler shares: one wording for a missing id, id shape checks. */
#include "api/api_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "core/id.h"

int
api_not_found(struct err *err, const char *what, const char *id)
{
    (void)id;
    /* The id is deliberately not echoed: it may be hostile text (../../etc/passwd) and the
     * answer must be byte-for-byte the same for a foreign id and a missing one. */
    return err_set(err, NOT_FOUND, "No %s with this id exists.", what);
}

/* A GET of one resource (the route ends in /{id}) takes no query parameter, except ?format=
 * on a report: anything else is refused as on lists, not ignored. */
static int
refuse_unknown_query(struct req *req, struct err *err)
{
    const char *pattern = req->route ? req->route->pattern : "";
    size_t len = strlen(pattern);

    if ((req->method != HTTP_GET && req->method != HTTP_HEAD) || len < 5 ||
        strcmp(pattern + len - 5, "/{id}") != 0)
        return 0;
    for (size_t i = 0; i < req_query_count(req); i++) {
        const char *name = req_query_at(req, i)->name;

        if (req->route->handler == api_reports_get && strcmp(name, "format") == 0)
            continue;
        return err_field(err, name, "unknown query parameter");
    }
    return 0;
}

int
api_query_only(struct req *req, const char *const *allowed, struct err *err)
{
    for (size_t i = 0; i < req_query_count(req); i++) {
        const char *name = req_query_at(req, i)->name;
        bool ok = false;

        for (size_t k = 0; allowed[k]; k++)
            ok = ok || strcmp(name, allowed[k]) == 0;
        if (!ok)
            return err_field(err, name, "is not a parameter of this route");
    }
    return 0;
}

const char *
api_path_id(struct req *req, const char *prefix, const char *what, struct err *err)
{
    const char *id = req_param(req, "id");

    if (refuse_unknown_query(req, err))
        return NULL;
    if (!id || !id_is_valid(id, prefix)) {
        api_not_found(err, what, id);
        return NULL;
    }
    return id;
}

int
api_store_failed(struct err *err, const char *what, const char *id)
{
    if (err->code == ERR_NOT_FOUND) {
        err_clear(err);
        return api_not_found(err, what, id);
    }
    return -1;
}

bool
api_not_modified(struct req *req, char variant)
{
    return api_not_modified_at(req, variant, 0);
}

bool
api_not_modified_at(struct req *req, char variant, uint64_t moment)
{
    const char *org = api_state(req)->who.org_id;
    unsigned long long version = atomic_load(&api_app(req)->data_version);
    unsigned long org_tag = crc32(0L, (const Bytef *)org, (uInt)strlen(org));
    char etag[64];

    /* The version counts this process's writes only: with servers sharing the database another
     * one's write would not change it, and a 304 could hide that write. No ETag then. */
    if (store_is_shared(api_app(req)->store))
        return false;
    if (moment)
        snprintf(etag, sizeof(etag), "W/\"%llx-%08lx-%c-%llx\"", version, org_tag, variant,
                 (unsigned long long)moment);
    else
        snprintf(etag, sizeof(etag), "W/\"%llx-%08lx-%c\"", version, org_tag, variant);
    return resp_etag_precondition(req, etag);
}
