/* SPDX-License-Identifier: MIT */
/* Access tokens and the key ring. Hostile tokens are built here with OpenSSL's HMAC and base64,
 * independently of libjwt, so the verifier is tested against a second implementation: every
 * rejection below is a token that is correctly signed except for the one thing under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/jwt.h"
#include "core/str.h"

#define NOW 1767225600 /* 2026-01-01T00:00:00Z */

static const char secret[] = "an-example-secret-of-at-least-32-bytes!!";

/* ---------------------------------------------------------------------------------------- */
/* Token forging helpers                                                                     */

static void
b64url(const void *data, size_t n, char *out)
{
    int len = EVP_EncodeBlock((unsigned char *)out, data, (int)n);

    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (char *p = out; *p; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
    }
}

/* header.payload.signature with HMAC over md (EVP_sha256(), EVP_sha512()) or no signature. */
static char *
forge(const char *header, const char *payload, const EVP_MD *md, const void *key, size_t keylen)
{
    static char token[JWT_TOKEN_MAX];
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    size_t n;

    b64url(header, strlen(header), token);
    n = strlen(token);
    token[n++] = '.';
    b64url(payload, strlen(payload), token + n);
    n = strlen(token);
    if (md)
        HMAC(md, key, (int)keylen, (const unsigned char *)token, n, mac, &maclen);
    token[n++] = '.';
    b64url(mac, maclen, token + n);
    return token;
}

/* A payload like the ones we issue, with the given issuer, audience, use and times. */
static char *
payload_with(const char *iss, const char *aud, const char *use, long iat, long nbf, long exp)
{
    static char out[1024];

    snprintf(out, sizeof(out),
             "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"usr_1\",\"org\":\"org_1\",\"role\":"
             "\"admin\",\"scope\":\"projects:read scans:write\",\"jti\":\"j1\",\"token_use\":"
             "\"%s\",\"iat\":%ld,\"nbf\":%ld,\"exp\":%ld}",
             iss, aud, use, iat, nbf, exp);
    return out;
}

static char *
good_payload(void)
{
    return payload_with("vigil", "vigil-api", "access", NOW, NOW, NOW + 900);
}

static char kid_header[256];

/* The ring under test: one key from the secret. */
static struct jwt_keyring ring;
static const struct jwt_config config = JWT_CONFIG_DEFAULT;

static int
setup(void **state)
{
    (void)state;
    jwt_keyring_init(&ring);
    assert_int_equal(jwt_keyring_from_secret(&ring, secret, NULL), 0);
    snprintf(kid_header, sizeof(kid_header), "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
             ring.keys[0].kid);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    jwt_keyring_cleanup(&ring);
    return 0;
}

/* Asserts the token is refused with exactly this detail. */
static void
assert_refused(const char *token, int64_t now, const char *detail)
{
    struct jwt_claims claims;
    struct err err = {0};

    assert_int_equal(jwt_access_verify(&ring, &config, token, now, &claims, &err), -1);
    assert_int_equal(err.code, ERR_UNAUTHORIZED);
    assert_string_equal(err.detail, detail);
    assert_string_equal(claims.sub, ""); /* nothing from a refused token leaks out */
}

static void
assert_accepted(const char *token, int64_t now)
{
    struct jwt_claims claims;
    struct err err = {0};

    if (jwt_access_verify(&ring, &config, token, now, &claims, &err) != 0)
        fail_msg("refused: %s", err.detail);
}

/* ---------------------------------------------------------------------------------------- */
/* Round trip                                                                                */

