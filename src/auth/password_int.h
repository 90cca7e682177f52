/* SPDX-License-Identifier: MIT */
/* Internal to the password module: the embedded common-password list (common_passwords.c). */
#ifndef VIGIL_AUTH_PASSWORD_INT_H
#define VIGIL_AUTH_PASSWORD_INT_H

#include <stdbool.h>
#include <stddef.h>

/* Lower-case entries sorted by strcmp, for bsearch. */
extern const char *const password_common_list[];
extern const size_t password_common_count;

/* True if the lower-case string s is in the list. */
bool password_is_common(const char *s);

#endif
