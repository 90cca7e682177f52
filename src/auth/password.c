/* SPDX-License-Identifier: MIT */
/* Password hashing and policy. Hashing and verification are libargon2's; this file only picks
 * the parameters, checks stored strings for outdated ones, and decides which new passwords are
 * too weak to accept. Every buffer that held a password (or a transformed copy of one) is wiped
 * before it goes out of scope. */
#include "auth/password.h"

#include <argon2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password_int.h"
#include "core/id.h"
#include "core/str.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

/* The PHC prefix libargon2 writes for the current parameters (it always orders m, t, p). */
#define CURRENT_PREFIX                                                                             \
    "$argon2id$v=19$m=" STR(PASSWORD_M_COST_KIB) ",t=" STR(PASSWORD_T_COST) ",p=" STR(             \
        PASSWORD_PARALLELISM) "$"

/* Unpadded base64 lengths of the salt and the hash. */
#define SALT_B64_LEN ((PASSWORD_SALT_LEN * 4 + 2) / 3)
#define HASH_B64_LEN ((PASSWORD_HASH_LEN * 4 + 2) / 3)

/* A hash of a password nobody knows, with the current parameters (checked by a unit test):
 * password_verify_dummy() spends the same work on it as a real verification. */
static const char dummy_hash[] = "$argon2id$v=19$m=19456,t=2,p=1$Wn8QNc7jhFlyFyjN5rtccQ$"
                                 "lIAVfseJtDX4UxLdre1HN/gitBTYrf43FuDwlWP1ZFw";

/* ---------------------------------------------------------------------------------------- */
/* Hashing and verification                                                                  */

/* argon2id verifications run by this thread since the last password_verifications_take(). */
static _Thread_local unsigned verifications;

unsigned
password_verifications_take(void)
{
    unsigned n = verifications;

    verifications = 0;
    return n;
}

int
password_hash(const char *password, char out[PASSWORD_ENCODED_MAX], struct err *err)
{
    unsigned char salt[PASSWORD_SALT_LEN];
    size_t len;
    int rc;

    if (!password)
        return err_field(err, "password", "is required");
    len = strlen(password);
    if (len > PASSWORD_MAX_BYTES)
        return err_field(err, "password", "must be at most %d bytes", PASSWORD_MAX_BYTES);
    random_bytes(salt, sizeof(salt));
    rc = argon2id_hash_encoded(PASSWORD_T_COST, PASSWORD_M_COST_KIB, PASSWORD_PARALLELISM, password,
                               len, salt, sizeof(salt), PASSWORD_HASH_LEN, out,
                               PASSWORD_ENCODED_MAX);
    str_wipe(salt, sizeof(salt));
    if (rc != ARGON2_OK)
        return err_internal(err, "argon2id_hash_encoded: %s", argon2_error_message(rc));
    return 0;
}

int
password_verify(const char *encoded, const char *password, struct err *err)
{
    size_t len;
    int rc;

    if (!encoded || !str_has_prefix(encoded, "$argon2id$"))
        return err_internal(err, "stored password hash is not argon2id");
    len = password ? strlen(password) : 0;
    if (!password || len > PASSWORD_MAX_BYTES)
        return err_set(err, UNAUTHORIZED, "invalid username or password");
    verifications++;
    rc = argon2id_verify(encoded, password, len);
    if (rc == ARGON2_OK)
        return 0;
    if (rc == ARGON2_VERIFY_MISMATCH)
        return err_set(err, UNAUTHORIZED, "invalid username or password");
    return err_internal(err, "argon2id_verify: %s", argon2_error_message(rc));
}

void
password_verify_dummy(const char *password)
{
    size_t len = password ? strlen(password) : 0;

    if (len > PASSWORD_MAX_BYTES)
        return;
    verifications++;
    (void)argon2id_verify(dummy_hash, password ? password : "", len);
}

static bool
is_b64_run(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return false;
    }
    return true;
}

bool
password_needs_rehash(const char *encoded)
{
    size_t prefix = sizeof(CURRENT_PREFIX) - 1;
    const char *p;

    if (!encoded || strncmp(encoded, CURRENT_PREFIX, prefix) != 0)
        return true;
    p = encoded + prefix;
    if (strlen(p) != SALT_B64_LEN + 1 + HASH_B64_LEN || p[SALT_B64_LEN] != '$')
        return true;
    return !is_b64_run(p, SALT_B64_LEN) || !is_b64_run(p + SALT_B64_LEN + 1, HASH_B64_LEN);
}

/* ---------------------------------------------------------------------------------------- */
/* Policy                                                                                    */

static int
compare_entry(const void *key, const void *entry)
{
    return strcmp((const char *)key, *(const char *const *)entry);
}

bool
password_is_common(const char *s)
{
    if (!*s)
        return false;
    return bsearch(s, password_common_list, password_common_count, sizeof(password_common_list[0]),
                   compare_entry) != NULL;
}

/* ASCII letters, and every byte of a multi-byte UTF-8 character, count as letters: padding is
 * digits, ASCII punctuation and spaces. */
static bool
is_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Removes leading and trailing non-letters in place. */
static void
strip_padding(char *s)
{
    size_t start = 0, end = strlen(s);

    while (start < end && !is_letter((unsigned char)s[start]))
        start++;
    while (end > start && !is_letter((unsigned char)s[end - 1]))
        end--;
    memmove(s, s + start, end - start);
    s[end - start] = '\0';
}

