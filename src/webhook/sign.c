/* SPDX-License-Identifier: MIT */
/* Standard Webhooks signatures: keys from secrets, HMAC-SHA256 over "id.timestamp.body" with
 * OpenSSL, base64 with OpenSSL's EVP encoder, constant-time verification. Tested against the
 * specification's published vector (tests/unit/webhook/test_sign.c). */
#include "webhook/webhook.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <string.h>

#include "core/id.h"
#include "core/str.h"

int
webhook_secret_key(const char *secret, unsigned char *key, size_t *key_len)
{
    size_t n = secret ? strnlen(secret, WEBHOOK_SECRET_MAX + 1) : 0;
    const size_t prefix = sizeof(WEBHOOK_SECRET_PREFIX) - 1;

    *key_len = 0;
    if (n == 0 || n > WEBHOOK_SECRET_MAX)
        return -1;
    if (strncmp(secret, WEBHOOK_SECRET_PREFIX, prefix) == 0) {
        const char *b64 = secret + prefix;
        size_t m = n - prefix;
        int got;

        if (m == 0 || m % 4 != 0 || (m / 4) * 3 > WEBHOOK_KEY_MAX)
            return -1;
        for (size_t i = 0; i < m; i++) {
            unsigned char ch = (unsigned char)b64[i];
            bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                      (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' ||
                      (ch == '=' && i >= m - 2);

            if (!ok || (i == m - 2 && ch == '=' && b64[m - 1] != '='))
                return -1;
        }
        got = EVP_DecodeBlock(key, (const unsigned char *)b64, (int)m);
        if (got < 0)
            return -1;
        /* EVP_DecodeBlock counts the padding as zero bytes. */
        got -= (b64[m - 1] == '=') + (b64[m - 2] == '=');
        if ((size_t)got < WEBHOOK_SECRET_MIN)
            return -1;
        *key_len = (size_t)got;
        return 0;
    }
    if (n < WEBHOOK_SECRET_MIN)
        return -1;
    memcpy(key, secret, n);
    *key_len = n;
    return 0;
}

void
webhook_secret_generate(char *out, size_t size)
{
    unsigned char raw[WEBHOOK_SECRET_BYTES];
    unsigned char b64[4 * ((WEBHOOK_SECRET_BYTES + 2) / 3) + 1];

    random_bytes(raw, sizeof(raw));
    EVP_EncodeBlock(b64, raw, (int)sizeof(raw));
    snprintf(out, size, "%s%s", WEBHOOK_SECRET_PREFIX, (const char *)b64);
    str_wipe(raw, sizeof(raw));
    str_wipe(b64, sizeof(b64));
}

/* The raw 32-byte MAC of the message. */
static int
mac_of(const char *secret, const char *msg_id, int64_t timestamp, const void *body, size_t len,
       unsigned char mac[32])
{
    unsigned char key[WEBHOOK_KEY_MAX];
    size_t key_len;
    char ts[32];
    EVP_MAC *hmac;
    EVP_MAC_CTX *ctx;
    OSSL_PARAM params[2];
    size_t out_len = 0;
    int rc = -1;

    if (webhook_secret_key(secret, key, &key_len))
        return -1;
    snprintf(ts, sizeof(ts), ".%" PRId64 ".", timestamp);
    hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (ctx && EVP_MAC_init(ctx, key, key_len, params) == 1 &&
        EVP_MAC_update(ctx, (const unsigned char *)msg_id, strlen(msg_id)) == 1 &&
        EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) == 1 &&
        EVP_MAC_update(ctx, body, len) == 1 && EVP_MAC_final(ctx, mac, &out_len, 32) == 1 &&
        out_len == 32)
        rc = 0;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(hmac);
    str_wipe(key, sizeof(key));
    return rc;
}

int
webhook_sign(const char *secret, const char *msg_id, int64_t timestamp, const void *body,
             size_t len, char *out, size_t size)
{
    unsigned char mac[32], b64[45];

    if (size < WEBHOOK_SIGNATURE_MAX || mac_of(secret, msg_id, timestamp, body, len, mac))
        return -1;
    EVP_EncodeBlock(b64, mac, (int)sizeof(mac));
    snprintf(out, size, "v1,%s", (const char *)b64);
    return 0;
}

bool
webhook_verify(const char *secret, const char *msg_id, int64_t timestamp, const void *body,
               size_t len, const char *header)
{
    char want[WEBHOOK_SIGNATURE_MAX];
    size_t want_len;
    bool match = false;
    const char *p = header;

    if (!header || webhook_sign(secret, msg_id, timestamp, body, len, want, sizeof(want)))
        return false;
    want_len = strlen(want);
    for (int seen = 0; *p && seen < WEBHOOK_SIGNATURES_MAX; seen++) {
        size_t n;

        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (n == 0)
            break;
        /* Every entry of the right length is compared in full, so the time taken says nothing
         * about which entry or which byte differed. */
        if (n == want_len && str_ct_equal(p, want, n))
            match = true;
        p += n;
    }
    return match;
}
