/* SPDX-License-Identifier: MIT */
/* The browser pages: the dashboard at / (its hashed files under /assets/), Swagger UI at /docs
 * and ReDoc at /redoc, all from the web directory that `web/build.mjs` fills at build time
 * (VIGIL_WEB_DIR, else "web" beside the vigil binary). Nothing is fetched from elsewhere: every
 * page's Content-Security-Policy allows scripts from this origin only, never inline ones. */
#include "api/api_int.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/str.h"

/* Hashed names never change content: cache for a year. */
#define WEB_CACHE_IMMUTABLE "public, max-age=31536000, immutable"

/* The dashboard needs nothing but this origin. */
#define WEB_CSP_APP                                                                                \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "                   \
    "frame-ancestors 'none'"
/* Swagger UI and ReDoc set element styles from script (so style-src needs 'unsafe-inline');
 * their scripts are files; ReDoc starts its search worker from a blob: URL. */
#define WEB_CSP_DOCS                                                                               \
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "                    \
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; worker-src 'self' blob:; "   \
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

static char web_dir[PATH_MAX];
static pthread_once_t web_dir_once = PTHREAD_ONCE_INIT;

static void
web_dir_find(void)
{
    const char *env = getenv("VIGIL_WEB_DIR");
    char exe[PATH_MAX];
    ssize_t n;
    char *slash;

    if (!str_empty(env)) {
        snprintf(web_dir, sizeof(web_dir), "%s", env);
        return;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    snprintf(web_dir, sizeof(web_dir), "%.*s/web", (int)(sizeof(web_dir) - 5), exe);
}

/* dir under the web directory, e.g. "app"; arena-owned. */
static const char *
web_path(struct req *req, const char *sub)
{
    size_t n;
    char *p;

    pthread_once(&web_dir_once, web_dir_find);
    if (!web_dir[0])
        return NULL;
    n = strlen(web_dir) + strlen(sub) + 2;
    p = arena_alloc(req->arena, n);
    snprintf(p, n, "%s/%s", web_dir, sub);
    return p;
}

static int
page(struct req *req, const char *sub, const char *name, const char *csp, struct err *err)
{
    struct err missing = {0};

    if (static_send(req, web_path(req, sub), name, "no-cache", &missing)) {
        if (missing.code != ERR_NOT_FOUND) {
            *err = missing;
            return -1;
        }
        return err_set(
            err, NOT_FOUND,
            "The web pages are not installed: build them with `make build` (needs npm).");
    }
    resp_header(req, "Content-Security-Policy", csp);
    resp_header(req, "X-Frame-Options", "DENY");
    resp_header(req, "Referrer-Policy", "no-referrer");
    return 0;
}

int
api_web_index(struct req *req, struct err *err)
{
    return page(req, "app", "index.html", WEB_CSP_APP, err);
}

int
api_web_asset(struct req *req, struct err *err)
{
    return static_send(req, web_path(req, "app/assets"), req_param(req, "file"),
                       WEB_CACHE_IMMUTABLE, err);
}

int
api_web_docs(struct req *req, struct err *err)
{
    return page(req, "docs", "docs.html", WEB_CSP_DOCS, err);
}

int
api_web_redoc(struct req *req, struct err *err)
{
    return page(req, "docs", "redoc.html", WEB_CSP_DOCS, err);
}

/* The docs assets are named by version in package-lock.json, not by hash: revalidate. */
int
api_web_docs_asset(struct req *req, struct err *err)
{
    const char *file = req_param(req, "file");

    if (str_has_suffix(file, ".html"))
        return api_not_found(err, "file", file);
    return static_send(req, web_path(req, "docs"), file, "public, max-age=3600", err);
}
