/* SPDX-License-Identifier: MIT */
/* Identities of a scan: each scan_auth becomes one header the engine adds to a probe (bearer,
 * custom header, basic, an OAuth2 client-credentials token, or a token from a login call). Token
 * and login calls go out once, before the scan, over libcurl easy, and count toward max_requests.
 * Every credential string is registered as a secret, and scan_mask hides secrets in any text
 * (evidence, notes) before it leaves the scan. */
#include "scan/scan_int.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "scan/policy.h"

#define AUTH_ANSWER_MAX (256 * 1024)

/* ---- secrets -------------------------------------------------------------------------------- */

void
scan_add_secret(struct scan *scan, const char *secret)
{
    if (!secret || strlen(secret) < 4)
        return;
    for (size_t i = 0; i < scan->n_secrets; i++) {
        if (str_eq(scan->secrets[i], secret))
            return;
    }
    scan_grow((void **)&scan->secrets, &scan->cap_secrets, scan->n_secrets + 1,
              sizeof(*scan->secrets));
    scan->secrets[scan->n_secrets++] = arena_strdup(scan->arena, secret);
    /* A JWT's signature alone is enough to matter: mask it wherever it shows up. */
    {
        const char *dot1 = strchr(secret, '.');
        const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;

        if (dot2 && strlen(dot2 + 1) >= 16 && !strchr(dot2 + 1, '.'))
            scan_add_secret(scan, dot2 + 1);
    }
}

char *
scan_mask(struct scan *scan, const char *text)
{
    struct buf b;
    const char *p = text;
    char *out;

    if (!text)
        return NULL;
    if (scan->n_secrets == 0)
        return arena_strdup(scan->arena, text);
    buf_init(&b, BUF_UNLIMITED);
    while (*p) {
        size_t best = 0;

        /* The longest secret starting here wins (a token inside "Bearer <token>" ...). */
        for (size_t i = 0; i < scan->n_secrets; i++) {
            size_t n = strlen(scan->secrets[i]);

            if (n > best && strncmp(p, scan->secrets[i], n) == 0)
                best = n;
        }
        if (best) {
            if (best >= 16)
                buf_append(&b, p, 4);
            buf_puts(&b, "****");
            p += best;
        } else {
            buf_putc(&b, *p++);
        }
    }
    out = arena_strdup(scan->arena, buf_str(&b));
    buf_cleanup(&b);
    return out;
}

/* ---- token calls ---------------------------------------------------------------------------- */

static size_t
collect_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct buf *b = userdata;
    size_t n = size * nmemb;

    return buf_append(b, data, n) == 0 ? n : 0;
}

/* JSON pointer (RFC 6901) lookup; "" is the whole document. */
static json_t *
json_pointer_get(json_t *doc, const char *ptr, struct arena *arena)
{
    json_t *cur = doc;
    char **parts;
    size_t n = 0;

    if (!ptr || !*ptr)
        return doc;
    if (ptr[0] != '/')
        return NULL;
    parts = str_split(arena, ptr + 1, '/', &n);
    for (size_t i = 0; i < n && cur; i++) {
        char *tok = parts[i];
        char *w = tok;

        for (char *r = tok; *r; r++) {
            if (r[0] == '~' && r[1] == '1') {
                *w++ = '/';
                r++;
            } else if (r[0] == '~' && r[1] == '0') {
                *w++ = '~';
                r++;
            } else {
                *w++ = *r;
            }
        }
        *w = '\0';
        if (json_is_object(cur)) {
            cur = json_object_get(cur, tok);
        } else if (json_is_array(cur)) {
            long long idx;

            if (str_to_ll(tok, 0, 1000000, &idx))
                return NULL;
            cur = json_array_get(cur, (size_t)idx);
        } else {
            return NULL;
        }
    }
    return cur;
}

