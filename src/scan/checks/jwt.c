/* SPDX-License-Identifier: MIT */
/* JWT weaknesses of the first identity's token: an HMAC secret found in a short list of common
 * secrets (cracked offline with OpenSSL HMAC, no request needed), and a server that accepts a
 * token with `alg: none` or with a broken signature. The forged tokens are sent to a secured
 * operation that answered A's baseline; they count only if a request without credentials is
 * refused there and the forged one gets an answer shaped like A's. */
#include "scan/checks/checks_int.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/id.h"

/* Secrets seen in tutorials, defaults and leaked configurations. */
static const char *const weak_secrets[] = {
    "secret",
    "secret123",
    "secretkey",
    "secret-key",
    "secret_key",
    "mysecret",
    "my-secret",
    "my_secret",
    "mysecretkey",
    "my-secret-key",
    "my_secret_key",
    "supersecret",
    "super-secret",
    "super_secret",
    "supersecretkey",
    "topsecret",
    "changeme",
    "change-me",
    "changeit",
    "change_this",
    "changethis",
    "password",
    "password1",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "admin",
    "admin123",
    "administrator",
    "root",
    "toor",
    "test",
    "test123",
    "testing",
    "demo",
    "default",
    "dev",
    "development",
    "prod",
    "production",
    "staging",
    "qwerty",
    "qwerty123",
    "123456",
    "1234567",
    "12345678",
    "123456789",
    "1234567890",
    "letmein",
    "welcome",
    "hello",
    "hello123",
    "abc123",
    "abcdef",
    "jwt",
    "jwtsecret",
    "jwt-secret",
    "jwt_secret",
    "jwtkey",
    "jwt-key",
    "jwt_key",
    "jwt_secret_key",
    "jwtSecret",
    "JWT_SECRET",
    "token",
    "tokensecret",
    "token-secret",
    "auth",
    "authsecret",
    "auth-secret",
    "key",
    "private",
    "privatekey",
    "private-key",
    "shhh",
    "shhhhh",
    "s3cr3t",
    "s3cret",
    "secr3t",
    "your-256-bit-secret",
    "your-secret-key",
    "your_jwt_secret",
    "yoursecret",
    "your-secret",
    "app-secret",
    "appsecret",
    "api-secret",
    "apisecret",
    "sessionsecret",
    "session-secret",
    "keyboard cat",
    "nodejs",
    "express",
    "django",
    "flask",
    "laravel",
    "spring",
    "hs256",
    "HS256",
    "signing-key",
    "signingkey",
    "master",
    "example",
    "sample",
    "null",
    "",
};

#define NONE_HEADER "{\"alg\":\"none\",\"typ\":\"JWT\"}"
#define N_SECRETS   (sizeof(weak_secrets) / sizeof(weak_secrets[0]))

struct jwt_state {
    const struct scan_check *check;
    const struct scan_op *op; /* where forged tokens go */
    struct check_jwt token;
    const char *forged[2];
    int pending;
};

static const EVP_MD *
hmac_digest(const char *alg)
{
    if (strcmp(alg, "HS256") == 0)
        return EVP_sha256();
    if (strcmp(alg, "HS384") == 0)
        return EVP_sha384();
    if (strcmp(alg, "HS512") == 0)
        return EVP_sha512();
    return NULL;
}

/* The secret from the list that signs the token, or NULL. */
static const char *
crack(const struct check_jwt *t)
{
    json_t *alg = json_object_get(t->header, "alg");
    const EVP_MD *md = json_is_string(alg) ? hmac_digest(json_string_value(alg)) : NULL;
    size_t input_len;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len;
    char input[8192];

    if (!md)
        return NULL;
    input_len = (size_t)snprintf(input, sizeof(input), "%s.%s", t->header_b64, t->payload_b64);
    if (input_len >= sizeof(input))
        return NULL;
    for (size_t i = 0; i < N_SECRETS; i++) {
        const char *s = weak_secrets[i];

        if (!HMAC(md, s, (int)strlen(s), (const unsigned char *)input, input_len, mac, &mac_len))
            continue;
        if (mac_len == t->signature_len && CRYPTO_memcmp(mac, t->signature, mac_len) == 0)
            return s;
    }
    return NULL;
}

static const char *
mask_secret(struct scan *scan, const char *s)
{
    size_t n = strlen(s);
    char *out = arena_strdup(scan_arena(scan), s);

    for (size_t i = 2; i < n; i++)
        out[i] = '*';
    return out;
}

