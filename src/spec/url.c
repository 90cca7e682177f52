/* SPDX-License-Identifier: MIT */
/* URLs through libcurl's URL API (see url.h). */
#include "spec/url.h"

#include <curl/curl.h>
#include <string.h>

#include "core/arena.h"
#include "core/str.h"

/* Flags for reading a URL as written: any scheme, spaces as sent, dot segments kept. */
#define URL_READ (CURLU_NON_SUPPORT_SCHEME | CURLU_ALLOW_SPACE | CURLU_PATH_AS_IS)

static CURLU *
url_parse(const char *url, unsigned flags)
{
    CURLU *u = url ? curl_url() : NULL;

    if (u && curl_url_set(u, CURLUPART_URL, url, flags) != CURLUE_OK) {
        curl_url_cleanup(u);
        u = NULL;
    }
    return u;
}

/* One part of u as an arena string; "" when absent. */
static char *
url_part(struct arena *arena, CURLU *u, CURLUPart what)
{
    char *s = NULL, *out;

    if (curl_url_get(u, what, &s, 0) != CURLUE_OK || !s)
        return arena_strdup(arena, "");
    out = arena_strdup(arena, s);
    curl_free(s);
    return out;
}

static void
trim_slashes(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && s[n - 1] == '/')
        s[--n] = '\0';
}

const char *
spec_url_base_path(struct arena *arena, const char *base, const char *ref)
{
    CURLU *u = url_parse(base, CURLU_NON_SUPPORT_SCHEME);
    char *path;

    if (!u)
        u = url_parse("http://localhost/", 0);
    if (!u)
        return NULL;
    if (!ref || curl_url_set(u, CURLUPART_URL, ref, CURLU_NON_SUPPORT_SCHEME | CURLU_ALLOW_SPACE) !=
                    CURLUE_OK) {
        curl_url_cleanup(u);
        return NULL;
    }
    path = url_part(arena, u, CURLUPART_PATH);
    curl_url_cleanup(u);
    trim_slashes(path);
    return path;
}

void
spec_url_path(const char *url, char *out, size_t size)
{
    CURLU *u = url_parse(url, URL_READ);
    char *path = NULL;

    if (u && curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && path && *path)
        str_copy(out, path, size);
    else
        str_copy(out, "/", size);
    curl_free(path);
    curl_url_cleanup(u);
}

const char *
spec_url_request_target(struct arena *arena, const char *url)
{
    CURLU *u = url_parse(url, URL_READ);
    const char *path, *query, *out;

    if (!u)
        return NULL;
    path = url_part(arena, u, CURLUPART_PATH);
    query = url_part(arena, u, CURLUPART_QUERY);
    curl_url_cleanup(u);
    out = *path ? path : "/";
    return *query ? arena_printf(arena, "%s?%s", out, query) : out;
}

const char *
spec_url_authority(struct arena *arena, const char *url)
{
    CURLU *u = url_parse(url, URL_READ);
    const char *host, *port;

    if (!u)
        return NULL;
    host = url_part(arena, u, CURLUPART_HOST);
    port = url_part(arena, u, CURLUPART_PORT);
    curl_url_cleanup(u);
    return *port ? arena_printf(arena, "%s:%s", host, port) : host;
}

const char *
spec_url_with_path(struct arena *arena, const char *url, const char *path)
{
    CURLU *u = url_parse(url, URL_READ);
    char *out = NULL;

    if (!u)
        return NULL;
    if (curl_url_set(u, CURLUPART_PATH, path && *path ? path : "/", CURLU_PATH_AS_IS) ==
            CURLUE_OK &&
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK)
        out = url_part(arena, u, CURLUPART_URL);
    curl_url_cleanup(u);
    if (out && !strchr(out, '?'))
        trim_slashes(out);
    return out;
}

bool
spec_url_has_userinfo(const char *url)
{
    CURLU *u = url_parse(url, URL_READ);
    bool has = false;

    if (!u)
        return false;
    for (CURLUPart part = CURLUPART_USER; part <= CURLUPART_OPTIONS && !has; part++) {
        char *s = NULL;

        if (curl_url_get(u, part, &s, 0) == CURLUE_OK && s)
            has = true;
        curl_free(s);
    }
    curl_url_cleanup(u);
    return has;
}
