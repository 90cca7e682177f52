/* SPDX-License-Identifier: MIT */
/* Access-token signing and verification over libjwt, and the key ring and its file. libjwt
 * computes and checks the HMAC; this file decides what a token must look like before libjwt
 * sees it (the header is parsed here, strictly, so the algorithm and the key are chosen by us and
 * never by the token) and what its claims must say after. Key bytes are wiped whenever a key
 * leaves a ring or a buffer that held one goes out of scope. */
#include "auth/jwt.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/b64url.h"
#include "core/id.h"
#include "core/secret_file.h"
#include "core/str.h"
#include "core/xalloc.h"

#define KEY_FILE_MAX  (64 * 1024)
#define HEADER_MAX    1024 /* decoded header bytes */
#define HS256_SIG_B64 43   /* unpadded base64url of a 32-byte HMAC-SHA256 */
#define GENERATED_LEN 32

/* ---------------------------------------------------------------------------------------- */
/* base64 (OpenSSL's block codec; the URL alphabet is translated around it)                 */

static bool
is_b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* ---------------------------------------------------------------------------------------- */
/* Key ring                                                                                  */

static bool
kid_valid(const char *kid)
{
    size_t n = kid ? strlen(kid) : 0;

    if (n == 0 || n > JWT_KID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_b64url_char(kid[i]))
            return false;
    }
    return true;
}

static const struct jwt_key *
keyring_find(const struct jwt_keyring *ring, const char *kid)
{
    for (size_t i = 0; i < ring->count; i++) {
        if (strcmp(ring->keys[i].kid, kid) == 0)
            return &ring->keys[i];
    }
    return NULL;
}

void
jwt_keyring_init(struct jwt_keyring *ring)
{
    memset(ring, 0, sizeof(*ring));
}

void
jwt_keyring_cleanup(struct jwt_keyring *ring)
{
    str_wipe(ring, sizeof(*ring));
}

int
jwt_keyring_add(struct jwt_keyring *ring, const char *kid, const unsigned char *key, size_t len,
                bool make_current, struct err *err)
{
    struct jwt_key *slot;

    if (!kid_valid(kid))
        return err_set(err, VALIDATION_ERROR, "key id must be 1-%d characters of [A-Za-z0-9_-]",
                       JWT_KID_MAX);
    if (len < JWT_KEY_MIN_LEN || len > JWT_KEY_MAX_LEN)
        return err_set(err, VALIDATION_ERROR, "signing key must be %d to %d bytes", JWT_KEY_MIN_LEN,
                       JWT_KEY_MAX_LEN);
    if (keyring_find(ring, kid))
        return err_set(err, CONFLICT, "key id %s is already in the key ring", kid);
    if (ring->count == JWT_KEYRING_MAX)
        return err_set(err, CONFLICT, "the key ring is full (%d keys)", JWT_KEYRING_MAX);
    slot = &ring->keys[ring->count];
    str_copy(slot->kid, kid, sizeof(slot->kid));
    memcpy(slot->bytes, key, len);
    slot->len = len;
    if (make_current || ring->count == 0)
        ring->current = ring->count;
    ring->count++;
    return 0;
}

int
jwt_keyring_from_secret(struct jwt_keyring *ring, const char *secret, struct err *err)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    char kid[18];
    size_t len = secret ? strlen(secret) : 0;
    unsigned char input[14 + JWT_KEY_MAX_LEN];

    if (len < JWT_KEY_MIN_LEN || len > JWT_KEY_MAX_LEN)
        return err_set(err, VALIDATION_ERROR, "the JWT secret must be %d to %d bytes long",
                       JWT_KEY_MIN_LEN, JWT_KEY_MAX_LEN);
    /* The kid is a domain-separated hash, so it names the secret without revealing it. */
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): the NUL is copied, 14 bytes */
    memcpy(input, "vigil jwt kid", 14);
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): bytes to hash, not a string */
    memcpy(input + 14, secret, len);
    SHA256(input, 14 + len, digest);
    str_wipe(input, sizeof(input));
    kid[0] = 's';
    str_hex(digest, 8, kid + 1);
    jwt_keyring_cleanup(ring);
    return jwt_keyring_add(ring, kid, (const unsigned char *)secret, len, true, err);
}

