/* SPDX-License-Identifier: MIT */
/* libFuzzer target for access-token verification (jwt_access_verify): any bytes are refused
 * with UNAUTHORIZED, never accepted (accepting would mean a forged HMAC), never crash, and
 * leave the claims zeroed. The seed corpus holds tokens signed with this target's key (expired,
 * so still refused), alg none, HS512 and key-URL headers. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwt.h"

#define FUZZ_SECRET "fuzz-key-0123456789abcdef-0123456789"
#define FUZZ_NOW    1767225600 /* 2026-01-01: after every seed token's exp */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct jwt_keyring ring;
    static bool ready;
    static const struct jwt_config config = JWT_CONFIG_DEFAULT;
    struct jwt_claims claims;
    struct err err = {0};
    char *token;

    if (!ready) {
        if (jwt_keyring_from_secret(&ring, FUZZ_SECRET, NULL) != 0)
            abort();
        ready = true;
    }
    token = malloc(size + 1);
    if (!token)
        abort();
    memcpy(token, data, size);
    token[size] = '\0';
    if (jwt_access_verify(&ring, &config, token, FUZZ_NOW, &claims, &err) == 0)
        abort();
    if (err.code != ERR_UNAUTHORIZED || claims.sub[0] || claims.exp)
        abort();
    free(token);
    return 0;
}
