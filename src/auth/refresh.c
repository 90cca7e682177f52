/* SPDX-License-Identifier: MIT */
/* Refresh-token format, digest and rotation verdicts. CRC32 comes from zlib, SHA-256 from
 * OpenSSL, the randomness from core/id. Nothing here touches storage. */
#include "auth/refresh.h"

#include <openssl/sha.h>
#include <string.h>
#include <zlib.h>

#include "core/id.h"
#include "core/str.h"

/* Fixed-width base62 of a CRC32 (62^6 > 2^32). */
static void
checksum_encode(const char *body, size_t len, char out[REFRESH_CHECKSUM_LEN])
{
    unsigned long crc = crc32(0L, (const Bytef *)body, (uInt)len);

    for (int i = REFRESH_CHECKSUM_LEN - 1; i >= 0; i--) {
        out[i] = ID_BASE62[crc % 62];
        crc /= 62;
    }
}

void
refresh_generate(char out[REFRESH_LEN + 1])
{
    memcpy(out, REFRESH_PREFIX, REFRESH_PREFIX_LEN);
    random_base62(out + REFRESH_PREFIX_LEN, REFRESH_RANDOM_LEN);
    checksum_encode(out, REFRESH_PREFIX_LEN + REFRESH_RANDOM_LEN,
                    out + REFRESH_PREFIX_LEN + REFRESH_RANDOM_LEN);
    out[REFRESH_LEN] = '\0';
}

bool
refresh_well_formed(const char *s, size_t len)
{
    char want[REFRESH_CHECKSUM_LEN];
    unsigned bad = 0;

    if (!s || len != REFRESH_LEN || memcmp(s, REFRESH_PREFIX, REFRESH_PREFIX_LEN) != 0)
        return false;
    for (size_t i = REFRESH_PREFIX_LEN; i < REFRESH_LEN; i++)
        bad |= !id_is_base62(s[i]);
    checksum_encode(s, REFRESH_PREFIX_LEN + REFRESH_RANDOM_LEN, want);
    for (size_t i = 0; i < REFRESH_CHECKSUM_LEN; i++)
        bad |= (unsigned)(want[i] ^ s[REFRESH_PREFIX_LEN + REFRESH_RANDOM_LEN + i]);
    return bad == 0;
}

void
refresh_digest(const char *token, size_t len, unsigned char out[REFRESH_DIGEST_LEN])
{
    SHA256((const unsigned char *)token, len, out);
}

void
refresh_digest_hex(const unsigned char digest[REFRESH_DIGEST_LEN], char out[65])
{
    str_hex(digest, REFRESH_DIGEST_LEN, out);
}

void
refresh_family_id(char *out, size_t size)
{
    id_generate(REFRESH_FAMILY_PREFIX, out, size);
}

enum refresh_verdict
refresh_judge(const struct refresh_record *record, int64_t now)
{
    if (record->family_revoked_at != 0 && record->family_revoked_at <= now)
        return REFRESH_REVOKED;
    if (record->used_at != 0)
        return REFRESH_REUSED;
    if (now >= record->expires_at || now >= record->family_expires_at)
        return REFRESH_EXPIRED;
    return REFRESH_OK;
}

int
refresh_verdict_err(enum refresh_verdict verdict, struct err *err)
{
    switch (verdict) {
    case REFRESH_OK:
        return 0;
    case REFRESH_REVOKED:
        return err_set(err, UNAUTHORIZED, "refresh token revoked");
    case REFRESH_REUSED:
        return err_set(err, UNAUTHORIZED, "refresh token reused: the session has been revoked");
    case REFRESH_EXPIRED:
        return err_set(err, UNAUTHORIZED, "refresh token expired");
    }
    return err_set(err, UNAUTHORIZED, "refresh token invalid");
}

int64_t
refresh_next_expiry(int64_t family_expires_at, int64_t now)
{
    int64_t expiry = now + REFRESH_TTL;

    return expiry < family_expires_at ? expiry : family_expires_at;
}
