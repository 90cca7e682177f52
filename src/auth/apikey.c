/* SPDX-License-Identifier: MIT */
/* API token generation and offline validation. CRC32 comes from zlib and SHA-256 from OpenSSL;
 * neither is reimplemented here. */
#include "auth/apikey.h"

#include <openssl/sha.h>
#include <string.h>
#include <zlib.h>

#include "core/id.h"
#include "core/str.h"

/* Fixed-width base62 of a 32-bit value (62^6 > 2^32, so six digits always suffice). */
static void
checksum_encode(const char *body, size_t len, char out[APIKEY_CHECKSUM_LEN])
{
    unsigned long crc = crc32(0L, (const Bytef *)body, (uInt)len);

    for (int i = APIKEY_CHECKSUM_LEN - 1; i >= 0; i--) {
        out[i] = ID_BASE62[crc % 62];
        crc /= 62;
    }
}

void
apikey_generate(char out[APIKEY_LEN + 1])
{
    memcpy(out, APIKEY_PREFIX, APIKEY_PREFIX_LEN);
    random_base62(out + APIKEY_PREFIX_LEN, APIKEY_RANDOM_LEN);
    checksum_encode(out, APIKEY_PREFIX_LEN + APIKEY_RANDOM_LEN,
                    out + APIKEY_PREFIX_LEN + APIKEY_RANDOM_LEN);
    out[APIKEY_LEN] = '\0';
}

bool
apikey_well_formed(const char *s, size_t len)
{
    char want[APIKEY_CHECKSUM_LEN];
    unsigned bad = 0;

    if (len != APIKEY_LEN || memcmp(s, APIKEY_PREFIX, APIKEY_PREFIX_LEN) != 0)
        return false;
    for (size_t i = APIKEY_PREFIX_LEN; i < APIKEY_LEN; i++)
        bad |= !id_is_base62(s[i]);
    checksum_encode(s, APIKEY_PREFIX_LEN + APIKEY_RANDOM_LEN, want);
    for (size_t i = 0; i < APIKEY_CHECKSUM_LEN; i++)
        bad |= (unsigned)(want[i] ^ s[APIKEY_PREFIX_LEN + APIKEY_RANDOM_LEN + i]);
    return bad == 0;
}

void
apikey_digest(const char *secret, size_t len, unsigned char out[APIKEY_DIGEST_LEN])
{
    SHA256((const unsigned char *)secret, len, out);
}

void
apikey_digest_hex(const unsigned char digest[APIKEY_DIGEST_LEN], char out[65])
{
    str_hex(digest, APIKEY_DIGEST_LEN, out);
}
