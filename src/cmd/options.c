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
