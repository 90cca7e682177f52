/* SPDX-License-Identifier: MIT */
/* The subcommands of the vigil binary. Each takes the arguments after its own name
 * (argv[0] is the subcommand) and returns the process exit status. */
#ifndef VIGIL_CMD_H
#define VIGIL_CMD_H

#include "core/err.h"

int cmd_version(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_org(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_migrate(int argc, char **argv);

struct store;
/* Creates organization `name` and its admin token, printing the secret once on stdout. */
int cmd_org_create_with_admin(struct store *store, const char *name, struct err *err);

#endif
