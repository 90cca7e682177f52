/* SPDX-License-Identifier: MIT */
/* URLs read and joined through libcurl's URL API (curl_url), never split by hand: the spec
 * loader's server URLs, the scan's target and the parts of a probe's URL its evidence shows.
 * Paths are kept as written (CURLU_PATH_AS_IS: a probe's "/../" stays), except when a relative
 * reference is resolved. Results are arena strings; NULL means the URL did not parse. In spec/
 * because it is the lowest layer that needs it (spec, scan and cmd use it). */
#ifndef VIGIL_SPEC_URL_H
#define VIGIL_SPEC_URL_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* The path of `ref` resolved against `base` (an absolute URL; NULL or not absolute: the root of
 * an unnamed host), without query or fragment, dot segments removed, with a leading '/' and no
 * trailing '/': "" for the root. For an OpenAPI server URL relative to the document's URL. NULL
 * when ref does not parse. */
const char *spec_url_base_path(struct arena *arena, const char *base, const char *ref);

/* The path of an absolute URL, without query or fragment, into out (cut to size): "/" when it
 * names none or the URL does not parse. No allocation: the engine calls it for every probe. */
void spec_url_path(const char *url, char *out, size_t size);

/* The request target of an absolute URL: path and "?query" as an HTTP/1.1 request line has it. */
const char *spec_url_request_target(struct arena *arena, const char *url);

/* host[:port] of an absolute URL, as a Host header has it ("[::1]:8080" for IPv6). */
const char *spec_url_authority(struct arena *arena, const char *url);

/* `url` with its path replaced by `path` (query kept, fragment dropped) and no trailing '/'. */
const char *spec_url_with_path(struct arena *arena, const char *url, const char *path);

/* Whether an absolute URL carries userinfo (user, password or login options before '@'), as
 * libcurl reads it. False for a URL that does not parse: the caller's own check refuses it. */
bool spec_url_has_userinfo(const char *url);

#endif