static void
forged_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
            void *userdata)
{
    struct jwt_state *st = userdata;
    bool none = probe->label && strstr(probe->label, "none");
    json_t *j;

    if (!check_status_ok(resp->status))
        return;
    j = probe_json(scan, resp);
    if (st->op->baseline_json &&
        (!j || check_json_shape_similarity(st->op->baseline_json, j) < 0.8))
        return;
    struct check_finding cf = {
        .title = none ? "JWT with alg \"none\" accepted" : "JWT signature not verified",
        .description = none ? "The server accepted a token whose header says alg \"none\" and "
                              "which carries no signature: anyone can forge any identity."
                            : "The server accepted a token whose signature was altered: "
                              "signatures are not verified, so claims can be forged.",
        .severity = SEVERITY_CRITICAL,
        .confidence = CONFIDENCE_HIGH,
        .cwe = "CWE-347",
        .notes = none ? "The first identity's claims were sent with {\"alg\":\"none\"} and an "
                        "empty signature; the same request without credentials was refused."
                      : "The first identity's token was sent with its signature replaced by "
                        "random bytes; the same request without credentials was refused.",
    };
    check_emit(scan, st->check, st->op, &cf, probe, resp);
}

static void
send_forged(struct scan *scan, struct jwt_state *st)
{
    static const char *const labels[] = {"jwt: alg none", "jwt: altered signature"};

    for (size_t i = 0; i < 2; i++) {
        struct probe p;

        scan_probe_as(scan, st->op, SCAN_ID_NONE, &p);
        check_probe_add_header(&p, "Authorization",
                               arena_printf(scan_arena(scan), "Bearer %s", st->forged[i]));
        p.label = labels[i];
        scan_send(scan, &p, forged_done, st);
    }
}

static void
control_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
             void *userdata)
{
    (void)probe;
    /* Without credentials the operation must refuse: otherwise nothing is learnt from a forged
     * token being accepted (that is auth_bypass's finding). */
    if (resp->status == 401 || resp->status == 403)
        send_forged(scan, userdata);
}

static const struct scan_op *
target_op(struct scan *scan)
{
    const struct scan_op *best = NULL;

    for (size_t i = 0; i < scan_op_count(scan); i++) {
        const struct scan_op *op = scan_op_at(scan, i);

        if (!op->spec_op || !op->spec_op->secured || !check_method_is(op, "GET") ||
            !check_status_ok(op->baseline_status))
            continue;
        if (!best || (strchr(best->path, '{') && !strchr(op->path, '{')))
            best = op;
    }
    return best;
}

static void
on_scan(struct scan *scan, const struct scan_check *check)
{
    struct arena *arena = scan_arena(scan);
    const char *cred = scan_identity_token(scan, SCAN_ID_A);
    struct jwt_state *st;
    const char *secret;
    unsigned char bad[64];
    struct probe p;

    if (!cred || strncasecmp(cred, "Bearer ", 7) != 0)
        return;
    st = arena_alloc(arena, sizeof(*st));
    st->check = check;
    if (check_jwt_parse(scan, cred, &st->token) != 0)
        return;
    st->op = target_op(scan);

    secret = crack(&st->token);
    if (secret) {
        struct check_finding cf = {
            .title = "JWT signed with a weak HMAC secret",
            .description = "The token's HMAC secret is in a short list of common secrets: "
                           "anyone can sign tokens for any identity.",
            .severity = SEVERITY_CRITICAL,
            .confidence = CONFIDENCE_HIGH,
            .cwe = "CWE-521",
            .notes = arena_printf(arena,
                                  "The first identity's token verifies with the secret "
                                  "\"%s\" (masked), found offline without any request.",
                                  mask_secret(scan, secret)),
        };
        check_emit(scan, check, st->op, &cf, NULL, NULL);
    }

    if (!st->op)
        return;
    /* alg none: the same claims, no signature. */
    st->forged[0] =
        arena_printf(arena, "%s.%s.", check_b64url_encode(scan, NONE_HEADER, strlen(NONE_HEADER)),
                     st->token.payload_b64);
    /* The original token with a different signature of the same length. */
    random_bytes(bad, sizeof(bad));
    st->forged[1] = arena_printf(
        arena, "%s.%s.%s", st->token.header_b64, st->token.payload_b64,
        check_b64url_encode(scan, bad,
                            st->token.signature_len && st->token.signature_len <= sizeof(bad)
                                ? st->token.signature_len
                                : 32));
    scan_probe_as(scan, st->op, SCAN_ID_NONE, &p);
    p.label = "jwt: no credentials (control)";
    scan_send(scan, &p, control_done, st);
}

const struct scan_check check_jwt = {
    .id = "jwt",
    .title = "JWT weaknesses",
    .owasp = "API2:2023",
    .cwe = "CWE-347",
    .severity = SEVERITY_CRITICAL,
    .remediation = "Verify every token's signature with a fixed, expected algorithm (never the "
                   "one the token names; reject \"none\"), and sign with a long random secret "
                   "(at least 256 bits) or an asymmetric key kept out of the code.",
    .references = "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/ "
                  "https://cwe.mitre.org/data/definitions/347.html "
                  "https://datatracker.ietf.org/doc/html/rfc8725",
    .on_scan = on_scan,
};