/* POSTs body to url and returns the token found at pointer (arena string), or NULL + err. */
static const char *
fetch_token(struct scan *scan, const char *url, const char *content_type, const char *body,
            const char *pointer, const char *basic_user, const char *basic_pass, struct err *err)
{
    CURL *e = curl_easy_init();
    struct curl_slist *headers = NULL;
    struct buf answer;
    char errbuf[CURL_ERROR_SIZE] = "";
    char ct[256];
    long status = 0;
    CURLcode rc;
    json_t *doc = NULL;
    json_t *tok;
    const char *out = NULL;

    if (!e) {
        err_internal(err, "curl_easy_init failed");
        return NULL;
    }
    if (scan->n_accepted >= scan->opts.max_requests) {
        curl_easy_cleanup(e);
        err_set(err, VALIDATION_ERROR, "max_requests is too small to log in");
        return NULL;
    }
    scan->n_accepted++;
    scan->progress.requests_sent++;
    buf_init(&answer, AUTH_ANSWER_MAX);
    snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
    headers = curl_slist_append(headers, ct);
    headers = curl_slist_append(headers, "Accept: application/json");
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    /* Server scans: the token URL is held to the target policy like every probe. */
    scan_policy_apply(e, scan->opts.policy_guard);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)scan->opts.timeout_ms);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    if (basic_user) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERNAME, basic_user);
        curl_easy_setopt(e, CURLOPT_PASSWORD, basic_pass ? basic_pass : "");
    }
    rc = curl_easy_perform(e);
    if (rc != CURLE_OK) {
        err_set(err, SERVICE_UNAVAILABLE, "cannot reach %s: %s", url,
                errbuf[0] ? errbuf : curl_easy_strerror(rc));
        goto done;
    }
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        err_set(err, UNAUTHORIZED, "login at %s failed: HTTP %ld", url, status);
        goto done;
    }
    doc = json_loadb(buf_str(&answer), answer.len, 0, NULL);
    tok = doc ? json_pointer_get(doc, pointer, scan->arena) : NULL;
    if (!json_is_string(tok) || json_string_length(tok) == 0) {
        err_set(err, UNAUTHORIZED, "the answer of %s has no token at %s", url, pointer);
        goto done;
    }
    out = arena_strdup(scan->arena, json_string_value(tok));
done:
    json_decref(doc);
    buf_cleanup(&answer);
    curl_slist_free_all(headers);
    curl_easy_cleanup(e);
    return out;
}

static char *
form_pair(CURL *e, const char *name, const char *value)
{
    char *v = curl_easy_escape(e, value ? value : "", 0);
    size_t n = strlen(name) + strlen(v) + 2;
    char *out = xmalloc(n);

    snprintf(out, n, "%s=%s", name, v);
    curl_free(v);
    return out;
}

/* OAuth2 client credentials (RFC 6749 4.4). The client authenticates with its id and secret in
 * the form body first (client_secret_post); a server that refuses that gets them again as HTTP
 * Basic (client_secret_basic, each part form-encoded as 2.3.1 says). */
static const char *
oauth2_token(struct scan *scan, const struct scan_auth *a, struct err *err)
{
    CURL *e = curl_easy_init();
    struct buf post, basic;
    const char *token;
    char *id, *secret;

    if (!e) {
        err_internal(err, "curl_easy_init failed");
        return NULL;
    }
    buf_init(&post, 64 * 1024);
    buf_init(&basic, 64 * 1024);
    buf_puts(&basic, "grant_type=client_credentials");
    if (!str_empty(a->oauth2_scope)) {
        char *pair = form_pair(e, "scope", a->oauth2_scope);

        buf_printf(&basic, "&%s", pair);
        free(pair);
    }
    id = form_pair(e, "client_id", a->oauth2_client_id);
    secret = form_pair(e, "client_secret", a->oauth2_client_secret);
    buf_printf(&post, "%s&%s&%s", buf_str(&basic), id, secret);
    token = fetch_token(scan, a->oauth2_token_url, "application/x-www-form-urlencoded",
                        buf_str(&post), "/access_token", NULL, NULL, err);
    if (!token && err && err->code == ERR_UNAUTHORIZED) {
        err_clear(err);
        /* "client_id=" and "client_secret=" are 10 and 14 characters long. */
        token = fetch_token(scan, a->oauth2_token_url, "application/x-www-form-urlencoded",
                            buf_str(&basic), "/access_token", id + 10, secret + 14, err);
    }
    str_wipe(secret, strlen(secret));
    free(id);
    free(secret);
    str_wipe(post.data, post.len);
    buf_cleanup(&post);
    buf_cleanup(&basic);
    curl_easy_cleanup(e);
    return token;
}

