/* SPDX-License-Identifier: MIT */
/* User passwords: argon2id hashing (libargon2, RFC 9106 / OWASP parameters m = 19 MiB, t = 2,
 * p = 1, 16-byte random salt) into PHC strings such as "$argon2id$v=19$m=19456,t=2,p=1$...",
 * constant-time verification, and the policy a new password must meet. A plaintext password
 * never leaves the caller's buffer and never reaches a log or an error message. */
#ifndef VIGIL_AUTH_PASSWORD_H
#define VIGIL_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define PASSWORD_T_COST      2
#define PASSWORD_M_COST_KIB  19456
#define PASSWORD_PARALLELISM 1
#define PASSWORD_SALT_LEN    16
#define PASSWORD_HASH_LEN    32
/* Room for an encoded hash with the parameters above (97 characters) and any we may adopt. */
#define PASSWORD_ENCODED_MAX 160

#define PASSWORD_MIN_CHARS 12   /* Unicode code points */
#define PASSWORD_MAX_BYTES 1024 /* bounds the hashing work an unauthenticated caller can ask */

/* Hashes the NUL-terminated password with a fresh random salt and writes the PHC string
 * (NUL-terminated) into out. Does not apply the policy: call password_check_policy() first
 * when the password is being chosen. Raises VALIDATION_ERROR on "password" if it is longer
 * than PASSWORD_MAX_BYTES, INTERNAL if libargon2 fails (out of memory). */
int password_hash(const char *password, char out[PASSWORD_ENCODED_MAX], struct err *err);

/* Checks password against a stored PHC string in constant time (argon2id_verify). Returns 0
 * on a match. A mismatch raises UNAUTHORIZED "invalid username or password" (the same words as
 * for an unknown user, see password_verify_dummy); a stored string that is not an argon2id hash
 * raises INTERNAL (the cause names libargon2's reason). A password over PASSWORD_MAX_BYTES is a
 * mismatch without hashing. */
int password_verify(const char *encoded, const char *password, struct err *err);

/* Runs one verification against a fixed hash with the current parameters and discards the
 * result, so a login for an unknown user costs the same time as a wrong password. */
void password_verify_dummy(const char *password);

/* The number of argon2id verifications password_verify() and password_verify_dummy() ran on
 * this thread since the last call, and resets it: a test observes that an unknown user costs
 * the same one verification as a wrong password, by counting instead of timing. */
unsigned password_verifications_take(void);

/* True if the stored string was not made with the current algorithm and parameters (other
 * variant, version, m, t, p, salt or hash length): after a successful login the caller then
 * re-hashes the password it just verified and stores the new string. */
bool password_needs_rehash(const char *encoded);

/* Policy for a password being set. On failure raises VALIDATION_ERROR with one entry on field
 * "password" naming the first rule broken, in this order: missing; over 1024 bytes; not valid
 * UTF-8 (or holds a NUL); fewer than 12 characters (code points); fewer than 4 distinct
 * characters; equal to or containing the username (compared case-insensitively, for usernames
 * of 3+ bytes; for an e-mail address also its local part); a common password, or a common word
 * padded with digits and symbols or spelt with look-alike digits ("P@ssw0rd2024!"). username
 * may be NULL or "". */
int password_check_policy(const char *password, const char *username, struct err *err);

#endif
