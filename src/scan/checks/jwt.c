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
#include <time.h>

#include "core/arena.h"
#include "core/id.h"

/* Secrets seen in tutorials, framework defaults, sample configurations and password lists:
 * a few thousand, tried offline (HMAC in process, no request). */
static const char *const weak_secrets[] = {
#include "scan/checks/jwt_secrets.inc"
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

/* ---- weak secret: crack, then forge --------------------------------------------------------- */

struct forgery {
    struct jwt_state *st;
    const char *secret;
    const struct scan_op *op; /* where the forged token went */
    const char *subject;      /* identity B's username when forging B, else NULL */
};

static void
report_weak(struct scan *scan, struct forgery *f, const char *how, const struct probe *probe,
            const struct probe_response *resp)
{
    struct check_finding cf = {
        .title = "JWT signed with a weak HMAC secret",
        .description = "The token's HMAC secret is in a list of common secrets: anyone can sign "
                       "tokens for any identity.",
        .severity = SEVERITY_CRITICAL,
        .confidence = CONFIDENCE_HIGH,
        .cwe = "CWE-521",
        .notes = arena_printf(scan_arena(scan),
                              "The first identity's token verifies with the secret \"%s\" "
                              "(masked), found offline among %zu common secrets; %s.",
                              mask_secret(scan, f->secret), N_SECRETS, how),
    };
    check_emit(scan, f->st->check, f->op ? f->op : f->st->op, &cf, probe, resp);
}

static void
forged_weak_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
                 void *userdata)
{
    struct forgery *f = userdata;
    json_t *j = check_status_ok(resp->status) ? probe_json(scan, resp) : NULL;
    bool accepted;

    if (f->subject)
        accepted = j && check_json_has_value(j, f->subject);
    else
        accepted = j && f->op->baseline_json &&
                   check_json_shape_similarity(f->op->baseline_json, j) >= 0.8;
    report_weak(scan, f,
                accepted ? (f->subject ? arena_printf(scan_arena(scan),
                                                      "a token signed with it for identity B's "
                                                      "subject (\"%s\") was accepted: the answer "
                                                      "is B's",
                                                      f->subject)
                                       : "a token signed with it (new claims) was accepted")
                         : "a token signed with it was not accepted by the operation tried",
                probe, resp);
}

/* Claims for the forged token: identity B's (another subject) when B has a JWT, else A's with a
 * new jti; both valid for another hour. */
static const char *
forged_claims(struct scan *scan, struct forgery *f)
{
    struct check_jwt b;
    struct check_credentials cb;
    json_t *claims;
    const char *text;
    int64_t now = (int64_t)time(NULL);

    if (check_jwt_parse(scan, scan_identity_token(scan, SCAN_ID_B), &b) == 0 &&
        check_identity_login(scan, SCAN_ID_B, &cb) && check_json_has_value(b.claims, cb.user)) {
        claims = json_deep_copy(b.claims);
        f->subject = cb.user;
    } else {
        claims = json_deep_copy(f->st->token.claims);
        json_object_set_new(claims, "jti", json_string(check_random_token(scan, 16)));
    }
    if (json_object_get(claims, "iat"))
        json_object_set_new(claims, "iat", json_integer(now));
    if (json_object_get(claims, "exp"))
        json_object_set_new(claims, "exp", json_integer(now + 3600));
    text = check_json_text(scan, claims);
    json_decref(claims);
    return text;
}

static void
forge(struct scan *scan, struct jwt_state *st, const char *secret)
{
    struct forgery *f = arena_alloc(scan_arena(scan), sizeof(*f));
    json_t *alg = json_object_get(st->token.header, "alg");
    const EVP_MD *md = hmac_digest(json_string_value(alg));
    const char *payload, *input, *text;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    struct probe p;

    f->st = st;
    f->secret = secret;
    f->op = check_whoami_op(scan);
    if (!f->op)
        f->op = st->op;
    if (!f->op) {
        report_weak(scan, f, "no operation was available to try a forged token", NULL, NULL);
        return;
    }
    text = forged_claims(scan, f);
    payload = check_b64url_encode(scan, text, strlen(text));
    input = arena_printf(scan_arena(scan), "%s.%s", st->token.header_b64, payload);
    if (!HMAC(md, secret, (int)strlen(secret), (const unsigned char *)input, strlen(input), mac,
              &mac_len)) {
        report_weak(scan, f, "no token could be signed with it", NULL, NULL);
        return;
    }
    scan_probe_as(scan, f->op, SCAN_ID_NONE, &p);
    check_probe_add_header(&p, "Authorization",
                           arena_printf(scan_arena(scan), "Bearer %s.%s", input,
                                        check_b64url_encode(scan, mac, mac_len)));
    p.label = "jwt: token forged with the cracked secret";
    if (scan_send(scan, &p, forged_weak_done, f) != 0)
        report_weak(scan, f, "the forged token could not be sent (a limit)", NULL, NULL);
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
    if (secret)
        forge(scan, st, secret);

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
