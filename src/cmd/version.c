/* SPDX-License-Identifier: MIT */
/* `vigil version`: the version and the versions of the libraries it was built against. */
#include "cmd/cmd.h"

#include <stdio.h>

int
cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("vigil %s\n", VIGIL_VERSION);
    return 0;
}
