/* SPDX-License-Identifier: MIT */
/* Static files from a directory (the dashboard and the /docs and /redoc assets that the web
 * build writes beside the binary) and the request's cookies. A file name is one path segment
 * of [A-Za-z0-9._-] not starting with '.', so no request can leave the directory. When the
 * client accepts gzip and NAME.gz exists, that precompressed copy is sent instead. */
#include "http/http_int.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/arena.h"
#include "core/str.h"

#define STATIC_PATH_MAX 4096

static const struct {
    const char *ext;
    const char *type;
} static_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *
static_type(const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < sizeof(static_types) / sizeof(*static_types); i++) {
        size_t e = strlen(static_types[i].ext);

        if (n > e && strcmp(name + n - e, static_types[i].ext) == 0)
            return static_types[i].type;
    }
    return "application/octet-stream";
}

bool
static_name_ok(const char *name)
{
    if (!name || !*name || name[0] == '.' || strlen(name) > 200)
        return false;
    for (const char *p = name; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return false;
    }
    return true;
}

/* True when Accept-Encoding lists gzip without q=0. */
static bool
accepts_gzip(struct req *req)
{
    const char *ae = req_header(req, "Accept-Encoding");
    const char *p = ae ? strcasestr(ae, "gzip") : NULL;

    if (!p)
        return false;
    p += 4;
    while (*p == ' ')
        p++;
    return !(strncmp(p, ";q=0", 4) == 0 &&
             (p[4] == '\0' || p[4] == ',' || strncmp(p + 4, ".0", 2) == 0));
}

/* Appends the file to the response body; -1 if it cannot be opened (or read whole). */
static int
read_into(struct req *req, const char *path)
{
    char chunk[65536];
    size_t n;
    FILE *f = fopen(path, "rb");
    int rc = 0;

    if (!f)
        return -1;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_append(resp_body(req), chunk, n)) {
            rc = -1;
            break;
        }
    }
    if (ferror(f))
        rc = -1;
    fclose(f);
    return rc;
}

int
static_send(struct req *req, const char *root, const char *name, const char *cache_control,
            struct err *err)
{
    char path[STATIC_PATH_MAX];
    struct stat st;
    bool gz = false;

    if (!root || !static_name_ok(name))
        return err_set(err, NOT_FOUND, "No such file.");
    if (snprintf(path, sizeof(path), "%s/%s.gz", root, name) < (int)sizeof(path) &&
        accepts_gzip(req) && stat(path, &st) == 0 && S_ISREG(st.st_mode))
        gz = true;
    else if (snprintf(path, sizeof(path), "%s/%s", root, name) >= (int)sizeof(path) ||
             stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return err_set(err, NOT_FOUND, "No such file.");
    buf_reset(resp_body(req));
    if (read_into(req, path)) {
        buf_reset(resp_body(req));
        return err_internal(err, "cannot read %s", path);
    }
    if (gz)
        resp_header(req, "Content-Encoding", "gzip");
    resp_header(req, "Vary", "Accept-Encoding");
    resp_header(req, "Cache-Control", cache_control ? cache_control : "no-cache");
    resp_enable_etag(req);
    return resp_send(req, 200, static_type(name));
}

const char *
req_cookie(struct req *req, const char *name)
{
    if (!req->conn)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}
