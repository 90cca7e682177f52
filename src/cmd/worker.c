/* SPDX-License-Identifier: MIT */
/* `vigil worker`: scan workers in a process of their own, over the same database as `vigil
 * serve`, until SIGINT or SIGTERM. A scan it is running when stopped goes back to the queue. */
#include "cmd/cmd.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/keys.h"
#include "cmd/options.h"
#include "auth/secretbox.h"
#include "core/log.h"
#include "core/str.h"
#include "jobs/jobs.h"
#include "store/store.h"

static void
worker_usage(FILE *out)
{
    fprintf(out,
            "usage: vigil worker [--database URL] [--data-dir DIR] [--workers N]\n"
            "                    [--webhook-workers N] [--key-encryption-key-file FILE]\n\n"
            "Runs queued scans and webhook deliveries from the database until SIGINT or\n"
            "SIGTERM.\n"
            "  --database   sqlite:PATH or postgres://... (VIGIL_DATABASE_URL, default %s)\n"
            "  --data-dir   where scan-credentials.key is (VIGIL_DATA_DIR; as vigil serve)\n"
            "  --key-encryption-key-file  read the scan credentials key from the database,\n"
            "               sealed with this KEK (VIGIL_KEK_FILE; the same file as vigil serve)\n"
            "  --workers    scan worker threads (VIGIL_SCAN_WORKERS, default 1)\n"
            "  --webhook-workers  webhook delivery threads (VIGIL_WEBHOOK_WORKERS, default 1;\n"
            "               0 = none)\n\n"
            "Environment: VIGIL_SCAN_ALLOW, VIGIL_SCAN_MAX_PER_ORG, VIGIL_WEBHOOK_TIMEOUT_MS,\n"
            "VIGIL_SCAN_KEY_FILE (the same key file as vigil serve; see vigil serve --help).\n",
            CMD_DEFAULT_DATABASE);
}

int
cmd_worker(int argc, char **argv)
{
    const char *database = NULL, *workers_s = NULL;
    long long workers = 1;
    struct scan_policy policy = {0};
    struct jobs_config cfg = {.name = "worker"};
    struct jobs_pool *pool;
    const char *hook_workers_s = NULL;
    long long hook_workers = 1;
    struct webhook_jobs_config hooks = {.name = "worker"};
    struct webhook_pool *hook_pool;
    struct jobs_sweep *sweep;
    struct store *store;
    struct secretbox_key key = {0};
    struct cmd_keys state = {.command = "vigil worker"};
    const char *data_dir = NULL, *kek_file = NULL;
    struct err err = {0};
    sigset_t signals;
    bool bad = false;
    int sig;

    for (int i = 1; i < argc && !bad; i++) {
        const char *v;

        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            worker_usage(stdout);
            return 0;
        } else if ((v = cmd_flag(argc, argv, &i, "--database", &bad))) {
            database = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--data-dir", &bad))) {
            data_dir = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--key-encryption-key-file", &bad))) {
            kek_file = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--workers", &bad))) {
            workers_s = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--webhook-workers", &bad))) {
            hook_workers_s = v;
        } else if (!bad) {
            fprintf(stderr, "vigil worker: unknown argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    if (bad) {
        worker_usage(stderr);
        return 2;
    }
    database = cmd_setting(database, "VIGIL_DATABASE_URL", CMD_DEFAULT_DATABASE);
    data_dir = cmd_setting(data_dir, "VIGIL_DATA_DIR", NULL);
    kek_file = cmd_setting(kek_file, "VIGIL_KEK_FILE", NULL);
    state.database = database;
    state.data_dir = data_dir;
    state.kek_file = kek_file;
    workers_s = cmd_setting(workers_s, "VIGIL_SCAN_WORKERS", NULL);
    if (workers_s && str_to_ll(workers_s, 1, 64, &workers)) {
        fprintf(stderr, "vigil worker: --workers wants 1..64, got '%s'\n", workers_s);
        return 2;
    }
    if (jobs_config_from_env(&cfg, &policy, &err)) {
        err_print(stderr, "vigil worker", &err);
        return 2;
    }
    hook_workers_s = cmd_setting(hook_workers_s, "VIGIL_WEBHOOK_WORKERS", NULL);
    if (hook_workers_s && str_to_ll(hook_workers_s, 0, 64, &hook_workers)) {
        fprintf(stderr, "vigil worker: --webhook-workers wants 0..64, got '%s'\n", hook_workers_s);
        return 2;
    }
    if (webhook_jobs_config_from_env(&hooks, &err)) {
        err_print(stderr, "vigil worker", &err);
        return 2;
    }
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (cmd_keys_prepare(&state))
        return 2;
    store = store_open(database, &err);
    if (!store) {
        err_print(stderr, "vigil worker", &err);
        cmd_keys_cleanup(&state);
        return 1;
    }
    if (cmd_keys_scan(&state, store, &key, &err)) {
        err_print(stderr, "vigil worker", &err);
        store_close(store);
        cmd_keys_cleanup(&state);
        return 1;
    }
    cmd_keys_cleanup(&state); /* the worker needs the KEK no longer */
    cfg.credentials_key = &key;
    cfg.store = store;
    cfg.workers = (int)workers;
    pool = jobs_start(&cfg, &err);
    if (!pool) {
        err_print(stderr, "vigil worker", &err);
        store_close(store);
        secretbox_key_cleanup(&key);
        return 1;
    }
    hooks.store = store;
    hooks.policy = &policy;
    hooks.workers = (int)hook_workers;
    hook_pool = webhook_jobs_start(&hooks, &err);
    if (!hook_pool) {
        err_print(stderr, "vigil worker", &err);
        jobs_stop(pool);
        store_close(store);
        return 1;
    }
    sweep = jobs_sweep_start(store, 0, &err);
    if (!sweep) {
        err_print(stderr, "vigil worker", &err);
        webhook_jobs_stop(hook_pool);
        jobs_stop(pool);
        store_close(store);
        return 1;
    }
    log_msg(LOG_INFO, "vigil worker: %lld scan workers, %lld webhook workers on %s", workers,
            hook_workers, database);
    sigwait(&signals, &sig);
    log_msg(LOG_INFO, "signal %d: stopping", sig);
    jobs_sweep_stop(sweep);
    webhook_jobs_stop(hook_pool);
    jobs_stop(pool);
    store_close(store);
    secretbox_key_cleanup(&key);
    return 0;
}