static void
issued_token_verifies_with_all_claims(void **state)
{
    struct jwt_claims in = {
        .sub = "usr_42", .org = "org_7", .role = "member", .scope = "findings:read scans:write"};
    struct jwt_claims out;
    char token[JWT_TOKEN_MAX], header[256];
    unsigned char raw[256];
    struct err err = {0};
    const char *dot;
    int n;
    (void)state;

    assert_int_equal(jwt_access_issue(&ring, &config, &in, NOW, token, sizeof(token), &err), 0);
    assert_int_equal(in.iat, NOW);
    assert_int_equal(in.nbf, NOW);
    assert_int_equal(in.exp, NOW + JWT_ACCESS_TTL);
    assert_int_equal(strlen(in.jti), 22);

    assert_int_equal(jwt_access_verify(&ring, &config, token, NOW + 10, &out, &err), 0);
    assert_string_equal(out.sub, "usr_42");
    assert_string_equal(out.org, "org_7");
    assert_string_equal(out.role, "member");
    assert_string_equal(out.scope, "findings:read scans:write");
    assert_string_equal(out.jti, in.jti);
    assert_int_equal(out.exp, NOW + 900);

    /* The header names our kid and the pinned algorithm. */
    dot = strchr(token, '.');
    memcpy(header, token, (size_t)(dot - token));
    header[dot - token] = '\0';
    for (size_t len = strlen(header); len % 4; len++) {
        header[len] = '=';
        header[len + 1] = '\0';
    }
    for (char *p = header; *p; p++)
        *p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
    n = EVP_DecodeBlock(raw, (unsigned char *)header, (int)strlen(header));
    assert_true(n > 0);
    raw[n] = '\0';
    assert_non_null(strstr((char *)raw, "\"alg\":\"HS256\""));
    assert_non_null(strstr((char *)raw, "\"typ\":\"JWT\""));
    assert_non_null(strstr((char *)raw, ring.keys[0].kid));

    /* Our forger agrees with libjwt: the same claims verify. */
    assert_accepted(forge(kid_header, good_payload(), EVP_sha256(), secret, strlen(secret)), NOW);
}

/* The session id (refresh family) round-trips; a token without one verifies with sid "" (the
 * API refuses it), and a sid that is not a non-empty string is refused here. */
static void
session_id_round_trips_and_must_be_a_string(void **state)
{
    struct jwt_claims in = {.sub = "usr_1",
                            .org = "org_1",
                            .role = "member",
                            .scope = "findings:read",
                            .sid = "rtf_abc"};
    struct jwt_claims out;
    char token[JWT_TOKEN_MAX];
    struct err err = {0};
    (void)state;

    assert_int_equal(jwt_access_issue(&ring, &config, &in, NOW, token, sizeof(token), &err), 0);
    assert_int_equal(jwt_access_verify(&ring, &config, token, NOW, &out, &err), 0);
    assert_string_equal(out.sid, "rtf_abc");

    in.sid[0] = '\0';
    assert_int_equal(jwt_access_issue(&ring, &config, &in, NOW, token, sizeof(token), &err), 0);
    assert_int_equal(jwt_access_verify(&ring, &config, token, NOW, &out, &err), 0);
    assert_string_equal(out.sid, "");

    for (int i = 0; i < 2; i++) {
        char payload[1100];
        const char *bad = i == 0 ? "5" : "\"\"";

        snprintf(payload, sizeof(payload), "%.*s,\"sid\":%s}", (int)strlen(good_payload()) - 1,
                 good_payload(), bad);
        assert_refused(forge(kid_header, payload, EVP_sha256(), secret, strlen(secret)), NOW,
                       "access token claims incomplete");
    }
}

static void
issue_needs_identity_and_a_key(void **state)
{
    struct jwt_claims in = {.sub = "usr_1", .org = "", .role = "admin"};
    struct jwt_keyring empty;
    char token[JWT_TOKEN_MAX];
    struct err err = {0};
    (void)state;

    assert_int_equal(jwt_access_issue(&ring, &config, &in, NOW, token, sizeof(token), &err), -1);
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    err_clear(&err);
    str_copy(in.org, "org_1", sizeof(in.org));
    jwt_keyring_init(&empty);
    assert_int_equal(jwt_access_issue(&empty, &config, &in, NOW, token, sizeof(token), &err), -1);
    assert_int_equal(err.code, ERR_INTERNAL);
    err_clear(&err);
    assert_int_equal(jwt_access_issue(&ring, &config, &in, NOW, token, 20, &err), -1);
    assert_int_equal(err.code, ERR_INTERNAL);
}

/* ---------------------------------------------------------------------------------------- */
/* Algorithm confusion                                                                       */

static void
alg_none_is_refused_in_every_spelling(void **state)
{
    static const char *const algs[] = {"none", "None", "NONE", "nOnE", ""};
    char header[256];
    (void)state;

    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", algs[i],
                 ring.keys[0].kid);
        assert_refused(forge(header, good_payload(), NULL, NULL, 0), NOW,
                       "access token algorithm not allowed");
        /* Even with a valid HS256 signature attached. */
        assert_refused(forge(header, good_payload(), EVP_sha256(), secret, strlen(secret)), NOW,
                       "access token algorithm not allowed");
    }
    assert_refused(forge("{\"typ\":\"JWT\"}", good_payload(), NULL, NULL, 0), NOW,
                   "access token algorithm not allowed");
}