static void
keyring_add_random(struct jwt_keyring *ring)
{
    unsigned char key[GENERATED_LEN];
    char kid[17];

    /* 15 base62 characters (89 bits): two random kids never meet in one ring. */
    kid[0] = 'k';
    do {
        random_base62(kid + 1, sizeof(kid) - 2);
    } while (keyring_find(ring, kid));
    random_bytes(key, sizeof(key));
    if (jwt_keyring_add(ring, kid, key, sizeof(key), true, NULL) != 0)
        abort(); /* cannot happen: valid kid and length, and the caller made room */
    str_wipe(key, sizeof(key));
}

void
jwt_keyring_generate(struct jwt_keyring *ring)
{
    jwt_keyring_cleanup(ring);
    keyring_add_random(ring);
}

void
jwt_keyring_rotate(struct jwt_keyring *ring)
{
    if (ring->count == JWT_KEYRING_MAX) {
        /* Keys are appended, so the lowest index that is not current is the oldest. */
        size_t drop = ring->current == 0 ? 1 : 0;

        memmove(&ring->keys[drop], &ring->keys[drop + 1],
                (ring->count - drop - 1) * sizeof(ring->keys[0]));
        ring->count--;
        str_wipe(&ring->keys[ring->count], sizeof(ring->keys[0]));
        if (ring->current > drop)
            ring->current--;
    }
    keyring_add_random(ring);
}

/* Reads the whole key file (secret_file_read's checks); NOT_FOUND when it does not exist. */
static char *
key_file_read(const char *path, size_t *len, struct err *err)
{
    char *data = xmalloc(KEY_FILE_MAX + 1);
    int rc = secret_file_read(path, "JWT key file", false, data, KEY_FILE_MAX, len, err);

    if (rc == 0)
        return data;
    free(data);
    if (rc == 1)
        err_set(err, NOT_FOUND, "JWT key file %s does not exist", path);
    return NULL;
}

/* Parses one "kid:base64" line into the ring; origin names where the text came from. */
static int
key_line_parse(struct jwt_keyring *ring, char *line, int number, const char *origin,
               struct err *err)
{
    unsigned char key[JWT_KEY_MAX_LEN + 3];
    struct err why = {0};
    char *colon = strchr(line, ':');
    size_t b64_len;
    long got = -1;
    int rc;

    if (!colon)
        return err_internal(err, "%s line %d: expected kid:base64key", origin, number);
    *colon = '\0';
    b64_len = strlen(colon + 1);
    if (b64_len % 4 == 0 && b64_len / 4 * 3 <= sizeof(key)) {
        size_t pad = 0;

        while (pad < 2 && b64_len > pad && colon[1 + b64_len - 1 - pad] == '=')
            pad++;
        got = EVP_DecodeBlock(key, (const unsigned char *)colon + 1, (int)b64_len);
        if (got >= 0)
            got -= (long)pad;
    }
    if (got < 0) {
        str_wipe(key, sizeof(key));
        return err_internal(err, "%s line %d: key is not base64", origin, number);
    }
    rc = jwt_keyring_add(ring, line, key, (size_t)got, ring->count == 0, &why);
    str_wipe(key, sizeof(key));
    if (rc != 0)
        return err_internal(err, "%s line %d: %s", origin, number, why.detail);
    return 0;
}

int
jwt_keyring_parse(struct jwt_keyring *ring, char *text, size_t len, const char *origin,
                  struct err *err)
{
    struct jwt_keyring loaded;
    char *line = text;
    int number = 0, rc = 0;

    jwt_keyring_init(&loaded);
    while (rc == 0 && line < text + len) {
        char *end = memchr(line, '\n', (size_t)(text + len - line));

        if (!end)
            end = text + len;
        *end = '\0';
        number++;
        if (end > line && end[-1] == '\r')
            end[-1] = '\0';
        if (line[0] != '\0' && line[0] != '#')
            rc = key_line_parse(&loaded, line, number, origin, err);
        line = end + 1;
    }
    if (rc == 0 && loaded.count == 0)
        rc = err_internal(err, "%s holds no key", origin);
    if (rc == 0) {
        jwt_keyring_cleanup(ring);
        *ring = loaded;
    }
    jwt_keyring_cleanup(&loaded);
    return rc;
}

