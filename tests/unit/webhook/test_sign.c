/* SPDX-License-Identifier: MIT */
/* Unit tests for webhook/sign.c against the Standard Webhooks specification's published test
 * vector. Source: github.com/standard-webhooks/standard-webhooks, libraries/go/webhook_test.go
 * (TestWebhookSign and the shared fixture: secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, message
 * msg_p5jXN8AQM9LWM0D4loKWxJek, timestamp 1614265330, payload {"test": 2432232314}, signature
 * v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=; the invalid signature
 * v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= and the multi-signature header of
 * "valid multi sig is valid"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "webhook/webhook.h"

#define VEC_SECRET    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define VEC_ID        "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define VEC_TS        1614265330
#define VEC_BODY      "{\"test\": 2432232314}"
#define VEC_SIGNATURE "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
#define VEC_INVALID   "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="

static void
sign_matches_the_published_vector(void **state)
{
    char sig[WEBHOOK_SIGNATURE_MAX];
    (void)state;

    assert_int_equal(
        webhook_sign(VEC_SECRET, VEC_ID, VEC_TS, VEC_BODY, strlen(VEC_BODY), sig, sizeof(sig)), 0);
    assert_string_equal(sig, VEC_SIGNATURE);
}

static void
verify_accepts_the_vector_and_refuses_changes(void **state)
{
    const char *body = VEC_BODY;
    (void)state;

    assert_true(webhook_verify(VEC_SECRET, VEC_ID, VEC_TS, body, strlen(body), VEC_SIGNATURE));
    assert_false(webhook_verify(VEC_SECRET, VEC_ID, VEC_TS, body, strlen(body), VEC_INVALID));
    assert_false(webhook_verify(VEC_SECRET, VEC_ID, VEC_TS + 1, body, strlen(body), VEC_SIGNATURE));
    assert_false(
        webhook_verify(VEC_SECRET, "msg_other", VEC_TS, body, strlen(body), VEC_SIGNATURE));
    assert_false(webhook_verify(VEC_SECRET, VEC_ID, VEC_TS, body, strlen(body) - 1, VEC_SIGNATURE));
    assert_false(webhook_verify(VEC_SECRET, VEC_ID, VEC_TS, body, strlen(body), ""));
    assert_false(webhook_verify(VEC_SECRET, VEC_ID, VEC_TS, body, strlen(body), NULL));
    /* The signature under a version other than v1 does not count. */
    assert_false(webhook_verify(VEC_SECRET, VEC_ID, VEC_TS, body, strlen(body),
                                "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
}

static void
verify_finds_the_valid_entry_among_several(void **state)
{
    /* The specification's "valid multi sig is valid" header. */
    const char *header = VEC_INVALID
        " v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " VEC_SIGNATURE " " VEC_INVALID;
    (void)state;

    assert_true(webhook_verify(VEC_SECRET, VEC_ID, VEC_TS, VEC_BODY, strlen(VEC_BODY), header));
}

static void
secret_keys_follow_the_prefix_rule(void **state)
{
    unsigned char key[WEBHOOK_KEY_MAX];
    size_t n;
    char generated[64];
    char sig_a[WEBHOOK_SIGNATURE_MAX], sig_b[WEBHOOK_SIGNATURE_MAX];
    (void)state;

    assert_int_equal(webhook_secret_key(VEC_SECRET, key, &n), 0);
    assert_int_equal(n, 24);
    /* A plain secret (seed 003) is its own bytes. */
    assert_int_equal(webhook_secret_key("your-webhook-secret", key, &n), 0);
    assert_int_equal(n, strlen("your-webhook-secret"));
    assert_memory_equal(key, "your-webhook-secret", n);
    assert_int_equal(webhook_secret_key("short", key, &n), -1);
    assert_int_equal(webhook_secret_key("", key, &n), -1);
    assert_int_equal(webhook_secret_key(NULL, key, &n), -1);
    assert_int_equal(webhook_secret_key("whsec_not*base64!!", key, &n), -1);
    assert_int_equal(webhook_secret_key("whsec_QUJD", key, &n), -1); /* 3 bytes: too short */
    assert_int_equal(webhook_secret_key("whsec_", key, &n), -1);

    webhook_secret_generate(generated, sizeof(generated));
    assert_int_equal(strlen(generated), 6 + 44);
    assert_memory_equal(generated, "whsec_", 6);
    assert_int_equal(webhook_secret_key(generated, key, &n), 0);
    assert_int_equal(n, WEBHOOK_SECRET_BYTES);
    assert_int_equal(webhook_sign(generated, "msg_a", 1, "x", 1, sig_a, sizeof(sig_a)), 0);
    webhook_secret_generate(generated, sizeof(generated));
    assert_int_equal(webhook_sign(generated, "msg_a", 1, "x", 1, sig_b, sizeof(sig_b)), 0);
    assert_string_not_equal(sig_a, sig_b);
    assert_int_equal(webhook_sign("short", "msg_a", 1, "x", 1, sig_a, sizeof(sig_a)), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sign_matches_the_published_vector),
        cmocka_unit_test(verify_accepts_the_vector_and_refuses_changes),
        cmocka_unit_test(verify_finds_the_valid_entry_among_several),
        cmocka_unit_test(secret_keys_follow_the_prefix_rule),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