static void
other_algorithms_are_refused_before_the_key_is_used(void **state)
{
    static const char *const algs[] = {"HS512", "HS384", "RS256", "ES256", "PS256", "hs256"};
    char header[256];
    (void)state;

    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", algs[i],
                 ring.keys[0].kid);
        /* HS512 correctly computed with our own key: still not HS256. */
        assert_refused(forge(header, good_payload(), EVP_sha512(), secret, strlen(secret)), NOW,
                       "access token algorithm not allowed");
        assert_refused(forge(header, good_payload(), EVP_sha256(), secret, strlen(secret)), NOW,
                       "access token algorithm not allowed");
    }
    /* Two alg members: which one counts is ambiguous, so neither does. */
    snprintf(header, sizeof(header),
             "{\"alg\":\"HS256\",\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
             ring.keys[0].kid);
    assert_refused(forge(header, good_payload(), EVP_sha256(), secret, strlen(secret)), NOW,
                   "access token malformed");
}

static void
header_type_and_crit_are_pinned(void **state)
{
    char header[256];
    (void)state;

    snprintf(header, sizeof(header), "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}",
             ring.keys[0].kid);
    assert_refused(forge(header, good_payload(), EVP_sha256(), secret, strlen(secret)), NOW,
                   "access token type not allowed");
    snprintf(header, sizeof(header), "{\"alg\":\"HS256\",\"kid\":\"%s\"}", ring.keys[0].kid);
    assert_refused(forge(header, good_payload(), EVP_sha256(), secret, strlen(secret)), NOW,
                   "access token type not allowed");
    snprintf(header, sizeof(header),
             "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"%s\",\"crit\":[\"exp\"]}",
             ring.keys[0].kid);
    assert_refused(forge(header, good_payload(), EVP_sha256(), secret, strlen(secret)), NOW,
                   "access token has critical header parameters");
}

/* ---------------------------------------------------------------------------------------- */
/* Signatures and keys                                                                       */

static void
tampered_payload_fails_the_signature(void **state)
{
    char token[JWT_TOKEN_MAX], *dot2;
    char evil[1024];
    (void)state;

    str_copy(token, forge(kid_header, good_payload(), EVP_sha256(), secret, strlen(secret)),
             sizeof(token));
    dot2 = strrchr(token, '.');
    /* Swap the payload for one that says role "admin" of another org, keep the signature. */
    {
        char sig[128], head[512];
        const char *dot1 = strchr(token, '.');

        str_copy(sig, dot2 + 1, sizeof(sig));
        memcpy(head, token, (size_t)(dot1 - token));
        head[dot1 - token] = '\0';
        const char *forged =
            "{\"iss\":\"vigil\",\"aud\":\"vigil-api\",\"sub\":\"usr_1\",\"org\":\"org_2\","
            "\"role\":\"admin\",\"scope\":\"admin\",\"jti\":\"j1\",\"token_use\":\"access\","
            "\"iat\":1767225600,\"nbf\":1767225600,\"exp\":1767226500}";

        b64url(forged, strlen(forged), evil);
        snprintf(token, sizeof(token), "%s.%s.%s", head, evil, sig);
    }
    assert_refused(token, NOW, "access token signature invalid");

    /* One flipped signature character. */
    str_copy(token, forge(kid_header, good_payload(), EVP_sha256(), secret, strlen(secret)),
             sizeof(token));
    dot2 = strrchr(token, '.');
    dot2[5] = dot2[5] == 'A' ? 'B' : 'A';
    assert_refused(token, NOW, "access token signature invalid");
    /* A truncated or missing signature. */
    str_copy(token, forge(kid_header, good_payload(), EVP_sha256(), secret, strlen(secret)),
             sizeof(token));
    token[strlen(token) - 1] = '\0';
    assert_refused(token, NOW, "access token signature invalid");
    strrchr(token, '.')[1] = '\0';
    assert_refused(token, NOW, "access token signature invalid");
}

