/* SPDX-License-Identifier: MIT */
/* Entry point: picks the subcommand. Every command lives in its own file under cmd/; this table
 * is the one place that lists them. */
#include "cmd/cmd.h"

#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"serve", cmd_serve, "run the API server"},
    {"org", cmd_org, "create an organization and its admin token"},
    {"user", cmd_user, "create a user who can log in"},
    {"token", cmd_token, "create an API token offline"},
    {"migrate", cmd_migrate, "apply database migrations"},
    {"version", cmd_version, "print the version"},
    {"scan", cmd_scan, "scan an API described by an OpenAPI document"},
    {"worker", cmd_worker, "run queued scans from the database (scale-out)"},
};

static void
usage(FILE *out)
{
    fprintf(out, "usage: vigil <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'vigil <command> --help' for a command's options.\n");
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "vigil: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