int
jwt_keyring_load_file(struct jwt_keyring *ring, const char *path, struct err *err)
{
    char origin[4200];
    char *data;
    size_t len = 0;
    int rc;

    data = key_file_read(path, &len, err);
    if (!data)
        return -1;
    snprintf(origin, sizeof(origin), "JWT key file %s", path);
    rc = jwt_keyring_parse(ring, data, len, origin, err);
    str_wipe(data, len);
    free(data);
    return rc;
}

/* Appends "kid:base64\n" for one key; returns the new length or 0 if it does not fit. */
static size_t
key_line_format(const struct jwt_key *key, char *out, size_t used, size_t size)
{
    size_t kid_len = strlen(key->kid), b64_len = (key->len + 2) / 3 * 4;

    if (used + kid_len + 1 + b64_len + 2 > size)
        return 0;
    memcpy(out + used, key->kid, kid_len);
    used += kid_len;
    out[used++] = ':';
    EVP_EncodeBlock((unsigned char *)out + used, key->bytes, (int)key->len);
    used += b64_len;
    out[used++] = '\n';
    return used;
}

static int
write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t put = write(fd, data, len);

        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        data += put;
        len -= (size_t)put;
    }
    return 0;
}

size_t
jwt_keyring_format(const struct jwt_keyring *ring, char *out, size_t size)
{
    size_t used = 0;

    if (ring->count == 0)
        return 0;
    used = key_line_format(&ring->keys[ring->current], out, used, size);
    for (size_t i = 0; i < ring->count && used > 0; i++) {
        if (i != ring->current)
            used = key_line_format(&ring->keys[i], out, used, size);
    }
    if (used > 0)
        out[used] = '\0'; /* key_line_format kept room for it */
    return used;
}

