/* SPDX-License-Identifier: MIT */
/* libFuzzer target for webhook secrets and signature headers (webhook/sign.c). The input is a
 * secret, a NUL, then a webhook-signature header value: the secret parser never crashes or
 * reads past its string, a usable secret's own signature always verifies, and a header that
 * carries no entry equal to it never does (a forged HMAC would be a bug). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webhook/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 2);
    const char *secret, *header, *body = "{\"event\":\"ping\"}";
    unsigned char key[WEBHOOK_KEY_MAX];
    char sig[WEBHOOK_SIGNATURE_MAX];
    size_t key_len;

    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    text[size + 1] = '\0';
    secret = text;
    header = text + strlen(text) + 1;
    if (webhook_secret_key(secret, key, &key_len) == 0) {
        if (key_len < WEBHOOK_SECRET_MIN || key_len > WEBHOOK_KEY_MAX)
            abort();
        if (webhook_sign(secret, "msg_fuzz", 1614265330, body, strlen(body), sig, sizeof(sig)))
            abort();
        if (!webhook_verify(secret, "msg_fuzz", 1614265330, body, strlen(body), sig))
            abort();
        if (!strstr(header, sig) &&
            webhook_verify(secret, "msg_fuzz", 1614265330, body, strlen(body), header))
            abort();
    } else if (webhook_verify(secret, "msg_fuzz", 1614265330, body, strlen(body), header)) {
        abort(); /* an unusable secret verifies nothing */
    }
    free(text);
    return 0;
}