static int
basic_value(struct scan *scan, const struct scan_auth *a, struct scan_ident *id)
{
    char *plain = arena_printf(scan->arena, "%s:%s", a->username ? a->username : "",
                               a->password ? a->password : "");
    size_t n = strlen(plain);
    unsigned char *enc = arena_alloc(scan->arena, 4 * ((n + 2) / 3) + 1);

    EVP_EncodeBlock(enc, (const unsigned char *)plain, (int)n);
    scan_add_secret(scan, (const char *)enc);
    id->header_name = "Authorization";
    id->header_value = arena_printf(scan->arena, "Basic %s", (const char *)enc);
    str_wipe(plain, n);
    return 0;
}

/* Passwords and secrets in a login body are credentials too. */
static void
login_secrets(struct scan *scan, const char *body)
{
    json_t *doc = json_loads(body, 0, NULL);
    const char *key;
    json_t *v;

    json_object_foreach(doc, key, v)
    {
        char lower[64];

        str_copy(lower, key, sizeof(lower));
        str_lower(lower);
        if (json_is_string(v) && (strstr(lower, "pass") || strstr(lower, "secret") ||
                                  strstr(lower, "token") || strstr(lower, "key")))
            scan_add_secret(scan, json_string_value(v));
    }
    json_decref(doc);
}

static const char *
auth_field(const char *which, const char *name)
{
    return name ? name : which;
}

static int
resolve_one(struct scan *scan, const struct scan_auth *a, struct scan_ident *id, const char *which,
            struct err *err)
{
    const char *token;

    id->present = a->type != SCAN_AUTH_NONE;
    switch (a->type) {
    case SCAN_AUTH_NONE:
        return 0;
    case SCAN_AUTH_BEARER:
        if (str_empty(a->token))
            return err_field(err, auth_field(which, "token"), "is required for bearer auth");
        scan_add_secret(scan, a->token);
        id->header_name = "Authorization";
        id->header_value = arena_printf(scan->arena, "Bearer %s", a->token);
        return 0;
    case SCAN_AUTH_HEADER:
        if (str_empty(a->header_name) || str_empty(a->header_value))
            return err_field(err, which, "header auth needs header_name and header_value");
        if (strpbrk(a->header_name, ": \r\n") || strpbrk(a->header_value, "\r\n"))
            return err_field(err, which, "header name or value has forbidden characters");
        scan_add_secret(scan, a->header_value);
        id->header_name = arena_strdup(scan->arena, a->header_name);
        id->header_value = arena_strdup(scan->arena, a->header_value);
        return 0;
    case SCAN_AUTH_BASIC:
        if (str_empty(a->username))
            return err_field(err, which, "basic auth needs a username");
        scan_add_secret(scan, a->password);
        return basic_value(scan, a, id);
    case SCAN_AUTH_OAUTH2:
        if (str_empty(a->oauth2_token_url) || str_empty(a->oauth2_client_id))
            return err_field(err, which, "oauth2 needs a token URL and a client id");
        scan_add_secret(scan, a->oauth2_client_secret);
        token = oauth2_token(scan, a, err);
        if (!token)
            return -1;
        break;
    case SCAN_AUTH_LOGIN: {
        const char *url;

        if (str_empty(a->login_url) || str_empty(a->login_body))
            return err_field(err, which, "login needs a URL and a JSON body");
        url = str_has_prefix(a->login_url, "http://") || str_has_prefix(a->login_url, "https://")
                  ? a->login_url
                  : scan_url(scan, a->login_url);
        login_secrets(scan, a->login_body);
        token = fetch_token(scan, url, "application/json", a->login_body,
                            a->login_token_pointer ? a->login_token_pointer : "/access_token", NULL,
                            NULL, err);
        if (!token)
            return -1;
        break;
    }
    default:
        return err_field(err, which, "unknown auth type");
    }
    scan_add_secret(scan, token);
    id->header_name = "Authorization";
    id->header_value = arena_printf(scan->arena, "Bearer %s", token);
    return 0;
}

int
scan_auth_resolve(struct scan *scan, struct err *err)
{
    scan->ident[SCAN_ID_NONE].present = false;
    if (resolve_one(scan, &scan->opts.auth, &scan->ident[SCAN_ID_A], "auth", err) ||
        resolve_one(scan, &scan->opts.auth2, &scan->ident[SCAN_ID_B], "auth_secondary", err))
        return -1;
    return 0;
}