int
jwt_keyring_save_file(const struct jwt_keyring *ring, const char *path, struct err *err)
{
    char text[JWT_KEYRING_TEXT_MAX];
    char tmp[4096];
    size_t used;
    int fd, rc = 0;

    if (ring->count == 0)
        return err_internal(err, "refusing to save an empty JWT key ring");
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
        return err_internal(err, "JWT key file path too long");
    used = jwt_keyring_format(ring, text, sizeof(text));
    if (used == 0)
        return err_internal(err, "JWT key ring does not fit its file buffer");

    (void)unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        str_wipe(text, sizeof(text));
        return err_internal(err, "JWT key file %s: %s", tmp, strerror(errno));
    }
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, used) != 0 || fsync(fd) != 0)
        rc = err_internal(err, "JWT key file %s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && rc == 0)
        rc = err_internal(err, "JWT key file %s: %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = err_internal(err, "JWT key file %s: %s", path, strerror(errno));
    if (rc != 0)
        (void)unlink(tmp);
    str_wipe(text, sizeof(text));
    return rc;
}

int
jwt_keyring_load_or_create(struct jwt_keyring *ring, const char *path, struct err *err)
{
    struct err missing = {0};

    if (jwt_keyring_load_file(ring, path, &missing) == 0)
        return 0;
    if (missing.code != ERR_NOT_FOUND) {
        if (err)
            *err = missing;
        return -1;
    }
    jwt_keyring_generate(ring);
    return jwt_keyring_save_file(ring, path, err);
}

/* ---------------------------------------------------------------------------------------- */
/* Access tokens                                                                             */

int
jwt_access_issue(const struct jwt_keyring *ring, const struct jwt_config *config,
                 struct jwt_claims *claims, int64_t now, char *out, size_t size, struct err *err)
{
    const struct jwt_key *key;
    jwt_t *jwt = NULL;
    char *encoded = NULL;
    int rc = 0;

    if (!claims->sub[0] || !claims->org[0] || !claims->role[0])
        return err_set(err, VALIDATION_ERROR, "an access token needs sub, org and role");
    if (ring->count == 0)
        return err_internal(err, "no JWT signing key");
    key = &ring->keys[ring->current];

    random_base62(claims->jti, 22);
    claims->iat = now;
    claims->nbf = now;
    claims->exp = now + config->ttl;

    if (jwt_new(&jwt) != 0)
        return err_internal(err, "jwt_new failed");
    /* libjwt writes "typ":"JWT" and "alg" itself; only the kid is ours to add. */
    rc |= jwt_add_header(jwt, "kid", key->kid);
    rc |= jwt_add_grant(jwt, "iss", config->issuer);
    rc |= jwt_add_grant(jwt, "aud", config->audience);
    rc |= jwt_add_grant(jwt, "sub", claims->sub);
    rc |= jwt_add_grant(jwt, "org", claims->org);
    rc |= jwt_add_grant(jwt, "role", claims->role);
    rc |= jwt_add_grant(jwt, "scope", claims->scope);
    rc |= jwt_add_grant(jwt, "jti", claims->jti);
    if (claims->sid[0])
        rc |= jwt_add_grant(jwt, "sid", claims->sid);
    rc |= jwt_add_grant(jwt, "token_use", "access");
    rc |= jwt_add_grant_int(jwt, "iat", (long)claims->iat);
    rc |= jwt_add_grant_int(jwt, "nbf", (long)claims->nbf);
    rc |= jwt_add_grant_int(jwt, "exp", (long)claims->exp);
    rc |= jwt_set_alg(jwt, JWT_ALG_HS256, key->bytes, (int)key->len);
    if (rc == 0)
        encoded = jwt_encode_str(jwt);
    jwt_free(jwt); /* scrubs its copy of the key */
    if (!encoded)
        return err_internal(err, "libjwt could not encode the access token");
    if (str_copy(out, encoded, size) >= size)
        rc = err_internal(err, "access token longer than its buffer");
    free(encoded);
    return rc ? -1 : 0;
}

static int
reject(struct err *err, const char *why)
{
    return err_set(err, UNAUTHORIZED, "access token %s", why);
}

/* Decodes one base64url segment and parses it as a JSON object, refusing duplicate names (two
 * "alg" members could otherwise mean one thing here and another to libjwt). */
static json_t *
segment_json(const char *segment, size_t n)
{
    unsigned char *bytes;
    json_t *value;
    long got;

    bytes = xmalloc(n * 3 / 4 + 4);
    got = auth_b64url_decode(segment, n, bytes);
    value =
        got > 0 ? json_loadb((const char *)bytes, (size_t)got, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(bytes);
    if (value && !json_is_object(value)) {
        json_decref(value);
        value = NULL;
    }
    return value;
}

/* Checks the header and returns the key its kid names. */
static const struct jwt_key *
header_check(const struct jwt_keyring *ring, const char *token, size_t n, struct err *err)
{
    json_t *header;
    const char *alg, *typ, *kid;
    const struct jwt_key *key = NULL;

    if (n > HEADER_MAX * 4 / 3 + 4)
        return reject(err, "header too long"), NULL;
    header = segment_json(token, n);
    if (!header)
        return reject(err, "malformed"), NULL;
    alg = json_string_value(json_object_get(header, "alg"));
    typ = json_string_value(json_object_get(header, "typ"));
    kid = json_string_value(json_object_get(header, "kid"));
    /* An exact, case-sensitive match: "none", "hs256", "HS512" and "RS256" all end here. */
    if (!alg || strcmp(alg, "HS256") != 0)
        reject(err, "algorithm not allowed");
    else if (!typ || strcmp(typ, "JWT") != 0)
        reject(err, "type not allowed");
    else if (json_object_get(header, "crit"))
        reject(err, "has critical header parameters");
    else if (!kid || !(key = keyring_find(ring, kid)))
        reject(err, "key id unknown");
    json_decref(header);
    return key;
}

/* Copies a string claim into out; false if absent, not a string, too long, empty (unless
 * may_be_empty) or holding a NUL. */
static bool
claim_string(json_t *claims, const char *name, char *out, size_t size, bool may_be_empty)
{
    json_t *value = json_object_get(claims, name);
    size_t len;

    if (!json_is_string(value))
        return false;
    len = json_string_length(value);
    if (len >= size || (len == 0 && !may_be_empty) || strlen(json_string_value(value)) != len)
        return false;
    memcpy(out, json_string_value(value), len + 1);
    return true;
}

static bool
claim_time(json_t *claims, const char *name, int64_t *out)
{
    json_t *value = json_object_get(claims, name);

    if (!json_is_integer(value))
        return false;
    *out = (int64_t)json_integer_value(value);
    return true;
}

static bool
audience_matches(json_t *aud, const char *audience)
{
    size_t i;
    json_t *item;

    if (json_is_string(aud))
        return strcmp(json_string_value(aud), audience) == 0;
    if (!json_is_array(aud))
        return false;
    json_array_foreach(aud, i, item)
    {
        if (json_is_string(item) && strcmp(json_string_value(item), audience) == 0)
            return true;
    }
    return false;
}

/* The claim checks, once the signature is known good. */
static int
claims_check(json_t *payload, const struct jwt_config *config, int64_t now,
             struct jwt_claims *claims, struct err *err)
{
    const char *iss = json_string_value(json_object_get(payload, "iss"));
    const char *use = json_string_value(json_object_get(payload, "token_use"));

    if (!use || strcmp(use, "access") != 0)
        return err_set(err, UNAUTHORIZED, "token is not an access token");
    if (!iss || strcmp(iss, config->issuer) != 0)
        return reject(err, "issuer wrong");
    if (!audience_matches(json_object_get(payload, "aud"), config->audience))
        return reject(err, "audience wrong");
    if (!claim_time(payload, "exp", &claims->exp) || !claim_time(payload, "nbf", &claims->nbf) ||
        !claim_time(payload, "iat", &claims->iat))
        return reject(err, "lacks exp, nbf or iat");
    /* exp is the first second the token is no longer valid (RFC 7519 4.1.4). */
    if (now >= claims->exp + config->leeway)
        return reject(err, "expired");
    if (now + config->leeway < claims->nbf)
        return reject(err, "not yet valid");
    if (now + config->leeway < claims->iat)
        return reject(err, "issued in the future");
    if (!claim_string(payload, "sub", claims->sub, sizeof(claims->sub), false) ||
        !claim_string(payload, "org", claims->org, sizeof(claims->org), false) ||
        !claim_string(payload, "role", claims->role, sizeof(claims->role), false) ||
        !claim_string(payload, "jti", claims->jti, sizeof(claims->jti), false) ||
        !claim_string(payload, "scope", claims->scope, sizeof(claims->scope), true))
        return reject(err, "claims incomplete");
    /* sid is optional here (the API requires it): absent is "", present must be a string. */
    claims->sid[0] = '\0';
    if (json_object_get(payload, "sid") &&
        !claim_string(payload, "sid", claims->sid, sizeof(claims->sid), false))
        return reject(err, "claims incomplete");
    return 0;
}

int
jwt_access_verify(const struct jwt_keyring *ring, const struct jwt_config *config,
                  const char *token, int64_t now, struct jwt_claims *claims, struct err *err)
{
    const char *dot1, *dot2;
    const struct jwt_key *key;
    json_t *payload;
    jwt_t *jwt = NULL;
    size_t len;
    int rc;

    memset(claims, 0, sizeof(*claims));
    if (!token || !*token)
        return reject(err, "missing");
    len = strnlen(token, JWT_TOKEN_MAX);
    if (len >= JWT_TOKEN_MAX)
        return reject(err, "too long");
    for (size_t i = 0; i < len; i++) {
        if (!is_b64url_char(token[i]) && token[i] != '.')
            return reject(err, "malformed");
    }
    dot1 = strchr(token, '.');
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2 || strchr(dot2 + 1, '.') || dot1 == token || dot2 == dot1 + 1)
        return reject(err, "malformed");

    /* 1. The header, read by us: the algorithm and the key are decided before libjwt runs. */
    key = header_check(ring, token, (size_t)(dot1 - token), err);
    if (!key)
        return -1;
    if (strlen(dot2 + 1) != HS256_SIG_B64)
        return reject(err, "signature invalid");
    payload = segment_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (!payload)
        return reject(err, "malformed");

    /* 2. The signature, checked by libjwt with the key we chose; then its own reading of the
     * algorithm must agree with ours. */
    rc = jwt_decode(&jwt, token, key->bytes, (int)key->len);
    if (rc != 0 || !jwt || jwt_get_alg(jwt) != JWT_ALG_HS256) {
        jwt_free(jwt);
        json_decref(payload);
        return reject(err, "signature invalid");
    }
    jwt_free(jwt);

    /* 3. The claims. */
    rc = claims_check(payload, config, now, claims, err);
    json_decref(payload);
    if (rc != 0)
        memset(claims, 0, sizeof(*claims));
    return rc;
}