static void
another_key_or_unknown_kid_is_refused(void **state)
{
    const char other[] = "a-different-secret-also-32-bytes-long!!!";
    char header[256];
    (void)state;

    assert_refused(forge(kid_header, good_payload(), EVP_sha256(), other, strlen(other)), NOW,
                   "access token signature invalid");
    assert_refused(forge("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"nope\"}", good_payload(),
                         EVP_sha256(), secret, strlen(secret)),
                   NOW, "access token key id unknown");
    assert_refused(forge("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", good_payload(), EVP_sha256(),
                         secret, strlen(secret)),
                   NOW, "access token key id unknown");
    assert_refused(forge("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"../../etc/passwd\"}",
                         good_payload(), EVP_sha256(), secret, strlen(secret)),
                   NOW, "access token key id unknown");
    snprintf(header, sizeof(header), "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":5}");
    assert_refused(forge(header, good_payload(), EVP_sha256(), secret, strlen(secret)), NOW,
                   "access token key id unknown");
}

static void
key_url_headers_are_ignored(void **state)
{
    const char attacker[] = "the-attackers-own-key-of-32-bytes-or-more";
    char header[512];
    (void)state;

    /* Signed with our key: the jku/jwk/x5u noise changes nothing. */
    snprintf(header, sizeof(header),
             "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"%s\",\"jku\":\"http://127.0.0.1:1/"
             "jwks.json\",\"x5u\":\"http://127.0.0.1:1/c.pem\",\"jwk\":{\"kty\":\"oct\",\"k\":"
             "\"dGhlLWF0dGFja2Vycy1vd24ta2V5LW9mLTMyLWJ5dGVzLW9yLW1vcmU\"},\"x5c\":[\"MIIB\"]}",
             ring.keys[0].kid);
    assert_accepted(forge(header, good_payload(), EVP_sha256(), secret, strlen(secret)), NOW);
    /* Signed with the key the jwk header offers: refused, the header never picks a key. */
    assert_refused(forge(header, good_payload(), EVP_sha256(), attacker, strlen(attacker)), NOW,
                   "access token signature invalid");
}

static void
rotation_keeps_old_tokens_valid_and_signs_with_the_new_key(void **state)
{
    struct jwt_claims in = {.sub = "usr_1", .org = "org_1", .role = "viewer", .scope = ""};
    struct jwt_claims out;
    char before[JWT_TOKEN_MAX], after[JWT_TOKEN_MAX];
    char old_kid[JWT_KID_MAX + 1];
    struct jwt_keyring only_new;
    struct err err = {0};
    (void)state;

    assert_int_equal(jwt_access_issue(&ring, &config, &in, NOW, before, sizeof(before), &err), 0);
    str_copy(old_kid, ring.keys[ring.current].kid, sizeof(old_kid));
    jwt_keyring_rotate(&ring);
    assert_int_equal(ring.count, 2);
    assert_string_not_equal(ring.keys[ring.current].kid, old_kid);

    assert_int_equal(jwt_access_issue(&ring, &config, &in, NOW, after, sizeof(after), &err), 0);
    assert_int_equal(jwt_access_verify(&ring, &config, before, NOW, &out, &err), 0);
    assert_int_equal(jwt_access_verify(&ring, &config, after, NOW, &out, &err), 0);
    assert_string_equal(out.scope, "");

    /* The new token carries the new kid: a ring holding only the new key accepts it alone. */
    jwt_keyring_init(&only_new);
    assert_int_equal(jwt_keyring_add(&only_new, ring.keys[ring.current].kid,
                                     ring.keys[ring.current].bytes, ring.keys[ring.current].len,
                                     true, &err),
                     0);
    assert_int_equal(jwt_access_verify(&only_new, &config, after, NOW, &out, &err), 0);
    assert_int_equal(jwt_access_verify(&only_new, &config, before, NOW, &out, &err), -1);
    assert_string_equal(err.detail, "access token key id unknown");
    jwt_keyring_cleanup(&only_new);

    /* A full ring drops its oldest non-current key on rotation. */
    for (int i = 0; i < JWT_KEYRING_MAX + 2; i++)
        jwt_keyring_rotate(&ring);
    assert_int_equal(ring.count, JWT_KEYRING_MAX);
    assert_int_equal(ring.current, JWT_KEYRING_MAX - 1);
    err_clear(&err);
    assert_int_equal(jwt_access_verify(&ring, &config, before, NOW, &out, &err), -1);
    assert_string_equal(err.detail, "access token key id unknown");
}

