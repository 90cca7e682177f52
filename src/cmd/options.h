/* SPDX-License-Identifier: MIT */
/* Flag and environment handling shared by the commands: every flag has a VIGIL_* variable,
 * the flag wins. */
#ifndef VIGIL_CMD_OPTIONS_H
#define VIGIL_CMD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

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

/* The directory of the server's state files (jwt.keys, scan-credentials.key): data_dir when
 * given (--data-dir / VIGIL_DATA_DIR; created if missing), else the SQLite file's directory.
 * A PostgreSQL URL has no such directory: then data_dir is required. Writes it to out; 0, or -1
 * with a message on stderr naming `command`. */
int cmd_state_dir(const char *command, const char *data_dir, const char *database, char *out,
                  size_t size);

#endif
