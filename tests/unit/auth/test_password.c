/* SPDX-License-Identifier: MIT */
/* Passwords: argon2id hashing and verification, rehash detection, and every policy rule. The
 * .c is included so the fixed dummy hash can be checked against the current parameters. Hashing
 * costs ~50 ms, so only a handful of tests hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <argon2.h>
#include <string.h>

#include "../../../src/auth/password.c"

/* ---------------------------------------------------------------------------------------- */
/* Hashing                                                                                   */

static void
hash_is_phc_argon2id_and_verifies(void **state)
{
    char a[PASSWORD_ENCODED_MAX], b[PASSWORD_ENCODED_MAX];
    struct err err = {0};
    (void)state;

    assert_int_equal(password_hash("correct horse battery staple", a, &err), 0);
    assert_true(str_has_prefix(a, "$argon2id$v=19$m=19456,t=2,p=1$"));
    assert_false(password_needs_rehash(a));
    assert_int_equal(password_verify(a, "correct horse battery staple", &err), 0);
    assert_int_equal(err.code, ERR_OK);

    /* A fresh salt each time: the same password never gives the same string. */
    assert_int_equal(password_hash("correct horse battery staple", b, &err), 0);
    assert_string_not_equal(a, b);

    assert_int_equal(password_verify(a, "correct horse battery stapl", &err), -1);
    assert_int_equal(err.code, ERR_UNAUTHORIZED);
    assert_string_equal(err.detail, "invalid username or password");
}

static void
verify_rejects_non_argon2id_and_oversized(void **state)
{
    char big[PASSWORD_MAX_BYTES + 2];
    struct err err = {0};
    (void)state;

    assert_int_equal(password_verify("$2y$10$abcdefghijklmnopqrstuv", "x", &err), -1);
    assert_int_equal(err.code, ERR_INTERNAL);
    err_clear(&err);
    assert_int_equal(password_verify("$argon2id$v=19$garbage", "x", &err), -1);
    assert_int_equal(err.code, ERR_INTERNAL);
    err_clear(&err);

    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(password_verify(dummy_hash, big, &err), -1);
    assert_int_equal(err.code, ERR_UNAUTHORIZED);
    err_clear(&err);
    assert_int_equal(password_hash(big, big, &err), -1);
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    assert_string_equal(err.fields[0].field, "password");
}

static void
old_parameters_still_verify_and_need_rehash(void **state)
{
    char old[PASSWORD_ENCODED_MAX];
    const unsigned char salt[16] = "0123456789abcdef";
    struct err err = {0};
    (void)state;

    /* Cheap parameters, as a past release might have used. */
    assert_int_equal(argon2id_hash_encoded(1, 1024, 1, "an old password", 15, salt, sizeof(salt),
                                           32, old, sizeof(old)),
                     ARGON2_OK);
    assert_int_equal(password_verify(old, "an old password", &err), 0);
    assert_true(password_needs_rehash(old));
}

static void
needs_rehash_spots_every_difference(void **state)
{
    (void)state;

    assert_false(password_needs_rehash(dummy_hash));
    assert_true(password_needs_rehash(NULL));
    assert_true(password_needs_rehash(""));
    assert_true(password_needs_rehash("$argon2i$v=19$m=19456,t=2,p=1$Wn8QNc7jhFlyFyjN5rtccQ$"
                                      "lIAVfseJtDX4UxLdre1HN/gitBTYrf43FuDwlWP1ZFw"));
    assert_true(password_needs_rehash("$argon2id$v=16$m=19456,t=2,p=1$Wn8QNc7jhFlyFyjN5rtccQ$"
                                      "lIAVfseJtDX4UxLdre1HN/gitBTYrf43FuDwlWP1ZFw"));
    assert_true(password_needs_rehash("$argon2id$v=19$m=65536,t=2,p=1$Wn8QNc7jhFlyFyjN5rtccQ$"
                                      "lIAVfseJtDX4UxLdre1HN/gitBTYrf43FuDwlWP1ZFw"));
    assert_true(password_needs_rehash("$argon2id$v=19$m=19456,t=3,p=1$Wn8QNc7jhFlyFyjN5rtccQ$"
                                      "lIAVfseJtDX4UxLdre1HN/gitBTYrf43FuDwlWP1ZFw"));
    assert_true(password_needs_rehash("$argon2id$v=19$m=19456,t=2,p=2$Wn8QNc7jhFlyFyjN5rtccQ$"
                                      "lIAVfseJtDX4UxLdre1HN/gitBTYrf43FuDwlWP1ZFw"));
    /* Shorter salt, shorter hash. */
    assert_true(password_needs_rehash("$argon2id$v=19$m=19456,t=2,p=1$Wn8QNc7jhFlyFyjN$"
                                      "lIAVfseJtDX4UxLdre1HN/gitBTYrf43FuDwlWP1ZFw"));
    assert_true(password_needs_rehash("$argon2id$v=19$m=19456,t=2,p=1$Wn8QNc7jhFlyFyjN5rtccQ$"
                                      "lIAVfseJtDX4UxLdre1HN/gitBTYr"));
}