/* ---------------------------------------------------------------------------------------- */
/* Claims                                                                                    */

static void
time_claims_use_the_documented_leeway(void **state)
{
    char *token;
    (void)state;

    token = forge(kid_header, good_payload(), EVP_sha256(), secret, strlen(secret));
    assert_accepted(token, NOW + 900 + JWT_LEEWAY - 1);
    assert_refused(token, NOW + 900 + JWT_LEEWAY, "access token expired");
    assert_refused(token, NOW + 86400, "access token expired");

    token =
        forge(kid_header, payload_with("vigil", "vigil-api", "access", NOW, NOW + 600, NOW + 900),
              EVP_sha256(), secret, strlen(secret));
    assert_refused(token, NOW, "access token not yet valid");
    assert_accepted(token, NOW + 600 - JWT_LEEWAY);

    token =
        forge(kid_header, payload_with("vigil", "vigil-api", "access", NOW + 600, NOW, NOW + 900),
              EVP_sha256(), secret, strlen(secret));
    assert_refused(token, NOW, "access token issued in the future");

    token = forge(kid_header,
                  "{\"iss\":\"vigil\",\"aud\":\"vigil-api\",\"sub\":\"usr_1\",\"org\":\"org_1\","
                  "\"role\":\"admin\",\"scope\":\"\",\"jti\":\"j\",\"token_use\":\"access\","
                  "\"iat\":1767225600,\"nbf\":1767225600,\"exp\":\"1767226500\"}",
                  EVP_sha256(), secret, strlen(secret));
    assert_refused(token, NOW, "access token lacks exp, nbf or iat");
}

static void
issuer_audience_and_use_must_match(void **state)
{
    (void)state;

    assert_refused(forge(kid_header,
                         payload_with("evil", "vigil-api", "access", NOW, NOW, NOW + 900),
                         EVP_sha256(), secret, strlen(secret)),
                   NOW, "access token issuer wrong");
    assert_refused(forge(kid_header,
                         payload_with("vigil", "other-api", "access", NOW, NOW, NOW + 900),
                         EVP_sha256(), secret, strlen(secret)),
                   NOW, "access token audience wrong");
    /* A refresh-typed (or untyped) token signed with the same key is not an access token. */
    assert_refused(forge(kid_header,
                         payload_with("vigil", "vigil-api", "refresh", NOW, NOW, NOW + 900),
                         EVP_sha256(), secret, strlen(secret)),
                   NOW, "token is not an access token");
    assert_refused(forge(kid_header,
                         "{\"iss\":\"vigil\",\"aud\":\"vigil-api\",\"sub\":\"usr_1\",\"org\":"
                         "\"org_1\",\"role\":\"admin\",\"jti\":\"j\",\"iat\":1767225600,\"nbf\":"
                         "1767225600,\"exp\":1767226500}",
                         EVP_sha256(), secret, strlen(secret)),
                   NOW, "token is not an access token");
    /* An audience array holding ours is fine. */
    assert_accepted(forge(kid_header,
                          "{\"iss\":\"vigil\",\"aud\":[\"x\",\"vigil-api\"],\"sub\":\"usr_1\","
                          "\"org\":\"org_1\",\"role\":\"admin\",\"scope\":\"\",\"jti\":\"j\","
                          "\"token_use\":\"access\",\"iat\":1767225600,\"nbf\":1767225600,"
                          "\"exp\":1767226500}",
                          EVP_sha256(), secret, strlen(secret)),
                    NOW);
    /* Missing identity claims. */
    assert_refused(forge(kid_header,
                         "{\"iss\":\"vigil\",\"aud\":\"vigil-api\",\"sub\":\"\",\"org\":\"org_1\","
                         "\"role\":\"admin\",\"scope\":\"\",\"jti\":\"j\",\"token_use\":"
                         "\"access\",\"iat\":1767225600,\"nbf\":1767225600,\"exp\":1767226500}",
                         EVP_sha256(), secret, strlen(secret)),
                   NOW, "access token claims incomplete");
}

