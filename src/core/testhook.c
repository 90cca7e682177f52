/* SPDX-License-Identifier: MIT */
/* See testhook.h. The environment is read once; a build without VIGIL_TEST_HOOKS never reads it. */
#include "core/testhook.h"

#include <stdlib.h>
#include <string.h>

bool
testhook_enabled(void)
{
#ifdef VIGIL_TEST_HOOKS
    static int enabled = -1;

    if (enabled < 0) {
        const char *v = getenv("VIGIL_TEST_HOOKS");

        enabled = v && strcmp(v, "1") == 0;
    }
    return enabled == 1;
#else
    return false;
#endif
}