static void
dummy_hash_matches_no_likely_password(void **state)
{
    struct err err = {0};
    (void)state;

    /* Same parameters as real hashes (so the same cost), and a well-formed string. */
    assert_false(password_needs_rehash(dummy_hash));
    assert_int_equal(password_verify(dummy_hash, "", &err), -1);
    assert_int_equal(err.code, ERR_UNAUTHORIZED);
    password_verify_dummy("anything at all");
    password_verify_dummy(NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* Policy                                                                                    */

/* Asserts the policy rejects pw with exactly one error on "password" containing `words`. */
static void
assert_rejected(const char *pw, const char *username, const char *words)
{
    struct err err = {0};

    if (password_check_policy(pw, username, &err) != -1)
        fail_msg("accepted: \"%s\"", pw ? pw : "(null)");
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    assert_int_equal(err.n_fields, 1);
    assert_string_equal(err.fields[0].field, "password");
    if (!strstr(err.fields[0].message, words))
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", pw, err.fields[0].message, words);
}

static void
assert_accepted(const char *pw, const char *username)
{
    struct err err = {0};

    if (password_check_policy(pw, username, &err) != 0)
        fail_msg("rejected \"%s\": %s", pw, err.fields[0].message);
    assert_int_equal(err.code, ERR_OK);
}

static void
policy_requires_a_password(void **state)
{
    (void)state;
    assert_rejected(NULL, "alice", "is required");
}

static void
policy_caps_length_in_bytes(void **state)
{
    char pw[PASSWORD_MAX_BYTES + 2];
    (void)state;

    /* A random-looking long password: 1024 bytes pass, 1025 do not. */
    for (size_t i = 0; i < sizeof(pw) - 1; i++)
        pw[i] = (char)('a' + (i * 7 + i / 26) % 26);
    pw[PASSWORD_MAX_BYTES] = '\0';
    assert_accepted(pw, "alice");
    pw[PASSWORD_MAX_BYTES] = 'q';
    pw[PASSWORD_MAX_BYTES + 1] = '\0';
    assert_rejected(pw, "alice", "at most 1024 bytes");
}

static void
policy_counts_code_points_not_bytes(void **state)
{
    (void)state;

    assert_rejected("short-pw-11", NULL, "at least 12 characters");
    assert_accepted("short-pw-12x", NULL);
    /* 11 Japanese characters are 33 bytes but still too short; 12 are enough. */
    assert_rejected("日本語のパスワードです", NULL, "at least 12 characters");
    assert_accepted("日本語のパスワードですね", NULL);
    assert_rejected("\xff\xfe invalid utf8 text", NULL, "valid UTF-8");
    assert_rejected("overlong \xc0\xaf slash here", NULL, "valid UTF-8");
}

static void
policy_wants_some_variety(void **state)
{
    (void)state;

    assert_rejected("aaaaaaaaaaaaaaaa", NULL, "4 different characters");
    assert_rejected("abcabcabcabcabc", NULL, "4 different characters");
    assert_rejected("121212121212", NULL, "4 different characters");
}

static void
policy_rejects_the_username(void **state)
{
    (void)state;

    assert_rejected("alice.wonderland", "alice.wonderland", "username");
    assert_rejected("My-ALICE-is-strong-7", "alice", "username");
    assert_rejected("Bob.Smith: winter walks 9", "bob.smith@example.com", "username");
    /* Tiny usernames would forbid half the alphabet: they are not checked. */
    assert_accepted("xq stable orbit 48 pine", "xq");
    assert_accepted("xq stable orbit 48 pine", "");
    assert_accepted("xq stable orbit 48 pine", NULL);
}

static void
policy_rejects_common_passwords_and_padded_words(void **state)
{
    static const char *const weak[] = {
        "password1234",  "Password2024!",   "P@ssw0rd2024!",  "p4ssw0rd!!!!!",   "qwertyuiop12",
        "QWERTYUIOP!!",  "iloveyou!!!!",    "123456789012",   "1234567890123",   "monkeymonkey",
        "Dragon#123456", "!!!Football2023", "Welcome@12345",  "letmein_letmein", "abcdefghijkl",
        "987654321098",  "1q2w3e4r5t6y",    "pass-word-2024", "Sunshine...2025"};
    (void)state;

    for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++)
        assert_rejected(weak[i], NULL, "too common");
    assert_accepted("Tr0ub4dor&3!!1234", NULL);
    assert_accepted("correct horse battery staple", "alice");
    assert_accepted("vX7#pL9!qR2$", "alice");
}

static void
common_list_is_sorted_unique_lowercase(void **state)
{
    (void)state;

    assert_true(password_common_count >= 1000);
    for (size_t i = 0; i < password_common_count; i++) {
        for (const char *p = password_common_list[i]; *p; p++)
            assert_false(*p >= 'A' && *p <= 'Z');
        if (i > 0 && strcmp(password_common_list[i - 1], password_common_list[i]) >= 0)
            fail_msg("out of order: %s, %s", password_common_list[i - 1], password_common_list[i]);
    }
    assert_true(password_is_common("password"));
    assert_true(password_is_common("zxcvbnm"));
    assert_false(password_is_common(""));
    assert_false(password_is_common("vigil-not-a-word"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_is_phc_argon2id_and_verifies),
        cmocka_unit_test(verify_rejects_non_argon2id_and_oversized),
        cmocka_unit_test(old_parameters_still_verify_and_need_rehash),
        cmocka_unit_test(needs_rehash_spots_every_difference),
        cmocka_unit_test(dummy_hash_matches_no_likely_password),
        cmocka_unit_test(policy_requires_a_password),
        cmocka_unit_test(policy_caps_length_in_bytes),
        cmocka_unit_test(policy_counts_code_points_not_bytes),
        cmocka_unit_test(policy_wants_some_variety),
        cmocka_unit_test(policy_rejects_the_username),
        cmocka_unit_test(policy_rejects_common_passwords_and_padded_words),
        cmocka_unit_test(common_list_is_sorted_unique_lowercase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