static void
malformed_tokens_are_refused(void **state)
{
    char big[JWT_TOKEN_MAX + 10];
    (void)state;

    assert_refused(NULL, NOW, "access token missing");
    assert_refused("", NOW, "access token missing");
    assert_refused("abc", NOW, "access token malformed");
    assert_refused("a.b", NOW, "access token malformed");
    assert_refused("a.b.c.d", NOW, "access token malformed");
    assert_refused(".b.c", NOW, "access token malformed");
    assert_refused("eyJ9.eyJ9.eyJ9", NOW, "access token malformed");
    assert_refused("a b.c.d", NOW, "access token malformed");
    assert_refused("aGVsbG8.aGVsbG8.aGVsbG8", NOW, "access token malformed"); /* not JSON */
    /* Padding and whitespace are not base64url. */
    {
        char token[JWT_TOKEN_MAX];

        str_copy(token, forge(kid_header, good_payload(), EVP_sha256(), secret, strlen(secret)),
                 sizeof(token));
        assert_accepted(token, NOW);
        snprintf(big, sizeof(big), "%s=", token);
        assert_refused(big, NOW, "access token malformed");
        snprintf(big, sizeof(big), " %s", token);
        assert_refused(big, NOW, "access token malformed");
    }
    /* A claim named twice is ambiguous even when correctly signed. */
    assert_refused(forge(kid_header,
                         "{\"iss\":\"vigil\",\"aud\":\"vigil-api\",\"sub\":\"usr_1\",\"org\":"
                         "\"org_1\",\"role\":\"viewer\",\"role\":\"admin\",\"scope\":\"\",\"jti\":"
                         "\"j\",\"token_use\":\"access\",\"iat\":1767225600,\"nbf\":1767225600,"
                         "\"exp\":1767226500}",
                         EVP_sha256(), secret, strlen(secret)),
                   NOW, "access token malformed");
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_refused(big, NOW, "access token too long");
}

/* ---------------------------------------------------------------------------------------- */
/* Key ring                                                                                  */

static void
secret_must_be_long_enough_and_names_its_kid_stably(void **state)
{
    struct jwt_keyring a, b;
    struct err err = {0};
    (void)state;

    jwt_keyring_init(&a);
    jwt_keyring_init(&b);
    assert_int_equal(jwt_keyring_from_secret(&a, "too-short-secret-31-bytes-long!", &err), -1);
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    assert_int_equal(jwt_keyring_from_secret(&a, NULL, NULL), -1);
    assert_int_equal(jwt_keyring_from_secret(&a, secret, NULL), 0);
    assert_int_equal(jwt_keyring_from_secret(&b, secret, NULL), 0);
    assert_string_equal(a.keys[0].kid, b.keys[0].kid);
    assert_int_equal(a.keys[0].len, strlen(secret));
    assert_null(strstr(a.keys[0].kid, "secret"));
    jwt_keyring_generate(&b);
    assert_int_equal(b.count, 1);
    assert_int_equal(b.keys[0].len, 32);
    assert_string_not_equal(a.keys[0].kid, b.keys[0].kid);
    jwt_keyring_cleanup(&a);
    jwt_keyring_cleanup(&b);
}

static void
keyring_add_validates(void **state)
{
    unsigned char key[64] = {1};
    struct jwt_keyring r;
    struct err err = {0};
    (void)state;

    jwt_keyring_init(&r);
    assert_int_equal(jwt_keyring_add(&r, "bad kid", key, 32, true, &err), -1);
    assert_int_equal(jwt_keyring_add(&r, "", key, 32, true, &err), -1);
    assert_int_equal(jwt_keyring_add(&r, "k1", key, 31, true, &err), -1);
    assert_int_equal(jwt_keyring_add(&r, "k1", key, 32, false, &err), 0);
    assert_int_equal(r.current, 0); /* the first key is current whatever the flag */
    err_clear(&err);
    assert_int_equal(jwt_keyring_add(&r, "k1", key, 32, true, &err), -1);
    assert_int_equal(err.code, ERR_CONFLICT);
    assert_int_equal(jwt_keyring_add(&r, "k2", key, 64, false, &err), 0);
    assert_int_equal(r.current, 0);
    assert_int_equal(jwt_keyring_add(&r, "k3", key, 64, true, &err), 0);
    assert_int_equal(r.current, 2);
    jwt_keyring_cleanup(&r);
}

