/* SPDX-License-Identifier: MIT */
/* Fetching an OpenAPI document from a URL (http or https, libcurl easy): the answer is capped at
 * SPEC_MAX_BYTES while it streams in, redirects are followed a few times, and anything but a 2xx
 * is an error that names the URL. Each connect, redirects included, passes the target policy's
 * socket guard, as the engine's do. */
#include "scan/scan.h"

#include <curl/curl.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"
#include "scan/policy.h"

static size_t
on_data(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct buf *b = userdata;
    size_t n = size * nmemb;

    return buf_append(b, data, n) == 0 ? n : 0;
}

struct spec *
scan_spec_fetch(const char *url, unsigned timeout_ms, struct scan_policy_guard *guard,
                struct err *err)
{
    CURL *e;
    struct buf body;
    char errbuf[CURL_ERROR_SIZE] = "";
    long status = 0;
    CURLcode rc;
    int refused;
    struct spec *spec = NULL;

    if (!str_has_prefix(url, "http://") && !str_has_prefix(url, "https://")) {
        err_set(err, VALIDATION_ERROR, "spec URL must be http:// or https://: %.160s", url);
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(e = curl_easy_init())) {
        err_internal(err, "curl init failed");
        return NULL;
    }
    buf_init(&body, SPEC_MAX_BYTES);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(timeout_ms ? timeout_ms : 30000));
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    scan_policy_apply(e, guard); /* no-op without a policy (the CLI) */
    refused = guard ? guard->refused : 0;
    rc = curl_easy_perform(e);
    if (rc == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK && guard && guard->refused != refused)
        err_set(err, TARGET_NOT_ALLOWED, "cannot fetch spec %.160s: %s", url, guard->reason);
    else if (rc == CURLE_WRITE_ERROR && body.overflow)
        err_set(err, PAYLOAD_TOO_LARGE, "spec at %.160s is larger than %u bytes", url,
                SPEC_MAX_BYTES);
    else if (rc != CURLE_OK)
        err_set(err, SERVICE_UNAVAILABLE, "cannot fetch spec %.160s: %s", url,
                errbuf[0] ? errbuf : curl_easy_strerror(rc));
    else if (status < 200 || status > 299)
        err_set(err, VALIDATION_ERROR, "cannot fetch spec %.160s: HTTP %ld", url, status);
    else
        spec = spec_load_buffer(body.data ? body.data : "", body.len, url, err);
    buf_cleanup(&body);
    curl_easy_cleanup(e);
    return spec;
}
