/* SPDX-License-Identifier: MIT */
/* `vigil serve`: opens the store (applying migrations), creates the first organization and
 * its admin token on first start, and serves the API until SIGTERM or SIGINT, then drains:
 * requests in flight finish, new ones get 503, the database closes cleanly, exit 0. */
#include "cmd/cmd.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "cmd/options.h"
#include "core/log.h"
#include "core/str.h"
#include "http/http.h"
#include "store/store.h"

#define SERVE_DRAIN_TIMEOUT_MS 15000

static void
serve_usage(FILE *out)
{
    fprintf(out,
            "usage: vigil serve [--listen HOST:PORT] [--database URL] [--threads N]\n"
            "                   [--body-max BYTES]\n\n"
            "  --listen     address to listen on (VIGIL_LISTEN, default 127.0.0.1:8080)\n"
            "  --database   sqlite:PATH (VIGIL_DATABASE_URL, default %s)\n"
            "  --threads    server threads (VIGIL_THREADS, default: 4 per core, at most 32)\n"
            "  --body-max   request body cap in bytes (VIGIL_BODY_MAX, default 1048576)\n",
            CMD_DEFAULT_DATABASE);
}

/* "127.0.0.1:8080", "[::1]:8080", "localhost:0" -> host + port. */
static int
parse_listen(const char *listen, char *host, size_t host_size, uint16_t *port)
{
    const char *colon;
    long long p;

    if (listen[0] == '[') {
        const char *end = strchr(listen, ']');

        if (!end || end[1] != ':')
            return -1;
        if ((size_t)(end - listen - 1) >= host_size)
            return -1;
        memcpy(host, listen + 1, (size_t)(end - listen - 1));
        host[end - listen - 1] = '\0';
        colon = end + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= host_size)
            return -1;
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
        if (!host[0])
            str_copy(host, "127.0.0.1", host_size);
    }
    if (str_to_ll(colon + 1, 0, 65535, &p))
        return -1;
    *port = (uint16_t)p;
    return 0;
}

/* First start: an organization and an admin token, whose secret goes to stdout once. */
static int
bootstrap(struct store *store, struct err *err)
{
    int64_t count;

    if (store_org_count(store, &count, err))
        return -1;
    if (count > 0)
        return 0;
    log_msg(LOG_INFO, "first start: creating the first organization and an admin token "
                      "(printed once on stdout)");
    return cmd_org_create_with_admin(store, "default", err);
}

int
cmd_serve(int argc, char **argv)
{
    const char *listen = NULL, *database = NULL, *threads_s = NULL, *body_max_s = NULL;
    char host[256];
    long long threads = 0, body_max = HTTP_BODY_MAX_DEFAULT;
    struct http_server_config cfg = {0};
    struct http_server *server = NULL;
    struct store *store = NULL;
    struct app app = {0};
    struct err err = {0};
    bool bad = false;
    sigset_t signals;
    int sig = 0, status = 1;
    size_t n_routes;

    for (int i = 1; i < argc && !bad; i++) {
        const char *v;

        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            serve_usage(stdout);
            return 0;
        } else if ((v = cmd_flag(argc, argv, &i, "--listen", &bad))) {
            listen = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--database", &bad))) {
            database = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--threads", &bad))) {
            threads_s = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--body-max", &bad))) {
            body_max_s = v;
        } else if (!bad) {
            fprintf(stderr, "vigil serve: unknown argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    if (bad) {
        serve_usage(stderr);
        return 2;
    }
    listen = cmd_setting(listen, "VIGIL_LISTEN", "127.0.0.1:8080");
    database = cmd_setting(database, "VIGIL_DATABASE_URL", CMD_DEFAULT_DATABASE);
    threads_s = cmd_setting(threads_s, "VIGIL_THREADS", NULL);
    body_max_s = cmd_setting(body_max_s, "VIGIL_BODY_MAX", NULL);
    if (parse_listen(listen, host, sizeof(host), &cfg.port)) {
        fprintf(stderr, "vigil serve: --listen wants HOST:PORT, got '%s'\n", listen);
        return 2;
    }
    if (threads_s && str_to_ll(threads_s, 1, 256, &threads)) {
        fprintf(stderr, "vigil serve: --threads wants 1..256, got '%s'\n", threads_s);
        return 2;
    }
    if (body_max_s && str_to_ll(body_max_s, 1024, (long long)1 << 30, &body_max)) {
        fprintf(stderr, "vigil serve: --body-max wants 1024..1073741824, got '%s'\n", body_max_s);
        return 2;
    }

    /* Every thread (the server's pool included) inherits this mask, so the signals reach only
     * the sigwait below and shutdown runs in one known place. */
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (cmd_prepare_database_dir(database))
        return 1;
    store = store_open(database, &err);
    if (!store)
        goto fail;
    if (bootstrap(store, &err) || api_app_init(&app, store, &err))
        goto fail;

    cfg.host = host;
    /* Requests block while their write batch is committed and synced (see store/sqlite.c),
     * so a few threads per core keep the cores busy during those waits. */
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);

        threads = cores > 0 ? 4 * cores : 8;
        if (threads > 32)
            threads = 32;
    }
    cfg.threads = (unsigned)threads;
    cfg.body_max = (size_t)body_max;
    cfg.routes = api_routes(&n_routes);
    cfg.n_routes = n_routes;
    cfg.hooks = api_hooks();
    cfg.app = &app;
    server = http_server_start(&cfg, &err);
    if (!server)
        goto fail;
    log_msg(LOG_INFO, "vigil %s listening on %s:%u (database %s)", VIGIL_VERSION, host,
            (unsigned)http_server_port(server), database);

    sigwait(&signals, &sig);
    log_msg(LOG_INFO, "signal %d: draining", sig);
    http_server_drain(server, SERVE_DRAIN_TIMEOUT_MS);
    http_server_stop(server);
    api_app_cleanup(&app);
    store_close(store);
    log_msg(LOG_INFO, "stopped cleanly");
    return 0;

fail:
    log_msg(LOG_ERROR, "vigil serve: %s%s%s", err.detail, err.cause[0] ? ": " : "", err.cause);
    fprintf(stderr, "vigil serve: %s\n", err.cause[0] ? err.cause : err.detail);
    http_server_stop(server);
    api_app_cleanup(&app);
    store_close(store);
    return status;
}