static void
key_file_round_trips_privately(void **state)
{
    char dir[] = "/tmp/vigil-jwt-XXXXXX", path[256];
    struct jwt_keyring saved, loaded;
    struct jwt_claims in = {.sub = "usr_1", .org = "org_1", .role = "admin"}, out;
    char token[JWT_TOKEN_MAX];
    struct stat st;
    struct err err = {0};
    FILE *f;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/jwt.keys", dir);
    jwt_keyring_init(&loaded);

    assert_int_equal(jwt_keyring_load_file(&loaded, path, &err), -1);
    assert_int_equal(err.code, ERR_NOT_FOUND);
    err_clear(&err);

    /* Created on first use, then the same keys on the next start. */
    assert_int_equal(jwt_keyring_load_or_create(&saved, path, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    jwt_keyring_rotate(&saved);
    assert_int_equal(jwt_keyring_save_file(&saved, path, &err), 0);
    assert_int_equal(jwt_keyring_load_or_create(&loaded, path, &err), 0);
    assert_int_equal(loaded.count, 2);
    assert_string_equal(loaded.keys[loaded.current].kid, saved.keys[saved.current].kid);
    assert_int_equal(loaded.current, 0); /* the file lists the current key first */
    assert_memory_equal(loaded.keys[0].bytes, saved.keys[saved.current].bytes, 32);
    assert_int_equal(jwt_access_issue(&saved, &config, &in, NOW, token, sizeof(token), &err), 0);
    assert_int_equal(jwt_access_verify(&loaded, &config, token, NOW, &out, &err), 0);

    /* A file others can read is refused. */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(jwt_keyring_load_file(&loaded, path, &err), -1);
    assert_int_equal(err.code, ERR_INTERNAL);
    assert_non_null(strstr(err.cause, "chmod 600"));
    err_clear(&err);

    /* Comments and blank lines are skipped; a bad line names its number. */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("# vigil keys\n\nk1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n", f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(jwt_keyring_load_file(&loaded, path, &err), 0);
    assert_int_equal(loaded.count, 1);
    assert_string_equal(loaded.keys[0].kid, "k1");
    assert_memory_equal(loaded.keys[0].bytes, "0123456789abcdef0123456789abcdef", 32);
    f = fopen(path, "a");
    fputs("k2:not base64!\n", f);
    fclose(f);
    assert_int_equal(jwt_keyring_load_file(&loaded, path, &err), -1);
    assert_non_null(strstr(err.cause, "line 4"));
    assert_int_equal(loaded.count, 1); /* unchanged on failure */
    err_clear(&err);
    f = fopen(path, "w");
    fputs("k1:c2hvcnQ=\n", f); /* "short": 5 bytes */
    fclose(f);
    assert_int_equal(jwt_keyring_load_file(&loaded, path, &err), -1);
    err_clear(&err);
    f = fopen(path, "w");
    fputs("# nothing\n", f);
    fclose(f);
    assert_int_equal(jwt_keyring_load_file(&loaded, path, &err), -1);

    unlink(path);
    rmdir(dir);
    jwt_keyring_cleanup(&saved);
    jwt_keyring_cleanup(&loaded);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(issued_token_verifies_with_all_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(issue_needs_identity_and_a_key, setup, teardown),
        cmocka_unit_test_setup_teardown(alg_none_is_refused_in_every_spelling, setup, teardown),
        cmocka_unit_test_setup_teardown(other_algorithms_are_refused_before_the_key_is_used, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(header_type_and_crit_are_pinned, setup, teardown),
        cmocka_unit_test_setup_teardown(tampered_payload_fails_the_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(another_key_or_unknown_kid_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(key_url_headers_are_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(rotation_keeps_old_tokens_valid_and_signs_with_the_new_key,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(time_claims_use_the_documented_leeway, setup, teardown),
        cmocka_unit_test_setup_teardown(issuer_audience_and_use_must_match, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_tokens_are_refused, setup, teardown),
        cmocka_unit_test(secret_must_be_long_enough_and_names_its_kid_stably),
        cmocka_unit_test(keyring_add_validates),
        cmocka_unit_test_setup_teardown(session_id_round_trips_and_must_be_a_string, setup,
                                        teardown),
        cmocka_unit_test(key_file_round_trips_privately),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
