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
#include "auth/issue.h"
#include "auth/jwt.h"
#include "auth/password.h"
#include "auth/ratelimit.h"
#include "auth/secretbox.h"
#include "cmd/keys.h"
#include "cmd/options.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/str.h"
#include "http/http.h"
#include "jobs/jobs.h"
#include "model/scope.h"
#include "store/store.h"

#define SERVE_DRAIN_TIMEOUT_MS 15000

static void
serve_usage(FILE *out)
{
    fprintf(
        out,
        "usage: vigil serve [--listen HOST:PORT] [--database URL] [--data-dir DIR]\n"
        "                   [--key-encryption-key-file FILE] [--db-pool N] [--threads N]\n"
        "                   [--body-max BYTES]\n\n"
        "  --listen     address to listen on (VIGIL_LISTEN, default 127.0.0.1:8080)\n"
        "  --database   sqlite:PATH or postgres://... (VIGIL_DATABASE_URL, default %s)\n"
        "  --data-dir   the server's state files: jwt.keys, scan-credentials.key\n"
        "               (VIGIL_DATA_DIR; default the SQLite file's directory; required with\n"
        "               PostgreSQL unless both key files are named or a KEK is given)\n"
        "  --key-encryption-key-file  keep the JWT keys and the scan credentials key in the\n"
        "               database, sealed with the secret in this file (VIGIL_KEK_FILE; 32+\n"
        "               bytes, mode 0600), so every server on the database shares them; the\n"
        "               key files, if present, are imported on the first start\n"
        "  --db-pool    database connections at most (VIGIL_DB_POOL, default 64)\n"
        "  --threads    server threads (VIGIL_THREADS, default: 4 per core, at most 32)\n"
        "  --body-max   request body cap in bytes (VIGIL_BODY_MAX, default 1048576)\n"
        "  --scan-workers  scan worker threads (VIGIL_SCAN_WORKERS, default 1; 0 = none)\n"
        "  --webhook-workers  webhook delivery threads (VIGIL_WEBHOOK_WORKERS, default 1;\n"
        "               0 = none), each sending up to 16 deliveries at once\n"
        "  --jwt-key-file  access-token signing keys (VIGIL_JWT_KEY_FILE, default jwt.keys\n"
        "               in the data directory; created on first start)\n"
        "  --per-ip-connections  simultaneous connections per client address\n"
        "               (VIGIL_PER_IP_CONNECTIONS, default 64)\n"
        "  --header-timeout  seconds from accept to the end of the request headers\n"
        "               (VIGIL_HEADER_TIMEOUT, default 10); a body gets as long, then must\n"
        "  --body-min-rate   average this many bytes a second (VIGIL_BODY_MIN_RATE, default\n"
        "               1024); a slower client gets 408 and is disconnected\n\n"
        "Environment only: VIGIL_JWT_SECRET (a signing secret of 32+ bytes instead of the key\n"
        "file), VIGIL_RATE_STANDARD, VIGIL_RATE_ADMIN, VIGIL_RATE_SERVICE (rate-limit tiers\n"
        "as PER_MINUTE/BURST; defaults 1000/100, 2000/200, 5000/500), VIGIL_ADMIN_USERNAME and\n"
        "VIGIL_ADMIN_PASSWORD (first start: also create this admin user), VIGIL_SCAN_ALLOW\n"
        "(cidr,... networks scans may reach besides public ones), VIGIL_SCAN_MAX_PER_ORG\n"
        "(running scans per organization, default 2), VIGIL_RATE_ANONYMOUS (requests that fail\n"
        "authentication, per client address; default 60/30), VIGIL_SCAN_KEY_FILE (seals scans'\n"
        "target credentials; default scan-credentials.key in the data directory, created on\n"
        "first start).\n",
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

/* First start: an organization and an admin token, whose secret goes to stdout once. With
 * VIGIL_ADMIN_PASSWORD set, also an admin user (VIGIL_ADMIN_USERNAME, default "admin") who can
 * log in; otherwise users are created through the API with that token. */
static int
bootstrap(struct store *store, struct err *err)
{
    const char *password = getenv("VIGIL_ADMIN_PASSWORD");
    const char *username = cmd_setting(NULL, "VIGIL_ADMIN_USERNAME", "admin");
    char secret[APIKEY_LEN + 1], hash[PASSWORD_ENCODED_MAX];
    struct api_token t = {0};
    struct user in = {0}, user;
    struct arena *a;
    struct org org;
    struct db *db;
    int64_t count;
    int rc = -1;

    if (store_org_count(store, &count, err))
        return -1;
    if (count > 0)
        return 0;
    if (!str_empty(password) &&
        (password_check_policy(password, username, err) || password_hash(password, hash, err))) {
        err_cause(err, "VIGIL_ADMIN_PASSWORD: %s", err->n_fields ? err->fields[0].message : "");
        return -1;
    }
    log_msg(LOG_INFO, "first start: creating the first organization and an admin token "
                      "(printed once on stdout)");
    a = arena_new();
    if (store_org_create(store, "default", a, &org, err))
        goto out;
    t.org_id = org.id;
    t.name = "admin";
    t.scopes = SCOPE_ALL;
    t.created_by = "cli";
    db = store_bind(store, org.id, a);
    if (auth_token_issue(db, &t, a, secret, err))
        goto out;
    if (!str_empty(password)) {
        in.org_id = org.id;
        in.username = username;
        in.password_hash = hash;
        in.role = USER_ROLE_ADMIN;
        if (store_user_create(db, &in, &user, err))
            goto out;
        log_msg(LOG_INFO, "created admin user %s (%s)", user.id, username);
    }
    log_msg(LOG_INFO, "created organization %s and its admin token %s", org.id, t.id);
    printf("%s\n", secret);
    fflush(stdout);
    rc = 0;
out:
    str_wipe(secret, sizeof(secret));
    str_wipe(hash, sizeof(hash));
    arena_free(a);
    return rc;
}

/* "1000/100" (or "1000:100") -> a tier; NULL keeps the default. */
static int
parse_tier(const char *env, struct ratelimit_tier *tier)
{
    const char *v = getenv(env);
    const char *sep;
    char per[32];
    long long p, b;

    if (!v || !*v)
        return 0;
    sep = strpbrk(v, "/:");
    if (!sep || (size_t)(sep - v) >= sizeof(per))
        goto bad;
    memcpy(per, v, (size_t)(sep - v));
    per[sep - v] = '\0';
    if (str_to_ll(per, 1, 100000000, &p) || str_to_ll(sep + 1, 1, 100000000, &b))
        goto bad;
    tier->per_minute = (uint32_t)p;
    tier->burst = (uint32_t)b;
    return 0;
bad:
    fprintf(stderr, "vigil serve: %s wants PER_MINUTE/BURST (e.g. 1000/100), got '%s'\n", env, v);
    return -1;
}

int
cmd_serve(int argc, char **argv)
{
    const char *listen = NULL, *database = NULL, *threads_s = NULL, *body_max_s = NULL,
               *key_file = NULL, *per_ip_s = NULL, *data_dir = NULL, *pool_s = NULL,
               *kek_file = NULL;
    struct cmd_keys state = {.command = "vigil serve", .wants_jwt = true};
    long long db_pool = 0;
    long long per_ip = HTTP_PER_IP_LIMIT_DEFAULT;
    const char *header_timeout_s = NULL, *body_rate_s = NULL;
    long long header_timeout = 10, body_rate = 1024;
    struct jwt_keyring keys;
    struct jwt_config jwt = JWT_CONFIG_DEFAULT;
    struct ratelimit_tier standard = RATELIMIT_TIER_STANDARD, admin = RATELIMIT_TIER_ADMIN,
                          service = RATELIMIT_TIER_SERVICE;
    struct ratelimit_tier anonymous = RATELIMIT_TIER_ANONYMOUS; /* issue 14 item 14 */
    struct ratelimit *limiter = NULL;
    struct ratelimit_throttle *throttle = NULL;
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
    const char *workers_s = NULL;
    long long workers = 1;
    struct scan_policy policy = {0};
    struct jobs_config jobs = {.name = "serve"};
    struct jobs_pool *pool = NULL;
    struct secretbox_key scan_key = {0};
    const char *hook_workers_s = NULL; /* ---- issue 9: webhook delivery workers ---- */
    long long hook_workers = 1;
    struct webhook_jobs_config hooks = {.name = "serve"};
    struct webhook_pool *hook_pool = NULL;
    struct jobs_sweep *sweep = NULL;

    for (int i = 1; i < argc && !bad; i++) {
        const char *v;

        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            serve_usage(stdout);
            return 0;
        } else if ((v = cmd_flag(argc, argv, &i, "--listen", &bad))) {
            listen = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--database", &bad))) {
            database = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--data-dir", &bad))) {
            data_dir = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--db-pool", &bad))) {
            pool_s = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--threads", &bad))) {
            threads_s = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--body-max", &bad))) {
            body_max_s = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--jwt-key-file", &bad))) {
            key_file = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--key-encryption-key-file", &bad))) {
            kek_file = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--scan-workers", &bad))) {
            workers_s = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--webhook-workers", &bad))) {
            hook_workers_s = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--per-ip-connections", &bad))) {
            per_ip_s = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--header-timeout", &bad))) {
            header_timeout_s = v;
        } else if ((v = cmd_flag(argc, argv, &i, "--body-min-rate", &bad))) {
            body_rate_s = v;
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
    data_dir = cmd_setting(data_dir, "VIGIL_DATA_DIR", NULL);
    pool_s = cmd_setting(pool_s, "VIGIL_DB_POOL", NULL);
    if (pool_s && str_to_ll(pool_s, 1, 1024, &db_pool)) {
        fprintf(stderr, "vigil serve: --db-pool wants 1..1024, got '%s'\n", pool_s);
        return 2;
    }
    body_max_s = cmd_setting(body_max_s, "VIGIL_BODY_MAX", NULL);
    key_file = cmd_setting(key_file, "VIGIL_JWT_KEY_FILE", NULL);
    kek_file = cmd_setting(kek_file, "VIGIL_KEK_FILE", NULL);
    per_ip_s = cmd_setting(per_ip_s, "VIGIL_PER_IP_CONNECTIONS", NULL);
    if (per_ip_s && str_to_ll(per_ip_s, 1, 100000, &per_ip)) {
        fprintf(stderr, "vigil serve: --per-ip-connections wants 1..100000, got '%s'\n", per_ip_s);
        return 2;
    }
    header_timeout_s = cmd_setting(header_timeout_s, "VIGIL_HEADER_TIMEOUT", NULL);
    if (header_timeout_s && str_to_ll(header_timeout_s, 1, 3600, &header_timeout)) {
        fprintf(stderr, "vigil serve: --header-timeout wants 1..3600, got '%s'\n",
                header_timeout_s);
        return 2;
    }
    body_rate_s = cmd_setting(body_rate_s, "VIGIL_BODY_MIN_RATE", NULL);
    if (body_rate_s && str_to_ll(body_rate_s, 1, (long long)1 << 30, &body_rate)) {
        fprintf(stderr, "vigil serve: --body-min-rate wants 1..1073741824, got '%s'\n",
                body_rate_s);
        return 2;
    }
    if (parse_tier("VIGIL_RATE_STANDARD", &standard) || parse_tier("VIGIL_RATE_ADMIN", &admin) ||
        parse_tier("VIGIL_RATE_SERVICE", &service) ||
        parse_tier("VIGIL_RATE_ANONYMOUS", &anonymous))
        return 2;
    if (parse_listen(listen, host, sizeof(host), &cfg.port)) {
        fprintf(stderr, "vigil serve: --listen wants HOST:PORT, got '%s'\n", listen);
        return 2;
    }
    workers_s = cmd_setting(workers_s, "VIGIL_SCAN_WORKERS", NULL);
    if (workers_s && str_to_ll(workers_s, 0, 64, &workers)) {
        fprintf(stderr, "vigil serve: --scan-workers wants 0..64, got '%s'\n", workers_s);
        return 2;
    }
    if (jobs_config_from_env(&jobs, &policy, &err)) {
        err_print(stderr, "vigil serve", &err);
        return 2;
    }
    hook_workers_s = cmd_setting(hook_workers_s, "VIGIL_WEBHOOK_WORKERS", NULL);
    if (hook_workers_s && str_to_ll(hook_workers_s, 0, 64, &hook_workers)) {
        fprintf(stderr, "vigil serve: --webhook-workers wants 0..64, got '%s'\n", hook_workers_s);
        return 2;
    }
    if (webhook_jobs_config_from_env(&hooks, &err)) {
        err_print(stderr, "vigil serve", &err);
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
    state.database = database;
    state.data_dir = data_dir;
    state.kek_file = kek_file;
    state.jwt_key_file = key_file;
    if (cmd_keys_prepare(&state))
        return 2;
    jwt_keyring_init(&keys);
    store = store_open(database, &err);
    if (!store)
        goto fail;
    store_set_pool_size(store, (int)db_pool);
    if (cmd_keys_jwt(&state, store, &keys, &err) || cmd_keys_scan(&state, store, &scan_key, &err))
        goto fail;
    if (bootstrap(store, &err) || api_app_init(&app, store, &err))
        goto fail;
    limiter = ratelimit_new(0);
    throttle = ratelimit_throttle_new(NULL, 0);
    app.keys = &keys;
    app.jwt = jwt;
    app.limiter = limiter;
    app.throttle = throttle;
    app.tier_standard = standard;
    app.tier_admin = admin;
    app.tier_service = service;
    app.tier_anonymous = anonymous;
    app.scan_policy = &policy;
    app.scan_key = &scan_key;
    jobs.credentials_key = &scan_key;

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
    cfg.per_ip_limit = (unsigned)per_ip;
    cfg.header_timeout_ms = (unsigned)header_timeout * 1000;
    cfg.body_min_rate = (size_t)body_rate;
    cfg.routes = api_routes(&n_routes);
    cfg.n_routes = n_routes;
    cfg.hooks = api_hooks();
    cfg.app = &app;
    server = http_server_start(&cfg, &err);
    if (!server)
        goto fail;
    log_msg(LOG_INFO, "vigil %s listening on %s:%u (database %s)", VIGIL_VERSION, host,
            (unsigned)http_server_port(server), database);
    jobs.store = store;
    jobs.workers = (int)workers;
    pool = jobs_start(&jobs, &err);
    if (!pool)
        goto fail;
    hooks.store = store;
    hooks.policy = &policy;
    hooks.workers = (int)hook_workers;
    hook_pool = webhook_jobs_start(&hooks, &err);
    if (!hook_pool)
        goto fail;
    sweep = jobs_sweep_start(store, 0, &err);
    if (!sweep)
        goto fail;

    sigwait(&signals, &sig);
    log_msg(LOG_INFO, "signal %d: draining", sig);
    http_server_drain(server, SERVE_DRAIN_TIMEOUT_MS);
    jobs_sweep_stop(sweep);
    webhook_jobs_stop(hook_pool);
    jobs_stop(pool);
    http_server_stop(server);
    api_app_cleanup(&app);
    store_close(store);
    ratelimit_free(limiter);
    ratelimit_throttle_free(throttle);
    jwt_keyring_cleanup(&keys);
    secretbox_key_cleanup(&scan_key);
    cmd_keys_cleanup(&state);
    log_msg(LOG_INFO, "stopped cleanly");
    return 0;

fail:
    log_msg(LOG_ERROR, "vigil serve: %s%s%s", err.detail, err.cause[0] ? ": " : "", err.cause);
    err_print(stderr, "vigil serve", &err);
    jobs_sweep_stop(sweep);
    webhook_jobs_stop(hook_pool);
    jobs_stop(pool);
    http_server_stop(server);
    api_app_cleanup(&app);
    store_close(store);
    ratelimit_free(limiter);
    ratelimit_throttle_free(throttle);
    jwt_keyring_cleanup(&keys);
    secretbox_key_cleanup(&scan_key);
    cmd_keys_cleanup(&state);
    return status;
}
