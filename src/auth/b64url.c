/* SPDX-License-Identifier: MIT */
/* base64url decoding (OpenSSL's block codec; the URL alphabet is translated around it). */
#include "auth/b64url.h"

#include <openssl/evp.h>
#include <stdlib.h>

#include "core/xalloc.h"

long
auth_b64url_decode(const char *src, size_t n, unsigned char *out)
{
    char *std;
    size_t padded = (n + 3) / 4 * 4;
    int got;

    if (n % 4 == 1)
        return -1;
    std = xmalloc(padded + 1);
    for (size_t i = 0; i < n; i++) {
        char c = src[i];

        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            free(std);
            return -1;
        }
        std[i] = c;
    }
    for (size_t i = n; i < padded; i++)
        std[i] = '=';
    std[padded] = '\0';
    got = padded ? EVP_DecodeBlock(out, (const unsigned char *)std, (int)padded) : 0;
    free(std);
    if (got < 0)
        return -1;
    if ((size_t)got < padded - n)
        return -1;
    return (long)got - (long)(padded - n); /* EVP_DecodeBlock counts the padding as zeros */
}
