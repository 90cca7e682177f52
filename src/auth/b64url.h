/* SPDX-License-Identifier: MIT */
/* base64url decoding, one copy for JWTs (auth/jwt.c) and the scanner's JWT checks. */
#ifndef VIGIL_AUTH_B64URL_H
#define VIGIL_AUTH_B64URL_H

#include <stddef.h>

/* Decodes unpadded base64url src[0..n) into out (size >= n * 3 / 4 + 3). Returns the decoded
 * length, or -1 if src holds anything but the URL alphabet or has an impossible length. */
long auth_b64url_decode(const char *src, size_t n, unsigned char *out);

#endif
