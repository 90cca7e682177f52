/* SPDX-License-Identifier: MIT */
/* The subcommands of the vigil binary. Each takes the arguments after its own name
 * (argv[0] is the subcommand) and returns the process exit status. */
#ifndef VIGIL_CMD_H
#define VIGIL_CMD_H

int cmd_version(int argc, char **argv);

#endif
