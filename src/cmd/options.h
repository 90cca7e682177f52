/* SPDX-License-Identifier: MIT */
/* Flag and environment handling shared by the commands: every flag has a VIGIL_* variable,
 * the flag wins. */
#ifndef VIGIL_CMD_OPTIONS_H
#define VIGIL_CMD_OPTIONS_H

#include <stdbool.h>

#define CMD_DEFAULT_DATABASE "sqlite:./var/vigil.db"

/* The value of --name VALUE or --name=VALUE at argv[*i] (advancing *i past a separate value),
 * or NULL if argv[*i] is not that flag. A flag given without its value prints an error and sets
 * *bad. */
const char *cmd_flag(int argc, char **argv, int *i, const char *name, bool *bad);

/* flag value if set, else getenv(env), else fallback. */
const char *cmd_setting(const char *flag_value, const char *env, const char *fallback);

/* For a sqlite: URL, creates the directory that will hold the file (mkdir -p). 0 or -1 (with
 * a message on stderr). */
int cmd_prepare_database_dir(const char *url);

#endif
