/* SPDX-License-Identifier: MIT */
/* Command-line helpers. */
#include "cmd/options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *
cmd_flag(int argc, char **argv, int *i, const char *name, bool *bad)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];

    if (strncmp(arg, name, n) != 0)
        return NULL;
    if (arg[n] == '=')
        return arg + n + 1;
    if (arg[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        fprintf(stderr, "vigil: %s needs a value\n", name);
        *bad = true;
        return NULL;
    }
    (*i)++;
    return argv[*i];
}

const char *
cmd_setting(const char *flag_value, const char *env, const char *fallback)
{
    const char *v;

    if (flag_value)
        return flag_value;
    v = getenv(env);
    if (v && *v)
        return v;
    return fallback;
}

int
cmd_prepare_database_dir(const char *url)
{
    char path[4096];
    const char *file = url;

    if (strncmp(url, "sqlite://", 9) == 0)
        file = url + 9;
    else if (strncmp(url, "sqlite:", 7) == 0)
        file = url + 7;
    else if (strstr(url, "://"))
        return 0;
    if (snprintf(path, sizeof(path), "%s", file) >= (int)sizeof(path)) {
        fprintf(stderr, "vigil: database path too long\n");
        return -1;
    }
    /* mkdir -p on every parent component of the file. */
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0750) != 0 && errno != EEXIST) {
            fprintf(stderr, "vigil: cannot create %s: %s\n", path, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    return 0;
}

int
cmd_state_dir(const char *command, const char *data_dir, const char *database, char *out,
              size_t size)
{
    const char *file = database, *slash;

    if (data_dir && *data_dir) {
        if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "%s: cannot create the data directory %s: %s\n", command, data_dir,
                    strerror(errno));
            return -1;
        }
        snprintf(out, size, "%s", data_dir);
        return 0;
    }
    if (strncmp(database, "sqlite://", 9) == 0)
        file = database + 9;
    else if (strncmp(database, "sqlite:", 7) == 0)
        file = database + 7;
    else if (strstr(database, "://")) {
        fprintf(stderr,
                "%s: with a PostgreSQL database, name a directory for the server's state files "
                "(jwt.keys, scan-credentials.key) with --data-dir or VIGIL_DATA_DIR\n",
                command);
        return -1;
    }
    slash = strrchr(file, '/');
    if (slash)
        snprintf(out, size, "%.*s", (int)(slash - file), file);
    else
        snprintf(out, size, ".");
    return 0;
}
