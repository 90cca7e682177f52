/* SPDX-License-Identifier: MIT */
/* Test hooks: behaviour the black-box suites need to observe or steer (an argon2 verification
 * count, an advanced clock) without timing anything. They exist only in a build configured with
 * -DVIGIL_TEST_HOOKS=ON (the default, so `make test` has them; release packages turn it off) and
 * act only when the server was started with VIGIL_TEST_HOOKS=1 in its environment. */
#ifndef VIGIL_CORE_TESTHOOK_H
#define VIGIL_CORE_TESTHOOK_H

#include <stdbool.h>

/* True when the hooks were compiled in and VIGIL_TEST_HOOKS=1 is set. */
bool testhook_enabled(void);

#endif