/* Undoes the usual look-alike substitutions ("p@ssw0rd"); `one` is what '1' stands for. */
static void
unleet(char *s, char one)
{
    for (; *s; s++) {
        switch (*s) {
        case '0':
            *s = 'o';
            break;
        case '1':
            *s = one;
            break;
        case '!':
            *s = 'i';
            break;
        case '3':
            *s = 'e';
            break;
        case '4':
        case '@':
            *s = 'a';
            break;
        case '5':
        case '$':
            *s = 's';
            break;
        case '7':
        case '+':
            *s = 't';
            break;
        case '8':
            *s = 'b';
            break;
        case '9':
            *s = 'g';
            break;
        default:
            break;
        }
    }
}

/* True if s is a known word, or one known word repeated ("monkeymonkey"). */
static bool
is_common_or_repeated(const char *s)
{
    size_t n = strlen(s);
    char unit[PASSWORD_MAX_BYTES + 1];

    if (password_is_common(s))
        return true;
    for (size_t period = 1; period <= n / 2; period++) {
        bool repeats = n % period == 0;

        for (size_t i = period; repeats && i < n; i++)
            repeats = s[i] == s[i - period];
        if (repeats) {
            memcpy(unit, s, period);
            unit[period] = '\0';
            return password_is_common(unit);
        }
    }
    return false;
}

/* True if each character is the previous one plus or minus one ("abcdefghijkl",
 * "987654321098" with the digit wrap-around). */
static bool
is_sequence(const char *s)
{
    size_t n = strlen(s);
    int step = 0;

    if (n < 4)
        return false;
    for (size_t i = 1; i < n; i++) {
        int d = (unsigned char)s[i] - (unsigned char)s[i - 1];

        if (s[i] == '0' && s[i - 1] == '9')
            d = 1;
        else if (s[i] == '9' && s[i - 1] == '0')
            d = -1;
        if ((d != 1 && d != -1) || (step && d != step))
            return false;
        step = d;
    }
    return true;
}

/* Drops every non-letter ("letmein_letmein", "pass-word-2024"). */
static void
keep_letters(char *s)
{
    char *out = s;

    for (; *s; s++) {
        if (is_letter((unsigned char)*s))
            *out++ = *s;
    }
    *out = '\0';
}

/* lower is the lower-cased password; scratch holds as many bytes. */
static bool
is_common_password(const char *lower, char *scratch, size_t size)
{
    static const char ones[] = {'i', 'l'};
    bool common = false;

    if (is_common_or_repeated(lower) || is_sequence(lower))
        return true;
    str_copy(scratch, lower, size);
    strip_padding(scratch);
    if (is_common_or_repeated(scratch) || (!*scratch && is_sequence(lower)))
        return true;
    keep_letters(scratch);
    if (is_common_or_repeated(scratch))
        return true;
    for (size_t i = 0; i < sizeof(ones) && !common; i++) {
        str_copy(scratch, lower, size);
        unleet(scratch, ones[i]);
        strip_padding(scratch);
        common = is_common_or_repeated(scratch);
        if (!common) {
            /* Padding first, then the look-alikes inside what remains ("P4ssw0rd2024!"). */
            str_copy(scratch, lower, size);
            strip_padding(scratch);
            unleet(scratch, ones[i]);
            common = is_common_or_repeated(scratch);
        }
    }
    return common;
}

static size_t
count_code_points(const char *s, size_t n)
{
    size_t count = 0;

    for (size_t i = 0; i < n; i++)
        count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}

static size_t
count_distinct_bytes(const char *s, size_t n)
{
    bool seen[256] = {false};
    size_t count = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        count += !seen[c];
        seen[c] = true;
    }
    return count;
}

/* True if the lower-case password contains the lower-case form of name[0..len). */
static bool
contains_name(const char *lower, const char *name, size_t len)
{
    char folded[PASSWORD_MAX_BYTES + 1];
    bool found;

    if (len < 3 || len > PASSWORD_MAX_BYTES)
        return false;
    memcpy(folded, name, len);
    folded[len] = '\0';
    str_lower(folded);
    found = strstr(lower, folded) != NULL;
    str_wipe(folded, len);
    return found;
}

static bool
contains_username(const char *lower, const char *username)
{
    const char *at;

    if (!username)
        return false;
    if (contains_name(lower, username, strlen(username)))
        return true;
    at = strchr(username, '@');
    return at && contains_name(lower, username, (size_t)(at - username));
}

int
password_check_policy(const char *password, const char *username, struct err *err)
{
    char lower[PASSWORD_MAX_BYTES + 1], scratch[PASSWORD_MAX_BYTES + 1];
    const char *problem = NULL;
    size_t len;

    if (!password)
        return err_field(err, "password", "is required");
    len = strlen(password);
    if (len > PASSWORD_MAX_BYTES)
        return err_field(err, "password", "must be at most %d bytes", PASSWORD_MAX_BYTES);
    if (!str_utf8_valid(password, len))
        return err_field(err, "password", "must be valid UTF-8 text");
    if (count_code_points(password, len) < PASSWORD_MIN_CHARS)
        return err_field(err, "password", "must be at least %d characters long",
                         PASSWORD_MIN_CHARS);
    if (count_distinct_bytes(password, len) < 4)
        return err_field(err, "password", "must contain at least 4 different characters");

    memcpy(lower, password, len + 1);
    str_lower(lower);
    if (contains_username(lower, username))
        problem = "must not contain the username";
    else if (is_common_password(lower, scratch, sizeof(scratch)))
        problem = "is too common: avoid well-known passwords, and words padded with digits or "
                  "symbols";
    str_wipe(lower, sizeof(lower));
    str_wipe(scratch, sizeof(scratch));
    if (problem)
        return err_field(err, "password", "%s", problem);
    return 0;
}
